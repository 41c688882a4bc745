//! Stages: created on a deployment, then every setting in one UpdateStage patch.

use crate::model::kinds::stage::{Canary, MethodSetting};
use crate::model::kinds::Stage;
use crate::model::Outputs;
use crate::plan::Change;
use crate::providers::apigateway::write::api_of;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit;
use crate::providers::kit::{
    after, escape, ignore_missing, out_of, patch, set_fields, tags, typed, Out,
};
use aws_sdk_apigateway::types::{CacheClusterSize, Op, PatchOperation};
use serde_json::Value;

/// The stage's API and the API's current deployment.
fn target(ch: &Change, outputs: &Outputs) -> Result<(String, String), AwsError> {
    let api = api_of(ch);
    let dep = format!("deployment.{}", api.trim_start_matches("rest_api."));
    Ok((out_of(outputs, &api, "id")?, out_of(outputs, &dep, "id")?))
}

pub async fn create_stage(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
) -> Result<Out, AwsError> {
    let (api_id, dep_id) = target(ch, outputs)?;
    let a: Stage = typed(after(ch))?;
    let created = aws
        .call(|| {
            aws.apigw
                .create_stage()
                .rest_api_id(&api_id)
                .stage_name(&ch.name)
                .deployment_id(&dep_id)
                .set_description(a.description.clone())
                .set_variables(
                    (!a.variables.is_empty()).then(|| a.variables.clone().into_iter().collect()),
                )
                .tracing_enabled(a.tracing)
                .cache_cluster_enabled(a.cache_cluster_enabled)
                .set_cache_cluster_size(
                    a.cache_cluster_size
                        .as_deref()
                        .filter(|_| a.cache_cluster_enabled)
                        .map(CacheClusterSize::from),
                )
                .set_tags(Some(tags(ch, owner)))
                .send()
        })
        .await;
    // Interrupted earlier between CreateStage and the settings: finish with the update.
    kit::ignore_conflict(created)?;
    let ops = stage_patch(&Stage::default(), &a, &dep_id, true);
    send_stage_patch(aws, &api_id, ch, ops).await
}

pub async fn update_stage(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<Out, AwsError> {
    let (api_id, dep_id) = target(ch, outputs)?;
    let b: Stage = typed(ch.before.as_ref().expect("update has before"))?;
    let ops = stage_patch(&b, &typed(after(ch))?, &dep_id, false);
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
fn stage_patch(b: &Stage, a: &Stage, dep_id: &str, fresh: bool) -> Vec<PatchOperation> {
    let mut ops = if fresh {
        Vec::new()
    } else {
        settings_patch(b, a, dep_id)
    };
    ops.extend(access_log_patch(b, a, fresh));
    ops.extend(method_settings_patch(b, a));
    ops.extend(canary_patch(b, a, dep_id));
    ops
}

/// The canary's settings, each replaced (AWS takes no `add` below /canarySettings); a new
/// canary deployment is always the document's, `dep_id`. No canary wanted: all of it goes.
pub(super) fn canary_patch(b: &Stage, a: &Stage, dep_id: &str) -> Vec<PatchOperation> {
    let none = Canary::default();
    let (before, after) = match (&b.canary, &a.canary) {
        (_, None) if b.canary.is_some() => {
            return vec![patch(Op::Remove, "/canarySettings", None)];
        }
        (_, None) => return Vec::new(),
        (before, Some(after)) => (before.as_ref().unwrap_or(&none), after),
    };
    let fresh = b.canary.is_none();
    let mut ops = Vec::new();
    let mut replace = |path: &str, v: String| {
        ops.push(patch(
            Op::Replace,
            &format!("/canarySettings/{path}"),
            Some(v),
        ))
    };
    if fresh || before.deployment != after.deployment {
        replace("deploymentId", dep_id.to_string());
    }
    if fresh || before.percent != after.percent {
        replace("percentTraffic", after.percent.to_string());
    }
    // Off is AWS's default for a new canary: not sent then (LocalStack stores a patched
    // boolean as a string the SDK cannot read back, docs/EMULATOR.md).
    if before.use_stage_cache != after.use_stage_cache {
        replace("useStageCache", after.use_stage_cache.to_string());
    }
    let overrides = |b: &Canary, a: &Canary| {
        let changed = a
            .stage_variable_overrides
            .iter()
            .filter(move |(k, v)| b.stage_variable_overrides.get(*k) != Some(*v));
        changed
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect::<Vec<_>>()
    };
    for (k, v) in overrides(before, after) {
        replace(&format!("stageVariableOverrides/{}", escape(&k)), v);
    }
    for k in before.stage_variable_overrides.keys() {
        if !after.stage_variable_overrides.contains_key(k) {
            ops.push(patch(
                Op::Remove,
                &format!("/canarySettings/stageVariableOverrides/{}", escape(k)),
                None,
            ));
        }
    }
    ops
}

/// What CreateStage sets: deployment, description, tracing, cache and variables.
fn settings_patch(b: &Stage, a: &Stage, dep_id: &str) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let mut replace = |path: &str, v: Option<String>| ops.push(patch(Op::Replace, path, v));
    if b.deployment != a.deployment {
        replace("/deploymentId", Some(dep_id.to_string()));
    }
    if b.description != a.description {
        replace(
            "/description",
            Some(a.description.clone().unwrap_or_default()),
        );
    }
    if b.tracing != a.tracing {
        replace("/tracingEnabled", Some(a.tracing.to_string()));
    }
    if (b.cache_cluster_enabled, &b.cache_cluster_size)
        != (a.cache_cluster_enabled, &a.cache_cluster_size)
    {
        replace(
            "/cacheClusterEnabled",
            Some(a.cache_cluster_enabled.to_string()),
        );
        if a.cache_cluster_enabled {
            replace("/cacheClusterSize", a.cache_cluster_size.clone());
        }
    }
    for (k, v) in &a.variables {
        if b.variables.get(k) != Some(v) {
            replace(&format!("/variables/{}", escape(k)), Some(v.clone()));
        }
    }
    for k in b.variables.keys().filter(|k| !a.variables.contains_key(*k)) {
        ops.push(patch(
            Op::Remove,
            &format!("/variables/{}", escape(k)),
            None,
        ));
    }
    ops
}

fn access_log_patch(b: &Stage, a: &Stage, fresh: bool) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let logs = |s: &Stage| {
        (
            s.access_log_destination.clone(),
            s.access_log_format.clone(),
        )
    };
    if logs(b) != logs(a) {
        match logs(a) {
            (Some(d), Some(f)) => {
                ops.push(patch(
                    Op::Replace,
                    "/accessLogSettings/destinationArn",
                    Some(d),
                ));
                ops.push(patch(Op::Replace, "/accessLogSettings/format", Some(f)));
            }
            _ if !fresh => ops.push(patch(Op::Remove, "/accessLogSettings", None)),
            _ => {}
        }
    }
    ops
}

