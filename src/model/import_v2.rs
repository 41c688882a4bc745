//! `import` of HTTP and WebSocket APIs: one v2 API read live (the v2 reader's items) as its
//! `http_apis`/`websocket_apis` entry. The inverse of `model::v2`: every route under
//! `routes:` with the integration it reaches (the commonest one once, as the API's
//! `integration:`), authorizers by name, stages with their throttles and access logs. What
//! the stack file cannot say is named in `left`.

use super::kinds::{ApiAuthorizer, ApiIntegration, ApiRoute, ApiStage, Typed, V2Api};
use super::{Kind, LiveResource};
use crate::config::schema::{AccessLogs, Throttling};
use crate::config::v2::{
    Authorizer, AuthorizerType, Cors, HttpApi, Integration, IntegrationType, Route, Stage,
    WebSocketApi,
};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// One imported v2 API: its section (`http_apis`/`websocket_apis`), key and entry.
pub struct V2Entry {
    pub section: &'static str,
    pub key: String,
    pub entry: Value,
    /// The `vpc_links` keys its integrations go through.
    pub links: Vec<String>,
}

/// The entry of the API `api` (its resource id, `http_api.<key>`) among `live`, which holds
/// its children, the v2 VPC links (keys by live id) and the stages' log groups.
pub fn v2_api(live: &[LiveResource], api: &str, left: &mut Vec<String>) -> Option<V2Entry> {
    let a = live.iter().find(|r| r.id == api)?;
    let props = V2Api::from_props(&a.props).ok()?;
    let websocket = a.kind == Kind::WebSocketApi;
    let key = a.id.split_once('.').map_or(a.name.as_str(), |x| x.1);
    let under = |kind: Kind| {
        live.iter()
            .filter(move |r| r.kind == kind && r.parent.as_deref() == Some(api))
    };
    let by_id = |kind: Kind| -> HashMap<&str, &LiveResource> {
        under(kind)
            .filter_map(|r| Some((r.outputs.get("id")?.as_str(), r)))
            .collect()
    };
    let links: HashMap<&str, &str> = live
        .iter()
        .filter(|r| r.kind == Kind::VpcLinkV2)
        .filter_map(|r| Some((r.outputs.get("id")?.as_str(), r.name.as_str())))
        .collect();
    let (integrations, authorizers) = (by_id(Kind::ApiIntegration), by_id(Kind::ApiAuthorizer));
    let mut auths = IndexMap::new();
    for r in under(Kind::ApiAuthorizer) {
        if let Ok(p) = ApiAuthorizer::from_props(&r.props) {
            auths.insert(r.name.clone(), authorizer(&p, websocket, left));
        }
    }
    let mut routes = IndexMap::new();
    for r in under(Kind::ApiRoute) {
        let Ok(p) = ApiRoute::from_props(&r.props) else {
            continue;
        };
        let what = format!("route {}", r.name);
        let target = p
            .integration_id
            .as_deref()
            .and_then(|i| integrations.get(i));
        let integration = match target.and_then(|i| ApiIntegration::from_props(&i.props).ok()) {
            Some(i) => self::integration(&i, websocket, &links, &what, left),
            None => {
                left.push(format!(
                    "{what}: it reaches no integration the stack file can name"
                ));
                None
            }
        };
        let authorizer = p
            .authorizer_id
            .as_deref()
            .and_then(|i| match authorizers.get(i) {
                Some(a) => Some(a.name.clone()),
                None => {
                    left.push(format!("{what}: its authorizer {i}, not found on the API"));
                    None
                }
            });
        if p.authorization_type == "AWS_IAM" {
            left.push(format!("{what}: its IAM authorization"));
        }
        let route = Route {
            integration,
            authorizer,
            scopes: (!p.authorization_scopes.is_empty()).then_some(p.authorization_scopes),
            respond: p.route_response.is_some().then_some(true),
        };
        routes.insert(r.name.clone(), route);
    }
    let mut used: Vec<String> = routes
        .values()
        .filter_map(|r| r.integration.as_ref()?.vpc_link.clone())
        .collect();
    used.sort();
    used.dedup();
    let integration = shared_integration(&mut routes);
    let mut stages = IndexMap::new();
    for r in under(Kind::ApiStage) {
        if let Ok(s) = ApiStage::from_props(&r.props) {
            stages.insert(r.name.clone(), stage(&s, &r.name, live, websocket, left));
        }
    }
    let description = (!props.description.is_empty()).then_some(props.description);
    let entry = if websocket {
        let selection = props.route_selection_expression;
        serde_json::to_value(WebSocketApi {
            name: Some(props.name),
            description,
            route_selection: (selection != "$request.body.action").then_some(selection),
            routes,
            integration,
            authorizers: auths,
            stages,
            adopt: None,
        })
    } else {
        serde_json::to_value(HttpApi {
            name: Some(props.name),
            description,
            routes,
            integration,
            authorizers: auths,
            cors: props.cors.map(|c| Cors {
                allow_origins: c.allow_origins,
                allow_methods: c.allow_methods,
                allow_headers: c.allow_headers,
                expose_headers: c.expose_headers,
                max_age: c.max_age.map(|m| m as i32),
                allow_credentials: c.allow_credentials.then_some(true),
            }),
            stages,
            disable_execute_api_endpoint: props.disable_execute_api_endpoint.then_some(true),
            ..Default::default()
        })
    };
    Some(V2Entry {
        section: if websocket {
            "websocket_apis"
        } else {
            "http_apis"
        },
        key: key.to_string(),
        entry: pruned(entry.unwrap_or_default()),
        links: used,
    })
}

