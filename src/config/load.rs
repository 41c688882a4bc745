//! Load a stack file and the base files it extends into one checked `Config`.
//!
//! Each file is parsed on its own into the typed schema first, so a typo or a wrong type is
//! reported at `file:line:column` by serde. Then the files are merged as YAML values (maps key
//! by key, lists replaced, `null` removes), variables are interpolated, and the result is
//! checked; those errors are located by key path in the file that sets the key.

use super::file::StackFile;
use super::source::locate_in;
pub use super::source::read_source;
use crate::config::contract::Contract;
use crate::diag::{Diagnostic, Diagnostics, Location, SourceText};
use indexmap::IndexMap;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var k=v` overrides.
    pub vars: Vec<(String, String)>,
}

/// A merged, interpolated and checked stack with its contracts loaded.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: StackFile,
    pub stack: String,
    pub environment: String,
    /// Files read, the environment file first.
    pub sources: Vec<SourceText>,
    pub contracts: IndexMap<String, Contract>,
}

impl Config {
    /// `<stack>/<environment>`: the value of the ownership tag.
    pub fn owner(&self) -> String {
        format!("{}/{}", self.stack, self.environment)
    }
    pub fn default_protect(&self) -> bool {
        self.file.protect.unwrap_or(self.environment == "prod")
    }
    /// Where a key path is set: the first file (overlay before base) that has all of it.
    pub fn locate(&self, path: &[&str]) -> Option<Location> {
        locate_in(&self.sources, path)
    }
    pub fn default_name(&self, key: &str) -> String {
        format!("{}-{}-{}", self.stack, self.environment, key)
    }
    /// A REST API's name in AWS: its `name:` or `<stack>-<env>-<key>`.
    pub fn api_name(&self, key: &str, api: &super::schema::RestApi) -> String {
        api.name.clone().unwrap_or_else(|| self.default_name(key))
    }
}

pub fn load(path: &Path, opts: &LoadOptions) -> Result<Config, Diagnostics> {
    let mut sources = Vec::new();
    let merged = load_chain(path, &mut sources, 0)?;
    let mut merged = merged;
    let mut diags = Vec::new();
    if let Value::Mapping(m) = &mut merged {
        m.remove("extends");
        let vars = m
            .entry(Value::from("variables"))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if !vars.is_mapping() {
            *vars = Value::Mapping(Mapping::new());
        }
        if let Value::Mapping(vm) = vars {
            for (k, v) in &opts.vars {
                // A misspelt --var would otherwise be ignored and the default used.
                let used = sources
                    .iter()
                    .any(|s| s.text.contains(&format!("${{var.{k}}}")));
                if !vm.contains_key(k.as_str()) && !used {
                    let mut declared: Vec<&str> = vm.keys().filter_map(Value::as_str).collect();
                    declared.sort();
                    let known = if declared.is_empty() {
                        "it declares none".to_string()
                    } else {
                        format!("it declares {}", declared.join(", "))
                    };
                    diags.push(
                        Diagnostic::error("variable", format!("--var {k}: the stack neither declares nor uses a variable `{k}` ({known})"))
                            .hint(format!("declare `{k}` under `variables:` in the stack file, or fix the name")),
                    );
                    continue;
                }
                vm.insert(Value::from(k.as_str()), Value::from(v.as_str()));
            }
        }
    }
    let scope = Scope::from(&merged);
    interpolate(&mut merged, &scope, &mut Vec::new(), &sources, &mut diags);
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    // Straight from the merged value; through text only where that fails, so the merged file
    // is read exactly like each file was (a number where a string is wanted is accepted).
    let mut file: StackFile = match serde_yaml::from_value(merged.clone()) {
        Ok(file) => file,
        Err(_) => {
            let text = serde_yaml::to_string(&merged).unwrap_or_default();
            serde_yaml::from_str(&text).map_err(|e| {
                Diagnostics(vec![Diagnostic::error(
                    "schema",
                    format!("merged stack: {e}"),
                )
                .at(sources.first().map(|s| s.at_line(1, 1)))])
            })?
        }
    };
    let d = super::templates::read_template_files(&mut file, &sources);
    if !d.is_empty() {
        return Err(Diagnostics(d));
    }
    check(file, sources)
}

/// Parse one file and, first, the base it extends; return them merged.
fn load_chain(
    path: &Path,
    sources: &mut Vec<SourceText>,
    depth: usize,
) -> Result<Value, Diagnostics> {
    let one = |d: Diagnostic| Diagnostics(vec![d]);
    let src = read_source(path, "stack file").map_err(|d| {
        let hint = "pass an existing file with --stack, e.g. --stack stacks/idrv5/dev.yaml";
        one(if d.hint.is_none() { d.hint(hint) } else { d })
    })?;
    // The text is parsed once; the typed read of this file alone comes from that value, and
    // only when it fails is the text read again for serde's exact place of the wrong key.
    let mut value: Value =
        serde_yaml::from_str(&src.text).map_err(|e| one(yaml_error(&src, &e)))?;
    let typed: StackFile = match serde_yaml::from_value(value.clone()) {
        Ok(t) => t,
        Err(_) => match serde_yaml::from_str(&src.text) {
            Ok(t) => t,
            Err(e) => return Err(Diagnostics(schema_errors(&src, &value, &e))),
        },
    };
    if value.is_null() {
        value = Value::Mapping(Mapping::new());
    }
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    absolutize_openapi_paths(&mut value, &dir);
    let extends_at = src.find(&["extends"]).or(Some(src.at_line(1, 1)));
    sources.push(src);
    let Some(base) = typed.extends else {
        return Ok(value);
    };
    let base_path = dir.join(&base);
    // A cycle (or a very long chain) is reported at the `extends` that closes it.
    let seen = sources[..sources.len() - 1]
        .iter()
        .any(|s| same_file(&s.path, &base_path));
    if seen || depth >= 8 {
        let chain: Vec<String> = sources
            .iter()
            .map(|s| s.path.display().to_string())
            .chain([base_path.display().to_string()])
            .collect();
        let what = if seen {
            "is a cycle"
        } else {
            "goes more than 8 files deep"
        };
        return Err(one(Diagnostic::error(
            "extends",
            format!("`extends` {what}: {}", chain.join(" → ")),
        )
        .hint("make the environment file extend the base file, and the base extend nothing")
        .at(extends_at)));
    }
    let base_value = load_chain(&base_path, sources, depth + 1).map_err(|mut e| {
        // A base that cannot be read is reported where it is named.
        for d in e.0.iter_mut().filter(|d| d.code == "io") {
            d.location = extends_at.clone();
            d.hint = Some("`extends` is relative to the file that names it".into());
        }
        e
    })?;
    Ok(merge(base_value, value))
}

/// Every schema error of one file, not only the first: serde stops at the first, so the key
/// it names is taken out of a copy and the copy read again (up to 25 times). The first is
/// placed where serde says; the others at their key in the file.
fn schema_errors(src: &SourceText, value: &Value, first: &serde_yaml::Error) -> Vec<Diagnostic> {
    let mut out = vec![yaml_error(src, first)];
    if out[0].code != "schema" {
        return out;
    }
    let mut copy = value.clone();
    let mut msg = first.to_string();
    for _ in 0..25 {
        let Some(path) = error_path(&msg) else { break };
        if !remove(&mut copy, &path) {
            break;
        }
        let text = serde_yaml::to_string(&copy).unwrap_or_default();
        let Err(e) = serde_yaml::from_str::<StackFile>(&text) else {
            break;
        };
        msg = e.to_string();
        let Some(next) = error_path(&msg) else { break };
        let keys: Vec<&str> = next.iter().map(String::as_str).collect();
        let mut d = yaml_error(src, &e);
        d.location = src
            .find(&keys)
            .or_else(|| src.find(&keys[..keys.len().saturating_sub(1)]));
        if d.location.is_none() {
            break;
        }
        out.push(d);
    }
    out
}

/// The key path a serde message names: `a.b: unknown field `c`` → [a, b, c];
/// `a.b.c: invalid type: ...` → [a, b, c]. None when it names none (or a key holds a `.`).
fn error_path(msg: &str) -> Option<Vec<String>> {
    let (path, rest) = msg.split_once(": ")?;
    if path.contains(' ') {
        return None;
    }
    let mut keys: Vec<String> = path.split('.').map(str::to_string).collect();
    if let Some(field) = rest
        .strip_prefix("unknown field `")
        .and_then(|r| r.split('`').next())
    {
        keys.push(field.to_string());
    }
    (!keys.iter().any(|k| k.is_empty() || k.contains('['))).then_some(keys)
}

