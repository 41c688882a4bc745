//! Authorizers, CORS, gateway responses and the tiers example: each item diffs on its own, a
//! one-item change makes exactly the write calls it needs (counted with `--stats`), the result
//! is read back through the SDK, and a second plan is empty.
//!
//! Every change of the contract's import document (authorizer settings aside from ids, gateway
//! responses, routes) also redeploys: one CreateDeployment and one UpdateStage, asserted too.

use crate::common;

use aws_sdk_apigateway::Client;
use common::stack::*;
use common::{cli, copy_dir, repo_root, Moto};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

const BASE: &str = "stacks/idrv5/base.yaml";
const TIERS: &str = "stacks/tiers/dev.yaml";

fn calls(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

/// The redeploy every document change costs, plus `extra`.
fn redeploy_and(extra: &[(&str, u64)]) -> BTreeMap<String, u64> {
    let mut c = calls(&[("CreateDeployment", 1), ("UpdateStage", 1)]);
    c.extend(calls(extra));
    c
}

/// `apply --stats`: its stdout and the calls that changed something, by operation.
fn apply_writes(moto: &Moto, dir: &Path, stack: &str) -> (String, BTreeMap<String, u64>) {
    let out = cli(
        moto,
        dir,
        &["apply", "--stack", stack, "--auto-approve", "--stats"],
    );
    out.assert_success();
    (out.stdout.clone(), write_calls(&out.stderr))
}

#[track_caller]
fn assert_converged(moto: &Moto, dir: &Path, stack: &str) {
    cli(
        moto,
        dir,
        &["plan", "--stack", stack, "--detailed-exitcode"],
    )
    .assert_status(0);
}

fn plan_json(moto: &Moto, dir: &Path, stack: &str) -> Value {
    let out = cli(moto, dir, &["plan", "--stack", stack, "--json"]);
    out.assert_success();
    serde_json::from_str(&out.stdout).expect("plan --json")
}

/// Names (`GET /path`) of the routes the plan changes.
fn changed_routes(plan: &Value) -> Vec<String> {
    routes(plan, |c| c["action"] != "noop")
}

fn routes(plan: &Value, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["kind"] == "route" && keep(c))
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect()
}

/// An offline command (validate): no emulator, no credentials.
fn offline(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(common::bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run idrv5-gw");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn client(moto: &Moto, region: &str) -> Client {
    let creds = aws_sdk_apigateway::config::Credentials::new("testing", "testing", None, None, "t");
    Client::from_conf(
        aws_sdk_apigateway::Config::builder()
            .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
            .region(aws_sdk_apigateway::config::Region::new(region.to_string()))
            .endpoint_url(moto.endpoint())
            .credentials_provider(creds)
            .build(),
    )
}

async fn resources(c: &Client, api: &str) -> Vec<aws_sdk_apigateway::types::Resource> {
    c.get_resources()
        .rest_api_id(api)
        .embed("methods")
        .limit(500)
        .send()
        .await
        .expect("get_resources")
        .items()
        .to_vec()
}

async fn method(c: &Client, api: &str, path: &str, m: &str) -> aws_sdk_apigateway::types::Method {
    resources(c, api)
        .await
        .iter()
        .find(|r| r.path() == Some(path))
        .unwrap_or_else(|| panic!("no resource {path}"))
        .resource_methods()
        .and_then(|ms| ms.get(m))
        .unwrap_or_else(|| panic!("no method {m} {path}"))
        .clone()
}

/// The generated preflight's 200 integration response of one path.
async fn preflight(
    c: &Client,
    api: &str,
    path: &str,
) -> aws_sdk_apigateway::operation::get_integration_response::GetIntegrationResponseOutput {
    let rid = resources(c, api)
        .await
        .iter()
        .find(|r| r.path() == Some(path))
        .and_then(|r| r.id().map(str::to_string))
        .unwrap_or_else(|| panic!("no resource {path}"));
    c.get_integration_response()
        .rest_api_id(api)
        .resource_id(rid)
        .http_method("OPTIONS")
        .status_code("200")
        .send()
        .await
        .expect("get_integration_response")
}

/// The gateway responses the API has besides AWS's defaults (real AWS lists every type, with
/// `defaultResponse: true` for those not customised).
async fn custom_responses(
    c: &Client,
    api: &str,
) -> BTreeMap<String, aws_sdk_apigateway::types::GatewayResponse> {
    c.get_gateway_responses()
        .rest_api_id(api)
        .limit(500)
        .send()
        .await
        .expect("get_gateway_responses")
        .items()
        .iter()
        .filter(|g| !g.default_response())
        .map(|g| (g.response_type().unwrap().as_str().to_string(), g.clone()))
        .collect()
}

// ---- authorizers -------------------------------------------------------------------------

#[test]
fn an_authorizer_ttl_change_is_one_update_authorizer_and_no_route_call() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(BASE),
        "        ttl_seconds: 300",
        "        ttl_seconds: 60",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    plan.assert_success();
    assert!(plan.stdout.contains("~ authorizer jwt"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("ttl_seconds: 300 → 60"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to create, 2 to update, 0 to replace, 0 to delete."),
        "the authorizer and the stage update, a deployment is created: {}",
        plan.stdout
    );
    assert!(
        changed_routes(&plan_json(&moto, &dir, DEV)).is_empty(),
        "routes refer to the authorizer by id, which stays"
    );
    let (_, writes) = apply_writes(&moto, &dir, DEV);
    assert_eq!(writes, redeploy_and(&[("UpdateAuthorizer", 1)]));
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let auths = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
        assert_eq!(auths.items().len(), 1);
        let jwt = &auths.items()[0];
        assert_eq!(jwt.name(), Some("jwt"));
        assert_eq!(jwt.authorizer_result_ttl_in_seconds(), Some(60));
        assert_eq!(
            jwt.identity_validation_expression(),
            Some("^Bearer [-0-9A-Za-z._~+/]+=*$"),
            "the other fields stay"
        );
    });
    assert_converged(&moto, &dir, DEV);
}

