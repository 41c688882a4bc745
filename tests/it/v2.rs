//! HTTP and WebSocket APIs (API Gateway v2) against moto: seed 004's three API kinds in one
//! stack, read back after apply; one change, one call; a second plan empty; destroy.

use crate::common;

use common::stack::*;
use common::{cli, Moto};
use std::collections::BTreeMap;

const DEV: &str = "stacks/patterns/dev.yaml";
const PROD: &str = "stacks/patterns/prod.yaml";

type Client = aws_sdk_apigatewayv2::Client;

async fn api_named(c: &Client, name: &str) -> aws_sdk_apigatewayv2::types::Api {
    let apis = c.get_apis().send().await.expect("get_apis");
    let found: Vec<_> = apis
        .items()
        .iter()
        .filter(|a| a.name() == Some(name))
        .cloned()
        .collect();
    assert_eq!(found.len(), 1, "exactly one API {name}");
    found[0].clone()
}

async fn routes(c: &Client, api: &str) -> BTreeMap<String, aws_sdk_apigatewayv2::types::Route> {
    let r = c.get_routes().api_id(api).send().await.expect("get_routes");
    r.items()
        .iter()
        .map(|r| (r.route_key().unwrap_or_default().to_string(), r.clone()))
        .collect()
}

#[test]
fn dev_applies_rest_http_and_websocket_apis_reads_them_back_and_replans_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let out = apply_ok(&moto, &dir, DEV);
    for line in [
        "+ http_api items",
        "+ websocket_api chat",
        "+ route GET /items",
        "+ route $connect",
        "+ authorizer jwt",
        "+ integration lambda-items-handler",
        "+ integration vpc-private",
        "+ integration lambda-items-handler-v1",
        "+ integration http-legacy.example.com",
        "+ vpc_link private",
        "+ stage $default",
    ] {
        assert!(out.contains(line), "apply output lacks {line:?}:\n{out}");
    }
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        // The v2 VPC link, owned by tags.
        let links = c.get_vpc_links().send().await.unwrap();
        assert_eq!(links.items().len(), 1);
        let link = &links.items()[0];
        assert_eq!(link.name(), Some("patterns-dev-private"));
        assert_eq!(link.subnet_ids().len(), 2);
        assert_eq!(
            link.tags()
                .unwrap()
                .get("idrv5-gw:stack")
                .map(String::as_str),
            Some("patterns/dev")
        );

        // The HTTP API: CORS, routes from the contract plus the stack's private route.
        let items = api_named(&c, "items-dev").await;
        let id = items.api_id().unwrap();
        assert_eq!(items.protocol_type().unwrap().as_str(), "HTTP");
        let cors = items.cors_configuration().expect("cors");
        assert_eq!(cors.allow_origins(), ["https://app.example.com"]);
        assert_eq!(cors.max_age(), Some(600));
        let rs = routes(&c, id).await;
        let keys: Vec<&str> = rs.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "ANY /legacy/{proxy+}",
                "DELETE /items/{id}",
                "GET /health",
                "GET /items",
                "GET /items/{id}",
                "GET /partner/items",
                "GET /reports/{id}",
                "POST /items"
            ]
        );
        let get = &rs["GET /items"];
        assert_eq!(get.authorization_type().unwrap().as_str(), "JWT");
        assert_eq!(get.authorization_scopes(), ["items/read"]);
        assert_eq!(rs["POST /items"].authorization_scopes(), ["items/write"]);
        assert_eq!(
            rs["GET /health"].authorization_type().unwrap().as_str(),
            "NONE"
        );
        let auth = c
            .get_authorizer()
            .api_id(id)
            .authorizer_id(get.authorizer_id().unwrap())
            .send()
            .await
            .unwrap();
        let jwt = auth.jwt_configuration().unwrap();
        assert_eq!(
            jwt.issuer(),
            Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Us3rP00l")
        );
        assert_eq!(jwt.audience(), ["4f1k2mq9v8d7c6b5a4t3r2e1w0"]);

        // The partner route's Lambda authorizer: simple responses, cached 300 s.
        let partner = c
            .get_authorizer()
            .api_id(id)
            .authorizer_id(rs["GET /partner/items"].authorizer_id().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(partner.authorizer_type().unwrap().as_str(), "REQUEST");
        assert_eq!(partner.enable_simple_responses(), Some(true));
        assert_eq!(partner.authorizer_result_ttl_in_seconds(), Some(300));
        assert_eq!(partner.authorizer_payload_format_version(), Some("2.0"));
        assert_eq!(
            partner.identity_source(),
            ["$request.header.X-Partner-Token"]
        );
        assert_eq!(
            rs["GET /partner/items"]
                .authorization_type()
                .unwrap()
                .as_str(),
            "CUSTOM"
        );

        // One Lambda integration (payload 2.0) shared by five routes, one 1.0 to the same
        // function, a private one and an internet HTTP proxy.
        let ints = c.get_integrations().api_id(id).send().await.unwrap();
        assert_eq!(ints.items().len(), 4);
        let target = |k: &str| {
            rs[k]
                .target()
                .unwrap()
                .trim_start_matches("integrations/")
                .to_string()
        };
        assert_eq!(target("GET /items"), target("DELETE /items/{id}"));
        let private = ints
            .items()
            .iter()
            .find(|i| Some(target("GET /reports/{id}").as_str()) == i.integration_id())
            .expect("the reports route's integration");
        assert_eq!(private.connection_type().unwrap().as_str(), "VPC_LINK");
        assert_eq!(private.connection_id(), link.vpc_link_id());
        assert_eq!(private.integration_method(), Some("GET"));
        let lambda = ints
            .items()
            .iter()
            .find(|i| Some(target("GET /items").as_str()) == i.integration_id())
            .unwrap();
        assert_eq!(lambda.payload_format_version(), Some("2.0"));
        let by_route = |k: &str| {
            ints.items()
                .iter()
                .find(|i| Some(target(k).as_str()) == i.integration_id())
                .unwrap()
                .clone()
        };
        assert_eq!(
            by_route("GET /partner/items").payload_format_version(),
            Some("1.0")
        );
        let legacy = by_route("ANY /legacy/{proxy+}");
        assert_eq!(legacy.integration_type().unwrap().as_str(), "HTTP_PROXY");
        assert_eq!(
            legacy.integration_uri(),
            Some("https://legacy.example.com/{proxy}")
        );
        assert_eq!(legacy.integration_method(), Some("ANY"));

        // The $default stage: auto-deploy, throttling with a per-route override, logs, vars.
        let stages = c.get_stages().api_id(id).send().await.unwrap();
        assert_eq!(stages.items().len(), 1);
        let st = &stages.items()[0];
        assert_eq!(st.stage_name(), Some("$default"));
        assert_eq!(st.auto_deploy(), Some(true));
        let d = st.default_route_settings().unwrap();
        assert_eq!(
            (d.throttling_burst_limit(), d.throttling_rate_limit()),
            (Some(200), Some(100.0))
        );
        let post = &st.route_settings().unwrap()["POST /items"];
        assert_eq!(
            (post.throttling_burst_limit(), post.throttling_rate_limit()),
            (Some(20), Some(10.0))
        );
        let dest = st.access_log_settings().unwrap().destination_arn().unwrap();
        assert!(
            dest.contains(":log-group:/aws/api-gateway/items-dev/default"),
            "{dest}"
        );
        assert_eq!(st.stage_variables().unwrap()["environment"], "dev");

        // The WebSocket API: seed 004's route set, the Lambda authorizer on $connect only.
        let chat = api_named(&c, "chat-dev").await;
        assert_eq!(chat.protocol_type().unwrap().as_str(), "WEBSOCKET");
        assert_eq!(
            chat.route_selection_expression(),
            Some("$request.body.action")
        );
        let wid = chat.api_id().unwrap();
        let ws = routes(&c, wid).await;
        let keys: Vec<&str> = ws.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["$connect", "$disconnect", "sendmessage", "subscribe"]
        );
        assert_eq!(
            ws["$connect"].authorization_type().unwrap().as_str(),
            "CUSTOM"
        );
        assert_eq!(
            ws["subscribe"].authorization_type().unwrap().as_str(),
            "NONE"
        );
        assert_eq!(
            ws["sendmessage"].route_response_selection_expression(),
            Some("$default")
        );
        let a = c
            .get_authorizer()
            .api_id(wid)
            .authorizer_id(ws["$connect"].authorizer_id().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(a.identity_source(), ["route.request.querystring.token"]);
        assert!(a
            .authorizer_uri()
            .unwrap()
            .ends_with("function:chat-authorizer/invocations"));
        let wst = c.get_stages().api_id(wid).send().await.unwrap();
        let dev = &wst.items()[0];
        assert_eq!(dev.stage_name(), Some("dev"));
        assert_eq!(
            dev.default_route_settings()
                .unwrap()
                .logging_level()
                .map(|l| l.as_str()),
            Some("ERROR")
        );

        // Both access-log groups exist.
        let groups = logs_us(&moto)
            .describe_log_groups()
            .log_group_name_prefix("/aws/api-gateway/")
            .send()
            .await
            .unwrap();
        let names: Vec<&str> = groups
            .log_groups()
            .iter()
            .filter_map(|g| g.log_group_name())
            .collect();
        assert!(
            names.contains(&"/aws/api-gateway/items-dev/default"),
            "{names:?}"
        );
        assert!(
            names.contains(&"/aws/api-gateway/chat-dev/dev"),
            "{names:?}"
        );
    });
    let again = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert_eq!(again.status, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("No changes."),
        "second plan:\n{}",
        again.stdout
    );
}

