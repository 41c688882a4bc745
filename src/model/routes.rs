//! The route table read off a rendered import document: the desired side of each
//! `kinds::Route` (the live reader, providers::apigateway::read, gives the same struct).

use super::kinds::route::DEFAULT_TIMEOUT_MS;
use super::kinds::route::{
    non_empty, Flags, Integration, IntegrationResponse, MethodResponse, Route, Strings,
};
use crate::openapi::integration::status_code;
use crate::openapi::security;
use crate::refs::ref_placeholder;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The route table of a rendered document: (path, METHOD, route). `api` is the REST API's
/// key, for refs to its authorizers and validators.
pub fn routes(doc: &Value, api: &str) -> Vec<(String, String, Route)> {
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
            let mut route = route_props(doc, op, api);
            // AWS's import makes every `{name}` of the path a required method parameter,
            // declared or not (a generated CORS preflight declares none).
            for name in crate::config::contract::path_names(path) {
                route
                    .request_parameters
                    .get_or_insert_with(Flags::new)
                    .entry(format!("method.request.path.{name}"))
                    .or_insert(true);
            }
            out.push((path.clone(), method, route));
        }
    }
    out
}

fn route_props(doc: &Value, op: &Value, api: &str) -> Route {
    let empty = Value::Object(Map::new());
    let x = op.get("x-amazon-apigateway-integration").unwrap_or(&empty);
    let auth = Auth::of(doc, op, api);
    let integration_responses = integration_responses(x);
    let validator = op
        .get("x-amazon-apigateway-request-validator")
        .and_then(Value::as_str);
    let models = content_models(op.get("requestBody"));
    Route {
        authorization: auth.authorization.into(),
        authorizer_id: auth.authorizer_id,
        authorization_scopes: auth.scopes,
        api_key_required: auth.api_key_required,
        request_parameters: request_parameters(op),
        request_validator_id: validator
            .map(|v| ref_placeholder(&format!("validator.{api}.{v}"), "id")),
        request_models: non_empty(models),
        integration: Some(integration(x)),
        method_responses: non_empty(method_responses(op, &integration_responses)),
        integration_responses: non_empty(integration_responses),
    }
}

/// `method.request.<in>.<name>` → required, for each declared parameter.
fn request_parameters(op: &Value) -> Option<Flags> {
    let mut req = Flags::new();
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
            p.get("required").and_then(Value::as_bool).unwrap_or(false),
        );
    }
    non_empty(req)
}

/// A JSON object of strings as a map; entries that are not strings are left out, as AWS
/// leaves them out on import.
fn strings(v: Option<&Value>) -> Option<Strings> {
    let o = v?.as_object()?;
    non_empty(
        o.iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect(),
    )
}

/// An upper-cased enum value (the extension may write `when_no_match`, AWS stores it so).
fn upper(x: &Value, key: &str) -> Option<String> {
    x.get(key).and_then(Value::as_str).map(str::to_uppercase)
}

/// The integration's props, with the defaults API Gateway fills in.
pub fn integration(x: &Value) -> Integration {
    let s = |k: &str| x.get(k).and_then(Value::as_str).map(str::to_string);
    let timeout = x.get("timeoutInMillis").and_then(|t| match t {
        Value::String(s) => s.parse().ok(),
        t => t.as_i64(),
    });
    let cache_keys: Option<Vec<String>> = x
        .get("cacheKeyParameters")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|v| Some(v.as_str()?.into())).collect())
        .filter(|a: &Vec<String>| !a.is_empty());
    let kind = upper(x, "type").unwrap_or_default();
    Integration {
        // AWS keeps no backend method for a MOCK, whatever the document says.
        http_method: s("httpMethod").filter(|_| kind != "MOCK"),
        kind,
        uri: s("uri"),
        connection_type: upper(x, "connectionType").unwrap_or_else(|| "INTERNET".into()),
        connection_id: s("connectionId"),
        credentials: s("credentials"),
        request_parameters: strings(x.get("requestParameters")),
        request_templates: strings(x.get("requestTemplates")),
        timeout_ms: timeout.unwrap_or(DEFAULT_TIMEOUT_MS),
        passthrough_behavior: upper(x, "passthroughBehavior")
            .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        content_handling: upper(x, "contentHandling"),
        cache_namespace: s("cacheNamespace"),
        cache_key_parameters: cache_keys,
        insecure_skip_verification: x
            .pointer("/tlsConfig/insecureSkipVerification")
            .and_then(Value::as_bool),
    }
}

