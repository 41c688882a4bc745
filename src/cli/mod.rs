//! Command-line interface: arguments → library calls → exit codes (Terraform's: 0 success or
//! no changes, 1 error, 2 changes present with --detailed-exitcode; and 3, work deferred).

mod account;
mod args;
mod canary;
mod contract_diff;
pub mod exit;
mod export;
mod gate;
mod graph;
mod iam;
mod import;
mod import_edge;
mod import_items;
mod import_v2;
mod progress;
pub mod stack;
pub mod validate;

pub use args::*;
pub use exit::*;

/// Logs go to stderr, so plans and JSON on stdout stay clean. Nothing secret is logged:
/// the call path logs operations, attempts, codes and latencies, never requests.
fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::new(v),
        _ => EnvFilter::new(match verbose {
            // Only our own: the SDK's warnings were never shown and are not now.
            0 => "idrv5_gw=warn",
            1 => "idrv5_gw=debug",
            _ => "idrv5_gw=trace,aws_smithy_runtime=debug,aws_config=info",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

/// Run a command; returns the process exit code. Errors are printed here, once.
pub fn run(cli: Cli) -> i32 {
    init_logging(cli.global.verbose);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 1;
        }
    };
    let g = cli.global.clone();
    // Under JSON output, errors are JSON on stdout too: a program reads one stream.
    let json = match &cli.command {
        Command::Validate(a) => a.json,
        Command::Plan(a) => a.json || a.format == Some(ReportFormat::Json),
        Command::ContractDiff(a) => a.format == ReportFormat::Json,
        _ => false,
    };
    crate::util::set_invocation(g.invocation());
    let result = rt.block_on(async move {
        match cli.command {
            Command::Validate(a) => validate::run(&g, &a),
            Command::Plan(a) => stack::plan(&g, &a).await,
            Command::Apply(a) => stack::apply(&g, &a).await,
            Command::Destroy(a) => stack::destroy(&g, &a).await,
            Command::ExportOpenapi(a) => export::run(&g, &a).await,
            Command::Graph(a) => graph::run(&g, &a),
            Command::ContractDiff(a) => contract_diff::run(&a),
            Command::IamPolicy => iam::run(&g),
            Command::Completions(a) => {
                use clap::CommandFactory;
                clap_complete::generate(
                    a.shell,
                    &mut Cli::command(),
                    "idrv5-gw",
                    &mut std::io::stdout(),
                );
                Ok(EXIT_OK)
            }
            Command::Man => {
                use clap::CommandFactory;
                clap_mangen::Man::new(Cli::command())
                    .render(&mut std::io::stdout())
                    .map(|_| EXIT_OK)
                    .map_err(Into::into)
            }
            Command::Unlock(a) => stack::unlock(&g, &a).await,
            Command::Import(a) => import::run(&g, &a).await,
            Command::Promote(a) => canary::run(&g, &a, canary::Verb::Promote).await,
            Command::Rollback(a) => canary::run(&g, &a, canary::Verb::Rollback).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) if json => {
            println!("{}", error_json(&e));
            EXIT_ERROR
        }
        Err(e) => {
            eprintln!("{}", error_text(&e));
            EXIT_ERROR
        }
    }
}

/// `{"error": {"message", "diagnostics": [...]}}`: the error as a program reads it.
fn error_json(e: &anyhow::Error) -> String {
    let diagnostics = e
        .downcast_ref::<crate::diag::Diagnostics>()
        .map(|d| serde_json::to_value(&d.0).unwrap_or_default())
        .unwrap_or_else(|| serde_json::json!([]));
    let causes: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
    let v = serde_json::json!({"error": {
        "message": e.to_string(),
        "causes": causes,
        "diagnostics": diagnostics,
    }});
    serde_json::to_string_pretty(&v).unwrap_or_default()
}

fn error_text(e: &anyhow::Error) -> String {
    if let Some(d) = e.downcast_ref::<crate::diag::Diagnostics>() {
        return d.to_string();
    }
    let mut s = format!("error: {e}");
    for cause in e.chain().skip(1) {
        s.push_str(&format!("\n  caused by: {cause}"));
    }
    s
}