#[test]
fn a_scope_change_is_one_route_update_and_an_audience_change_one_authorizer_update() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("examples/patterns/items.yaml"),
        "- jwt: [items/write]\n      requestBody",
        // Unsorted on purpose: AWS answers scopes in its own order, which is no drift.
        "- jwt: [items/write, items/admin]\n      requestBody",
    );
    edit(
        &dir.join("stacks/patterns/base.yaml"),
        "audience: [4f1k2mq9v8d7c6b5a4t3r2e1w0]",
        "audience: [4f1k2mq9v8d7c6b5a4t3r2e1w0, 9zz8yy7xx6ww]",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    assert!(
        plan.stdout.contains("~ route POST /items"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("authorization_scopes"),
        "{}",
        plan.stdout
    );
    assert!(plan.stdout.contains("~ authorizer jwt"), "{}", plan.stdout);
    assert!(plan.stdout.contains("jwt_audience"), "{}", plan.stdout);
    assert!(plan.stdout.contains("2 to update"), "{}", plan.stdout);
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    let writes = write_calls(&out.stderr);
    assert_eq!(
        writes,
        BTreeMap::from([
            ("UpdateAuthorizer".to_string(), 1),
            ("UpdateRoute".to_string(), 1)
        ]),
        "{}",
        out.stderr
    );
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let id = api_named(&c, "items-dev")
            .await
            .api_id()
            .unwrap()
            .to_string();
        let rs = routes(&c, &id).await;
        let mut scopes = rs["POST /items"].authorization_scopes().to_vec();
        scopes.sort();
        assert_eq!(scopes, ["items/admin", "items/write"]);
        let a = c
            .get_authorizer()
            .api_id(&id)
            .authorizer_id(rs["POST /items"].authorizer_id().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(a.jwt_configuration().unwrap().audience().len(), 2);
    });
    let again = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

#[test]
fn destroy_removes_the_v2_apis_link_and_log_groups() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let out = cli(&moto, &dir, &["destroy", "--stack", DEV, "--auto-approve"]);
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("- http_api items"), "{}", out.stdout);
    assert!(
        out.stdout.contains("- websocket_api chat"),
        "{}",
        out.stdout
    );
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        assert!(c.get_apis().send().await.unwrap().items().is_empty());
        assert!(c.get_vpc_links().send().await.unwrap().items().is_empty());
        let groups = logs_us(&moto)
            .describe_log_groups()
            .log_group_name_prefix("/aws/api-gateway/")
            .send()
            .await
            .unwrap();
        assert!(groups.log_groups().is_empty(), "{:?}", groups.log_groups());
    });
}

