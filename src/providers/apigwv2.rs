//! HTTP and WebSocket APIs (API Gateway v2): read what the stack owns, carry out changes.
//!
//! The props each kind carries are set in src/model/v2.rs; `props.rs` builds the same shapes
//! from what AWS answers, `read.rs` finds what the stack owns, `write.rs` and `stage.rs` carry
//! out changes.
//!
//! Reads: GetVpcLinks (v2) and GetApis (all pages, owned by tags); per owned API, together:
//! GetIntegrations, GetRoutes, GetStages, GetAuthorizers (GetAuthorizer per authorizer a route
//! names when the endpoint lacks GetAuthorizers), and GetDeployment per stage without
//! auto-deploy that has a deployment; GetApiMappings per owned custom domain when there is an
//! owned v2 API.

/// Every item of a paged v2 list (`items` + `next_token`), one rate-limited call per page:
/// `all_pages!(aws, "GetRoutes", |t| aws.apigwv2.get_routes().api_id(id).set_next_token(t.clone()))`
/// is a `Result<Vec<_>, AwsError>`. With `if_supported` first it goes through
/// `Aws::call_if_supported` and is `Ok(None)` where the endpoint lacks the operation.
macro_rules! all_pages {
    ($aws:expr, $op:literal, |$t:ident| $req:expr) => {{
        let mut out = Vec::new();
        let mut $t: Option<String> = None;
        loop {
            let page = match $aws.call($op, || $req.send()).await {
                Ok(p) => p,
                Err(e) => break Err(e),
            };
            out.extend(page.items().iter().cloned());
            $t = page.next_token().map(str::to_string);
            if $t.is_none() || page.items().is_empty() {
                break Ok::<_, AwsError>(out);
            }
        }
    }};
    (if_supported $aws:expr, $op:literal, |$t:ident| $req:expr) => {{
        let mut out = Vec::new();
        let mut $t: Option<String> = None;
        loop {
            let page = match $aws.call_if_supported($op, || $req.send()).await {
                Ok(Some(p)) => p,
                Ok(None) => break Ok(None),
                Err(e) => break Err(e),
            };
            out.extend(page.items().iter().cloned());
            $t = page.next_token().map(str::to_string);
            if $t.is_none() || page.items().is_empty() {
                break Ok::<_, AwsError>(Some(out));
            }
        }
    }};
}

#[path = "apigwv2/props.rs"]
mod props;
#[path = "apigwv2/read.rs"]
mod read;
#[path = "apigwv2/stage.rs"]
mod stage;
#[path = "apigwv2/write.rs"]
mod write;

use super::apigateway_read::TAG_ID;
use super::apigateway_write::Out;
use super::aws::{Aws, AwsError};
use crate::model::desire::{TAG_PROTECT, TAG_STACK};
use crate::model::{Kind, LiveState, Outputs, Props};
use crate::plan::{Action, Change};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Integrations carry their stack key in the description: `idrv5-gw:<ikey>`.
pub const INTEGRATION_PREFIX: &str = "idrv5-gw:";
/// Deployment descriptions carry the fingerprint: `idrv5-gw <fingerprint>`.
pub const DEPLOYMENT_PREFIX: &str = "idrv5-gw ";

/// Read owned v2 APIs (with their authorizers, integrations, routes, stages, deployments),
/// v2 VPC links, and API mappings on the owned custom domains already in `state`.
pub async fn read(aws: &Aws, owner: &str, state: &mut LiveState) -> Result<(), AwsError> {
    read::read(aws, owner, state).await
}

pub async fn put(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
    action: Action,
) -> Result<Out, AwsError> {
    let create = action == Action::Create;
    match ch.kind {
        Kind::VpcLinkV2 if create => write::create_vpc_link(aws, ch, owner).await,
        Kind::VpcLinkV2 => write::update_vpc_link(aws, ch).await,
        Kind::HttpApi | Kind::WebSocketApi if create => write::create_api(aws, ch, owner).await,
        Kind::HttpApi | Kind::WebSocketApi => write::update_api(aws, ch).await,
        Kind::ApiAuthorizer => write::put_authorizer(aws, ch, outputs, create).await,
        Kind::ApiIntegration => write::put_integration(aws, ch, outputs, create).await,
        Kind::ApiRoute => write::put_route(aws, ch, outputs, create).await,
        Kind::ApiStage if create => stage::create_stage(aws, ch, outputs, owner).await,
        Kind::ApiStage => stage::update_stage(aws, ch, outputs).await,
        Kind::ApiDeployment => stage::create_deployment(aws, ch, outputs).await,
        Kind::ApiMapping => write::put_mapping(aws, ch, create).await,
        _ => Err(unsupported(ch)),
    }
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match ch.kind {
        Kind::VpcLinkV2 => write::delete_vpc_link(aws, ch).await,
        Kind::HttpApi | Kind::WebSocketApi => write::delete_api(aws, ch).await,
        Kind::ApiAuthorizer | Kind::ApiIntegration | Kind::ApiRoute => {
            write::delete_child(aws, ch, outputs).await
        }
        Kind::ApiStage => stage::delete_stage(aws, ch, outputs).await,
        Kind::ApiDeployment => stage::delete_deployment(aws, ch, outputs).await,
        Kind::ApiMapping => write::delete_mapping(aws, ch).await,
        _ => Err(unsupported(ch)),
    }
}

