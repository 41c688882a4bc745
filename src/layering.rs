//! The layers import one way: util/diag/refs/dns/cache → config → openapi → model → plan → providers
//! → apply → cli, and no two files import each other, directly or around a loop. Checked on
//! the source text, so a new `use` that breaks the rule fails `cargo test --lib`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LAYERS: &[&[&str]] = &[
    &["util", "diag", "refs", "dns", "cache"],
    &["config"],
    &["openapi"],
    &["model"],
    &["plan"],
    &["providers"],
    &["apply"],
    &["cli"],
];

fn layer(top: &str) -> usize {
    LAYERS.iter().position(|l| l.contains(&top)).unwrap_or(0)
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/providers/apigateway/read.rs` → `providers::apigateway::read`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into()).collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// Module paths a file names (`crate::a::b`, `super::c`), outside its tests and comments.
fn imports(text: &str, me: &[String]) -> Vec<Vec<String>> {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let mut out = Vec::new();
    for line in code
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default())
    {
        for (i, _) in line
            .match_indices("crate::")
            .chain(line.match_indices("super::"))
        {
            if i > 0 && line[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let path: Vec<&str> = line[i..]
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .next()
                .unwrap_or_default()
                .split("::")
                .filter(|s| !s.is_empty())
                .collect();
            let mut base: Vec<String> = me.to_vec();
            let mut rest = path.as_slice();
            if rest.first() == Some(&"crate") {
                base.clear();
                rest = &rest[1..];
            }
            while rest.first() == Some(&"super") {
                base.pop();
                rest = &rest[1..];
            }
            base.extend(rest.iter().map(|s| s.to_string()));
            out.push(base);
        }
    }
    // A parent using a child it declares (`mod read;` … `read::read(…)`).
    let children = code.lines().filter_map(|l| {
        let l = l
            .trim()
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ");
        l.strip_prefix("mod ")?
            .strip_suffix(';')
            .map(str::to_string)
    });
    for child in children.collect::<Vec<_>>() {
        let used = code.match_indices(&format!("{child}::")).any(|(i, _)| {
            !code[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':')
        });
        if used {
            let mut path = me.to_vec();
            path.push(child);
            out.push(path);
        }
    }
    out
}

#[test]
fn layers_import_one_way_and_files_form_no_loops() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mods: BTreeMap<Vec<String>, PathBuf> = all
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut upward = Vec::new();
    for (m, f) in &mods {
        let text = std::fs::read_to_string(f).unwrap();
        for path in imports(&text, m) {
            // The longest prefix that is a module file.
            let Some(target) = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| mods.contains_key(p))
            else {
                continue;
            };
            if &target == m {
                continue;
            }
            if let (Some(a), Some(b)) = (m.first(), target.first()) {
                if layer(b) > layer(a) {
                    upward.push(format!("{} imports {}", m.join("::"), target.join("::")));
                }
            }
            edges.entry(m.clone()).or_default().insert(target);
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );
    // A loop: some module reaches itself through its imports.
    let mut loops = Vec::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.join("::")])];
        let mut seen = BTreeSet::new();
        while let Some((m, trail)) = stack.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if next == start {
                    loops.push(format!("{} → {}", trail.join(" → "), start.join("::")));
                } else if seen.insert(next.clone()) {
                    let mut t = trail.clone();
                    t.push(next.join("::"));
                    stack.push((next.clone(), t));
                }
            }
        }
    }
    loops.sort();
    loops.dedup();
    assert!(loops.is_empty(), "import loops:\n{}", loops.join("\n"));
}
