//! The stack's life against a real emulator: apply, plan, change, remove, destroy.
//! Each test starts its own moto_server and reads results back through the AWS SDK.

use crate::common;

use common::stack::*;
use common::{cli, Moto};

#[test]
fn first_apply_creates_what_the_stack_declares_and_second_plan_is_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
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
        let quotes = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/quotes"))
            .expect("/api/v1/quotes exists");
        let post = quotes
            .resource_methods()
            .unwrap()
            .get("POST")
            .expect("POST /api/v1/quotes");
        let integ = post.method_integration().expect("integration");
        assert_eq!(integ.r#type().unwrap().as_str(), "HTTP_PROXY");
        assert_eq!(integ.connection_type().unwrap().as_str(), "VPC_LINK");
        assert_eq!(integ.timeout_in_millis(), 29000, "the createQuote override");
        assert!(
            integ.uri().unwrap().ends_with("/api/quotes"),
            "{:?}",
            integ.uri()
        );
        let params = integ.request_parameters().unwrap();
        assert_eq!(
            params
                .get("integration.request.header.X-Request-Id")
                .map(String::as_str),
            Some("context.requestId")
        );
        let by_id = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/rate-cards/{id}"))
            .unwrap();
        let get = by_id.resource_methods().unwrap().get("GET").unwrap();
        assert_eq!(
            get.request_parameters()
                .unwrap()
                .get("method.request.path.id"),
            Some(&true)
        );
        let routes: usize = res
            .items()
            .iter()
            .map(|r| r.resource_methods().map(|m| m.len()).unwrap_or(0))
            .sum();
        assert_eq!(
            routes,
            25 + 11,
            "every contract operation, and a CORS preflight per path"
        );
        let options = &quotes.resource_methods().unwrap()["OPTIONS"];
        let cors = options
            .method_integration()
            .unwrap()
            .integration_responses()
            .unwrap()["200"]
            .response_parameters()
            .unwrap();
        assert_eq!(
            cors["method.response.header.Access-Control-Allow-Origin"],
            "'https://portal.idrv5.example.com'"
        );
        assert_eq!(
            post.authorization_type(),
            Some("CUSTOM"),
            "bearerAuth → the jwt authorizer"
        );
        let auths = c.get_authorizers().rest_api_id(&api).send().await.unwrap();
        let jwt = auths
            .items()
            .iter()
            .find(|a| a.name() == Some("jwt"))
            .expect("jwt authorizer");
        assert_eq!(post.authorizer_id(), jwt.id());
        assert_eq!(
            jwt.identity_validation_expression(),
            Some("^Bearer [-0-9A-Za-z._~+/]+=*$")
        );
        let validators = c
            .get_request_validators()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap();
        let all = validators
            .items()
            .iter()
            .find(|v| v.name() == Some("all"))
            .unwrap();
        assert_eq!(
            post.request_validator_id(),
            all.id(),
            "createQuote validates body and params"
        );
        assert_eq!(
            post.request_models().unwrap()["application/json"],
            "QuoteRequest"
        );
        let model = c
            .get_model()
            .rest_api_id(&api)
            .model_name("QuoteRequest")
            .send()
            .await
            .unwrap();
        assert!(
            model.schema().unwrap().contains("draft-04"),
            "{:?}",
            model.schema()
        );
        let responses = c
            .get_gateway_responses()
            .rest_api_id(&api)
            .send()
            .await
            .unwrap();
        let status = |t: &str| {
            responses
                .items()
                .iter()
                .find(|r| r.response_type().map(|x| x.as_str()) == Some(t))
                .and_then(|r| r.status_code().map(str::to_string))
        };
        assert_eq!(
            status("MISSING_AUTHENTICATION_TOKEN").as_deref(),
            Some("404"),
            "not_found"
        );
        assert_eq!(status("UNAUTHORIZED").as_deref(), Some("401"));

        let stage = c
            .get_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        assert!(!stage.tracing_enabled());
        let all = stage
            .method_settings()
            .unwrap()
            .get("*/*")
            .expect("stage-wide settings");
        assert_eq!(all.throttling_rate_limit(), 50.0);
        assert_eq!(all.throttling_burst_limit(), 100);
        assert_eq!(all.logging_level(), Some("INFO"));
        let log_arn = stage
            .access_log_settings()
            .unwrap()
            .destination_arn()
            .unwrap()
            .to_string();
        assert!(
            log_arn.ends_with(":log-group:/aws/api-gateway/idrv5-dev/dev"),
            "{log_arn}"
        );
        assert!(stage
            .access_log_settings()
            .unwrap()
            .format()
            .unwrap()
            .contains("$context.requestId"));
        let deployments = c.get_deployments().rest_api_id(&api).send().await.unwrap();
        assert_eq!(deployments.items().len(), 1);
        assert!(deployments.items()[0]
            .description()
            .unwrap()
            .starts_with("idrv5-gw sha256:"));

        let groups = logs(&moto)
            .describe_log_groups()
            .log_group_name_prefix("/aws/api-gateway/idrv5-dev")
            .send()
            .await
            .unwrap();
        assert_eq!(groups.log_groups().len(), 1);
        assert_eq!(groups.log_groups()[0].retention_in_days(), Some(7));
    });

    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(
        plan.status, 0,
        "second plan must be empty:\n{}{}",
        plan.stdout, plan.stderr
    );
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn editing_one_route_uri_updates_that_route_and_deploys_once() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "          timeout_ms: 29000",
        "          timeout_ms: 29000\n          uri: http://quotes.internal:9000/v2/quotes",
    );

    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--json", "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 2, "changes present: {}", plan.stderr);
    let p: serde_json::Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
    let changed: Vec<(String, String)> = p["changes"]
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
    assert_eq!(
        changed,
        vec![
            (
                "route.main.POST /api/v1/quotes".to_string(),
                "update".to_string()
            ),
            ("deployment.main".to_string(), "create".to_string()),
            ("stage.main.dev".to_string(), "update".to_string()),
        ]
    );
    let route = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "update" && c["kind"] == "route")
        .unwrap();
    assert_eq!(route["diffs"].as_array().unwrap().len(), 1);
    assert_eq!(route["diffs"][0]["key"], "integration.uri");

    let human = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        human.stdout.contains("~ POST /api/v1/quotes"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("integration.uri:"),
        "{}",
        human.stdout
    );

    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let deployments = c.get_deployments().rest_api_id(&api).send().await.unwrap();
        assert_eq!(deployments.items().len(), 2, "exactly one new deployment");
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .embed("methods")
            .limit(500)
            .send()
            .await
            .unwrap();
        let q = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/quotes"))
            .unwrap();
        let uri = q.resource_methods().unwrap()["POST"]
            .method_integration()
            .unwrap()
            .uri()
            .unwrap()
            .to_string();
        assert_eq!(uri, "http://quotes.internal:9000/v2/quotes");
        let stage = c
            .get_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .send()
            .await
            .unwrap();
        let newest = deployments
            .items()
            .iter()
            .max_by_key(|d| d.created_date().map(|t| t.secs()))
            .unwrap();
        assert_eq!(
            stage.deployment_id(),
            newest.id(),
            "the stage serves the new deployment"
        );
    });
    let again = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(again.status, 0, "{}", again.stdout);
}