fn unsupported(ch: &Change) -> AwsError {
    AwsError::Service {
        op: "apply".into(),
        code: "NotBuilt".into(),
        message: format!("{} is not an HTTP or WebSocket API item", ch.id),
    }
}

// ---- helpers shared by the submodules ----

/// (resource id, protect) when the tags say this stack owns the item.
fn owned(tags: Option<&HashMap<String, String>>, owner: &str) -> Option<(String, bool)> {
    let tags = tags?;
    if tags.get(TAG_STACK).map(String::as_str) != Some(owner) {
        return None;
    }
    Some((tags.get(TAG_ID)?.clone(), protected(Some(tags))))
}

fn protected(tags: Option<&HashMap<String, String>>) -> bool {
    tags.and_then(|t| t.get(TAG_PROTECT))
        .is_some_and(|v| v == "true")
}

/// `http_api.main` → `main`.
fn key_of(api_resource_id: &str) -> &str {
    api_resource_id
        .split_once('.')
        .map(|(_, k)| k)
        .unwrap_or(api_resource_id)
}

fn is_websocket(api_resource_id: &str) -> bool {
    api_resource_id.starts_with("websocket_api.")
}

fn sorted(v: &[String]) -> Value {
    let mut v = v.to_vec();
    v.sort();
    json!(v)
}

// The props readers the REST providers use, under the names this module's files know.
use super::api_items::strings as strings_prop;
use super::apigateway_write::s as str_prop;

fn int_prop(p: &Props, k: &str) -> Option<i32> {
    p.get(k).and_then(Value::as_i64).map(|n| n as i32)
}

fn bool_prop(p: &Props, k: &str) -> Option<bool> {
    p.get(k).and_then(Value::as_bool)
}

fn ignore_missing<T>(r: Result<T, AwsError>) -> Result<(), AwsError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// The AWS id of the item a change is about, as read or as created.
fn live_id(ch: &Change, outputs: &Outputs) -> Result<String, AwsError> {
    if let Some(id) = ch.live_outputs.get("id").filter(|v| !v.is_empty()) {
        return Ok(id.clone());
    }
    super::apigateway_write::out_of(outputs, &ch.id, "id")
}

/// The AWS id of the API a child belongs to.
fn parent_api_id(ch: &Change, outputs: &Outputs) -> Result<String, AwsError> {
    let parent = ch.parent.clone().unwrap_or_default();
    super::apigateway_write::out_of(outputs, &parent, "id")
}

fn after(ch: &Change) -> Props {
    ch.after.clone().unwrap_or_default()
}

fn before(ch: &Change) -> Props {
    ch.before.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_kinds_come_off_the_parent_id() {
        assert_eq!(key_of("http_api.main"), "main");
        assert_eq!(key_of("websocket_api.chat.v2"), "chat.v2");
        assert!(is_websocket("websocket_api.chat"));
        assert!(!is_websocket("http_api.chat"));
        assert_eq!(
            sorted(&["b".to_string(), "a".to_string()]),
            json!(["a", "b"])
        );
    }

    #[test]
    fn ownership_needs_stack_and_id() {
        let mut t: HashMap<String, String> = [
            (TAG_STACK.to_string(), "s/dev".to_string()),
            (TAG_ID.to_string(), "http_api.main".to_string()),
        ]
        .into();
        assert_eq!(
            owned(Some(&t), "s/dev"),
            Some(("http_api.main".to_string(), false))
        );
        assert_eq!(owned(Some(&t), "s/prod"), None);
        t.insert(TAG_PROTECT.into(), "true".into());
        assert_eq!(
            owned(Some(&t), "s/dev"),
            Some(("http_api.main".to_string(), true))
        );
        t.remove(TAG_ID);
        assert_eq!(owned(Some(&t), "s/dev"), None);
    }
}