#[test]
fn prod_plans_explicit_deployments_and_api_mappings_on_the_shared_domain() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    rt().block_on(async {
        route53(&moto)
            .create_hosted_zone()
            .name("patterns.example.com")
            .caller_reference("v2-test")
            .send()
            .await
            .expect("create_hosted_zone");
    });
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    for line in [
        "+ deployment items/prod",
        "+ api_mapping api.patterns.example.com/items",
        "+ api_mapping api.patterns.example.com/chat",
        "+ base_path_mapping api.patterns.example.com/users",
        "+ stage prod",
    ] {
        assert!(
            plan.stdout.contains(line),
            "plan lacks {line:?}:\n{}",
            plan.stdout
        );
    }
}

#[test]
fn export_openapi_writes_the_http_api_document_that_reimport_accepts() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let out = cli(
        &moto,
        &dir,
        &[
            "export-openapi",
            "--stack",
            DEV,
            "--api",
            "items",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let get = &doc["paths"]["/items"]["get"];
    assert_eq!(get["x-amazon-apigateway-integration"]["type"], "aws_proxy");
    assert_eq!(
        get["x-amazon-apigateway-integration"]["payloadFormatVersion"],
        "2.0"
    );
    assert_eq!(
        get["security"],
        serde_json::json!([{"jwt": ["items/read"]}])
    );
    assert_eq!(
        doc["paths"]["/health"]["get"]["security"],
        serde_json::json!([])
    );
    let jwt = &doc["components"]["securitySchemes"]["jwt"]["x-amazon-apigateway-authorizer"];
    assert_eq!(jwt["type"], "jwt");
    assert_eq!(
        jwt["jwtConfiguration"]["issuer"],
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Us3rP00l"
    );
    let reports = &doc["paths"]["/reports/{id}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(reports["connectionType"], "VPC_LINK");
    assert_eq!(
        doc["x-amazon-apigateway-cors"]["allowOrigins"],
        serde_json::json!(["https://app.example.com"])
    );
    // The schemas of the contract travel with it.
    assert!(doc["components"]["schemas"]["Item"].is_object());

    // ReimportApi (moto has it; ImportApi it lacks) builds the same route set from it. Moto
    // reads every path-item key as a method and hashes every response schema value, so
    // path-level parameters move onto the operations and response bodies are dropped first
    // (docs/EMULATOR.md); AWS takes the document as exported.
    let mut doc = doc;
    for item in doc["paths"].as_object_mut().unwrap().values_mut() {
        let params = item.as_object_mut().unwrap().remove("parameters");
        for op in item.as_object_mut().unwrap().values_mut() {
            if let Some(p) = &params {
                op["parameters"] = p.clone();
            }
            for r in op["responses"].as_object_mut().unwrap().values_mut() {
                r.as_object_mut().unwrap().remove("content");
            }
        }
    }
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let api = c
            .create_api()
            .name("imported")
            .protocol_type(aws_sdk_apigatewayv2::types::ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let id = api.api_id().unwrap();
        c.reimport_api()
            .api_id(id)
            .body(serde_json::to_string(&doc).unwrap())
            .send()
            .await
            .expect("reimport_api");
        let keys: Vec<String> = routes(&c, id).await.into_keys().collect();
        assert_eq!(keys.len(), 8, "{keys:?}");
        assert!(keys.contains(&"GET /reports/{id}".to_string()), "{keys:?}");
    });
}

#[test]
fn validate_names_bad_v2_routes_and_authorizers_at_their_lines() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let base = dir.join("stacks/patterns/base.yaml");
    edit(
        &base,
        "      subscribe:\n",
        "      subscribe:\n        authorizer: connect\n",
    );
    edit(
        &base,
        "      GET /reports/{id}:\n",
        "      FETCH /reports/{id}:\n",
    );
    let dev = dir.join(DEV);
    let text = std::fs::read_to_string(&dev).unwrap();
    std::fs::write(
        &dev,
        text + "\nedge:\n  waf:\n    stages: [items.$default]\n",
    )
    .unwrap();
    let out = cli(&moto, &dir, &["validate", "--stack", DEV]);
    assert_ne!(out.status, 0);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains("only `$connect` can have an authorizer") && text.contains("base.yaml:"),
        "{text}"
    );
    assert!(
        text.contains("`FETCH /reports/{id}`: is not `METHOD /path`"),
        "{text}"
    );
    assert!(
        text.contains(
            "`items.$default` is an HTTP or WebSocket API stage, which WAF cannot protect"
        ) && text.contains("dev.yaml:"),
        "{text}"
    );
}

