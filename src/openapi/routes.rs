//! The route table read off a rendered import document: what the plan compares for each
//! route, in the same shape the live reader gives (providers::apigateway::read).

use super::security;
use crate::refs::ref_placeholder;
use serde_json::{json, Map, Value};

/// The route table of a rendered document: (path, METHOD, props), props as the diff sees
/// them. `api` is the REST API's key, for refs to its authorizers and validators.
pub fn routes(doc: &Value, api: &str) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for (key, op) in item.as_object().into_iter().flatten() {
            let method = if key == crate::config::contract::ANY_METHOD {
                "ANY".to_string()
            } else {
                key.to_uppercase()
            };
            out.push((path.clone(), method, route_props(doc, op, api)));
        }
    }
    out
}

fn or_null<T: Into<Value>>(
    m: Map<String, Value>,
    f: impl FnOnce(Map<String, Value>) -> T,
) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        f(m).into()
    }
}

fn route_props(doc: &Value, op: &Value, api: &str) -> Value {
    let empty = Value::Object(Map::new());
    let x = op.get("x-amazon-apigateway-integration").unwrap_or(&empty);
    let (method_responses, integration_responses) = responses(x);
    let auth = Auth::of(doc, op, api);
    let validator = op
        .get("x-amazon-apigateway-request-validator")
        .and_then(Value::as_str);
    let model = op
        .pointer("/requestBody/content/application~1json/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"));
    let validator_id = validator
        .map(|v| json!(ref_placeholder(&format!("validator.{api}.{v}"), "id")))
        .unwrap_or(Value::Null);
    let models = model
        .map(|m| json!({"application/json": m}))
        .unwrap_or(Value::Null);
    object([
        ("authorization", json!(auth.authorization)),
        ("authorizer_id", auth.authorizer_id),
        ("authorization_scopes", auth.scopes),
        ("api_key_required", Value::Bool(auth.api_key_required)),
        ("request_parameters", request_parameters(op)),
        ("request_validator_id", validator_id),
        ("request_models", models),
        ("integration", integration(x)),
        ("method_responses", or_null(method_responses, Value::Object)),
        (
            "integration_responses",
            or_null(integration_responses, Value::Object),
        ),
    ])
}

/// `method.request.<in>.<name>` → required, for each declared parameter.
fn request_parameters(op: &Value) -> Value {
    let mut req = Map::new();
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let loc = match p.get("in").and_then(Value::as_str) {
            Some("query") => "querystring",
            Some(l) => l,
            None => continue,
        };
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        req.insert(
            format!("method.request.{loc}.{name}"),
            json!(p.get("required").and_then(Value::as_bool).unwrap_or(false)),
        );
    }
    or_null(req, Value::Object)
}

/// The integration's props, with the defaults API Gateway fills in.
fn integration(x: &Value) -> Value {
    let s = |k: &str| x.get(k).cloned().unwrap_or(Value::Null);
    let kind = x
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_uppercase();
    // Built with `object`, not `json!`: `json!` serializes every Value it is given into a
    // copy, and this runs once per route.
    let request_templates = if kind == "MOCK" {
        s("requestTemplates")
    } else {
        Value::Null
    };
    object([
        ("type", Value::String(kind)),
        ("http_method", s("httpMethod")),
        ("uri", s("uri")),
        (
            "connection_type",
            x.get("connectionType")
                .cloned()
                .unwrap_or(json!("INTERNET")),
        ),
        ("connection_id", s("connectionId")),
        ("request_parameters", s("requestParameters")),
        ("request_templates", request_templates),
        (
            "timeout_ms",
            x.get("timeoutInMillis").cloned().unwrap_or(json!(29000)),
        ),
        (
            "passthrough_behavior",
            Value::String(
                x.get("passthroughBehavior")
                    .and_then(Value::as_str)
                    .unwrap_or("when_no_match")
                    .to_uppercase(),
            ),
        ),
    ])
}

/// Method and integration responses by status code. They matter for MOCK only: proxies
/// pass the backend's through.
fn responses(x: &Value) -> (Map<String, Value>, Map<String, Value>) {
    let (mut method_responses, mut integration_responses) = (Map::new(), Map::new());
    for r in x
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.values())
    {
        let Some(code) = r.get("statusCode").and_then(Value::as_str) else {
            continue;
        };
        let params = r
            .get("responseParameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let declared: Map<String, Value> =
            params.keys().map(|k| (k.clone(), json!(false))).collect();
        method_responses.insert(code.into(), or_null(declared, Value::Object));
        let templates = r.get("responseTemplates").cloned().unwrap_or(Value::Null);
        integration_responses.insert(
            code.into(),
            object([
                ("response_parameters", or_null(params, Value::Object)),
                ("response_templates", templates),
            ]),
        );
    }
    (method_responses, integration_responses)
}

/// A route's authorization, from its first security requirement (scheme = authorizer key).
struct Auth {
    authorization: &'static str,
    authorizer_id: Value,
    scopes: Value,
    api_key_required: bool,
}

impl Auth {
    fn of(doc: &Value, op: &Value, api: &str) -> Auth {
        let mut auth = Auth {
            authorization: "NONE",
            authorizer_id: Value::Null,
            scopes: Value::Null,
            api_key_required: false,
        };
        let first = op.pointer("/security/0").and_then(Value::as_object);
        for (scheme, sc) in first.into_iter().flatten() {
            if scheme == security::API_KEY_SCHEME {
                auth.api_key_required = true;
                continue;
            }
            let auth_type = doc
                .pointer(&format!(
                    "/components/securitySchemes/{scheme}/x-amazon-apigateway-authtype"
                ))
                .and_then(Value::as_str);
            auth.authorization = if auth_type == Some("cognito_user_pools") {
                "COGNITO_USER_POOLS"
            } else {
                "CUSTOM"
            };
            auth.authorizer_id =
                json!(ref_placeholder(&format!("authorizer.{api}.{scheme}"), "id"));
            if sc.as_array().is_some_and(|a| !a.is_empty()) {
                auth.scopes = sc.clone();
            }
        }
        auth
    }
}

/// A JSON object of these entries, in this order, the values moved in.
fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
