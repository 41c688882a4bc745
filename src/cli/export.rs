//! `export-openapi`: the document the stack imports (offline), or what a stage serves (--live).

use super::stack::load_config;
use super::{DocFormat, ExportArgs, Global};
use crate::diag::Diagnostics;
use crate::model::desire;
use crate::providers::aws::Aws;
use anyhow::{anyhow, bail, Context, Result};

pub async fn run(g: &Global, a: &ExportArgs) -> Result<i32> {
    let cfg = load_config(g)?;
    let key = match &a.api {
        Some(k) if cfg.file.rest_apis.contains_key(k) => k.clone(),
        Some(k) => bail!(
            "no REST API `{k}` in the stack; it has: {}",
            cfg.file
                .rest_apis
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None if cfg.file.rest_apis.len() == 1 => cfg
            .file
            .rest_apis
            .keys()
            .next()
            .cloned()
            .unwrap_or_default(),
        None => bail!(
            "the stack has several REST APIs ({}): choose one with --api",
            cfg.file
                .rest_apis
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let text = if a.live {
        live_export(g, &cfg, &key, a).await?
    } else {
        let region = g
            .region
            .clone()
            .or(cfg.file.region.clone())
            .unwrap_or_else(|| "us-east-1".into());
        let (docs, _) = desire::documents(&cfg, &region).map_err(Diagnostics)?;
        let doc = docs
            .get(&key)
            .ok_or_else(|| anyhow!("REST API `{key}` has no contract"))?;
        let text = match a.format {
            DocFormat::Json => serde_json::to_string_pretty(doc)? + "\n",
            DocFormat::Yaml => serde_yaml::to_string(doc)?,
        };
        if text.contains("{{ref:") {
            eprintln!("note: `{{{{ref:vpc_link.NAME.id}}}}` stands for the VPC link id AWS assigns; `export-openapi --live --stage S` shows the deployed document with real ids.");
        }
        // The process exits next: freeing the documents is wasted time on a large contract.
        std::mem::forget(docs);
        text
    };
    match &a.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    std::mem::forget((cfg, text)); // as the documents above
    Ok(0)
}

async fn live_export(
    g: &Global,
    cfg: &crate::config::Config,
    key: &str,
    a: &ExportArgs,
) -> Result<String> {
    let aws = Aws::connect(&g.aws_options(), cfg.file.region.as_deref()).await?;
    let mut live = crate::model::LiveState::default();
    crate::providers::apigateway_read::read_rest_apis(&aws, &cfg.owner(), &mut live).await?;
    let api = live
        .resources
        .get(&format!("rest_api.{key}"))
        .ok_or_else(|| {
            anyhow!(
                "REST API `{key}` of {} does not exist yet: run `idrv5-gw apply` first",
                cfg.owner()
            )
        })?;
    let id = api.outputs.get("id").cloned().unwrap_or_default();
    let stage = a.stage.clone().unwrap_or_default();
    let accepts = match a.format {
        DocFormat::Json => "application/json",
        DocFormat::Yaml => "application/yaml",
    };
    let out = aws
        .call("GetExport", || {
            aws.apigw
                .get_export()
                .rest_api_id(&id)
                .stage_name(&stage)
                .export_type("oas30")
                .accepts(accepts)
                .parameters("extensions", "integrations")
                .send()
        })
        .await?;
    let body = out
        .body()
        .map(|b| String::from_utf8_lossy(b.as_ref()).into_owned())
        .unwrap_or_default();
    Ok(body)
}
