//! Mutation fuzzing of the stack loader and the OpenAPI loader/linter (issue 7).
//!
//! The real documents (stacks/*/*.yaml, examples/*/openapi.yaml, tests/fixtures/openapi/*)
//! are mutated with a seeded RNG — byte flips, line edits, truncation, swapped values, random
//! YAML scalars and types, deep nesting, huge numbers, unicode, `extends` and `$ref` cycles —
//! and each case goes through what `idrv5-gw validate` runs (`config::load`, then
//! `cli::validate::check`) inside `catch_unwind`. Asserted: no panic, and every diagnostic
//! names a place: a file and a line inside that file.
//!
//! Deterministic: `FUZZ_SEED` (default 7) and `FUZZ_CASES` (default below) change the run;
//! a failing case is written to the temp directory and printed so it can be replayed.

use idrv5_gw::cli::validate::check;
use idrv5_gw::config::{load, LoadOptions};
use idrv5_gw::diag::Diagnostic;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seed() -> u64 {
    std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7)
}

fn cases(default: usize) -> usize {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static IN_CASE: RefCell<bool> = const { RefCell::new(false) };
}

/// Panics are caught per case; keep their message and place instead of printing thousands.
/// Outside a case (the test's own assertions) panics print as usual.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(install_quiet_hook);
}

fn install_quiet_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !IN_CASE.with(|c| *c.borrow()) {
            return default(info);
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg} (at {at})")));
    }));
}

/// A copy of the repository's documents in a temp dir, laid out as in the repository so the
/// stacks' relative `openapi:` paths resolve.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in [
            "stacks/idrv5",
            "stacks/tiers",
            "stacks/patterns",
            "examples/idrv5",
            "examples/tiers",
            "examples/patterns",
        ] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
            for e in std::fs::read_dir(repo().join(sub)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    std::fs::copy(&p, dir.path().join(sub).join(p.file_name().unwrap())).unwrap();
                }
            }
        }
        std::fs::create_dir_all(dir.path().join("fx")).unwrap();
        Tree { dir }
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// Load and check like `validate`; the diagnostics, or the panic message.
fn validate(stack: &Path) -> Result<Vec<Diagnostic>, String> {
    PANIC.with(|p| p.borrow_mut().take());
    IN_CASE.with(|c| *c.borrow_mut() = true);
    let r = catch_unwind(AssertUnwindSafe(|| {
        match load(stack, &LoadOptions::default()) {
            Ok(cfg) => {
                let region = cfg.file.region.clone().unwrap_or("us-east-1".into());
                check(&cfg, &region).0
            }
            Err(d) => d.0,
        }
    }));
    IN_CASE.with(|c| *c.borrow_mut() = false);
    r.map_err(|_| {
        PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panic".into())
    })
}

/// Why a diagnostic does not name a place, if it does not.
fn placeless(d: &Diagnostic) -> Option<String> {
    let Some(loc) = &d.location else {
        return Some(format!("no location: {d}"));
    };
    let Ok(bytes) = std::fs::read(&loc.file) else {
        return Some(format!("location names no readable file: {d}"));
    };
    let lines = bytes.split(|b| *b == b'\n').count().max(1);
    if loc.line == 0 || loc.line > lines || loc.column == 0 {
        return Some(format!("line {} outside the file's {lines}: {d}", loc.line));
    }
    None
}

/// One case: returns a failure description, if it failed.
fn judge(stack: &Path) -> Option<String> {
    match validate(stack) {
        Err(p) => Some(format!("PANIC {p}")),
        Ok(diags) => {
            let bad: Vec<String> = diags.iter().filter_map(placeless).collect();
            (!bad.is_empty()).then(|| bad.join("\n    "))
        }
    }
}

const NASTY: &[&str] = &[
    "~",
    "null",
    "true",
    "-1",
    "0",
    "-0.0",
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "99999999999999999999999999999",
    "-9223372036854775809",
    "18446744073709551616",
    "0x7fffffff",
    "0o777",
    "[]",
    "{}",
    "[1, [2, [3]]]",
    "{a: {b: {c: d}}}",
    "\"\"",
    "''",
    "\"\\u0000\"",
    "\"\\uD800\"",
    "é😀\u{202e}",
    "\u{feff}",
    "!!binary aGVsbG8=",
    "!Ref Foo",
    "!!map {}",
    "*undefined_alias",
    "&a x",
    "<<: *a",
    "|\n  block",
    ">-",
    "- a\n- b",
    "${var.nope}",
    "${stack}${environment}${",
    "${}",
    "${var.}",
    "$ref",
    "'#/'",
    "\"#/components/schemas/Nope\"",
    "\"#/paths/~1a~1%ZZ\"",
    "\"#\"",
    "\"other.yaml#/x\"",
    "/",
    "//",
    "/{",
    "/a/{b}/{b}",
    "*/*",
    "GET",
    "ANY",
    "2001:db8::/129",
    "arn:",
    "-",
    ":",
    "? complex\n: key",
    "%TAG ! tag:x,2000:",
    "---",
    "...",
];

