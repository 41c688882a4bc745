//! The import document a stack implies for one REST API: the contract's paths under the base
//! path, each operation with its `x-amazon-apigateway-integration`. It is what
//! `export-openapi` prints, the source of the desired route table, and (resolved) what the
//! deployment fingerprint hashes.

use super::{adopt, cors, integration, models, security};
use crate::config::contract::{Contract, Operation};
use crate::config::schema::RestApi;
use crate::diag::Diagnostic;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// Everything rendering needs besides the contract.
pub struct RenderInput<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub api: &'a RestApi,
    pub contract: &'a Contract,
    pub region: &'a str,
}

/// The document, and warnings about parts of the contract it could not carry.
pub struct Rendered {
    pub doc: Value,
    pub warnings: Vec<Diagnostic>,
}

pub fn render(input: &RenderInput) -> Result<Rendered, Vec<Diagnostic>> {
    let (api, contract) = (input.api, input.contract);
    let (mut paths, body_models, mut warnings) = render_paths(input)?;
    if let Some(c) = &api.cors {
        add_preflights(c, &mut paths);
    }
    let (mut components, more) = components(input, &body_models);
    let iam = paths
        .values()
        .filter_map(Value::as_object)
        .flat_map(|i| i.values())
        .any(|op| {
            op.pointer(&format!("/security/0/{}", security::IAM_SCHEME))
                .is_some()
        });
    if iam {
        components["securitySchemes"][security::IAM_SCHEME] = security::iam_scheme();
    }
    warnings.extend(more);
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
    });
    // Moved in, not through `json!`: that would serialize the whole paths tree into a copy.
    doc["paths"] = Value::Object(paths);
    doc["components"] = Value::Object(components);
    api_extensions(input, &mut doc).map_err(|d| vec![d])?;
    warnings.extend(adopt::contract_extensions(contract, input.key, &mut doc));
    warnings.extend(adopt::not_carried(contract));
    Ok(Rendered { doc, warnings })
}

/// The `paths` object, and the models a validated body refers to.
type RenderedPaths = (Map<String, Value>, BTreeSet<String>, Vec<Diagnostic>);

