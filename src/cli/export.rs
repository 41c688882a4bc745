//! `export-openapi`: the document the stack imports (offline), or what a stage serves (--live).

use super::args::{DocFormat, ExportArgs, Global};
use super::stack::load_config;
use crate::diag::Diagnostics;
use crate::model::desire;
use crate::providers::aws::Aws;
use anyhow::{anyhow, bail, Context, Result};

pub async fn run(g: &Global, a: &ExportArgs) -> Result<i32> {
    let cfg = load_config(g)?;
    let rest: Vec<&String> = cfg.file.rest_apis.keys().collect();
    let http: Vec<&String> = cfg.file.http_apis.keys().collect();
    let all = || {
        rest.iter()
            .chain(http.iter())
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let key = match &a.api {
        Some(k) if cfg.file.websocket_apis.contains_key(k) => bail!(
            "`{k}` is a WebSocket API: API Gateway imports no OpenAPI document for those (its routes are in the stack file)"
        ),
        Some(k) if rest.contains(&k) || http.contains(&k) => k.clone(),
        Some(k) => bail!("no REST or HTTP API `{k}` in the stack; it has: {}", all()),
        None if rest.len() + http.len() == 1 => rest.iter().chain(http.iter()).next().map(|k| k.to_string()).unwrap_or_default(),
        None => bail!("the stack has several APIs ({}): choose one with --api", all()),
    };
    if cfg.file.http_apis.contains_key(&key) {
        if a.live {
            bail!("--live exports REST API stages; for the HTTP API `{key}`, `aws apigatewayv2 export-api --api-id ID --specification OAS30 --output-type YAML` gives what AWS holds");
        }
        let text = http_export(g, &cfg, &key, a)?;
        return write_out(a, &text);
    }
    let text = if a.live {
        live_export(g, &cfg, &key, a).await?
    } else {
        let region = g.offline_region(&cfg);
        let (docs, _) = desire::documents(&cfg, &region).map_err(Diagnostics)?;
        let doc = docs
            .get(&key)
            .ok_or_else(|| anyhow!("REST API `{key}` has no contract"))?;
        let text = match a.format {
            DocFormat::Json => serde_json::to_string_pretty(doc)? + "\n",
            DocFormat::Yaml => crate::openapi::yaml::to_yaml(doc),
        };
        if text.contains("{{ref:") {
            eprintln!("note: `{{{{ref:vpc_link.NAME.id}}}}` stands for the VPC link id AWS assigns; `export-openapi --live --stage S` shows the deployed document with real ids.");
        }
        // The process exits next: freeing the documents is wasted time on a large contract.
        std::mem::forget(docs);
        text
    };
    let code = write_out(a, &text);
    std::mem::forget((cfg, text)); // as the documents above
    code
}

fn write_out(a: &ExportArgs, text: &str) -> Result<i32> {
    match &a.output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(0)
}

/// An HTTP API's import document, rendered from the resources `plan` would compare.
fn http_export(
    g: &Global,
    cfg: &crate::config::Config,
    key: &str,
    a: &ExportArgs,
) -> Result<String> {
    let region = g.offline_region(cfg);
    let desired = desire::desire(cfg, &region).map_err(Diagnostics)?;
    let api_id = format!("http_api.{key}");
    let api = desired
        .iter()
        .find(|r| r.id == api_id)
        .ok_or_else(|| anyhow!("HTTP API `{key}` is not in the stack"))?;
    let children: Vec<&crate::model::Resource> = desired
        .iter()
        .filter(|r| r.parent.as_deref() == Some(api_id.as_str()))
        .collect();
    let contract = cfg.contracts.get(key).map(|c| &c.doc);
    let doc = crate::model::v2_document::render(api, &children, contract);
    let text = match a.format {
        DocFormat::Json => serde_json::to_string_pretty(&doc)? + "\n",
        DocFormat::Yaml => crate::openapi::yaml::to_yaml(&doc),
    };
    if text.contains("{{ref:") {
        eprintln!("note: `{{{{ref:vpc_link_v2.NAME.id}}}}` stands for the VPC link id AWS assigns on apply.");
    }
    Ok(text)
}

async fn live_export(
    g: &Global,
    cfg: &crate::config::Config,
    key: &str,
    a: &ExportArgs,
) -> Result<String> {
    super::account::check_profile(g.profile.as_deref())?;
    let aws = Aws::connect(&g.aws_options(), cfg.file.region.as_deref()).await?;
    let mut live = crate::model::LiveState::default();
    crate::providers::apigateway::read::read_rest_apis(&aws, &cfg.owner(), &[], &mut live).await?;
    let api = live
        .resources
        .get(&format!("rest_api.{key}"))
        .ok_or_else(|| {
            anyhow!(
                "REST API `{key}` of {} does not exist yet: run `{}` first",
                cfg.owner(),
                crate::util::command("apply")
            )
        })?;
    let id = api.outputs.get("id").cloned().unwrap_or_default();
    let stage = a.stage.clone().unwrap_or_default();
    let accepts = match a.format {
        DocFormat::Json => "application/json",
        DocFormat::Yaml => "application/yaml",
    };
    let out = aws
        .call(|| {
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