#[test]
fn a_cors_change_is_one_update_api_and_a_throttle_change_plans_one_stage_update() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join("stacks/patterns/base.yaml"),
        "allow_origins: [\"https://app.example.com\"]\n      allow_methods: [GET, POST, DELETE]",
        "allow_origins: [\"https://app.example.com\", \"https://admin.example.com\"]\n      allow_methods: [GET, POST, DELETE]",
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("~ http_api items"), "{}", out.stdout);
    assert!(out.stdout.contains("cors.allow_origins"), "{}", out.stdout);
    assert_eq!(
        write_calls(&out.stderr),
        BTreeMap::from([("UpdateApi".to_string(), 1)]),
        "{}",
        out.stderr
    );
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let items = api_named(&c, "items-dev").await;
        assert_eq!(items.cors_configuration().unwrap().allow_origins().len(), 2);
    });
    // Moto has no UpdateStage (docs/EMULATOR.md): the stage change is checked as a plan.
    edit(
        &dir.join("stacks/patterns/dev.yaml"),
        "POST /items: {rate_limit: 10, burst_limit: 20}",
        "POST /items: {rate_limit: 5, burst_limit: 20}",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("~ stage $default"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("route_settings[\"POST /items\"].throttling_rate_limit: 10 → 5"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("0 to create, 1 to update"),
        "{}",
        plan.stdout
    );
}

#[test]
fn prod_maps_http_and_websocket_stages_onto_the_custom_domain() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    rt().block_on(async {
        route53(&moto)
            .create_hosted_zone()
            .name("patterns.example.com")
            .caller_reference("v2-mappings")
            .send()
            .await
            .expect("create_hosted_zone");
        // Moto keeps v2 domain names apart from v1 ones (on AWS they are one): the v2 twin of
        // the domain apply creates lets CreateApiMapping find it (docs/EMULATOR.md).
        apigwv2_us(&moto)
            .create_domain_name()
            .domain_name("api.patterns.example.com")
            .send()
            .await
            .expect("create_domain_name v2");
    });
    // Moto has no CreateDeployment for v2: the HTTP stage auto-deploys here.
    edit(&dir.join(PROD), "auto_deploy: false", "auto_deploy: true");
    let out = apply_ok(&moto, &dir, PROD);
    assert!(
        out.contains("+ api_mapping api.patterns.example.com/items"),
        "{out}"
    );
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let items = api_named(&c, "items-prod")
            .await
            .api_id()
            .unwrap()
            .to_string();
        let chat = api_named(&c, "chat-prod")
            .await
            .api_id()
            .unwrap()
            .to_string();
        let maps = c
            .get_api_mappings()
            .domain_name("api.patterns.example.com")
            .send()
            .await
            .unwrap();
        let mut got: Vec<(String, String, String)> = maps
            .items()
            .iter()
            .map(|m| {
                (
                    m.api_mapping_key().unwrap_or_default().to_string(),
                    m.api_id().unwrap_or_default().to_string(),
                    m.stage().unwrap_or_default().to_string(),
                )
            })
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                ("chat".into(), chat, "prod".into()),
                ("items".into(), items, "prod".into())
            ]
        );
    });
    let again = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert_eq!(again.status, 0, "{}", again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
}

