//! Contract schemas → API Gateway models (JSON Schema draft 4).
//!
//! Only the schemas request validation needs become models: those a validated operation's
//! JSON request body names, and what they refer to. Keywords draft 4 does not know are
//! dropped with a warning naming the schema; `nullable` becomes a `null` type.

use crate::config::contract::Contract;
use crate::diag::Diagnostic;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

pub const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";
/// OpenAPI or later-draft keywords with no meaning in draft 4 (import-compat M2–M11).
const DROP: &[&str] = &[
    "example",
    "examples",
    "readOnly",
    "writeOnly",
    "discriminator",
    "xml",
    "externalDocs",
    "deprecated",
    "nullable",
    "$id",
    "const",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "default",
];

/// The schema name a request body refers to, for `application/json`.
pub fn body_model(contract: &Contract, path: &str, method: &str) -> Option<String> {
    let key = if method == "ANY" {
        crate::config::contract::ANY_METHOD.to_string()
    } else {
        method.to_lowercase()
    };
    let body = contract.doc.pointer(&format!(
        "/paths/{}/{key}/requestBody",
        path.replace('~', "~0").replace('/', "~1")
    ))?;
    let body = contract.deref(body);
    let schema = body.pointer("/content/application~1json/schema")?;
    schema
        .get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}

/// The named schemas plus everything they refer to.
pub fn closure(contract: &Contract, roots: &BTreeSet<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(s) = contract.doc.pointer(&format!("/components/schemas/{name}")) {
            refs_in(s, &mut |r| todo.push(r.to_string()));
        }
    }
    seen
}

fn refs_in(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::Object(o) => {
            if let Some(r) = o
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                f(r);
            }
            o.values().for_each(|x| refs_in(x, f));
        }
        Value::Array(a) => a.iter().for_each(|x| refs_in(x, f)),
        _ => {}
    }
}

/// Names of the models a schema refers to.
pub fn model_refs(schema: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    refs_in(schema, &mut |r| {
        out.insert(r.to_string());
    });
    out
}

/// Draft-4 form of one schema; `$ref`s keep the OpenAPI form (`#/components/schemas/X`),
/// which the import turns into model URLs. Warnings name what was dropped.
pub fn draft4(name: &str, schema: &Value, source: &Contract) -> (Value, Vec<Diagnostic>) {
    let mut dropped = BTreeSet::new();
    let mut out = convert(schema, &mut dropped);
    if let Value::Object(o) = &mut out {
        o.insert("$schema".into(), json!(DRAFT4));
        o.insert("title".into(), json!(name));
    }
    let diags = if dropped.is_empty() {
        Vec::new()
    } else {
        let list: Vec<_> = dropped.into_iter().collect();
        vec![Diagnostic::warning("M2", format!("schema {name}: {} not supported by API Gateway models (JSON Schema draft 4); request validation ignores it", list.join(", ")))
            .hint("remove them from the schema, or accept that validation does not check them")
            .at(Some(source.source.locate(&["components", "schemas", name])))]
    };
    (out, diags)
}

fn convert(v: &Value, dropped: &mut BTreeSet<String>) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, x) in o {
                if DROP.contains(&k.as_str()) || k.starts_with("x-") {
                    if k != "nullable" {
                        dropped.insert(k.clone());
                    }
                    continue;
                }
                // Numeric exclusive bounds are draft 6; draft 4 wants booleans.
                if (k == "exclusiveMinimum" || k == "exclusiveMaximum") && !x.is_boolean() {
                    dropped.insert(k.clone());
                    continue;
                }
                let child = match k.as_str() {
                    // Maps from names to schemas: convert the schemas, keep the names.
                    "properties" | "patternProperties" | "definitions" => match x {
                        Value::Object(m) => Value::Object(
                            m.iter()
                                .map(|(n, s)| (n.clone(), convert(s, dropped)))
                                .collect(),
                        ),
                        other => other.clone(),
                    },
                    _ => convert(x, dropped),
                };
                out.insert(k.clone(), child);
            }
            if o.get("nullable") == Some(&Value::Bool(true)) {
                if let Some(t) = out.get("type").and_then(Value::as_str).map(str::to_string) {
                    out.insert("type".into(), json!([t, "null"]));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| convert(x, dropped)).collect()),
        other => other.clone(),
    }
}

/// The model's schema as API Gateway stores it: refs as model URLs of the REST API.
pub fn with_model_urls(schema: &Value, rest_api_id: &str) -> Value {
    match schema {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    let x = match (
                        k.as_str(),
                        x.as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/")),
                    ) {
                        ("$ref", Some(name)) => json!(format!(
                            "https://apigateway.amazonaws.com/restapis/{rest_api_id}/models/{name}"
                        )),
                        _ => with_model_urls(x, rest_api_id),
                    };
                    (k.clone(), x)
                })
                .collect(),
        ),
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| with_model_urls(x, rest_api_id)).collect())
        }
        other => other.clone(),
    }
}
