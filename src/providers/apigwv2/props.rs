//! The live side of each v2 item as props, in exactly the shapes `model::v2` gives the
//! desired side (so an unchanged stack plans empty). AWS defaults the stack did not set read
//! as null (docs/EMULATOR.md, "HTTP and WebSocket APIs (v2)").

use crate::model::kinds::{api_stage, ApiStage};
use crate::model::kinds::{ApiAuthorizer, ApiIntegration, ApiRoute, Typed, V2Api, V2Cors};
use crate::model::Props;
use aws_sdk_apigatewayv2::types::{
    Api, Authorizer, Integration, ProtocolType, Route, RouteSettings, Stage,
};

pub(super) fn api_props(a: &Api) -> Props {
    let websocket = a.protocol_type() == Some(&ProtocolType::Websocket);
    let sorted = |v: &[String]| {
        let mut v = v.to_vec();
        v.sort();
        v
    };
    let cors = a
        .cors_configuration()
        .filter(|_| !websocket)
        .map(|c| V2Cors {
            allow_origins: sorted(c.allow_origins()),
            allow_methods: sorted(c.allow_methods()),
            allow_headers: sorted(c.allow_headers()),
            expose_headers: sorted(c.expose_headers()),
            max_age: c.max_age().map(i64::from),
            allow_credentials: c.allow_credentials().unwrap_or(false),
        });
    V2Api {
        name: a.name().unwrap_or_default().to_string(),
        description: a.description().unwrap_or_default().to_string(),
        protocol_type: a.protocol_type().map_or("HTTP", |p| p.as_str()).to_string(),
        route_selection_expression: a
            .route_selection_expression()
            .unwrap_or_default()
            .to_string(),
        disable_execute_api_endpoint: a.disable_execute_api_endpoint().unwrap_or(false),
        cors,
    }
    .to_props()
}

pub(super) fn authorizer_props(a: &Authorizer, websocket: bool) -> Props {
    let kind = a.authorizer_type().map(|t| t.as_str()).unwrap_or("REQUEST");
    let jwt = kind == "JWT";
    let http_request = !websocket && kind == "REQUEST";
    let conf = a.jwt_configuration().filter(|_| jwt);
    let mut audience = conf.map(|c| c.audience().to_vec());
    if let Some(a) = audience.as_mut() {
        a.sort();
    }
    ApiAuthorizer {
        name: a.name().unwrap_or_default().to_string(),
        authorizer_type: kind.to_string(),
        identity_source: a.identity_source().to_vec(),
        jwt_issuer: conf.and_then(|c| c.issuer()).map(str::to_string),
        jwt_audience: audience,
        authorizer_uri: a
            .authorizer_uri()
            .filter(|u| !u.is_empty())
            .map(str::to_string),
        payload_format_version: a
            .authorizer_payload_format_version()
            .filter(|_| http_request)
            .map(str::to_string),
        enable_simple_responses: http_request.then(|| a.enable_simple_responses().unwrap_or(false)),
        ttl_seconds: (!jwt).then(|| a.authorizer_result_ttl_in_seconds().unwrap_or(0).into()),
    }
    .to_props()
}

/// AWS's default integration timeout: 30 s for HTTP APIs, 29 s for WebSocket APIs (where
/// 30 s, what moto reports, is above the maximum and so never a value the stack set).
pub(super) fn default_timeout(websocket: bool, ms: i32) -> bool {
    if websocket {
        ms == 29_000 || ms == 30_000
    } else {
        ms == 30_000
    }
}

pub(super) fn integration_props(i: &Integration, websocket: bool) -> Props {
    let kind = i
        .integration_type()
        .map(|t| t.as_str())
        .unwrap_or("AWS_PROXY");
    // POST is the only method a Lambda proxy takes; AWS reports it unasked.
    let method = i
        .integration_method()
        .filter(|m| !m.is_empty())
        .filter(|m| !(kind == "AWS_PROXY" && *m == "POST") && kind != "MOCK");
    // HTTP APIs: "1.0"/"2.0" for a Lambda proxy, "1.0" (the only value) for HTTP_PROXY.
    // WebSocket APIs report "1.0" unasked: not the stack's.
    let payload = i
        .payload_format_version()
        .filter(|_| !websocket && kind != "MOCK");
    let connection_type = i
        .connection_type()
        .map(|c| c.as_str())
        .unwrap_or("INTERNET");
    let connection_id = i
        .connection_id()
        .filter(|c| !c.is_empty() && connection_type == "VPC_LINK");
    let timeout = i
        .timeout_in_millis()
        .filter(|ms| !default_timeout(websocket, *ms));
    let text = |s: Option<&str>| s.map(str::to_string);
    ApiIntegration {
        description: i.description().unwrap_or_default().to_string(),
        integration_type: kind.to_string(),
        uri: text(i.integration_uri().filter(|u| !u.is_empty())),
        method: text(method),
        payload_format_version: text(payload),
        connection_type: connection_type.to_string(),
        connection_id: text(connection_id),
        timeout_ms: timeout.map(i64::from),
    }
    .to_props()
}

