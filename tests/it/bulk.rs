//! `apply --bulk` (issue 7) against moto: one PutRestApi of the rendered document instead of
//! per-route calls, a read-back, and a granular repair of what the import did not carry.
//!
//! moto's PutRestApi drops method request parameters and answers 500 on a MOCK integration
//! without `uri` (docs/EMULATOR.md), so the call counts are asserted on a contract without
//! parameters (which moto imports whole); the benchmark's generated contract, whose
//! operations all have parameters, shows the repair at work and converges the same.

use crate::common;

use common::contract::{flat_stack, generated_stack, live_routes};
use common::stack::aws_calls;
use common::{cli, Moto};
use std::collections::BTreeMap;
use std::path::Path;

fn apply(moto: &Moto, dir: &Path, bulk: &str) -> (String, BTreeMap<String, u64>) {
    let out = cli(
        moto,
        dir,
        &[
            "apply",
            "--stack",
            "stack.yaml",
            "--auto-approve",
            "--stats",
            "--bulk",
            bulk,
        ],
    );
    out.assert_success();
    (out.stdout.clone(), aws_calls(&out.stderr).1)
}

fn assert_no_changes(moto: &Moto, dir: &Path) {
    let plan = cli(moto, dir, &["plan", "--stack", "stack.yaml"]);
    plan.assert_success();
    assert!(
        plan.stdout.contains("No changes."),
        "second plan:\n{}",
        plan.stdout
    );
}

fn n(calls: &BTreeMap<String, u64>, op: &str) -> u64 {
    calls.get(op).copied().unwrap_or(0)
}

#[test]
fn one_put_rest_api_replaces_the_per_route_calls_and_the_routes_match() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    flat_stack(dir, 60);

    // Per route first, as the reference.
    let (_, never) = apply(&moto, dir, "never");
    assert_eq!(n(&never, "PutRestApi"), 0, "{never:?}");
    assert_eq!(n(&never, "PutMethod"), 60, "{never:?}");
    assert_eq!(n(&never, "PutIntegration"), 60, "{never:?}");
    // One per response the contract declares, as AWS's import makes them.
    assert_eq!(n(&never, "PutMethodResponse"), 60, "{never:?}");
    assert_eq!(n(&never, "CreateResource"), 22, "/api, /api/v1, 20 × /r<i>");
    let granular = live_routes(&moto, "bulk-api");
    assert_eq!(granular.len(), 60);
    assert_no_changes(&moto, dir);

    for mode in ["always", "auto"] {
        moto.reset();
        let (stdout, bulk) = apply(&moto, dir, mode);
        assert!(
            stdout
                .contains("bulk: PutRestApi rest_api.main (1 call instead of ~202 per-route calls"),
            "--bulk {mode}:\n{stdout}"
        );
        assert!(
            stdout.contains("bulk: 2 change(s) remain after the read-back"),
            "only the deployment and stage are left after the import:\n{stdout}"
        );
        // The API, 22 paths, 60 routes, the deployment and the stage: the plan confirmed.
        assert!(stdout.contains("Apply complete: 85 created"), "{stdout}");
        assert_eq!(n(&bulk, "PutRestApi"), 1, "--bulk {mode}: {bulk:?}");
        for op in [
            "CreateResource",
            "PutMethod",
            "PutIntegration",
            "DeleteMethod",
        ] {
            assert_eq!(n(&bulk, op), 0, "--bulk {mode}: {op}: {bulk:?}");
        }
        let total_never: u64 = never.values().sum();
        let total_bulk: u64 = bulk.values().sum();
        assert!(
            total_bulk * 3 < total_never,
            "--bulk {mode}: {total_bulk} calls vs {total_never} per route"
        );
        assert_eq!(
            live_routes(&moto, "bulk-api"),
            granular,
            "--bulk {mode}: the import holds the same routes as the per-route apply"
        );
        assert_no_changes(&moto, dir);
    }
}