#[test]
fn removing_a_route_from_the_contract_deletes_only_that_route() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let contract = dir.join("examples/idrv5/openapi.yaml");
    let mut doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&contract).unwrap()).unwrap();
    doc["paths"]["/assets"]
        .as_mapping_mut()
        .unwrap()
        .remove("post")
        .expect("POST /assets in the example");
    std::fs::write(&contract, serde_yaml::to_string(&doc).unwrap()).unwrap();

    let out = apply_ok(&moto, &dir, DEV);
    assert!(out.contains("- POST /api/v1/assets"), "{out}");
    assert!(
        out.contains("1 created, 2 updated, 0 replaced, 1 deleted"),
        "a new deployment, the stage moved to it, the path's CORS preflight no longer allows POST, one route gone:\n{out}"
    );
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
        let assets = res
            .items()
            .iter()
            .find(|r| r.path() == Some("/api/v1/assets"))
            .expect("the path stays: GET remains");
        let mut methods: Vec<&String> = assets.resource_methods().unwrap().keys().collect();
        methods.sort();
        assert_eq!(methods, vec!["GET", "OPTIONS"]);
        let routes: usize = res
            .items()
            .iter()
            .map(|r| r.resource_methods().map(|m| m.len()).unwrap_or(0))
            .sum();
        assert_eq!(routes, 35);
    });
}

