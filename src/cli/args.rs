//! The command line: global flags, commands and their arguments (clap).

use crate::config::load::parse_var;
use crate::providers::aws::AwsOptions;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "idrv5-gw",
    version,
    about = "AWS API Gateway stacks as code: plan, apply, destroy, export-openapi",
    after_help = "Examples:
  idrv5-gw validate --stack stacks/idrv5/dev.yaml
  idrv5-gw plan --stack stacks/idrv5/dev.yaml --out dev.plan
  idrv5-gw apply dev.plan                      # the saved plan is the approval
  idrv5-gw plan --stack stacks/idrv5/dev.yaml --detailed-exitcode   # 0 none, 2 changes, 1 error
  idrv5-gw contract-diff main:examples/idrv5/openapi.yaml examples/idrv5/openapi.yaml
  idrv5-gw export-openapi --stack stacks/idrv5/dev.yaml -o openapi.export.yaml

Exit codes: 0 success or no changes; 1 any error; 2 changes (plan --detailed-exitcode);
3 applied with work deferred (apply --no-wait)."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Stack file: an environment file such as stacks/idrv5/prod.yaml (it names its base).
    /// [default: stack.yaml; for `apply PLANFILE`, the stack file the plan was made from]
    #[arg(long, global = true)]
    pub stack: Option<PathBuf>,
    /// Override a stack variable (repeatable): --var backend_host=10.0.0.1:8080
    #[arg(long = "var", global = true, value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Read stack variables from a YAML (or JSON) file of `name: value` (repeatable; a later
    /// file and every --var win): --var-file ci/dev.vars.yaml
    #[arg(long = "var-file", global = true, value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// AWS region (default: the stack's `region`, then AWS_REGION / the profile).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile from ~/.aws/config.
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator such as moto_server). Without
    /// it the SDK's own variables apply: `AWS_ENDPOINT_URL`, and per service
    /// `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `_API_GATEWAY`), which wins over it.
    #[arg(long, global = true)]
    pub endpoint_url: Option<String>,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Print AWS calls made, by operation, and the wall time, on stderr.
    #[arg(long, global = true)]
    pub stats: bool,
    /// Log on stderr: -v each AWS call (operation, attempt, latency), -vv more. RUST_LOG,
    /// when set, wins (e.g. RUST_LOG=idrv5_gw=debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// The stack file: `--stack`, else `stack.yaml`.
    pub fn stack_file(&self) -> PathBuf {
        self.stack.clone().unwrap_or_else(|| "stack.yaml".into())
    }

    /// The options a command the user is told to run needs too (`util::command`).
    pub fn invocation(&self) -> String {
        use crate::util::shell_word;
        let mut out = String::new();
        if let Some(s) = &self.stack {
            out.push_str(&format!(
                " --stack {}",
                shell_word(&s.display().to_string())
            ));
        }
        for f in &self.var_files {
            out.push_str(&format!(
                " --var-file {}",
                shell_word(&f.display().to_string())
            ));
        }
        for (k, v) in &self.vars {
            out.push_str(&format!(" --var {}", shell_word(&format!("{k}={v}"))));
        }
        if let Some(r) = &self.region {
            out.push_str(&format!(" --region {}", shell_word(r)));
        }
        if let Some(e) = &self.endpoint_url {
            out.push_str(&format!(" --endpoint-url {}", shell_word(e)));
        }
        out
    }

    /// The region commands that make no AWS call work in: `--region`, the stack's, or
    /// us-east-1.
    pub fn offline_region(&self, cfg: &crate::config::Config) -> String {
        self.region
            .clone()
            .or(cfg.file.region.clone())
            .unwrap_or_else(|| "us-east-1".into())
    }

    pub fn aws_options(&self) -> AwsOptions {
        AwsOptions {
            region: self.region.clone(),
            profile: self.profile.clone(),
            endpoint_url: self.endpoint_url.clone(),
        }
    }
    pub fn color(&self) -> bool {
        use std::io::IsTerminal;
        !self.no_color && std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal()
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the stack and its OpenAPI contracts offline, with API Gateway import-compatibility lint.
    Validate(ValidateArgs),
    /// Read live state and show what apply would change.
    Plan(PlanArgs),
    /// Make the account match the stack (or carry out a saved plan).
    Apply(ApplyArgs),
    /// Delete everything the stack owns, in reverse dependency order.
    Destroy(DestroyArgs),
    /// Write the OpenAPI document (with x-amazon-apigateway extensions) the stack imports.
    ExportOpenapi(ExportArgs),
    /// Print the resource dependency graph.
    Graph(GraphArgs),
    /// Compare two versions of a contract as its clients see them: each difference is
    /// breaking or compatible; exits 1 on a breaking one unless --allow-breaking.
    ///
    /// OLD and NEW are files, or git's `REF:PATH` (read with `git show`):
    ///   idrv5-gw contract-diff main:examples/idrv5/openapi.yaml examples/idrv5/openapi.yaml
    #[command(verbatim_doc_comment)]
    ContractDiff(ContractDiffArgs),
    /// Print a shell completion script:
    ///   idrv5-gw completions bash > /etc/bash_completion.d/idrv5-gw
    ///   idrv5-gw completions zsh > "${fpath[1]}/_idrv5-gw"
    ///   idrv5-gw completions fish > ~/.config/fish/completions/idrv5-gw.fish
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Print the man page (roff): idrv5-gw man > /usr/local/share/man/man1/idrv5-gw.1
    Man,
    /// Print the IAM policy the stack's plan and apply need (JSON), from what it declares,
    /// scoped to its own names where AWS allows.
    IamPolicy,
    /// Write a contract (openapi.yaml) and a stack file (stack.yaml) for a REST API that runs
    /// already, with HTTP and WebSocket APIs beside it, so idrv5-gw takes them over: one
    /// another tool made is written with `adopt:` (the first apply tags it, creating
    /// nothing); what it cannot carry yet is named.
    ///   idrv5-gw import --rest-api a1b2c3d4e5 --out stacks/legacy --region eu-west-1
    ///   idrv5-gw import --http-api items --websocket-api chat --out stacks/realtime
    ///   terraform show -json > state.json
    ///   idrv5-gw import --from-terraform-state state.json --out stacks/orca --region us-east-1
    #[command(verbatim_doc_comment)]
    Import(ImportArgs),
    /// Move a stage's canary deployment to the stage itself and end the canary: every
    /// request then gets the new deployment. Stage variables stay as the stack declares.
    Promote(CanaryArgs),
    /// End a stage's canary: every request gets the stage's own deployment again. The
    /// stack still declares the new API: revert it, or the next apply starts a canary again.
    Rollback(CanaryArgs),
    /// Release the stack's apply lock left by a run that died: only a stale one (its process
    /// gone from this host, or its lease over) unless --force. Says who held it.
    Unlock(UnlockArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The REST API: its id, or its name when only one has it.
    #[arg(
        long,
        required_unless_present_any = ["from_terraform_state", "http_api", "websocket_api"],
        conflicts_with = "from_terraform_state"
    )]
    pub rest_api: Option<String>,
    /// An HTTP API (id or name) of the same stack, written under `http_apis` of the same
    /// stack file; repeat for more. Only APIs idrv5-gw made (tagged) so far.
    #[arg(long, conflicts_with = "from_terraform_state")]
    pub http_api: Vec<String>,
    /// A WebSocket API (id or name) of the same stack, under `websocket_apis`; repeatable.
    #[arg(long, conflicts_with = "from_terraform_state")]
    pub websocket_api: Vec<String>,
    /// Take over the REST, HTTP and WebSocket APIs of a Terraform state (`terraform show
    /// -json` output or a .tfstate): each is imported from the account, and the `terraform
    /// state rm` lines for what was handed over are printed.
    #[arg(long, value_name = "FILE")]
    pub from_terraform_state: Option<PathBuf>,
    /// The folder to write openapi.yaml and stack.yaml into (created; existing files are
    /// not overwritten).
    #[arg(long)]
    pub out: PathBuf,
    /// The stack's name; default: the API's name. (An API idrv5-gw made keeps its own.)
    #[arg(long)]
    pub stack_name: Option<String>,
    /// The stack's environment.
    #[arg(long, default_value = "imported")]
    pub environment: String,
    /// The API's key under `rest_apis`.
    #[arg(long, default_value = "main")]
    pub key: String,
}

