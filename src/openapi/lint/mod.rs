//! API Gateway REST import compatibility: what `ImportRestApi`/`PutRestApi` would reject
//! (errors) or silently drop (warnings), found before any AWS call.
//!
//! Codes are the rule ids of `shared/reference/import-compat.md`; docs/import-compat-checks.md
//! lists every check. `$ref`s are checked, never followed recursively, so circular schemas
//! cannot loop the lint. Shapes are read only through `get`/`as_*`: real contracts hold
//! intrinsics where strings belong, integer response keys and missing fields.

mod locator;
mod paths;

use crate::config::contract::resolve_ref;
use crate::diag::{Diagnostic, SourceText};
use locator::Locator;
use paths::{is_variable, path_problem};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Each code's fix; docs/import-compat-checks.md is this table with its sources.
#[rustfmt::skip]
const FIXES: &[(&str, &str)] = &[
    ("V1", "write the contract as OpenAPI 3.0.x (`openapi: 3.0.3`) or Swagger 2.0, which idrv5-gw reads as the OpenAPI 3.0 it stands for"),
    ("size", "split the API, or move long descriptions and examples out of the import document"),
    ("P1", "path parts may hold only A-Za-z0-9 _ - . , : and a parameter must be a whole part (`/files/{id}`, not `/files/{id}.json`)"),
    ("P2", "give all variable children of one parent the same name (e.g. `/user/{userId}/...` everywhere)"),
    ("P3", "make the greedy `{name+}` parameter the last part of the path"),
    ("P4", "rename the root resource (e.g. `/health`): `/ping` and `/sping` are reserved for health checks on custom domains"),
    ("P5", "drop the `#...`/`?...` suffix: merge the operation into the plain path, or give it a path of its own"),
    ("M1", "rename the schema to letters and digits only (e.g. `Comment--Base` → `CommentBase`) and update its $refs"),
    ("M2", "rewrite for draft 4: `const: x` → `enum: [x]`; `exclusiveMinimum: n` → a `minimum` just past n; drop $id, examples, if/then/else"),
    ("M3", "remove `discriminator`: models ignore it"),
    ("M4", "move the composed schema to components/schemas and $ref it"),
    ("M6", "remove `readOnly`: request validation does not honour it"),
    ("M7", "leave `example` out of the import document: models do not support it"),
    ("M8", "express the bound with an inclusive minimum/maximum: exclusiveMinimum/exclusiveMaximum is not supported"),
    ("M10", "use `type: integer` for int32/int64 and drop `format: decimal`"),
    ("M11", "apply defaults in the backend: models do not support `default`"),
    ("M13", "define the primitive schema in components/schemas and $ref it"),
    ("S1", "inline the response object under the operation (its schema may stay a $ref)"),
    ("S3", "declare the responses the operation answers (e.g. `200:` with a description); a proxy integration does without"),
    ("R2", "send it as a header or query parameter, or read the Cookie header in the backend"),
    ("I1", "write the mapping as a string: `\"'value'\"` for a constant, `method.request.header.X` for a request value"),
    ("I2", "drop the key, or import the contract as an HTTP API (`http_apis`)"),
    ("A1", "declare the scheme `type: apiKey` with `x-amazon-apigateway-authtype` and `x-amazon-apigateway-authorizer` (a Lambda authorizer, or cognito_user_pools with providerARNs)"),
    ("A2", "repeat `security` on each operation: AWS documents root-level security as ignored (2025 imports apply it)"),
    ("A3", "keep one security requirement per operation: a method has one authorizer"),
    ("D1", "bundle the contract into one document first (e.g. `npx @redocly/cli bundle`)"),
    ("D4", "render the document before import (CloudFormation AWS::Include, Terraform templatefile) or write the literal value"),
    ("ref", "define the referenced component or fix the reference; AWS drops it (\"Reference to model ... not found. Ignoring.\")"),
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];
const INTEGRATION: &str = "x-amazon-apigateway-integration";
/// Integration keys only HTTP APIs read (REST imports ignore them).
const HTTP_API_ONLY: &[&str] = &["payloadFormatVersion", "integrationSubtype"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
/// ImportRestApi's body limit ("6 MB"), read as MiB so the lint never blocks what AWS takes.
const MAX_BODY: usize = 6 * 1024 * 1024;
/// Keywords of later JSON Schema drafts. Models are draft 4, and AWS answers
/// `Invalid model schema specified. Unsupported keyword(s): ["$id"]` (M2).
#[rustfmt::skip]
const LATER_DRAFTS: &[&str] = &[
    "$id", "const", "contains", "propertyNames", "if", "then", "else", "dependentRequired",
    "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "examples", "prefixItems",
    "$defs", "$anchor", "$dynamicRef", "$dynamicAnchor", "minContains", "maxContains",
];
/// Keywords whose value is a schema or a list of schemas (maps of schemas are walked apart).
#[rustfmt::skip]
const SUBSCHEMAS: &[&str] = &[
    "items", "additionalProperties", "additionalItems", "not", "contains", "if", "then", "else",
    "propertyNames", "unevaluatedProperties", "allOf", "anyOf", "oneOf", "prefixItems",
];
/// Model keywords reported as warnings, one diagnostic per code for the whole document.
const WARNED: &[&str] = &["M3", "M6", "M7", "M8", "M10", "M11"];

/// Problems API Gateway's REST import (ImportRestApi/PutRestApi) would reject or silently drop.
pub fn lint(doc: &Value, src: &SourceText) -> Vec<Diagnostic> {
    let mut l = Lint {
        doc,
        found: Vec::new(),
        hits: Vec::new(),
        refs: BTreeMap::new(),
    };
    l.version();
    l.size();
    l.paths();
    l.operations();
    l.models();
    l.security();
    l.walk(doc, &mut Vec::new(), Ext::Outside);
    l.keyword_diagnostics();
    l.ref_diagnostics();
    if l.found.is_empty() {
        return Vec::new(); // a clean contract: no line index needed
    }
    let mut locator = Locator::new(src);
    let found = l.found.into_iter();
    let mut out: Vec<_> = found
        .map(|(d, at)| d.at(Some(locator.locate(&at))))
        .collect();
    out.sort_by_key(|d| d.location.as_ref().map(|l| (l.line, l.column)));
    out
}

/// A model keyword API Gateway rejects or drops, inside `owner` (a schema).
struct Hit<'a> {
    code: &'static str,
    keyword: &'a str,
    owner: String,
    at: Vec<&'a str>,
    /// Where `at` leaves the owner, for a readable path inside it.
    rel: usize,
}

