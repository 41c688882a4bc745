//! Two versions of a contract compared as its clients see them (`idrv5-gw contract-diff`):
//! each difference is breaking (a client written against the old version can fail) or
//! compatible. The rules follow oasdiff's and openapi-diff's lists: a removed route or
//! success status, a new required parameter or body field, a narrowed type, enum or limit on
//! what clients send, a removed or no longer guaranteed response field, changed security.

use crate::config::contract::{resolve_ref, Contract, ANY_METHOD, METHODS};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Breaking,
    Compatible,
}

/// One difference: its level, the rule (oasdiff-style id), the route and what changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub level: Level,
    pub rule: &'static str,
    /// `METHOD /path` as the new version writes it (the old one's for a removed route).
    pub route: String,
    pub text: String,
}

/// Schemas are compared from the client's side: what it sends (request) may only widen,
/// what it receives (response) may only narrow.
#[derive(Clone, Copy, PartialEq)]
enum Side {
    Request,
    Response,
}

struct Differ<'a> {
    old: &'a Value,
    new: &'a Value,
    out: Vec<Finding>,
    route: String,
    /// The paths of the operations being compared, as each version writes them.
    old_path: String,
    new_path: String,
    /// `$ref` pairs already compared on this route: recursive schemas end there.
    seen: BTreeSet<(String, String)>,
}

/// Every difference between `old` and `new`, breaking ones first, then by route.
pub fn diff(old: &Contract, new: &Contract) -> Vec<Finding> {
    let mut d = Differ {
        old: &old.doc,
        new: &new.doc,
        out: Vec::new(),
        route: String::new(),
        old_path: String::new(),
        new_path: String::new(),
        seen: BTreeSet::new(),
    };
    let (before, after) = (operations(&old.doc), operations(&new.doc));
    for (key, (route, op, item)) in &before {
        d.route = route.clone();
        d.seen.clear();
        match after.get(key) {
            None => d.push(
                Level::Breaking,
                "route-removed",
                "the operation is gone".into(),
            ),
            Some((new_route, new_op, new_item)) => {
                d.old_path = path_of(route);
                d.new_path = path_of(new_route);
                d.route = new_route.clone();
                d.operation((op, item), (new_op, new_item));
            }
        }
    }
    for (key, (route, _, _)) in &after {
        if !before.contains_key(key) {
            d.route = route.clone();
            d.push(Level::Compatible, "route-added", "a new operation".into());
        }
    }
    let mut out = d.out;
    out.sort_by(|a, b| (a.level, &a.route).cmp(&(b.level, &b.route)));
    out
}

/// `/x/{id}` of `GET /x/{id}`.
fn path_of(route: &str) -> String {
    route
        .split_once(' ')
        .map_or(String::new(), |(_, p)| p.to_string())
}

type Op<'a> = (&'a Map<String, Value>, &'a Map<String, Value>);

/// `METHOD /path` with parameter names blanked (`/users/{}`: a renamed path parameter is the
/// same route to a client) → (route as written, operation, path item).
/// Route key → (route as written, operation, path item).
type Operations<'a> = BTreeMap<String, (String, &'a Map<String, Value>, &'a Map<String, Value>)>;

