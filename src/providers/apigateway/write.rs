//! Create, update and delete the API Gateway items of a plan.
//!
//! Routes are written with PutMethod/PutIntegration; a method-level change is made by
//! DeleteMethod + PutMethod (safe: stages serve a deployment snapshot, not the working copy)
//! because UpdateMethod patch paths differ per field and emulators lack them.

use crate::model::kinds::{route, Path, RestApi, Route, VpcLink};
use crate::model::owner::owned_map as owned;
use crate::model::owner::DEPLOYMENT_PREFIX;
use crate::model::Outputs;
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError, Made};
use crate::providers::kit;
use crate::providers::kit::{after, before, escape, id_out, ignore_missing, patch, patches, typed};
pub use crate::providers::kit::{out_of, tags, Out};
use aws_sdk_apigateway::types::{
    ConnectionType, ContentHandlingStrategy, EndpointConfiguration, EndpointType, IntegrationType,
    Op, PatchOperation, TlsConfig,
};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

pub(super) fn api_of(ch: &Change) -> String {
    ch.parent.clone().unwrap_or_default()
}

// ---- REST API ----

pub async fn create_rest_api(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let p: RestApi = typed(after(ch))?;
    let endpoint = EndpointConfiguration::builder()
        .types(EndpointType::from(p.endpoint_type.as_str()))
        .build();
    let created = aws
        .create(
            || {
                aws.apigw
                    .create_rest_api()
                    .name(&p.name)
                    .description(&p.description)
                    .endpoint_configuration(endpoint.clone())
                    .api_key_source(aws_sdk_apigateway::types::ApiKeySourceType::from(
                        p.api_key_source.as_str(),
                    ))
                    .set_minimum_compression_size(p.minimum_compression_size.map(|n| n as i32))
                    .set_policy((!p.policy.is_empty()).then(|| p.policy.clone()))
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            || find_rest_api(aws, owner, &ch.id),
        )
        .await?;
    let out = created.out(|a| api_out(a.id(), a.root_resource_id()));
    // Binary media types go in a patch: CreateRestApi's list is dropped by moto, and the
    // patch works the same on AWS.
    send_rest_api_patch(aws, &out["id"], media_patch(&[], &p.binary_media_types)).await?;
    Ok(out)
}

fn api_out(id: Option<&str>, root: Option<&str>) -> Out {
    [
        ("id".to_string(), id.unwrap_or_default().to_string()),
        ("root_id".to_string(), root.unwrap_or_default().to_string()),
    ]
    .into()
}

/// The owned REST API `id`, after a CreateRestApi whose answer was lost.
async fn find_rest_api(aws: &Aws, owner: &str, id: &str) -> Result<Option<Out>, AwsError> {
    let apis = super::read::list_rest_apis(aws).await?;
    Ok(apis
        .iter()
        .find(|a| owned(a.tags(), owner).is_some_and(|(i, _)| i == id))
        .map(|a| api_out(a.id(), a.root_resource_id())))
}

pub async fn update_rest_api(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let (b, a): (RestApi, RestApi) = (typed(before(ch))?, typed(after(ch))?);
    let mut ops = patches(ch);
    ops.extend(media_patch(&b.binary_media_types, &a.binary_media_types));
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    if ch.adopt {
        // Tagged first: if the update then fails, the next plan finds it as the stack's.
        let arn = super::read::rest_api_arn(aws, &id);
        tag_resource(aws, &arn, tags(ch, owner)).await?;
    }
    send_rest_api_patch(aws, &id, ops).await?;
    Ok(ch.live_outputs.clone())
}

/// Binary media types are added and removed one by one (a list AWS patches per element).
fn media_patch(old: &[String], new: &[String]) -> Vec<PatchOperation> {
    let path = |m: &str| format!("/binaryMediaTypes/{}", escape(m));
    let added = new.iter().filter(|m| !old.contains(m));
    let removed = old.iter().filter(|m| !new.contains(m));
    added
        .map(|m| patch(Op::Add, &path(m), Some(m.clone())))
        .chain(removed.map(|m| patch(Op::Remove, &path(m), None)))
        .collect()
}

async fn send_rest_api_patch(
    aws: &Aws,
    id: &str,
    ops: Vec<PatchOperation>,
) -> Result<(), AwsError> {
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_rest_api()
            .rest_api_id(id)
            .set_patch_operations(ops)
            .send()
    })
    .await
}

pub async fn delete_rest_api(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    delete_rest_api_id(aws, &id).await
}

/// DeleteRestApi; one already gone is deleted.
pub async fn delete_rest_api_id(aws: &Aws, id: &str) -> Result<(), AwsError> {
    ignore_missing(
        aws.call(|| aws.apigw.delete_rest_api().rest_api_id(id).send())
            .await,
    )
}

