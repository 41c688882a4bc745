use clap::Parser;

fn main() {
    // Rust ignores SIGPIPE, so a write to a closed pipe panics (exit 101, a backtrace hint);
    // with the default action the process ends quietly, as every Unix filter does.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match idrv5_gw::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are answers (0); a usage error is an error (1), never 2,
            // which `--detailed-exitcode` keeps for "changes".
            let _ = e.print();
            std::process::exit(if e.use_stderr() {
                idrv5_gw::cli::EXIT_ERROR
            } else {
                idrv5_gw::cli::EXIT_OK
            });
        }
    };
    let code = idrv5_gw::cli::run(cli);
    std::process::exit(code);
}
