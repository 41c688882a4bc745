use clap::Parser;

fn main() {
    // Rust ignores SIGPIPE, so a write to a closed pipe panics (exit 101, a backtrace hint);
    // with the default action the process ends quietly, as every Unix filter does.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // One malloc arena: the runtime's threads take turns building the plan, reading the
    // account back and planning again; with an arena each, what one freed is not reused by
    // the next (a 1,000-operation apply peaked at 113 MB, with one arena at 99 MB). The tool
    // waits on AWS, never on malloc.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: before any thread starts; mallopt only sets a parameter.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
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