/// The extension's `responses` (keyed by selection pattern) by status code, as AWS keeps
/// them: `default` is the response without a pattern.
fn integration_responses(x: &Value) -> BTreeMap<String, IntegrationResponse> {
    let mut out = BTreeMap::new();
    for (pattern, r) in x
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(code) = status_code(r.get("statusCode")) else {
            continue;
        };
        let r = IntegrationResponse {
            selection_pattern: (pattern != "default").then(|| pattern.clone()),
            response_parameters: strings(r.get("responseParameters")),
            // An empty template is none: AWS answers it as null, and the SDK cannot read a
            // null in that map (PutIntegrationResponse answered so is "unhandled error").
            response_templates: strings(r.get("responseTemplates"))
                .and_then(|t| non_empty(t.into_iter().filter(|(_, v)| !v.is_empty()).collect())),
            content_handling: upper(r, "contentHandling"),
        };
        out.insert(code, r);
    }
    out
}

/// Content type → the model its schema names (`$ref` to `components.schemas`).
fn content_models(v: Option<&Value>) -> Strings {
    v.and_then(|v| v.get("content"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(ct, c)| {
            let name = c.pointer("/schema/$ref")?.as_str()?;
            Some((
                ct.clone(),
                name.strip_prefix("#/components/schemas/")?.to_string(),
            ))
        })
        .collect()
}

/// A method response per numeric status of the operation's `responses`, with the headers
/// it declares and the model its JSON body names, as AWS's import makes them; and one for
/// each integration response, declaring the headers it maps (AWS needs them declared).
fn method_responses(
    op: &Value,
    integration: &BTreeMap<String, IntegrationResponse>,
) -> BTreeMap<String, MethodResponse> {
    let mut out = BTreeMap::new();
    for (code, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let parameters: Flags = r
            .get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(h, v)| {
                let required = v.get("required").and_then(Value::as_bool);
                (
                    format!("method.response.header.{h}"),
                    required.unwrap_or(false),
                )
            })
            .collect();
        let models = content_models(Some(r));
        let r = MethodResponse {
            parameters: non_empty(parameters),
            models: non_empty(models),
        };
        out.insert(code.clone(), r);
    }
    for (code, r) in integration {
        let m = out.entry(code.clone()).or_default();
        for k in r.response_parameters.iter().flat_map(|p| p.keys()) {
            if k.starts_with("method.response.header.") {
                m.parameters
                    .get_or_insert_with(Flags::new)
                    .entry(k.clone())
                    .or_insert(false);
            }
        }
    }
    out
}

/// A route's authorization, from its first security requirement (scheme = authorizer key).
struct Auth {
    authorization: &'static str,
    authorizer_id: Option<String>,
    scopes: Option<Vec<String>>,
    api_key_required: bool,
}

impl Auth {
    fn of(doc: &Value, op: &Value, api: &str) -> Auth {
        let mut auth = Auth {
            authorization: "NONE",
            authorizer_id: None,
            scopes: None,
            api_key_required: false,
        };
        let first = op.pointer("/security/0").and_then(Value::as_object);
        for (scheme, sc) in first.into_iter().flatten() {
            if scheme == security::API_KEY_SCHEME {
                auth.api_key_required = true;
                continue;
            }
            if scheme == security::IAM_SCHEME {
                auth.authorization = "AWS_IAM";
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
            auth.authorizer_id = Some(ref_placeholder(&format!("authorizer.{api}.{scheme}"), "id"));
            let scopes: Vec<String> = sc
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| Some(s.as_str()?.to_string()))
                .collect();
            auth.scopes = (!scopes.is_empty()).then_some(scopes);
        }
        auth
    }
}
