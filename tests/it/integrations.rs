//! Every REST integration form (issue 15): a Lambda behind a custom (AWS) integration with a
//! response template, direct service actions with a role and templates from files, and the
//! contract's own x-amazon-apigateway-integration. Applied to the emulator, read back with
//! the SDK as AWS keeps them, and re-planned empty.

use crate::common::stack::{apigw, rt, workspace};
use crate::common::{cli, Moto};
use aws_sdk_apigateway::types::Method;
use std::collections::BTreeMap;
use std::path::Path;

const STACK: &str = "stacks/services/dev.yaml";

/// `METHOD path` → the method with its integration, as GetResources embeds them.
fn live_methods(moto: &Moto) -> BTreeMap<String, Method> {
    rt().block_on(async {
        let c = apigw(moto);
        let apis = c.get_rest_apis().send().await.expect("apis");
        let api = apis
            .items()
            .iter()
            .find(|a| a.name() == Some("orders-dev"))
            .and_then(|a| a.id())
            .expect("the API exists")
            .to_string();
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .embed("methods")
            .limit(500)
            .send()
            .await
            .expect("resources");
        let mut out = BTreeMap::new();
        for r in res.items() {
            for (m, method) in r.resource_methods().into_iter().flatten() {
                out.insert(
                    format!("{m} {}", r.path().unwrap_or_default()),
                    method.clone(),
                );
            }
        }
        out
    })
}