#[test]
fn a_foreign_api_with_the_same_name_is_never_touched() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let foreign = rt().block_on(async {
        let c = apigw(&moto);
        let api = c
            .create_rest_api()
            .name("idrv5-dev")
            .description("someone else's")
            .send()
            .await
            .unwrap();
        let id = api.id().unwrap().to_string();
        let root = api.root_resource_id().unwrap().to_string();
        c.create_resource()
            .rest_api_id(&id)
            .parent_id(&root)
            .path_part("legacy")
            .send()
            .await
            .unwrap();
        id
    });
    apply_ok(&moto, &dir, DEV);
    let destroy = cli(&moto, &dir, &["destroy", "--stack", DEV, "--auto-approve"]);
    assert_eq!(destroy.status, 0, "{}{}", destroy.stdout, destroy.stderr);
    rt().block_on(async {
        let c = apigw(&moto);
        let apis = apis_named(&c, "idrv5-dev").await;
        assert_eq!(apis.len(), 1, "only the foreign API is left");
        assert_eq!(apis[0].0, foreign);
        let res = c
            .get_resources()
            .rest_api_id(&foreign)
            .send()
            .await
            .unwrap();
        assert!(
            res.items().iter().any(|r| r.path() == Some("/legacy")),
            "its resources are intact"
        );
    });
}

#[test]
fn destroy_leaves_nothing_the_stack_owned() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let out = cli(&moto, &dir, &["destroy", "--stack", DEV, "--auto-approve"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("- rest_api main"), "{}", out.stdout);
    rt().block_on(async {
        let c = apigw(&moto);
        assert!(apis_named(&c, "idrv5-dev").await.is_empty());
        assert!(c.get_vpc_links().send().await.unwrap().items().is_empty());
        let groups = logs(&moto).describe_log_groups().send().await.unwrap();
        assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
    });
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 2, "everything would be created again");
}

#[test]
fn prod_is_protected_from_destroy_unless_asked() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    hosted_zone(&moto);
    apply_ok(&moto, &dir, "stacks/idrv5/prod.yaml");
    let refused = cli(
        &moto,
        &dir,
        &[
            "destroy",
            "--stack",
            "stacks/idrv5/prod.yaml",
            "--auto-approve",
        ],
    );
    assert_eq!(refused.status, 1);
    assert!(
        refused
            .stderr
            .contains("refusing to delete protected rest_api.main"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--allow-destroy-protected"),
        "{}",
        refused.stderr
    );
    rt().block_on(async { assert_eq!(apis_named(&apigw(&moto), "idrv5-prod").await.len(), 1) });
    let ok = cli(
        &moto,
        &dir,
        &[
            "destroy",
            "--stack",
            "stacks/idrv5/prod.yaml",
            "--auto-approve",
            "--allow-destroy-protected",
        ],
    );
    assert_eq!(ok.status, 0, "{}{}", ok.stdout, ok.stderr);
    rt().block_on(async { assert!(apis_named(&apigw(&moto), "idrv5-prod").await.is_empty()) });
}

#[test]
fn a_saved_plan_is_refused_once_live_state_moved() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/dev.yaml"),
        "retention_days: 7",
        "retention_days: 14",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    // Someone changes the stage in the console meanwhile.
    console_stage_variable(&moto);
    let refused = cli(
        &moto,
        &dir,
        &["apply", "dev.plan", "--stack", DEV, "--auto-approve"],
    );
    assert_eq!(refused.status, 1);
    assert!(
        refused.stderr.contains("live state changed since"),
        "{}",
        refused.stderr
    );
    // The console change is drift the next plan shows.
    let drift = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        drift.stdout.contains("variables.EXTRA: \"1\" → none"),
        "{}",
        drift.stdout
    );
    // A fresh saved plan applies.
    assert_eq!(
        cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]).status,
        0
    );
    let ok = cli(
        &moto,
        &dir,
        &["apply", "dev.plan", "--stack", DEV, "--auto-approve"],
    );
    assert_eq!(ok.status, 0, "{}{}", ok.stdout, ok.stderr);
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
fn apply_without_a_terminal_needs_auto_approve() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let out = cli(&moto, &dir, &["apply", "--stack", DEV]);
    assert_eq!(out.status, 1);
    assert!(out.stderr.contains("pass --auto-approve"), "{}", out.stderr);
    rt().block_on(async {
        assert!(
            apis_named(&apigw(&moto), "idrv5-dev").await.is_empty(),
            "nothing was created"
        )
    });
}

