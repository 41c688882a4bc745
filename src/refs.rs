//! `{{ref:<id>.<attr>}}` placeholders: a value AWS assigns (an id, an ARN) written into a
//! string before it exists. The renderer writes them, the model and plan carry them, the
//! executor fills them in from outputs. A foundation module: it imports nothing of ours.

use serde_json::Value;
use std::collections::BTreeMap;

/// Attributes AWS assigns (`id`, `arn`, `root_id`, ...), by resource id.
pub type Outputs = BTreeMap<String, BTreeMap<String, String>>;

pub fn ref_placeholder(id: &str, attr: &str) -> String {
    format!("{{{{ref:{id}.{attr}}}}}")
}

/// Every `{{ref:id.attr}}` in a value, as (id, attr).
pub fn refs(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk_strings(v, &mut |s| {
        let mut rest = s;
        while let Some(start) = rest.find("{{ref:") {
            let after = &rest[start + 6..];
            let Some(end) = after.find("}}") else { break };
            let inner = &after[..end];
            if let Some(dot) = inner.rfind('.') {
                out.push((inner[..dot].to_string(), inner[dot + 1..].to_string()));
            }
            rest = &after[end + 2..];
        }
    });
    out
}

fn walk_strings(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.values().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

/// Fill in refs whose target has an output; others stay as placeholders.
pub fn resolve(v: &Value, outputs: &Outputs) -> Value {
    match v {
        Value::String(s) if s.contains("{{ref:") => {
            let mut s = s.clone();
            for (id, attr) in refs(v) {
                if let Some(val) = outputs.get(&id).and_then(|o| o.get(&attr)) {
                    s = s.replace(&ref_placeholder(&id, &attr), val);
                }
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, outputs)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), resolve(x, outputs)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `resolve` in place: a 1,000-operation document is not copied to fill in a few ids.
pub fn resolve_in_place(v: &mut Value, outputs: &Outputs) {
    match v {
        Value::String(s) if s.contains("{{ref:") => {
            let r = resolve(&Value::String(std::mem::take(s)), outputs);
            *v = r;
        }
        Value::Array(a) => a.iter_mut().for_each(|x| resolve_in_place(x, outputs)),
        Value::Object(o) => o.values_mut().for_each(|x| resolve_in_place(x, outputs)),
        _ => {}
    }
}

/// True when a value still holds a ref nobody could fill in yet.
pub fn is_unknown(v: &Value) -> bool {
    !refs(v).is_empty()
}
