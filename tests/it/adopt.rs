//! Taking over what already runs (issue 17): a REST API made by hand with the aws CLI's
//! calls is not duplicated. Without `adopt:` the plan says it exists and names the key; with
//! it the plan shows `~ adopt`, the apply tags it, and the next plan is empty, the API's id
//! unchanged. On LocalStack: moto answers TagResource on a REST API with 404 (EMULATOR.md).

use crate::common::localstack::LocalStack;
use crate::common::stack::rt;
use crate::common::Moto;

const CONTRACT: &str = "openapi: 3.0.1\ninfo: {title: hand-made, version: '1'}\npaths:\n  /ping:\n    get:\n      responses:\n        '200': {description: ok}\n";

fn stack(adopt: Option<&str>) -> String {
    let adopt = adopt
        .map(|id| format!("    adopt: {id}\n"))
        .unwrap_or_default();
    format!("stack: hand\nenvironment: test\nregion: ap-southeast-2\nrest_apis:\n  main:\n    name: hand-made\n    openapi: openapi.yaml\n{adopt}    integration: {{type: MOCK}}\n    stages:\n      prod: {{}}\n")
}

/// What `aws apigateway create-rest-api`, `put-method`, `put-integration` and
/// `create-deployment --stage-name prod` make: the API's id.
pub(crate) fn hand_made(ls: &LocalStack) -> String {
    rt().block_on(async {
        use aws_sdk_apigateway::types::IntegrationType;
        let c = ls.apigw("ap-southeast-2");
        let api = c.create_rest_api().name("hand-made").send().await.unwrap();
        let id = api.id().unwrap().to_string();
        let res = c.get_resources().rest_api_id(&id).send().await.unwrap();
        let root = res.items()[0].id().unwrap().to_string();
        let ping = c
            .create_resource()
            .rest_api_id(&id)
            .parent_id(&root)
            .path_part("ping")
            .send()
            .await
            .unwrap();
        let ping = ping.id().unwrap();
        c.put_method()
            .rest_api_id(&id)
            .resource_id(ping)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        c.put_integration()
            .rest_api_id(&id)
            .resource_id(ping)
            .http_method("GET")
            .r#type(IntegrationType::Mock)
            .send()
            .await
            .unwrap();
        c.create_deployment()
            .rest_api_id(&id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        id
    })
}

/// What the aws CLI adds to the hand-made API next: a Cognito authorizer, a body
/// validator, a model, `POST /ping` using the three, `GET /ping/items` through a VPC link,
/// an UNAUTHORIZED gateway response,
/// a new deployment of it all on `prod`, a usage plan on that stage with a key, and access
/// logs to a log group made by hand.
fn hand_made_in_full(ls: &LocalStack, moto: &Moto, id: &str) {
    rt().block_on(async {
        use aws_sdk_apigateway::types::{
            ApiStage, AuthorizerType, GatewayResponseType, IntegrationType, Op, PatchOperation,
            QuotaPeriodType, QuotaSettings, ThrottleSettings,
        };
        let c = ls.apigw("ap-southeast-2");
        let pool = "arn:aws:cognito-idp:ap-southeast-2:000000000000:userpool/ap-southeast-2_hand";
        let auth = c
            .create_authorizer()
            .rest_api_id(id)
            .name("users")
            .r#type(AuthorizerType::CognitoUserPools)
            .provider_arns(pool)
            .identity_source("method.request.header.Authorization")
            .send()
            .await
            .unwrap();
        let validator = c
            .create_request_validator()
            .rest_api_id(id)
            .name("body")
            .validate_request_body(true)
            .validate_request_parameters(false)
            .send()
            .await
            .unwrap();
        c.create_model()
            .rest_api_id(id)
            .name("Item")
            .content_type("application/json")
            .schema(r#"{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}"#)
            .send()
            .await
            .unwrap();
        let res = c.get_resources().rest_api_id(id).send().await.unwrap();
        let ping = res.items().iter().find(|r| r.path() == Some("/ping"));
        let ping = ping.unwrap().id().unwrap();
        c.put_method()
            .rest_api_id(id)
            .resource_id(ping)
            .http_method("POST")
            .authorization_type("COGNITO_USER_POOLS")
            .authorizer_id(auth.id().unwrap())
            .authorization_scopes("items/write")
            .request_validator_id(validator.id().unwrap())
            .request_models("application/json", "Item")
            .send()
            .await
            .unwrap();
        c.put_integration()
            .rest_api_id(id)
            .resource_id(ping)
            .http_method("POST")
            .r#type(IntegrationType::Mock)
            .request_templates("application/json", r#"{"statusCode": 200}"#)
            .send()
            .await
            .unwrap();
        c.put_method_response()
            .rest_api_id(id)
            .resource_id(ping)
            .http_method("POST")
            .status_code("200")
            .send()
            .await
            .unwrap();
        c.put_integration_response()
            .rest_api_id(id)
            .resource_id(ping)
            .http_method("POST")
            .status_code("200")
            .response_templates("application/json", r#"{"ok": true}"#)
            .send()
            .await
            .unwrap();
        // GET /ping/items through a VPC link to the backend's load balancer.
        let link = c
            .create_vpc_link()
            .name("backend-nlb")
            .target_arns("arn:aws:elasticloadbalancing:ap-southeast-2:000000000000:loadbalancer/net/backend/1234567890abcdef")
            .send()
            .await
            .unwrap();
        let items = c
            .create_resource()
            .rest_api_id(id)
            .parent_id(ping)
            .path_part("items")
            .send()
            .await
            .unwrap();
        let items = items.id().unwrap();
        c.put_method()
            .rest_api_id(id)
            .resource_id(items)
            .http_method("GET")
            .authorization_type("NONE")
            .send()
            .await
            .unwrap();
        c.put_integration()
            .rest_api_id(id)
            .resource_id(items)
            .http_method("GET")
            .r#type(IntegrationType::HttpProxy)
            .integration_http_method("GET")
            .uri("http://backend.internal:8080/items")
            .connection_type(aws_sdk_apigateway::types::ConnectionType::VpcLink)
            .connection_id(link.id().unwrap())
            .send()
            .await
            .unwrap();
        c.put_gateway_response()
            .rest_api_id(id)
            .response_type(GatewayResponseType::Unauthorized)
            .status_code("401")
            .response_templates("application/json", r#"{"message": "sign in first"}"#)
            .send()
            .await
            .unwrap();
        let logs = LocalStack::logs(&moto.endpoint(), "ap-southeast-2");
        logs.create_log_group()
            .log_group_name("hand-made-access")
            .send()
            .await
            .unwrap();
        logs.put_retention_policy()
            .log_group_name("hand-made-access")
            .retention_in_days(14)
            .send()
            .await
            .unwrap();
        c.create_deployment()
            .rest_api_id(id)
            .stage_name("prod")
            .send()
            .await
            .unwrap();
        let patch = |path: &str, value: &str| {
            PatchOperation::builder()
                .op(Op::Replace)
                .path(path)
                .value(value)
                .build()
        };
        let plan = c
            .create_usage_plan()
            .name("partners")
            .api_stages(ApiStage::builder().api_id(id).stage("prod").build())
            .throttle(
                ThrottleSettings::builder()
                    .rate_limit(10.0)
                    .burst_limit(20)
                    .build(),
            )
            .quota(
                QuotaSettings::builder()
                    .limit(1000)
                    .period(QuotaPeriodType::Day)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let key = c
            .create_api_key()
            .name("acme")
            .description("ACME's integration")
            .enabled(true)
            .send()
            .await
            .unwrap();
        c.create_usage_plan_key()
            .usage_plan_id(plan.id().unwrap())
            .key_id(key.id().unwrap())
            .key_type("API_KEY")
            .send()
            .await
            .unwrap();
        c.update_stage()
            .rest_api_id(id)
            .stage_name("prod")
            .patch_operations(patch(
                "/accessLogSettings/destinationArn",
                // The group is on moto (its account), as the CLI reads it.
                "arn:aws:logs:ap-southeast-2:123456789012:log-group:hand-made-access",
            ))
            .patch_operations(patch(
                "/accessLogSettings/format",
                r#"{"requestId":"$context.requestId","status":"$context.status"}"#,
            ))
            .send()
            .await
            .unwrap();
    })
}

/// The REST APIs named hand-made: (id, the stack tag).
fn apis(ls: &LocalStack) -> Vec<(String, Option<String>)> {
    rt().block_on(async {
        let c = ls.apigw("ap-southeast-2");
        let apis = c.get_rest_apis().send().await.unwrap();
        let mut out = Vec::new();
        for a in apis
            .items()
            .iter()
            .filter(|a| a.name() == Some("hand-made"))
        {
            // GetTags: LocalStack lists tags added by TagResource only there.
            let arn = format!(
                "arn:aws:apigateway:ap-southeast-2::/restapis/{}",
                a.id().unwrap()
            );
            let tags = c.get_tags().resource_arn(arn).send().await.unwrap();
            let tag = tags.tags().and_then(|t| t.get("idrv5-gw:stack")).cloned();
            out.push((a.id().unwrap().to_string(), tag));
        }
        out
    })
}

#[test]
fn a_hand_made_api_is_adopted_not_duplicated() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let id = hand_made(&ls);
    std::fs::write(dir.join("openapi.yaml"), CONTRACT).unwrap();
    std::fs::write(dir.join("stack.yaml"), stack(None)).unwrap();
    let plan = ["plan", "--stack", "stack.yaml", "--no-color"];

    // Not named in the stack: not touched, and the plan says what it would duplicate.
    let out = ls.cli(&moto, dir, &plan);
    out.assert_success();
    assert!(
        out.stderr.contains(&format!(
            "REST API `hand-made` ({id}) exists without this stack's tags"
        )) && out
            .stderr
            .contains(&format!("set `rest_apis.main.adopt: {id}`"))
            && out
                .stderr
                .contains(&format!("`idrv5-gw import --rest-api {id} --out DIR`")),
        "{out}"
    );

    // A wrong id is an error, not a second API.
    std::fs::write(dir.join("stack.yaml"), stack(Some("nosuchid00"))).unwrap();
    let out = ls.cli(&moto, dir, &plan);
    out.assert_status(1);
    assert!(
        out.stderr
            .contains("rest_apis.main.adopt: no REST API nosuchid00"),
        "{out}"
    );

    std::fs::write(dir.join("stack.yaml"), stack(Some(&id))).unwrap();
    let out = ls.cli(&moto, dir, &plan);
    out.assert_success();
    assert!(out.stdout.contains("~ adopt rest_api main"), "{out}");
    assert!(
        out.stdout
            .contains("tags[\"idrv5-gw:stack\"]: none → \"hand/test\""),
        "{out}"
    );
    assert!(out.stdout.contains("(1 of them adopted)"), "{out}");
    assert!(!out.stdout.contains("+ rest_api"), "{out}");

    ls.cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    )
    .assert_success();
    assert_eq!(apis(&ls), [(id.clone(), Some("hand/test".to_string()))]);
    let again = ls.cli(
        &moto,
        dir,
        &["plan", "--stack", "stack.yaml", "--detailed-exitcode"],
    );
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
    // A second apply changes nothing.
    let out = ls.cli(
        &moto,
        dir,
        &["apply", "--stack", "stack.yaml", "--auto-approve"],
    );
    out.assert_success();
    assert!(out.stdout.contains("No changes"), "{out}");
}

/// A web ACL made with the console's calls on the hand-made API's prod stage: an office IP
/// set allowed, a rate limit, AWS's common rule set; returns the ACL's id.
fn hand_made_waf(moto: &Moto, api_id: &str) -> String {
    use aws_sdk_wafv2::types::{
        AllowAction, BlockAction, DefaultAction, IpAddressVersion, IpSetReferenceStatement,
        ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
        RateBasedStatementAggregateKeyType, Rule, RuleAction, Scope, Statement, VisibilityConfig,
    };
    // The console's defaults, except what this team switched off: sampled requests on the
    // ACL, CloudWatch metrics on the rate rule.
    let seen = |m: &str| {
        VisibilityConfig::builder()
            .sampled_requests_enabled(m != "hand-made-waf")
            .cloud_watch_metrics_enabled(m != "rate")
            .metric_name(m)
            .build()
            .unwrap()
    };
    let rule = |name: &str, priority: i32, st: Statement| {
        Rule::builder()
            .name(name)
            .priority(priority)
            .statement(st)
            .visibility_config(seen(name))
    };
    rt().block_on(async {
        let c = crate::common::stack::wafv2(moto);
        let set = c
            .create_ip_set()
            .name("office")
            .scope(Scope::Regional)
            .ip_address_version(IpAddressVersion::Ipv4)
            .addresses("203.0.113.0/24")
            .send()
            .await
            .unwrap();
        let set_arn = set.summary().unwrap().arn().unwrap();
        let office = Statement::builder()
            .ip_set_reference_statement(
                IpSetReferenceStatement::builder()
                    .arn(set_arn)
                    .build()
                    .unwrap(),
            )
            .build();
        let rate = Statement::builder()
            .rate_based_statement(
                RateBasedStatement::builder()
                    .limit(2000)
                    .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                    .build()
                    .unwrap(),
            )
            .build();
        let common = Statement::builder()
            .managed_rule_group_statement(
                ManagedRuleGroupStatement::builder()
                    .vendor_name("AWS")
                    .name("AWSManagedRulesCommonRuleSet")
                    .build()
                    .unwrap(),
            )
            .build();
        let acl = c
            .create_web_acl()
            .name("hand-made-waf")
            .scope(Scope::Regional)
            .default_action(
                DefaultAction::builder()
                    .allow(AllowAction::builder().build())
                    .build(),
            )
            .visibility_config(seen("hand-made-waf"))
            .rules(
                rule("office", 0, office)
                    .action(
                        RuleAction::builder()
                            .allow(AllowAction::builder().build())
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .rules(
                rule("rate", 1, rate)
                    .action(
                        RuleAction::builder()
                            .block(BlockAction::builder().build())
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .rules(
                rule("common", 2, common)
                    .override_action(
                        OverrideAction::builder()
                            .none(NoneAction::builder().build())
                            .build(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let acl = acl.summary().unwrap();
        c.associate_web_acl()
            .web_acl_arn(acl.arn().unwrap())
            .resource_arn(format!(
                "arn:aws:apigateway:ap-southeast-2::/restapis/{api_id}/stages/prod"
            ))
            .send()
            .await
            .unwrap();
        acl.id().unwrap().to_string()
    })
}

/// The owner tag of the WAF item `arn`.
async fn waf_owner(c: &aws_sdk_wafv2::Client, arn: &str) -> Option<String> {
    let t = c
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let tags = t
        .tag_info_for_resource()
        .map(|i| i.tag_list())
        .unwrap_or_default();
    tags.iter()
        .find(|t| t.key() == "idrv5-gw:stack")
        .map(|t| t.value().to_string())
}

/// `import` of the hand-made API: a contract and stack file whose first plan only adopts
/// (the API and the deployment its stage serves, ids kept; its keys, plan, link, log group,
/// the alarm on its stage and its web ACL with the IP set), and whose next plan is empty.
#[test]
fn an_imported_hand_made_api_plans_only_its_adoption_and_keeps_its_ids() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let id = hand_made(&ls);
    hand_made_in_full(&ls, &moto, &id);
    // LocalStack answers a log group's TagResource and keeps no tag (docs/EMULATOR.md).
    let cli =
        |args: &[&str]| ls.cli_moving(&moto, dir, args, &["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"]);
    let deployment = || {
        rt().block_on(async {
            let c = ls.apigw("ap-southeast-2");
            let s = c
                .get_stage()
                .rest_api_id(&id)
                .stage_name("prod")
                .send()
                .await
                .unwrap();
            s.deployment_id().unwrap().to_string()
        })
    };
    let served = deployment();
    // An alarm on the prod stage, made with the console's call; and one of another stack's.
    rt().block_on(async {
        use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
        let c = ls.cloudwatch("ap-southeast-2");
        let dim = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
        c.put_metric_alarm()
            .alarm_name("hand made 5xx")
            .namespace("AWS/ApiGateway")
            .metric_name("5XXError")
            .dimensions(dim("ApiName", "hand-made"))
            .dimensions(dim("Stage", "prod"))
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .treat_missing_data("notBreaching")
            .send()
            .await
            .unwrap();
    });
    let acl_id = hand_made_waf(&moto, &id);
    let out = cli(&[
        "import",
        "--rest-api",
        &id,
        "--out",
        "imported",
        "--region",
        "ap-southeast-2",
    ]);
    out.assert_success();
    assert!(out.stdout.contains("(3 routes)"), "{out}");
    assert!(!out.stderr.contains("not imported"), "{out}");
    let contract = std::fs::read_to_string(dir.join("imported/openapi.yaml")).unwrap();
    for carried in [
        "x-amazon-apigateway-authtype: cognito_user_pools",
        "x-amazon-apigateway-request-validator: body",
        "$ref: \"#/components/schemas/Item\"",
        "UNAUTHORIZED:",
    ] {
        assert!(contract.contains(carried), "{carried} not in:\n{contract}");
    }
    let hint = out
        .stdout
        .split('`')
        .find(|c| c.starts_with("idrv5-gw plan"))
        .unwrap_or_else(|| panic!("a plan command: {out}"))
        .to_string();
    assert_eq!(
        hint,
        "idrv5-gw plan --stack imported/stack.yaml --region ap-southeast-2"
    );
    let stack = std::fs::read_to_string(dir.join("imported/stack.yaml")).unwrap();
    // An id that starts with a digit is quoted by the YAML writer.
    let adopt = [format!("adopt: {id}\n"), format!("adopt: \"{id}\"\n")];
    assert!(adopt.iter().any(|a| stack.contains(a.as_str())), "{stack}");
    let adopt = [
        format!("adopt: {acl_id}\n"),
        format!("adopt: \"{acl_id}\"\n"),
    ];
    assert!(adopt.iter().any(|a| stack.contains(a.as_str())), "{stack}");
    // What the console switched off is carried, not switched back on by the first rewrite.
    for off in ["sampled_requests: false", "cloudwatch_metrics: false"] {
        assert_eq!(stack.matches(off).count(), 1, "{off}: {stack}");
    }

    // The pasted plan: only adoptions, no create, no other change.
    let args: Vec<&str> = hint.split_whitespace().skip(1).collect();
    let plan = cli(&[&args[..], &["--no-color"]].concat());
    plan.assert_success();
    let lines: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(['+', '~', '-']))
        .collect();
    assert_eq!(
        lines,
        [
            "    ~ adopt vpc_link backend-nlb",
            "    ~ adopt log_group hand-made-access",
            "    ~ adopt rest_api main",
            "    ~ adopt api_key acme",
            "    ~ adopt usage_plan partners",
            "    ~ adopt ip_set office",
            "    ~ adopt web_acl hand-made-waf",
            "    ~ adopt alarm hand made 5xx",
            "    ~ adopt deployment main",
        ],
        "{plan}"
    );
    assert!(plan.stdout.contains("(9 of them adopted)"), "{plan}");
    assert!(
        !plan.stdout.contains("usage_plan_key"),
        "the key stays attached: {plan}"
    );

    let stack = "imported/stack.yaml";
    cli(&["apply", "--stack", stack, "--auto-approve"]).assert_success();
    assert_eq!(
        apis(&ls),
        [(id.clone(), Some("hand-made/imported".to_string()))]
    );
    assert_eq!(
        deployment(),
        served,
        "the stage still serves the same deployment"
    );
    // The web ACL and its IP set: the same ones, now the stack's, still on the stage.
    rt().block_on(async {
        use aws_sdk_wafv2::types::Scope;
        let c = crate::common::stack::wafv2(&moto);
        let acls = c
            .list_web_acls()
            .scope(Scope::Regional)
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = acls.web_acls().iter().filter_map(|a| a.id()).collect();
        assert_eq!(ids, [acl_id.as_str()]);
        let arn = acls.web_acls()[0].arn().unwrap();
        assert_eq!(
            waf_owner(&c, arn).await.as_deref(),
            Some("hand-made/imported")
        );
        let sets = c
            .list_ip_sets()
            .scope(Scope::Regional)
            .send()
            .await
            .unwrap();
        assert_eq!(sets.ip_sets().len(), 1, "{sets:?}");
        let set = sets.ip_sets()[0].arn().unwrap();
        assert_eq!(
            waf_owner(&c, set).await.as_deref(),
            Some("hand-made/imported")
        );
        let stage = format!("arn:aws:apigateway:ap-southeast-2::/restapis/{id}/stages/prod");
        let on = c
            .get_web_acl_for_resource()
            .resource_arn(stage)
            .send()
            .await
            .unwrap();
        assert_eq!(on.web_acl().map(|a| a.id()), Some(acl_id.as_str()));
    });
    // The alarm: the same one, now the stack's.
    rt().block_on(async {
        let c = ls.cloudwatch("ap-southeast-2");
        let a = c.describe_alarms().send().await.unwrap();
        assert_eq!(a.metric_alarms().len(), 1, "{a:?}");
        let arn = a.metric_alarms()[0].alarm_arn().unwrap();
        let tags = c
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        let owner = tags
            .tags()
            .iter()
            .find(|t| t.key() == Some("idrv5-gw:stack"));
        assert_eq!(
            owner.and_then(|t| t.value()),
            Some("hand-made/imported"),
            "{tags:?}"
        );
    });
    // The plan and the key: the same ones, now the stack's, still attached.
    rt().block_on(async {
        let c = ls.apigw("ap-southeast-2");
        let plans = c.get_usage_plans().send().await.unwrap();
        assert_eq!(plans.items().len(), 1, "{plans:?}");
        let p = &plans.items()[0];
        let arn = format!(
            "arn:aws:apigateway:ap-southeast-2::/usageplans/{}",
            p.id().unwrap()
        );
        let tags = c.get_tags().resource_arn(arn).send().await.unwrap();
        let owner = tags.tags().and_then(|t| t.get("idrv5-gw:stack")).cloned();
        assert_eq!(owner.as_deref(), Some("hand-made/imported"));
        let keys = c
            .get_usage_plan_keys()
            .usage_plan_id(p.id().unwrap())
            .send()
            .await
            .unwrap();
        let names: Vec<_> = keys.items().iter().filter_map(|k| k.name()).collect();
        assert_eq!(names, ["acme"]);
        assert_eq!(c.get_api_keys().send().await.unwrap().items().len(), 1);
    });
    let again = cli(&["plan", "--stack", stack, "--detailed-exitcode"]);
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
    let out = cli(&["apply", "--stack", stack, "--auto-approve"]);
    out.assert_success();
    assert!(out.stdout.contains("No changes"), "{out}");
}

/// The "Done when" round trip, for each example environment:
/// services (Lambda and service integrations with roles and templates, models), tiers dev
/// and prod (a Cognito authorizer, CORS, gateway responses, caching, access logs, four usage
/// plans and their keys), restore (a console export: VPC link ids through stage variables,
/// a Lambda authorizer, validators), idrv5 dev (a VPC link, a key and plans, the
/// monitoring presets' alarms and the dashboard), idrv5 staging (a WAF web ACL with two IP
/// sets, a block response and its stage association), idrv5 prod (managed rule groups, a
/// custom domain with its certificate, validation and alias records and a mapping) and
/// patterns dev (an HTTP API with JWT and Lambda authorizers, CORS, Lambda, private and
/// internet integrations, route throttles; a WebSocket API with a $connect authorizer and a
/// two-way route; a v2 VPC link). Applied, then `import`ed into a new folder, the imported
/// stack plans empty and its apply changes nothing. The APIs are the stacks' (tagged): the
/// import keeps each stack's name and writes no `adopt`. Not patterns prod: no emulator
/// applies it (docs/EMULATOR.md).
#[test]
fn an_applied_example_stack_imported_plans_empty() {
    for (stack, region, apis, zone) in [
        (
            "stacks/patterns/dev.yaml",
            "us-east-1",
            &[
                "--rest-api",
                "users-dev",
                "--http-api",
                "items-dev",
                "--websocket-api",
                "chat-dev",
            ][..],
            None,
        ),
        (
            "stacks/services/dev.yaml",
            "ap-southeast-2",
            &["--rest-api", "orders-dev"][..],
            None,
        ),
        (
            "stacks/tiers/dev.yaml",
            "us-east-1",
            &["--rest-api", "users-dev"],
            None,
        ),
        (
            "stacks/restore/prod.yaml",
            "us-east-1",
            &["--rest-api", "uuid-api"],
            None,
        ),
        (
            "stacks/idrv5/dev.yaml",
            "ap-southeast-2",
            &["--rest-api", "idrv5-dev"],
            None,
        ),
        (
            "stacks/tiers/prod.yaml",
            "us-east-1",
            &["--rest-api", "users-prod"],
            None,
        ),
        (
            "stacks/idrv5/staging.yaml",
            "ap-southeast-2",
            &["--rest-api", "idrv5-staging"],
            None,
        ),
        (
            "stacks/idrv5/prod.yaml",
            "ap-southeast-2",
            &["--rest-api", "idrv5-prod"],
            Some("idrv5.example.com"),
        ),
    ] {
        let (moto, ls) = (Moto::start(), LocalStack::start());
        if let Some(zone) = zone {
            crate::grounds::hosted_zone_on(&ls, zone);
        }
        let (_tmp, dir) = crate::common::stack::workspace();
        // Roles of the account LocalStack runs as (it refuses others).
        let f = dir.join(stack);
        let text = std::fs::read_to_string(&f).unwrap();
        std::fs::write(&f, text.replace("\"123456789012\"", "\"000000000000\"")).unwrap();
        ls.cli(&moto, &dir, &["apply", "--stack", stack, "--auto-approve"])
            .assert_success();
        let args = [
            &["import", "--out", "imported", "--region", region][..],
            apis,
        ]
        .concat();
        let out = ls.cli(&moto, &dir, &args);
        out.assert_success();
        assert!(!out.stderr.contains("not imported"), "{stack}: {out}");
        assert!(
            out.stdout.contains("the APIs are this tool's already"),
            "{stack}: {out}"
        );
        let imported = "imported/stack.yaml";
        let plan = ls.cli(
            &moto,
            &dir,
            &[
                "plan",
                "--stack",
                imported,
                "--detailed-exitcode",
                "--no-color",
            ],
        );
        assert_eq!(
            plan.status, 0,
            "{stack}: the imported stack's plan is not empty:\n{plan}"
        );
        let out = ls.cli(
            &moto,
            &dir,
            &["apply", "--stack", imported, "--auto-approve"],
        );
        out.assert_success();
        assert!(out.stdout.contains("No changes"), "{stack}: {out}");
    }
}
