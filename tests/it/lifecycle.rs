//! Drift, deployments and interruptions: the behaviours that make a second apply safe.

use crate::common;

use common::stack::*;
use common::{cli, run_killed_at, Moto};

#[test]
fn a_route_changed_in_the_console_shows_as_drift_and_apply_restores_it() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .limit(500)
            .send()
            .await
            .unwrap();
        let zones = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/zones"))
            .unwrap();
        c.put_integration()
            .rest_api_id(&api)
            .resource_id(zones.id().unwrap())
            .http_method("GET")
            .r#type(aws_sdk_apigateway::types::IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri("http://console-edit.example.com/zones")
            .send()
            .await
            .unwrap();
    });
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("~ GET /api/v1/zones"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("integration.uri: \"http://console-edit.example.com/zones\" →"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("Plan: 0 to create, 1 to update"),
        "the live deployment still serves the stack's document: {}",
        plan.stdout
    );
    apply_ok(&moto, &dir, DEV);
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
fn a_stage_only_change_does_not_redeploy() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(&dir.join(DEV), "rate_limit: 50", "rate_limit: 75");
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(plan.stdout.contains("~ stage dev"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("method_settings[\"*/*\"].throttling_rate_limit: 50 → 75"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete."),
        "{}",
        plan.stdout
    );
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        assert_eq!(
            c.get_deployments()
                .rest_api_id(&api)
                .send()
                .await
                .unwrap()
                .items()
                .len(),
            1
        );
        let stage = c
            .get_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        assert_eq!(
            stage.method_settings().unwrap()["*/*"].throttling_rate_limit(),
            75.0
        );
    });
}

