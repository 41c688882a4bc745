//! `import`: a live REST API as a contract and a stack file that plan it as it is. The
//! inverse of `model::routes` (document → route table): each live route becomes an operation
//! with its `x-amazon-apigateway-integration`, each stage an entry under `stages`. What this
//! cannot carry yet is named in `Imported::left`, never dropped in silence.

use super::kinds::route::{Integration, Route};
use super::kinds::stage::MethodSetting;
use super::kinds::{Authorizer, GatewayResponse, ModelSchema, RestApi, Stage, Typed, Validator};
use super::{Kind, LiveResource};
use crate::openapi::adopt::{VALIDATOR, VALIDATORS};
use crate::openapi::security::{API_KEY_SCHEME, IAM_SCHEME};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

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
    let mut schemes = Map::new();
    let (mut validators, mut schemas, mut responses) = (Map::new(), Map::new(), Map::new());
    // Routes name their authorizer and validator by live id; the contract names them.
    let named = |kind: Kind| -> HashMap<&str, &str> {
        live.iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| Some((r.outputs.get("id")?.as_str(), r.name.as_str())))
            .collect()
    };
    let items = Items {
        authorizers: named(Kind::Authorizer),
        validators: named(Kind::Validator),
        models: live
            .iter()
            .filter(|r| r.kind == Kind::Model)
            .map(|r| r.name.as_str())
            .collect(),
    };
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
                let op = operation(&route, &r.name, &items, &mut left);
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
                    stages.insert(r.name.clone(), stage(&s, &r.name, live, &mut left));
                }
            }
            Kind::Authorizer => {
                if let Ok(a) = Authorizer::from_props(&r.props) {
                    schemes.insert(r.name.clone(), authorizer(&a, &mut left));
                }
            }
            Kind::Validator => {
                if let Ok(v) = Validator::from_props(&r.props) {
                    validators.insert(
                        r.name.clone(),
                        json!({"validateRequestBody": v.body.unwrap_or(false),
                               "validateRequestParameters": v.params.unwrap_or(false)}),
                    );
                }
            }
            Kind::Model => {
                if let Ok(m) = ModelSchema::from_props(&r.props) {
                    if m.content_type
                        .as_deref()
                        .is_some_and(|c| c != "application/json")
                    {
                        left.push(format!(
                            "model {}: its content type {} (the contract's models are application/json)",
                            r.name,
                            m.content_type.as_deref().unwrap_or_default()
                        ));
                    }
                    schemas.insert(r.name.clone(), contract_refs(m.schema));
                }
            }
            Kind::GatewayResponse => {
                if let Ok(g) = GatewayResponse::from_props(&r.props) {
                    responses.insert(r.name.clone(), gateway_response(&g));
                }
            }
            _ => {}
        }
    }
    let api = api.unwrap_or_default();
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
        contract["components"]["securitySchemes"] = Value::Object(schemes);
    }
    if !schemas.is_empty() {
        contract["components"]["schemas"] = Value::Object(schemas);
    }
    if !validators.is_empty() {
        contract[VALIDATORS] = Value::Object(validators);
    }
    if !responses.is_empty() {
        contract["x-amazon-apigateway-gateway-responses"] = Value::Object(responses);
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

/// The live ids routes name, by what the contract calls them.
struct Items<'a> {
    authorizers: HashMap<&'a str, &'a str>,
    validators: HashMap<&'a str, &'a str>,
    models: Vec<&'a str>,
}

impl Items<'_> {
    /// `content` naming each model by `$ref`; a model the API does not hold as its own
    /// (AWS's built-in Empty and Error) is named in `left`.
    fn content(
        &self,
        models: &super::kinds::route::Strings,
        what: &str,
        left: &mut Vec<String>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        for (ct, m) in models {
            if self.models.contains(&m.as_str()) {
                out.insert(
                    ct.clone(),
                    json!({"schema": {"$ref": format!("#/components/schemas/{m}")}}),
                );
            } else {
                left.push(format!(
                    "{what}: its {ct} model {m} (AWS's built-in model, not the API's own)"
                ));
            }
        }
        out
    }
}

/// A usage plan that serves the imported API, read live.
pub struct Plan {
    pub aws_id: String,
    /// Its key under `usage_plans`.
    pub key: String,
    /// The AWS id to adopt; none when the stack owns it already.
    pub adopt: Option<String>,
    pub props: super::kinds::UsagePlan,
    /// The `api_keys` keys attached to it.
    pub keys: Vec<String>,
}

/// An API key attached to such a plan (never its value).
pub struct Key {
    pub aws_id: String,
    pub key: String,
    pub adopt: Option<String>,
    pub props: super::kinds::ApiKey,
}

