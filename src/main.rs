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
    // One malloc arena for the commands that plan, write and read back: the runtime's
    // threads take turns building the plan, reading the account back and planning again;
    // with an arena each, what one freed is not reused by the next (a 1,000-operation apply
    // peaked at 113 MB, with one arena at 99 MB). Not for the offline commands, whose two
    // threads (render, lint) allocate at once and would queue on one arena (validate at
    // 1,000 operations: 60 → 160 ms).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if matches!(
        cli.command,
        idrv5_gw::cli::Command::Apply(_) | idrv5_gw::cli::Command::Destroy(_)
    ) {
        // SAFETY: before the runtime's threads start; mallopt only sets a parameter.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 1);
        }
    }
    let code = idrv5_gw::cli::run(cli);
    std::process::exit(code);
}
