//! plan, apply and destroy: load → read live → diff → (confirm) → execute.

use super::args::{ApplyArgs, DestroyArgs, Global, PlanArgs, ReportFormat, UnlockArgs};
use super::progress::Progress;
use crate::apply::{self, bulk};
use crate::config::{self, Config, LoadOptions};
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::model::{desire, Kind, Resource};
use crate::plan::{self, diff::PlanInput, render, Plan};
use crate::providers::lock::{self, Lock};
use crate::providers::{self, aws::Aws};
use crate::util::command;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;

pub fn load_config(g: &Global) -> Result<Config> {
    Ok(config::load(&g.stack_file(), &load_options(g)?)?)
}

/// The variables of `--var-file`s, then `--var`s (the later wins).
fn load_options(g: &Global) -> Result<LoadOptions> {
    let mut vars = Vec::new();
    for f in &g.var_files {
        vars.extend(config::load::var_file(f)?);
    }
    vars.extend(g.vars.iter().cloned());
    Ok(LoadOptions { vars })
}

/// Lint findings the renderer takes care of: it inlines `$ref` responses (S1) and declares
/// security through the stack's authorizers (A1, A2), so the imported document has neither.
const HANDLED_BY_RENDER: &[&str] = &["S1", "A1", "A2"];

/// Import-compat lint of every contract: errors stop, warnings are shown on stderr.
pub fn lint_contracts(cfg: &Config) -> Vec<Diagnostic> {
    cfg.contracts
        .values()
        .flat_map(|c| crate::openapi::lint::lint(&c.doc, &c.source))
        .filter(|d| !HANDLED_BY_RENDER.contains(&d.code.as_str()))
        .collect()
}

/// Lint errors that concern what idrv5-gw sends (paths, parameters, model names, values the
/// contract's extensions carry, the document itself). M2 (draft-4 keywords) does not: the
/// schemas are converted to draft 4 before they are sent, with a warning naming each keyword.
const BLOCKING: &[&str] = &["V1", "P1", "P2", "P3", "P5", "M1", "D4", "size", "ref"];

fn stop_on_errors(diags: Vec<Diagnostic>) -> Result<()> {
    let (errors, warnings): (Vec<_>, Vec<_>) = diags
        .into_iter()
        .partition(|d| d.severity == Severity::Error && BLOCKING.contains(&d.code.as_str()));
    if !errors.is_empty() {
        return Err(Diagnostics(errors).into());
    }
    if !warnings.is_empty() {
        eprintln!(
            "{} import-compatibility warning(s); `{}` lists them.",
            warnings.len(),
            command("validate")
        );
    }
    Ok(())
}

pub(super) struct Session {
    pub(super) cfg: Config,
    pub(super) aws: Aws,
    started: Instant,
    /// Deployment fingerprints worked out so far, by deployment id: an apply plans up to
    /// three times (plan, bulk read-back, check) from the same documents, and at 1,000
    /// operations one takes ~40 ms.
    fingerprints: std::sync::Mutex<std::collections::BTreeMap<String, String>>,
}

pub(super) async fn session(g: &Global) -> Result<Session> {
    let started = Instant::now();
    let cfg = load_config(g)?;
    stop_on_errors(lint_contracts(&cfg))?;
    super::account::check_profile(g.profile.as_deref())?;
    let aws = Aws::connect(&g.aws_options(), cfg.file.region.as_deref()).await?;
    if let Some(warning) = super::account::check_region(
        &aws.region,
        g.endpoint_url.is_some() || std::env::var_os("AWS_ENDPOINT_URL").is_some(),
    )? {
        eprintln!("warning: {warning}");
    }
    Ok(Session {
        cfg,
        aws,
        started,
        fingerprints: Default::default(),
    })
}

async fn compute_plan(s: &Session, desired: Vec<Resource>, allow_protected: bool) -> Result<Plan> {
    Ok(compute_plans(s, desired, None, allow_protected).await?.0)
}