#[test]
fn opening_one_operation_is_one_route_change() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(BASE),
        "      createBooking:\n",
        "      listZones:\n        authorizer: NONE\n      createBooking:\n",
    );
    let plan = plan_json(&moto, &dir, DEV);
    assert_eq!(changed_routes(&plan), vec!["GET /api/v1/zones"]);
    let (_, writes) = apply_writes(&moto, &dir, DEV);
    // A changed method is deleted and put again with its method responses (the contract's
    // three), then its integration (UpdateMethod is an HTTP 500 on moto: docs/EMULATOR.md);
    // the other 24 guarded routes are not touched.
    assert_eq!(
        writes,
        redeploy_and(&[
            ("DeleteMethod", 1),
            ("PutMethod", 1),
            ("PutMethodResponse", 3),
            ("PutIntegration", 1)
        ])
    );
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let open = method(&c, &api, "/api/v1/zones", "GET").await;
        assert_eq!(open.authorization_type(), Some("NONE"));
        assert_eq!(open.authorizer_id(), None);
        let guarded = method(&c, &api, "/api/v1/zones", "POST").await;
        assert_eq!(guarded.authorization_type(), Some("CUSTOM"));
        assert!(guarded.authorizer_id().is_some());
    });
    assert_converged(&moto, &dir, DEV);
}

#[test]
fn an_unmapped_security_scheme_stops_validate_and_plan_and_names_the_fix() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    edit(&dir.join(BASE), "      bearerAuth: jwt\n", "");
    for cmd in ["validate", "plan"] {
        let out = cli(&moto, &dir, &[cmd, "--stack", DEV]);
        out.assert_status(1);
        assert!(
            out.stderr.contains("error[security]")
                && out.stderr.contains("security scheme `bearerAuth`"),
            "{cmd}: {}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("security_schemes: {bearerAuth: <authorizer key>}"),
            "{cmd}: {}",
            out.stderr
        );
    }
    // Nothing was created on the way.
    rt().block_on(async {
        assert!(apis_named(&apigw(&moto), "idrv5-dev").await.is_empty());
    });
}

/// API Gateway caches authorizer results for 0 to 3600 seconds and refuses anything else at
/// CreateAuthorizer/UpdateAuthorizer; like `timeout_ms` and `retention_days`, the range
/// belongs to `validate` (moto stores any number, so only validate can catch it in tests).
#[test]
fn an_authorizer_ttl_outside_api_gateways_range_is_a_validate_error() {
    let (_tmp, dir) = workspace();
    edit(
        &dir.join(BASE),
        "        ttl_seconds: 300",
        "        ttl_seconds: 7200",
    );
    let (status, stdout, stderr) = offline(&dir, &["validate", "--stack", DEV]);
    assert_eq!(
        status, 1,
        "validate accepted ttl_seconds: 7200:\n{stdout}{stderr}"
    );
    assert!(
        stderr.contains("ttl_seconds") && stderr.contains("3600"),
        "the error names the key and the range: {stderr}"
    );
}

