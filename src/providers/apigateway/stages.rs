//! Stages: created on a deployment, then every setting in one UpdateStage patch.

use crate::model::{Outputs, Props};
use crate::plan::Change;
use crate::providers::apigateway::write::api_of;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit;
use crate::providers::kit::{escape, ignore_missing, out_of, patch, s, tags, Out};
use aws_sdk_apigateway::types::{CacheClusterSize, Op, PatchOperation};
use serde_json::Value;
use std::collections::HashMap;

pub async fn create_stage(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
) -> Result<Out, AwsError> {
    let api = api_of(ch);
    let api_id = out_of(outputs, &api, "id")?;
    let dep_id = out_of(
        outputs,
        &format!("deployment.{}", api.trim_start_matches("rest_api.")),
        "id",
    )?;
    let a = ch.after.as_ref().expect("create has after");
    let vars: HashMap<String, String> = a
        .get("variables")
        .and_then(Value::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let cache = a
        .get("cache_cluster_enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let created = aws
        .call(|| {
            aws.apigw
                .create_stage()
                .rest_api_id(&api_id)
                .stage_name(&ch.name)
                .deployment_id(&dep_id)
                .set_description(s(a, "description").map(str::to_string))
                .set_variables((!vars.is_empty()).then(|| vars.clone()))
                .tracing_enabled(a.get("tracing").and_then(Value::as_bool).unwrap_or(false))
                .cache_cluster_enabled(cache)
                .set_cache_cluster_size(if cache {
                    s(a, "cache_cluster_size").map(CacheClusterSize::from)
                } else {
                    None
                })
                .set_tags(Some(tags(ch, owner)))
                .send()
        })
        .await;
    match created {
        Ok(_) => {}
        // Interrupted earlier between CreateStage and the settings: finish with the update.
        Err(AwsError::Service { code, .. }) if code == "ConflictException" => {}
        Err(e) => return Err(e),
    }
    let ops = stage_patch(&Props::new(), a, &dep_id, true);
    send_stage_patch(aws, &api_id, ch, ops).await
}

pub async fn update_stage(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<Out, AwsError> {
    let api = api_of(ch);
    let api_id = out_of(outputs, &api, "id")?;
    let dep_id = out_of(
        outputs,
        &format!("deployment.{}", api.trim_start_matches("rest_api.")),
        "id",
    )?;
    let ops = stage_patch(
        ch.before.as_ref().expect("update has before"),
        ch.after.as_ref().expect("update has after"),
        &dep_id,
        false,
    );
    send_stage_patch(aws, &api_id, ch, ops).await
}

async fn send_stage_patch(
    aws: &Aws,
    api_id: &str,
    ch: &Change,
    ops: Vec<PatchOperation>,
) -> Result<Out, AwsError> {
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_stage()
            .rest_api_id(api_id)
            .stage_name(&ch.name)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    Ok([("name".to_string(), ch.name.clone())].into())
}

/// One UpdateStage carries every changed field. `fresh`: right after CreateStage, which set
/// the deployment, variables, tracing and cache already.
fn stage_patch(b: &Props, a: &Props, dep_id: &str, fresh: bool) -> Vec<PatchOperation> {
    let mut ops = if fresh {
        Vec::new()
    } else {
        settings_patch(b, a, dep_id)
    };
    ops.extend(access_log_patch(b, a, fresh));
    ops.extend(method_settings_patch(b, a));
    ops
}

/// What CreateStage sets: deployment, description, tracing, cache and variables.
fn settings_patch(b: &Props, a: &Props, dep_id: &str) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let changed = |k: &str| b.get(k) != a.get(k);
    if changed("deployment") {
        ops.push(patch(
            Op::Replace,
            "/deploymentId",
            Some(dep_id.to_string()),
        ));
    }
    if changed("description") {
        ops.push(patch(
            Op::Replace,
            "/description",
            Some(s(a, "description").unwrap_or_default().to_string()),
        ));
    }
    if changed("tracing") {
        ops.push(patch(
            Op::Replace,
            "/tracingEnabled",
            Some(
                a.get("tracing")
                    .and_then(Value::as_bool)
                    .unwrap_or(false)
                    .to_string(),
            ),
        ));
    }
    if changed("cache_cluster_enabled") || changed("cache_cluster_size") {
        let on = a
            .get("cache_cluster_enabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        ops.push(patch(
            Op::Replace,
            "/cacheClusterEnabled",
            Some(on.to_string()),
        ));
        if on {
            ops.push(patch(
                Op::Replace,
                "/cacheClusterSize",
                s(a, "cache_cluster_size").map(str::to_string),
            ));
        }
    }
    let (old, new) = (obj(b.get("variables")), obj(a.get("variables")));
    for (k, v) in &new {
        if old.get(k) != Some(v) {
            ops.push(patch(
                Op::Replace,
                &format!("/variables/{}", escape(k)),
                v.as_str().map(str::to_string),
            ));
        }
    }
    for k in old.keys().filter(|k| !new.contains_key(*k)) {
        ops.push(patch(
            Op::Remove,
            &format!("/variables/{}", escape(k)),
            None,
        ));
    }
    ops
}

fn access_log_patch(b: &Props, a: &Props, fresh: bool) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let changed = |k: &str| b.get(k) != a.get(k);
    if changed("access_log_destination") || changed("access_log_format") {
        match (s(a, "access_log_destination"), s(a, "access_log_format")) {
            (Some(d), Some(f)) => {
                ops.push(patch(
                    Op::Replace,
                    "/accessLogSettings/destinationArn",
                    Some(d.to_string()),
                ));
                ops.push(patch(
                    Op::Replace,
                    "/accessLogSettings/format",
                    Some(f.to_string()),
                ));
            }
            _ if !fresh => ops.push(patch(Op::Remove, "/accessLogSettings", None)),
            _ => {}
        }
    }
    ops
}