/// Where the walk is, for `${...}`: suspect inside `x-amazon-apigateway-*` values, except in
/// VTL templates and IAM policies, which use `${...}` themselves.
#[derive(Clone, Copy, PartialEq)]
enum Ext {
    Outside,
    Check,
    Skip,
}

struct Lint<'a> {
    doc: &'a Value,
    found: Vec<(Diagnostic, Vec<&'a str>)>,
    hits: Vec<Hit<'a>>,
    /// (code, referenced document, pointer or response) → (uses, first place).
    refs: BTreeMap<(&'static str, &'a str), (usize, Vec<&'a str>)>,
}

impl<'a> Lint<'a> {
    fn error(&mut self, code: &str, at: &[&'a str], summary: impl Into<String>) {
        self.add(Diagnostic::error(code, summary), at);
    }

    fn warning(&mut self, code: &str, at: &[&'a str], summary: impl Into<String>) {
        self.add(Diagnostic::warning(code, summary), at);
    }

    /// A finding with a fix of its own instead of its code's.
    fn add_fix(&mut self, d: Diagnostic, at: &[&'a str], fix: String) {
        self.found.push((d.hint(fix), at.to_vec()));
    }

    fn add(&mut self, d: Diagnostic, at: &[&'a str]) {
        let fix = FIXES
            .iter()
            .find(|(code, _)| *code == d.code)
            .map_or("", |f| f.1);
        self.found.push((d.hint(fix), at.to_vec()));
    }

    fn version(&mut self) {
        if let Some(v) = self.doc.get("openapi").map(scalar) {
            if v.starts_with("3.1") {
                let why = "REST import answers \"Invalid OpenAPI input.\"";
                self.error(
                    "V1",
                    &["openapi"],
                    format!("OpenAPI {v} is not importable: {why}"),
                );
            } else if !v.starts_with("3.0") {
                self.error(
                    "V1",
                    &["openapi"],
                    format!("unsupported OpenAPI version '{v}'"),
                );
            }
        } else if self.doc.get("swagger").is_some() {
            let s = "Swagger 2.0 document: convert it to OpenAPI 3.0";
            self.error("V1", &["swagger"], s);
        } else {
            self.error(
                "V1",
                &[],
                "no `openapi: 3.0.x` version: not an OpenAPI 3 document",
            );
        }
    }

    fn size(&mut self) {
        let mut n = Count(0);
        // Counting never fails, so neither does the write.
        let _ = serde_json::to_writer(&mut n, self.doc);
        if n.0 > MAX_BODY {
            let s = format!(
                "the document is {} bytes as JSON; ImportRestApi takes 6 MB",
                n.0
            );
            self.error("size", &[], s);
        }
    }

    fn paths(&mut self) {
        let Some(paths) = self.doc.get("paths").and_then(Value::as_object) else {
            return;
        };
        // Parent resource → its variable child and the path that made it (P2).
        let mut variable: HashMap<String, (&str, &str)> = HashMap::new();
        let (mut reported, mut pings) = (HashSet::new(), HashSet::new());
        let split = |path: &'a str| {
            let mut segs: Vec<&str> = path.split('/').skip(1).collect();
            if segs.last() == Some(&"") {
                segs.pop(); // `/` itself, or a trailing slash
            }
            segs
        };
        // The names each level's variable already has, so a fix never makes a P2 conflict.
        let mut names: HashMap<String, &str> = HashMap::new();
        for path in paths.keys().filter(|p| !p.starts_with("x-")) {
            let segs = split(path);
            if path_problem(path, &segs).is_none() {
                for (i, seg) in segs.iter().enumerate().filter(|(_, s)| is_variable(s)) {
                    names.entry(segs[..i].join("/")).or_insert(seg);
                }
            }
        }
        for path in paths.keys().filter(|p| !p.starts_with("x-")) {
            let at = ["paths", path.as_str()];
            let segs = split(path);
            if let Some((code, why)) = path_problem(path, &segs) {
                let summary = format!("path '{path}': {why}");
                match paths::fixed(&segs, &names) {
                    Some(fix) => self.add_fix(Diagnostic::error(code, summary), &at, fix),
                    None => self.error(code, &at, summary),
                }
            }
            if let Some(root @ ("ping" | "sping")) =
                segs.first().copied().filter(|r| pings.insert(*r))
            {
                let s = format!("root resource '/{root}' (path '{path}') is reserved");
                self.warning("P4", &at, s);
            }
            for (i, seg) in segs.iter().enumerate().filter(|(_, s)| is_variable(s)) {
                let parent = segs[..i].join("/");
                let entry = variable
                    .entry(parent.clone())
                    .or_insert((*seg, path.as_str()));
                let (first, first_path) = *entry;
                if first != *seg && reported.insert((parent, *seg)) {
                    let s = format!("path '{path}': variable part {seg} has a sibling {first} (in '{first_path}'); only one is allowed");
                    self.error("P2", &at, s);
                }
            }
        }
    }

    fn operations(&mut self) {
        let doc = self.doc;
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return;
        };
        let root_security = doc.get("security").and_then(Value::as_array);
        let mut unsecured = 0;
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            let at = ["paths", path.as_str(), "parameters"];
            self.cookies(item.get("parameters"), &format!("path '{path}'"), &at);
            for (method, op) in item {
                let name = match method.as_str() {
                    ANY_METHOD => format!("ANY {path}"),
                    m if METHODS.contains(&m) => format!("{} {path}", m.to_uppercase()),
                    _ => continue,
                };
                let Some(op) = op.as_object() else { continue };
                let at = ["paths", path.as_str(), method.as_str()];
                self.cookies(
                    op.get("parameters"),
                    &name,
                    &[&at[..], &["parameters"]].concat(),
                );
                self.responses(op, &name, &at);
                self.request_body(op, &name, &at);
                self.integration(op, &name, &at);
                let security = op.get("security").and_then(Value::as_array);
                if let Some(n) = security.map(Vec::len).filter(|n| *n > 1) {
                    let s = format!("{name} lists {n} alternative security requirements");
                    self.warning("A3", &[&at[..], &["security"]].concat(), s);
                }
                unsecured += usize::from(op.get("security").is_none());
            }
        }
        if root_security.is_some_and(|r| !r.is_empty()) && unsecured > 0 {
            let s =
                format!("root-level `security` is the only security of {unsecured} operation(s)");
            self.warning("A2", &["security"], s);
        }
    }

    /// R2: `in: cookie` (and Swagger `formData`) have no method-request location.
    fn cookies(&mut self, list: Option<&'a Value>, owner: &str, at: &[&'a str]) {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let target = p.get("$ref").and_then(Value::as_str);
            let p = target.and_then(|r| resolve_ref(self.doc, r)).unwrap_or(p);
            let Some(loc @ ("cookie" | "formData")) = p.get("in").and_then(Value::as_str) else {
                continue;
            };
            let name = p.get("name").map(scalar).unwrap_or_default();
            let s = format!("{loc} parameter '{name}' of {owner} is dropped: method requests have path, query and header parameters only");
            self.warning("R2", at, s);
        }
    }

    /// The operation's `x-amazon-apigateway-integration`: mapping values that are not strings
    /// (AWS warns and drops them: I1) and keys only HTTP APIs read (I2).
    fn integration(&mut self, op: &'a Map<String, Value>, name: &str, at: &[&'a str]) {
        let Some(x) = op.get(INTEGRATION).and_then(Value::as_object) else {
            return;
        };
        let at = [at, &[INTEGRATION]].concat();
        let mut maps: Vec<(Vec<&'a str>, &'a Value)> = Vec::new();
        if let Some(p) = x.get("requestParameters") {
            maps.push(([&at[..], &["requestParameters"]].concat(), p));
        }
        for (pattern, r) in x
            .get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(p) = r.get("responseParameters") {
                maps.push((
                    [
                        &at[..],
                        &["responses", pattern.as_str(), "responseParameters"],
                    ]
                    .concat(),
                    p,
                ));
            }
        }
        for (where_, m) in maps {
            for (k, v) in m.as_object().into_iter().flatten() {
                if !v.is_string() {
                    let s = format!(
                        "{name}: the mapping `{k}` is {v}, not a string: AWS warns and drops it"
                    );
                    self.warning("I1", &[&where_[..], &[k.as_str()]].concat(), s);
                }
            }
        }
        for k in HTTP_API_ONLY.iter().filter(|k| x.contains_key(**k)) {
            let s = format!("{name}: `{k}` belongs to HTTP APIs; a REST import ignores it");
            self.warning("I2", &[&at[..], &[*k]].concat(), s);
        }
    }

    fn responses(&mut self, op: &'a Map<String, Value>, name: &str, at: &[&'a str]) {
        let responses = op.get("responses").and_then(Value::as_object);
        let Some(responses) = responses.filter(|r| !r.is_empty()) else {
            // Not AWS's warning: its import takes `responses: {}` silently (recorded with
            // failOnWarnings), and makes no method response for the operation.
            let s = format!("'{name}' declares no responses: AWS imports it without a method response, so a non-proxy integration (AWS, HTTP, MOCK) has none to answer with");
            return self.warning("S3", at, s);
        };
        for (code, r) in responses {
            let at = [at, &["responses", code]].concat();
            if let Some(target) = r.get("$ref").and_then(Value::as_str) {
                self.count(("S1", target), &at);
                continue;
            }
            let content = r
                .get("content")
                .and_then(Value::as_object)
                .into_iter()
                .flatten();
            let oas3 = content
                .filter_map(|(mt, m)| Some((vec!["content", mt, "schema"], m.get("schema")?)));
            let swagger = r.get("schema").map(|s| (vec!["schema"], s));
            for (rel, schema) in oas3.chain(swagger) {
                let at = [&at[..], &rel].concat();
                self.response_schema(schema, &format!("{code} response to method '{name}'"), &at);
                self.keywords(schema, format!("{name} response {code}"), &at);
            }
        }
    }

    /// M4 and M13: inline response schemas API Gateway cannot turn into a model.
    fn response_schema(&mut self, s: &Value, what: &str, at: &[&'a str]) {
        if s.get("$ref").is_some() {
            return;
        }
        if ["allOf", "anyOf", "oneOf"]
            .iter()
            .any(|k| s.get(k).is_some())
        {
            let s = format!("Unsupported model type 'ComposedSchema' in {what}. Ignoring.");
            self.warning("M4", at, s);
        } else if let Some(t @ ("string" | "integer" | "number" | "boolean")) =
            s.get("type").and_then(Value::as_str)
        {
            let s =
                format!("the {what} is an inline `type: {t}`; method-response models are objects");
            self.warning("M13", at, s);
        }
    }

    /// Inline request schemas become models too, so their keywords count.
    fn request_body(&mut self, op: &'a Map<String, Value>, name: &str, at: &[&'a str]) {
        let content = op.get("requestBody").and_then(|b| b.get("content"));
        for (mt, m) in content.and_then(Value::as_object).into_iter().flatten() {
            if let Some(schema) = m.get("schema") {
                let at = [at, &["requestBody", "content", mt, "schema"]].concat();
                if schema.get("$ref").is_none()
                    && ["allOf", "anyOf", "oneOf"]
                        .iter()
                        .any(|k| schema.get(k).is_some())
                {
                    let s = format!("Unsupported model type 'Content' in request schema for '{name}'. Ignoring.");
                    self.warning("M4", &at, s);
                }
                self.keywords(schema, format!("{name} request body"), &at);
            }
        }
    }

    fn models(&mut self) {
        let doc = self.doc;
        let (schemas, base) = match doc.pointer("/components/schemas") {
            Some(s) => (s, &["components", "schemas"][..]),
            None => (
                doc.get("definitions").unwrap_or(&Value::Null),
                &["definitions"][..],
            ),
        };
        for (name, s) in schemas.as_object().into_iter().flatten() {
            let at = [base, &[name.as_str()]].concat();
            if !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                let s =
                    format!("Unable to create model for '{name}': Model name must be alphanumeric");
                self.error("M1", &at, s);
            }
            self.keywords(s, format!("schema '{name}'"), &at);
        }
    }

    /// Collect the model keywords of one schema (M2, M3, M6, M7, M8, M10, M11).
    fn keywords(&mut self, s: &'a Value, owner: String, at: &[&'a str]) {
        let mut found = Vec::new();
        schema_keywords(s, &mut at.to_vec(), &mut found);
        let rel = at.len();
        let hit = |(code, keyword, at)| Hit {
            code,
            keyword,
            owner: owner.clone(),
            at,
            rel,
        };
        self.hits.extend(found.into_iter().map(hit));
    }

    /// Errors one per schema, since each needs its own fix; warnings one per code, since
    /// generated contracts carry `example` in hundreds of places.
    fn keyword_diagnostics(&mut self) {
        let hits = std::mem::take(&mut self.hits);
        let place = |h: &Hit| format!("{} at {}", h.owner, h.at[h.rel..].join("."));
        let errors: Vec<&Hit> = hits.iter().filter(|h| h.code == "M2").collect();
        for group in errors.chunk_by(|a, b| a.owner == b.owner) {
            let list: Vec<String> = group.iter().map(|h| format!("`{}`", h.keyword)).collect();
            let s = format!(
                "{} uses keywords JSON Schema draft 4 rejects: {}",
                place(group[0]),
                list.join(", ")
            );
            self.error("M2", &group[0].at, s);
        }
        for code in WARNED {
            let group: Vec<&Hit> = hits.iter().filter(|h| h.code == *code).collect();
            let Some(first) = group.first() else { continue };
            let owners = group.iter().map(|h| &h.owner).collect::<HashSet<_>>().len();
            let s = format!("`{}` is not supported in API Gateway models: {} place(s) in {owners} schema(s), first {}", first.keyword, group.len(), place(first));
            self.warning(code, &first.at, s);
        }
    }

    fn security(&mut self) {
        let doc = self.doc;
        let (schemes, base) = match doc.pointer("/components/securitySchemes") {
            Some(s) => (s, &["components", "securitySchemes"][..]),
            None => (
                doc.get("securityDefinitions").unwrap_or(&Value::Null),
                &["securityDefinitions"][..],
            ),
        };
        for (name, s) in schemes.as_object().into_iter().flatten() {
            let kind = s.get("type").map(scalar).unwrap_or_default();
            if kind != "apiKey" && s.get("$ref").is_none() {
                let s = format!("security scheme '{name}' is type '{kind}': REST import maps only apiKey schemes to authorizers");
                self.warning("A1", &[base, &[name.as_str(), "type"]].concat(), s);
            }
        }
    }

    /// One pass over everything: `$ref`s (D1, ref), intrinsics and templates (D4).
    fn walk(&mut self, v: &'a Value, at: &mut Vec<&'a str>, ext: Ext) {
        match v {
            Value::Object(o) => {
                if let Some(f) = intrinsic(o) {
                    let s = format!("CloudFormation intrinsic `{f}` at {}: AWS answers \"Unable to parse API definition\"", at.join("."));
                    return self.error("D4", at, s);
                }
                for (k, x) in o {
                    at.push(k);
                    if let (true, Some(r)) = (k == "$ref", x.as_str()) {
                        self.note_ref(r, at);
                    }
                    let next = match (ext, k.as_str()) {
                        (Ext::Outside, "x-amazon-apigateway-policy") => Ext::Skip,
                        (Ext::Check, "requestTemplates" | "responseTemplates") => Ext::Skip,
                        (Ext::Outside, k) if k.starts_with("x-amazon-apigateway-") => Ext::Check,
                        _ => ext,
                    };
                    self.walk(x, at, next);
                    at.pop();
                }
            }
            Value::Array(a) => a.iter().for_each(|x| self.walk(x, at, ext)),
            Value::String(s) if ext == Ext::Check => {
                if let Some(var) = unrendered(s) {
                    let s = format!("unrendered template `${{{var}}}` at {}", at.join("."));
                    self.warning("D4", at, s);
                }
            }
            _ => {}
        }
    }

    fn note_ref(&mut self, r: &'a str, at: &[&'a str]) {
        match r.split_once('#') {
            Some(("", _)) if resolve_ref(self.doc, r).is_some() => {}
            Some(("", _)) => self.count(("ref", r), at),
            Some((file, _)) => self.count(("D1", file), at),
            None => self.count(("D1", r), at),
        }
    }

    fn count(&mut self, key: (&'static str, &'a str), at: &[&'a str]) {
        self.refs.entry(key).or_insert_with(|| (0, at.to_vec())).0 += 1;
    }

    /// One diagnostic per referenced document, dangling pointer or shared response, not per
    /// use: contracts reuse `#/components/responses/...` in every operation.
    fn ref_diagnostics(&mut self) {
        for ((code, target), (n, at)) in std::mem::take(&mut self.refs) {
            match code {
                "D1" => self.error(code, &at, format!("external $ref to '{target}' ({n} use(s)): API Gateway imports one document; bundle it")),
                "S1" => self.warning(code, &at, format!("response $ref '{target}' ({n} use(s)): REST import does not support a response given as $ref")),
                _ => self.error(code, &at, format!("$ref '{target}' does not resolve ({n} use(s))")),
            }
        }
    }
}

