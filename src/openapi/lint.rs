//! Placeholder until the import-compat lint lands (being written in parallel).
use crate::diag::{Diagnostic, SourceText};

pub fn lint(_doc: &serde_json::Value, _src: &SourceText) -> Vec<Diagnostic> {
    Vec::new()
}

pub fn resolve_ref<'a>(doc: &'a serde_json::Value, reference: &str) -> Option<&'a serde_json::Value> {
    let pointer = reference.strip_prefix('#')?;
    doc.pointer(pointer)
}