/// `integrations/abc123` → `abc123`.
pub(super) fn integration_of_target(target: Option<&str>) -> Option<&str> {
    target?
        .strip_prefix("integrations/")
        .filter(|id| !id.is_empty())
}

pub(super) fn route_props(r: &Route) -> Props {
    let mut scopes = r.authorization_scopes().to_vec();
    scopes.sort();
    ApiRoute {
        route_key: r.route_key().unwrap_or_default().to_string(),
        integration_id: integration_of_target(r.target()).map(str::to_string),
        authorization_type: r
            .authorization_type()
            .map_or("NONE", |t| t.as_str())
            .to_string(),
        authorizer_id: r
            .authorizer_id()
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        authorization_scopes: scopes,
        route_response: r
            .route_response_selection_expression()
            .filter(|e| !e.is_empty())
            .map(str::to_string),
    }
    .to_props()
}

fn throttling(s: Option<&RouteSettings>) -> api_stage::RouteSettings {
    api_stage::RouteSettings {
        throttling_burst_limit: s.and_then(|s| s.throttling_burst_limit()).map(i64::from),
        throttling_rate_limit: s.and_then(|s| s.throttling_rate_limit()),
        ..Default::default()
    }
}

/// The stage as `model::v2::stage` gives the desired side.
pub(super) fn stage_props(s: &Stage, websocket: bool) -> ApiStage {
    let d = s.default_route_settings();
    let defaults = api_stage::RouteSettings {
        detailed_metrics_enabled: Some(
            d.and_then(|d| d.detailed_metrics_enabled())
                .unwrap_or(false),
        ),
        logging_level: websocket.then(|| {
            d.and_then(|d| d.logging_level())
                .map_or("OFF", |l| l.as_str())
                .to_string()
        }),
        data_trace_enabled: websocket
            .then(|| d.and_then(|d| d.data_trace_enabled()).unwrap_or(false)),
        ..throttling(d)
    };
    let logs = s.access_log_settings();
    ApiStage {
        stage_name: s.stage_name().unwrap_or_default().to_string(),
        description: s
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        auto_deploy: s.auto_deploy().unwrap_or(false),
        default_route_settings: defaults,
        route_settings: s
            .route_settings()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), throttling(Some(v))))
            .collect(),
        access_log_destination: logs
            .and_then(|l| l.destination_arn())
            .filter(|d| !d.is_empty())
            .map(|d| d.strip_suffix(":*").unwrap_or(d).to_string()),
        access_log_format: logs
            .and_then(|l| l.format())
            .filter(|f| !f.is_empty())
            .map(str::to_string),
        stage_variables: s
            .stage_variables()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_apigatewayv2::types::{
        AccessLogSettings, AuthorizerType, ConnectionType, Cors, IntegrationType, JwtConfiguration,
        LoggingLevel,
    };
    use serde_json::{json, Value};

    #[test]
    fn targets_parse_back_to_integration_ids() {
        assert_eq!(
            integration_of_target(Some("integrations/abc1")),
            Some("abc1")
        );
        assert_eq!(integration_of_target(Some("integrations/")), None);
        assert_eq!(integration_of_target(Some("other")), None);
        assert_eq!(integration_of_target(None), None);
    }

    #[test]
    fn integration_defaults_read_as_null() {
        let lambda = Integration::builder()
            .description("idrv5-gw:items")
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri("arn:aws:lambda:ap-southeast-2:1:function:f")
            .integration_method("POST")
            .payload_format_version("2.0")
            .connection_type(ConnectionType::Internet)
            .timeout_in_millis(30_000)
            .build();
        let p = integration_props(&lambda, false);
        assert_eq!(p["method"], Value::Null);
        assert_eq!(p["timeout_ms"], Value::Null);
        assert_eq!(p["payload_format_version"], json!("2.0"));
        assert_eq!(p["connection_id"], Value::Null);
        // WebSocket: no payload format version; 29 s (AWS) and 30 s (moto) are defaults.
        let ws = integration_props(&lambda, true);
        assert_eq!(ws["payload_format_version"], Value::Null);
        assert_eq!(ws["timeout_ms"], Value::Null);
        let http = Integration::builder()
            .description("idrv5-gw:legacy")
            .integration_type(IntegrationType::HttpProxy)
            .integration_uri("https://example.com")
            .integration_method("GET")
            .payload_format_version("1.0")
            .connection_type(ConnectionType::VpcLink)
            .connection_id("vl1")
            .timeout_in_millis(5_000)
            .build();
        let p = integration_props(&http, false);
        assert_eq!(p["method"], json!("GET"));
        assert_eq!(p["timeout_ms"], json!(5000));
        assert_eq!(p["payload_format_version"], json!("1.0"));
        assert_eq!(
            integration_props(&http, true)["payload_format_version"],
            Value::Null
        );
        assert_eq!(p["connection_type"], json!("VPC_LINK"));
        assert_eq!(p["connection_id"], json!("vl1"));
    }

    #[test]
    fn authorizer_fields_follow_type_and_protocol() {
        let jwt = Authorizer::builder()
            .name("cognito")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .issuer("https://issuer")
                    .audience("b")
                    .audience("a")
                    .build(),
            )
            .authorizer_result_ttl_in_seconds(0)
            .build();
        let p = authorizer_props(&jwt, false);
        assert_eq!(p["jwt_audience"], json!(["a", "b"]));
        assert_eq!(p["ttl_seconds"], Value::Null);
        assert_eq!(p["enable_simple_responses"], Value::Null);
        let lambda = Authorizer::builder()
            .name("fn")
            .authorizer_type(AuthorizerType::Request)
            .identity_source("$request.header.b")
            .identity_source("$request.header.a")
            .authorizer_uri("arn:aws:apigateway:x:lambda:path/fn")
            .authorizer_payload_format_version("2.0")
            .authorizer_result_ttl_in_seconds(300)
            .build();
        let p = authorizer_props(&lambda, false);
        assert_eq!(
            p["identity_source"],
            json!(["$request.header.b", "$request.header.a"])
        );
        assert_eq!(p["payload_format_version"], json!("2.0"));
        assert_eq!(p["enable_simple_responses"], json!(false));
        assert_eq!(p["ttl_seconds"], json!(300));
        assert_eq!(p["jwt_issuer"], Value::Null);
        let ws = authorizer_props(&lambda, true);
        assert_eq!(ws["payload_format_version"], Value::Null);
        assert_eq!(ws["enable_simple_responses"], Value::Null);
    }

    #[test]
    fn stage_reads_defaults_by_protocol() {
        let s = Stage::builder()
            .stage_name("$default")
            .auto_deploy(true)
            .default_route_settings(
                RouteSettings::builder()
                    .detailed_metrics_enabled(false)
                    .throttling_rate_limit(100.0)
                    .throttling_burst_limit(50)
                    .build(),
            )
            .route_settings(
                "GET /items",
                RouteSettings::builder().throttling_burst_limit(5).build(),
            )
            .access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn("arn:aws:logs:r:1:log-group:g:*")
                    .format("$context.requestId")
                    .build(),
            )
            .build();
        let p = stage_props(&s, false).to_props();
        assert_eq!(
            p["default_route_settings"],
            json!({"throttling_burst_limit": 50, "throttling_rate_limit": 100,
                   "detailed_metrics_enabled": false})
        );
        assert_eq!(
            p["route_settings"],
            json!({"GET /items": {"throttling_burst_limit": 5, "throttling_rate_limit": null}})
        );
        assert_eq!(
            p["access_log_destination"],
            json!("arn:aws:logs:r:1:log-group:g")
        );
        assert_eq!(p["description"], Value::Null);
        assert_eq!(p["stage_variables"], json!({}));
        let ws = Stage::builder()
            .stage_name("prod")
            .default_route_settings(
                RouteSettings::builder()
                    .logging_level(LoggingLevel::Error)
                    .build(),
            )
            .build();
        let p = stage_props(&ws, true).to_props();
        assert_eq!(p["default_route_settings"]["logging_level"], json!("ERROR"));
        assert_eq!(
            p["default_route_settings"]["data_trace_enabled"],
            json!(false)
        );
        assert_eq!(p["auto_deploy"], json!(false));
    }

    #[test]
    fn http_cors_is_sorted_and_websocket_has_none() {
        let api = Api::builder()
            .name("main")
            .protocol_type(ProtocolType::Http)
            .route_selection_expression("$request.method $request.path")
            .cors_configuration(
                Cors::builder()
                    .allow_origins("https://b")
                    .allow_origins("https://a")
                    .max_age(60)
                    .build(),
            )
            .build();
        let p = api_props(&api);
        assert_eq!(
            p["cors"]["allow_origins"],
            json!(["https://a", "https://b"])
        );
        assert_eq!(p["cors"]["allow_methods"], json!([]));
        assert_eq!(p["cors"]["max_age"], json!(60));
        assert_eq!(p["cors"]["allow_credentials"], json!(false));
        assert_eq!(p["description"], json!(""));
        assert_eq!(p["disable_execute_api_endpoint"], json!(false));
    }
}