/// HTTP and WebSocket APIs made by hand (the aws CLI's calls, through the SDK), one route
/// through a hand-made v2 VPC link: imported, their first plan adopts the APIs and the link
/// (tags) and names the integrations as the stack does, and nothing is created; after the apply the ids are the same and the next plan is empty.
#[test]
fn hand_made_http_and_websocket_apis_imported_are_adopted_with_their_ids() {
    use aws_sdk_apigatewayv2::types::{
        AuthorizationType, AuthorizerType, IntegrationType, JwtConfiguration, ProtocolType,
    };
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let items = "arn:aws:lambda:us-east-1:123456789012:function:items";
    let connect = "arn:aws:lambda:us-east-1:123456789012:function:connect";
    let (http, ws) = rt().block_on(async {
        let c = apigwv2_us(&moto);
        let api = c
            .create_api()
            .name("hand-items")
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let id = api.api_id().unwrap().to_string();
        let auth = c
            .create_authorizer()
            .api_id(&id)
            .name("jwt")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .issuer("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab")
                    .audience("client1")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let lambda = c
            .create_integration()
            .api_id(&id)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(items)
            .payload_format_version("2.0")
            .send()
            .await
            .unwrap();
        let legacy = c
            .create_integration()
            .api_id(&id)
            .integration_type(IntegrationType::HttpProxy)
            .integration_uri("https://legacy.example.com/{proxy}")
            .integration_method("ANY")
            .payload_format_version("1.0")
            .send()
            .await
            .unwrap();
        let link = c
            .create_vpc_link()
            .name("reports link")
            .subnet_ids("subnet-0a1b2c3d4e5f60718")
            .security_group_ids("sg-0123456789abcdef0")
            .send()
            .await
            .unwrap();
        let reports = c
            .create_integration()
            .api_id(&id)
            .integration_type(IntegrationType::HttpProxy)
            .integration_uri("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/reports/50dc6c495c0c9188/0467ef3c8400ae65")
            .integration_method("GET")
            .connection_type(aws_sdk_apigatewayv2::types::ConnectionType::VpcLink)
            .connection_id(link.vpc_link_id().unwrap())
            .payload_format_version("1.0")
            .send()
            .await
            .unwrap();
        let (lambda, legacy) = (lambda.integration_id().unwrap(), legacy.integration_id().unwrap());
        for (key, target, jwt) in [
            ("GET /items", lambda, true),
            ("POST /items", lambda, false),
            ("ANY /legacy/{proxy+}", legacy, false),
            ("GET /reports/{id}", reports.integration_id().unwrap(), false),
        ] {
            let mut r = c
                .create_route()
                .api_id(&id)
                .route_key(key)
                .target(format!("integrations/{target}"));
            if jwt {
                r = r
                    .authorization_type(AuthorizationType::Jwt)
                    .authorizer_id(auth.authorizer_id().unwrap())
                    .authorization_scopes("items/read");
            }
            r.send().await.unwrap();
        }
        c.create_stage()
            .api_id(&id)
            .stage_name("$default")
            .auto_deploy(true)
            .send()
            .await
            .unwrap();
        let chat = c
            .create_api()
            .name("hand-chat")
            .protocol_type(ProtocolType::Websocket)
            .route_selection_expression("$request.body.action")
            .send()
            .await
            .unwrap();
        let ws = chat.api_id().unwrap().to_string();
        let on_connect = c
            .create_integration()
            .api_id(&ws)
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri(format!("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{connect}/invocations"))
            .send()
            .await
            .unwrap();
        c.create_route()
            .api_id(&ws)
            .route_key("$connect")
            .target(format!("integrations/{}", on_connect.integration_id().unwrap()))
            .send()
            .await
            .unwrap();
        c.create_stage()
            .api_id(&ws)
            .stage_name("live")
            .auto_deploy(true)
            .send()
            .await
            .unwrap();
        (id, ws)
    });
    let out = cli(
        &moto,
        &dir,
        &[
            "import",
            "--http-api",
            "hand-items",
            "--websocket-api",
            "hand-chat",
            "--out",
            "imported",
            "--region",
            "us-east-1",
            "--stack-name",
            "hand",
        ],
    );
    out.assert_success();
    assert!(!out.stderr.contains("not imported"), "{out}");
    assert!(out.stdout.contains("shows `~ adopt`"), "{out}");
    let stack = "imported/stack.yaml";
    let text = std::fs::read_to_string(dir.join(stack)).unwrap();
    assert!(text.contains("cognito_user_pool: us-east-1_Ab"), "{text}");
    let plan = cli(&moto, &dir, &["plan", "--stack", stack, "--no-color"]);
    plan.assert_success();
    for line in [
        "~ adopt http_api hand-items",
        "~ adopt websocket_api hand-chat",
        "~ adopt vpc_link reports-link",
        "~ integration vpc-reports-link",
    ] {
        assert!(plan.stdout.contains(line), "{line:?} in:\n{plan}");
    }
    // Their integrations gain the name the stack knows them by; nothing is made anew.
    assert!(
        plan.stdout
            .contains("description: \"\" → \"idrv5-gw:lambda-items\""),
        "{plan}"
    );
    assert!(
        plan.stdout.contains(
            "Plan: 0 to create, 7 to update (3 of them adopted), 0 to replace, 0 to delete."
        ),
        "{plan}"
    );
    cli(&moto, &dir, &["apply", "--stack", stack, "--auto-approve"]).assert_success();
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        for (name, id) in [("hand-items", &http), ("hand-chat", &ws)] {
            let api = api_named(&c, name).await;
            assert_eq!(api.api_id(), Some(id.as_str()));
            let tags = api.tags().cloned().unwrap_or_default();
            assert_eq!(
                tags.get("idrv5-gw:stack").map(String::as_str),
                Some("hand/imported"),
                "{tags:?}"
            );
        }
        assert_eq!(routes(&c, &http).await.len(), 4);
        let links = c.get_vpc_links().send().await.unwrap();
        let tags = links.items()[0].tags().cloned().unwrap_or_default();
        assert_eq!(
            tags.get("idrv5-gw:stack").map(String::as_str),
            Some("hand/imported"),
            "{tags:?}"
        );
    });
    let again = cli(
        &moto,
        &dir,
        &[
            "plan",
            "--stack",
            stack,
            "--detailed-exitcode",
            "--no-color",
        ],
    );
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
}