/// The plan of `desired`, and of `baseline` against the same read of the account (the
/// drift the stack as it was would also undo).
async fn compute_plans(
    s: &Session,
    desired: Vec<Resource>,
    baseline: Option<Vec<Resource>>,
    allow_protected: bool,
) -> Result<(Plan, Option<Plan>)> {
    let owner = s.cfg.owner();
    // A large document's fingerprint takes as long as the reads wait: work it out meanwhile
    // (once per run: the documents do not change within one).
    let known = s.fingerprints.lock().map(|f| f.clone()).unwrap_or_default();
    let docs = plan::diff::ahead(&desired, |id| !known.contains_key(id));
    let fingerprints = tokio::task::spawn_blocking(move || {
        let mut all = known;
        all.extend(
            docs.into_iter()
                .map(|(id, doc)| (id, plan::diff::fingerprint(&doc))),
        );
        all
    });
    let live = match &baseline {
        None => providers::read_live(&s.aws, &owner, &desired).await?,
        // What either names (log groups, alarms, functions) is read.
        Some(b) => {
            let both: Vec<Resource> = desired.iter().chain(b.iter()).cloned().collect();
            providers::read_live(&s.aws, &owner, &both).await?
        }
    };
    let fingerprints: std::collections::BTreeMap<String, String> = fingerprints.await?;
    if let Ok(mut f) = s.fingerprints.lock() {
        f.clone_from(&fingerprints);
    }
    // Once per run: an apply reads the account again to check it.
    static SAID: std::sync::Mutex<std::collections::BTreeSet<String>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    for note in &live.notes {
        if SAID
            .lock()
            .map(|mut s| s.insert(note.clone()))
            .unwrap_or(true)
        {
            eprintln!("note: {note}");
        }
    }
    if !live.conflicts.is_empty() {
        return Err(Diagnostics(live.conflicts).into());
    }
    let plan_of = |desired: Vec<Resource>, fingerprints| {
        let input = PlanInput {
            stack: &s.cfg.stack,
            environment: &s.cfg.environment,
            region: &s.aws.region,
            desired,
            fingerprints,
            live: &live.state,
            allow_destroy_protected: allow_protected,
        };
        plan::diff::plan(input).map_err(|d| anyhow::Error::from(Diagnostics(d)))
    };
    // The fingerprints worked out ahead are the desired documents', not the baseline's.
    let before = baseline
        .map(|b| plan_of(b, Default::default()))
        .transpose()?;
    Ok((plan_of(desired, fingerprints)?, before))
}

/// The desired state of the stack as `baseline` has it: a stack file, a folder holding the
/// same stack path (another checkout), or a git ref (`main`, `HEAD~1`, a tag).
fn baseline_desired(g: &Global, s: &Session, baseline: &str) -> Result<Vec<Resource>> {
    let stack = g.stack_file();
    let given = std::path::Path::new(baseline);
    let _tmp;
    let file = if given.is_file() {
        given.to_path_buf()
    } else if given.is_dir() {
        given.join(&stack)
    } else {
        let dir = tempfile::tempdir()?;
        let top = git(&["rev-parse", "--show-toplevel"], None)?;
        let top = std::path::PathBuf::from(String::from_utf8_lossy(&top).trim());
        let abs = std::fs::canonicalize(&stack)
            .with_context(|| format!("cannot find the stack file {}", stack.display()))?;
        let rel = abs
            .strip_prefix(std::fs::canonicalize(&top)?)
            .with_context(|| {
                format!(
                    "{} is not inside the git repository {}",
                    stack.display(),
                    top.display()
                )
            })?
            .to_path_buf();
        let tar = git(
            &[
                "-C",
                &top.display().to_string(),
                "archive",
                "--format=tar",
                baseline,
            ],
            None,
        )
        .with_context(|| format!("--baseline {baseline}: not a file, a folder or a git ref"))?;
        let mut untar = std::process::Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(dir.path())
            .stdin(std::process::Stdio::piped())
            .spawn()
            .context("tar, to unpack the baseline")?;
        untar.stdin.take().expect("stdin").write_all(&tar)?;
        if !untar.wait()?.success() {
            bail!("--baseline {baseline}: tar could not unpack `git archive {baseline}`");
        }
        let file = dir.path().join(rel);
        _tmp = dir;
        file
    };
    let cfg = config::load(&file, &load_options(g)?)
        .map_err(|e| anyhow::anyhow!("--baseline {baseline} ({}): {e}", file.display()))?;
    if cfg.owner() != s.cfg.owner() {
        bail!(
            "--baseline {baseline} is the stack {}, not {}",
            cfg.owner(),
            s.cfg.owner()
        );
    }
    desired_of(&cfg, &s.aws.region)
}

