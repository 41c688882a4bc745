//! Path keys as API Gateway makes resources of them (rules P1, P3, P5).

use std::collections::HashMap;

/// P1, P3, P5: the first thing in a path key that API Gateway cannot make a resource of.
pub(super) fn path_problem(path: &str, segs: &[&str]) -> Option<(&'static str, String)> {
    if !path.starts_with('/') {
        return Some(("P1", "does not start with '/'".into()));
    }
    for (i, seg) in segs.iter().enumerate() {
        if let Some(c) = seg.chars().find(|c| matches!(c, '#' | '?')) {
            return Some((
                "P5",
                format!("'{c}' has no place in a resource path (one resource per path)"),
            ));
        }
        let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            let why = if seg.contains(['{', '}']) {
                format!("parameter in '{seg}' is not a whole path part")
            } else if let Some(c) = seg.chars().find(|c| !path_char(*c)) {
                format!("part '{seg}' contains '{c}'")
            } else if seg.is_empty() {
                "empty path part".into()
            } else {
                continue;
            };
            return Some(("P1", why));
        };
        let name = inner.strip_suffix('+').unwrap_or(inner);
        if name.is_empty() || !name.chars().all(path_char) {
            return Some(("P1", format!("parameter {seg} has an invalid name")));
        } else if name.len() < inner.len() && i + 1 < segs.len() {
            return Some(("P3", format!("greedy parameter {seg} is not the last part")));
        }
    }
    None
}

fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ',' | ':')
}

pub(super) fn is_variable(seg: &str) -> bool {
    seg.len() > 2 && seg.starts_with('{') && seg.ends_with('}')
}

/// The fix for a P1/P5 path whose only trouble is a suffix (`#frag`, `?q`) or text around a
/// whole parameter (`{id}.json`): the path without it, each variable named as the level's
/// other paths already name it (`names`: parent → `{name}`), so the fix is no P2 conflict.
pub(super) fn fixed(segs: &[&str], names: &HashMap<String, &str>) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for seg in segs {
        let cut = seg.split(['#', '?']).next().unwrap_or_default();
        // `thumbnail.{extension}` → `thumbnail/{extension}`; `{id}.json` → `{id}`.
        let parts = match (cut.find('{'), cut.find('}')) {
            (Some(a), Some(b)) if a < b => {
                let before = cut[..a].trim_end_matches(['.', '-', '_', ',', ':']);
                vec![before, &cut[a..=b]]
            }
            _ => vec![cut],
        };
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let parent = out.join("/");
            out.push(match names.get(&parent) {
                Some(name) if is_variable(part) && *name != part => name.to_string(),
                _ => part.to_string(),
            });
        }
        if cut.len() < seg.len() {
            break; // what follows `#` or `?` is not path
        }
    }
    let path = format!("/{}", out.join("/"));
    let segs: Vec<&str> = out.iter().map(String::as_str).collect();
    path_problem(&path, &segs)
        .is_none()
        .then(|| format!("write the path as `{path}` (variables named as the other paths at their level name them, so the fix makes no P2 conflict)"))
}