type KeywordHit<'a> = (&'static str, &'a str, Vec<&'a str>);

/// Walk keyword positions only: property names and `example`/`enum` data are not keywords.
fn schema_keywords<'a>(s: &'a Value, at: &mut Vec<&'a str>, out: &mut Vec<KeywordHit<'a>>) {
    let Some(obj) = s.as_object() else { return };
    for (k, v) in obj {
        at.push(k);
        if let Some(code) = keyword_code(k, v, obj) {
            out.push((code, k, at.clone()));
        }
        match k.as_str() {
            "properties" | "patternProperties" | "definitions" | "$defs" | "dependentSchemas" => {
                for (name, sub) in v.as_object().into_iter().flatten() {
                    at.push(name);
                    schema_keywords(sub, at, out);
                    at.pop();
                }
            }
            k if SUBSCHEMAS.contains(&k) => match v {
                Value::Array(a) => a.iter().for_each(|x| schema_keywords(x, at, out)),
                x => schema_keywords(x, at, out),
            },
            _ => {}
        }
        at.pop();
    }
}

fn keyword_code(key: &str, v: &Value, schema: &Map<String, Value>) -> Option<&'static str> {
    let number = schema.get("type").and_then(Value::as_str) == Some("number");
    Some(match key {
        k if LATER_DRAFTS.contains(&k) => "M2",
        "exclusiveMinimum" | "exclusiveMaximum" if v.is_number() => "M2",
        "exclusiveMinimum" | "exclusiveMaximum" => "M8",
        "discriminator" => "M3",
        "readOnly" => "M6",
        "example" => "M7",
        "format" if v == "decimal" || (number && (v == "int32" || v == "int64")) => "M10",
        "default" => "M11",
        _ => return None,
    })
}

/// `{"Fn::Sub": ...}` or `{"Ref": "X"}`; a property named `Ref` holds a schema, not a string.
fn intrinsic(o: &Map<String, Value>) -> Option<&str> {
    let (k, v) = o.iter().next().filter(|_| o.len() == 1)?;
    (k.starts_with("Fn::") || (k == "Ref" && v.is_string())).then_some(k.as_str())
}

/// The first `${...}` API Gateway does not resolve itself ([VARS]: three AWS:: variables at
/// import, stage variables per call).
fn unrendered(s: &str) -> Option<&str> {
    s.match_indices("${").find_map(|(i, _)| {
        let rest = &s[i + 2..];
        let var = &rest[..rest.find('}')?];
        let resolved = matches!(var, "AWS::AccountId" | "AWS::Partition" | "AWS::Region")
            || var.starts_with("stageVariables.");
        (!resolved).then_some(var)
    })
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A writer that only counts, to size the document without building it.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