/// `git ARGS`'s output, or an error with what git said.
fn git(args: &[&str], dir: Option<&std::path::Path>) -> Result<Vec<u8>> {
    let mut cmd = std::process::Command::new("git");
    if let Some(d) = dir {
        cmd.current_dir(d);
    }
    let out = cmd.args(args).output().context("git")?;
    if !out.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

pub(super) fn desired(s: &Session) -> Result<Vec<Resource>> {
    desired_of(&s.cfg, &s.aws.region)
}

/// A stack's desired state, each resource carrying the stack's tags for its writer.
fn desired_of(cfg: &Config, region: &str) -> Result<Vec<Resource>> {
    let mut rs = desire::desire(cfg, region).map_err(Diagnostics)?;
    let tags = serde_json::json!({"tags": cfg.file.tags});
    for r in rs.iter_mut() {
        match &mut r.payload {
            None => r.payload = Some(tags.clone()),
            // An adopted resource is tagged as one created would be.
            Some(serde_json::Value::Object(p)) if p.contains_key(crate::model::owner::ADOPT) => {
                p.insert("tags".into(), tags["tags"].clone());
            }
            _ => {}
        }
    }
    Ok(rs)
}

fn stats(g: &Global, s: &Session) {
    if g.stats {
        let calls = s.aws.calls.snapshot();
        let total: u64 = calls.values().sum();
        let detail: Vec<String> = calls.iter().map(|(k, v)| format!("{k}={v}")).collect();
        eprintln!(
            "aws calls: {total} ({}); wall time: {} ms",
            detail.join(", "),
            s.started.elapsed().as_millis()
        );
    }
}

/// `--target`: narrow the plan, and say what is left out.
fn targeted(p: &mut Plan, targets: &[String]) -> Result<()> {
    let left = plan::target(p, targets).map_err(|e| anyhow::anyhow!(e))?;
    if !targets.is_empty() {
        eprintln!(
            "warning: a targeted plan: {left} other change(s) of the stack are left out; a plan without --target shows them. Use --target for emergencies, not routine changes."
        );
    }
    Ok(())
}

/// sha256 of each stack file and contract the config was read from, by path.
fn inputs(cfg: &Config) -> std::collections::BTreeMap<String, String> {
    let contracts = cfg.contracts.values().map(|c| &c.source);
    cfg.sources
        .iter()
        .chain(contracts)
        .map(|t| {
            (
                t.path.display().to_string(),
                crate::util::sha256_hex(t.text.as_bytes()),
            )
        })
        .collect()
}

pub async fn plan(g: &Global, a: &PlanArgs) -> Result<i32> {
    let mut s = session(g).await?;
    let baseline = match &a.baseline {
        None => None,
        Some(b) => Some(baseline_desired(g, &s, b)?),
    };
    let want = desired(&s)?;
    let gate = match &a.contract_gate {
        Some(stage) => Some(super::gate::wanted(&s.cfg, &s.aws.region, stage)?),
        None => None,
    };
    let read = inputs(&s.cfg);
    // The contracts are in the desired state now; a large one is megabytes of values that
    // would otherwise sit beside the live state and the plan.
    s.cfg.contracts.clear();
    let (mut p, before) = compute_plans(&s, want, baseline, false).await?;
    targeted(&mut p, &a.targets)?;
    if let Some(before) = &before {
        plan::mark_drift(&mut p, before);
    }
    p.stack_file = g.stack_file().display().to_string();
    p.inputs = read;
    p.cost = Some(plan::cost::of(&p));
    if a.out.is_some() || a.json || a.format == Some(ReportFormat::Json) {
        plan::diff::fill_create_diffs(&mut p);
    }
    if let Some(out) = &a.out {
        let json = serde_json::to_string_pretty(&p)?;
        std::fs::write(out, json)
            .with_context(|| format!("cannot write the plan to {}", out.display()))?;
    }
    let format = match (a.json, a.format) {
        (true, _) => ReportFormat::Json,
        (_, Some(f)) => f,
        _ => ReportFormat::Text,
    };
    if format == ReportFormat::Json {
        if a.full {
            println!("{}", serde_json::to_string_pretty(&p)?);
        } else {
            let mut changed = p.clone();
            changed.changes.retain(|c| c.action != plan::Action::Noop);
            println!("{}", serde_json::to_string_pretty(&changed)?);
        }
    } else if format == ReportFormat::Markdown {
        print!("{}", plan::markdown::markdown(&p));
    } else {
        print!("{}", render::human(&p, render::Style { color: g.color() }));
        if let Some(out) = &a.out {
            println!(
                "Saved the plan to {}; `{}` carries it out.",
                out.display(),
                command(&format!(
                    "apply {}",
                    crate::util::shell_word(&out.display().to_string())
                ))
            );
        }
    }
    stats(g, &s);
    if let (Some(wanted), Some(stage)) = (&gate, &a.contract_gate) {
        let md = format == ReportFormat::Markdown;
        let breaking = super::gate::check(&s.aws, wanted, &p.outputs, stage, md).await?;
        if breaking && !a.allow_breaking {
            eprintln!("error: the stack's contract breaks clients of stage {stage} (see above); pass --allow-breaking to accept it");
            return Ok(super::exit::EXIT_ERROR);
        }
    }
    Ok(if a.detailed_exitcode && p.has_changes() {
        super::exit::EXIT_CHANGES
    } else {
        super::exit::EXIT_OK
    })
}

pub async fn apply(g: &Global, a: &ApplyArgs) -> Result<i32> {
    let planned;
    let g = match (&a.planfile, &g.stack) {
        // The plan file names its stack file: `apply PLANFILE` needs no --stack.
        (Some(file), None) => {
            planned = Global {
                stack: planned_stack(file),
                ..g.clone()
            };
            crate::util::set_invocation(planned.invocation());
            &planned
        }
        _ => g,
    };
    let mut s = session(g).await?;
    s.aws.no_wait = a.no_wait;
    let lock = take_lock(&s, "apply", a.lock_wait).await?;
    let result = apply_locked(g, &s, a).await;
    release_lock(&s, lock).await;
    let code = result?;
    stats(g, &s);
    Ok(code)
}

/// The stack file a saved plan was made from, if the file says (saved_plan checks the rest).
fn planned_stack(file: &std::path::Path) -> Option<std::path::PathBuf> {
    let text = std::fs::read_to_string(file).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let stack = v.get("stack_file")?.as_str()?;
    (!stack.is_empty()).then(|| stack.into())
}

/// `apply` once the lock (if any) is held: plan, confirm, then bulk or change by change.
async fn apply_locked(g: &Global, s: &Session, a: &ApplyArgs) -> Result<i32> {
    let mode = a.bulk.mode();
    let p = match &a.planfile {
        None => {
            let mut p = compute_plan(s, desired(s)?, a.allow_destroy_protected).await?;
            targeted(&mut p, &a.targets)?;
            p
        }
        Some(file) => saved_plan(s, file, a.allow_destroy_protected).await?,
    };
    // A saved plan is the approval: it was reviewed when it was made.
    if !confirm(g, &p, a.auto_approve || a.planfile.is_some(), "apply")? {
        return Ok(if p.has_changes() { 1 } else { 0 });
    }
    // A saved plan is carried out as reviewed, change by change; so is a targeted one.
    let chosen = if a.planfile.is_some() || !a.targets.is_empty() {
        if mode == bulk::Mode::Always {
            println!("bulk: not used for a saved plan: it is carried out change by change");
        }
        Vec::new()
    } else {
        let learned: bulk::Learned = s
            .aws
            .cache_file("import")
            .map(|f| crate::cache::load(&f))
            .unwrap_or_default();
        let chosen = bulk::choose(&p, mode, &learned);
        // Where what the last import left changed the choice, say so.
        let unlearned = bulk::choose(&p, mode, &bulk::Learned::default());
        for (e, u) in chosen.iter().zip(&unlearned) {
            if let (false, true, Some(r)) = (e.bulk, u.bulk, e.learned) {
                println!("bulk: not used for {}: the last import on this endpoint left {r:.2} repair calls per per-route call (learned from its read-back; `--bulk always` forces it)", e.api);
            }
        }
        chosen
    };
    let code = if chosen.iter().any(|e| e.bulk) {
        bulk_apply(g, s, p, &chosen, a).await?
    } else {
        if mode == bulk::Mode::Always {
            for e in chosen.iter().filter(|e| !e.eligible) {
                println!(
                    "bulk: not used for {}: it is replaced or has no path or route changes",
                    e.api
                );
            }
        }
        let goal = Goal {
            destroy: false,
            allow_protected: a.allow_destroy_protected,
        };
        let summary = p.summary.clone();
        execute(g, s, p, (a.concurrency, goal), "apply", &summary).await?
    };
    Ok(code)
}

/// `idrv5-gw unlock`: break a stale lock (or any, with --force) and say who held it.
pub async fn unlock(g: &Global, a: &UnlockArgs) -> Result<i32> {
    let s = session(g).await?;
    let Some(l) = &s.cfg.file.lock else {
        bail!("the stack has no `lock:`: there is nothing to unlock");
    };
    let owner = s.cfg.owner();
    match lock::unlock(&s.aws, &l.dynamodb_table, &owner, a.force).await? {
        None => println!("{owner} is not locked."),
        Some(h) => {
            let why = h.stale(lock::now()).unwrap_or_else(|| "forced".to_string());
            println!(
                "Released the lock on {owner}, held by {} ({why}).",
                h.holder
            );
        }
    }
    Ok(0)
}

/// The stack's `lock:`, taken before live state is read so the plan cannot go stale under
/// another apply.
pub(super) async fn take_lock(s: &Session, verb: &str, wait: u64) -> Result<Option<Lock>> {
    let Some(l) = &s.cfg.file.lock else {
        return Ok(None);
    };
    let unlock = command("unlock");
    let lock = Lock::acquire(
        &s.aws,
        (
            &l.dynamodb_table,
            &s.cfg.owner(),
            l.lease_seconds
                .map_or(lock::LEASE, std::time::Duration::from_secs),
        ),
        verb,
        std::time::Duration::from_secs(wait),
        &unlock,
    )
    .await?;
    Ok(Some(lock))
}

pub(super) async fn release_lock(s: &Session, lock: Option<Lock>) {
    if let Some(l) = lock {
        if let Err(e) = l.release(&s.aws).await {
            eprintln!(
                "warning: could not release the lock on {}: {e} (its lease ends it)",
                s.cfg.owner()
            );
        }
    }
}

/// The bulk path: what the documents need first (new REST APIs, the VPC links they name),
/// one PutRestApi per chosen API, then a fresh read and plan, carried out granularly (the
/// repair: what the import did not carry, deployments, stages and everything else).
async fn bulk_apply(
    g: &Global,
    s: &Session,
    p: Plan,
    chosen: &[bulk::Estimate],
    a: &ApplyArgs,
) -> Result<i32> {
    let summary = p.summary.clone();
    let (docs, _) = desire::documents(&s.cfg, &s.aws.region).map_err(Diagnostics)?;
    let progress = Arc::new(Progress::new(std::io::stdout().is_terminal() && g.color()));
    let written = apply::bulk_write::write_documents(
        &s.aws,
        &s.cfg.owner(),
        p,
        chosen,
        docs,
        progress.clone(),
        a.concurrency.max(1),
    )
    .await;
    progress.finish();
    // Read everything again: the repair plan is the same desired state against what the
    // account now holds. (The first plan and the documents are dropped by now: at 1,000
    // operations each holds tens of MB.) The trees read are kept for the check after the
    // repair, which reads again only those a repair write may have changed.
    s.aws.keep_trees(true);
    let repair = compute_plan(s, desired(s)?, a.allow_destroy_protected).await;
    s.aws.keep_trees(false);
    let repair = repair?;
    if let Some(c) = repair.pending().find(|c| {
        c.kind == Kind::RestApi && written.contains(&c.id) && c.action == plan::Action::Create
    }) {
        bail!("{} was written with PutRestApi but is not found as this stack's any more (its tags?); nothing else was changed after it. Check the API in the console before applying again.", c.id);
    }
    // What the import left here, for the next run's choice.
    if let (Some(e), Some(f)) = (chosen.iter().find(|e| e.bulk), s.aws.cache_file("import")) {
        crate::cache::save(&f, &bulk::Learned::observe(e, &repair));
    }
    let remaining = repair.pending().filter(|c| c.covered_by.is_none()).count();
    println!("bulk: {remaining} change(s) remain after the read-back");
    let goal = Goal {
        destroy: false,
        allow_protected: a.allow_destroy_protected,
    };
    execute(g, s, repair, (a.concurrency, goal), "apply", &summary).await
}

async fn saved_plan(s: &Session, file: &std::path::Path, allow: bool) -> Result<Plan> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read plan file {}", file.display()))?;
    let saved: Plan = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a plan file written by `idrv5-gw plan --out`",
            file.display()
        )
    })?;
    let again = command(&format!(
        "plan --out {}",
        crate::util::shell_word(&file.display().to_string())
    ));
    if saved.format_version != plan::FORMAT_VERSION {
        bail!(
            "{} has plan format {}, this idrv5-gw reads {}: run `{}` again",
            file.display(),
            saved.format_version,
            plan::FORMAT_VERSION,
            again
        );
    }
    if let Err(errors) = saved.check() {
        bail!(
            "{} cannot be carried out as saved:\n  {}\nRun `{again}` again instead of editing the plan file",
            file.display(),
            errors.join("\n  "),
        );
    }
    if (saved.stack.as_str(), saved.environment.as_str())
        != (s.cfg.stack.as_str(), s.cfg.environment.as_str())
    {
        bail!(
            "{} was planned for {}/{}, but --stack is {}: pass the same stack file",
            file.display(),
            saved.stack,
            saved.environment,
            s.cfg.owner()
        );
    }
    let now_inputs = inputs(&s.cfg);
    let changed: Vec<&String> = saved
        .inputs
        .iter()
        .filter(|(f, digest)| now_inputs.get(*f) != Some(*digest))
        .map(|(f, _)| f)
        .collect();
    if !changed.is_empty() {
        bail!(
            "{} changed since {} was planned: run `{again}` again and review the new plan",
            changed
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            file.display()
        );
    }
    let now = compute_plan(s, desired(s)?, allow).await?;
    if now.live_digest != saved.live_digest {
        bail!("the live state changed since {} was planned: run `{again}` again and review the new plan", file.display());
    }
    Ok(saved)
}

