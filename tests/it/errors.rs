//! Bad input and bad environments: one clear message naming the place and the fix, exit 1.

use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    // As common's `bin()`: IDRV5_GW_BIN names a copy of the binary to test.
    let bin = std::env::var_os("IDRV5_GW_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_idrv5-gw").into());
    let mut cmd = Command::new(bin);
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL");
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().expect("run idrv5-gw");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

const CONTRACT: &str = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\n  description: d\npaths:\n  /items:\n    get:\n      operationId: listItems\n      responses:\n        '200':\n          description: ok\n";

fn stack_dir(stack: &str, contract: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("stack.yaml"), stack).unwrap();
    std::fs::write(d.path().join("openapi.yaml"), contract).unwrap();
    d
}

const GOOD: &str = "stack: shop\nenvironment: dev\nregion: eu-west-1\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration:\n      type: MOCK\n";

#[test]
fn a_good_stack_validates() {
    let d = stack_dir(GOOD, CONTRACT);
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Stack shop/dev is valid: 1 REST API(s), 1 route(s)"),
        "{}",
        r.stdout
    );
}

#[test]
fn malformed_yaml_names_file_and_line() {
    let d = stack_dir(
        "stack: shop\nenvironment: dev\nrest_apis:\n  main:\n    openapi: [unclosed\n",
        CONTRACT,
    );
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    // A syntax error has its own code, and an unclosed bracket is shown where it opens.
    assert!(
        r.stderr
            .contains("error[yaml]: stack.yaml:5:14: YAML syntax"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_unknown_key_names_file_line_column_and_the_expected_keys() {
    let d = stack_dir(
        &GOOD.replace("    integration:", "    integraton:"),
        CONTRACT,
    );
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("stack.yaml:7:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("unknown field `integraton`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("expected one of"), "{}", r.stderr);
    assert!(r.stderr.contains("fix:"), "{}", r.stderr);
}

#[test]
fn a_missing_openapi_file_points_at_the_stack_key() {
    let d = stack_dir(
        &GOOD.replace("openapi: openapi.yaml", "openapi: nowhere.yaml"),
        CONTRACT,
    );
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("cannot read OpenAPI file"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nowhere.yaml"), "{}", r.stderr);
    assert!(
        r.stderr.contains("stack.yaml:6:5"),
        "the `openapi:` key's place: {}",
        r.stderr
    );
}

#[test]
fn a_bad_ref_names_the_contract_line() {
    let contract = CONTRACT.replace(
        "          description: ok\n",
        "          $ref: '#/components/responses/Missing'\n",
    );
    let d = stack_dir(GOOD, &contract);
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("#/components/responses/Missing"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("openapi.yaml:12:"), "{}", r.stderr);
}

#[test]
fn an_undefined_variable_names_its_place() {
    let d = stack_dir(
        &GOOD.replace("region: eu-west-1", "region: ${var.region}"),
        CONTRACT,
    );
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("`${var.region}` is not defined"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stack.yaml:3:"), "{}", r.stderr);
    assert!(r.stderr.contains("--var region=VALUE"), "{}", r.stderr);
    let ok = run(d.path(), &["validate", "--var", "region=eu-west-1"], &[]);
    assert_eq!(ok.status, 0, "{}", ok.stderr);
}

#[test]
fn an_unknown_operation_override_is_an_error() {
    let d = stack_dir(&format!("{GOOD}    operations:\n      listWidgets:\n        integration:\n          status_code: 204\n"), CONTRACT);
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("operations.listWidgets"), "{}", r.stderr);
}

#[test]
fn an_unreachable_endpoint_is_one_clear_sentence() {
    let d = stack_dir(GOOD, CONTRACT);
    let r = run(
        d.path(),
        &["plan", "--endpoint-url", "http://127.0.0.1:9"],
        &[("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "y")],
    );
    assert_eq!(r.status, 1);
    assert!(
        r.stderr
            .contains("cannot reach the AWS endpoint http://127.0.0.1:9"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--endpoint-url"), "{}", r.stderr);
    assert!(!r.stderr.contains("dispatch failure"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn missing_credentials_say_how_to_provide_them() {
    let d = stack_dir(GOOD, CONTRACT);
    let home = tempfile::tempdir().unwrap();
    let home_s = home.path().to_str().unwrap();
    let r = run(
        d.path(),
        &["plan", "--endpoint-url", "http://127.0.0.1:9"],
        &[
            ("HOME", home_s),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_ACCESS_KEY_ID", ""),
            ("AWS_SECRET_ACCESS_KEY", ""),
        ],
    );
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("no AWS credentials found"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("AWS_PROFILE"), "{}", r.stderr);
}

#[test]
fn export_openapi_writes_the_import_document_offline() {
    let d = stack_dir(&GOOD.replace("    openapi: openapi.yaml", "    openapi: openapi.yaml\n    base_path: /api/v1\n    binary_media_types: [image/png]"), CONTRACT);
    let r = run(d.path(), &["export-openapi", "--format", "json"], &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let get = &doc["paths"]["/api/v1/items"]["get"];
    assert_eq!(get["x-amazon-apigateway-integration"]["type"], "mock");
    assert_eq!(get["operationId"], "listItems");
    assert_eq!(
        doc["x-amazon-apigateway-binary-media-types"][0],
        "image/png"
    );
    assert_eq!(doc["openapi"], "3.0.1");
}

#[test]
fn no_region_anywhere_says_where_to_set_one() {
    let d = stack_dir(&GOOD.replace("region: eu-west-1\n", ""), CONTRACT);
    let home = tempfile::tempdir().unwrap();
    let r = run(
        d.path(),
        &["plan", "--endpoint-url", "http://127.0.0.1:9"],
        &[
            ("HOME", home.path().to_str().unwrap()),
            ("AWS_CONFIG_FILE", "/nonexistent"),
            ("AWS_REGION", ""),
            ("AWS_DEFAULT_REGION", ""),
            ("AWS_ACCESS_KEY_ID", "x"),
            ("AWS_SECRET_ACCESS_KEY", "y"),
        ],
    );
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("no AWS region"), "{}", r.stderr);
    assert!(r.stderr.contains("--region"), "{}", r.stderr);
}

/// A usage error is an error (1), not 2, which `plan --detailed-exitcode` keeps for
/// "changes"; help is an answer (0).
#[test]
fn a_usage_error_exits_1_and_help_exits_0() {
    let d = stack_dir(GOOD, CONTRACT);
    let r = run(d.path(), &["plan", "--no-such-flag"], &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("unexpected argument '--no-such-flag'"),
        "{}",
        r.stderr
    );
    let r = run(d.path(), &["no-such-command"], &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let r = run(d.path(), &["plan", "--help"], &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.stdout.contains("--detailed-exitcode"), "{}", r.stdout);
}

/// `export-openapi | head -1`: the reader goes away, the tool ends quietly (no panic, no
/// backtrace, not exit 101).
#[test]
fn a_closed_stdout_ends_the_process_quietly() {
    let bin = std::env::var_os("IDRV5_GW_BIN")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_idrv5-gw").into());
    // An export of megabytes: far more than a pipe holds, so the write meets the closed pipe.
    let d = tempfile::tempdir().unwrap();
    crate::common::contract::flat_stack(d.path(), 3000);
    let mut child = Command::new(bin)
        .current_dir(d.path())
        .args(["export-openapi", "--stack", "stack.yaml"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run idrv5-gw");
    // Read one line, then close the pipe, as `head -1` does.
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(first.starts_with("openapi"), "{first}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

/// A misspelt `--var` is refused, not silently ignored with the default used instead.
#[test]
fn a_var_the_stack_neither_declares_nor_uses_is_refused() {
    let d = stack_dir(
        &GOOD.replace(
            "stack: shop",
            "stack: shop\nvariables:\n  host: a.example.com",
        ),
        CONTRACT,
    );
    let r = run(d.path(), &["validate", "--var", "hots=b.example.com"], &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "--var hots: the stack neither declares nor uses a variable `hots` (it declares host)"
        ),
        "{}",
        r.stderr
    );
    let ok = run(d.path(), &["validate", "--var", "host=b.example.com"], &[]);
    assert_eq!(ok.status, 0, "{}", ok.stderr);
}

/// `--var-file`: variables from a YAML file; a later `--var` wins; a bad file names its line.
#[test]
fn a_var_file_sets_variables_and_a_bad_one_names_its_line() {
    let d = stack_dir(
        &GOOD.replace("region: eu-west-1", "region: ${var.region}"),
        CONTRACT,
    );
    std::fs::write(d.path().join("dev.vars.yaml"), "region: eu-west-1\n").unwrap();
    let ok = run(d.path(), &["validate", "--var-file", "dev.vars.yaml"], &[]);
    assert_eq!(ok.status, 0, "{}", ok.stderr);
    std::fs::write(
        d.path().join("bad.vars.yaml"),
        "# vars\nregion: [eu-west-1]\n",
    )
    .unwrap();
    let bad = run(d.path(), &["validate", "--var-file", "bad.vars.yaml"], &[]);
    assert_eq!(bad.status, 1);
    assert!(
        bad.stderr.contains("bad.vars.yaml:2:")
            && bad
                .stderr
                .contains("variable `region` in bad.vars.yaml is not a single value"),
        "{}",
        bad.stderr
    );
}

/// Completions and a man page come from the same command definitions.
#[test]
fn completions_and_the_man_page_cover_every_command() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let r = run(d.path(), &["completions", shell], &[]);
        assert_eq!(r.status, 0, "{}", r.stderr);
        assert!(
            r.stdout.contains("contract-diff") && r.stdout.contains("export-openapi"),
            "{shell}"
        );
    }
    let man = run(d.path(), &["man"], &[]);
    assert_eq!(man.status, 0, "{}", man.stderr);
    assert!(
        man.stdout.contains(".TH idrv5-gw") && man.stdout.contains("contract\\-diff"),
        "{}",
        man.stdout
    );
}

/// `validate --json` for programs: the findings with code, place and fix on stdout; and an
/// error under `--json` (a stack that does not load) is JSON on stdout too.
#[test]
fn validate_json_and_json_errors() {
    let d = stack_dir(GOOD, CONTRACT);
    let r = run(d.path(), &["validate", "--json"], &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v["valid"], true);
    assert_eq!(v["resources"]["route"], 1);

    let bad = stack_dir(
        &GOOD.replace("type: MOCK", "type: MOCK\n      bogus: 1"),
        CONTRACT,
    );
    let r = run(bad.path(), &["validate", "--json"], &[]);
    assert_eq!(r.status, 1);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON error");
    let d = &v["error"]["diagnostics"][0];
    assert_eq!(d["severity"], "error", "{v}");
    assert!(d["location"]["line"].as_u64().is_some(), "{v}");
    assert!(d["summary"].as_str().unwrap().contains("bogus"), "{v}");
    assert!(r.stderr.is_empty(), "nothing on stderr: {}", r.stderr);
}

/// The diagnostics users asked for: an unclosed quote shown where it opens, with its own
/// code; a misspelt key with the key meant; type names as people say them; a negative
/// throttle refused before any call.
#[test]
fn syntax_spelling_types_and_negative_limits_are_said_plainly() {
    let with = |extra: &str| {
        let d = stack_dir(&format!("{GOOD}    stages:\n      dev:\n{extra}"), CONTRACT);
        let r = run(d.path(), &["validate"], &[]);
        assert_eq!(r.status, 1, "{}", r.stderr);
        r.stderr
    };
    let e = with("        description: \"Production\n        tracing: true\n");
    assert!(
        e.contains("error[yaml]: stack.yaml:11:22: YAML syntax:")
            && e.contains("quoted scalar that starts here"),
        "{e}"
    );
    let e = with("        throtling: {rate_limit: 5}\n");
    assert!(e.contains("did you mean `throttling`?"), "{e}");
    let e = with("        throttling: {rate_limit: fast}\n");
    assert!(e.contains("expected a number") && !e.contains("f64"), "{e}");
    let e = with("        throttling: {rate_limit: -5, burst_limit: 10}\n");
    assert!(
        e.contains("rest_apis.main.stages.dev.throttling.rate_limit: -5 is negative"),
        "{e}"
    );
}

/// An environment file's `null` removes what its base declares (a stage, a usage plan), and
/// a wrong value written flow-style in the overlay is blamed on the overlay, not the base.
#[test]
fn null_removes_inherited_items_and_overlay_errors_name_the_overlay() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("openapi.yaml"), CONTRACT).unwrap();
    std::fs::write(
        d.path().join("base.yaml"),
        "stack: shop\nregion: eu-west-1\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration: {type: MOCK}\n    stages:\n      dev: {}\n      test: {}\nusage_plans:\n  gold:\n    stages: {main.test: {}}\n    throttle: {rate_limit: 1, burst_limit: 2}\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("prod.yaml"),
        "extends: base.yaml\nenvironment: prod\nrest_apis:\n  main:\n    stages:\n      test: null\nusage_plans:\n  gold: null\n",
    )
    .unwrap();
    let r = run(
        d.path(),
        &["validate", "--stack", "prod.yaml", "--json"],
        &[],
    );
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["resources"]["stage"], 1, "{v}");
    assert!(v["resources"].get("usage_plan").is_none(), "{v}");

    std::fs::write(
        d.path().join("flow.yaml"),
        "extends: base.yaml\nenvironment: prod\nrest_apis: {main: {stages: {dev: {tracing: yes_please}}}}\n",
    )
    .unwrap();
    let r = run(d.path(), &["validate", "--stack", "flow.yaml"], &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("flow.yaml:3:") && r.stderr.contains("expected true or false"),
        "{}",
        r.stderr
    );
}

/// A profile no AWS config file defines, and a region name that is not one, are named as
/// such (not "no credentials found", not an unreachable endpoint).
#[test]
fn an_unknown_profile_and_a_malformed_region_are_named() {
    let d = stack_dir(GOOD, CONTRACT);
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[default]\nregion = eu-west-1\n[profile dev]\nregion = eu-west-1\n[sso-session corp]\n",
    )
    .unwrap();
    let home_env = home.path().to_str().unwrap();
    let env = [
        ("HOME", home_env),
        ("AWS_CONFIG_FILE", ""),
        ("AWS_SHARED_CREDENTIALS_FILE", ""),
    ];
    let r = run(d.path(), &["plan", "--profile", "prod"], &env);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("AWS profile `prod` (from --profile or AWS_PROFILE) is not in ~/.aws/config or ~/.aws/credentials (defined: default, dev)"), "{}", r.stderr);
    let r = run(
        d.path(),
        &["plan", "--region", "eu-west"],
        &[("AWS_ACCESS_KEY_ID", "t"), ("AWS_SECRET_ACCESS_KEY", "t")],
    );
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("`eu-west` is not an AWS region name"),
        "{}",
        r.stderr
    );
}

/// Every schema error of a file in one run, each at its own line, not only the first.
#[test]
fn every_schema_error_of_a_file_is_reported_in_one_run() {
    let d = stack_dir(
        &GOOD.replace(
            "    integration:\n",
            "    bogus: 1\n    stages:\n      dev:\n        tracng: true\n        throttling: {rate_limit: fast}\n    integration:\n",
        ),
        CONTRACT,
    );
    let r = run(d.path(), &["validate"], &[]);
    assert_eq!(r.status, 1);
    for (place, what) in [
        ("stack.yaml:7:5:", "unknown field `bogus`"),
        ("stack.yaml:10:9:", "unknown field `tracng`"),
        ("stack.yaml:11:9:", "expected a number"),
    ] {
        assert!(
            r.stderr
                .lines()
                .any(|l| l.contains(place) && l.contains(what)),
            "{place} {what}:\n{}",
            r.stderr
        );
    }
}