#[test]
fn auto_goes_bulk_on_the_generated_contract_and_the_repair_converges() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    generated_stack(dir, 60, "http");
    let (stdout, calls) = apply(&moto, dir, "auto");
    assert!(
        stdout.contains("bulk: PutRestApi rest_api.main (1 call instead of ~"),
        "{stdout}"
    );
    assert_eq!(n(&calls, "PutRestApi"), 1, "{calls:?}");
    // moto drops method request parameters: the operations that have some are rewritten by
    // the repair (DeleteMethod + PutMethod + PutIntegration); paths all came from the import.
    assert_eq!(n(&calls, "CreateResource"), 0, "{calls:?}");
    assert!(n(&calls, "PutMethod") <= 60, "{calls:?}");
    assert_eq!(
        n(&calls, "PutMethod"),
        n(&calls, "DeleteMethod"),
        "{calls:?}"
    );
    // The repair wrote into the tree the read-back read: the check reads it again.
    assert!(n(&calls, "PutMethod") > 0, "{calls:?}");
    assert_eq!(n(&calls, "GetResources"), 2, "{calls:?}");
    let routes = live_routes(&moto, "bench-api");
    assert_eq!(routes.len(), 60);
    assert!(routes
        .iter()
        .all(|r| r.integration_type == "HTTP_PROXY" && r.timeout_ms == 10000));
    let by_id = routes
        .iter()
        .find(|r| r.path == "/api/v1/customers/{id}" && r.method == "GET")
        .expect("GET /api/v1/customers/{id}");
    assert_eq!(by_id.request_parameters, ["method.request.path.id=true"]);
    assert_no_changes(&moto, dir);
}

#[test]
fn a_failed_put_rest_api_falls_back_to_per_route_calls() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    // MOCK integrations without `uri`: moto's import answers 500 on them.
    generated_stack(dir, 12, "mock");
    let (stdout, calls) = apply(&moto, dir, "always");
    assert!(
        stdout.contains("bulk: PutRestApi rest_api.main failed")
            && stdout.contains("writing it per route from a fresh read instead"),
        "{stdout}"
    );
    assert_eq!(
        n(&calls, "PutRestApi"),
        1,
        "no retries of a 500 page: {calls:?}"
    );
    assert_eq!(n(&calls, "PutIntegration"), 12, "{calls:?}");
    assert_eq!(live_routes(&moto, "bench-api").len(), 12);
    assert_no_changes(&moto, dir);
}

#[test]
fn saved_plans_and_small_changes_stay_granular() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    flat_stack(dir, 6);
    // Auto: 6 routes fit in the burst, per route is as fast.
    let (stdout, calls) = apply(&moto, dir, "auto");
    assert!(!stdout.contains("bulk:"), "{stdout}");
    assert_eq!(n(&calls, "PutRestApi"), 0);
    // A saved plan is carried out as reviewed.
    flat_stack(dir, 60);
    let plan = cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--out", "saved.json"],
    );
    plan.assert_success();
    let (stdout, calls) = {
        let out = cli(
            &moto,
            dir,
            &[
                "apply",
                "saved.json",
                "--stack",
                "stack.yaml",
                "--auto-approve",
                "--stats",
                "--bulk",
                "always",
            ],
        );
        out.assert_success();
        (out.stdout.clone(), aws_calls(&out.stderr).1)
    };
    assert!(
        stdout.contains("bulk: not used for a saved plan"),
        "{stdout}"
    );
    assert_eq!(n(&calls, "PutRestApi"), 0, "{calls:?}");
    assert_no_changes(&moto, dir);
}

/// moto's import drops method parameters, so its read-back leaves most routes to repair
/// (DeleteMethod + PutMethod + PutIntegration each): slower than writing them per route.
/// The next auto apply on the same endpoint learns that from the last read-back and goes
/// per route.
#[test]
fn auto_learns_from_the_read_back_that_this_endpoint_imports_poorly() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    generated_stack(dir, 100, "http");
    let (stdout, calls) = apply(&moto, dir, "auto");
    assert!(
        stdout.contains("bulk: PutRestApi rest_api.main (1 call"),
        "{stdout}"
    );
    assert_eq!(n(&calls, "PutRestApi"), 1, "{calls:?}");
    let out = cli(
        &moto,
        dir,
        &["destroy", "--stack", "stack.yaml", "--auto-approve"],
    );
    out.assert_success();
    let (stdout, calls) = apply(&moto, dir, "auto");
    assert!(
        stdout.contains("bulk: not used for rest_api.main: the last import on this endpoint left"),
        "{stdout}"
    );
    assert_eq!(n(&calls, "PutRestApi"), 0, "{calls:?}");
    assert_no_changes(&moto, dir);
}
