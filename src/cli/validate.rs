//! `validate`: offline checks of the stack and its contracts, all problems at once.

use super::stack::{lint_contracts, load_config};
use super::Global;
use crate::diag::{Diagnostics, Severity};
use crate::model::{desire, Kind};
use anyhow::Result;

pub fn run(g: &Global) -> Result<i32> {
    let cfg = load_config(g)?;
    let mut diags = lint_contracts(&cfg);
    if let Ok((_, warnings)) = desire::documents(
        &cfg,
        &g.region
            .clone()
            .or(cfg.file.region.clone())
            .unwrap_or_else(|| "us-east-1".into()),
    ) {
        diags.extend(warnings);
    }
    diags.extend(cfg.contracts.values().filter_map(|c| c.strict_check()));
    let region = g
        .region
        .clone()
        .or(cfg.file.region.clone())
        .unwrap_or_else(|| "us-east-1".into());
    let resources = match desire::desire(&cfg, &region) {
        Ok(r) => r,
        Err(d) => {
            diags.extend(d);
            Vec::new()
        }
    };
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
    Ok(0)
}
