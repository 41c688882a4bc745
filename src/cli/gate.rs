//! `plan --contract-gate STAGE`: the contract-diff gate against what a live stage serves
//! (API Gateway's export of the stage) instead of an older file: what the apply would
//! change for the stage's clients, breaking or compatible.

use crate::config::contract::Contract;
use crate::config::Config;
use crate::diag::{Diagnostics, SourceText};
use crate::model::{desire, Outputs};
use crate::openapi::compat::{self, Finding, Level};
use crate::providers::aws::Aws;
use anyhow::Result;
use std::path::Path;

/// Each REST API that declares `stage`, with the document the stack would import, read as a
/// contract (paths under the base path, as the export has them).
pub fn wanted(cfg: &Config, region: &str, stage: &str) -> Result<Vec<(String, Contract)>> {
    let (docs, _) = desire::documents(cfg, region).map_err(Diagnostics)?;
    let mut out = Vec::new();
    for (key, doc) in docs {
        if !cfg.file.rest_apis[&key].stages.contains_key(stage) {
            continue;
        }
        let text = serde_json::to_string(&doc)?;
        let source = SourceText::new(Path::new(&format!("{key}.openapi.json")), text);
        out.push((key, Contract::from_source(source).map_err(Diagnostics)?));
    }
    if out.is_empty() {
        anyhow::bail!("--contract-gate {stage}: no REST API of the stack declares a stage {stage}");
    }
    Ok(out)
}

/// The findings per API against the live stage's export, printed to stderr (stdout is the
/// plan, which may be JSON). `Ok(true)` when one is breaking.
pub async fn check(
    aws: &Aws,
    wanted: &[(String, Contract)],
    outputs: &Outputs,
    stage: &str,
    markdown: bool,
) -> Result<bool> {
    let mut breaking = false;
    for (key, new) in wanted {
        let Some(id) = outputs
            .get(&format!("rest_api.{key}"))
            .and_then(|o| o.get("id"))
        else {
            eprintln!("contract gate: REST API {key} does not exist yet: no clients to break");
            continue;
        };
        let Some(old) = export(aws, id, stage).await? else {
            eprintln!(
                "contract gate: REST API {key} has no stage {stage} yet: no clients to break"
            );
            continue;
        };
        let old_label = format!("{key} stage {stage} (live)");
        let old = Contract::from_source(SourceText::new(Path::new(&old_label), old))
            .map_err(Diagnostics)?;
        let findings: Vec<Finding> = compat::diff(&old, new);
        breaking |= findings.iter().any(|f| f.level == Level::Breaking);
        let new_label = format!("{key} in the stack");
        if markdown {
            eprint!("{}", compat::markdown(&old_label, &new_label, &findings));
        } else {
            eprint!("{}", compat::text(&old_label, &new_label, &findings));
        }
    }
    Ok(breaking)
}

/// API Gateway's OpenAPI 3 export of a stage; `None` when the stage does not exist.
async fn export(aws: &Aws, api_id: &str, stage: &str) -> Result<Option<String>> {
    let out = aws
        .call(|| {
            aws.apigw
                .get_export()
                .rest_api_id(api_id)
                .stage_name(stage)
                .export_type("oas30")
                .accepts("application/json")
                .send()
        })
        .await;
    let out = match out {
        Err(e) if e.is_not_found() => return Ok(None),
        r => r?,
    };
    Ok(Some(
        out.body()
            .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
            .unwrap_or_default(),
    ))
}