#[derive(Debug, Args)]
pub struct CanaryArgs {
    /// The stage with the canary, e.g. `prod`.
    #[arg(long)]
    pub stage: String,
    /// The REST API's key in the stack (`apis.<key>`); needed when several have the stage.
    #[arg(long)]
    pub api: Option<String>,
    /// Seconds to wait for the stack's lock held by another run.
    #[arg(long, default_value_t = 0)]
    pub lock_wait: u64,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Break the lock even if its holder looks alive (make sure it is not running).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Print the plan as versioned JSON (docs/plan-format.md) instead of text: `--format json`.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// `text` for a terminal, `markdown` for a pull-request comment (a summary table,
    /// collapsible sections), `json` for a program (docs/plan-format.md).
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// Separate drift from this change: the changes the stack as it is at BASELINE (a git
    /// ref such as `main`, a stack file, or a folder with the same stack path) would make
    /// too were changed outside idrv5-gw; the rest is what the edit under review does.
    #[arg(long, value_name = "BASELINE")]
    pub baseline: Option<String>,
    /// Plan only these resources (an id such as `stage.main.prod`, or a prefix of ids such as
    /// `route.main.`; repeatable) and what they wait for. For emergencies: the rest of
    /// the stack is left as it is, and the plan says how much that is.
    #[arg(long = "target", value_name = "ID")]
    pub targets: Vec<String>,
    /// With JSON: every resource checked, unchanged ones (`noop`) included; without it only
    /// the changes. A saved plan (`--out`) always has them all.
    #[arg(long)]
    pub full: bool,
    /// Save the plan to FILE for `apply FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes, 0 when none, 1 on error.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// The contract-diff gate against what STAGE serves now (API Gateway's export of it):
    /// each difference for its clients is breaking or compatible (on stderr); exit 1 on a
    /// breaking one unless --allow-breaking.
    #[arg(long, value_name = "STAGE")]
    pub contract_gate: Option<String>,
    /// Accept breaking contract changes found by --contract-gate (still listed).
    #[arg(long, requires = "contract_gate")]
    pub allow_breaking: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plan --out`; refused if live state changed since.
    pub planfile: Option<PathBuf>,
    /// Apply only these resources (an id such as `stage.main.prod`, or a prefix of ids;
    /// repeatable) and what they wait for, change by change.
    #[arg(long = "target", value_name = "ID", conflicts_with = "planfile")]
    pub targets: Vec<String>,
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow deleting or replacing resources marked `protect`.
    #[arg(long)]
    pub allow_destroy_protected: bool,
    /// Changes carried out at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Do not wait for new ACM certificates to be issued: request them, write their
    /// validation records, and leave the domains that need them to the next apply.
    #[arg(long)]
    pub no_wait: bool,
    /// With a stack `lock:`, wait up to SECONDS for another apply of the stack to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_wait: u64,
    /// Write a REST API's routes with one PutRestApi of its document, then repair what the
    /// import did not carry: `auto` when the quota cost model says it is cheaper (large
    /// changes), `always`, or `never` (per-route calls). Not for saved plans.
    #[arg(long, value_enum, default_value = "auto")]
    pub bulk: BulkMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BulkMode {
    Auto,
    Always,
    Never,
}

impl BulkMode {
    pub fn mode(self) -> crate::apply::bulk::Mode {
        match self {
            BulkMode::Auto => crate::apply::bulk::Mode::Auto,
            BulkMode::Always => crate::apply::bulk::Mode::Always,
            BulkMode::Never => crate::apply::bulk::Mode::Never,
        }
    }
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Do not ask for confirmation (required when not on a terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Allow deleting resources marked `protect` (default for environment prod).
    #[arg(long)]
    pub allow_destroy_protected: bool,
    /// Deletes carried out at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// With a stack `lock:`, wait up to SECONDS for another apply of the stack to finish.
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub lock_wait: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DocFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the findings as JSON on stdout (`valid`, counts, each diagnostic with its
    /// code, severity, place and fix), for editors and pipelines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ContractDiffArgs {
    /// The version clients were written against: a file, or `REF:PATH` in git.
    pub old: String,
    /// The version under review: a file, or `REF:PATH` in git.
    pub new: String,
    /// `text` for a terminal, `markdown` for a pull-request comment, `json` for a program.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Exit 0 even when a change breaks clients (the report still says so).
    #[arg(long)]
    pub allow_breaking: bool,
}

/// How a report is printed: for a terminal, a pull-request comment, or a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Which REST API (key under rest_apis); default the only one.
    #[arg(long)]
    pub api: Option<String>,
    /// The document's format.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: DocFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Export what a deployed stage serves (GetExport) instead of rendering offline.
    #[arg(long, requires = "stage")]
    pub live: bool,
    /// The stage whose deployed document `--live` exports.
    #[arg(long)]
    pub stage: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Graphviz `dot`, or a Mermaid flowchart (renders in GitHub Markdown).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
}