/// An alarm made by hand on a hand-made HTTP API's stage comes with the API: `import` writes
/// it as a custom alarm that adopts it (`stages: [<key>.$default]`), the plan adopts both
/// and creates nothing, and after the apply the alarm, tagged, still watches that stage and
/// the next plan is empty.
#[test]
fn an_alarm_on_an_imported_http_api_is_adopted_with_it() {
    use aws_sdk_apigatewayv2::types::ProtocolType;
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let api = c
            .create_api()
            .name("hand-mini")
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let id = api.api_id().unwrap();
        c.create_stage()
            .api_id(id)
            .stage_name("$default")
            .auto_deploy(true)
            .send()
            .await
            .unwrap();
        let dim = |n: &str, v: &str| Dimension::builder().name(n).value(v).build();
        cloudwatch_us(&moto)
            .put_metric_alarm()
            .alarm_name("hand-5xx")
            .namespace("AWS/ApiGateway")
            .metric_name("5xx")
            .dimensions(dim("ApiId", id))
            .dimensions(dim("Stage", "$default"))
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .send()
            .await
            .unwrap();
    });
    let out = cli(
        &moto,
        &dir,
        &[
            "import",
            "--http-api",
            "hand-mini",
            "--out",
            "imported",
            "--region",
            "us-east-1",
        ],
    );
    out.assert_success();
    assert!(!out.stderr.contains("hand-5xx"), "{out}");
    let stack = std::fs::read_to_string(dir.join("imported/stack.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&stack).unwrap();
    let alarm = &doc["monitoring"]["alarms"]["hand-5xx"];
    assert_eq!(alarm["adopt"].as_str(), Some("hand-5xx"), "{stack}");
    assert_eq!(alarm["metric"].as_str(), Some("5xx"), "{stack}");
    assert_eq!(
        alarm["stages"][0].as_str(),
        Some("hand-mini.$default"),
        "{stack}"
    );
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", "imported/stack.yaml", "--no-color"],
    );
    plan.assert_success();
    assert!(plan.stdout.contains("~ adopt alarm hand-5xx"), "{plan}");
    assert!(plan.stdout.contains("~ adopt http_api hand-mini"), "{plan}");
    assert!(!plan.stdout.contains("+ alarm"), "nothing created: {plan}");
    let apply = cli(
        &moto,
        &dir,
        &[
            "apply",
            "--stack",
            "imported/stack.yaml",
            "--auto-approve",
            "--no-color",
        ],
    );
    apply.assert_success();
    let again = cli(
        &moto,
        &dir,
        &[
            "plan",
            "--stack",
            "imported/stack.yaml",
            "--detailed-exitcode",
            "--no-color",
        ],
    );
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
    rt().block_on(async {
        let cw = cloudwatch_us(&moto);
        let a = cw
            .describe_alarms()
            .alarm_names("hand-5xx")
            .send()
            .await
            .unwrap();
        let a = &a.metric_alarms()[0];
        let dims: BTreeMap<&str, &str> = a
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap(), d.value().unwrap()))
            .collect();
        let id = api_named(&apigwv2_us(&moto), "hand-mini").await;
        assert_eq!(dims["ApiId"], id.api_id().unwrap());
        assert_eq!(dims["Stage"], "$default");
        let tags = cw
            .list_tags_for_resource()
            .resource_arn(a.alarm_arn().unwrap())
            .send()
            .await
            .unwrap();
        assert!(
            tags.tags()
                .iter()
                .any(|t| t.key() == Some("idrv5-gw:stack")),
            "tagged as the stack's: {tags:?}"
        );
    });
}