/// Per-method settings (`resource/path/METHOD` or `*/*`), field by field.
fn method_settings_patch(b: &Stage, a: &Stage) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    for (key, wanted) in &a.method_settings {
        let prefix = settings_prefix(key);
        let before = b
            .method_settings
            .get(key)
            .map(set_fields)
            .unwrap_or_default();
        for (field, v) in set_fields(wanted) {
            if before.get(&field) == Some(&v) {
                continue;
            }
            let Some((_, path)) = MethodSetting::PATCH.iter().find(|(f, _)| *f == field) else {
                continue;
            };
            let value = match &v {
                Value::String(x) => x.clone(),
                other => other.to_string(),
            };
            ops.push(patch(Op::Replace, &format!("{prefix}/{path}"), Some(value)));
        }
    }
    for key in b
        .method_settings
        .keys()
        .filter(|k| !a.method_settings.contains_key(*k))
    {
        ops.push(patch(Op::Remove, &settings_prefix(key), None));
    }
    ops
}

/// `api/v1/rate-cards/GET` → `/api~1v1~1rate-cards/GET`; `*/*` stays.
fn settings_prefix(key: &str) -> String {
    match key.rsplit_once('/') {
        Some((res, method)) => format!("/{}/{method}", escape(res)),
        None => format!("/{key}"),
    }
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

/// `promote`: the stage serves its canary's deployment, and the canary goes, in one update.
pub async fn promote_canary(
    aws: &Aws,
    api_id: &str,
    stage: &str,
    canary_deployment: &str,
) -> Result<(), AwsError> {
    let ops = vec![
        patch(Op::Replace, "/deploymentId", Some(canary_deployment.into())),
        patch(Op::Remove, "/canarySettings", None),
    ];
    update(aws, api_id, stage, ops).await
}

/// `rollback`: the canary goes; the stage's own deployment serves every request.
pub async fn remove_canary(aws: &Aws, api_id: &str, stage: &str) -> Result<(), AwsError> {
    update(
        aws,
        api_id,
        stage,
        vec![patch(Op::Remove, "/canarySettings", None)],
    )
    .await
}

/// The deployment a stage serves and its canary's, read back.
pub async fn served(
    aws: &Aws,
    api_id: &str,
    stage: &str,
) -> Result<(String, Option<String>), AwsError> {
    let s = aws
        .call(|| {
            aws.apigw
                .get_stage()
                .rest_api_id(api_id)
                .stage_name(stage)
                .send()
        })
        .await?;
    let canary = s.canary_settings().and_then(|c| c.deployment_id());
    Ok((
        s.deployment_id().unwrap_or_default().to_string(),
        canary.map(str::to_string),
    ))
}

async fn update(
    aws: &Aws,
    api_id: &str,
    stage: &str,
    ops: Vec<PatchOperation>,
) -> Result<(), AwsError> {
    aws.call(|| {
        aws.apigw
            .update_stage()
            .rest_api_id(api_id)
            .stage_name(stage)
            .set_patch_operations(Some(ops.clone()))
            .send()
    })
    .await?;
    Ok(())
}