#[test]
fn a_noop_plan_costs_a_fixed_handful_of_calls_counted_by_tool_and_emulator() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let mark = moto.request_log_mark();
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--stats"]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    let line = plan
        .stderr
        .lines()
        .find(|l| l.starts_with("aws calls: "))
        .expect("--stats line");
    let counted: usize = line["aws calls: ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // API Gateway: GetRestApis, GetVpcLinks, GetApiKeys, GetUsagePlans (+ keys per plan), and
    // per API GetResources, GetStages, GetDeployments, GetAuthorizers, GetRequestValidators,
    // GetModels, GetGatewayResponses — whatever the number of routes. Logs and CloudWatch
    // reads come on top (per log group, alarm and dashboard).
    let apigw: usize = line
        .split(['(', ',', ')'])
        .filter_map(|part| part.trim().strip_prefix("API Gateway."))
        .filter_map(|kv| kv.split('=').nth(1)?.parse::<usize>().ok())
        .sum();
    assert!(
        apigw <= 15,
        "no-op plan made {apigw} API Gateway calls: {line}"
    );
    // Nothing to wait for: moto logs a request before it answers it, so every request the
    // tool got an answer to is in the log once the tool has exited
    // (emulator_harness::request_log_counts_aws_calls_but_not_moto_api_calls).
    let seen = moto.request_log_lines() - mark;
    assert_eq!(
        seen, counted,
        "moto saw {seen} requests, the tool counted {counted}"
    );
}

#[test]
fn a_saved_plan_for_a_stage_with_two_method_settings_is_carried_out() {
    // The reader fills method settings from AWS's unordered map, whose order each process
    // draws anew: the digest of the same live state must not move with it (issue 12).
    const STAGING: &str = "stacks/idrv5/staging.yaml";
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, STAGING);
    edit(
        &dir.join(STAGING),
        "retention_days: 14",
        "retention_days: 30",
    );
    let digest = |i: usize| {
        let file = format!("s{i}.plan");
        let plan = cli(&moto, &dir, &["plan", "--stack", STAGING, "--out", &file]);
        assert_eq!(plan.status, 0, "{}", plan.stderr);
        let saved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(&file)).unwrap()).unwrap();
        saved["live_digest"].as_str().unwrap().to_string()
    };
    // Eight processes: with two settings, an order-dependent digest differs in one of two.
    let digests: std::collections::BTreeSet<String> = (0..8).map(digest).collect();
    assert_eq!(
        digests.len(),
        1,
        "one live state, several digests: {digests:?}"
    );
    let apply = cli(
        &moto,
        &dir,
        &["apply", "s0.plan", "--stack", STAGING, "--auto-approve"],
    );
    assert_eq!(apply.status, 0, "{apply}");
}

#[test]
fn a_hand_edited_plan_whose_change_does_not_fit_its_action_is_refused_naming_it() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/dev.yaml"),
        "retention_days: 7",
        "retention_days: 14",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    let path = dir.join("dev.plan");
    let mut saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let change = saved["changes"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["action"] == "update")
        .expect("an update in the plan");
    change["before"] = serde_json::Value::Null;
    let id = change["id"].as_str().unwrap().to_string();
    std::fs::write(&path, serde_json::to_string(&saved).unwrap()).unwrap();
    let refused = cli(
        &moto,
        &dir,
        &["apply", "dev.plan", "--stack", DEV, "--auto-approve"],
    );
    assert_eq!(refused.status, 1, "{refused}");
    assert!(
        refused.stderr.contains(&format!(
            "change {id} is `update` with before: null and after: set"
        )),
        "{refused}"
    );
    assert!(!refused.stderr.contains("panicked"), "{refused}");
    assert!(!refused.stdout.contains("Apply complete"), "{refused}");
}

#[test]
fn verbose_logs_each_aws_call_and_nothing_secret() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let secret = [("AWS_SECRET_ACCESS_KEY", "s3cr3t-never-printed")];
    let args = ["plan", "--stack", DEV, "-v"];
    let out = common::cli_env(&moto, &dir, &args, &secret);
    assert_eq!(out.status, 0, "{out}");
    // One line per call: service, operation, attempt and latency, on stderr.
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.contains("op=")).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains(r#"service="apigateway" op="GetRestApis" attempt=1 ms="#)),
        "{out}"
    );
    assert!(lines.len() >= 10, "{out}");
    assert!(
        !out.stderr.contains("s3cr3t") && !out.stdout.contains("s3cr3t"),
        "{out}"
    );
    // Without -v the plan's output is what it was.
    let quiet = common::cli_env(&moto, &dir, &["plan", "--stack", DEV], &secret);
    assert!(!quiet.stderr.contains("op="), "{quiet}");
}

