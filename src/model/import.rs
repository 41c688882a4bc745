//! `import`: a live REST API as a contract and a stack file that plan it as it is. The
//! inverse of `model::routes` (document → route table): each live route becomes an operation
//! with its `x-amazon-apigateway-integration`, each stage an entry under `stages`. What this
//! cannot carry yet is named in `Imported::left`, never dropped in silence.

use super::kinds::route::{Integration, Route};
use super::kinds::stage::MethodSetting;
use super::kinds::{RestApi, Stage, Typed};
use super::{Kind, LiveResource};
use crate::openapi::security::{API_KEY_SCHEME, IAM_SCHEME};
use serde_json::{json, Map, Value};

pub struct Imported {
    /// The OpenAPI 3.0 contract.
    pub contract: Value,
    /// The stack file, as a value to write as YAML.
    pub stack: Value,
    /// What the live API has that the files do not carry: the plan would change it.
    pub left: Vec<String>,
}

/// Who the stack is and where: the stack file's header.
pub struct Names<'a> {
    pub stack: &'a str,
    pub environment: &'a str,
    pub region: &'a str,
    pub key: &'a str,
    /// The live id to adopt; none when the API is the stack's already (tagged).
    pub adopt: Option<&'a str>,
    pub contract_file: &'a str,
}

