//! The import document a stack implies for one REST API: the contract's paths under the base
//! path, each operation with its `x-amazon-apigateway-integration`. It is what
//! `export-openapi` prints, the source of the desired route table, and (resolved) what the
//! deployment fingerprint hashes.

use super::contract::{Contract, Operation};
use crate::config::schema::{Integration, IntegrationType, RestApi};
use crate::diag::Diagnostic;
use crate::model::ref_placeholder;
use serde_json::{json, Map, Value};

/// Everything rendering needs besides the contract.
pub struct RenderInput<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub api: &'a RestApi,
    pub contract: &'a Contract,
    pub region: &'a str,
}

pub fn render(input: &RenderInput) -> Result<Value, Vec<Diagnostic>> {
    let api = input.api;
    let contract = input.contract;
    let ops = contract.operations();
    let mut diags = check_overrides(input, &ops);
    let mut paths = Map::new();
    for op in &ops {
        let integ = match effective_integration(api, op) {
            Ok(i) => i,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let full = full_path(api.base_path.as_deref(), &op.path);
        let item = paths
            .entry(full)
            .or_insert_with(|| Value::Object(Map::new()));
        let key = if op.method == "ANY" {
            super::contract::ANY_METHOD.to_string()
        } else {
            op.method.to_lowercase()
        };
        item[key] = render_operation(input, op, &integ);
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let info = contract.doc.get("info");
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": {
            "title": input.name,
            "version": info.and_then(|i| i.get("version")).and_then(scalar_string).unwrap_or_else(|| "1.0".into()),
            "description": api.description.clone()
                .or_else(|| info.and_then(|i| i.get("description")).and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| format!("{} (managed by idrv5-gw)", input.name)),
        },
        "paths": paths,
    });
    if !api.binary_media_types.is_empty() {
        doc["x-amazon-apigateway-binary-media-types"] = json!(api.binary_media_types);
    }
    if let Some(n) = api.minimum_compression_size {
        doc["x-amazon-apigateway-minimum-compression-size"] = json!(n);
    }
    Ok(doc)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn full_path(base: Option<&str>, path: &str) -> String {
    match base {
        Some(b) if path == "/" => b.to_string(),
        Some(b) => format!("{b}{path}"),
        None => path.to_string(),
    }
}

/// An override key names an operation by operationId or `METHOD /path`.
fn override_for<'a>(api: &'a RestApi, op: &Operation) -> Option<&'a Integration> {
    let by_route = format!("{} {}", op.method, op.path);
    api.operations
        .iter()
        .find(|(k, _)| Some(k.as_str()) == op.operation_id.as_deref() || **k == by_route)
        .and_then(|(_, o)| o.integration.as_ref())
}

fn check_overrides(input: &RenderInput, ops: &[Operation]) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    for key in input.api.operations.keys() {
        let known = ops.iter().any(|op| {
            Some(key.as_str()) == op.operation_id.as_deref()
                || *key == format!("{} {}", op.method, op.path)
        });
        if !known {
            d.push(
                Diagnostic::error("reference", format!("rest_apis.{}.operations.{key}: no operation in {} has that operationId or `METHOD /path`", input.key, input.contract.source.path.display()))
                    .hint("use an operationId from the contract, or `GET /path` as the contract writes the path (without base_path)"),
            );
        }
    }
    d
}

/// The default integration with the operation's override laid over it, field by field.
fn effective_integration(api: &RestApi, op: &Operation) -> Result<Integration, Diagnostic> {
    let base = api.integration.clone().unwrap_or_default();
    let merged = match override_for(api, op) {
        None => base,
        Some(o) => Integration {
            kind: o.kind.or(base.kind),
            uri: o.uri.clone().or(base.uri),
            vpc_link: o.vpc_link.clone().or(base.vpc_link),
            http_method: o.http_method.clone().or(base.http_method),
            lambda_arn: o.lambda_arn.clone().or(base.lambda_arn),
            request_parameters: o.request_parameters.clone().or(base.request_parameters),
            timeout_ms: o.timeout_ms.or(base.timeout_ms),
            status_code: o.status_code.or(base.status_code),
        },
    };
    let what = format!("{} {}", op.method, op.path);
    match merged.kind {
        None => Err(Diagnostic::error("schema", format!("{what}: no integration type")).hint("set `integration.type` (HTTP_PROXY, AWS_PROXY or MOCK) on the API or an override under `operations`")),
        Some(IntegrationType::HttpProxy) if merged.uri.is_none() => Err(Diagnostic::error("schema", format!("{what}: HTTP_PROXY needs `uri`")).hint("set `integration.uri`, e.g. http://backend/api{path}")),
        Some(IntegrationType::AwsProxy) if merged.lambda_arn.is_none() => Err(Diagnostic::error("schema", format!("{what}: AWS_PROXY needs `lambda_arn`")).hint("set `integration.lambda_arn` to the function ARN")),
        _ => Ok(merged),
    }
}