// ---- gateway responses -------------------------------------------------------------------

#[test]
fn a_gateway_response_template_change_is_one_put() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let old = r#"      UNAUTHORIZED:
        status: 401
        templates:
          application/json: '{"message": "$context.error.message", "hint": "$context.authorizer.key", "http_method": "$context.httpMethod"}'"#;
    let new = r#"      UNAUTHORIZED:
        status: 401
        templates:
          application/json: '{"message": "$context.error.message", "request": "$context.requestId"}'"#;
    edit(&dir.join(BASE), old, new);
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout.contains("~ gateway_response UNAUTHORIZED")
            && plan
                .stdout
                .contains(r#"response_templates["application/json"]"#),
        "{}",
        plan.stdout
    );
    let (_, writes) = apply_writes(&moto, &dir, DEV);
    assert_eq!(writes, redeploy_and(&[("PutGatewayResponse", 1)]));
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = custom_responses(&c, &api).await;
        let unauthorized = &r["UNAUTHORIZED"];
        assert_eq!(unauthorized.status_code(), Some("401"));
        assert_eq!(
            unauthorized.response_templates().unwrap()["application/json"],
            r#"{"message": "$context.error.message", "request": "$context.requestId"}"#
        );
        assert!(r.contains_key("ACCESS_DENIED"), "the others stay: {r:?}");
    });
    assert_converged(&moto, &dir, DEV);
}

#[test]
fn removing_a_gateway_response_is_one_delete() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let access_denied = r#"      ACCESS_DENIED:
        status: 403
        templates:
          application/json: '{"message": "$context.error.message", "hint": "$context.authorizer.key", "http_method": "$context.httpMethod"}'
"#;
    edit(&dir.join(BASE), access_denied, "");
    let (stdout, writes) = apply_writes(&moto, &dir, DEV);
    assert!(
        stdout.contains("- gateway_response ACCESS_DENIED"),
        "{stdout}"
    );
    assert_eq!(writes, redeploy_and(&[("DeleteGatewayResponse", 1)]));
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = custom_responses(&c, &api).await;
        assert!(!r.contains_key("ACCESS_DENIED"), "{:?}", r.keys());
        assert!(r.contains_key("UNAUTHORIZED"), "{:?}", r.keys());
    });
    assert_converged(&moto, &dir, DEV);
}

#[test]
fn switching_not_found_off_deletes_missing_authentication_token() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = custom_responses(&c, &api).await;
        let mat = &r["MISSING_AUTHENTICATION_TOKEN"];
        assert_eq!(mat.status_code(), Some("404"));
        assert!(mat.response_templates().unwrap()["application/json"]
            .contains("Unable to find the requested resource"));
    });
    edit(
        &dir.join(BASE),
        "    not_found: true",
        "    not_found: false",
    );
    let (stdout, writes) = apply_writes(&moto, &dir, DEV);
    assert!(
        stdout.contains("- gateway_response MISSING_AUTHENTICATION_TOKEN"),
        "{stdout}"
    );
    assert_eq!(writes, redeploy_and(&[("DeleteGatewayResponse", 1)]));
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = custom_responses(&c, &api).await;
        assert!(
            !r.contains_key("MISSING_AUTHENTICATION_TOKEN"),
            "{:?}",
            r.keys()
        );
    });
    assert_converged(&moto, &dir, DEV);
}

/// A response type API Gateway does not have is a typo: it must be refused offline, not
/// planned as "delete UNAUTHORIZED, create UNAUTHORISED" (moto stores any type; real AWS
/// rejects the put, after the delete has run).
#[test]
fn a_misspelt_gateway_response_type_is_a_validate_error() {
    let (_tmp, dir) = workspace();
    edit(
        &dir.join(BASE),
        "      UNAUTHORIZED:\n",
        "      UNAUTHORISED:\n",
    );
    let (status, stdout, stderr) = offline(&dir, &["validate", "--stack", DEV]);
    assert_eq!(
        status, 1,
        "validate accepted the unknown gateway response type UNAUTHORISED:\n{stdout}{stderr}"
    );
    assert!(
        stderr.contains("UNAUTHORISED") && stderr.contains("UNAUTHORIZED"),
        "the error names the key and the valid types: {stderr}"
    );
}

