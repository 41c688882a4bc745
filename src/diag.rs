//! Diagnostics: problems found in the user's files, as values.
//!
//! Many are collected and shown together (Terraform's tfdiags), each naming the place
//! (`file:line:column`) or the resource, and the fix.

use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a file; line and column are 1-based.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Short stable code, e.g. `P1` for an import-compat rule or `schema`.
    pub code: String,
    pub summary: String,
    /// What to do about it.
    pub hint: Option<String>,
    pub location: Option<Location>,
}

impl Diagnostic {
    pub fn error(code: &str, summary: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            code: code.to_string(),
            summary: summary.into(),
            hint: None,
            location: None,
        }
    }
    pub fn warning(code: &str, summary: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(code, summary)
        }
    }
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.location {
            Some(loc) => write!(f, "{sev}[{}]: {loc}: {}", self.code, self.summary)?,
            None => write!(f, "{sev}[{}]: {}", self.code, self.summary)?,
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  fix: {h}")?;
        }
        Ok(())
    }
}

/// Diagnostics that stop a command, shown together.
#[derive(Debug, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The text of a YAML or JSON file, kept to point errors at lines.
#[derive(Debug, Clone)]
pub struct SourceText {
    pub path: PathBuf,
    pub text: String,
}

impl SourceText {
    pub fn new(path: &Path, text: String) -> Self {
        Self {
            path: path.to_path_buf(),
            text,
        }
    }

    pub fn at_line(&self, line: usize, column: usize) -> Location {
        Location {
            file: self.path.clone(),
            line,
            column,
        }
    }

    /// A parser's place, kept inside the file: YAML parsers report an error at the end of a
    /// file without a final newline as the line after the last, which does not exist.
    pub fn at_line_clamped(&self, line: usize, column: usize) -> Location {
        let last = self.text.matches('\n').count() + 1;
        if line <= last {
            return self.at_line(line.max(1), column.max(1));
        }
        let tail = self.text.rsplit('\n').next().unwrap_or("");
        self.at_line(last, tail.chars().count() + 1)
    }

    /// The first line holding `needle` (e.g. a `$ref` target), if any.
    pub fn find_text(&self, needle: &str) -> Option<Location> {
        let at = self.text.find(needle)?;
        let before = &self.text[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        Some(self.at_line(line, column))
    }

    /// The location of a key path, only when every key of it is found.
    pub fn find(&self, path: &[&str]) -> Option<Location> {
        let (loc, depth) = self.locate_depth(path);
        (depth == path.len() && !path.is_empty()).then_some(loc)
    }

    /// The location of a key path such as `["paths", "/pets", "get"]` in block YAML or
    /// pretty-printed JSON: each key is searched for after the previous one, deeper indented.
    /// Falls back to the deepest key found, then to the file's first line.
    pub fn locate(&self, path: &[&str]) -> Location {
        self.locate_depth(path).0
    }

    fn locate_depth(&self, path: &[&str]) -> (Location, usize) {
        let mut depth = 0;
        let lines: Vec<&str> = self.text.lines().collect();
        let mut start = 0usize;
        let mut min_indent: isize = -1;
        let mut found: Option<(usize, usize)> = None;
        for key in path {
            let mut hit = None;
            for (i, line) in lines.iter().enumerate().skip(start) {
                let (indent, body) = line_parts(line);
                if found.is_some() && (indent as isize) <= min_indent && !body.is_empty() {
                    // Left the parent's block: a JSON closing bracket or a YAML sibling.
                    if !body.starts_with('}') && !body.starts_with(']') {
                        break;
                    }
                }
                if key_matches(body, key) {
                    hit = Some((i, indent));
                    break;
                }
            }
            match hit {
                Some((i, indent)) => {
                    depth += 1;
                    found = Some((i, indent));
                    start = i + 1;
                    min_indent = indent as isize;
                }
                None => break,
            }
        }
        match found {
            Some((line, indent)) => (self.at_line(line + 1, indent + 1), depth),
            None => (self.at_line(1, 1), 0),
        }
    }
}

/// A line's indent and body (without the indent and a sequence's `- `). The value line of a
/// YAML complex key (`? key` then `: value`) counts as indented under its key.
pub(crate) fn line_parts(line: &str) -> (usize, &str) {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    match trimmed.strip_prefix(": ") {
        Some(value) => (
            indent + 2 + value.len() - value.trim_start().len(),
            value.trim_start(),
        ),
        None => (indent, trimmed.trim_start_matches("- ")),
    }
}

/// `key:`, `"key":`, `'key':`, or a YAML complex key `? key` on a line of its own.
pub(crate) fn key_matches(body: &str, key: &str) -> bool {
    let (body, complex) = match body.strip_prefix("? ") {
        Some(b) => (b.trim_start(), true),
        None => (body, false),
    };
    let ends = |rest: &str| {
        let rest = rest.trim_start();
        rest.starts_with(':') || (complex && rest.is_empty())
    };
    body.strip_prefix(key).is_some_and(ends)
        || ['"', '\''].iter().any(|&q| {
            let quoted = body.strip_prefix(q).and_then(|b| b.strip_prefix(key));
            quoted.and_then(|b| b.strip_prefix(q)).is_some_and(ends)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_yaml_keys() {
        let src = SourceText::new(
            Path::new("s.yaml"),
            "a:\n  b: 1\nrest_apis:\n  main:\n    stages:\n      prod:\n        tracing: x\n"
                .into(),
        );
        let loc = src.locate(&["rest_apis", "main", "stages", "prod", "tracing"]);
        assert_eq!((loc.line, loc.column), (7, 9));
    }

    #[test]
    fn a_complex_key_is_found_on_its_own_line_and_its_value_under_it() {
        let src = SourceText::new(
            Path::new("o.yaml"),
            "paths:\n  ? /a/{id}\n  : get:\n      responses: {}\n    post:\n      x: 1\n  /b:\n    get: {}\n"
                .into(),
        );
        assert_eq!(src.locate(&["paths", "/a/{id}"]).line, 2);
        assert_eq!(
            src.locate(&["paths", "/a/{id}", "get", "responses"]).line,
            4
        );
        assert_eq!(src.locate(&["paths", "/a/{id}", "post", "x"]).line, 6);
        assert_eq!(src.locate(&["paths", "/b", "get"]).line, 8);
    }

    #[test]
    fn locates_json_keys_and_falls_back_to_deepest() {
        let src = SourceText::new(
            Path::new("o.json"),
            "{\n  \"paths\": {\n    \"/a\": {\n      \"get\": {}\n    }\n  }\n}\n".into(),
        );
        assert_eq!(src.locate(&["paths", "/a", "get"]).line, 4);
        assert_eq!(src.locate(&["paths", "/a", "post"]).line, 3);
    }
}