fn operations(doc: &Value) -> Operations<'_> {
    let mut out = BTreeMap::new();
    let paths = doc.get("paths").and_then(Value::as_object);
    for (path, item) in paths.into_iter().flatten() {
        let Some(item) = item.as_object() else {
            continue;
        };
        let shape: String = path
            .split('/')
            .map(|s| if s.starts_with('{') { "{}" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for (key, op) in item {
            let method = if key == ANY_METHOD {
                "ANY".to_string()
            } else if METHODS.contains(&key.as_str()) {
                key.to_uppercase()
            } else {
                continue;
            };
            if let Some(op) = op.as_object() {
                out.insert(
                    format!("{method} {shape}"),
                    (format!("{method} {path}"), op, item),
                );
            }
        }
    }
    out
}

impl<'a> Differ<'a> {
    fn push(&mut self, level: Level, rule: &'static str, text: String) {
        self.out.push(Finding {
            level,
            rule,
            route: self.route.clone(),
            text,
        });
    }

    fn operation(&mut self, (old, old_item): Op<'a>, (new, new_item): Op<'a>) {
        let (old_path, new_path) = (self.old_path.clone(), self.new_path.clone());
        self.parameters(
            params(self.old, old, old_item, &old_path),
            params(self.new, new, new_item, &new_path),
        );
        self.request_body(old.get("requestBody"), new.get("requestBody"));
        self.responses(old.get("responses"), new.get("responses"));
        let (a, b) = (security(self.old, old), security(self.new, new));
        if a != b {
            let show = |s: &BTreeSet<BTreeSet<String>>| {
                if s.is_empty() {
                    "none".to_string()
                } else {
                    s.iter()
                        .map(|r| r.iter().cloned().collect::<Vec<_>>().join(" + "))
                        .collect::<Vec<_>>()
                        .join(" or ")
                }
            };
            let (level, rule) = if b.is_empty() {
                (Level::Compatible, "security-removed")
            } else {
                (Level::Breaking, "security-changed")
            };
            self.push(level, rule, format!("security {} → {}", show(&a), show(&b)));
        }
    }

    fn parameters(&mut self, old: ParamMap<'a>, new: ParamMap<'a>) {
        for ((loc, name), (required, schema)) in &new {
            match old.get(&(loc.clone(), name.clone())) {
                None if *required => self.push(
                    Level::Breaking,
                    "request-parameter-added-required",
                    format!("new required {loc} parameter `{name}`"),
                ),
                None => self.push(
                    Level::Compatible,
                    "request-parameter-added",
                    format!("new optional {loc} parameter `{name}`"),
                ),
                Some((was_required, old_schema)) => {
                    if *required && !was_required {
                        self.push(
                            Level::Breaking,
                            "request-parameter-became-required",
                            format!("{loc} parameter `{name}` is now required"),
                        );
                    }
                    if let (Some(a), Some(b)) = (old_schema, schema) {
                        self.schema(a, b, Side::Request, &format!("{loc} parameter `{name}`"));
                    }
                }
            }
        }
        for (loc, name) in old.keys() {
            if !new.contains_key(&(loc.clone(), name.clone())) {
                self.push(
                    Level::Compatible,
                    "request-parameter-removed",
                    format!("{loc} parameter `{name}` is no longer read"),
                );
            }
        }
    }

    fn request_body(&mut self, old: Option<&'a Value>, new: Option<&'a Value>) {
        let old = old.map(|b| deref(self.old, b));
        let new = new.map(|b| deref(self.new, b));
        let required = |b: Option<&Value>| {
            b.and_then(|b| b.get("required"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };
        match (old, new) {
            (None, Some(_)) if required(new) => self.push(
                Level::Breaking,
                "request-body-added-required",
                "a required request body".into(),
            ),
            (None, Some(_)) => self.push(
                Level::Compatible,
                "request-body-added",
                "an optional request body".into(),
            ),
            (Some(_), None) => self.push(
                Level::Compatible,
                "request-body-removed",
                "the request body is no longer read".into(),
            ),
            (Some(a), Some(b)) => {
                if required(Some(b)) && !required(Some(a)) {
                    self.push(
                        Level::Breaking,
                        "request-body-became-required",
                        "the request body is now required".into(),
                    );
                }
                let content = |v: &'a Value| v.get("content").and_then(Value::as_object);
                let new_types = content(b);
                for (mt, m) in content(a).into_iter().flatten() {
                    match new_types.and_then(|c| c.get(mt)) {
                        None => self.push(
                            Level::Breaking,
                            "request-media-type-removed",
                            format!("request body `{mt}` is no longer accepted"),
                        ),
                        Some(n) => {
                            if let (Some(x), Some(y)) = (m.get("schema"), n.get("schema")) {
                                self.schema(x, y, Side::Request, &format!("request body `{mt}`"));
                            }
                        }
                    }
                }
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, old: Option<&'a Value>, new: Option<&'a Value>) {
        let (Some(old), Some(new)) = (
            old.and_then(Value::as_object),
            new.and_then(Value::as_object),
        ) else {
            return;
        };
        for (status, r) in old {
            let Some(n) = new.get(status) else {
                // A client handles the success answers it was promised; an error status
                // dropped from the contract is documentation.
                let success = status.starts_with(['1', '2', '3']);
                let (level, rule) = if success {
                    (Level::Breaking, "response-status-removed")
                } else {
                    (Level::Compatible, "response-error-status-removed")
                };
                self.push(level, rule, format!("response {status} removed"));
                continue;
            };
            let (r, n) = (deref(self.old, r), deref(self.new, n));
            let content = |v: &'a Value| v.get("content").and_then(Value::as_object);
            let new_types = content(n);
            for (mt, m) in content(r).into_iter().flatten() {
                match new_types.and_then(|c| c.get(mt)) {
                    None => self.push(
                        Level::Breaking,
                        "response-media-type-removed",
                        format!("response {status} `{mt}` is no longer sent"),
                    ),
                    Some(x) => {
                        if let (Some(a), Some(b)) = (m.get("schema"), x.get("schema")) {
                            self.schema(a, b, Side::Response, &format!("response {status} `{mt}`"));
                        }
                    }
                }
            }
        }
        for status in new.keys().filter(|s| !old.contains_key(*s)) {
            self.push(
                Level::Compatible,
                "response-status-added",
                format!("response {status} added"),
            );
        }
    }

    /// Compare two schemas at `at` from the client's `side`.
    fn schema(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        // A pair of `$ref`s compared once per route: recursive schemas end here.
        let refs = (
            old.get("$ref").and_then(Value::as_str),
            new.get("$ref").and_then(Value::as_str),
        );
        if refs != (None, None) {
            let key = (
                refs.0.unwrap_or_default().to_string(),
                refs.1.unwrap_or_default().to_string(),
            );
            if !self.seen.insert(key) {
                return;
            }
        }
        let (doc_old, doc_new) = (self.old, self.new);
        let old = flatten(doc_old, deref(doc_old, old));
        let new = flatten(doc_new, deref(doc_new, new));
        let (old, new) = (&old, &new);
        let ty = |s: &Value| s.get("type").and_then(Value::as_str).map(str::to_string);
        if let (Some(a), Some(b)) = (ty(old), ty(new)) {
            // integer → number widens what a client may send; number → integer narrows
            // what it receives. Anything else is a different type.
            let widened = match side {
                Side::Request => a == "integer" && b == "number",
                Side::Response => a == "number" && b == "integer",
            };
            if a != b && !widened {
                let rule = if side == Side::Request {
                    "request-type-changed"
                } else {
                    "response-type-changed"
                };
                self.push(Level::Breaking, rule, format!("{at}: type {a} → {b}"));
                return;
            }
        }
        self.enums(old, new, side, at);
        if side == Side::Request {
            self.limits(old, new, at);
        }
        let empty = Map::new();
        let op = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let np = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let required = |s: &Value| -> BTreeSet<String> {
            s.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let (or, nr) = (required(old), required(new));
        match side {
            Side::Request => {
                for name in nr.difference(&or) {
                    let rule = if op.contains_key(name) {
                        "request-property-became-required"
                    } else {
                        "request-property-added-required"
                    };
                    self.push(
                        Level::Breaking,
                        rule,
                        format!("{at}: property `{name}` is now required"),
                    );
                }
            }
            Side::Response => {
                for name in op.keys().filter(|n| !np.contains_key(*n)) {
                    self.push(
                        Level::Breaking,
                        "response-property-removed",
                        format!("{at}: property `{name}` removed"),
                    );
                }
                for name in or.difference(&nr).filter(|n| np.contains_key(*n)) {
                    self.push(
                        Level::Breaking,
                        "response-property-became-optional",
                        format!("{at}: property `{name}` is no longer always sent"),
                    );
                }
                for name in np.keys().filter(|n| !op.contains_key(*n)) {
                    self.push(
                        Level::Compatible,
                        "response-property-added",
                        format!("{at}: property `{name}` added"),
                    );
                }
            }
        }
        for (name, a) in op {
            if let Some(b) = np.get(name) {
                self.schema(a, b, side, &format!("{at}.{name}"));
            }
        }
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.schema(a, b, side, &format!("{at}[]"));
        }
    }

    fn enums(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let set = |s: &Value| -> Option<BTreeSet<String>> {
            Some(
                s.get("enum")?
                    .as_array()?
                    .iter()
                    .map(|v| v.to_string())
                    .collect(),
            )
        };
        match (set(old), set(new), side) {
            (Some(a), Some(b), Side::Request) => {
                let gone: Vec<&String> = a.difference(&b).collect();
                if !gone.is_empty() {
                    self.push(
                        Level::Breaking,
                        "request-enum-value-removed",
                        format!("{at}: no longer accepts {}", join(&gone)),
                    );
                }
            }
            (None, Some(b), Side::Request) => {
                self.push(
                    Level::Breaking,
                    "request-enum-added",
                    format!(
                        "{at}: now only accepts {}",
                        join(&b.iter().collect::<Vec<_>>())
                    ),
                );
            }
            (Some(a), Some(b), Side::Response) => {
                let added: Vec<&String> = b.difference(&a).collect();
                if !added.is_empty() {
                    self.push(
                        Level::Compatible,
                        "response-enum-value-added",
                        format!("{at}: may now send {}", join(&added)),
                    );
                }
            }
            _ => {}
        }
    }

    /// Limits on what a client sends that the new version tightens (or adds).
    fn limits(&mut self, old: &Value, new: &Value, at: &str) {
        let num = |s: &Value, k: &str| s.get(k).and_then(Value::as_f64);
        for (key, upper) in [
            ("maxLength", true),
            ("maximum", true),
            ("maxItems", true),
            ("maxProperties", true),
            ("minLength", false),
            ("minimum", false),
            ("minItems", false),
            ("minProperties", false),
        ] {
            let narrowed = match (num(old, key), num(new, key)) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => (upper && b < a) || (!upper && b > a),
                _ => false,
            };
            if narrowed {
                let was = old.get(key).map_or("none".to_string(), Value::to_string);
                let now = new.get(key).map_or("none".to_string(), Value::to_string);
                self.push(
                    Level::Breaking,
                    "request-limit-narrowed",
                    format!("{at}: {key} {was} → {now}"),
                );
            }
        }
        let pattern = |s: &Value| s.get("pattern").and_then(Value::as_str).map(str::to_string);
        if let Some(p) = pattern(new).filter(|p| pattern(old).as_ref() != Some(p)) {
            self.push(
                Level::Breaking,
                "request-pattern-changed",
                format!("{at}: pattern now `{p}`"),
            );
        }
        let nullable = |s: &Value| s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
        if nullable(old) && !nullable(new) {
            self.push(
                Level::Breaking,
                "request-nullable-removed",
                format!("{at}: null is no longer accepted"),
            );
        }
    }
}

fn join(values: &[&String]) -> String {
    values
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `$ref`s followed (a bounded number of hops).
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    let mut cur = v;
    for _ in 0..16 {
        match cur
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| resolve_ref(doc, r))
        {
            Some(next) => cur = next,
            None => break,
        }
    }
    cur
}

/// A schema with its `allOf` members merged in (properties and required lists), as one
/// object a client sees. Subschemas stay as written (`$ref`s included).
fn flatten(doc: &Value, s: &Value) -> Value {
    let Some(all) = s.get("allOf").and_then(Value::as_array) else {
        return s.clone();
    };
    let mut out = s.clone();
    if let Some(o) = out.as_object_mut() {
        o.remove("allOf");
    }
    for member in all {
        let m = flatten(doc, deref(doc, member));
        for (k, v) in m.as_object().into_iter().flatten() {
            match (k.as_str(), out.get_mut(k)) {
                ("properties", Some(Value::Object(p))) => {
                    for (name, schema) in v.as_object().into_iter().flatten() {
                        p.insert(name.clone(), schema.clone());
                    }
                }
                ("required", Some(Value::Array(r))) => {
                    r.extend(v.as_array().into_iter().flatten().cloned());
                }
                (_, None) => {
                    out[k] = v.clone();
                }
                _ => {}
            }
        }
    }
    out
}

type ParamMap<'a> = BTreeMap<(String, String), (bool, Option<&'a Value>)>;

/// (in, name) → (required, schema), the operation's over the path item's. A path parameter
/// is keyed by its place in the path (`#1`): renaming one changes nothing for a client.
fn params<'a>(
    doc: &'a Value,
    op: &'a Map<String, Value>,
    item: &'a Map<String, Value>,
    path: &str,
) -> ParamMap<'a> {
    let vars: Vec<&str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|s| s.trim_end_matches('+'))
        .collect();
    let mut out = BTreeMap::new();
    let lists = [item.get("parameters"), op.get("parameters")];
    for p in lists
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
    {
        let p = deref(doc, p);
        let (Some(loc), Some(name)) = (
            p.get("in").and_then(Value::as_str),
            p.get("name").and_then(Value::as_str),
        ) else {
            continue;
        };
        let name = match vars.iter().position(|v| *v == name) {
            Some(i) if loc == "path" => format!("#{}", i + 1),
            _ => name.to_string(),
        };
        let required = loc == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
        out.insert((loc.to_string(), name), (required, p.get("schema")));
    }
    out
}

