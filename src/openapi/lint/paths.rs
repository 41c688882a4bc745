//! Path keys as API Gateway makes resources of them (rules P1, P3, P5).

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
