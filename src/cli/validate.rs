//! `validate`: offline checks of the stack and its contracts, all problems at once.

use super::args::{Global, ValidateArgs};
use super::stack::{lint_contracts, load_config};
use crate::config::Config;
use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::model::{desire, Kind, Resource};
use anyhow::Result;

pub fn run(g: &Global, a: &ValidateArgs) -> Result<i32> {
    let cfg = load_config(g)?;
    let region = g.offline_region(&cfg);
    let (diags, resources) = check(&cfg, &region);
    let code = if a.json {
        report_json(&cfg, diags, &resources)?
    } else {
        report(&cfg, diags, &resources)
    };
    // The process exits next: freeing the contract, the rendered documents and the graph
    // (tens of thousands of small allocations for a large contract) is wasted time.
    std::mem::forget((cfg, resources));
    Ok(code)
}

/// `validate --json`: the findings and what the stack declares, on stdout.
fn report_json(cfg: &Config, diags: Vec<Diagnostic>, resources: &[Resource]) -> Result<i32> {
    let errors = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut kinds: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in resources {
        *kinds.entry(r.kind.as_str()).or_default() += 1;
    }
    let v = serde_json::json!({
        "stack": cfg.owner(),
        "valid": errors == 0,
        "errors": errors,
        "warnings": diags.len() - errors,
        "diagnostics": diags,
        "resources": kinds,
    });
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(if errors == 0 { 0 } else { 1 })
}

fn report(cfg: &Config, diags: Vec<Diagnostic>, resources: &[Resource]) -> i32 {
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
        return 1;
    }
    let count = |k: Kind| resources.iter().filter(|r| r.kind == k).count();
    // v2 APIs and the edge only when the stack has them, so the common line stays short.
    let mut edge = String::new();
    for (k, what) in [
        (Kind::HttpApi, "HTTP API"),
        (Kind::WebSocketApi, "WebSocket API"),
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
        count(Kind::Route) + count(Kind::ApiRoute),
        count(Kind::Stage) + count(Kind::ApiStage),
        count(Kind::VpcLink) + count(Kind::VpcLinkV2)
    );
    0
}

/// Every offline check of a loaded stack: the contracts' import-compat lint, what the rendered
/// documents could not carry, strictness warnings and the desired graph's own errors. The
/// documents are rendered once and serve both the warnings and the graph.
///
/// The lint and the strict OpenAPI check read the contracts only, so they run on a second
/// thread while the documents are rendered and the graph is built.
pub fn check(cfg: &Config, region: &str) -> (Vec<Diagnostic>, Vec<Resource>) {
    let ((lint, strict), rendered, built) = std::thread::scope(|s| {
        let side = s.spawn(|| {
            let lint = lint_contracts(cfg);
            let strict: Vec<Diagnostic> = cfg
                .contracts
                .values()
                .filter_map(|c| c.strict_check())
                .collect();
            (lint, strict)
        });
        // Ok(warnings) and the graph, or the documents' errors.
        let (rendered, built) = match desire::documents(cfg, region) {
            Ok((docs, warnings)) => (Ok(warnings), desire::desire_from(cfg, region, docs)),
            Err(d) => (Err(d), Ok(Vec::new())),
        };
        let side = side.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (side, rendered, built)
    });
    let mut diags = lint;
    match rendered {
        Ok(warnings) => diags.extend(warnings),
        Err(d) => {
            diags.extend(strict);
            diags.extend(d);
            return (diags, Vec::new());
        }
    }
    diags.extend(strict);
    match built {
        Ok(r) => (diags, r),
        Err(d) => {
            diags.extend(d);
            (diags, Vec::new())
        }
    }
}