fn nasty(rng: &mut StdRng) -> String {
    match rng.gen_range(0..10) {
        0 => "[".repeat(rng.gen_range(50..300)) + &"]".repeat(rng.gen_range(0..300)),
        1 => "{a: ".repeat(rng.gen_range(50..200)) + "x" + &"}".repeat(200),
        2 => "9".repeat(rng.gen_range(20..400)),
        3 => "x".repeat(rng.gen_range(1000..100_000)),
        4 => format!("\"{}\"", "\\u00e9".repeat(rng.gen_range(1..50))),
        _ => NASTY[rng.gen_range(0..NASTY.len())].to_string(),
    }
}

/// Lines of the form `<indent>key: value`: (line index, column of the value).
fn value_lines(lines: &[String]) -> Vec<(usize, usize)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let t = l.trim_start();
            if t.starts_with('#') {
                return None;
            }
            let c = l.find(": ")?;
            Some((i, c + 2))
        })
        .collect()
}

/// Text mutations: work on YAML and JSON alike.
fn mutate_text(text: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let s = String::from_utf8_lossy(text).into_owned();
    let mut lines: Vec<String> = s.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let pick = |rng: &mut StdRng| rng.gen_range(0..n);
    match rng.gen_range(0..16) {
        0 => {
            // byte flips
            let mut b = text.to_vec();
            for _ in 0..rng.gen_range(1..4) {
                if b.is_empty() {
                    break;
                }
                let i = rng.gen_range(0..b.len());
                b[i] = rng.gen();
            }
            return b;
        }
        1 => {
            let i = pick(rng);
            let k = rng.gen_range(1..4).min(n - i);
            lines.drain(i..i + k);
        }
        2 => {
            let i = pick(rng);
            let l = lines[i].clone();
            lines.insert(i, l);
        }
        3 => {
            let b = text.to_vec();
            let cut = rng.gen_range(0..=b.len());
            return b[..cut].to_vec();
        }
        4 => {
            let (i, j) = (pick(rng), pick(rng));
            lines.swap(i, j);
        }
        5..=7 => {
            // a random value in place of a value
            let v = value_lines(&lines);
            if let Some(&(i, c)) = v.get(rng.gen_range(0..v.len().max(1))) {
                let keep = lines[i][..c].to_string();
                let comma = lines[i].trim_end().ends_with(',');
                let new = nasty(rng);
                lines[i] = format!("{keep}{new}{}", if comma { "," } else { "" });
            }
        }
        8 => {
            // swap values between keys
            let v = value_lines(&lines);
            if v.len() > 1 {
                let (a, b) = (v[rng.gen_range(0..v.len())], v[rng.gen_range(0..v.len())]);
                let va = lines[a.0][a.1..].to_string();
                let vb = lines[b.0][b.1..].to_string();
                lines[a.0] = format!("{}{vb}", &lines[a.0][..a.1]);
                lines[b.0] = format!("{}{va}", &lines[b.0][..b.1]);
            }
        }
        9 => return Vec::new(),
        10 => {
            // re-indent a line
            let i = pick(rng);
            if rng.gen() {
                lines[i] = format!("  {}", lines[i]);
            } else {
                lines[i] = lines[i].trim_start().to_string();
            }
        }
        11 => {
            let i = pick(rng);
            let u = [
                "é", "\u{202e}", "\u{0}", "\u{feff}", "😀", "\t", "\r", "\u{85}",
            ];
            let at = rng.gen_range(0..=lines[i].len());
            if lines[i].is_char_boundary(at) {
                lines[i].insert_str(at, u[rng.gen_range(0..u.len())]);
            }
        }
        12 => {
            // a nasty line at a random indent
            let i = pick(rng);
            let ind = " ".repeat(rng.gen_range(0..12));
            let key = [
                "extends",
                "openapi",
                "$ref",
                "paths",
                "stages",
                "x",
                "200",
                "rest_apis",
            ][rng.gen_range(0..8)];
            lines.insert(i, format!("{ind}{key}: {}", nasty(rng)));
        }
        13 => {
            // $ref targets: dangling, self, external, malformed
            let refs: Vec<usize> = (0..n).filter(|&i| lines[i].contains("$ref")).collect();
            if let Some(&i) = refs.get(rng.gen_range(0..refs.len().max(1))) {
                let c = lines[i].find("$ref").unwrap();
                let t = [
                    "'#/components/schemas/Missing'",
                    "'#/components/schemas'",
                    "'#'",
                    "'#/'",
                    "'#/paths'",
                    "'other.yaml#/components/schemas/X'",
                    "'#/components/responses/Nope'",
                    "'#/components/parameters/Nope'",
                    "'#/~2'",
                    "'#/components/schemas/%7E%ZZ'",
                    "42",
                    "[]",
                ][rng.gen_range(0..12)];
                let json = lines[i].trim_start().starts_with('"');
                let comma = lines[i].trim_end().ends_with(',');
                lines[i] = if json {
                    let t = t.replace('\'', "\"");
                    format!(
                        "{}\"$ref\": {t}{}",
                        &lines[i][..c - 1],
                        if comma { "," } else { "" }
                    )
                } else {
                    format!("{}$ref: {t}", &lines[i][..c])
                };
            }
        }
        14 => return s.replace('\n', "\r\n").into_bytes(),
        _ => {
            // a value-level replacement by a deeply nested value
            let v = value_lines(&lines);
            if let Some(&(i, c)) = v.get(rng.gen_range(0..v.len().max(1))) {
                let depth = rng.gen_range(1..200);
                let keep = lines[i][..c].to_string();
                lines[i] = format!("{keep}{}1{}", "[".repeat(depth), "]".repeat(depth));
            }
        }
    }
    let mut out = lines.join("\n");
    if rng.gen_range(0..4) > 0 {
        out.push('\n');
    }
    out.into_bytes()
}