#[test]
fn old_deployments_are_pruned_after_the_stage_moves_keeping_the_newest() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let base = dir.join("stacks/idrv5/base.yaml");
    edit(
        &base,
        "    base_path: /api/v1",
        "    base_path: /api/v1\n    keep_deployments: 1",
    );
    apply_ok(&moto, &dir, DEV);
    let mut current = "29000";
    for next in ["28000", "27000", "26000"] {
        edit(
            &base,
            &format!("          timeout_ms: {current}"),
            &format!("          timeout_ms: {next}"),
        );
        current = next;
        let out = apply_ok(&moto, &dir, DEV);
        assert!(out.contains("+ deployment main"), "{out}");
    }
    // Four deployments were made; the served one and the newest other are left.
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let deployments = c.get_deployments().rest_api_id(&api).send().await.unwrap();
        assert_eq!(deployments.items().len(), 2, "{:?}", deployments.items());
        let stage = c
            .get_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        assert!(
            deployments
                .items()
                .iter()
                .any(|d| d.id() == stage.deployment_id()),
            "the served deployment is kept"
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
fn mock_lambda_and_internet_integrations_at_the_root_apply_and_converge() {
    let moto = Moto::start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("openapi.yaml"),
        "openapi: 3.0.3\ninfo: {title: t, version: '1', description: d}\npaths:\n  /:\n    get:\n      operationId: root\n      responses: {'200': {description: ok}}\n  /health:\n    get:\n      operationId: health\n      responses: {'200': {description: ok}}\n  /orders/{orderId}:\n    get:\n      operationId: getOrder\n      parameters:\n        - {name: orderId, in: path, required: true, schema: {type: string}}\n        - {name: verbose, in: query, schema: {type: boolean}}\n      responses: {'200': {description: ok}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        "stack: shop\nenvironment: dev\nregion: eu-west-1\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    binary_media_types: [image/png, application/pdf]\n    integration:\n      type: HTTP_PROXY\n      uri: https://orders.example.com{path}\n    operations:\n      health:\n        integration: {type: MOCK}\n      root:\n        integration: {type: AWS_PROXY, lambda_arn: 'arn:aws:lambda:eu-west-1:123456789012:function:root'}\n    stages:\n      v1:\n        variables: {color: blue}\n",
    )
    .unwrap();
    let out = cli(&moto, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    let plan = cli(&moto, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.status, 0, "{}", plan.stdout);
    let c = {
        let creds =
            aws_sdk_apigateway::config::Credentials::new("testing", "testing", None, None, "t");
        aws_sdk_apigateway::Client::from_conf(
            aws_sdk_apigateway::Config::builder()
                .behavior_version(aws_sdk_apigateway::config::BehaviorVersion::latest())
                .region(aws_sdk_apigateway::config::Region::new("eu-west-1"))
                .endpoint_url(moto.endpoint())
                .credentials_provider(creds)
                .build(),
        )
    };
    rt().block_on(async {
        let apis = c.get_rest_apis().send().await.unwrap();
        let api = apis.items().iter().find(|a| a.name() == Some("shop-dev-main")).expect("default name <stack>-<env>-<key>");
        let mut media = api.binary_media_types().to_vec();
        media.sort();
        assert_eq!(media.len(), 2, "{media:?}");
        let res = c.get_resources().rest_api_id(api.id().unwrap()).embed("methods").send().await.unwrap();
        let method = |path: &str| res.items().iter().find(|r| r.path() == Some(path)).unwrap().resource_methods().unwrap()["GET"].clone();
        let root = method("/");
        assert_eq!(root.method_integration().unwrap().r#type().unwrap().as_str(), "AWS_PROXY");
        assert_eq!(root.method_integration().unwrap().uri(), Some("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:root/invocations"));
        let health = method("/health");
        assert_eq!(health.method_integration().unwrap().r#type().unwrap().as_str(), "MOCK");
        assert!(health.method_responses().unwrap().contains_key("200"));
        let order = method("/orders/{orderId}");
        let i = order.method_integration().unwrap();
        assert_eq!(i.uri(), Some("https://orders.example.com/orders/{orderId}"));
        assert_eq!(i.request_parameters().unwrap()["integration.request.path.orderId"], "method.request.path.orderId");
        assert!(!order.request_parameters().unwrap()["method.request.querystring.verbose"], "optional query parameter");
    });
}

#[test]
fn an_apply_killed_midway_is_finished_by_the_next_with_nothing_duplicated() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    // Killed at a request count, not after a delay: a first apply of dev makes well over 60
    // requests (faults.rs), so the first kill lands mid-apply however busy the machine is;
    // the second apply picks up what the first left and is killed partway through that.
    let args = ["apply", "--stack", DEV, "--auto-approve"];
    for aim in [25, 60] {
        let run = run_killed_at(&moto, &dir, &args, &[], aim);
        eprintln!("aimed at request {aim}: {run:?}");
    }
    let out = apply_ok(&moto, &dir, DEV);
    assert!(
        out.contains("Apply complete") || out.contains("No changes"),
        "{out}"
    );
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0
    );
    rt().block_on(async {
        let c = apigw(&moto);
        let owned: Vec<_> = apis_named(&c, "idrv5-dev")
            .await
            .into_iter()
            .filter(|(_, t)| t.contains_key("idrv5-gw:stack"))
            .collect();
        assert_eq!(owned.len(), 1, "one REST API");
        let api = &owned[0].0;
        assert_eq!(
            c.get_deployments()
                .rest_api_id(api)
                .send()
                .await
                .unwrap()
                .items()
                .len(),
            1,
            "one deployment"
        );
        assert_eq!(
            c.get_vpc_links().send().await.unwrap().items().len(),
            1,
            "one VPC link"
        );
        let res = c
            .get_resources()
            .rest_api_id(api)
            .limit(500)
            .send()
            .await
            .unwrap();
        let mut paths: Vec<_> = res.items().iter().filter_map(|r| r.path()).collect();
        let n = paths.len();
        paths.dedup();
        assert_eq!(paths.len(), n, "no duplicate paths");
        let groups = logs(&moto).describe_log_groups().send().await.unwrap();
        assert_eq!(groups.log_groups().len(), 1, "one log group");
    });
}

#[test]
fn replacing_a_vpc_link_creates_the_new_one_before_deleting_the_old() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "loadbalancer/net/",
        "loadbalancer/net/v2-",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--json"]);
    let p: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let order: Vec<(String, String)> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noop")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let pos = |id: &str| {
        order
            .iter()
            .position(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("{id} in {order:?}"))
    };
    assert_eq!(order[pos("vpc_link.internal")].1, "replace");
    assert!(
        pos("vpc_link.internal") < pos("route.main.GET /api/v1/zones"),
        "routes move to the new link"
    );
    assert!(
        pos("route.main.GET /api/v1/zones") < pos("vpc_link.internal~old"),
        "the old link goes last"
    );
    let human = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        human.stdout.contains("-/+ vpc_link internal"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("(forces replacement)"),
        "{}",
        human.stdout
    );
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let links = apigw(&moto).get_vpc_links().send().await.unwrap();
        assert_eq!(links.items().len(), 1);
        assert!(links.items()[0].target_arns()[0].contains("/net/v2-"));
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