/// Per-method settings (`resource/path/METHOD` or `*/*`), field by field.
fn method_settings_patch(b: &Props, a: &Props) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let (old, new) = (obj(b.get("method_settings")), obj(a.get("method_settings")));
    for (key, fields) in &new {
        let prefix = settings_prefix(key);
        let before = obj(old.get(key));
        for (field, v) in obj(Some(fields)) {
            if before.get(&field) == Some(&v) {
                continue;
            }
            let Some(path) = setting_path(&field) else {
                continue;
            };
            let value = match &v {
                Value::String(x) => x.clone(),
                other => other.to_string(),
            };
            ops.push(patch(Op::Replace, &format!("{prefix}/{path}"), Some(value)));
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        ops.push(patch(Op::Remove, &settings_prefix(key), None));
    }
    ops
}

fn obj(v: Option<&Value>) -> serde_json::Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

/// `api/v1/rate-cards/GET` → `/api~1v1~1rate-cards/GET`; `*/*` stays.
fn settings_prefix(key: &str) -> String {
    match key.rsplit_once('/') {
        Some((res, method)) => format!("/{}/{method}", escape(res)),
        None => format!("/{key}"),
    }
}

fn setting_path(field: &str) -> Option<&'static str> {
    Some(match field {
        "throttling_rate_limit" => "throttling/rateLimit",
        "throttling_burst_limit" => "throttling/burstLimit",
        "caching_enabled" => "caching/enabled",
        "cache_ttl_seconds" => "caching/ttlInSeconds",
        "cache_encrypted" => "caching/dataEncrypted",
        "logging_level" => "logging/loglevel",
        "data_trace" => "logging/dataTrace",
        "metrics" => "metrics/enabled",
        _ => return None,
    })
}

pub async fn delete_stage(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    let api_id = out_of(outputs, &api_of(ch), "id")?;
    ignore_missing(
        aws.call(|| {
            aws.apigw
                .delete_stage()
                .rest_api_id(&api_id)
                .stage_name(&ch.name)
                .send()
        })
        .await,
    )
}