fn plan_is_empty(moto: &Moto, dir: &Path) {
    let plan = cli(
        moto,
        dir,
        &["plan", "--stack", STACK, "--detailed-exitcode"],
    );
    plan.assert_status(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn every_integration_form_applies_reads_back_as_written_and_replans_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    cli(&moto, &dir, &["apply", "--stack", STACK, "--auto-approve"]).assert_success();
    plan_is_empty(&moto, &dir);

    let live = live_methods(&moto);
    let integ = |k: &str| {
        live.get(k)
            .and_then(|m| m.method_integration())
            .unwrap_or_else(|| panic!("{k} has an integration: {:?}", live.keys()))
            .clone()
    };
    let template =
        std::fs::read_to_string(dir.join("stacks/services/templates/put-order.vtl")).unwrap();

    // DynamoDB PutItem: role, the template file verbatim, a default and an error response.
    let orders = integ("POST /orders");
    assert_eq!(orders.r#type().map(|t| t.as_str()), Some("AWS"));
    assert_eq!(
        orders.uri(),
        Some("arn:aws:apigateway:ap-southeast-2:dynamodb:action/PutItem")
    );
    assert_eq!(orders.http_method(), Some("POST"));
    assert_eq!(
        orders.credentials(),
        Some("arn:aws:iam::123456789012:role/orders-api-dynamodb")
    );
    assert_eq!(orders.passthrough_behavior(), Some("NEVER"));
    let sent = orders.request_templates().unwrap()["application/json"].clone();
    assert_eq!(sent, template);
    assert!(sent.contains("$stageVariables.ordersTable"), "{sent}");
    let responses = orders.integration_responses().unwrap();
    assert_eq!(responses["400"].selection_pattern(), Some("4\\d{2}"));
    assert!(responses["200"]
        .selection_pattern()
        .is_none_or(str::is_empty));
    let methods = live["POST /orders"].method_responses().unwrap();
    assert!(
        methods.contains_key("200") && methods.contains_key("400"),
        "{methods:?}"
    );

    // Seed 002: the Lambda's JSON answer becomes XML, its status set by the template.
    let orca = integ("ANY /orca/{proxy+}");
    assert_eq!(orca.r#type().map(|t| t.as_str()), Some("AWS"));
    assert!(
        orca.uri().unwrap().ends_with(":function:orca/invocations"),
        "{:?}",
        orca.uri()
    );
    let xml = &orca.integration_responses().unwrap()["200"];
    assert!(xml.response_templates().unwrap()["application/json"]
        .contains("#set($context.responseOverride.status = 500)"));
    assert_eq!(
        xml.response_parameters().unwrap()["method.response.header.Content-Type"],
        "'application/xml'"
    );

    // SQS with a header mapping and a form-encoded body.
    let events = integ("POST /events");
    assert_eq!(
        events.request_parameters().unwrap()["integration.request.header.Content-Type"],
        "'application/x-www-form-urlencoded'"
    );
    assert_eq!(
        events.request_templates().unwrap()["application/json"],
        "Action=SendMessage&MessageBody=$util.urlEncode($input.body)"
    );

    // The contract's own integrations are kept as the contract wrote them.
    let quote = integ("GET /quotes/{id}");
    assert_eq!(quote.r#type().map(|t| t.as_str()), Some("HTTP"));
    assert_eq!(quote.timeout_in_millis(), 8000);
    assert_eq!(
        quote.integration_responses().unwrap()["404"].selection_pattern(),
        Some("404")
    );
    let status = integ("GET /status");
    assert_eq!(
        status.integration_responses().unwrap()["200"]
            .response_parameters()
            .unwrap()["method.response.header.Cache-Control"],
        "'max-age=60'"
    );
}

#[test]
fn a_template_edited_in_its_file_changes_that_route_only() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    cli(&moto, &dir, &["apply", "--stack", STACK, "--auto-approve"]).assert_success();
    let file = dir.join("stacks/services/templates/put-order.vtl");
    let edited = std::fs::read_to_string(&file)
        .unwrap()
        .replace("\"total\"", "\"amount\"");
    std::fs::write(&file, &edited).unwrap();

    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", STACK, "--detailed-exitcode"],
    );
    plan.assert_status(2);
    let routes: Vec<&str> = plan
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| ["~ ", "+ ", "- ", "-/+ "].iter().any(|a| l.starts_with(a)))
        .filter(|l| !l.contains("deployment") && !l.contains("stage "))
        .collect();
    assert_eq!(routes, ["~ POST /orders"], "{}", plan.stdout);
    // The reviewer sees the line that changed, not two equal-looking cut texts.
    assert!(
        plan.stdout.contains(r#"integration.request_templates["application/json"]: 1 of 11 lines changed, first line 9: "    \"total\": {\"N\": \"$order.total\"}" → "    \"amount\": {\"N\": \"$order.total\"}""#),
        "{}",
        plan.stdout
    );

    cli(&moto, &dir, &["apply", "--stack", STACK, "--auto-approve"]).assert_success();
    plan_is_empty(&moto, &dir);
    let live = live_methods(&moto);
    let sent = live["POST /orders"]
        .method_integration()
        .and_then(|i| i.request_templates())
        .unwrap()["application/json"]
        .clone();
    assert_eq!(sent, edited);
}

#[test]
fn an_override_of_the_contracts_own_integration_wins_and_validate_names_both_places() {
    let (_tmp, dir) = workspace();
    let stack = dir.join(STACK);
    let text = std::fs::read_to_string(&stack).unwrap().replace(
        "    operations:\n",
        "    operations:\n      getQuote:\n        integration: {timeout_ms: 5000}\n",
    );
    std::fs::write(&stack, text).unwrap();
    let moto = Moto::start();
    let out = cli(&moto, &dir, &["validate", "--stack", STACK]);
    out.assert_success();
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("GET /quotes/{id}: the contract's x-amazon-apigateway-integration sets `timeoutInMillis` to 8000 (")
            && all.contains("examples/services/openapi.yaml:")
            && all.contains("rest_apis.main.operations override sets 5000"),
        "{all}"
    );
    let export = cli(
        &moto,
        &dir,
        &["export-openapi", "--stack", STACK, "--format", "json"],
    );
    export.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
    let x = &doc["paths"]["/quotes/{id}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(x["timeoutInMillis"], 5000);
    assert_eq!(x["type"], "http", "the rest is the contract's");
}

const VAULT_CONTRACT: &str = r#"openapi: 3.0.1
info: {title: vault, version: "1"}
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: "*"
      Action: execute-api:Invoke
      Resource: ["execute-api:/*"]
x-amazon-apigateway-documentation:
  version: "1"
  documentationParts: []
paths:
  /secrets:
    get:
      x-amazon-apigateway-auth: {type: AWS_IAM}
      x-amazon-apigateway-integration: &mock
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
      responses: {"200": {description: ok}}
    post:
      security: [{iam: []}]
      x-amazon-apigateway-integration: *mock
      responses: {"200": {description: ok}}
  /open:
    get:
      x-amazon-apigateway-integration: *mock
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    iam: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
"#;

/// The contract's resource policy and IAM authorization (issue 15): `x-amazon-apigateway-
/// policy`, an operation's `x-amazon-apigateway-auth` and an `awsSigv4` scheme apply and read
/// back as AWS keeps them; the stack's own policy wins with a warning; an extension the tool
/// does not carry (documentation parts) is named with its line, not dropped in silence.
#[test]
fn the_contracts_resource_policy_and_iam_authorization_apply_and_what_is_not_carried_is_named() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("openapi.yaml"), VAULT_CONTRACT).unwrap();
    let stack = "stack: vault\nenvironment: dev\nregion: ap-southeast-2\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    stages: {dev: {}}\n    operations:\n      GET /open: {authorizer: AWS_IAM}\n";
    std::fs::write(dir.join("stack.yaml"), stack).unwrap();

    let v = cli(&moto, dir, &["validate", "--stack", "stack.yaml"]);
    v.assert_success();
    let text = format!("{}{}", v.stdout, v.stderr);
    assert!(
        text.contains("warning[X1]")
            && text.contains("openapi.yaml:10:1: x-amazon-apigateway-documentation is not carried"),
        "{v}"
    );

    cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    )
    .assert_success();
    let (policy, auth) = rt().block_on(async {
        let c = apigw(&moto);
        let apis = c.get_rest_apis().send().await.unwrap();
        let api = apis
            .items()
            .iter()
            .find(|a| a.name() == Some("vault-dev-main"))
            .expect("the API exists");
        let id = api.id().unwrap();
        let res = c
            .get_resources()
            .rest_api_id(id)
            .embed("methods")
            .send()
            .await
            .unwrap();
        let mut auth = BTreeMap::new();
        for r in res.items() {
            for (m, method) in r.resource_methods().into_iter().flatten() {
                let got = c
                    .get_method()
                    .rest_api_id(id)
                    .resource_id(r.id().unwrap())
                    .http_method(m)
                    .send()
                    .await
                    .unwrap();
                auth.insert(
                    format!("{m} {}", r.path().unwrap()),
                    got.authorization_type().unwrap_or_default().to_string(),
                );
                let _ = method;
            }
        }
        let got = c.get_rest_api().rest_api_id(id).send().await.unwrap();
        (got.policy().unwrap_or_default().to_string(), auth)
    });
    assert!(policy.contains("execute-api:Invoke"), "{policy}");
    for route in ["GET /secrets", "POST /secrets", "GET /open"] {
        assert_eq!(
            auth.get(route).map(String::as_str),
            Some("AWS_IAM"),
            "{auth:?}"
        );
    }
    let plan = cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    );
    plan.assert_status(0);

    // The stack's own policy: a warning naming the contract's line, then one change.
    let deny = format!("{stack}    policy: {{Version: \"2012-10-17\", Statement: [{{Effect: Deny, Principal: \"*\", Action: execute-api:Invoke, Resource: \"execute-api:/*/POST/secrets\"}}]}}\n");
    std::fs::write(dir.join("stack.yaml"), deny).unwrap();
    let v = cli(&moto, dir, &["validate", "--stack", "stack.yaml"]);
    assert!(
        format!("{}{}", v.stdout, v.stderr)
            .contains("x-amazon-apigateway-policy: the contract says"),
        "{v}"
    );
    let plan = cli(&moto, dir, &["plan", "--stack", "stack.yaml"]);
    assert!(plan.stdout.contains("~ rest_api main"), "{plan}");
    assert!(plan.stdout.contains("policy"), "{plan}");
    cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    )
    .assert_success();
    cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    )
    .assert_status(0);
}
