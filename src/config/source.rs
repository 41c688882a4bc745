//! Reading a file as text for diagnostics, and finding a key path's place in the files read.

use crate::diag::{Diagnostic, Location, SourceText};
use std::path::Path;

/// Read a file as text; bytes that are not UTF-8 are reported at their line.
pub fn read_source(path: &Path, what: &str) -> Result<SourceText, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| {
        Diagnostic::error("io", format!("cannot read {what} {}: {e}", path.display()))
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(SourceText::new(path, text)),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = good.iter().filter(|b| **b == b'\n').count() + 1;
            let column = good.iter().rev().take_while(|b| **b != b'\n').count() + 1;
            let src = SourceText::new(path, String::new());
            Err(Diagnostic::error(
                "encoding",
                format!(
                    "{} is not UTF-8 text (an invalid byte here)",
                    path.display()
                ),
            )
            .hint("save the file as UTF-8")
            .at(Some(src.at_line(line, column))))
        }
    }
}

pub fn locate_in(sources: &[SourceText], path: &[&str]) -> Option<Location> {
    sources
        .iter()
        .find_map(|s| s.find(path))
        .or_else(|| sources.first().map(|s| s.locate(path)))
}