fn render_operation(input: &RenderInput, op: &Operation, integ: &Integration) -> Value {
    let mut o = Map::new();
    if let Some(id) = &op.operation_id {
        o.insert("operationId".into(), json!(id));
    }
    let params: Vec<Value> = op
        .parameters
        .iter()
        .map(|(loc, name, required)| {
            let oas_in = if loc == "querystring" {
                "query"
            } else {
                loc.as_str()
            };
            json!({"name": name, "in": oas_in, "required": required, "schema": {"type": "string"}})
        })
        .collect();
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    let mut responses = Map::new();
    if integ.kind == Some(IntegrationType::Mock) {
        let code = integ.status_code.unwrap_or(200).to_string();
        responses.insert(code, json!({"description": "mock response"}));
    } else {
        let declared = input.contract.doc.pointer(&format!(
            "/paths/{}/{}/responses",
            escape_pointer(&op.path),
            op_key(op)
        ));
        for (code, r) in declared.and_then(Value::as_object).into_iter().flatten() {
            let r = input.contract.deref(r);
            let desc = r
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("response");
            responses.insert(code.clone(), json!({"description": desc}));
        }
        if responses.is_empty() {
            responses.insert("200".into(), json!({"description": "proxied response"}));
        }
    }
    o.insert("responses".into(), Value::Object(responses));
    o.insert(
        "x-amazon-apigateway-integration".into(),
        integration_extension(input, op, integ),
    );
    Value::Object(o)
}

fn op_key(op: &Operation) -> String {
    if op.method == "ANY" {
        super::contract::ANY_METHOD.to_string()
    } else {
        op.method.to_lowercase()
    }
}

fn escape_pointer(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn integration_extension(input: &RenderInput, op: &Operation, integ: &Integration) -> Value {
    let timeout = integ.timeout_ms.unwrap_or(29_000);
    match integ.kind.unwrap_or(IntegrationType::Mock) {
        IntegrationType::HttpProxy => {
            let method = integ
                .http_method
                .clone()
                .unwrap_or_else(|| op.method.clone());
            let uri = integ
                .uri
                .clone()
                .unwrap_or_default()
                .replace("{path}", &op.path)
                .replace("{method}", &op.method);
            let mut params = Map::new();
            for (loc, name, _) in &op.parameters {
                let bare = name.trim_end_matches('+');
                if loc == "path"
                    && (uri.contains(&format!("{{{bare}}}"))
                        || uri.contains(&format!("{{{name}}}")))
                {
                    params.insert(
                        format!("integration.request.path.{bare}"),
                        json!(format!("method.request.path.{name}")),
                    );
                }
            }
            for (k, v) in integ.request_parameters.iter().flatten() {
                params.insert(k.clone(), json!(v));
            }
            let mut x = json!({
                "type": "http_proxy",
                "httpMethod": if method == "ANY" { "ANY".to_string() } else { method },
                "uri": uri,
                "passthroughBehavior": "when_no_match",
                "timeoutInMillis": timeout,
            });
            if !params.is_empty() {
                x["requestParameters"] = Value::Object(params);
            }
            if let Some(link) = &integ.vpc_link {
                x["connectionType"] = json!("VPC_LINK");
                x["connectionId"] = json!(if link.starts_with("${") {
                    link.clone()
                } else {
                    ref_placeholder(&format!("vpc_link.{link}"), "id")
                });
            }
            x
        }
        IntegrationType::AwsProxy => json!({
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": format!("arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{}/invocations", input.region, integ.lambda_arn.clone().unwrap_or_default()),
            "passthroughBehavior": "when_no_match",
            "timeoutInMillis": timeout,
        }),
        IntegrationType::Mock => {
            let code = integ.status_code.unwrap_or(200);
            json!({
                "type": "mock",
                "requestTemplates": {"application/json": format!("{{\"statusCode\": {code}}}")},
                "passthroughBehavior": "when_no_match",
                "responses": {"default": {"statusCode": code.to_string()}},
            })
        }
    }
}

/// The route table of a rendered document: (path, METHOD, props), props as the diff sees them.
pub fn routes(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for (key, op) in item.as_object().into_iter().flatten() {
            let method = if key == super::contract::ANY_METHOD {
                "ANY".to_string()
            } else {
                key.to_uppercase()
            };
            out.push((path.clone(), method, route_props(op)));
        }
    }
    out
}

