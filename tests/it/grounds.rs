//! The second ground: LocalStack beside moto (`common::localstack`). What moto cannot show
//! because it fills nothing in or refuses the one-call import: the gateway responses AWS
//! fills a template into, and the bulk path's single PutRestApi.

use crate::common;

use common::contract::generated_stack;
use common::localstack::LocalStack;
use common::stack::*;
use common::{cli_env, Moto, Output};
use std::path::Path;

/// Runs the CLI with LocalStack's services on LocalStack and the rest on moto.
fn run(moto: &Moto, ls: &LocalStack, dir: &Path, args: &[&str]) -> Output {
    let env = ls.env();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    cli_env(moto, dir, args, &env)
}

fn plan_is_empty(moto: &Moto, ls: &LocalStack, dir: &Path, stack: &str) {
    let plan = run(
        moto,
        ls,
        dir,
        &["plan", "--stack", stack, "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 0, "the next plan is not empty:\n{plan}");
}

/// stacks/tiers/dev.yaml sets CORS headers on DEFAULT_4XX/5XX and no templates: AWS (and
/// LocalStack) store a default template, which once showed as drift on every plan.
#[test]
fn tiers_dev_applies_on_localstack_and_the_filled_in_gateway_responses_are_no_change() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let (_tmp, dir) = workspace();
    let stack = "stacks/tiers/dev.yaml";
    let out = run(
        &moto,
        &ls,
        &dir,
        &["apply", "--stack", stack, "--auto-approve"],
    );
    assert_eq!(out.status, 0, "{out}");
    plan_is_empty(&moto, &ls, &dir, stack);
}

/// On LocalStack the one-call import works: a 300-operation contract goes through one
/// PutRestApi plus the repairs it leaves, and the next plan is empty.
#[test]
fn a_300_operation_contract_goes_through_one_put_rest_api_on_localstack() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    generated_stack(dir, 300, "http");
    let apply = [
        "apply",
        "--stack",
        "stack.yaml",
        "--auto-approve",
        "--stats",
    ];
    let out = run(&moto, &ls, dir, &apply);
    assert_eq!(out.status, 0, "{out}");
    assert!(
        out.stdout
            .contains("bulk: PutRestApi rest_api.main (1 call"),
        "{out}"
    );
    assert!(
        !out.stdout.contains("PutRestApi rest_api.main failed"),
        "{out}"
    );
    plan_is_empty(&moto, &ls, dir, "stack.yaml");
}

/// moto's import fails on MOCK integrations and leaves the new API without its root
/// resource: the default apply deletes what the failed import left of the API it just
/// made, makes it again per route, and converges.
#[test]
fn the_default_apply_of_a_300_operation_mock_api_converges_on_moto() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    generated_stack(dir, 300, "mock");
    let out = common::cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    );
    assert_eq!(out.status, 0, "{out}");
    assert!(
        out.stdout.contains("PutRestApi rest_api.main failed"),
        "{out}"
    );
    assert!(out.stdout.contains("made again per route"), "{out}");
    let plan = common::cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 0, "{plan}");
    assert_eq!(common::contract::live_routes(&moto, "bench-api").len(), 300);
}