/// The contract and stack file of one REST API read live (`read_one_api`'s items).
pub fn rest_api(live: &[LiveResource], names: &Names) -> Imported {
    let mut left = Vec::new();
    let mut paths = Map::new();
    let (mut api_keys, mut iam) = (false, false);
    let mut api = None;
    let mut stages = Map::new();
    for r in live {
        match r.kind {
            Kind::RestApi => api = RestApi::from_props(&r.props).ok(),
            Kind::Route => {
                let Ok(route) = Route::from_props(&r.props) else {
                    continue;
                };
                let Some((method, path)) = r.name.split_once(' ') else {
                    continue;
                };
                api_keys |= route.api_key_required;
                iam |= route.authorization == "AWS_IAM";
                let op = operation(&route, &r.name, &mut left);
                let key = if method == "ANY" {
                    crate::config::contract::ANY_METHOD.to_string()
                } else {
                    method.to_lowercase()
                };
                let item = paths.entry(path.to_string()).or_insert_with(|| json!({}));
                item[key] = op;
            }
            Kind::Stage => {
                if let Ok(s) = Stage::from_props(&r.props) {
                    stages.insert(r.name.clone(), stage(&s, &r.name, &mut left));
                }
            }
            Kind::Authorizer | Kind::Validator | Kind::Model | Kind::GatewayResponse => {
                left.push(format!(
                    "{} {}: not imported yet (the plan would delete it); declare it in the stack by hand",
                    r.kind.as_str(),
                    r.name
                ))
            }
            _ => {}
        }
    }
    let api = api.unwrap_or_default();
    let mut schemes = Map::new();
    if api_keys {
        schemes.insert(
            API_KEY_SCHEME.into(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
        );
    }
    if iam {
        schemes.insert(IAM_SCHEME.into(), crate::openapi::security::iam_scheme());
    }
    let mut contract = json!({
        "openapi": "3.0.1",
        "info": {"title": api.name, "version": "1.0"},
        "paths": paths,
    });
    if !schemes.is_empty() {
        contract["components"] = json!({ "securitySchemes": schemes });
    }
    let mut main = json!({
        "name": api.name,
        "description": api.description,
        "endpoint_type": api.endpoint_type,
        "openapi": names.contract_file,
    });
    if let Some(id) = names.adopt {
        main["adopt"] = json!(id);
    }
    if !api.binary_media_types.is_empty() {
        main["binary_media_types"] = json!(api.binary_media_types);
    }
    if let Some(n) = api.minimum_compression_size {
        main["minimum_compression_size"] = json!(n);
    }
    if api.api_key_source != "HEADER" {
        main["api_key_source"] = json!(api.api_key_source);
    }
    if !api.policy.is_empty() {
        main["policy"] = json!(api.policy);
    }
    main["stages"] = Value::Object(stages);
    let stack = json!({
        "stack": names.stack,
        "environment": names.environment,
        "region": names.region,
        "rest_apis": { names.key: main },
    });
    Imported {
        contract,
        stack,
        left,
    }
}

/// One route as the operation whose import makes it.
fn operation(route: &Route, name: &str, left: &mut Vec<String>) -> Value {
    let mut op = Map::new();
    let mut params = Vec::new();
    for (k, required) in route.request_parameters.iter().flatten() {
        let Some((loc, p)) = k
            .strip_prefix("method.request.")
            .and_then(|r| r.split_once('.'))
        else {
            continue;
        };
        let loc = if loc == "querystring" { "query" } else { loc };
        params.push(
            json!({"name": p, "in": loc, "required": *required || loc == "path",
            "schema": {"type": "string"}}),
        );
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    let mut responses = Map::new();
    for (code, r) in route.method_responses.iter().flatten() {
        let mut resp = json!({"description": format!("{code} response")});
        let headers: Map<String, Value> = r
            .parameters
            .iter()
            .flatten()
            .filter_map(|(k, req)| {
                let h = k.strip_prefix("method.response.header.")?;
                let mut v = json!({"schema": {"type": "string"}});
                if *req {
                    v["required"] = json!(true);
                }
                Some((h.to_string(), v))
            })
            .collect();
        if !headers.is_empty() {
            resp["headers"] = Value::Object(headers);
        }
        if r.models.as_ref().is_some_and(|m| !m.is_empty()) {
            left.push(format!(
                "{name}: the models of its {code} response are not imported yet"
            ));
        }
        responses.insert(code.clone(), resp);
    }
    if responses.is_empty() {
        // OpenAPI wants responses; a `default` one makes no method response.
        responses.insert(
            "default".into(),
            json!({"description": "no method responses"}),
        );
    }
    op.insert("responses".into(), Value::Object(responses));
    let mut security = Map::new();
    match route.authorization.as_str() {
        "AWS_IAM" => {
            security.insert(IAM_SCHEME.into(), json!([]));
        }
        "NONE" => {}
        other => left.push(format!(
            "{name}: its {other} authorizer is not imported yet (the plan would make the route open)"
        )),
    }
    if route.api_key_required {
        security.insert(API_KEY_SCHEME.into(), json!([]));
    }
    if !security.is_empty() {
        op.insert("security".into(), json!([security]));
    }
    if route.request_validator_id.is_some() || route.request_models.is_some() {
        left.push(format!(
            "{name}: its request validator and models are not imported yet"
        ));
    }
    if let Some(i) = &route.integration {
        op.insert(
            "x-amazon-apigateway-integration".into(),
            integration(i, route),
        );
    }
    Value::Object(op)
}

/// The integration extension `model::routes::integration` reads back as `i`.
fn integration(i: &Integration, route: &Route) -> Value {
    let mut x = json!({
        "type": i.kind.to_lowercase(),
        "passthroughBehavior": i.passthrough_behavior.to_lowercase(),
        "timeoutInMillis": i.timeout_ms,
    });
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x[k] = v;
        }
    };
    set("httpMethod", i.http_method.clone().map(Value::from));
    set("uri", i.uri.clone().map(Value::from));
    set(
        "connectionType",
        (i.connection_type != "INTERNET").then(|| json!(i.connection_type)),
    );
    set("connectionId", i.connection_id.clone().map(Value::from));
    set("credentials", i.credentials.clone().map(Value::from));
    set(
        "requestParameters",
        i.request_parameters.as_ref().map(|m| json!(m)),
    );
    set(
        "requestTemplates",
        i.request_templates.as_ref().map(|m| json!(m)),
    );
    set(
        "contentHandling",
        i.content_handling.clone().map(Value::from),
    );
    set("cacheNamespace", i.cache_namespace.clone().map(Value::from));
    set(
        "cacheKeyParameters",
        i.cache_key_parameters.as_ref().map(|m| json!(m)),
    );
    set(
        "tlsConfig",
        i.insecure_skip_verification
            .map(|v| json!({"insecureSkipVerification": v})),
    );
    let mut responses = Map::new();
    for (code, r) in route.integration_responses.iter().flatten() {
        let mut v = json!({"statusCode": code});
        if let Some(p) = &r.response_parameters {
            v["responseParameters"] = json!(p);
        }
        if let Some(t) = &r.response_templates {
            v["responseTemplates"] = json!(t);
        }
        if let Some(c) = &r.content_handling {
            v["contentHandling"] = json!(c);
        }
        let key = r
            .selection_pattern
            .clone()
            .unwrap_or_else(|| "default".into());
        responses.insert(key, v);
    }
    if !responses.is_empty() {
        x["responses"] = Value::Object(responses);
    }
    x
}

