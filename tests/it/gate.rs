//! `plan --contract-gate STAGE` on LocalStack (moto's export is a stub, docs/EMULATOR.md):
//! the stack's contract against what the live stage serves.

use crate::common::localstack::LocalStack;
use crate::common::Moto;

const STACK: &str = "stack: gate\nenvironment: test\nregion: ap-southeast-2\nrest_apis:\n  main:\n    name: gate-api\n    openapi: openapi.yaml\n    integration: {type: MOCK}\n    stages:\n      prod: {}\n";

fn contract(extra_param: bool, orders: bool) -> String {
    let mut c = String::from(
        "openapi: 3.0.1\ninfo: {title: gate, version: '1'}\npaths:\n  /quotes:\n    get:\n",
    );
    if extra_param {
        c.push_str("      parameters:\n        - {name: currency, in: query, required: true, schema: {type: string}}\n");
    }
    c.push_str("      responses:\n        '200': {description: ok}\n");
    if orders {
        c.push_str("  /orders:\n    get:\n      responses:\n        '200': {description: ok}\n");
    }
    c
}

#[test]
fn the_plan_gate_names_what_breaks_the_live_stages_clients() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("stack.yaml"), STACK).unwrap();
    std::fs::write(dir.join("openapi.yaml"), contract(false, true)).unwrap();
    let gate = ["plan", "--stack", "stack.yaml", "--contract-gate", "prod"];
    // Nothing live yet: nobody to break.
    let first = ls.cli(&moto, dir, &gate);
    first.assert_success();
    assert!(first.stderr.contains("does not exist yet"), "{first}");
    ls.cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    )
    .assert_success();
    let same = ls.cli(&moto, dir, &gate);
    same.assert_success();
    assert!(same.stderr.contains("0 breaking"), "{same}");

    // A removed route and a new required query parameter break the stage's clients.
    std::fs::write(dir.join("openapi.yaml"), contract(true, false)).unwrap();
    let out = ls.cli(&moto, dir, &gate);
    out.assert_status(1);
    assert!(
        out.stderr
            .contains("main stage prod (live) → main in the stack: 2 breaking"),
        "{out}"
    );
    assert!(out.stderr.contains("GET /orders"), "{out}");
    assert!(out.stderr.contains("currency"), "{out}");
    assert!(out.stderr.contains("--allow-breaking"), "{out}");
    assert!(
        out.stdout.contains("Plan:"),
        "the plan is still shown:\n{out}"
    );
    let mut allowed = gate.to_vec();
    allowed.push("--allow-breaking");
    ls.cli(&moto, dir, &allowed).assert_success();
}