// ---- CORS ----------------------------------------------------------------------------------

/// A CORS change re-answers every preflight (one PutIntegration and one
/// PutIntegrationResponse per path) and touches no other route.
#[track_caller]
fn assert_only_preflights_change(moto: &Moto, dir: &Path) {
    let plan = plan_json(moto, dir, DEV);
    let preflights = routes(&plan, |c| {
        c["name"].as_str().unwrap().starts_with("OPTIONS ")
    });
    assert_eq!(
        preflights.len(),
        11,
        "one preflight per path: {preflights:?}"
    );
    assert_eq!(changed_routes(&plan), preflights);
    let (stdout, writes) = apply_writes(moto, dir, DEV);
    assert!(
        stdout.contains("~ 11 CORS preflight route(s)"),
        "one grouped line: {stdout}"
    );
    assert_eq!(
        writes,
        redeploy_and(&[("PutIntegration", 11), ("PutIntegrationResponse", 11)]),
        "no PutMethod, no DeleteMethod, no gateway response"
    );
}

#[test]
fn a_cors_max_age_change_touches_only_the_preflights() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(&dir.join(BASE), "      max_age: 600", "      max_age: 3600");
    assert_only_preflights_change(&moto, &dir);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = preflight(&c, &api, "/api/v1/quotes").await;
        let headers = r.response_parameters().unwrap();
        assert_eq!(
            headers["method.response.header.Access-Control-Max-Age"],
            "'3600'"
        );
        assert_eq!(
            headers["method.response.header.Access-Control-Allow-Origin"],
            "'https://portal.idrv5.example.com'"
        );
    });
    assert_converged(&moto, &dir, DEV);
}

#[test]
fn adding_a_cors_origin_touches_only_the_preflights() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(BASE),
        r#"      allow_origins: ["https://portal.idrv5.example.com"]"#,
        r#"      allow_origins: ["https://portal.idrv5.example.com", "https://ops.idrv5.example.com"]"#,
    );
    assert_only_preflights_change(&moto, &dir);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = preflight(&c, &api, "/api/v1/zones/{id}").await;
        let echo = &r.response_templates().unwrap()["application/json"];
        assert!(
            echo.contains("\"https://ops.idrv5.example.com\"")
                && echo.contains("responseOverride.header.Access-Control-Allow-Origin"),
            "the caller's origin is echoed when allowed: {echo}"
        );
        // Error answers keep the first origin (a static header): unchanged, so not written.
        let errors = custom_responses(&c, &api).await;
        assert_eq!(
            errors["DEFAULT_4XX"].response_parameters().unwrap()
                ["gatewayresponse.header.Access-Control-Allow-Origin"],
            "'https://portal.idrv5.example.com'"
        );
    });
    assert_converged(&moto, &dir, DEV);
}

// ---- the tiers example (seed 004) ----------------------------------------------------------

fn tiers_workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(repo_root().join("stacks"), tmp.path().join("stacks"));
    copy_dir(repo_root().join("examples"), tmp.path().join("examples"));
    tmp
}

#[test]
fn the_tiers_example_validates_without_warnings() {
    let tmp = tiers_workspace();
    for env in ["dev", "prod"] {
        let stack = format!("stacks/tiers/{env}.yaml");
        let (status, stdout, stderr) = offline(tmp.path(), &["validate", "--stack", &stack]);
        assert_eq!(status, 0, "{env}: {stdout}{stderr}");
        assert!(
            stdout.contains(&format!("Stack users/{env} is valid"))
                && stdout.contains("9 route(s)")
                && stdout.contains("0 warning(s)"),
            "{env}: {stdout}{stderr}"
        );
    }
}

