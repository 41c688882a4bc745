//! Canary releases on LocalStack (moto drops canary settings, docs/EMULATOR.md): a changed
//! API goes to the canary only; `promote` moves it to the stage, `rollback` removes it. The
//! stage is invoked through LocalStack to show which deployment answers. No deployment is
//! kept for rollback (`keep_deployments: 0`): the one the stage serves beside its canary stays.

use crate::common::localstack::LocalStack;
use crate::common::stack::rt;
use crate::common::{http_request, Moto};
use std::path::Path;

const STACK: &str = "stack: canary\nenvironment: test\nregion: ap-southeast-2\nrest_apis:\n  main:\n    name: canary-api\n    openapi: openapi.yaml\n    keep_deployments: 0\n    stages:\n      prod:\n        variables: {colour: blue}\n        canary:\n          percent: 10\n          stage_variable_overrides: {colour: green}\n";

fn contract(version: &str) -> String {
    format!(
        "openapi: 3.0.1\ninfo: {{title: canary, version: '1'}}\npaths:\n  /version:\n    get:\n      responses:\n        '200': {{description: ok}}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates: {{application/json: '{{\"statusCode\": 200}}'}}\n        responses:\n          default:\n            statusCode: '200'\n            responseTemplates: {{application/json: '{{\"version\": \"{version}\"}}'}}\n"
    )
}

/// The stage's deployment, its canary's (deployment, percent, overrides), and the API id.
type Served = (String, Option<(String, f64, Vec<(String, String)>)>, String);

fn served(ls: &LocalStack) -> Served {
    rt().block_on(async {
        let c = ls.apigw("ap-southeast-2");
        let apis = c.get_rest_apis().send().await.unwrap();
        let api = apis.items().iter().find(|a| a.name() == Some("canary-api"));
        let api = api.expect("the API").id().unwrap().to_string();
        let s = c
            .get_stage()
            .rest_api_id(&api)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        let canary = s.canary_settings().map(|c| {
            let mut o: Vec<(String, String)> = c
                .stage_variable_overrides()
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            o.sort();
            (
                c.deployment_id().unwrap_or_default().to_string(),
                c.percent_traffic(),
                o,
            )
        });
        (s.deployment_id().unwrap().to_string(), canary, api)
    })
}

/// What the stage's own deployment answers (a request LocalStack routes to the stage).
fn answer(ls: &LocalStack, api: &str) -> String {
    let path = format!("/restapis/{api}/prod/_user_request_/version");
    http_request(ls.port, "GET", &path, &[], b"")
        .unwrap()
        .text()
}

fn plan_is_empty(moto: &Moto, ls: &LocalStack, dir: &Path) {
    let plan = ls.cli(
        moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 0, "the plan is not empty:\n{plan}");
}

#[test]
fn a_canary_takes_the_change_then_promote_serves_it_and_rollback_the_old() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("stack.yaml"), STACK).unwrap();
    std::fs::write(dir.join("openapi.yaml"), contract("one")).unwrap();
    let apply = ["apply", "--stack", "stack.yaml", "--auto-approve"];
    ls.cli(&moto, dir, &apply).assert_success();
    // A new stage has nothing to release against: it serves the first deployment, no canary.
    let (first, canary, api) = served(&ls);
    assert_eq!(canary, None);
    assert!(answer(&ls, &api).contains("one"));
    plan_is_empty(&moto, &ls, dir);

    // A change goes to the canary: the plan says so apart from the stage's deployment.
    std::fs::write(dir.join("openapi.yaml"), contract("two")).unwrap();
    let plan = ls.cli(&moto, dir, &["plan", "--stack", "stack.yaml", "--no-color"]);
    plan.assert_success();
    assert!(plan.stdout.contains("canary.deployment"), "{plan}");
    assert!(plan.stdout.contains("canary.percent"), "{plan}");
    assert!(
        !plan.stdout.contains("    deployment:"),
        "the stage's own deployment stays:\n{plan}"
    );
    ls.cli(&moto, dir, &apply).assert_success();
    let (stage, canary, _) = served(&ls);
    assert_eq!(stage, first, "the stage keeps serving the first deployment");
    let (second, percent, overrides) = canary.expect("a canary after the change");
    assert_ne!(second, first);
    assert_eq!(percent, 10.0);
    assert_eq!(overrides, [("colour".to_string(), "green".to_string())]);
    plan_is_empty(&moto, &ls, dir);

    // Promoted: the stage serves the new deployment, the canary is gone, the plan is empty.
    let out = ls.cli(
        &moto,
        dir,
        &["promote", "--stack", "stack.yaml", "--stage", "prod"],
    );
    out.assert_success();
    assert!(out.stdout.contains("Promoted: stage prod of main"), "{out}");
    assert_eq!(served(&ls).0, second);
    assert_eq!(served(&ls).1, None);
    assert!(answer(&ls, &api).contains("two"), "{}", answer(&ls, &api));
    // The first deployment serves nothing now: with none kept for rollback, it goes.
    let plan = ls.cli(&moto, dir, &["plan", "--stack", "stack.yaml", "--no-color"]);
    assert!(
        plan.stdout.contains(&format!("- deployment main {first}")),
        "{plan}"
    );
    assert!(
        plan.stdout
            .contains("0 to create, 0 to update, 0 to replace, 1 to delete"),
        "{plan}"
    );
    ls.cli(&moto, dir, &apply).assert_success();
    plan_is_empty(&moto, &ls, dir);
    let again = ls.cli(
        &moto,
        dir,
        &["promote", "--stack", "stack.yaml", "--stage", "prod"],
    );
    again.assert_status(1);
    assert!(again.stderr.contains("has no canary"), "{again}");

    // A third version on the canary, rolled back: the stage serves the second one only.
    std::fs::write(dir.join("openapi.yaml"), contract("three")).unwrap();
    ls.cli(&moto, dir, &apply).assert_success();
    assert!(served(&ls).1.is_some());
    let out = ls.cli(
        &moto,
        dir,
        &["rollback", "--stack", "stack.yaml", "--stage", "prod"],
    );
    out.assert_success();
    assert!(out.stdout.contains("Rolled back"), "{out}");
    assert_eq!(served(&ls).0, second);
    assert_eq!(served(&ls).1, None);
    assert!(answer(&ls, &api).contains("two"));
    // The stack still says "three": the next plan starts the canary again.
    let plan = ls.cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 2, "{plan}");
}