/// Every operation with its integration, security and validator, by full path; and the
/// models a validated body refers to.
fn render_paths(input: &RenderInput) -> Result<RenderedPaths, Vec<Diagnostic>> {
    let (api, contract) = (input.api, input.contract);
    let ops = contract.operations();
    let mut diags = check_overrides(input, &ops);
    diags.extend(check_names(input));
    let mut paths = Map::new();
    let mut body_models = BTreeSet::new();
    let mut warnings = Vec::new();
    // The contract's own authorizers, read once for every operation.
    let declared = security::contract_authorizers(contract);
    for op in &ops {
        let over = override_entry(api, op);
        let x = match integration::effective(input, op, over.and_then(|o| o.integration.as_ref())) {
            Ok((x, w)) => {
                warnings.extend(w);
                x
            }
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let sec = match security::resolve(input.key, api, contract, op, over, &declared) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        // The stack's override, the contract's own, the stack's default, the contract's.
        let (op_v, doc_v) = adopt::contract_validator(contract, &op.pointer());
        let validator = over
            .and_then(|o| o.validator.clone())
            .or_else(|| op_v.map(str::to_string))
            .or_else(|| api.default_validator.clone())
            .or_else(|| doc_v.map(str::to_string))
            .filter(|v| v != security::NONE);
        let full = full_path(api.base_path.as_deref(), &op.path);
        let item = paths
            .entry(full)
            .or_insert_with(|| Value::Object(Map::new()));
        let key = op.key();
        let mut rendered = render_operation(input, op, x, &mut body_models);
        rendered["security"] = security::requirement(&sec);
        if let Some(v) = &validator {
            rendered["x-amazon-apigateway-request-validator"] = json!(v);
        }
        item[key] = rendered;
    }
    if diags.is_empty() {
        Ok((paths, body_models, warnings))
    } else {
        Err(diags)
    }
}

/// A CORS preflight on every path whose contract does not answer OPTIONS itself.
fn add_preflights(c: &crate::config::schema::Cors, paths: &mut Map<String, Value>) {
    for item in paths.values_mut() {
        let Some(o) = item.as_object_mut() else {
            continue;
        };
        if o.contains_key("options") {
            continue; // the contract answers preflights itself
        }
        let methods: Vec<String> = o
            .keys()
            .map(|k| {
                if k == crate::config::contract::ANY_METHOD {
                    "*".to_string()
                } else {
                    k.to_uppercase()
                }
            })
            .collect();
        o.insert("options".into(), cors::preflight(c, &methods));
    }
}

/// Security schemes, and every schema of the contract as a model in draft 4 (AWS's import
/// makes them all); a name referred to but not defined is a warning.
fn components(
    input: &RenderInput,
    body_models: &BTreeSet<String>,
) -> (Map<String, Value>, Vec<Diagnostic>) {
    let contract = input.contract;
    let mut warnings = Vec::new();
    let mut components = Map::new();
    components.insert(
        "securitySchemes".into(),
        Value::Object(security::schemes(input.api, contract, input.region)),
    );
    let mut schemas = Map::new();
    let mut names: BTreeSet<String> = contract
        .doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    names.extend(models::closure(contract, body_models));
    for name in names {
        match contract.doc.pointer(&format!("/components/schemas/{name}")) {
            Some(s) => {
                let (converted, w) = models::draft4(&name, s, contract);
                warnings.extend(w);
                schemas.insert(name, converted);
            }
            None => warnings.push(
                Diagnostic::warning(
                    "ref",
                    format!("schema {name} is referred to but not defined; it is not validated"),
                )
                .hint("define it under components.schemas")
                .at(Some(
                    contract
                        .source
                        .find_text(&format!("#/components/schemas/{name}"))
                        .unwrap_or_else(|| contract.source.locate(&["components", "schemas"])),
                )),
            ),
        }
    }
    if !schemas.is_empty() {
        components.insert("schemas".into(), Value::Object(schemas));
    }
    (components, warnings)
}

/// The API-wide `x-amazon-apigateway-*` extensions the stack sets.
fn api_extensions(input: &RenderInput, doc: &mut Value) -> Result<(), Diagnostic> {
    let api = input.api;
    if !api.validators.is_empty() {
        let v: Map<String, Value> = api
            .validators
            .iter()
            .map(|(n, v)| {
                (
                    n.clone(),
                    json!({"validateRequestBody": v.body, "validateRequestParameters": v.params}),
                )
            })
            .collect();
        doc["x-amazon-apigateway-request-validators"] = Value::Object(v);
    }
    let responses = gateway_responses(api);
    if !responses.is_empty() {
        doc["x-amazon-apigateway-gateway-responses"] = Value::Object(responses);
    }
    if let Some(src) = api.api_key_source {
        doc["x-amazon-apigateway-api-key-source"] = json!(format!("{src:?}").to_uppercase());
    }
    if !api.binary_media_types.is_empty() {
        doc["x-amazon-apigateway-binary-media-types"] = json!(api.binary_media_types);
    }
    if let Some(n) = api.minimum_compression_size {
        doc["x-amazon-apigateway-minimum-compression-size"] = json!(n);
    }
    match &api.policy {
        // JSON text is read here, so the document carries the policy as AWS's import wants it.
        Some(Value::String(text)) => {
            let p: Value = serde_json::from_str(text).map_err(|e| {
                Diagnostic::error(
                    "schema",
                    format!("rest_apis.{}.policy is not JSON: {e}", input.key),
                )
                .hint("write the policy as a YAML mapping, or as JSON text")
            })?;
            doc["x-amazon-apigateway-policy"] = p;
        }
        Some(p) => doc["x-amazon-apigateway-policy"] = p.clone(),
        None => {}
    }
    Ok(())
}

/// Names that must exist: default authorizer/validator and per-operation choices.
fn check_names(input: &RenderInput) -> Vec<Diagnostic> {
    let api = input.api;
    let mut d = Vec::new();
    let mut want = |kind: &str, name: Option<&String>, known: bool, at: String| {
        if let Some(n) = name.filter(|n| *n != security::NONE && !known) {
            d.push(
                Diagnostic::error("reference", format!("{at}: {kind} `{n}` is not declared")).hint(
                    format!(
                        "declare it under rest_apis.{}.{kind}s, or use NONE",
                        input.key
                    ),
                ),
            );
        }
    };
    let key = input.key;
    // The contract's own validators and authorizers count as declared.
    let doc = &input.contract.doc;
    let validator = |v: &String| {
        api.validators.contains_key(v)
            || doc
                .pointer(&format!("/{}/{v}", adopt::VALIDATORS))
                .is_some()
    };
    let authorizers = security::contract_authorizers(input.contract);
    want(
        "validator",
        api.default_validator.as_ref(),
        api.default_validator.as_ref().is_some_and(validator),
        format!("rest_apis.{key}.default_validator"),
    );
    want(
        "authorizer",
        api.default_authorizer.as_ref(),
        api.default_authorizer.as_ref().is_some_and(|v| {
            v == security::AWS_IAM || api.authorizers.contains_key(v) || authorizers.contains_key(v)
        }),
        format!("rest_apis.{key}.default_authorizer"),
    );
    for (op, o) in &api.operations {
        want(
            "validator",
            o.validator.as_ref(),
            o.validator.as_ref().is_some_and(validator),
            format!("rest_apis.{key}.operations.{op}"),
        );
    }
    for kind in api
        .gateway_responses
        .keys()
        .filter(|k| !GATEWAY_RESPONSE_TYPES.contains(&k.as_str()))
    {
        d.push(
            Diagnostic::error(
                "schema",
                format!(
                    "rest_apis.{key}.gateway_responses.{kind} is not an API Gateway response type"
                ),
            )
            .hint(format!("use one of {}", GATEWAY_RESPONSE_TYPES.join(", "))),
        );
    }
    for (name, a) in api
        .authorizers
        .iter()
        .filter(|(_, a)| a.ttl_seconds.is_some_and(|t| !(0..=3600).contains(&t)))
    {
        d.push(
            Diagnostic::error(
                "schema",
                format!(
                    "rest_apis.{key}.authorizers.{name}.ttl_seconds {} is out of range",
                    a.ttl_seconds.unwrap_or_default()
                ),
            )
            .hint("API Gateway caches authorizer results for 0..=3600 seconds"),
        );
    }
    for (name, a) in &api.authorizers {
        use crate::config::schema::AuthorizerType as T;
        let ok = match a.kind {
            Some(T::Token) | Some(T::Request) | None => a.lambda_arn.is_some(),
            Some(T::CognitoUserPools) => !a.provider_arns.is_empty(),
        };
        if !ok {
            d.push(Diagnostic::error("schema", format!("rest_apis.{key}.authorizers.{name}: TOKEN and REQUEST authorizers need `lambda_arn`, COGNITO_USER_POOLS needs `provider_arns`")).hint("add the missing key"));
        }
    }
    d
}

/// The response types API Gateway lets a stack customise.
const GATEWAY_RESPONSE_TYPES: &[&str] = &[
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "AUTHORIZER_FAILURE",
    "BAD_REQUEST_PARAMETERS",
    "BAD_REQUEST_BODY",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_API_KEY",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "QUOTA_EXCEEDED",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
];

/// `x-amazon-apigateway-gateway-responses`: the stack's, `not_found`, and CORS headers on
/// the default 4XX/5XX answers.
fn gateway_responses(api: &RestApi) -> Map<String, Value> {
    let mut out = Map::new();
    let mut put = |kind: &str,
                   status: Option<u16>,
                   headers: Vec<(String, String)>,
                   templates: Vec<(String, String)>| {
        let entry = out.entry(kind.to_string()).or_insert_with(|| json!({}));
        if let Some(s) = status {
            entry["statusCode"] = json!(s.to_string());
        }
        for (h, v) in headers {
            entry["responseParameters"][format!("gatewayresponse.header.{h}")] = json!(v);
        }
        for (t, v) in templates {
            entry["responseTemplates"][t] = json!(v);
        }
    };
    if api.not_found == Some(true) {
        // API Gateway answers an undefined path or method with MISSING_AUTHENTICATION_TOKEN
        // (403). No route here uses IAM auth, so it only means "no such route".
        put("MISSING_AUTHENTICATION_TOKEN", Some(404), vec![], vec![("application/json".into(), "{\"message\": \"Unable to find the requested resource\", \"path\": \"$context.path\"}".into())]);
    }
    if let Some(c) = &api.cors {
        for kind in ["DEFAULT_4XX", "DEFAULT_5XX"] {
            put(kind, None, cors::error_headers(c), vec![]);
        }
    }
    for (kind, r) in &api.gateway_responses {
        let headers = r
            .headers
            .iter()
            .map(|(h, v)| (h.clone(), v.clone()))
            .collect();
        let templates = r
            .templates
            .iter()
            .map(|(t, v)| (t.clone(), v.clone()))
            .collect();
        put(kind, r.status, headers, templates);
    }
    out
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
fn override_entry<'a>(
    api: &'a RestApi,
    op: &Operation,
) -> Option<&'a crate::config::schema::Operation> {
    let by_route = format!("{} {}", op.method, op.path);
    api.operations
        .iter()
        .find(|(k, _)| Some(k.as_str()) == op.operation_id.as_deref() || **k == by_route)
        .map(|(_, o)| o)
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

fn render_operation(
    input: &RenderInput,
    op: &Operation,
    x: Map<String, Value>,
    refs: &mut BTreeSet<String>,
) -> Value {
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
    let op_json = input.contract.doc.pointer(&op.pointer());
    if let Some(body) = op_json.and_then(|o| o.get("requestBody")) {
        let content = model_content(input, input.contract.deref(body), refs);
        if !content.is_empty() {
            o.insert("requestBody".into(), json!({"content": content}));
        }
    }
    o.insert(
        "responses".into(),
        Value::Object(responses(input, op, &x, refs)),
    );
    o.insert(integration::EXTENSION.into(), Value::Object(x));
    Value::Object(o)
}

/// A request body's or response's content types whose schema names a model (`$ref` to
/// `components.schemas`), as AWS's import maps them; the names go to `refs`. Inline schemas
/// have no model name and are left out.
fn model_content(
    input: &RenderInput,
    r: &Value,
    refs: &mut BTreeSet<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (ct, c) in r
        .get("content")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Some(name) = c
            .pointer("/schema/$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        else {
            continue;
        };
        // One that does not resolve is the lint's `ref` error; it names no model here.
        if input
            .contract
            .doc
            .pointer(&format!("/components/schemas/{name}"))
            .is_some()
        {
            refs.insert(name.to_string());
            out.insert(
                ct.clone(),
                json!({"schema": {"$ref": format!("#/components/schemas/{name}")}}),
            );
        }
    }
    out
}

