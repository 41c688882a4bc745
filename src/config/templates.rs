//! Mapping templates given as `{file: path}`: read when the stack loads, relative to the file
//! that names them, verbatim (no `${...}` substitution: VTL uses that syntax itself).

use super::file::StackFile;
use super::schema::{Integration, Template};
use super::source::read_source;
use crate::diag::{Diagnostic, SourceText};
use std::path::Path;

/// Replace every template file with its text; a file that cannot be read is an error at the
/// key that names it.
pub(super) fn read_template_files(file: &mut StackFile, sources: &[SourceText]) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    for (key, api) in file.rest_apis.iter_mut() {
        let base = ["rest_apis", key.as_str()];
        if let Some(i) = api.integration.as_mut() {
            integration(i, &[&base[..], &["integration"]].concat(), sources, &mut d);
        }
        for (op, o) in api.operations.iter_mut() {
            if let Some(i) = o.integration.as_mut() {
                let at = [&base[..], &["operations", op.as_str(), "integration"]].concat();
                integration(i, &at, sources, &mut d);
            }
        }
    }
    d
}

fn integration(i: &mut Integration, at: &[&str], sources: &[SourceText], d: &mut Vec<Diagnostic>) {
    for (ct, t) in i.request_templates.iter_mut().flatten() {
        read(
            t,
            &[at, &["request_templates", ct.as_str()]].concat(),
            sources,
            d,
        );
    }
    for (pattern, r) in i.responses.iter_mut().flatten() {
        for (ct, t) in r.response_templates.iter_mut().flatten() {
            let at = [
                at,
                &[
                    "responses",
                    pattern.as_str(),
                    "response_templates",
                    ct.as_str(),
                ],
            ]
            .concat();
            read(t, &at, sources, d);
        }
    }
}

fn read(t: &mut Template, at: &[&str], sources: &[SourceText], d: &mut Vec<Diagnostic>) {
    let Template::File { file } = t else { return };
    // The file that sets this key (an overlay before its base) is where the path is relative to.
    let naming = sources.iter().find(|s| s.find(at).is_some());
    let dir = naming
        .and_then(|s| s.path.parent())
        .unwrap_or(Path::new("."));
    let path = dir.join(&*file);
    match read_source(&path, "mapping template") {
        Ok(src) => *t = Template::Text(src.text),
        Err(e) => d.push(
            e.hint(format!(
                "`{}.file` is relative to the stack file that names it",
                at.join(".")
            ))
            .at(naming.and_then(|s| s.find(at))),
        ),
    }
}