/// `usage_plans` and `api_keys` of the stack file, for the plans that serve the API.
pub fn usage(stack: &mut Value, plans: &[Plan], keys: &[Key], left: &mut Vec<String>) {
    let mut out = Map::new();
    for p in plans {
        let mut v = json!({"name": p.props.name});
        if !p.props.description.is_empty() {
            v["description"] = json!(p.props.description);
        }
        if let Some(t) = &p.props.throttle {
            v["throttle"] = throttle(t);
        }
        if let Some(q) = &p.props.quota {
            v["quota"] =
                json!({"limit": q.limit, "period": q.period, "offset": q.offset.unwrap_or(0)});
        }
        let mut stages = Map::new();
        for (k, s) in &p.props.api_stages {
            if k.contains(':') {
                left.push(format!(
                    "usage plan {}: its stage {} of API {}, which this stack does not hold (the plan would take it out of the usage plan)",
                    p.props.name, s.stage, s.api_id
                ));
                continue;
            }
            let methods: Map<String, Value> = s
                .throttle
                .iter()
                .filter_map(|(m, t)| Some((m.clone(), throttle(t.as_ref()?))))
                .collect();
            stages.insert(k.clone(), json!({ "throttle": methods }));
        }
        v["stages"] = Value::Object(stages);
        if !p.keys.is_empty() {
            v["keys"] = json!(p.keys);
        }
        if let Some(id) = &p.adopt {
            v["adopt"] = json!(id);
        }
        out.insert(p.key.clone(), v);
    }
    if !out.is_empty() {
        stack["usage_plans"] = Value::Object(out);
    }
    let keys: Map<String, Value> = keys
        .iter()
        .map(|k| {
            let mut v = json!({"name": k.props.name, "enabled": k.props.enabled});
            if !k.props.description.is_empty() {
                v["description"] = json!(k.props.description);
            }
            if let Some(id) = &k.adopt {
                v["adopt"] = json!(id);
            }
            (k.key.clone(), v)
        })
        .collect();
    if !keys.is_empty() {
        stack["api_keys"] = Value::Object(keys);
    }
}

/// A VPC link the API's integrations go through.
pub struct Link {
    pub aws_id: String,
    pub key: String,
    pub adopt: Option<String>,
    pub props: super::kinds::VpcLink,
}

/// `vpc_links` of the stack file. The integrations keep naming the link by its id.
pub fn vpc_links(stack: &mut Value, links: &[Link]) {
    let out: Map<String, Value> = links
        .iter()
        .map(|l| {
            let mut v = json!({"name": l.props.name, "target_arns": l.props.target_arns});
            if !l.props.description.is_empty() {
                v["description"] = json!(l.props.description);
            }
            if let Some(id) = &l.adopt {
                v["adopt"] = json!(id);
            }
            (l.key.clone(), v)
        })
        .collect();
    if !out.is_empty() {
        stack["vpc_links"] = Value::Object(out);
    }
}

fn throttle(t: &super::kinds::usage_plan::Throttle) -> Value {
    let mut v = Map::new();
    if let Some(r) = t.rate_limit {
        v.insert("rate_limit".into(), json!(r));
    }
    if let Some(b) = t.burst_limit {
        v.insert("burst_limit".into(), json!(b));
    }
    Value::Object(v)
}

/// One route as the operation whose import makes it.
fn operation(route: &Route, name: &str, items: &Items, left: &mut Vec<String>) -> Value {
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
        if let Some(m) = &r.models {
            let content = items.content(m, &format!("{name} response {code}"), left);
            if !content.is_empty() {
                resp["content"] = Value::Object(content);
            }
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
        other => match route
            .authorizer_id
            .as_deref()
            .and_then(|id| items.authorizers.get(id))
        {
            Some(a) => {
                security.insert(a.to_string(), json!(route.authorization_scopes.clone().unwrap_or_default()));
            }
            None => left.push(format!(
                "{name}: its {other} authorization names no authorizer of the API (the plan would make the route open)"
            )),
        },
    }
    if route.api_key_required {
        security.insert(API_KEY_SCHEME.into(), json!([]));
    }
    if !security.is_empty() {
        op.insert("security".into(), json!([security]));
    }
    if let Some(id) = &route.request_validator_id {
        match items.validators.get(id.as_str()) {
            Some(v) => {
                op.insert(VALIDATOR.into(), json!(v));
            }
            None => left.push(format!(
                "{name}: its request validator {id}, which the API does not list"
            )),
        }
    }
    if let Some(m) = &route.request_models {
        let content = items.content(m, &format!("{name} request"), left);
        if !content.is_empty() {
            op.insert("requestBody".into(), json!({ "content": content }));
        }
    }
    if let Some(i) = &route.integration {
        if i.connection_id.as_deref() == Some(super::owner::UNREADABLE) {
            left.push(format!(
                "{name}: its VPC link id, which this endpoint does not report (an emulator: docs/EMULATOR.md)"
            ));
        }
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
    set(
        "connectionId",
        i.connection_id
            .clone()
            .filter(|c| c != super::owner::UNREADABLE)
            .map(Value::from),
    );
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

/// An authorizer as the security scheme `desire` reads back as it.
fn authorizer(a: &Authorizer, left: &mut Vec<String>) -> Value {
    let mut x = json!({"type": a.kind.to_lowercase()});
    let mut set = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x[k] = v;
        }
    };
    set("authorizerUri", a.authorizer_uri.clone().map(Value::from));
    set(
        "authorizerCredentials",
        a.credentials.clone().map(Value::from),
    );
    set("identitySource", a.identity_source.clone().map(Value::from));
    set(
        "identityValidationExpression",
        a.validation_regex.clone().map(Value::from),
    );
    set(
        "authorizerResultTtlInSeconds",
        a.ttl_seconds.map(Value::from),
    );
    set("providerARNs", a.provider_arns.clone().map(Value::from));
    if a.identity_source.is_none() {
        left.push(format!(
            "authorizer {}: it has no identity source, which the contract cannot say (it would take the scheme's header)",
            a.name
        ));
    }
    // The scheme's header is the token's, as AWS's export writes it.
    let header = a
        .identity_source
        .as_deref()
        .and_then(|s| s.strip_prefix("method.request.header."))
        .filter(|h| !h.contains(','))
        .unwrap_or("Unused");
    json!({
        "type": "apiKey", "name": header, "in": "header",
        "x-amazon-apigateway-authtype": if a.kind == "COGNITO_USER_POOLS" { "cognito_user_pools" } else { "custom" },
        "x-amazon-apigateway-authorizer": x,
    })
}