/// Take the key at `path` out of `v`; false when there is none.
fn remove(v: &mut Value, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cur = v;
    for k in parents {
        match cur.get_mut(k.as_str()) {
            Some(next) => cur = next,
            None => return false,
        }
    }
    cur.as_mapping_mut()
        .and_then(|m| m.remove(last.as_str()))
        .is_some()
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn yaml_error(src: &SourceText, e: &serde_yaml::Error) -> Diagnostic {
    let loc = e
        .location()
        .map(|l| src.at_line_clamped(l.line(), l.column()));
    let msg = e.to_string();
    // A syntax error (the scanner's, not a key or type the schema refuses) has its own code;
    // an unclosed quote or bracket is pointed at where it opens, not at the end of the file.
    let opened_at = msg
        .split_once(", while scanning ")
        .or_else(|| msg.split_once(", while parsing "));
    if let Some((what, opened)) = opened_at {
        let what = what.split(" at line ").next().unwrap_or(what);
        let (thing, place) = opened.split_once(" at line ").unwrap_or((opened, ""));
        let mut nums = place
            .split(" column ")
            .map(|n| n.trim().parse::<usize>().ok());
        let at = match (nums.next().flatten(), nums.next().flatten()) {
            (Some(l), Some(c)) => Some(src.at_line_clamped(l, c)),
            _ => loc.clone(),
        };
        return Diagnostic::error(
            "yaml",
            format!("YAML syntax: {what} while reading {thing} that starts here"),
        )
        .hint("close it (a quote, bracket or brace opened here and never closed)")
        .at(at.or(Some(src.at_line(1, 1))));
    }
    let scanner =
        !msg.contains(": ") || msg.starts_with("found ") || msg.starts_with("did not find");
    if scanner
        && !msg.contains("unknown field")
        && !msg.contains("invalid type")
        && !msg.contains("missing field")
    {
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        return Diagnostic::error("yaml", format!("YAML syntax: {msg}"))
            .hint("fix the YAML at that place (indentation, a `:` after each key, quotes around values with `: ` or `#`)")
            .at(loc.or(Some(src.at_line(1, 1))));
    }
    // serde_yaml appends "at line X column Y"; the location already says it.
    let msg = human_types(msg.split(" at line ").next().unwrap_or(&msg));
    let hint = match did_you_mean(&msg) {
        Some(near) => format!("did you mean `{near}`? docs/stack-reference.md lists every key"),
        None if msg.contains("unknown field") => {
            "remove or rename the key; docs/stack-reference.md lists every key".to_string()
        }
        None => "fix the YAML at that place; docs/stack-reference.md shows each key's type".into(),
    };
    Diagnostic::error("schema", msg)
        .hint(hint)
        .at(loc.or(Some(src.at_line(1, 1))))
}

/// The expected key nearest an unknown one (`throttle` → `throttling`), if one is near:
/// a prefix of the other, or at most a third of its letters apart.
fn did_you_mean(msg: &str) -> Option<String> {
    let rest = msg.split("unknown field `").nth(1)?;
    let (unknown, expected) = rest.split_once('`')?;
    let candidates = expected.split('`').skip(1).step_by(2);
    let distance = |a: &str, b: &str| -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for j in 0..b.len() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != b[j]))
                    .min(row[j] + 1)
                    .min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    };
    candidates
        .map(|c| (distance(unknown, c), c))
        .filter(|(d, c)| {
            *d <= (c.len().max(unknown.len()) / 3).max(1)
                || c.starts_with(unknown)
                || unknown.starts_with(c)
        })
        .min()
        .map(|(_, c)| c.to_string())
}