/// A stage's entry in the stack file.
fn stage(s: &Stage, name: &str, left: &mut Vec<String>) -> Value {
    let mut v = Map::new();
    if let Some(d) = &s.description {
        v.insert("description".into(), json!(d));
    }
    if !s.variables.is_empty() {
        v.insert("variables".into(), json!(s.variables));
    }
    if s.tracing {
        v.insert("tracing".into(), json!(true));
    }
    if s.cache_cluster_enabled {
        v.insert(
            "cache_cluster".into(),
            json!({"enabled": true, "size": s.cache_cluster_size}),
        );
    }
    let settings: Map<String, Value> = s
        .method_settings
        .iter()
        .map(|(k, m)| (k.clone(), method_settings(m)))
        .collect();
    if !settings.is_empty() {
        v.insert("method_settings".into(), Value::Object(settings));
    }
    if s.access_log_destination.is_some() {
        left.push(format!(
            "stage {name}: its access logs are not imported yet (the plan would turn them off)"
        ));
    }
    if s.canary.is_some() {
        left.push(format!(
            "stage {name}: its canary is not imported (finish or promote it first)"
        ));
    }
    Value::Object(v)
}

fn method_settings(m: &MethodSetting) -> Value {
    let mut v = json!({
        "throttling": {"rate_limit": m.throttling_rate_limit, "burst_limit": m.throttling_burst_limit},
        "caching": {"enabled": m.caching_enabled, "ttl_seconds": m.cache_ttl_seconds, "encrypted": m.cache_encrypted},
        "logging": {"level": m.logging_level, "data_trace": m.data_trace},
        "metrics": m.metrics,
    });
    // Unset fields (null) are left out: the stack says nothing of them.
    if let Value::Object(o) = &mut v {
        for (_, inner) in o.iter_mut() {
            if let Value::Object(i) = inner {
                i.retain(|_, x| !x.is_null());
            }
        }
        o.retain(|_, x| !(x.is_null() || x.as_object().is_some_and(|i| i.is_empty())));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::route::{IntegrationResponse, MethodResponse};

    /// Every integration form the route table holds comes back from the document written
    /// for it: the written operation, read by `model::routes`, is the same route.
    #[test]
    fn a_route_written_as_an_operation_reads_back_as_itself() {
        let route = Route {
            authorization: "AWS_IAM".into(),
            api_key_required: true,
            request_parameters: Some(
                [
                    ("method.request.path.id".to_string(), true),
                    ("method.request.querystring.page".to_string(), false),
                    ("method.request.header.X-Trace".to_string(), true),
                ]
                .into(),
            ),
            integration: Some(Integration {
                kind: "HTTP".into(),
                http_method: Some("POST".into()),
                uri: Some("https://backend.internal/items/{id}".into()),
                connection_type: "VPC_LINK".into(),
                connection_id: Some("abc123".into()),
                request_parameters: Some(
                    [(
                        "integration.request.path.id".to_string(),
                        "method.request.path.id".to_string(),
                    )]
                    .into(),
                ),
                request_templates: Some(
                    [(
                        "application/json".to_string(),
                        "{\"id\": \"$input.params('id')\"}".to_string(),
                    )]
                    .into(),
                ),
                timeout_ms: 5000,
                passthrough_behavior: "NEVER".into(),
                content_handling: Some("CONVERT_TO_TEXT".into()),
                cache_key_parameters: Some(vec!["method.request.path.id".into()]),
                insecure_skip_verification: Some(true),
                ..Default::default()
            }),
            method_responses: Some(
                [
                    (
                        "200".to_string(),
                        MethodResponse {
                            parameters: Some(
                                [("method.response.header.X-Id".to_string(), true)].into(),
                            ),
                            models: None,
                        },
                    ),
                    ("404".to_string(), MethodResponse::default()),
                ]
                .into(),
            ),
            integration_responses: Some(
                [
                    (
                        "200".to_string(),
                        IntegrationResponse {
                            response_parameters: Some(
                                [(
                                    "method.response.header.X-Id".to_string(),
                                    "integration.response.header.Id".to_string(),
                                )]
                                .into(),
                            ),
                            ..Default::default()
                        },
                    ),
                    (
                        "404".to_string(),
                        IntegrationResponse {
                            selection_pattern: Some("4\\d{2}".into()),
                            response_templates: Some(
                                [("application/json".to_string(), "{}".to_string())].into(),
                            ),
                            ..Default::default()
                        },
                    ),
                ]
                .into(),
            ),
            ..Default::default()
        };
        let mut left = Vec::new();
        let mut doc = json!({"openapi": "3.0.1", "paths": {"/items/{id}": {}}});
        doc["paths"]["/items/{id}"]["post"] = operation(&route, "POST /items/{id}", &mut left);
        assert_eq!(left, Vec::<String>::new());
        let back = crate::model::routes::routes(&doc, "main");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].2, route);
    }
}