/// `vpc_links` entries for the v2 links among `live` that `entries` go through.
pub fn vpc_links(stack: &mut Value, live: &[LiveResource], entries: &[V2Entry]) {
    for r in live.iter().filter(|r| r.kind == Kind::VpcLinkV2) {
        let Ok(l) = super::kinds::VpcLinkV2::from_props(&r.props) else {
            continue;
        };
        if !entries.iter().any(|e| e.links.contains(&r.name)) {
            continue;
        }
        let mut v = serde_json::json!({
            "name": l.name, "subnet_ids": l.subnet_ids, "security_group_ids": l.security_group_ids,
        });
        if r.outputs.contains_key(super::owner::ADOPTED) {
            v["adopt"] = r.outputs.get("id").cloned().unwrap_or_default().into();
        }
        stack["vpc_links"][r.name.as_str()] = v;
    }
}

/// The commonest integration of the routes, as the API's own, when every other route's
/// integration still says all it means over it (fields merge one by one).
fn shared_integration(routes: &mut IndexMap<String, Route>) -> Option<Integration> {
    let all: Vec<&Integration> = routes
        .values()
        .filter_map(|r| r.integration.as_ref())
        .collect();
    let common = all
        .iter()
        .max_by_key(|i| all.iter().filter(|j| j == i).count())
        .map(|i| (*i).clone())?;
    let fits = all
        .iter()
        .all(|i| crate::model::v2::merge(Some(&common), Some(i)) == **i);
    if !fits || all.len() != routes.len() {
        return None;
    }
    for r in routes.values_mut() {
        if r.integration.as_ref() == Some(&common) {
            r.integration = None;
        }
    }
    Some(common)
}

/// `arn:aws:apigateway:…/functions/<arn>/invocations` → `<arn>`.
fn function_of(uri: &str) -> &str {
    uri.split("/functions/")
        .nth(1)
        .map_or(uri, |f| f.trim_end_matches("/invocations"))
}