pub async fn destroy(g: &Global, a: &DestroyArgs) -> Result<i32> {
    let s = session(g).await?;
    let lock = take_lock(&s, "destroy", a.lock_wait).await?;
    let result = async {
        let p = compute_plan(&s, Vec::new(), a.allow_destroy_protected).await?;
        Ok::<i32, anyhow::Error>(if confirm(g, &p, a.auto_approve, "destroy")? {
            let goal = Goal {
                destroy: true,
                allow_protected: a.allow_destroy_protected,
            };
            let summary = p.summary.clone();
            execute(g, &s, p, (a.concurrency, goal), "destroy", &summary).await?
        } else if p.has_changes() {
            1
        } else {
            0
        })
    }
    .await;
    release_lock(&s, lock).await;
    let code = result?;
    stats(g, &s);
    Ok(code)
}

/// Print the plan and ask; true when there are changes and the user (or --auto-approve)
/// said yes.
fn confirm(g: &Global, p: &Plan, auto: bool, verb: &str) -> Result<bool> {
    print!("{}", render::human(p, render::Style { color: g.color() }));
    if !p.has_changes() {
        return Ok(false);
    }
    if !auto {
        if !std::io::stdin().is_terminal() {
            bail!("refusing to {verb} without confirmation: no terminal to ask on. Review the plan and pass --auto-approve");
        }
        print!("\nDo you want to {verb} these changes? Only 'yes' is accepted: ");
        std::io::stdout().flush().ok();
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if answer.trim() != "yes" {
            println!("Nothing changed.");
            return Ok(false);
        }
    }
    Ok(true)
}

