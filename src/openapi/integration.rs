//! An operation's `x-amazon-apigateway-integration`: the contract's own when it has one, else
//! the stack's default; the stack's per-operation override laid over either, key by key.
//! Where the override and the contract say different things, the stack wins and `validate`
//! warns, naming both places.

use super::render::RenderInput;
use crate::config::contract::Operation;
use crate::config::schema::{Integration, IntegrationType};
use crate::diag::Diagnostic;
use crate::refs::ref_placeholder;
use serde_json::{json, Map, Value};

pub const EXTENSION: &str = "x-amazon-apigateway-integration";

/// The five types, as the extension may spell them.
const TYPES: &[&str] = &["aws", "aws_proxy", "http", "http_proxy", "mock"];

/// The extension for `op`, and warnings where the stack overrides what the contract says.
pub fn effective(
    input: &RenderInput,
    op: &Operation,
    over: Option<&Integration>,
) -> Result<(Map<String, Value>, Vec<Diagnostic>), Diagnostic> {
    let what = format!("{} {}", op.method, op.path);
    let mut warnings = Vec::new();
    let pointer = format!("{}/{EXTENSION}", op.pointer());
    let own = input
        .contract
        .doc
        .pointer(&pointer)
        .and_then(Value::as_object);
    let x = match own {
        None => {
            let base = input.api.integration.clone().unwrap_or_default();
            let merged = match over {
                None => base,
                Some(o) => laid_over(o, base),
            };
            fields(input, op, &merged, merged.kind, true)
        }
        Some(own) => {
            let mut x = own.clone();
            if let Some(o) = over {
                let kind = o.kind.or_else(|| type_of(own));
                for (k, v) in fields(input, op, o, kind, false) {
                    if let Some(was) = x.get(&k).filter(|was| **was != v) {
                        let at = input
                            .contract
                            .source
                            .find(
                                &pointer_keys(op, &k)
                                    .iter()
                                    .map(String::as_str)
                                    .collect::<Vec<_>>(),
                            )
                            .map(|l| l.to_string())
                            .unwrap_or_else(|| input.contract.source.path.display().to_string());
                        warnings.push(
                            Diagnostic::warning(
                                "override",
                                format!("{what}: the contract's {EXTENSION} sets `{k}` to {was} ({at}); the stack's rest_apis.{}.operations override sets {v}, which is applied", input.key),
                            )
                            .hint("drop one of the two so the contract and the stack agree"),
                        );
                    }
                    x.insert(k, v);
                }
            }
            x
        }
    };
    check(&what, &x, own.is_some())?;
    Ok((x, warnings))
}

/// The override's fields replace the default's, one by one.
fn laid_over(o: &Integration, base: Integration) -> Integration {
    let or = |a: &Option<String>, b: Option<String>| a.clone().or(b);
    Integration {
        kind: o.kind.or(base.kind),
        uri: or(&o.uri, base.uri),
        vpc_link: or(&o.vpc_link, base.vpc_link),
        http_method: or(&o.http_method, base.http_method),
        lambda_arn: or(&o.lambda_arn, base.lambda_arn),
        credentials: or(&o.credentials, base.credentials),
        request_parameters: o.request_parameters.clone().or(base.request_parameters),
        request_templates: o.request_templates.clone().or(base.request_templates),
        passthrough_behavior: or(&o.passthrough_behavior, base.passthrough_behavior),
        content_handling: or(&o.content_handling, base.content_handling),
        cache_namespace: or(&o.cache_namespace, base.cache_namespace),
        cache_key_parameters: o.cache_key_parameters.clone().or(base.cache_key_parameters),
        tls_insecure_skip_verification: o
            .tls_insecure_skip_verification
            .or(base.tls_insecure_skip_verification),
        timeout_ms: o.timeout_ms.or(base.timeout_ms),
        status_code: o.status_code.or(base.status_code),
        responses: o.responses.clone().or(base.responses),
    }
}

fn type_of(x: &Map<String, Value>) -> Option<IntegrationType> {
    let t = x.get("type")?.as_str()?.to_lowercase();
    serde_json::from_value(json!(t.to_uppercase())).ok()
}

