//! Models that refer to each other (issue 12): AWS accepts circular models, so a contract
//! whose request body is a `Person` living in a `House` that contains `Person`s must plan and
//! apply, and plan empty afterwards. The contract is LocalStack's test document
//! (tests/fixtures/openapi/, Apache-2.0).

use crate::common::stack::{apigw, rt};
use crate::common::{cli, repo_root, Moto};
use std::path::Path;

const FIXTURE: &str = "localstack__localstack__openapi.spec.circular-ref-with-request-body.json";

fn circular_stack(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(
        repo_root().join("tests/fixtures/openapi").join(FIXTURE),
        dir.join("openapi.json"),
    )
    .unwrap();
    std::fs::write(
        dir.join("stack.yaml"),
        "stack: circular\nenvironment: test\nregion: ap-southeast-2\nrest_apis:\n  main:\n    name: circular-api\n    openapi: openapi.json\n    description: models that refer to each other\n    integration:\n      type: MOCK\n    validators:\n      all: {body: true, params: true}\n    default_validator: all\n    stages:\n      live:\n        description: test stage\n",
    )
    .unwrap();
}

#[test]
fn models_that_refer_to_each_other_plan_apply_and_replan_empty() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    circular_stack(&dir);
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", "stack.yaml", "--no-color"],
    );
    plan.assert_success();
    assert!(
        !plan.stdout.contains("depends on itself"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("+ model House"), "{}", plan.stdout);
    assert!(plan.stdout.contains("+ model Person"), "{}", plan.stdout);
    cli(
        &moto,
        &dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    )
    .assert_success();
    // Both models exist with their real schemas, each naming the other by its model URL.
    let models = rt().block_on(async {
        let c = apigw(&moto);
        let apis = c.get_rest_apis().send().await.unwrap();
        let api = apis
            .items()
            .iter()
            .find(|a| a.name() == Some("circular-api"))
            .expect("the API")
            .id()
            .unwrap()
            .to_string();
        let models = c.get_models().rest_api_id(&api).send().await.unwrap();
        models
            .items()
            .iter()
            .map(|m| {
                (
                    m.name().unwrap_or_default().to_string(),
                    m.schema().unwrap_or_default().to_string(),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    });
    assert!(models["Person"].contains("/models/House"), "{models:#?}");
    assert!(models["House"].contains("/models/Person"), "{models:#?}");
    let again = cli(
        &moto,
        &dir,
        &[
            "plan",
            "--stack",
            "stack.yaml",
            "--no-color",
            "--detailed-exitcode",
        ],
    );
    again.assert_status(0);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}