/// The contract's responses with their headers (AWS makes a method response of each), and
/// one for every status an integration response answers, declaring the headers it maps.
fn responses(
    input: &RenderInput,
    op: &Operation,
    x: &Map<String, Value>,
    refs: &mut BTreeSet<String>,
) -> Map<String, Value> {
    let mut out = Map::new();
    let declared = input
        .contract
        .doc
        .pointer(&format!("{}/responses", op.pointer()));
    for (code, r) in declared.and_then(Value::as_object).into_iter().flatten() {
        let r = input.contract.deref(r);
        let desc = r
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("response");
        let mut out_r = json!({"description": desc});
        if let Some(h) = r.get("headers").and_then(Value::as_object) {
            let h: Map<String, Value> = h
                .iter()
                .map(|(k, v)| (k.clone(), input.contract.deref(v).clone()))
                .collect();
            if !h.is_empty() {
                out_r["headers"] = Value::Object(h);
            }
        }
        let content = model_content(input, r, refs);
        if !content.is_empty() {
            out_r["content"] = Value::Object(content);
        }
        out.insert(code.clone(), out_r);
    }
    for r in x
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.values())
    {
        let Some(code) = integration::status_code(r.get("statusCode")) else {
            continue;
        };
        let entry = out
            .entry(code.clone())
            .or_insert_with(|| json!({"description": format!("{code} response")}));
        for (k, _) in r
            .get("responseParameters")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(h) = k.strip_prefix("method.response.header.") {
                if entry
                    .pointer(&format!(
                        "/headers/{}",
                        h.replace('~', "~0").replace('/', "~1")
                    ))
                    .is_none()
                {
                    entry["headers"][h] = json!({"schema": {"type": "string"}});
                }
            }
        }
    }
    // None declared stays none: AWS imports `responses: {}` (even with failOnWarnings) and
    // makes no method response (recorded: swagger-mock-cors.json in imports.json).
    out
}