#[test]
fn the_tiers_example_applies_with_cognito_scopes_keys_and_four_plans() {
    let moto = Moto::start();
    let tmp = tiers_workspace();
    let dir = tmp.path();
    apply_ok(&moto, dir, TIERS);
    assert_converged(&moto, dir, TIERS);
    let c = client(&moto, "us-east-1");
    let api = rt().block_on(async {
        let api = c
            .get_rest_apis()
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .find(|a| a.name() == Some("users-dev"))
            .and_then(|a| a.id().map(str::to_string))
            .expect("users-dev");
        let auths = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
        let cognito = &auths.items()[0];
        assert_eq!(cognito.name(), Some("cognito"));
        assert_eq!(
            cognito.r#type().map(|t| t.as_str()),
            Some("COGNITO_USER_POOLS")
        );
        assert_eq!(
            cognito.provider_arns(),
            [
                "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Us3rP00l"
                    .to_string()
            ]
        );
        assert_eq!(
            cognito.identity_source(),
            Some("method.request.header.Authorization")
        );
        // Scopes: the authorizer's default where the contract names none; the contract's own
        // on writes and deletes.
        for (path, m, scope) in [
            ("/users", "GET", "users/read"),
            ("/users/{id}", "GET", "users/read"),
            ("/users", "POST", "users/write"),
            ("/users/{id}", "PUT", "users/write"),
            ("/users/{id}", "DELETE", "users/admin"),
        ] {
            let x = method(&c, &api, path, m).await;
            assert_eq!(
                x.authorization_type(),
                Some("COGNITO_USER_POOLS"),
                "{m} {path}"
            );
            assert_eq!(x.authorizer_id(), cognito.id(), "{m} {path}");
            assert_eq!(x.authorization_scopes(), [scope.to_string()], "{m} {path}");
            assert_eq!(x.api_key_required(), Some(true), "{m} {path}");
            assert!(x.request_validator_id().is_some(), "{m} {path}");
        }
        let post = method(&c, &api, "/users", "POST").await;
        assert_eq!(
            post.request_models().unwrap()["application/json"],
            "CreateUser"
        );
        let model = c
            .get_model()
            .rest_api_id(&api)
            .model_name("CreateUser")
            .send()
            .await
            .unwrap();
        let schema: Value = serde_json::from_str(model.schema().unwrap()).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-04/schema#");
        assert_eq!(schema["required"], serde_json::json!(["email", "name"]));
        // `/health` and the preflights are open: no token, no key.
        for (path, m) in [
            ("/health", "GET"),
            ("/users", "OPTIONS"),
            ("/health", "OPTIONS"),
        ] {
            let x = method(&c, &api, path, m).await;
            assert_eq!(x.authorization_type(), Some("NONE"), "{m} {path}");
            assert_eq!(x.api_key_required(), Some(false), "{m} {path}");
        }
        let plans = c.get_usage_plans().send().await.unwrap();
        let mut names: Vec<&str> = plans.items().iter().filter_map(|p| p.name()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "users-dev-basic",
                "users-dev-free",
                "users-dev-internal",
                "users-dev-premium"
            ]
        );
        for p in plans.items() {
            let keys = c
                .get_usage_plan_keys()
                .usage_plan_id(p.id().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(keys.items().len(), 1, "{:?} has its key", p.name());
            assert_eq!(p.api_stages().len(), 1, "{:?} is on dev", p.name());
        }
        api
    });

    // The authorizer's default scopes live on the methods that use them: changing them
    // changes those two routes and not the authorizer.
    edit(
        &dir.join("stacks/tiers/base.yaml"),
        "        scopes: [users/read]",
        "        scopes: [users/read, users/list]",
    );
    let plan = plan_json(&moto, dir, TIERS);
    assert_eq!(
        changed_routes(&plan),
        ["GET /users", "GET /users/{id}"],
        "the operations without their own scopes"
    );
    let (_, writes) = apply_writes(&moto, dir, TIERS);
    // Each method is put again with its method response (the contract's one).
    assert_eq!(
        writes,
        redeploy_and(&[
            ("DeleteMethod", 2),
            ("PutMethod", 2),
            ("PutMethodResponse", 2),
            ("PutIntegration", 2)
        ])
    );
    rt().block_on(async {
        let x = method(&c, &api, "/users/{id}", "GET").await;
        assert_eq!(
            x.authorization_scopes(),
            ["users/read".to_string(), "users/list".to_string()]
        );
        let delete = method(&c, &api, "/users/{id}", "DELETE").await;
        assert_eq!(delete.authorization_scopes(), ["users/admin".to_string()]);
    });
    assert_converged(&moto, dir, TIERS);
}