fn route_props(op: &Value) -> Value {
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
    let x = op
        .get("x-amazon-apigateway-integration")
        .cloned()
        .unwrap_or(json!({}));
    let s = |k: &str| x.get(k).cloned().unwrap_or(Value::Null);
    let mut integ = json!({
        "type": x.get("type").and_then(Value::as_str).unwrap_or("").to_uppercase(),
        "http_method": s("httpMethod"),
        "uri": s("uri"),
        "connection_type": x.get("connectionType").cloned().unwrap_or(json!("INTERNET")),
        "connection_id": s("connectionId"),
        "request_parameters": s("requestParameters"),
        "request_templates": s("requestTemplates"),
        "timeout_ms": x.get("timeoutInMillis").cloned().unwrap_or(json!(29000)),
        "passthrough_behavior": x.get("passthroughBehavior").and_then(Value::as_str).unwrap_or("when_no_match").to_uppercase(),
    });
    let mut responses = Vec::new();
    if let Some(r) = x.get("responses").and_then(Value::as_object) {
        responses = r
            .values()
            .filter_map(|v| v.get("statusCode").and_then(Value::as_str))
            .map(|c| json!(c))
            .collect();
    }
    if integ["type"] != "MOCK" {
        integ["request_templates"] = Value::Null;
    }
    json!({
        "authorization": "NONE",
        "api_key_required": false,
        "request_parameters": if req.is_empty() { Value::Null } else { Value::Object(req) },
        "integration": integ,
        "responses": if responses.is_empty() { Value::Null } else { Value::Array(responses) },
    })
}

#[cfg(test)]
mod tests {
    use crate::config::{load, LoadOptions};
    use crate::model::desire::documents;
    use std::path::Path;

    /// What export-openapi writes for the example is strict OpenAPI 3.0 with an integration
    /// on every operation, under the base path.
    #[test]
    fn the_example_renders_to_strict_openapi_with_integrations() {
        let stack = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/idrv5/prod.yaml");
        let cfg = load(&stack, &LoadOptions::default()).expect("example loads");
        let docs = documents(&cfg, "ap-southeast-2").expect("renders");
        let doc = &docs["main"];
        serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()).expect("strict OpenAPI 3.0");
        let paths = doc["paths"].as_object().unwrap();
        assert!(
            paths.keys().all(|p| p.starts_with("/api/v1/")),
            "{:?}",
            paths.keys()
        );
        let ops: Vec<_> = paths
            .values()
            .flat_map(|i| i.as_object().unwrap().values())
            .collect();
        assert_eq!(ops.len(), 25);
        for op in ops {
            let x = &op["x-amazon-apigateway-integration"];
            assert_eq!(x["type"], "http_proxy");
            assert_eq!(x["connectionType"], "VPC_LINK");
        }
        let get = &paths["/api/v1/zones/{id}"]["get"]["x-amazon-apigateway-integration"];
        assert_eq!(
            get["requestParameters"]["integration.request.path.id"],
            "method.request.path.id"
        );
        assert_eq!(
            get["requestParameters"]["integration.request.header.X-Forwarded-For"],
            "context.identity.sourceIp"
        );
    }
}
