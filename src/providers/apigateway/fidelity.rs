//! Import fidelity: for each document real AWS imported in LocalStack's recorded suite
//! (tests/fixtures/aws-recorded/imports.json, from scripts/vendor_import_recordings.py), the
//! routes the tool makes of the same document, read through the same reader as the methods AWS
//! made. Every difference is a row of the table in docs/import-compat-checks.md (between the
//! `fidelity` markers): fixing or causing one changes the table, and this test fails until the
//! document says so. `IDRV5_BLESS=1 cargo test --lib fidelity` rewrites the table.

use super::read::route_props;
use super::recorded::sdk_method;
use crate::config::{load, LoadOptions};
use crate::model::kinds::route::Route;
use crate::model::Kind;
use serde_json::Value;
use std::collections::BTreeMap;

const BEGIN: &str = "<!-- fidelity:begin (written by the fidelity test) -->";
const END: &str = "<!-- fidelity:end -->";

/// Leaves made comparable: the recording's placeholders (`<uri:1>`, `<region>`) and the
/// tool's refs (`{{ref:authorizer.main.x.id}}`) become the names both stand for, or `*`;
/// JSON text compares as JSON.
fn norm(v: &Value, names: &BTreeMap<String, String>) -> Value {
    if let Value::Array(a) = v {
        return Value::Array(a.iter().map(|x| norm(x, names)).collect());
    }
    let Value::String(s) = v else {
        return v.clone();
    };
    if let Some(n) = names.get(s) {
        return norm(&Value::String(n.clone()), &BTreeMap::new());
    }
    if let Some(rest) = s.strip_prefix("{{ref:") {
        let id = rest.trim_end_matches("}}").trim_end_matches(".id");
        let mut parts = id.splitn(3, '.');
        let (kind, _, name) = (parts.next(), parts.next(), parts.next());
        return Value::String(format!("{}:{}", kind.unwrap_or(""), name.unwrap_or("")));
    }
    if let Ok(j) = serde_json::from_str::<Value>(s) {
        if j.is_object() || j.is_array() {
            return j;
        }
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find('<') {
        match rest[i..].find('>') {
            Some(j) if !rest[i + 1..i + j].contains(' ') => {
                out.push_str(&rest[..i]);
                out.push('*');
                rest = &rest[i + j + 1..];
            }
            _ => {
                out.push_str(&rest[..=i]);
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    Value::String(out.replace("arn:*:", "arn:aws:"))
}

/// `pattern` with `*` wildcards matches `s`.
fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, p) in parts.iter().enumerate() {
        match s[pos..].find(p) {
            Some(at) if i > 0 || at == 0 => pos += at + p.len(),
            _ => return false,
        }
    }
    parts.last().is_none_or(|l| l.is_empty() || s.ends_with(l))
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if x.contains('*') || y.contains('*') => {
            glob(x, y) || glob(y, x)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        _ => a == b,
    }
}

/// (field, the tool's, AWS's) for each leaf that differs.
fn diff(
    path: &str,
    tool: &Value,
    aws: &Value,
    names: &BTreeMap<String, String>,
    out: &mut Vec<(String, String, String)>,
) {
    match (tool, aws) {
        (Value::Object(t), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = t.keys().chain(a.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff(
                    &p,
                    t.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                    names,
                    out,
                );
            }
        }
        _ => {
            let (t, a) = (norm(tool, names), norm(aws, names));
            if !same(&t, &a) {
                let show = |v: &Value| {
                    let s = v.to_string().replace('|', "\\|");
                    if s.len() > 80 {
                        format!(
                            "{}…",
                            &s[..s.char_indices().nth(79).map_or(s.len(), |(i, _)| i)]
                        )
                    } else {
                        s
                    }
                };
                out.push((path.to_string(), show(&t), show(&a)));
            }
        }
    }
}

/// What the tool makes of one recorded document: its routes, and its authorizers, validators
/// and models as props by id; or why it did not take the document.
type Made = (BTreeMap<String, Route>, BTreeMap<String, Value>);

fn tool_routes(case: &Value) -> Result<Made, String> {
    let dir = tempfile::tempdir().unwrap();
    let doc = case["document"].as_str().unwrap();
    std::fs::write(dir.path().join(doc), case["text"].as_str().unwrap()).unwrap();
    let stack = dir.path().join("stack.yaml");
    std::fs::write(
        &stack,
        format!("stack: fidelity\nenvironment: test\nregion: us-east-1\nrest_apis:\n  main:\n    openapi: {doc}\n    stages:\n      test: {{}}\n"),
    )
    .unwrap();
    let first = |d: Vec<crate::diag::Diagnostic>| {
        d.into_iter()
            .find(|d| d.is_error())
            .map(|d| d.summary.replace(&dir.path().display().to_string(), ""))
            .unwrap_or_default()
    };
    let cfg = load(&stack, &LoadOptions::default()).map_err(|d| first(d.0))?;
    let (docs, _) = crate::model::desire::documents(&cfg, "us-east-1").map_err(first)?;
    let routes = crate::model::routes::routes(&docs["main"], "main")
        .into_iter()
        .map(|(path, method, r)| (format!("{method} {path}"), r))
        .collect();
    let items = crate::model::desire::desire(&cfg, "us-east-1")
        .map_err(first)?
        .into_iter()
        .filter(|r| matches!(r.kind, Kind::Authorizer | Kind::Validator | Kind::Model))
        .map(|r| (r.id.clone(), serde_json::to_value(&r.props).unwrap()))
        .collect();
    Ok((routes, items))
}

/// AWS's authorizers, validators and model names of one recorded import, through the reader.
fn aws_items(case: &Value) -> BTreeMap<String, Value> {
    use aws_sdk_apigateway::types::{Authorizer, AuthorizerType, RequestValidator};
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let mut out = BTreeMap::new();
    for a in case["authorizer_items"].as_array().into_iter().flatten() {
        let sdk = Authorizer::builder()
            .set_id(s(a, "id"))
            .set_name(s(a, "name"))
            .set_type(s(a, "type").map(|t| AuthorizerType::from(t.as_str())))
            .set_authorizer_uri(s(a, "authorizerUri"))
            .set_authorizer_credentials(s(a, "authorizerCredentials"))
            .set_identity_source(s(a, "identitySource"))
            .set_identity_validation_expression(s(a, "identityValidationExpression"))
            .set_authorizer_result_ttl_in_seconds(
                a.get("authorizerResultTtlInSeconds")
                    .and_then(Value::as_i64)
                    .map(|t| t as i32),
            )
            .set_provider_arns(a.get("providerARNs").and_then(Value::as_array).map(|l| {
                l.iter()
                    .filter_map(|v| Some(v.as_str()?.to_string()))
                    .collect()
            }))
            .build();
        let r = super::items::authorizer("main", &sdk);
        out.insert(r.id, serde_json::to_value(&r.props).unwrap());
    }
    for v in case["validator_items"].as_array().into_iter().flatten() {
        let sdk = RequestValidator::builder()
            .set_id(s(v, "id"))
            .set_name(s(v, "name"))
            .validate_request_body(v["validateRequestBody"].as_bool().unwrap_or(false))
            .validate_request_parameters(v["validateRequestParameters"].as_bool().unwrap_or(false))
            .build();
        let r = super::items::validator("main", &sdk);
        out.insert(r.id, serde_json::to_value(&r.props).unwrap());
    }
    out
}

/// The table's rows: `| case | route | field | idrv5-gw | AWS |`.
fn rows() -> Vec<String> {
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/imports.json"
    ))
    .unwrap();
    let mut out = Vec::new();
    for case in recorded["cases"].as_array().unwrap() {
        let name = case["case"].as_str().unwrap().trim_start_matches("test_");
        let mut names = BTreeMap::new();
        for (kind, table) in [("authorizer", "authorizers"), ("validator", "validators")] {
            for (id, n) in case[table].as_object().into_iter().flatten() {
                names.insert(id.clone(), format!("{kind}:{}", n.as_str().unwrap_or("")));
            }
        }
        let (tool, items) = match tool_routes(case) {
            Ok(t) => t,
            Err(why) => {
                out.push(format!(
                    "| {name} | — | the document | not taken: {} | imported |",
                    why.replace('|', "\\|")
                ));
                continue;
            }
        };
        // Authorizers and validators, field by field; models by name (an import makes the
        // contract's schemas and nothing else: no default `Empty`/`Error` as CreateRestApi
        // does; a recording without models is not compared).
        let mut aws = aws_items(case);
        // A recording that masks an item's name (`<name:2>`) stands for the one item of that
        // kind the tool makes and AWS's list does not name.
        for kind in ["authorizer.", "validator."] {
            let masked: Vec<String> = aws
                .keys()
                .filter(|id| id.starts_with(kind) && id.contains('<'))
                .cloned()
                .collect();
            let unmatched: Vec<&String> = items
                .keys()
                .filter(|id| id.starts_with(kind) && !aws.contains_key(*id))
                .collect();
            if let ([m], [u]) = (masked.as_slice(), unmatched.as_slice()) {
                let v = aws.remove(m).unwrap();
                aws.insert((*u).clone(), v);
            }
        }
        let recorded = |id: &str| {
            let list = if id.starts_with("authorizer.") {
                "authorizer_items"
            } else {
                "validator_items"
            };
            !case[list].is_null()
        };
        let made: BTreeMap<&String, &Value> = items
            .iter()
            .filter(|(id, _)| !id.starts_with("model.") && recorded(id))
            .collect();
        let ids: std::collections::BTreeSet<&String> =
            made.keys().copied().chain(aws.keys()).collect();
        for id in ids {
            let mut d = Vec::new();
            let none = Value::Null;
            diff(
                "",
                made.get(id).copied().unwrap_or(&none),
                aws.get(id).unwrap_or(&none),
                &names,
                &mut d,
            );
            for (field, t, a) in d {
                let field = if field.is_empty() {
                    "the item".to_string()
                } else {
                    field
                };
                out.push(format!("| {name} | {id} | {field} | {t} | {a} |"));
            }
        }
        if let Some(recorded) = case["models"].as_array() {
            let mut mine: Vec<String> = items
                .keys()
                .filter_map(|id| id.strip_prefix("model.main."))
                .map(str::to_string)
                .collect();
            mine.sort();
            let theirs: Vec<String> = recorded
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let masked = theirs.iter().any(|n| n.starts_with('<'));
            if !masked && mine != theirs {
                out.push(format!(
                    "| {name} | models | names | {mine:?} | {theirs:?} |"
                ));
            }
        }
        for (route, m) in case["methods"].as_object().unwrap() {
            let cache = m
                .pointer("/methodIntegration/cacheNamespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            let aws = serde_json::to_value(route_props(&sdk_method(m), cache)).unwrap();
            let Some(t) = tool.get(route) else {
                out.push(format!("| {name} | {route} | the route | none | made |"));
                continue;
            };
            let mut d = Vec::new();
            diff("", &serde_json::to_value(t).unwrap(), &aws, &names, &mut d);
            for (field, t, a) in d {
                out.push(format!("| {name} | {route} | {field} | {t} | {a} |"));
            }
        }
    }
    out
}

#[test]
fn the_fidelity_table_in_the_docs_is_what_the_tool_makes_of_what_aws_imported() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/import-compat-checks.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let table = format!(
        "{BEGIN}\n| recorded import | route or item | field | idrv5-gw | AWS |\n|---|---|---|---|---|\n{}\n{END}",
        {
            let rows = rows();
            if rows.is_empty() {
                "| (none: every route, authorizer, validator and model of the 11 documents is what AWS made) | | | | |".to_string()
            } else {
                rows.join("\n")
            }
        }
    );
    let (Some(a), Some(b)) = (text.find(BEGIN), text.find(END)) else {
        panic!("docs/import-compat-checks.md has no fidelity markers");
    };
    let now = &text[a..b + END.len()];
    if std::env::var_os("IDRV5_BLESS").is_some() {
        std::fs::write(&path, text.replace(now, &table)).unwrap();
        return;
    }
    assert_eq!(
        now, table,
        "the import fidelity table in docs/import-compat-checks.md is not what the tool does now; \
         rewrite it with IDRV5_BLESS=1 cargo test --lib fidelity and explain each row"
    );
}