/// Value-level mutations of a YAML document: swap subtrees, change types, self-references.
fn mutate_yaml_value(text: &[u8], rng: &mut StdRng) -> Option<Vec<u8>> {
    use serde_yaml::Value;
    let mut v: Value = serde_yaml::from_slice(text).ok()?;
    fn nodes(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
        out.push(at.clone());
        match v {
            Value::Mapping(m) => {
                for (k, x) in m {
                    at.push(k.clone());
                    nodes(x, at, out);
                    at.pop();
                }
            }
            Value::Sequence(s) => {
                for (i, x) in s.iter().enumerate() {
                    at.push(Value::from(i as u64));
                    nodes(x, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    fn get_mut<'a>(v: &'a mut Value, path: &[Value]) -> Option<&'a mut Value> {
        let mut cur = v;
        for k in path {
            cur = match cur {
                Value::Mapping(m) => m.get_mut(k)?,
                Value::Sequence(s) => s.get_mut(k.as_u64()? as usize)?,
                _ => return None,
            };
        }
        Some(cur)
    }
    let mut all = Vec::new();
    nodes(&v, &mut Vec::new(), &mut all);
    let a = all[rng.gen_range(0..all.len())].clone();
    let b = all[rng.gen_range(0..all.len())].clone();
    let other = get_mut(&mut v, &b).map(|x| x.clone());
    let target = get_mut(&mut v, &a)?;
    *target = match rng.gen_range(0..8) {
        0 => other.unwrap_or(Value::Null),
        1 => Value::Null,
        2 => Value::from(rng.gen::<i64>()),
        3 => Value::from(rng.gen::<f64>() * 1e300),
        4 => Value::Sequence(vec![target.clone(), target.clone()]),
        5 => {
            let mut m = serde_yaml::Mapping::new();
            m.insert(Value::from(rng.gen::<u16>()), target.clone());
            m.insert(Value::Null, Value::from(true));
            Value::Mapping(m)
        }
        6 => Value::from(nasty(rng)),
        _ => {
            let mut m = serde_yaml::Mapping::new();
            m.insert(
                Value::from("$ref"),
                Value::from("#/components/schemas/Loop"),
            );
            Value::Mapping(m)
        }
    };
    serde_yaml::to_string(&v).ok().map(String::into_bytes)
}

struct Report {
    failures: Vec<String>,
    runs: usize,
}

impl Report {
    fn case(&mut self, what: &str, stack: &Path, written: &Path, bytes: &[u8]) {
        self.runs += 1;
        if let Some(f) = judge(stack) {
            // Outside the tree, which is deleted when the test fails.
            let dir = std::env::temp_dir().join("idrv5-gw-fuzz-failures");
            std::fs::create_dir_all(&dir).unwrap();
            let name = written.file_name().unwrap().to_string_lossy();
            let keep = dir.join(format!("seed{}-case{}-{name}", seed(), self.runs));
            std::fs::write(&keep, bytes).unwrap();
            self.failures.push(format!(
                "{what}: {} (input kept at {})\n    {f}",
                written.display(),
                keep.display()
            ));
        }
    }
    fn finish(self, name: &str) {
        eprintln!(
            "{name}: {} cases, {} failures",
            self.runs,
            self.failures.len()
        );
        let shown: Vec<&String> = self.failures.iter().take(25).collect();
        assert!(
            self.failures.is_empty(),
            "{} of {} cases failed (seed {}):\n{}",
            self.failures.len(),
            self.runs,
            seed(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

const STACKS: &[(&str, &str)] = &[
    ("stacks/idrv5/base.yaml", "stacks/idrv5/base.yaml"),
    ("stacks/idrv5/dev.yaml", "stacks/idrv5/dev.yaml"),
    ("stacks/idrv5/prod.yaml", "stacks/idrv5/prod.yaml"),
    ("stacks/idrv5/staging.yaml", "stacks/idrv5/staging.yaml"),
    // a base mutated, loaded through the environment file that extends it
    ("stacks/idrv5/base.yaml", "stacks/idrv5/prod.yaml"),
    ("stacks/tiers/base.yaml", "stacks/tiers/dev.yaml"),
    ("stacks/tiers/dev.yaml", "stacks/tiers/dev.yaml"),
    ("stacks/tiers/prod.yaml", "stacks/tiers/prod.yaml"),
    // HTTP and WebSocket APIs (API Gateway v2) beside a REST API
    ("stacks/patterns/base.yaml", "stacks/patterns/dev.yaml"),
    ("stacks/patterns/base.yaml", "stacks/patterns/prod.yaml"),
    ("stacks/patterns/prod.yaml", "stacks/patterns/prod.yaml"),
];

#[test]
fn mutated_stack_files_never_panic_and_errors_name_a_place() {
    quiet_panics();
    let tree = Tree::new();
    let mut rng = StdRng::seed_from_u64(seed());
    let mut report = Report {
        failures: Vec::new(),
        runs: 0,
    };
    // The unmutated documents first: they must pass cleanly.
    for (_, stack) in STACKS {
        if let Some(f) = judge(&tree.path(stack)) {
            panic!("{stack} as shipped: {f}");
        }
    }
    for _ in 0..cases(1000) {
        let (file, stack) = STACKS[rng.gen_range(0..STACKS.len())];
        let path = tree.path(file);
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        for _ in 0..rng.gen_range(1..4) {
            bytes = match rng.gen_range(0..4) {
                0 => mutate_yaml_value(&bytes, &mut rng).unwrap_or(bytes),
                _ => mutate_text(&bytes, &mut rng),
            };
        }
        std::fs::write(&path, &bytes).unwrap();
        report.case("stack", &tree.path(stack), &path, &bytes);
        std::fs::write(&path, &original).unwrap();
    }
    report.finish("stacks");
}

/// Contracts: the examples through their real stacks, and the fixtures through a minimal one.
#[test]
fn mutated_contracts_never_panic_and_errors_name_a_place() {
    quiet_panics();
    let tree = Tree::new();
    let mut rng = StdRng::seed_from_u64(seed() ^ 0x0a11);
    let mut report = Report {
        failures: Vec::new(),
        runs: 0,
    };
    let mut targets: Vec<(PathBuf, PathBuf, usize)> = vec![
        (
            tree.path("examples/idrv5/openapi.yaml"),
            tree.path("stacks/idrv5/dev.yaml"),
            6,
        ),
        (
            tree.path("examples/tiers/openapi.yaml"),
            tree.path("stacks/tiers/prod.yaml"),
            3,
        ),
        (
            tree.path("examples/patterns/items.yaml"),
            tree.path("stacks/patterns/dev.yaml"),
            3,
        ),
    ];
    for e in std::fs::read_dir(repo().join("tests/fixtures/openapi")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let big = std::fs::metadata(&p).unwrap().len() > 200_000;
        let to = tree.path(&format!("fx/{name}"));
        std::fs::copy(&p, &to).unwrap();
        let stack = tree.path(&format!("fx/{name}.stack.yaml"));
        let text = format!(
            "stack: fuzz\nenvironment: dev\nrest_apis:\n  main:\n    openapi: {name}\n    base_path: /v1\n    integration:\n      type: MOCK\n    stages:\n      dev: {{}}\n"
        );
        std::fs::write(&stack, text).unwrap();
        // The 1.8 MB Box contract costs ~100 ms a case in a debug build: a few cases only.
        targets.push((to, stack, if big { 0 } else { 2 }));
    }
    let weights: usize = targets.iter().map(|t| t.2).sum();
    for (contract, stack, _) in &targets {
        if let Some(f) = judge(stack) {
            panic!("{} as shipped: {f}", contract.display());
        }
    }
    for i in 0..cases(600) {
        let (contract, stack) = if i % 200 == 150 {
            // now and then the big one
            let t = targets.iter().find(|t| t.2 == 0).unwrap_or(&targets[0]);
            (&t.0, &t.1)
        } else {
            let mut w = rng.gen_range(0..weights);
            let t = targets
                .iter()
                .find(|t| {
                    if w < t.2 {
                        true
                    } else {
                        w -= t.2;
                        false
                    }
                })
                .unwrap();
            (&t.0, &t.1)
        };
        let original = std::fs::read(contract).unwrap();
        let mut bytes = original.clone();
        let json = original.starts_with(b"{");
        for _ in 0..rng.gen_range(1..4) {
            bytes = match rng.gen_range(0..4) {
                0 if !json => mutate_yaml_value(&bytes, &mut rng).unwrap_or(bytes),
                0 => mutate_json_value(&bytes, &mut rng).unwrap_or(bytes),
                _ => mutate_text(&bytes, &mut rng),
            };
        }
        std::fs::write(contract, &bytes).unwrap();
        report.case("contract", stack, contract, &bytes);
        std::fs::write(contract, &original).unwrap();
    }
    report.finish("contracts");
}

/// JSON documents stay JSON (pretty, so lines can be located): the YAML mutator's moves.
fn mutate_json_value(text: &[u8], rng: &mut StdRng) -> Option<Vec<u8>> {
    let y = mutate_yaml_value(text, rng)?;
    let v: serde_yaml::Value = serde_yaml::from_slice(&y).ok()?;
    let j = idrv5_gw::openapi::contract::yaml_to_json(v);
    serde_json::to_vec_pretty(&j).ok()
}

/// `extends` chains that cannot be followed, and `$ref` cycles: named, never a panic.
#[test]
fn extends_and_ref_cycles_are_errors_at_a_place() {
    quiet_panics();
    let d = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(d.path().join(name), text).unwrap();
    let contract = "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /a:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/A'\n      responses:\n        '200':\n          $ref: '#/components/responses/R'\n      parameters:\n        - $ref: '#/components/parameters/P'\n  /b:\n    put:\n      requestBody:\n        content:\n          application/json:\n            schema:\n              $ref: '#/components/schemas/Missing'\n      responses:\n        '200':\n          description: ok\ncomponents:\n  schemas:\n    A:\n      $ref: '#/components/schemas/B'\n    B:\n      $ref: '#/components/schemas/A'\n  responses:\n    R:\n      $ref: '#/components/responses/R'\n  parameters:\n    P:\n      $ref: '#/components/parameters/Q'\n    Q:\n      $ref: '#/components/parameters/P'\n";
    w("openapi.yaml", contract);
    // `/b`'s body model does not exist: render's warning about it names the $ref's line.
    let body = "environment: dev\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration:\n      type: MOCK\n    default_validator: all\n    validators:\n      all:\n        body: true\n        params: true\n";
    w(
        "self.yaml",
        &format!("extends: self.yaml\nstack: s\n{body}"),
    );
    w("a.yaml", &format!("extends: b.yaml\nstack: s\n{body}"));
    w("b.yaml", "extends: a.yaml\n");
    w(
        "missing.yaml",
        &format!("extends: nope/base.yaml\nstack: s\n{body}"),
    );
    w("dir.yaml", &format!("extends: .\nstack: s\n{body}"));
    w("empty.yaml", "");
    w("refs.yaml", &format!("stack: s\n{body}"));
    let mut bad = "stack: s\n".as_bytes().to_vec();
    bad.extend_from_slice(b"environment: d\xffv\n");
    std::fs::write(d.path().join("notutf8.yaml"), &bad).unwrap();
    for name in [
        "self.yaml",
        "a.yaml",
        "missing.yaml",
        "dir.yaml",
        "empty.yaml",
        "refs.yaml",
        "notutf8.yaml",
    ] {
        let r = judge(&d.path().join(name));
        assert!(r.is_none(), "{name}: {}", r.unwrap_or_default());
    }
}

struct Out {
    status: i32,
    stderr: String,
}

fn validate_bin(dir: &Path, stack: &str) -> Out {
    let out = Command::new(env!("CARGO_BIN_EXE_idrv5-gw"))
        .current_dir(dir)
        .args(["--stack", stack, "validate"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run idrv5-gw");
    Out {
        status: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

/// What users see: `validate` on nasty inputs exits 1 and names file:line.
#[test]
fn validate_binary_names_file_and_line_on_nasty_input() {
    let d = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &[u8]| std::fs::write(d.path().join(name), text).unwrap();
    w(
        "openapi.yaml",
        b"openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n",
    );
    let ok = b"stack: s\nenvironment: dev\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration:\n      type: MOCK\n";
    // (file, contents, the file:line the message must name)
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "tab.yaml",
            b"stack: s\nenvironment: dev\nrest_apis:\n\tmain: {}\n".to_vec(),
            "tab.yaml:4",
        ),
        (
            "bin.yaml",
            b"stack: s\nenvironment: dev\nregion: \xff\xfe\n".to_vec(),
            "bin.yaml:3",
        ),
        (
            "deep.yaml",
            format!("stack: s\nenvironment: dev\ntags: {}\n", "[".repeat(500)).into_bytes(),
            "deep.yaml:3",
        ),
        (
            "huge.yaml",
            [
                &ok[..],
                b"    minimum_compression_size: 99999999999999999999999\n",
            ]
            .concat(),
            "huge.yaml:8",
        ),
        (
            // a brace left open at the end of a file without a final newline: where it opens
            "eof.yaml",
            b"stack: s\nenvironment: dev\ntags: {a: b".to_vec(),
            "eof.yaml:3:7",
        ),
        (
            "cycle.yaml",
            [b"extends: cycle.yaml\n".as_slice(), &ok[8..]].concat(),
            "cycle.yaml:1",
        ),
        (
            "gone.yaml",
            [b"extends: gone/base.yaml\n".as_slice(), ok].concat(),
            "gone.yaml:1",
        ),
    ];
    for (name, text, want) in cases {
        w(name, &text);
        let r = validate_bin(d.path(), name);
        assert_eq!(r.status, 1, "{name}: {}", r.stderr);
        assert!(
            r.stderr.contains(want),
            "{name}: wants {want}:\n{}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    }
    // A contract that is not UTF-8: the message names the contract's line.
    w(
        "openapi.yaml",
        b"openapi: 3.0.3\ninfo:\n  title: \xc3\x28\n",
    );
    w("ok.yaml", ok);
    let r = validate_bin(d.path(), "ok.yaml");
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(r.stderr.contains("openapi.yaml:3"), "{}", r.stderr);
}

/// Panics the mutations found, kept as plain cases.
#[test]
fn fuzz_found_panics_stay_fixed() {
    quiet_panics();
    let d = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| std::fs::write(d.path().join(name), text).unwrap();
    w(
        "openapi.yaml",
        "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n",
    );
    let stack = "stack: s\nenvironment: dev\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    integration:\n      type: MOCK\n    stages:\n      dev: {}\n";
    // seed 3, case 2621: a dashboard widget that is a number made the layout index into it.
    for widget in ["-5375704472996342374", "[1, 2]", "text", "null"] {
        w(
            "widget.yaml",
            &format!("{stack}monitoring:\n  dashboard:\n    widgets:\n      - {widget}\n"),
        );
        let diags =
            validate(&d.path().join("widget.yaml")).unwrap_or_else(|p| panic!("{widget}: {p}"));
        let e = diags
            .iter()
            .find(|x| x.summary.contains("widgets[0]"))
            .unwrap_or_else(|| panic!("{widget}: no widget error in {diags:?}"));
        assert_eq!(e.location.as_ref().map(|l| l.line), Some(12), "{e}"); // the `widgets:` line
    }
}
