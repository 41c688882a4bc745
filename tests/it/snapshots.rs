//! What a user sees, as insta snapshots (tests/it/snapshots/*.snap): `validate`'s errors for
//! broken stacks and contracts (a scratch copy of stacks/idrv5 with one edit each), and
//! `plan`'s text for the first apply, for a one-route change, and for no change.
//!
//! A changed output fails the test. If the change is meant, review it with `cargo insta
//! review` (or rerun with `INSTA_UPDATE=always`) and commit the new `.snap` files. With
//! `CI=true` insta writes nothing and only fails, as with `INSTA_UPDATE=no`.
//!
//! What varies between runs is redacted: the emulator's port, the scratch directory,
//! timings, and the deployment fingerprints (they hash the document with the AWS-assigned
//! ids in it), which are numbered in order of appearance so a snapshot still shows which
//! ones are the same.

use crate::common;

use common::stack::*;
use common::{cli, Moto, Output};
use std::path::Path;
use std::process::{Command, Stdio};

/// Escapes `text` for use as a literal in an insta filter (a regex).
fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// insta settings for one workspace: where the snapshots go, and the redactions.
fn settings(dir: &Path, description: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_description(description);
    s.set_omit_expression(true);
    for path in [Some(dir.to_path_buf()), dir.canonicalize().ok()]
        .into_iter()
        .flatten()
    {
        s.add_filter(&literal(&path.to_string_lossy()), "[workspace]");
    }
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    s.add_filter(r"\b\d+\.\d+\s?m?s\b", "[duration]");
    s
}

/// Numbers each distinct deployment fingerprint (`sha256:6c501b6d369d…`) in order of
/// appearance: `[fingerprint 1]`, `[fingerprint 2]`.
fn number_fingerprints(text: &str) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("sha256:") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "sha256:".len()..];
        let hex_len = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        if hex_len == 0 {
            out.push_str("sha256:");
            rest = after;
            continue;
        }
        let mut end = hex_len;
        if after[hex_len..].starts_with('…') {
            end += '…'.len_utf8();
        }
        let hash = after[..hex_len].to_string();
        let n = match seen.iter().position(|h| *h == hash) {
            Some(n) => n + 1,
            None => {
                seen.push(hash);
                seen.len()
            }
        };
        out.push_str(&format!("[fingerprint {n}]"));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs `idrv5-gw ARGS` in `dir` with no AWS at all (validate reads only files).
fn offline(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(common::bin())
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run idrv5-gw");
    Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `validate` of stacks/idrv5/dev.yaml after one edit of `file` (`from` → `to`): it fails,
/// and its output is the snapshot `name`.
fn validate_after_edit(name: &str, file: &str, from: &str, to: &str) {
    let (_tmp, dir) = workspace();
    edit(&dir.join(file), from, to);
    let args = ["validate", "--no-color", "--stack", DEV];
    let out = offline(&dir, &args);
    assert_eq!(out.status, 1, "validate must fail\n{out}");
    let description = format!(
        "idrv5-gw {} after one edit of {file}: {from:?} -> {to:?}",
        args.join(" ")
    );
    settings(&dir, &description).bind(|| insta::assert_snapshot!(name, out.to_string()));
}

#[test]
fn validate_names_an_unknown_key() {
    validate_after_edit(
        "validate_unknown_key",
        "stacks/idrv5/dev.yaml",
        "        tracing: false",
        "        tracng: false",
    );
}

#[test]
fn validate_names_a_value_of_the_wrong_type() {
    validate_after_edit(
        "validate_bad_type",
        "stacks/idrv5/base.yaml",
        "      timeout_ms: 10000",
        "      timeout_ms: soon",
    );
}

#[test]
fn validate_names_a_missing_contract_file() {
    validate_after_edit(
        "validate_missing_contract",
        "stacks/idrv5/base.yaml",
        "openapi: ../../examples/idrv5/openapi.yaml",
        "openapi: ../../examples/idrv5/missing.yaml",
    );
}

#[test]
fn validate_names_a_reference_to_an_undeclared_vpc_link() {
    validate_after_edit(
        "validate_bad_stack_reference",
        "stacks/idrv5/base.yaml",
        "      vpc_link: internal",
        "      vpc_link: external",
    );
}

#[test]
fn validate_names_usage_plan_stages_the_environment_does_not_have() {
    validate_after_edit(
        "validate_bad_stage_reference",
        "stacks/idrv5/dev.yaml",
        "      main.dev: {}\n    throttle: {rate_limit: 50,",
        "      main.prod: {}\n    throttle: {rate_limit: 50,",
    );
}

#[test]
fn validate_names_a_contract_ref_that_does_not_resolve() {
    validate_after_edit(
        "validate_bad_contract_ref",
        "examples/idrv5/openapi.yaml",
        "$ref: '#/components/schemas/RateCardListResponse'",
        "$ref: '#/components/schemas/RateCardListing'",
    );
}

#[test]
fn validate_names_an_import_compat_error_in_the_contract() {
    validate_after_edit(
        "validate_import_compat_p5",
        "examples/idrv5/openapi.yaml",
        "\n  /rate-cards/{id}:\n",
        "\n  /rate-cards/{id}#archive:\n",
    );
}

/// `plan --no-color` of dev against `moto`, its text as the snapshot `name`.
fn plan_snapshot(moto: &Moto, dir: &Path, name: &str, description: &str) {
    let out = cli(
        moto,
        dir,
        &["plan", "--no-color", "--stack", DEV, "--detailed-exitcode"],
    );
    assert!(out.status == 0 || out.status == 2, "plan failed\n{out}");
    let text = number_fingerprints(&out.to_string());
    settings(dir, description).bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn plan_of_the_dev_stack_against_an_empty_account_creates_everything() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    plan_snapshot(
        &moto,
        &dir,
        "plan_create",
        "idrv5-gw plan --no-color --stack stacks/idrv5/dev.yaml against a fresh moto",
    );
}

#[test]
fn plan_after_apply_shows_no_changes_then_a_one_route_contract_change() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    plan_snapshot(
        &moto,
        &dir,
        "plan_no_changes",
        "idrv5-gw plan --no-color --stack stacks/idrv5/dev.yaml right after its apply",
    );
    // One route changes: GET /zones takes one more query parameter.
    edit(
        &dir.join("examples/idrv5/openapi.yaml"),
        "            enum: [Metro, Regional, Remote]\n",
        "            enum: [Metro, Regional, Remote]\n        - name: postcode\n          in: query\n          schema:\n            type: string\n",
    );
    plan_snapshot(
        &moto,
        &dir,
        "plan_update_one_route",
        "idrv5-gw plan --no-color --stack stacks/idrv5/dev.yaml after its apply and a new \
         query parameter on GET /zones in the contract",
    );
}

#[test]
fn fingerprints_are_numbered_in_order_of_appearance() {
    assert_eq!(
        number_fingerprints(
            "a sha256:6c501b6d369d… → sha256:ada83b6d020b…, sha256:6c501b6d369d…; sha256: x"
        ),
        "a [fingerprint 1] → [fingerprint 2], [fingerprint 1]; sha256: x"
    );
}