/// serde's type names as people say them: `expected f64` → `expected a number`.
fn human_types(msg: &str) -> String {
    let mut out = msg.to_string();
    for (rust, human) in [
        ("f64", "a number"),
        ("f32", "a number"),
        ("i64", "a whole number"),
        ("i32", "a whole number"),
        ("u64", "a whole number, 0 or more"),
        ("u32", "a whole number, 0 or more"),
        ("u16", "a whole number, 0 or more"),
        ("u8", "a whole number, 0 or more"),
        ("usize", "a whole number, 0 or more"),
        ("a boolean", "true or false"),
    ] {
        for lead in ["expected ", "expected a "] {
            let from = format!("{lead}{rust}");
            if out.ends_with(&from) || out.contains(&format!("{from},")) {
                out = out.replace(&from, &format!("expected {human}"));
            }
        }
    }
    out
}

/// `openapi:` paths are relative to the file that names them; make them absolute before merging.
fn absolutize_openapi_paths(v: &mut Value, dir: &Path) {
    for section in ["rest_apis", "http_apis"] {
        let Some(apis) = v.get_mut(section).and_then(|a| a.as_mapping_mut()) else {
            continue;
        };
        for (_, api) in apis.iter_mut() {
            if let Some(Value::String(p)) = api.get_mut("openapi") {
                if !p.contains("${") && Path::new(p.as_str()).is_relative() {
                    *p = normalize(&dir.join(&*p)).to_string_lossy().into_owned();
                }
            }
        }
    }
}