/// The stack's integration in the extension's words. With `defaults`, also what the tool
/// fills in for the type (the backend method, path parameters the URI names, a MOCK's
/// status template); without, only what `i` sets (an override laid over the contract's).
/// Keys keep one order so a document renders the same bytes every time.
fn fields(
    input: &RenderInput,
    op: &Operation,
    i: &Integration,
    kind: Option<IntegrationType>,
    defaults: bool,
) -> Map<String, Value> {
    use IntegrationType::*;
    let mut x = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            x.insert(k.to_string(), v);
        }
    };
    let http = matches!(kind, Some(Http | HttpProxy));
    let mock = kind == Some(Mock);
    let uri = match (&i.lambda_arn, &i.uri) {
        (Some(arn), _) => Some(format!(
            "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{arn}/invocations",
            input.region
        )),
        (None, Some(u)) => Some(
            u.replace("{path}", &op.path)
                .replace("{method}", &op.method)
                .replace("{region}", input.region),
        ),
        (None, None) => None,
    };
    let method = i.http_method.clone().or_else(|| match kind {
        _ if i.lambda_arn.is_some() => Some("POST".into()),
        // Lambda and the service actions are all called with POST.
        Some(Aws | AwsProxy) if defaults => Some("POST".into()),
        Some(Http | HttpProxy) if defaults => Some(op.method.clone()),
        _ => None,
    });
    let code = i.status_code.unwrap_or(200);
    let mock_status = mock && (defaults || i.status_code.is_some());
    put("type", i.kind.map(|k| json!(k.extension_name())));
    // A MOCK calls no backend: a URI or method inherited from the API's default is not its.
    put("httpMethod", method.filter(|_| !mock).map(Value::String));
    put("uri", uri.clone().filter(|_| !mock).map(Value::String));
    put("credentials", i.credentials.clone().map(Value::String));
    let templates = match &i.request_templates {
        Some(t) => Some(texts(t)),
        None if mock_status => {
            Some(json!({"application/json": format!("{{\"statusCode\": {code}}}")}))
        }
        None => None,
    };
    put("requestTemplates", templates);
    let passthrough = i
        .passthrough_behavior
        .clone()
        .or_else(|| defaults.then(|| "when_no_match".into()));
    put("passthroughBehavior", passthrough.map(Value::String));
    put(
        "contentHandling",
        i.content_handling.clone().map(Value::String),
    );
    let timeout = i
        .timeout_ms
        .or_else(|| (defaults && !mock).then_some(29_000));
    put("timeoutInMillis", timeout.map(|t| json!(t)));
    let mut params = Map::new();
    if defaults && http {
        // Path parameters the URI names are passed through.
        let u = uri.as_deref().unwrap_or_default();
        for (loc, name, _) in &op.parameters {
            let bare = name.trim_end_matches('+');
            if loc == "path"
                && (u.contains(&format!("{{{bare}}}")) || u.contains(&format!("{{{name}}}")))
            {
                params.insert(
                    format!("integration.request.path.{bare}"),
                    json!(format!("method.request.path.{name}")),
                );
            }
        }
    }
    for (k, v) in i.request_parameters.iter().flatten() {
        params.insert(k.clone(), json!(v));
    }
    put(
        "requestParameters",
        (!params.is_empty()).then_some(Value::Object(params)),
    );
    if let Some(link) = &i.vpc_link {
        put("connectionType", Some(json!("VPC_LINK")));
        let id = if link.starts_with("${") {
            link.clone()
        } else {
            ref_placeholder(&format!("vpc_link.{link}"), "id")
        };
        put("connectionId", Some(json!(id)));
    }
    put(
        "cacheNamespace",
        i.cache_namespace.clone().map(Value::String),
    );
    put(
        "cacheKeyParameters",
        i.cache_key_parameters.as_ref().map(|k| json!(k)),
    );
    put(
        "tlsConfig",
        i.tls_insecure_skip_verification
            .map(|b| json!({"insecureSkipVerification": b})),
    );
    let responses = match &i.responses {
        Some(rs) => Some(Value::Object(
            rs.iter()
                .map(|(pattern, r)| {
                    let mut o = json!({"statusCode": r.status_code.to_string()});
                    if let Some(p) = &r.response_parameters {
                        o["responseParameters"] = json!(p);
                    }
                    if let Some(t) = &r.response_templates {
                        o["responseTemplates"] = texts(t);
                    }
                    if let Some(c) = &r.content_handling {
                        o["contentHandling"] = json!(c);
                    }
                    (pattern.clone(), o)
                })
                .collect(),
        )),
        None if mock_status => Some(json!({"default": {"statusCode": code.to_string()}})),
        None => None,
    };
    put("responses", responses);
    x
}

fn texts(t: &std::collections::BTreeMap<String, crate::config::schema::Template>) -> Value {
    Value::Object(
        t.iter()
            .map(|(ct, t)| (ct.clone(), json!(t.text())))
            .collect(),
    )
}

/// What AWS refuses: no type, an unknown one, a backend type without its URI.
fn check(what: &str, x: &Map<String, Value>, contract: bool) -> Result<(), Diagnostic> {
    let t = x.get("type").and_then(Value::as_str).map(str::to_lowercase);
    let from = if contract {
        format!("the contract's {EXTENSION}")
    } else {
        "the stack's integration".to_string()
    };
    let Some(t) = t else {
        return Err(Diagnostic::error("schema", format!("{what}: no integration type"))
            .hint("set `integration.type` (AWS, AWS_PROXY, HTTP, HTTP_PROXY or MOCK) on the API or an override under `operations`, or give the operation an x-amazon-apigateway-integration in the contract"));
    };
    if !TYPES.contains(&t.as_str()) {
        return Err(
            Diagnostic::error("schema", format!("{what}: {from} has type `{t}`"))
                .hint("use AWS, AWS_PROXY, HTTP, HTTP_PROXY or MOCK"),
        );
    }
    let uri = x
        .get("uri")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    if t != "mock" && uri.is_none() {
        let hint = match t.as_str() {
            "aws_proxy" | "aws" => "set `integration.lambda_arn` to the function ARN, or `integration.uri` to a service action such as arn:aws:apigateway:{region}:sqs:path/<account>/<queue>",
            _ => "set `integration.uri`, e.g. http://backend/api{path}",
        };
        return Err(Diagnostic::error(
            "schema",
            format!("{what}: {from}: {} needs `uri`", t.to_uppercase()),
        )
        .hint(hint));
    }
    Ok(())
}

/// `/paths/<path>/<method key>` as a JSON pointer.
fn pointer_keys(op: &Operation, field: &str) -> Vec<String> {
    vec![
        "paths".into(),
        op.path.clone(),
        op.key(),
        EXTENSION.into(),
        field.into(),
    ]
}

/// A status code written as a string or a number (AWS imports both).
pub fn status_code(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
