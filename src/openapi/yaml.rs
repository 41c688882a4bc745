//! The document as YAML that reads back the same under YAML 1.1 (AWS's importer) and 1.2:
//! a scalar that either version would read as anything but that string (`yes`, `on`, `no`,
//! `off`, `y`, `~`, `1:20`, `012`, `0x1F`, `1e3`, a date, ...) is quoted. Multi-line text
//! (mapping templates) is a literal block where that keeps it exact.

use serde_json::Value;

pub fn to_yaml(v: &Value) -> String {
    let mut out = String::new();
    match v {
        Value::Object(o) if !o.is_empty() => object(o, 0, &mut out),
        Value::Array(a) if !a.is_empty() => array(a, 0, &mut out),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

fn object(o: &serde_json::Map<String, Value>, indent: usize, out: &mut String) {
    for (k, v) in o {
        out.push_str(&pad(indent));
        out.push_str(&string(k, indent, true));
        out.push(':');
        value_after_key(v, indent, out);
    }
}

/// What follows `key:` (or `- ` for an item's first key).
fn value_after_key(v: &Value, indent: usize, out: &mut String) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            object(m, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            array(a, indent, out);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent + 2));
            out.push('\n');
        }
    }
}

fn array(a: &[Value], indent: usize, out: &mut String) {
    for v in a {
        out.push_str(&pad(indent));
        out.push('-');
        match v {
            Value::Object(m) if !m.is_empty() => {
                // The first key on the dash's line, the rest under it.
                let mut first = true;
                for (k, x) in m {
                    if first {
                        out.push(' ');
                        first = false;
                    } else {
                        out.push_str(&pad(indent + 2));
                    }
                    out.push_str(&string(k, indent + 2, true));
                    out.push(':');
                    value_after_key(x, indent + 2, out);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                array(inner, indent + 2, out);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

fn scalar(v: &Value, indent: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => string(s, indent, false),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
    }
}

/// Words YAML 1.1 reads as booleans or null, whatever their case.
const SPECIAL: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", "",
];

/// A string as a plain scalar when that reads back as the same string in YAML 1.1 and 1.2,
/// else a literal block (multi-line text) or a double-quoted scalar.
fn string(s: &str, indent: usize, key: bool) -> String {
    if plain_ok(s) {
        return s.to_string();
    }
    if !key && block_ok(s) {
        let chomp = if s.ends_with("\n\n") {
            "+"
        } else if s.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let mut out = format!("|{chomp}");
        for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad(indent));
                out.push_str(line);
            }
        }
        return out;
    }
    // JSON's escapes are YAML's double-quoted escapes.
    serde_json::to_string(s).unwrap_or_default()
}

fn plain_ok(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if SPECIAL.contains(&lower.as_str()) || s.trim() != s {
        return false;
    }
    let first = s.chars().next().unwrap_or(' ');
    // Anything that starts like a number, a date or a YAML indicator is quoted.
    if first.is_ascii_digit() || "-+.?:,[]{}#&*!|>'\"%@`=".contains(first) {
        return false;
    }
    s.chars()
        .all(|c| c.is_alphanumeric() || " _-./$(){}+".contains(c) && c != '\t')
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
}

fn block_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with(' ')
        && !s.starts_with('\n')
        && !s.contains('\r')
        && !s.contains('\t')
        && s.chars().all(|c| c == '\n' || !c.is_control())
        && s.split('\n').all(|l| l.trim_end() == l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn words_yaml_1_1_reads_as_booleans_are_quoted() {
        for w in ["yes", "No", "ON", "off", "y", "N", "~", "null", "true", ""] {
            let doc = json!({"enum": [w], w: "x"});
            let text = to_yaml(&doc);
            assert!(text.contains(&format!("\"{w}\"")), "{w}: {text}");
            let back: Value = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back, doc, "{text}");
        }
    }

    #[test]
    fn numbers_dates_and_indicators_in_strings_stay_strings() {
        for w in [
            "012",
            "0x1F",
            "1e3",
            "1:20",
            "2001-01-01",
            "- a",
            "#x",
            "a: b",
            "a #b",
            "*x",
            "'q'",
            "1.0",
        ] {
            let doc = json!({"v": w});
            let back: Value = serde_yaml::from_str(&to_yaml(&doc)).unwrap();
            assert_eq!(back, doc, "{w}");
            assert!(!to_yaml(&doc).contains(&format!("v: {w}\n")), "{w} plain");
        }
    }

    #[test]
    fn templates_are_literal_blocks_that_read_back_exactly() {
        for t in [
            "#set($x = 1)\n{\"a\": \"$x\"}\n",
            "no newline at the end\n  indented line",
            "two\n\nblank lines kept\n\n",
            " starts with a space\nx",
            "trailing space \nx",
        ] {
            let doc = json!({"paths": {"/a": {"get": {"x": {"requestTemplates": {"application/json": t}}}}}, "list": [{"t": t, "n": 1}]});
            let text = to_yaml(&doc);
            let back: Value = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back, doc, "{text}");
        }
    }

    #[test]
    fn the_example_documents_read_back_the_same() {
        for f in [
            "examples/idrv5/openapi.yaml",
            "examples/services/openapi.yaml",
            "examples/tiers/openapi.yaml",
        ] {
            let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(f);
            let v: Value = serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
            let back: Value = serde_yaml::from_str(&to_yaml(&v)).unwrap();
            assert_eq!(back, v, "{f}");
        }
    }
}