/// `a/b/../c` → `a/c`, without touching the file system, so messages show clean paths.
fn normalize(p: &Path) -> std::path::PathBuf {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir if out.file_name().is_some() && !out.ends_with("..") => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Overlay `over` on `base`: maps merge key by key, anything else is replaced, null removes.
pub fn merge(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Mapping(mut b), Value::Mapping(o)) => {
            for (k, v) in o {
                if v.is_null() {
                    b.remove(&k);
                    continue;
                }
                let merged = match b.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Value::Mapping(b)
        }
        (_, o) => o,
    }
}

struct Scope {
    vars: BTreeMap<String, String>,
    stack: Option<String>,
    environment: Option<String>,
}

impl Scope {
    fn from(v: &Value) -> Self {
        let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let vars = v
            .get("variables")
            .and_then(|x| x.as_mapping())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), scalar(v)?)))
                    .collect()
            })
            .unwrap_or_default();
        Self {
            vars,
            stack: s("stack"),
            environment: s("environment"),
        }
    }
    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "stack" => self.stack.clone(),
            "environment" => self.environment.clone(),
            _ => name
                .strip_prefix("var.")
                .and_then(|n| self.vars.get(n).cloned()),
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Replace `${var.x}`, `${stack}` and `${environment}` in every string. Other `${...}`
/// (API Gateway's `${stageVariables.X}`) pass through untouched.
fn interpolate(
    v: &mut Value,
    scope: &Scope,
    path: &mut Vec<String>,
    sources: &[SourceText],
    diags: &mut Vec<Diagnostic>,
) {
    match v {
        Value::String(s) => {
            let mut out = String::new();
            let mut rest = s.as_str();
            while let Some(start) = rest.find("${") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find('}') else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                let name = &after[..end];
                let ours = name == "stack" || name == "environment" || name.starts_with("var.");
                match scope.lookup(name) {
                    Some(val) => out.push_str(&val),
                    None if ours => {
                        let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                        diags.push(
                            Diagnostic::error("variable", format!("`${{{name}}}` is not defined (in {})", keys.join(".")))
                                .hint(match name.strip_prefix("var.") {
                                    Some(v) => format!("add `{v}` under `variables:` or pass --var {v}=VALUE"),
                                    None => format!("set the top-level `{name}:` key (an environment file usually does)"),
                                })
                                .at(locate_in(sources, &keys)),
                        );
                        out.push_str(&rest[start..start + 3 + end]);
                    }
                    None => out.push_str(&rest[start..start + 3 + end]),
                }
                rest = &after[end + 1..];
            }
            out.push_str(rest);
            *s = out;
        }
        Value::Mapping(m) => {
            for (k, x) in m.iter_mut() {
                path.push(scalar(k).unwrap_or_default());
                interpolate(x, scope, path, sources, diags);
                path.pop();
            }
        }
        Value::Sequence(a) => {
            for x in a.iter_mut() {
                interpolate(x, scope, path, sources, diags);
            }
        }
        _ => {}
    }
}

/// Checks that need the merged file: required keys, references between sections, ranges.
fn check(file: StackFile, sources: Vec<SourceText>) -> Result<Config, Diagnostics> {
    let (d, contracts) = super::check::check(&file, &sources);
    if d.iter().any(|x| x.is_error()) {
        return Err(Diagnostics(d));
    }
    Ok(Config {
        stack: file.stack.clone().unwrap_or_default(),
        environment: file.environment.clone().unwrap_or_default(),
        file,
        sources,
        contracts,
    })
}

/// Parse `k=v` as given to `--var`.
pub fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