// ---- paths (API Gateway "resources") ----

pub async fn create_path(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<Out, AwsError> {
    let api = api_of(ch);
    let api_id = out_of(outputs, &api, "id")?;
    let path = typed::<Path>(after(ch))?.path;
    let (parent, part) = path.rsplit_once('/').unwrap_or(("", &path));
    let parent_id = if parent.is_empty() {
        out_of(outputs, &api, "root_id")?
    } else {
        out_of(
            outputs,
            &format!("path.{}.{parent}", api.trim_start_matches("rest_api.")),
            "id",
        )?
    };
    let made = aws
        .create(
            || {
                aws.apigw
                    .create_resource()
                    .rest_api_id(&api_id)
                    .parent_id(&parent_id)
                    .path_part(part)
                    .send()
            },
            // After a lost answer, or "exists" left by an interrupted apply: adopted.
            || async {
                Ok(find_path_id(aws, &api_id, &path)
                    .await?
                    .map(|i| id_out(Some(&i))))
            },
        )
        .await?;
    Ok(made.out(|r| id_out(r.id())))
}

async fn find_path_id(aws: &Aws, api_id: &str, path: &str) -> Result<Option<String>, AwsError> {
    let page = aws
        .call(|| {
            aws.apigw
                .get_resources()
                .rest_api_id(api_id)
                .limit(500)
                .send()
        })
        .await?;
    Ok(page
        .items()
        .iter()
        .find(|r| r.path() == Some(path))
        .and_then(|r| r.id().map(str::to_string)))
}

pub async fn delete_path(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    let api_id = out_of(outputs, &api_of(ch), "id")?;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    ignore_missing(
        aws.call(|| {
            aws.apigw
                .delete_resource()
                .rest_api_id(&api_id)
                .resource_id(&id)
                .send()
        })
        .await,
    )
}

// ---- routes (method + integration) ----

fn route_target(ch: &Change, outputs: &Outputs) -> Result<(String, String, String), AwsError> {
    let api = api_of(ch);
    let api_id = out_of(outputs, &api, "id")?;
    let (method, path) = ch.name.split_once(' ').unwrap_or(("ANY", "/"));
    let resource_id = if path == "/" {
        out_of(outputs, &api, "root_id")?
    } else {
        out_of(
            outputs,
            &format!("path.{}.{path}", api.trim_start_matches("rest_api.")),
            "id",
        )?
    };
    Ok((api_id, resource_id, method.to_string()))
}

/// Whether a route change rewrites its method (and responses), not only its integration.
pub fn method_changed(ch: &Change) -> bool {
    ch.after
        .as_ref()
        .is_some_and(|a| route::method_changed(ch.before.as_ref(), a))
}

/// A map as the SDK takes it.
fn hash<V: Clone>(m: &Option<BTreeMap<String, V>>) -> Option<HashMap<String, V>> {
    m.as_ref()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

pub async fn put_route(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<Out, AwsError> {
    let (api_id, rid, method) = route_target(ch, outputs)?;
    let a: Route = typed(after(ch))?;
    if method_changed(ch) {
        if ch.before.is_some() {
            delete_method(aws, &api_id, &rid, &method).await?;
        }
        let put = aws
            .call(|| {
                aws.apigw
                    .put_method()
                    .rest_api_id(&api_id)
                    .resource_id(&rid)
                    .http_method(&method)
                    .authorization_type(&a.authorization)
                    .api_key_required(a.api_key_required)
                    .set_request_parameters(hash(&a.request_parameters))
                    .set_authorizer_id(a.authorizer_id.clone())
                    .set_authorization_scopes(a.authorization_scopes.clone())
                    .set_request_validator_id(a.request_validator_id.clone())
                    .set_request_models(hash(&a.request_models))
                    .send()
            })
            .await;
        // An interrupted apply left the method: it is replaced below by the integration.
        kit::ignore_conflict(put)?;
        for (code, declared) in a.method_responses.iter().flatten() {
            aws.call(|| {
                aws.apigw
                    .put_method_response()
                    .rest_api_id(&api_id)
                    .resource_id(&rid)
                    .http_method(&method)
                    .status_code(code)
                    .set_response_parameters(hash(&declared.parameters))
                    .set_response_models(hash(&declared.models))
                    .send()
            })
            .await?;
        }
    }
    put_integration(aws, &api_id, &rid, &method, &a).await?;
    Ok(Out::new())
}

async fn put_integration(
    aws: &Aws,
    api_id: &str,
    rid: &str,
    method: &str,
    a: &Route,
) -> Result<(), AwsError> {
    let mock = route::Integration {
        kind: "MOCK".into(),
        connection_type: "INTERNET".into(),
        ..Default::default()
    };
    let i = a.integration.as_ref().unwrap_or(&mock);
    aws.call(|| {
        aws.apigw
            .put_integration()
            .rest_api_id(api_id)
            .resource_id(rid)
            .http_method(method)
            .r#type(IntegrationType::from(i.kind.as_str()))
            .set_integration_http_method(i.http_method.clone())
            .set_uri(i.uri.clone())
            .connection_type(ConnectionType::from(i.connection_type.as_str()))
            .set_connection_id(i.connection_id.clone())
            .set_request_parameters(hash(&i.request_parameters))
            .set_request_templates(hash(&i.request_templates))
            .passthrough_behavior(&i.passthrough_behavior)
            .timeout_in_millis(i.timeout_ms as i32)
            .set_credentials(i.credentials.clone())
            .set_content_handling(
                i.content_handling
                    .as_deref()
                    .map(ContentHandlingStrategy::from),
            )
            .set_cache_namespace(i.cache_namespace.clone())
            .set_cache_key_parameters(i.cache_key_parameters.clone())
            .set_tls_config(i.insecure_skip_verification.map(|skip| {
                TlsConfig::builder()
                    .insecure_skip_verification(skip)
                    .build()
            }))
            .send()
    })
    .await?;
    // Integration responses map onto the method responses (put with the method, above).
    for (code, r) in a.integration_responses.iter().flatten() {
        aws.call(|| {
            aws.apigw
                .put_integration_response()
                .rest_api_id(api_id)
                .resource_id(rid)
                .http_method(method)
                .status_code(code)
                .selection_pattern(r.selection_pattern.as_deref().unwrap_or_default())
                .set_response_parameters(hash(&r.response_parameters))
                .set_response_templates(hash(&r.response_templates))
                .set_content_handling(
                    r.content_handling
                        .as_deref()
                        .map(ContentHandlingStrategy::from),
                )
                .send()
        })
        .await?;
    }
    Ok(())
}

pub async fn delete_route(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    // The resource it was read on: a route on a duplicate path must not be looked up by
    // its path, which names the kept copy.
    let (api_id, rid, method) = match ch.live_outputs.get("resource_id") {
        Some(rid) => (
            out_of(outputs, &api_of(ch), "id")?,
            rid.clone(),
            ch.name
                .split_once(' ')
                .map_or("ANY", |(m, _)| m)
                .to_string(),
        ),
        None => route_target(ch, outputs)?,
    };
    delete_method(aws, &api_id, &rid, &method).await
}

async fn delete_method(aws: &Aws, api_id: &str, rid: &str, method: &str) -> Result<(), AwsError> {
    ignore_missing(
        aws.call(|| {
            aws.apigw
                .delete_method()
                .rest_api_id(api_id)
                .resource_id(rid)
                .http_method(method)
                .send()
        })
        .await,
    )
}

// ---- deployments ----

pub async fn create_deployment(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    fingerprint: &str,
) -> Result<Out, AwsError> {
    let api_id = out_of(outputs, &api_of(ch), "id")?;
    let description = format!("{DEPLOYMENT_PREFIX}{fingerprint}");
    let made = aws
        .create(
            || {
                aws.apigw
                    .create_deployment()
                    .rest_api_id(&api_id)
                    .description(&description)
                    .send()
            },
            || find_deployment(aws, &api_id, &description),
        )
        .await?;
    let mut out = made.out(|d| id_out(d.id()));
    out.insert("fingerprint".to_string(), fingerprint.to_string());
    Ok(out)
}

/// An adopted deployment (plan::diff `adopt_deployment`): its description gains the
/// fingerprint of the document it serves, so later plans know it.
pub async fn adopt_deployment(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    fingerprint: &str,
) -> Result<Out, AwsError> {
    let api_id = out_of(outputs, &api_of(ch), "id")?;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    let description = format!("{DEPLOYMENT_PREFIX}{fingerprint}");
    let ops = vec![patch(Op::Replace, "/description", Some(description))];
    aws.call(|| {
        aws.apigw
            .update_deployment()
            .rest_api_id(&api_id)
            .deployment_id(&id)
            .set_patch_operations(Some(ops.clone()))
            .send()
    })
    .await?;
    Ok([
        ("id".to_string(), id),
        ("fingerprint".to_string(), fingerprint.to_string()),
    ]
    .into())
}

/// The API's deployment of this document (its description holds the fingerprint).
async fn find_deployment(
    aws: &Aws,
    api_id: &str,
    description: &str,
) -> Result<Option<Out>, AwsError> {
    let all = super::read::get_deployments(aws, api_id).await?;
    Ok(all
        .iter()
        .find(|d| d.description() == Some(description))
        .map(|d| id_out(d.id())))
}

pub async fn delete_deployment(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    let api_id = out_of(outputs, &api_of(ch), "id")?;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    ignore_missing(
        aws.call(|| {
            aws.apigw
                .delete_deployment()
                .rest_api_id(&api_id)
                .deployment_id(&id)
                .send()
        })
        .await,
    )
}

// ---- VPC links ----

pub async fn create_vpc_link(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a: VpcLink = typed(after(ch))?;
    let made = aws
        .create(
            || {
                aws.apigw
                    .create_vpc_link()
                    .name(&a.name)
                    .description(&a.description)
                    .set_target_arns(Some(a.target_arns.clone()))
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            || async {
                let mut live = crate::model::LiveState::default();
                super::read::read_vpc_links(aws, owner, &Default::default(), &mut live).await?;
                Ok(kit::outputs_in(live, &ch.id))
            },
        )
        .await?;
    let dropped = matches!(&made, Made::Sent(l) if l.tags().is_none_or(|t| t.is_empty()));
    let id = made.out(|l| id_out(l.id()))["id"].clone();
    if dropped {
        let arn = super::read::vpc_link_arn(aws, &id);
        tag_resource(aws, &arn, tags(ch, owner)).await?;
    }
    wait_vpc_link(aws, &id).await?;
    Ok([("id".to_string(), id)].into())
}

/// TagResource: for an item whose create answer came back without the tags it was sent
/// (LocalStack drops them on VPC links and domain names; AWS keeps them, so this is not
/// sent there).
pub async fn tag_resource(
    aws: &Aws,
    arn: &str,
    tags: HashMap<String, String>,
) -> Result<(), AwsError> {
    aws.call(|| {
        aws.apigw
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone()))
            .send()
    })
    .await
    .map(|_| ())
}

/// AWS takes minutes to make a VPC link AVAILABLE; integrations need it first.
async fn wait_vpc_link(aws: &Aws, id: &str) -> Result<(), AwsError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(900);
    loop {
        let l = aws
            .call(|| aws.apigw.get_vpc_link().vpc_link_id(id).send())
            .await?;
        match l.status().map(|s| s.as_str().to_string()).as_deref() {
            Some("AVAILABLE") | None => return Ok(()),
            Some("FAILED") => {
                return Err(AwsError::Service {
                    op: "CreateVpcLink".into(),
                    code: "FAILED".into(),
                    message: l.status_message().unwrap_or("VPC link failed").to_string(),
                })
            }
            _ if std::time::Instant::now() > deadline => {
                return Err(AwsError::Service {
                    op: "CreateVpcLink".into(),
                    code: "Timeout".into(),
                    message: format!(
                        "VPC link {id} not AVAILABLE after 15 minutes; apply again to keep waiting"
                    ),
                })
            }
            _ => tokio::time::sleep(std::time::Duration::from_secs(10)).await,
        }
    }
}

pub async fn update_vpc_link(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let ops = patches(ch);
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    if ch.adopt {
        tag_resource(aws, &super::read::vpc_link_arn(aws, &id), tags(ch, owner)).await?;
    }
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_vpc_link()
            .vpc_link_id(&id)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

pub async fn delete_vpc_link(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    ignore_missing(
        aws.call(|| aws.apigw.delete_vpc_link().vpc_link_id(&id).send())
            .await,
    )
}

// ---- the whole API in one call (issue 7, `apply --bulk`) ----

/// PutRestApi in overwrite mode: the API becomes what the document says (paths, methods,
/// integrations and, on AWS, authorizers, validators, models and gateway responses). The
/// API keeps its id, tags and stages. Warnings do not fail the import: whatever it drops is
/// found by the read-back after it and written granularly. An endpoint that answers an HTTP
/// error without an AWS error code (moto's 500 page for a document it cannot import) fails
/// at once rather than after the usual retries: the caller falls back to per-route calls.
pub async fn put_rest_api(aws: &Aws, api_id: &str, doc: &Value) -> Result<(), AwsError> {
    let body = serde_json::to_vec(doc).unwrap_or_default();
    let put = aws
        .call_if_supported(|| {
            aws.apigw
                .put_rest_api()
                .rest_api_id(api_id)
                .mode(aws_sdk_apigateway::types::PutMode::Overwrite)
                .fail_on_warnings(false)
                .body(aws_sdk_apigateway::primitives::Blob::new(body.clone()))
                .send()
        })
        .await?;
    match put {
        Some(_) => Ok(()),
        None => Err(AwsError::Service {
            op: "PutRestApi".into(),
            code: "Unsupported".into(),
            message: "the endpoint answered an HTTP error without an AWS error code (an emulator that cannot import this document?)".into(),
        }),
    }
}