/// The stack's form of a live integration (an adopted API's are named by it, too).
pub fn integration(
    p: &ApiIntegration,
    websocket: bool,
    links: &HashMap<&str, &str>,
    what: &str,
    left: &mut Vec<String>,
) -> Option<Integration> {
    let uri = p.uri.clone().unwrap_or_default();
    let mut i = Integration {
        timeout_ms: p.timeout_ms.map(|t| t as i32),
        ..Default::default()
    };
    match p.integration_type.as_str() {
        "AWS_PROXY" => {
            i.kind = Some(IntegrationType::Lambda);
            i.function_arn = Some(function_of(&uri).to_string());
            i.payload_format = p
                .payload_format_version
                .clone()
                .filter(|v| !websocket && v != "2.0");
        }
        "HTTP_PROXY" => {
            i.kind = Some(IntegrationType::HttpProxy);
            i.uri = Some(uri);
            i.method = p.method.clone().filter(|m| m != "ANY");
            if p.connection_type == "VPC_LINK" {
                let id = p.connection_id.as_deref().unwrap_or_default();
                match links.get(id) {
                    Some(k) => i.vpc_link = Some(k.to_string()),
                    None => left.push(format!(
                        "{what}: its VPC link {id}, which the stack does not own"
                    )),
                }
            }
        }
        "MOCK" => i.kind = Some(IntegrationType::Mock),
        other => {
            left.push(format!("{what}: its {other} integration"));
            return None;
        }
    }
    Some(i)
}

fn authorizer(p: &ApiAuthorizer, websocket: bool, left: &mut Vec<String>) -> Authorizer {
    let default_source = if websocket {
        "route.request.header.Authorization"
    } else {
        "$request.header.Authorization"
    };
    let mut a = Authorizer {
        identity_source: (p.identity_source != [default_source]).then(|| p.identity_source.clone()),
        ..Default::default()
    };
    if p.authorizer_type == "JWT" {
        a.kind = Some(AuthorizerType::Jwt);
        let issuer = p.jwt_issuer.clone().unwrap_or_default();
        // Cognito's issuer URL is written as the pool it is made from.
        let pool = issuer
            .strip_prefix("https://cognito-idp.")
            .and_then(|r| r.split_once(".amazonaws.com/"))
            .filter(|(region, pool)| pool.starts_with(&format!("{region}_")))
            .map(|(_, pool)| pool.to_string());
        match pool {
            Some(p) => a.cognito_user_pool = Some(p),
            None => a.issuer = Some(issuer),
        }
        a.audience = p.jwt_audience.clone().unwrap_or_default();
        return a;
    }
    a.kind = Some(AuthorizerType::Lambda);
    a.function_arn = p
        .authorizer_uri
        .as_deref()
        .map(|u| function_of(u).to_string());
    a.simple_responses = (p.enable_simple_responses == Some(false)).then_some(false);
    a.ttl_seconds = p.ttl_seconds.filter(|t| *t != 0).map(|t| t as i32);
    if let Some(v) = p.payload_format_version.as_deref().filter(|v| *v != "2.0") {
        left.push(format!("authorizer {}: its payload format {v}", p.name));
    }
    a
}

fn stage(
    s: &ApiStage,
    name: &str,
    live: &[LiveResource],
    websocket: bool,
    left: &mut Vec<String>,
) -> Stage {
    let throttle = |r: &super::kinds::api_stage::RouteSettings| {
        (r.throttling_rate_limit.is_some() || r.throttling_burst_limit.is_some()).then(|| {
            Throttling {
                rate_limit: r.throttling_rate_limit,
                burst_limit: r.throttling_burst_limit.map(|b| b as i32),
            }
        })
    };
    let d = &s.default_route_settings;
    if d.data_trace_enabled == Some(true) {
        left.push(format!("stage {name}: its data trace logging"));
    }
    let mut routes = IndexMap::new();
    for (k, r) in &s.route_settings {
        if r.detailed_metrics_enabled.is_some() || r.logging_level.is_some() {
            left.push(format!(
                "stage {name}: route {k}'s own metrics or logging settings"
            ));
        }
        if let Some(t) = throttle(r) {
            routes.insert(k.clone(), t);
        }
    }
    let access_logs = s.access_log_destination.as_deref().and_then(|arn| {
        let v = super::import::access_logs(arn, s.access_log_format.as_deref(), name, live, left);
        serde_json::from_value::<AccessLogs>(v?).ok()
    });
    Stage {
        description: s.description.clone(),
        auto_deploy: Some(s.auto_deploy),
        throttling: throttle(d),
        routes,
        logging_level: d.logging_level.clone().filter(|l| websocket && l != "OFF"),
        metrics: (d.detailed_metrics_enabled == Some(true)).then_some(true),
        access_logs,
        variables: s.stage_variables.clone(),
        protect: None,
    }
}