/// What a run makes the account hold: the stack (`apply`), or nothing of it (`destroy`).
#[derive(Clone, Copy)]
struct Goal {
    destroy: bool,
    allow_protected: bool,
}

impl Goal {
    async fn plan(self, s: &Session) -> Result<Plan> {
        let want = if self.destroy {
            Vec::new()
        } else {
            desired(s)?
        };
        compute_plan(s, want, self.allow_protected).await
    }
}

/// Carry out a plan and say how it went; `summary` is what the user confirmed. "Complete"
/// is said only once a fresh read shows the account as the plan promised (`verify`).
async fn execute(
    g: &Global,
    s: &Session,
    p: Plan,
    (concurrency, goal): (usize, Goal),
    verb: &str,
    summary: &plan::Summary,
) -> Result<i32> {
    println!();
    let ran = apply::verify::ids(&p);
    let report = run(g, s, p, concurrency).await;
    if report.only_deferred() {
        println!(
            "\n{} partly complete: {} change(s) done, {} deferred, {} waiting on them.",
            capital(verb),
            report.done.len(),
            report.deferred.len(),
            report.skipped.len()
        );
        for (id, why) in &report.deferred {
            println!("  deferred: {id}: {why}");
        }
        println!(
            "Run `{}` again once they are ready (exit code {}).",
            crate::util::rerun(verb),
            super::exit::EXIT_DEFERRED
        );
        return Ok(super::exit::EXIT_DEFERRED);
    }
    if report.ok() {
        verify(g, s, &ran, (concurrency, goal), verb).await?;
        let s = summary;
        println!(
            "\n{} complete: {} created, {} updated, {} replaced, {} deleted.",
            capital(verb),
            s.create,
            s.update,
            s.replace,
            s.delete
        );
        return Ok(0);
    }
    let mut msg = format!(
        "{verb} stopped: {} change(s) done, {} failed, {} not started.\n",
        report.done.len(),
        report.failed.len(),
        report.skipped.len()
    );
    for (id, e) in &report.failed {
        msg.push_str(&format!("  failed: {id}: {e}\n"));
    }
    for (id, e) in &report.deferred {
        msg.push_str(&format!("  deferred: {id}: {e}\n"));
    }
    for id in &report.skipped {
        msg.push_str(&format!("  skipped: {id}\n"));
    }
    msg.push_str(&format!("Everything done so far is tagged and will be found again: run `{}` once more to finish (it reads what exists first, and removes any duplicate a lost answer left).", crate::util::rerun(verb)));
    bail!(msg)
}

