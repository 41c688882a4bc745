//! `validate`: offline checks of the stack and its contracts, all problems at once.

use super::stack::{lint_contracts, load_config};
use super::Global;
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::model::{desire, Kind, Resource};
use anyhow::Result;

pub fn run(g: &Global) -> Result<i32> {
    let cfg = load_config(g)?;
    let region = g
        .region
        .clone()
        .or(cfg.file.region.clone())
        .unwrap_or_else(|| "us-east-1".into());
    let (diags, resources) = check(&cfg, &region);
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diags.len() - errors;
    if !diags.is_empty() {
        eprintln!("{}", Diagnostics(diags));
    }
    if errors > 0 {
        eprintln!("\n{errors} error(s), {warnings} warning(s): the stack is not valid.");
        return Ok(1);
    }
    let count = |k: Kind| resources.iter().filter(|r| r.kind == k).count();
    // The edge only when the stack has one, so the common line stays short.
    let mut edge = String::new();
    for (k, what) in [
        (Kind::WebAcl, "web ACL"),
        (Kind::DomainName, "custom domain"),
    ] {
        if count(k) > 0 {
            edge.push_str(&format!(", {} {what}(s)", count(k)));
        }
    }
    println!(
        "Stack {} is valid: {} REST API(s), {} route(s), {} stage(s), {} VPC link(s){edge}; {warnings} warning(s).",
        cfg.owner(),
        count(Kind::RestApi),
        count(Kind::Route),
        count(Kind::Stage),
        count(Kind::VpcLink)
    );
    Ok(0)
}

/// Every offline check of a loaded stack: the contracts' import-compat lint, what the rendered
/// documents could not carry, strictness warnings and the desired graph's own errors. The
/// documents are rendered once and serve both the warnings and the graph.
pub fn check(cfg: &Config, region: &str) -> (Vec<Diagnostic>, Vec<Resource>) {
    let mut diags = lint_contracts(cfg);
    let docs = match desire::documents(cfg, region) {
        Ok((docs, warnings)) => {
            diags.extend(warnings);
            Ok(docs)
        }
        Err(d) => Err(d),
    };
    diags.extend(cfg.contracts.values().filter_map(|c| c.strict_check()));
    let resources = match docs.and_then(|docs| desire::desire_from(cfg, region, &docs)) {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            Vec::new()
        }
    };
    (diags, resources)
}
