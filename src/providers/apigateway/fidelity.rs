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
use serde_json::Value;
use std::collections::BTreeMap;

const BEGIN: &str = "<!-- fidelity:begin (written by the fidelity test) -->";
const END: &str = "<!-- fidelity:end -->";

/// Leaves made comparable: the recording's placeholders (`<uri:1>`, `<region>`) and the
/// tool's refs (`{{ref:authorizer.main.x.id}}`) become the names both stand for, or `*`;
/// JSON text compares as JSON.
fn norm(v: &Value, names: &BTreeMap<String, String>) -> Value {
    let Value::String(s) = v else {
        return v.clone();
    };
    if let Some(n) = names.get(s) {
        return Value::String(n.clone());
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

/// The tool's routes for one recorded document, or why it did not take the document.
fn tool_routes(case: &Value) -> Result<BTreeMap<String, Route>, String> {
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
    Ok(crate::model::routes::routes(&docs["main"], "main")
        .into_iter()
        .map(|(path, method, r)| (format!("{method} {path}"), r))
        .collect())
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
        let tool = match tool_routes(case) {
            Ok(t) => t,
            Err(why) => {
                out.push(format!(
                    "| {name} | — | the document | not taken: {} | imported |",
                    why.replace('|', "\\|")
                ));
                continue;
            }
        };
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
        "{BEGIN}\n| recorded import | route | field | idrv5-gw | AWS |\n|---|---|---|---|---|\n{}\n{END}",
        rows().join("\n")
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