fn gateway_response(g: &GatewayResponse) -> Value {
    let mut v = Map::new();
    if let Some(s) = &g.status {
        v.insert("statusCode".into(), json!(s));
    }
    if let Some(p) = &g.response_parameters {
        v.insert("responseParameters".into(), json!(p));
    }
    if let Some(t) = &g.response_templates {
        v.insert("responseTemplates".into(), json!(t));
    }
    Value::Object(v)
}

/// A model's schema as the contract writes it: `$ref`s to other models of the API
/// (`https://apigateway.amazonaws.com/restapis/<id>/models/<name>`) name the schema.
fn contract_refs(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for (k, x) in o.iter_mut() {
                    match x {
                        Value::String(s) if k == "$ref" => {
                            if let Some((_, name)) = s.rsplit_once("/models/") {
                                *s = format!("#/components/schemas/{name}");
                            }
                        }
                        other => walk(other),
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut schema);
    schema
}

/// A stage's entry in the stack file.
fn stage(s: &Stage, name: &str, live: &[LiveResource], left: &mut Vec<String>) -> Value {
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
    if let Some(arn) = &s.access_log_destination {
        if let Some(logs) = access_logs(arn, s.access_log_format.as_deref(), name, live, left) {
            v.insert("access_logs".into(), logs);
        }
    }
    if s.canary.is_some() {
        left.push(format!(
            "stage {name}: its canary is not imported (finish or promote it first)"
        ));
    }
    Value::Object(v)
}

/// A stage's access logs: the group (read with the API, `live`), its retention, and the
/// format when it is the JSON object of fields the stack file can say.
pub(super) fn access_logs(
    arn: &str,
    format: Option<&str>,
    stage: &str,
    live: &[LiveResource],
    left: &mut Vec<String>,
) -> Option<Value> {
    let Some(name) = arn
        .split(":log-group:")
        .nth(1)
        .map(|n| n.trim_end_matches(":*"))
    else {
        left.push(format!(
            "stage {stage}: its access logs go to {arn}, not a CloudWatch Logs group"
        ));
        return None;
    };
    let Some(group) = live
        .iter()
        .find(|r| r.kind == Kind::LogGroup && r.name == name)
    else {
        left.push(format!(
            "stage {stage}: its log group {name} was not found, or another stack owns it"
        ));
        return None;
    };
    let mut v = json!({"log_group": name});
    if let Ok(g) = super::kinds::LogGroup::from_props(&group.props) {
        if let Some(d) = g.retention_days {
            v["retention_days"] = json!(d);
        }
    }
    if group.outputs.contains_key(super::owner::ADOPTED) {
        v["adopt"] = json!(true);
    }
    let fields: Option<indexmap::IndexMap<String, String>> =
        format.and_then(|f| serde_json::from_str(f).ok());
    match fields {
        // The stack writes the format as compact JSON: one written otherwise is rewritten.
        Some(f) if serde_json::to_string(&f).ok().as_deref() == format => v["format"] = json!(f),
        _ => left.push(format!(
            "stage {stage}: its access-log format is not a compact JSON object of fields (the plan would rewrite it): {}",
            format.unwrap_or("none")
        )),
    }
    Some(v)
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
        let items = Items {
            authorizers: HashMap::new(),
            validators: HashMap::new(),
            models: vec![],
        };
        doc["paths"]["/items/{id}"]["post"] =
            operation(&route, "POST /items/{id}", &items, &mut left);
        assert_eq!(left, Vec::<String>::new());
        let back = crate::model::routes::routes(&doc, "main");
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].2, route);
    }
}