/// The saved plan is the approval (issue 16): `apply PLANFILE` needs neither `--stack` (the
/// plan names its stack file) nor `--auto-approve`; a stack file changed since the plan is
/// refused; and the command `plan --out` prints works pasted as it is.
#[test]
fn a_saved_plan_is_the_approval_and_the_command_it_prints_works_pasted() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let stack = dir.join("stacks/idrv5/dev.yaml");

    // A stack file edited after the plan was made: refused, naming the file.
    edit(&stack, "retention_days: 7", "retention_days: 14");
    cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]).assert_success();
    edit(&stack, "retention_days: 14", "retention_days: 30");
    let refused = cli(&moto, &dir, &["apply", "dev.plan"]);
    assert_eq!(refused.status, 1, "{refused}");
    assert!(
        refused
            .stderr
            .contains("stacks/idrv5/dev.yaml changed since dev.plan was planned"),
        "{refused}"
    );

    // The command the plan prints, pasted: carried out, no question asked.
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]);
    plan.assert_success();
    let hint = plan
        .stdout
        .lines()
        .find_map(|l| {
            l.split('`')
                .nth(1)
                .filter(|c| c.starts_with("idrv5-gw apply"))
        })
        .unwrap_or_else(|| panic!("a command to run: {plan}"))
        .to_string();
    assert_eq!(hint, format!("idrv5-gw apply dev.plan --stack {DEV}"));
    let args: Vec<&str> = hint.split_whitespace().skip(1).collect();
    let applied = cli(&moto, &dir, &args);
    assert_eq!(applied.status, 0, "{applied}");
    assert!(applied.stdout.contains("Apply complete"), "{applied}");

    // `apply PLANFILE` alone.
    edit(&stack, "retention_days: 30", "retention_days: 60");
    cli(&moto, &dir, &["plan", "--stack", DEV, "--out", "dev.plan"]).assert_success();
    let applied = cli(&moto, &dir, &["apply", "dev.plan"]);
    assert_eq!(applied.status, 0, "{applied}");
    assert!(applied.stdout.contains("Apply complete"), "{applied}");
    cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    )
    .assert_status(0);
}

/// `--target`: plan and apply one resource (and what it waits for) while other changes of
/// the stack wait; the plan says how many it leaves out, and a target matching nothing is
/// an error naming it.
#[test]
fn a_targeted_apply_changes_only_the_target_and_leaves_the_rest_for_later() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/idrv5/dev.yaml"),
        "retention_days: 7",
        "retention_days: 14",
    );
    edit(
        &dir.join("stacks/idrv5/base.yaml"),
        "          timeout_ms: 29000",
        "          timeout_ms: 29000\n          uri: http://quotes.internal:9000/v2/quotes",
    );
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--target", "log_group.", "--json"],
    );
    plan.assert_success();
    let p: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    let ids: Vec<&str> = p["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["log_group.main.dev"], "{}", plan.stdout);
    assert!(
        plan.stderr
            .contains("a targeted plan: 3 other change(s) of the stack are left out"),
        "{}",
        plan.stderr
    );

    let out = cli(
        &moto,
        &dir,
        &[
            "apply",
            "--stack",
            DEV,
            "--target",
            "log_group.main.dev",
            "--auto-approve",
        ],
    );
    assert_eq!(out.status, 0, "{out}");
    assert!(
        out.stdout.contains("Apply complete: 0 created, 1 updated"),
        "{out}"
    );
    // The route, its deployment and the stage are still to do.
    let rest = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        rest.stdout.contains("~ POST /api/v1/quotes") && !rest.stdout.contains("log_group"),
        "{}",
        rest.stdout
    );

    let bad = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--target", "stage.nosuch"],
    );
    assert_eq!(bad.status, 1);
    assert!(
        bad.stderr
            .contains("--target stage.nosuch: no resource of the stack has that id"),
        "{}",
        bad.stderr
    );
}