async fn run(g: &Global, s: &Session, p: Plan, concurrency: usize) -> apply::Report {
    let progress = Arc::new(Progress::new(std::io::stdout().is_terminal() && g.color()));
    let report = apply::execute(
        &s.aws,
        p,
        &s.cfg.owner(),
        progress.clone(),
        concurrency.max(1),
    )
    .await;
    progress.finish();
    report
}

/// Read the account again and plan against the same goal: nothing of `ran` may be left.
/// Duplicates (a create whose answer was lost, sent again) are deleted now, once; anything
/// else left is an error that lists it.
async fn verify(
    g: &Global,
    s: &Session,
    ran: &std::collections::BTreeSet<String>,
    (concurrency, goal): (usize, Goal),
    verb: &str,
) -> Result<()> {
    for round in 0..2 {
        let now = goal.plan(s).await.with_context(|| {
            format!("{verb} made its changes but could not read the account back to check them; run `{}` to see what is left", command("plan"))
        })?;
        let left = apply::verify::left_over(ran, &now);
        if left.is_empty() {
            return Ok(());
        }
        let cleanup = apply::verify::duplicates_only(&now, &left).filter(|_| round == 0);
        let Some(cleanup) = cleanup else {
            let mut msg = format!(
                "{verb} finished its changes, but the account does not match the plan: {} change(s) still to make:\n",
                left.len()
            );
            for c in &left {
                msg.push_str(&format!("  {} {}\n", c.action.symbol(), c.id));
            }
            msg.push_str(&format!(
                "Run `{}` to see them in full, and `{}` again to make them.",
                command("plan"),
                crate::util::rerun(verb)
            ));
            bail!(msg);
        };
        let ids: Vec<&str> = cleanup.changes.iter().map(|c| c.id.as_str()).collect();
        println!(
            "\nRemoving {} duplicate(s) a lost answer left: {}",
            ids.len(),
            ids.join(", ")
        );
        let report = run(g, s, cleanup, concurrency).await;
        if !report.ok() {
            let failed: Vec<String> = report
                .failed
                .iter()
                .map(|(id, e)| format!("  failed: {id}: {e}"))
                .collect();
            bail!(
                "{verb} could not remove the duplicates it found:\n{}\nRun `{}` again.",
                failed.join("\n"),
                command(verb)
            );
        }
    }
    Ok(())
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}
