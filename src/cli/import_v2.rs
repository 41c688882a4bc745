//! The HTTP and WebSocket APIs `import` writes beside (or without) a REST API: found by id
//! or name, read as the stack that made them (or adopts them) reads them, with its v2 VPC
//! links, its API mappings and the stages' log groups, and written by `model::import_v2`
//! (their alarms join the REST API's in `import::monitoring`).

use crate::model::import_v2::{self, V2Entry};
use crate::model::owner::{TAG_ID, TAG_STACK};
use crate::model::{Kind, LiveResource, LiveState};
use crate::providers::apigwv2;
use crate::providers::aws::Aws;
use anyhow::{bail, Result};
use aws_sdk_apigatewayv2::types::{Api, ProtocolType};

/// A wanted v2 API, the stack (`stack/environment`) that made it (none: made otherwise,
/// then adopted), and its key in the stack.
pub(super) struct Found {
    pub api: Api,
    pub owner: Option<String>,
    pub key: String,
}

/// The wanted APIs, by id or name. One not found or named by two is an error that says so.
pub(super) async fn find(aws: &Aws, http: &[String], websocket: &[String]) -> Result<Vec<Found>> {
    if http.is_empty() && websocket.is_empty() {
        return Ok(Vec::new());
    }
    let all = apigwv2::all_apis(aws).await?;
    let wanted = http.iter().map(|w| (w, false));
    let wanted = wanted.chain(websocket.iter().map(|w| (w, true)));
    let mut out = Vec::new();
    for (w, ws) in wanted {
        let what = if ws { "WebSocket API" } else { "HTTP API" };
        let mut hits: Vec<&Api> = all
            .iter()
            .filter(|a| (a.protocol_type() == Some(&ProtocolType::Websocket)) == ws)
            .filter(|a| a.api_id() == Some(w) || a.name() == Some(w))
            .collect();
        let api = match hits.len() {
            0 => bail!(
                "no {what} with the id or name `{w}` in {}: `aws apigatewayv2 get-apis` lists them",
                aws.region
            ),
            1 => hits.remove(0).clone(),
            n => bail!(
                "{n} {what}s are named `{w}` ({}): give the id",
                hits.iter()
                    .filter_map(|a| a.api_id())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let tags = api.tags();
        let owner = tags.and_then(|t| t.get(TAG_STACK)).cloned();
        let key = tags
            .and_then(|t| t.get(TAG_ID))
            .and_then(|id| id.split_once('.'))
            .map(|x| x.1.to_string())
            .unwrap_or_else(|| super::import_items::plain(api.name().unwrap_or("imported")));
        out.push(Found { api, owner, key });
    }
    Ok(out)
}

/// What was read for the found APIs: everything the v2 reader gives for the stack, the log
/// groups, and each API's entry. `edge` (the stack's domains, read before) comes back with
/// the API mappings added and the v2 APIs' base path mappings taken out, as the plan reads
/// them.
pub(super) async fn read(
    aws: &Aws,
    owner: &str,
    found: &[Found],
    edge: &mut Vec<LiveResource>,
    left: &mut Vec<String>,
) -> Result<(Vec<LiveResource>, Vec<V2Entry>)> {
    let fresh = || {
        let mut state = LiveState::default();
        for r in edge.iter() {
            state.insert(r.clone());
        }
        state
    };
    // Those made otherwise are read as the stack adopting them reads them, and so are the
    // v2 VPC links they go through that no stack owns (read again with those).
    let mut adopt = found
        .iter()
        .filter(|f| f.owner.is_none())
        .filter_map(|f| Some((f.api.api_id()?.to_string(), resource_id(f))))
        .collect();
    let mut state = fresh();
    apigwv2::read(aws, owner, &adopt, &mut state).await?;
    let links = unowned_links(aws, &state, found).await?;
    if !links.is_empty() {
        adopt.extend(links);
        state = fresh();
        apigwv2::read(aws, owner, &adopt, &mut state).await?;
    }
    let ids: Vec<&str> = found.iter().filter_map(|f| f.api.api_id()).collect();
    let mut live: Vec<LiveResource> = state.resources.values().cloned().collect();
    for r in live.iter().filter(|r| r.kind.is_api()) {
        let aws_id = r.outputs.get("id").map(String::as_str).unwrap_or_default();
        if !ids.contains(&aws_id) {
            let flag = if r.kind == Kind::WebSocketApi {
                "--websocket-api"
            } else {
                "--http-api"
            };
            left.push(format!(
                "{} ({aws_id}): the stack {owner} owns it too; add `{flag} {aws_id}`, or the imported stack's plan deletes it",
                r.id
            ));
        }
    }
    edge.retain(|r| state.resources.contains_key(&r.id));
    edge.extend(live.iter().filter(|r| r.kind == Kind::ApiMapping).cloned());
    for f in found {
        let key = &f.key;
        let stages: Vec<LiveResource> = live
            .iter()
            .filter(|r| r.kind == Kind::ApiStage && r.id.starts_with(&format!("api_stage.{key}.")))
            .cloned()
            .collect();
        live.extend(super::import_items::log_groups(aws, owner, key, &stages).await?);
    }
    let mut entries = Vec::new();
    for f in found {
        if let Some(mut e) = import_v2::v2_api(&live, &resource_id(f), left) {
            if f.owner.is_none() {
                e.entry["adopt"] = f.api.api_id().unwrap_or_default().into();
            }
            entries.push(e);
        }
    }
    Ok((live, entries))
}

/// The v2 VPC links the found APIs' integrations go through that the stack does not own, as
/// (AWS id, `vpc_link_v2.<key of its name>`), to adopt.
async fn unowned_links(
    aws: &Aws,
    state: &LiveState,
    found: &[Found],
) -> Result<Vec<(String, String)>> {
    let apis: Vec<String> = found.iter().map(resource_id).collect();
    let owned: Vec<&String> = state
        .resources
        .values()
        .filter(|r| r.kind == Kind::VpcLinkV2)
        .filter_map(|r| r.outputs.get("id"))
        .collect();
    let mut ids: Vec<String> = state
        .resources
        .values()
        .filter(|r| r.kind == Kind::ApiIntegration)
        .filter(|r| r.parent.as_ref().is_some_and(|p| apis.contains(p)))
        .filter(|r| r.props.get("connection_type").and_then(|v| v.as_str()) == Some("VPC_LINK"))
        .filter_map(|r| r.props.get("connection_id")?.as_str().map(str::to_string))
        .filter(|id| !owned.contains(&id))
        .collect();
    ids.sort();
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let l = aws
            .call(|| aws.apigwv2.get_vpc_link().vpc_link_id(&id).send())
            .await?;
        let key = super::import_items::plain(l.name().unwrap_or("link"));
        out.push((id, format!("vpc_link_v2.{key}")));
    }
    Ok(out)
}

/// A found API as its metrics name it (`ApiId`), with its stages.
pub(super) fn watched(f: &Found, live: &[LiveResource]) -> super::import_items::Watched {
    use crate::model::monitoring_metrics::Protocol;
    let websocket = f.api.protocol_type() == Some(&ProtocolType::Websocket);
    super::import_items::Watched {
        key: f.key.clone(),
        protocol: if websocket {
            Protocol::WebSocket
        } else {
            Protocol::Http
        },
        api: f.api.api_id().unwrap_or_default().to_string(),
        stages: super::import_items::names_of(live, Kind::ApiStage, Some(&resource_id(f))),
    }
}

/// `http_api.<key>` or `websocket_api.<key>`.
fn resource_id(f: &Found) -> String {
    let kind = if f.api.protocol_type() == Some(&ProtocolType::Websocket) {
        "websocket_api"
    } else {
        "http_api"
    };
    format!("{kind}.{}", f.key)
}
