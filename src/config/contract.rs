//! An OpenAPI contract as read from disk, tolerant of what API Gateway tolerates.

use crate::diag::{Diagnostic, SourceText};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::Path;

pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
pub const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

#[derive(Debug, Clone)]
pub struct Contract {
    pub source: SourceText,
    pub doc: Value,
}

/// One operation of the contract.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Contract path, e.g. `/rate-cards/{id}`.
    pub path: String,
    /// Upper case, `ANY` for x-amazon-apigateway-any-method.
    pub method: String,
    pub operation_id: Option<String>,
    /// (location: path|querystring|header, name, required)
    pub parameters: Vec<(String, String, bool)>,
}

impl Operation {
    /// The operation's key in its path item: `get`, or `x-amazon-apigateway-any-method`.
    pub fn key(&self) -> String {
        if self.method == "ANY" {
            ANY_METHOD.to_string()
        } else {
            self.method.to_lowercase()
        }
    }

    /// The JSON pointer to the operation in the contract: `/paths/~1a~1{id}/get`.
    pub fn pointer(&self) -> String {
        format!(
            "/paths/{}/{}",
            self.path.replace('~', "~0").replace('/', "~1"),
            self.key()
        )
    }
}

impl Contract {
    pub fn load(path: &Path) -> Result<Contract, Vec<Diagnostic>> {
        let source = super::source::read_source(path, "OpenAPI file").map_err(|d| {
            let hint = "check the `openapi:` path; it is relative to the stack file that names it";
            vec![if d.hint.is_none() { d.hint(hint) } else { d }]
        })?;
        Self::from_source(source)
    }

    /// A contract from text already read (a file, or `git show REF:PATH`).
    pub fn from_source(source: SourceText) -> Result<Contract, Vec<Diagnostic>> {
        let mut doc = parse(&source)?;
        if super::swagger::is_swagger(&doc) {
            doc = super::swagger::to_openapi3(&doc);
        }
        if !doc.is_object() {
            return Err(vec![Diagnostic::error(
                "openapi",
                "the OpenAPI document is not a mapping",
            )
            .hint("the file must hold an OpenAPI 3.0 document (openapi, info, paths)")
            .at(Some(source.at_line(1, 1)))]);
        }
        Ok(Contract { source, doc })
    }

    /// A warning when the document is not strict OpenAPI 3.0 (the loader itself is tolerant,
    /// as API Gateway is; code generators and validators downstream are not).
    pub fn strict_check(&self) -> Option<Diagnostic> {
        let version = self.doc.get("openapi").and_then(Value::as_str)?;
        if !version.starts_with("3.0") {
            return None; // lint V1 reports other versions
        }
        // From a borrow: cloning a large document costs as much as the check itself.
        let e = openapiv3::OpenAPI::deserialize(&self.doc).err()?;
        Some(
            Diagnostic::warning("O1", format!("not strict OpenAPI 3.0: {e}"))
                .hint("API Gateway may accept it, but other OpenAPI tools will not; fix the shape named")
                .at(Some(self.source.at_line(1, 1))),
        )
    }

    /// Every operation, in document order, with path-level and `$ref` parameters resolved.
    pub fn operations(&self) -> Vec<Operation> {
        let mut out = Vec::new();
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return out;
        };
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            let shared = self.params(item.get("parameters"));
            for (key, op) in item {
                let method = if key == ANY_METHOD {
                    "ANY".to_string()
                } else if METHODS.contains(&key.as_str()) {
                    key.to_uppercase()
                } else {
                    continue;
                };
                let Some(op) = op.as_object() else { continue };
                let mut parameters = shared.clone();
                for p in self.params(op.get("parameters")) {
                    parameters.retain(|q| (&q.0, &q.1) != (&p.0, &p.1));
                    parameters.push(p);
                }
                // AWS's import makes every `{name}` of the path a required method parameter,
                // declared or not (recorded: openapi.spec.global-auth.json's /echo/{data}).
                for name in path_names(path) {
                    let declared = parameters
                        .iter()
                        .any(|(l, n, _)| l == "path" && n.trim_end_matches('+') == name);
                    if !declared {
                        parameters.push(("path".into(), name.to_string(), true));
                    }
                }
                out.push(Operation {
                    path: path.clone(),
                    method,
                    operation_id: op
                        .get("operationId")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    parameters,
                });
            }
        }
        out
    }

    fn params(&self, list: Option<&Value>) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = self.deref(p);
            let (Some(loc), Some(name)) = (
                p.get("in").and_then(Value::as_str),
                p.get("name").and_then(Value::as_str),
            ) else {
                continue;
            };
            let loc = match loc {
                "path" => "path",
                "query" => "querystring",
                "header" => "header",
                _ => continue, // cookie and friends have no place in API Gateway (lint R2)
            };
            let required =
                loc == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
            out.push((loc.to_string(), name.to_string(), required));
        }
        out
    }

    /// Follow an internal `$ref` (a few levels); unresolvable refs are the lint's to report.
    pub fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut cur = v;
        for _ in 0..8 {
            match cur.get("$ref").and_then(Value::as_str) {
                Some(r) => match resolve_ref(&self.doc, r) {
                    Some(next) => cur = next,
                    None => break,
                },
                None => break,
            }
        }
        cur
    }
}

/// YAML or JSON into JSON values; YAML's integer keys (`200:`) become strings.
fn parse(src: &SourceText) -> Result<Value, Vec<Diagnostic>> {
    let trimmed = src.text.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(&src.text).map_err(|e| {
            vec![Diagnostic::error("openapi", format!("invalid JSON: {e}"))
                .hint("fix the JSON syntax at that place")
                .at(Some(src.at_line_clamped(e.line(), e.column())))]
        });
    }
    let y: serde_yaml::Value = serde_yaml::from_str(&src.text).map_err(|e| {
        let loc = e
            .location()
            .map(|l| src.at_line_clamped(l.line(), l.column()));
        let msg = e.to_string();
        vec![Diagnostic::error(
            "openapi",
            format!(
                "invalid YAML: {}",
                msg.split(" at line ").next().unwrap_or(&msg)
            ),
        )
        .hint("fix the YAML syntax at that place")
        .at(loc.or(Some(src.at_line(1, 1))))]
    })?;
    Ok(yaml_to_json(y))
}

pub fn yaml_to_json(v: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().map(Value::from).unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(a) => Value::Array(a.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => serde_yaml::to_string(&other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                out.insert(key, yaml_to_json(v));
            }
            Value::Object(out)
        }
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

/// A local `$ref` (`#/components/...`) resolved in the document, JSON-pointer escapes and
/// percent-encoding included.
pub fn resolve_ref<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    // A URI fragment may also be percent-encoded (`#/paths/~1a~1%7Bid%7D`, RFC 6901 §6).
    (doc.pointer(pointer)).or_else(|| doc.pointer(&percent_decode(pointer)?))
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return None;
    }
    let (mut out, mut i) = (Vec::with_capacity(s.len()), 0);
    while let Some(&b) = s.as_bytes().get(i) {
        if b == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The variables of a path template, `{proxy+}` as `proxy`.
pub fn path_names(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|seg| {
        seg.strip_prefix('{')?
            .strip_suffix('}')
            .map(|n| n.trim_end_matches('+'))
    })
}