/// The entry without the nulls, empty lists and empty sections of what the API does not
/// set. A route that says nothing (`GET /x: {}`, the API's integration) stays.
fn pruned(v: Value) -> Value {
    const SECTIONS: &[&str] = &[
        "authorizers",
        "routes",
        "stages",
        "variables",
        "operations",
        "security_schemes",
    ];
    match v {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, pruned(v)))
                .filter(|(k, v)| match v {
                    Value::Null => false,
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty() || !SECTIONS.contains(&k.as_str()),
                    _ => true,
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(pruned).collect()),
        v => v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lambda(f: &str) -> Integration {
        Integration {
            kind: Some(IntegrationType::Lambda),
            function_arn: Some(f.into()),
            ..Default::default()
        }
    }

    fn route(i: Integration) -> Route {
        Route {
            integration: Some(i),
            ..Default::default()
        }
    }

    #[test]
    fn the_commonest_integration_is_the_apis_when_the_others_still_say_all_they_mean() {
        let mut routes: IndexMap<String, Route> = [
            ("GET /a".to_string(), route(lambda("f"))),
            ("GET /b".to_string(), route(lambda("f"))),
            ("GET /c".to_string(), route(lambda("g"))),
        ]
        .into_iter()
        .collect();
        assert_eq!(shared_integration(&mut routes), Some(lambda("f")));
        assert!(routes["GET /a"].integration.is_none());
        assert_eq!(routes["GET /c"].integration, Some(lambda("g")));
        // A timeout on the shared one would leak into a route without one: none is shared.
        let timed = Integration {
            timeout_ms: Some(5000),
            ..lambda("f")
        };
        let mut routes: IndexMap<String, Route> = [
            ("GET /a".to_string(), route(timed.clone())),
            ("GET /b".to_string(), route(timed)),
            ("GET /c".to_string(), route(lambda("g"))),
        ]
        .into_iter()
        .collect();
        assert_eq!(shared_integration(&mut routes), None);
        assert!(routes.values().all(|r| r.integration.is_some()));
    }

    #[test]
    fn authorizers_read_back_as_the_stack_writes_them() {
        let jwt = ApiAuthorizer {
            name: "jwt".into(),
            authorizer_type: "JWT".into(),
            identity_source: vec!["$request.header.Authorization".into()],
            jwt_issuer: Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab".into()),
            jwt_audience: Some(vec!["c1".into()]),
            ..Default::default()
        };
        let mut left = Vec::new();
        let a = json!(authorizer(&jwt, false, &mut left));
        assert_eq!(a["cognito_user_pool"], "us-east-1_Ab");
        assert!(
            a["issuer"].is_null() && a["identity_source"].is_null(),
            "{a}"
        );
        let fa = "arn:aws:lambda:us-east-1:1:function:auth";
        let lambda = ApiAuthorizer {
            name: "partner".into(),
            authorizer_type: "REQUEST".into(),
            identity_source: vec!["$request.header.X-Token".into()],
            authorizer_uri: Some(crate::model::v2::lambda_uri("us-east-1", fa)),
            payload_format_version: Some("1.0".into()),
            enable_simple_responses: Some(true),
            ttl_seconds: Some(300),
            ..Default::default()
        };
        let a = json!(authorizer(&lambda, false, &mut left));
        assert_eq!(a["function_arn"], fa);
        assert_eq!(a["ttl_seconds"], 300);
        assert!(a["simple_responses"].is_null(), "the default: {a}");
        assert_eq!(left, ["authorizer partner: its payload format 1.0"]);
    }

    #[test]
    fn a_route_that_says_nothing_stays_and_empty_sections_go() {
        let v = pruned(
            json!({"routes": {"GET /a": {"scopes": null}}, "authorizers": {},
                              "stages": {"s": {"variables": {}, "routes": {}}}}),
        );
        assert_eq!(v, json!({"routes": {"GET /a": {}}, "stages": {"s": {}}}));
    }
}