/// `--var-file FILE`: a YAML (or JSON) mapping of variable names to scalar values.
pub fn var_file(path: &Path) -> Result<Vec<(String, String)>, Diagnostics> {
    let src = read_source(path, "variables file").map_err(|d| Diagnostics(vec![d]))?;
    let bad = |line: usize, what: String| {
        Diagnostics(vec![Diagnostic::error("variable", what)
            .hint("write one `name: value` per line, values as strings or numbers")
            .at(Some(src.at_line_clamped(line, 1)))])
    };
    let value: Value = serde_yaml::from_str(&src.text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line());
        bad(line, format!("{} is not YAML: {e}", path.display()))
    })?;
    let Value::Mapping(m) = value else {
        return Err(bad(
            1,
            format!("{} is not a mapping of variables", path.display()),
        ));
    };
    let mut out = Vec::new();
    for (k, v) in m {
        let key = k.as_str().unwrap_or_default().to_string();
        let line = src.find(&[key.as_str()]).map_or(1, |l| l.line);
        let value = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(bad(
                    line,
                    format!(
                        "variable `{key}` in {} is not a single value",
                        path.display()
                    ),
                ))
            }
        };
        out.push((key, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! Loading and overlays on files written here: no emulator, no network.
    use super::*;
    use std::path::PathBuf;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const CONTRACT: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n";

    fn stack(dir: &Path, env: &str) -> PathBuf {
        write(dir, "openapi.yaml", CONTRACT);
        write(
            dir,
            "base.yaml",
            "stack: s\nregion: eu-west-1\nvariables: {host: base.example.com}\ntags: {team: a}\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration: {type: HTTP_PROXY, uri: 'http://${var.host}{path}'}\n    stages:\n      live: {description: base}\n",
        );
        write(dir, "env.yaml", env)
    }

    fn load_vars(path: &Path, vars: &[(&str, &str)]) -> Result<Config, Diagnostics> {
        let vars = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        load(path, &LoadOptions { vars })
    }

    #[test]
    fn an_overlay_overrides_the_base_key_by_key() {
        let tmp = tempfile::tempdir().unwrap();
        let env = stack(
            tmp.path(),
            "extends: base.yaml\nenvironment: dev\ntags: {owner: b}\nrest_apis:\n  main:\n    stages:\n      live: {description: dev}\n",
        );
        let cfg = load_vars(&env, &[]).unwrap();
        assert_eq!((cfg.stack.as_str(), cfg.environment.as_str()), ("s", "dev"));
        let api = &cfg.file.rest_apis["main"];
        assert_eq!(api.stages["live"].description.as_deref(), Some("dev"));
        // Maps merge: the base's tag stays beside the overlay's.
        assert_eq!(cfg.file.tags.get("team").map(String::as_str), Some("a"));
        assert_eq!(cfg.file.tags.get("owner").map(String::as_str), Some("b"));
        assert!(
            cfg.contracts.contains_key("main"),
            "the base's contract path is kept"
        );
    }

    #[test]
    fn variables_come_from_the_files_then_the_command_line() {
        let tmp = tempfile::tempdir().unwrap();
        let env = stack(tmp.path(), "extends: base.yaml\nenvironment: dev\n");
        let uri = |cfg: &Config| {
            let i = cfg.file.rest_apis["main"].integration.as_ref().unwrap();
            i.uri.clone().unwrap_or_default()
        };
        assert_eq!(
            uri(&load_vars(&env, &[]).unwrap()),
            "http://base.example.com{path}"
        );
        let over = load_vars(&env, &[("host", "cli.example.com")]).unwrap();
        assert_eq!(uri(&over), "http://cli.example.com{path}");
    }

    #[test]
    fn a_wrong_key_in_an_overlay_is_placed_in_that_file() {
        let tmp = tempfile::tempdir().unwrap();
        let env = stack(
            tmp.path(),
            "extends: base.yaml\nenvironment: dev\nrest_apis:\n  main:\n    stagez: {}\n",
        );
        let e = load_vars(&env, &[]).unwrap_err().to_string();
        assert!(e.contains("env.yaml:5"), "{e}");
        assert!(e.contains("stagez"), "{e}");
    }

    #[test]
    fn an_extends_loop_is_reported_whole() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "a.yaml", "extends: b.yaml\n");
        write(tmp.path(), "b.yaml", "extends: a.yaml\n");
        let e = load_vars(&tmp.path().join("a.yaml"), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a cycle"), "{e}");
        assert!(e.contains("a.yaml → ") && e.contains("b.yaml → "), "{e}");
    }

    #[test]
    fn an_undefined_variable_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let env = stack(
            tmp.path(),
            "extends: base.yaml\nenvironment: dev\nvariables: {other: '${var.nope}'}\n",
        );
        let e = load_vars(&env, &[]).unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
    }
}
