//! Authorizers, CORS, gateway responses: each item diffs on its own, and a one-item change
//! costs the calls it needs and no more.

mod common;

use common::stack::*;
use common::{cli, copy_dir, repo_root, Moto};

fn calls(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("aws calls: "))
        .unwrap_or_default()
        .to_string()
}

/// `Op=N` from the --stats line, 0 when absent.
fn count(stats: &str, op: &str) -> usize {
    stats
        .split(['(', ',', ')'])
        .filter_map(|p| p.trim().strip_prefix(&format!("API Gateway.{op}=")))
        .filter_map(|n| n.parse::<usize>().ok())
        .sum()
}

#[test]
fn an_authorizer_change_is_one_update_and_one_redeploy() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "        ttl_seconds: 300",
        "        ttl_seconds: 60",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(plan.stdout.contains("~ authorizer jwt"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("ttl_seconds: 300 → 60"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 1 to create, 2 to update, 0 to replace, 0 to delete."),
        "authorizer, stage; a deployment: {}",
        plan.stdout
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    let stats = calls(&out.stderr);
    assert_eq!(count(&stats, "UpdateAuthorizer"), 1, "{stats}");
    assert_eq!(count(&stats, "CreateDeployment"), 1, "{stats}");
    assert_eq!(count(&stats, "UpdateStage"), 1, "{stats}");
    assert_eq!(
        count(&stats, "PutMethod") + count(&stats, "PutIntegration"),
        0,
        "routes keep the authorizer id: {stats}"
    );
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let auths = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
        assert_eq!(
            auths.items()[0].authorizer_result_ttl_in_seconds(),
            Some(60)
        );
    });
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0
    );
}

#[test]
fn gateway_responses_change_and_go_one_call_each() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let base = dir.join("stacks/idrv5/base.yaml");
    edit(&base, "    not_found: true", "    not_found: false");
    edit(
        &base,
        "        status: 403\n",
        "        status: 403\n        headers: {X-Gateway: \"'idrv5'\"}\n",
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("- gateway_response MISSING_AUTHENTICATION_TOKEN"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("~ gateway_response ACCESS_DENIED"),
        "{}",
        out.stdout
    );
    let stats = calls(&out.stderr);
    assert_eq!(count(&stats, "DeleteGatewayResponse"), 1, "{stats}");
    assert_eq!(count(&stats, "PutGatewayResponse"), 1, "{stats}");
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let r = c
            .get_gateway_responses()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap();
        let types: Vec<&str> = r
            .items()
            .iter()
            .filter_map(|g| g.response_type().map(|t| t.as_str()))
            .collect();
        assert!(
            !types.contains(&"MISSING_AUTHENTICATION_TOKEN"),
            "{types:?}"
        );
        let denied = r
            .items()
            .iter()
            .find(|g| g.response_type().map(|t| t.as_str()) == Some("ACCESS_DENIED"))
            .unwrap();
        assert_eq!(
            denied.response_parameters().unwrap()["gatewayresponse.header.X-Gateway"],
            "'idrv5'"
        );
    });
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0
    );
}

#[test]
fn a_cors_change_touches_only_the_preflights() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "      max_age: 600",
        "      max_age: 3600",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout.contains("~ 11 CORS preflight route(s)"),
        "one grouped line: {}",
        plan.stdout
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    let stats = calls(&out.stderr);
    assert_eq!(count(&stats, "PutIntegrationResponse"), 11, "{stats}");
    assert_eq!(
        count(&stats, "PutMethod"),
        0,
        "only the integration answer changes: {stats}"
    );
    assert_eq!(count(&stats, "PutIntegration"), 11, "{stats}");
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0
    );
}

#[test]
fn opening_one_operation_changes_one_route() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "      createBooking:\n",
        "      listZones:\n        authorizer: NONE\n      createBooking:\n",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--json"]);
    let p: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let routes: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "route" && c["action"] != "noop")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(routes, vec!["route.main.GET /api/v1/zones"]);
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .embed("methods")
            .limit(500)
            .send()
            .await
            .unwrap();
        let zones = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/zones"))
            .unwrap();
        assert_eq!(
            zones.resource_methods().unwrap()["GET"].authorization_type(),
            Some("NONE")
        );
        assert_eq!(
            zones.resource_methods().unwrap()["POST"].authorization_type(),
            Some("CUSTOM")
        );
    });
}

#[test]
fn an_unmapped_security_scheme_stops_the_plan_and_names_the_fix() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "      bearerAuth: jwt\n",
        "",
    );
    let out = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert_eq!(out.status, 1);
    assert!(
        out.stderr.contains("security scheme `bearerAuth`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("security_schemes: {bearerAuth: <authorizer key>}"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_tiers_example_applies_with_cognito_scopes_and_four_plans() {
    let moto = Moto::start();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(repo_root().join("stacks"), tmp.path().join("stacks"));
    copy_dir(repo_root().join("examples"), tmp.path().join("examples"));
    let stack = "stacks/tiers/dev.yaml";
    let out = cli(
        &moto,
        tmp.path(),
        &["apply", "--stack", stack, "--auto-approve"],
    );
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        cli(
            &moto,
            tmp.path(),
            &["plan", "--stack", stack, "--detailed-exitcode"]
        )
        .status,
        0,
        "second plan is empty"
    );
    let creds = aws_sdk_apigateway::config::Credentials::new("testing", "testing", None, None, "t");
    let c = aws_sdk_apigateway::Client::from_conf(
        aws_sdk_apigateway::Config::builder()
            .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
            .region(aws_sdk_apigateway::config::Region::new("us-east-1"))
            .endpoint_url(moto.endpoint())
            .credentials_provider(creds)
            .build(),
    );
    rt().block_on(async {
        let api = c
            .get_rest_apis()
            .send()
            .await
            .unwrap()
            .items()
            .iter()
            .find(|a| a.name() == Some("users-dev"))
            .unwrap()
            .id()
            .unwrap()
            .to_string();
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .embed("methods")
            .send()
            .await
            .unwrap();
        let method = |path: &str, m: &str| {
            res.items()
                .iter()
                .find(|r| r.path() == Some(path))
                .unwrap()
                .resource_methods()
                .unwrap()[m]
                .clone()
        };
        let delete = method("/users/{id}", "DELETE");
        assert_eq!(delete.authorization_type(), Some("COGNITO_USER_POOLS"));
        assert_eq!(delete.authorization_scopes(), ["users/admin".to_string()]);
        assert_eq!(delete.api_key_required(), Some(true));
        assert_eq!(
            method("/users", "GET").authorization_scopes(),
            ["users/read".to_string()]
        );
        let health = method("/health", "GET");
        assert_eq!(health.authorization_type(), Some("NONE"));
        assert_eq!(health.api_key_required(), Some(false));
        let plans = c.get_usage_plans().send().await.unwrap();
        let mut names: Vec<&str> = plans.items().iter().filter_map(|p| p.name()).collect();
        names.sort();
        assert_eq!(
            names,
            vec![
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
        }
    });
}
