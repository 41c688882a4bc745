//! The tool as a pipeline step (issue 16): the contract gate against git, exit codes a
//! pipeline can branch on.

use std::path::Path;
use std::process::{Command, Stdio};

fn idrv5(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let bin = std::env::var_os("IDRV5_GW_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_idrv5-gw").into());
    let out = Command::new(bin)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .output()
        .expect("run idrv5-gw");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("git")
        .success();
    assert!(ok, "git {args:?}");
}

/// The pull-request gate: the example contract as committed (git's `REF:PATH`) against the
/// working copy with one field removed from a response and one optional parameter added.
#[test]
fn contract_diff_gates_a_breaking_change_against_git_and_reports_it_three_ways() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/idrv5/openapi.yaml")).unwrap();
    std::fs::write(dir.join("openapi.yaml"), &text).unwrap();
    git(dir, &["init", "-q"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "contract"]);

    // Unchanged: nothing to say, exit 0.
    let (code, out, _) = idrv5(dir, &["contract-diff", "HEAD:openapi.yaml", "openapi.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(": 0 breaking, 0 compatible"), "{out}");

    // The Zone schema loses `name`: every answer that carries a zone breaks its clients.
    assert!(text.contains("    Zone:"), "the example has a Zone schema");
    let edited = remove_property(&text, "Zone", "name");
    std::fs::write(dir.join("openapi.yaml"), edited).unwrap();
    let (code, out, err) = idrv5(dir, &["contract-diff", "HEAD:openapi.yaml", "openapi.yaml"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("property `name` removed [response-property-removed]"),
        "{out}"
    );
    assert!(err.contains("--allow-breaking"), "{err}");

    let (code, _, _) = idrv5(
        dir,
        &[
            "contract-diff",
            "HEAD:openapi.yaml",
            "openapi.yaml",
            "--allow-breaking",
        ],
    );
    assert_eq!(code, 0);
    let (_, md, _) = idrv5(
        dir,
        &[
            "contract-diff",
            "HEAD:openapi.yaml",
            "openapi.yaml",
            "--format",
            "markdown",
            "--allow-breaking",
        ],
    );
    assert!(md.contains("<details open><summary>Breaking ("), "{md}");
    let (_, json, _) = idrv5(
        dir,
        &[
            "contract-diff",
            "HEAD:openapi.yaml",
            "openapi.yaml",
            "--format",
            "json",
            "--allow-breaking",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["breaking"].as_u64().unwrap() > 0, "{json}");
    assert_eq!(v["changes"][0]["level"], "breaking");

    // A bad reference is an error naming it, not a panic.
    let (code, _, err) = idrv5(
        dir,
        &["contract-diff", "nosuchref:openapi.yaml", "openapi.yaml"],
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("nosuchref:openapi.yaml: no such file, and not a git REF:PATH"),
        "{err}"
    );
}

/// `text` with `property` dropped from `components.schemas.<schema>.properties` (block YAML).
fn remove_property(text: &str, schema: &str, property: &str) -> String {
    let mut doc: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    let props = &mut doc["components"]["schemas"][schema]["properties"];
    props
        .as_mapping_mut()
        .unwrap()
        .remove(property)
        .expect("the property exists");
    if let Some(req) = doc["components"]["schemas"][schema]["required"].as_sequence_mut() {
        req.retain(|v| v.as_str() != Some(property));
    }
    serde_yaml::to_string(&doc).unwrap()
}

/// Least privilege (issue 16): `iam-policy` for stacks/tiers/dev.yaml names no Lambda, WAF,
/// ACM, Route53 or CloudWatch action, and credentials denied exactly those services (the
/// proxy answers AWS's AccessDenied for them) plan and apply that stack, with a note for
/// each service left unread. A stack that does use CloudWatch (idrv5 dev, its alarms) is
/// stopped by the same credentials, naming the permission.
#[test]
fn a_stack_applies_with_only_the_services_its_iam_policy_names() {
    use crate::common::proxy::Proxy;
    use crate::common::stack::workspace;
    use crate::common::{cli, cli_env, Moto};
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    const TIERS: &str = "stacks/tiers/dev.yaml";

    let policy = cli(&moto, &dir, &["iam-policy", "--stack", TIERS]);
    policy.assert_success();
    let p: serde_json::Value = serde_json::from_str(&policy.stdout).expect("a JSON policy");
    let actions: Vec<String> = p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let denied = ["lambda:", "wafv2:", "acm:", "route53:", "cloudwatch:"];
    assert!(
        actions
            .iter()
            .all(|a| !denied.iter().any(|d| a.starts_with(d))),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"apigateway:POST".to_string()),
        "{actions:?}"
    );

    let proxy = Proxy::start(
        &moto,
        &[
            "--no-quotas",
            "--deny",
            "lambda,wafv2,acm,route53,cloudwatch",
        ],
    );
    let via = [("AWS_ENDPOINT_URL", proxy.url.as_str())];
    let out = cli_env(
        &moto,
        &dir,
        &["apply", "--stack", TIERS, "--auto-approve"],
        &via,
    );
    assert_eq!(out.status, 0, "{out}");
    assert!(out.stdout.contains("Apply complete"), "{out}");
    assert!(
        out.stderr
            .contains("note: WAF, certificates and DNS not read"),
        "{out}"
    );
    assert!(
        out.stderr
            .contains("note: CloudWatch alarms and dashboards not read"),
        "{out}"
    );
    let plan = cli_env(
        &moto,
        &dir,
        &["plan", "--stack", TIERS, "--detailed-exitcode"],
        &via,
    );
    assert_eq!(plan.status, 0, "{plan}");

    let plan = cli_env(
        &moto,
        &dir,
        &["plan", "--stack", "stacks/idrv5/dev.yaml"],
        &via,
    );
    assert_eq!(plan.status, 1, "{plan}");
    assert!(
        plan.stderr.contains("AWS denied") && plan.stderr.contains("cloudwatch:DescribeAlarms"),
        "{plan}"
    );
}

/// `examples/ci/idrv5-gw-ci.sh STEP` in `dir` against `moto`, as the workflows run it.
fn ci_step(
    moto: &crate::common::Moto,
    dir: &Path,
    step: &[&str],
    extra: &[(&str, &str)],
) -> (i32, String, String) {
    let bin = std::env::var_os("IDRV5_GW_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_idrv5-gw").into());
    let mut cmd = Command::new("bash");
    cmd.arg(dir.join("examples/ci/idrv5-gw-ci.sh"))
        .args(step)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("STACK", "stacks/idrv5/dev.yaml")
        .env("CONTRACT", "examples/idrv5/openapi.yaml")
        .env("OUT", "out")
        .env("IDRV5_GW", bin)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("IDRV5_GW_CACHE_DIR", dir.join(".cache"))
        .env_remove("AWS_PROFILE")
        .env_remove("ALLOW_BREAKING");
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("AWS_ENDPOINT_URL_") {
            cmd.env_remove(key);
        }
    }
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("bash");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// The workflows of examples/ci, step by step, against the emulator: the pull-request
/// review (validate, contract gate, plan comment) passes an unchanged contract and stops a
/// breaking one unless allowed; the merge plans and applies that very plan; the nightly
/// drift check finds nothing, then finds a console change.
#[test]
fn the_example_pipeline_reviews_plans_applies_and_finds_drift() {
    use crate::common::stack::{console_stage_variable, workspace};
    let moto = crate::common::Moto::start();
    let (_tmp, dir) = workspace();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "stack"]);
    let read = |f: &str| std::fs::read_to_string(dir.join("out").join(f)).unwrap_or_default();

    let (code, out, err) = ci_step(&moto, &dir, &["review", "HEAD"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let comment = read("comment.md");
    assert!(
        comment.contains("**0 breaking**") && comment.contains("### idrv5-gw plan: `idrv5/dev`"),
        "{comment}"
    );

    let contract = dir.join("examples/idrv5/openapi.yaml");
    let text = std::fs::read_to_string(&contract).unwrap();
    std::fs::write(&contract, remove_property(&text, "Zone", "name")).unwrap();
    let (code, out, err) = ci_step(&moto, &dir, &["review", "HEAD"], &[]);
    assert_eq!(code, 1, "a breaking change stops the review: {out}{err}");
    assert!(
        read("comment.md").contains("<summary>Breaking ("),
        "{}",
        read("comment.md")
    );
    let (code, out, err) = ci_step(&moto, &dir, &["review", "HEAD"], &[("ALLOW_BREAKING", "1")]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::write(&contract, text).unwrap();

    let (code, out, err) = ci_step(&moto, &dir, &["plan"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(read("plan.exitcode").trim(), "2", "the plan has changes");
    let (code, out, err) = ci_step(&moto, &dir, &["apply"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Apply complete"), "{out}");

    let (code, out, err) = ci_step(&moto, &dir, &["drift"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("no drift") && !dir.join("out/drift").exists(),
        "{out}"
    );
    console_stage_variable(&moto);
    let (code, out, err) = ci_step(&moto, &dir, &["drift"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(dir.join("out/drift").exists(), "{out}");
    assert!(
        read("drift.md").contains("variables.EXTRA: \"1\" → none"),
        "{}",
        read("drift.md")
    );
}

/// Every JSON plan the tool writes fits docs/plan.schema.json: `plan --json` (changes only),
/// `--full`, and the saved plan, from an empty account and after a one-route change.
#[test]
fn json_plans_fit_the_checked_in_schema() {
    use crate::common::stack::{apply_ok, edit, workspace, DEV};
    use crate::common::{cli, Moto};
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/plan.schema.json");
    let check = |what: &str, json: &str| {
        let file = dir.join("plan-to-check.json");
        std::fs::write(&file, json).unwrap();
        let out = Command::new("python3")
            .args([
                "-c",
                "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
            ])
            .arg(&schema)
            .arg(&file)
            .output()
            .expect("python3 with jsonschema (installed with moto)");
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for full in [false, true] {
        let mut args = vec!["plan", "--stack", DEV, "--json"];
        if full {
            args.push("--full");
        }
        let out = cli(&moto, &dir, &args);
        out.assert_success();
        check(&format!("{args:?} on an empty account"), &out.stdout);
    }
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/dev.yaml"),
        "retention_days: 7",
        "retention_days: 14",
    );
    cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]).assert_success();
    check(
        "the saved plan",
        &std::fs::read_to_string(dir.join("dev.plan")).unwrap(),
    );
    let out = cli(&moto, &dir, &["plan", "--stack", DEV, "--json"]);
    check("a change", &out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let actions: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update"], "only the change, without --full");
}

/// `plan --baseline main`: a console change (drift) is shown apart from the edit under
/// review, in text, Markdown and JSON.
#[test]
fn a_baseline_separates_drift_from_the_change_under_review() {
    use crate::common::stack::{apply_ok, console_stage_variable, edit, workspace, DEV};
    use crate::common::{cli, Moto};
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    git(&dir, &["init", "-q"]);
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "-q", "-m", "stack"]);
    apply_ok(&moto, &dir, DEV);
    // Drift: a stage variable added in the console.
    console_stage_variable(&moto);
    // The edit under review.
    edit(
        &dir.join("stacks/idrv5/dev.yaml"),
        "retention_days: 7",
        "retention_days: 14",
    );

    let text = cli(&moto, &dir, &["plan", "--stack", DEV, "--baseline", "HEAD"]);
    text.assert_success();
    let (drift, ours) = text
        .stdout
        .split_once("This change:")
        .unwrap_or_else(|| panic!("two parts: {}", text.stdout));
    assert!(
        drift.contains("Changed outside idrv5-gw")
            && drift.contains("~ stage dev")
            && drift.contains("variables.EXTRA"),
        "{}",
        text.stdout
    );
    assert!(!drift.contains("log_group"), "{}", text.stdout);
    assert!(
        ours.contains("~ log_group") && !ours.contains("stage dev"),
        "{}",
        text.stdout
    );

    let md = cli(
        &moto,
        &dir,
        &[
            "plan",
            "--stack",
            DEV,
            "--baseline",
            "HEAD",
            "--format",
            "markdown",
        ],
    );
    assert!(
        md.stdout.contains("#### Changed outside idrv5-gw (1)")
            && md.stdout.contains("#### This change (1)"),
        "{}",
        md.stdout
    );

    let json = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--baseline", "HEAD", "--json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let marks: Vec<(String, bool)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["drift"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert!(
        marks.contains(&("stage".into(), true)) && marks.contains(&("log_group".into(), false)),
        "{marks:?}"
    );

    // Without a baseline it is one plan, as before.
    let plain = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        !plain.stdout.contains("Changed outside"),
        "{}",
        plain.stdout
    );
    let bad = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--baseline", "no-such-ref"],
    );
    assert_eq!(bad.status, 1);
    assert!(
        bad.stderr
            .contains("--baseline no-such-ref: not a file, a folder or a git ref"),
        "{}",
        bad.stderr
    );
}

/// The release workflow is the one cargo-dist writes from dist-workspace.toml (regenerate with
/// `dist generate` after changing it): the same dist version, run on tags, and the
/// installer examples/ci downloads.
#[test]
fn the_release_workflow_is_cargo_dists_for_the_checked_in_config() {
    let root = crate::common::repo_root();
    let config = std::fs::read_to_string(root.join("dist-workspace.toml")).unwrap();
    let workflow = std::fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    let version = config
        .lines()
        .find_map(|l| l.strip_prefix("cargo-dist-version = "))
        .expect("cargo-dist-version")
        .trim_matches('"');
    assert!(
        workflow.contains(&format!("cargo-dist/releases/download/v{version}/")),
        "release.yml was not written by cargo-dist {version}: run `dist generate`"
    );
    assert!(workflow.contains("tags:"), "release.yml runs on tags");
    assert!(config.contains("installers = [\"shell\"]"));
    for ci in [
        "examples/ci/github-actions.yml",
        "examples/ci/gitlab-ci.yml",
    ] {
        let text = std::fs::read_to_string(root.join(ci)).unwrap();
        assert!(
            text.contains("/releases/download/v") && text.contains("idrv5-gw-installer.sh"),
            "{ci} downloads the installer a release publishes"
        );
    }
}