/// `monitoring` covers HTTP and WebSocket stages: after the apply each preset watches its
/// protocol's metric on the API's real id (a ref in the plan), `$default` is `default` in
/// the alarm's name, the dashboard's rows name the ids, and the next plan is empty.
#[test]
fn v2_stages_get_alarms_on_their_api_ids_and_replan_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--no-color"]);
    plan.assert_success();
    assert!(
        plan.stdout
            .contains("+ alarm patterns-dev-items-default-5xx_errors"),
        "{plan}"
    );
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigwv2_us(&moto);
        let items = api_named(&c, "items-dev").await;
        let chat = api_named(&c, "chat-dev").await;
        let cw = cloudwatch_us(&moto);
        let alarm = |name: &'static str| {
            let cw = cw.clone();
            async move {
                let a = cw.describe_alarms().alarm_names(name).send().await.unwrap();
                let a = a.metric_alarms().first().cloned();
                let a = a.unwrap_or_else(|| panic!("alarm {name}"));
                let dims: BTreeMap<String, String> = a
                    .dimensions()
                    .iter()
                    .map(|d| (d.name().unwrap().into(), d.value().unwrap().into()))
                    .collect();
                (a.metric_name().unwrap().to_string(), dims)
            }
        };
        let (metric, dims) = alarm("patterns-dev-items-default-5xx_errors").await;
        assert_eq!(metric, "5xx");
        assert_eq!(dims["ApiId"], items.api_id().unwrap());
        assert_eq!(dims["Stage"], "$default");
        let (metric, dims) = alarm("patterns-dev-chat-dev-4xx_errors").await;
        assert_eq!(metric, "ClientError");
        assert_eq!(dims["ApiId"], chat.api_id().unwrap());
        let (metric, dims) = alarm("patterns-dev-users-dev-5xx_errors").await;
        assert_eq!(
            (metric.as_str(), dims["ApiName"].as_str()),
            ("5XXError", "users-dev")
        );
        let d = cw
            .get_dashboard()
            .dashboard_name("idrv5gw_patterns_dev_overview")
            .send()
            .await
            .unwrap();
        let body = d.dashboard_body().unwrap();
        assert!(body.contains(chat.api_id().unwrap()), "{body}");
        assert!(body.contains("IntegrationError"), "{body}");
    });
    let again = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode", "--no-color"],
    );
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
}