/// The operation's security (its own, else the document's) as alternatives of scheme sets,
/// scopes included (`scheme:scope`).
fn security(doc: &Value, op: &Map<String, Value>) -> BTreeSet<BTreeSet<String>> {
    let reqs = op.get("security").or_else(|| doc.get("security"));
    reqs.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .map(|r| {
            r.iter()
                .flat_map(|(scheme, scopes)| {
                    let mut names = vec![scheme.clone()];
                    names.extend(
                        scopes
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|s| Some(format!("{scheme}:{}", s.as_str()?))),
                    );
                    names
                })
                .collect()
        })
        .filter(|r: &BTreeSet<String>| !r.is_empty())
        .collect()
}

/// The findings as text, one per line, with a count first.
pub fn text(old: &str, new: &str, findings: &[Finding]) -> String {
    let (b, c) = counts(findings);
    let mut out = format!("contract-diff {old} → {new}: {b} breaking, {c} compatible\n");
    for f in findings {
        let level = match f.level {
            Level::Breaking => "breaking  ",
            Level::Compatible => "compatible",
        };
        out.push_str(&format!("{level} {}: {} [{}]\n", f.route, f.text, f.rule));
    }
    out
}

/// The findings as Markdown for a pull-request comment: a count, then a table per level.
pub fn markdown(old: &str, new: &str, findings: &[Finding]) -> String {
    let (b, c) = counts(findings);
    let mut out =
        format!("### Contract changes: `{old}` → `{new}`\n\n**{b} breaking**, {c} compatible\n");
    for (level, title) in [
        (Level::Breaking, "Breaking"),
        (Level::Compatible, "Compatible"),
    ] {
        let rows: Vec<&Finding> = findings.iter().filter(|f| f.level == level).collect();
        if rows.is_empty() {
            continue;
        }
        let open = if level == Level::Breaking {
            " open"
        } else {
            ""
        };
        out.push_str(&format!("\n<details{open}><summary>{title} ({})</summary>\n\n| route | change | rule |\n|---|---|---|\n", rows.len()));
        for f in rows {
            let cell = |s: &str| s.replace('|', "\\|");
            out.push_str(&format!(
                "| `{}` | {} | `{}` |\n",
                cell(&f.route),
                cell(&f.text),
                f.rule
            ));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The findings as JSON: counts and every finding.
pub fn json(old: &str, new: &str, findings: &[Finding]) -> Value {
    let (b, c) = counts(findings);
    serde_json::json!({"old": old, "new": new, "breaking": b, "compatible": c, "changes": findings})
}

fn counts(findings: &[Finding]) -> (usize, usize) {
    let b = findings
        .iter()
        .filter(|f| f.level == Level::Breaking)
        .count();
    (b, findings.len() - b)
}

#[cfg(test)]
mod tests;
