//! Create, update and delete API keys, usage plans and their keys. Key values are read
//! at apply time and never leave this file: errors are scrubbed of them.

use crate::model::kinds::usage_plan::{Quota, Throttle};
use crate::model::kinds::{ApiKey, UsagePlan, UsagePlanKey};
use crate::model::owner::TAG_VALUE_SOURCE;
use crate::model::usage::{number, value_digest, ValueSource};
use crate::model::{Kind, Outputs};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit;
use crate::providers::kit::{after, id_out, ignore_missing, out_of, patch, set_fields};
use crate::providers::kit::{tags, typed, Out};
use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};

pub async fn put(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
    action: Action,
) -> Result<Out, AwsError> {
    let create = action == Action::Create;
    if ch.adopt {
        // Tagged first: if the update then fails, the next plan finds it as the stack's.
        let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
        let path = if ch.kind == Kind::ApiKey {
            "apikeys"
        } else {
            "usageplans"
        };
        let arn = format!("arn:aws:apigateway:{}::/{path}/{id}", aws.region);
        crate::providers::apigateway::write::tag_resource(aws, &arn, tags(ch, owner)).await?;
    }
    match ch.kind {
        Kind::ApiKey if create => create_api_key(aws, ch, owner).await,
        Kind::ApiKey => update_api_key(aws, ch).await,
        Kind::UsagePlan if create => create_usage_plan(aws, ch, owner).await,
        Kind::UsagePlan => update_usage_plan(aws, ch).await,
        Kind::UsagePlanKey => put_usage_plan_key(aws, ch, outputs, create).await,
        _ => Err(kit::not_here(ch, "usage plan")),
    }
}

pub async fn delete(aws: &Aws, ch: &Change, _outputs: &Outputs) -> Result<(), AwsError> {
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    match ch.kind {
        Kind::ApiKey => ignore_missing(
            aws.call(|| aws.apigw.delete_api_key().api_key(&id).send())
                .await,
        ),
        Kind::UsagePlan => delete_usage_plan(aws, ch, &id).await,
        Kind::UsagePlanKey => {
            let plan_id = ch.live_outputs.get("plan_id").cloned().unwrap_or_default();
            delete_plan_key(aws, &plan_id, &id).await
        }
        _ => Err(kit::not_here(ch, "usage plan")),
    }
}

/// A number as a patch value: whole numbers without a fraction (moto parses limits as ints).
fn num_text(v: &Value) -> Option<String> {
    v.as_f64().map(|x| match number(x) {
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    })
}

/// Replace every occurrence of the secret in an error, whatever AWS chose to echo.
fn scrub(e: AwsError, secret: &str) -> AwsError {
    e.map_text(&|s: String| s.replace(secret, "(sensitive)"))
}

// ---- API keys ----

async fn create_api_key(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a: ApiKey = typed(after(ch))?;
    let mut t = tags(ch, owner);
    let value = match ValueSource::from_payload(ch.payload.as_ref()) {
        None => None,
        Some(src) => {
            let v = src
                .read()
                .map_err(|e| kit::err("CreateApiKey", "ApiKeyValue", e))?;
            if a.value_sha256 != Some(value_digest(owner, &v)) {
                return Err(kit::err(
                    "CreateApiKey",
                    "ApiKeyValue",
                    format!(
                        "the value in {} is not the one planned: run `{}` again",
                        src.describe(),
                        crate::util::command("plan")
                    ),
                ));
            }
            t.insert(TAG_VALUE_SOURCE.into(), "stack".into());
            Some(v)
        }
    };
    let r = aws
        .create(
            || {
                aws.apigw
                    .create_api_key()
                    .name(&a.name)
                    .set_description(Some(a.description.clone()).filter(|d| !d.is_empty()))
                    .enabled(a.enabled)
                    .set_value(value.clone())
                    .set_tags(Some(t.clone()))
                    .send()
            },
            || super::read::find_key(aws, owner, &ch.id),
        )
        .await;
    match (r, &value) {
        (Ok(made), _) => Ok(made.out(|k| id_out(k.id()))),
        (Err(e), Some(v)) => Err(scrub(e, v)),
        (Err(e), None) => Err(e),
    }
}

/// The spec's PATCH table: description and enabled (a new name or value is a new key).
async fn update_api_key(aws: &Aws, ch: &Change) -> Result<Out, AwsError> {
    let ops = kit::patches(ch);
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_api_key()
            .api_key(&id)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

// ---- usage plans ----

fn throttle_settings(t: &Option<Throttle>) -> Option<ThrottleSettings> {
    let t = t.as_ref()?;
    Some(
        ThrottleSettings::builder()
            .set_rate_limit(t.rate_limit)
            .set_burst_limit(t.burst_limit.map(|n| n as i32))
            .build(),
    )
}

fn quota_settings(q: &Option<Quota>) -> Option<QuotaSettings> {
    let q = q.as_ref()?;
    Some(
        QuotaSettings::builder()
            .set_limit(q.limit.map(|n| n as i32))
            .set_offset(q.offset.map(|n| n as i32))
            .set_period(q.period.as_deref().map(QuotaPeriodType::from))
            .build(),
    )
}

async fn create_usage_plan(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a: UsagePlan = typed(after(ch))?;
    let stages: Vec<ApiStage> = a
        .api_stages
        .values()
        .map(|e| {
            let throttle: HashMap<String, ThrottleSettings> = e
                .throttle
                .iter()
                .filter_map(|(k, t)| Some((k.clone(), throttle_settings(t)?)))
                .collect();
            ApiStage::builder()
                .api_id(&e.api_id)
                .stage(&e.stage)
                // An empty map is left out: moto then removes the stage like AWS does.
                .set_throttle((!throttle.is_empty()).then_some(throttle))
                .build()
        })
        .collect();
    let made = aws
        .create(
            || {
                aws.apigw
                    .create_usage_plan()
                    .name(&a.name)
                    .set_description(Some(a.description.clone()).filter(|d| !d.is_empty()))
                    .set_api_stages((!stages.is_empty()).then(|| stages.clone()))
                    .set_throttle(throttle_settings(&a.throttle))
                    .set_quota(quota_settings(&a.quota))
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            || super::read::find_plan(aws, owner, &ch.id),
        )
        .await?;
    Ok(made.out(|p| id_out(p.id())))
}

async fn update_usage_plan(aws: &Aws, ch: &Change) -> Result<Out, AwsError> {
    let b: UsagePlan = typed(ch.before.as_ref().expect("update has before"))?;
    let ops = plan_patch(&b, &typed(after(ch))?);
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_usage_plan()
            .usage_plan_id(&id)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

const THROTTLE_FIELDS: &[(&str, &str)] =
    &[("rate_limit", "rateLimit"), ("burst_limit", "burstLimit")];

/// Every change to one plan as patch operations for a single UpdateUsagePlan.
pub fn plan_patch(b: &UsagePlan, a: &UsagePlan) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    if b.name != a.name {
        ops.push(patch(Op::Replace, "/name", Some(a.name.clone())));
    }
    if b.description != a.description {
        ops.push(patch(
            Op::Replace,
            "/description",
            Some(a.description.clone()),
        ));
    }
    let quota = &[
        ("limit", "limit"),
        ("period", "period"),
        ("offset", "offset"),
    ];
    settings_patch(
        "/throttle",
        &set_fields(&b.throttle),
        &set_fields(&a.throttle),
        THROTTLE_FIELDS,
        &mut ops,
    );
    settings_patch(
        "/quota",
        &set_fields(&b.quota),
        &set_fields(&a.quota),
        quota,
        &mut ops,
    );
    for (key, entry) in &b.api_stages {
        let kept = a
            .api_stages
            .get(key)
            .is_some_and(|n| n.target() == entry.target());
        if !kept {
            ops.push(patch(Op::Remove, "/apiStages", Some(entry.target())));
        }
    }
    let none = BTreeMap::new();
    for (key, entry) in &a.api_stages {
        let target = entry.target();
        let before = b
            .api_stages
            .get(key)
            .filter(|o| o.target() == target)
            .map(|o| &o.throttle);
        if before.is_none() {
            ops.push(patch(Op::Add, "/apiStages", Some(target.clone())));
        }
        let before = before.unwrap_or(&none);
        for (method, t) in &entry.throttle {
            let prev = set_fields(before.get(method).unwrap_or(&None));
            for (field, aws_field) in THROTTLE_FIELDS {
                let Some(v) = set_fields(t).remove(*field) else {
                    continue;
                };
                if prev.get(*field) != Some(&v) {
                    ops.push(patch(
                        Op::Replace,
                        &format!("/apiStages/{target}/throttle/{method}/{aws_field}"),
                        num_text(&v),
                    ));
                }
            }
        }
        for method in before.keys().filter(|m| !entry.throttle.contains_key(*m)) {
            ops.push(patch(
                Op::Remove,
                &format!("/apiStages/{target}/throttle/{method}"),
                None,
            ));
        }
    }
    ops
}

/// `/throttle` and `/quota`: fields changed in place; removed when the stack drops them, or
/// rebuilt when it drops one field (AWS removes only the whole object).
fn settings_patch(
    root: &str,
    b: &Map<String, Value>,
    a: &Map<String, Value>,
    fields: &[(&str, &str)],
    ops: &mut Vec<PatchOperation>,
) {
    if b == a {
        return;
    }
    let text = |v: &Value| v.as_str().map(str::to_string).or_else(|| num_text(v));
    let dropped = fields
        .iter()
        .any(|(f, _)| b.contains_key(*f) && !a.contains_key(*f));
    if a.is_empty() || dropped {
        ops.push(patch(Op::Remove, root, None));
    }
    let fresh = b.is_empty() || a.is_empty() || dropped;
    for (field, aws_field) in fields {
        let Some(v) = a.get(*field) else { continue };
        if !fresh && b.get(*field) == Some(v) {
            continue;
        }
        let op = if fresh { Op::Add } else { Op::Replace };
        ops.push(patch(op, &format!("{root}/{aws_field}"), text(v)));
    }
}

/// AWS refuses to delete a plan that still names stages: detach them first, in one call.
async fn delete_usage_plan(aws: &Aws, ch: &Change, id: &str) -> Result<(), AwsError> {
    let b: UsagePlan = typed(ch.before.as_ref().expect("delete has before"))?;
    let ops: Vec<PatchOperation> = b
        .api_stages
        .values()
        .map(|e| patch(Op::Remove, "/apiStages", Some(e.target())))
        .collect();
    if !ops.is_empty() {
        let r = aws
            .call(|| {
                aws.apigw
                    .update_usage_plan()
                    .usage_plan_id(id)
                    .set_patch_operations(Some(ops.clone()))
                    .send()
            })
            .await;
        if let Err(e) = r {
            if e.is_not_found() {
                return Ok(());
            }
            return Err(e);
        }
    }
    ignore_missing(
        aws.call(|| aws.apigw.delete_usage_plan().usage_plan_id(id).send())
            .await,
    )
}

// ---- keys attached to plans ----

async fn put_usage_plan_key(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    create: bool,
) -> Result<Out, AwsError> {
    let a: UsagePlanKey = kit::typed(after(ch))?;
    let (plan_id, key_id) = match (a.plan_id, a.key_id) {
        (Some(p), Some(k)) => (p, k),
        _ => {
            // Not resolved in props: take them from the outputs (same values).
            let (plan, key) = ch
                .id
                .trim_start_matches("usage_plan_key.")
                .split_once('.')
                .unwrap_or_default();
            (
                out_of(outputs, &format!("usage_plan.{plan}"), "id")?,
                out_of(outputs, &format!("api_key.{key}"), "id")?,
            )
        }
    };
    let previous = (!create)
        .then(|| {
            Some((
                ch.live_outputs.get("plan_id")?.clone(),
                ch.live_outputs.get("id")?.clone(),
            ))
        })
        .flatten();
    if previous.as_ref() != Some(&(plan_id.clone(), key_id.clone())) {
        let r = aws
            .call(|| {
                aws.apigw
                    .create_usage_plan_key()
                    .usage_plan_id(&plan_id)
                    .key_id(&key_id)
                    .key_type("API_KEY")
                    .send()
            })
            .await;
        kit::ignore_conflict(r)?;
        if let Some((old_plan, old_key)) = previous {
            delete_plan_key(aws, &old_plan, &old_key).await?;
        }
    }
    Ok([("id".to_string(), key_id), ("plan_id".to_string(), plan_id)].into())
}

async fn delete_plan_key(aws: &Aws, plan_id: &str, key_id: &str) -> Result<(), AwsError> {
    ignore_missing(
        aws.call(|| {
            aws.apigw
                .delete_usage_plan_key()
                .usage_plan_id(plan_id)
                .key_id(key_id)
                .send()
        })
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::Typed;
    use serde_json::json;

    /// A plan with these props, the others left at their defaults.
    fn props(v: Value) -> UsagePlan {
        let mut p = UsagePlan::default().to_props();
        p.extend(v.as_object().unwrap().clone());
        UsagePlan::from_props(&p).unwrap()
    }

    fn paths(ops: &[PatchOperation]) -> Vec<String> {
        ops.iter()
            .map(|o| {
                format!(
                    "{} {} {}",
                    o.op().map(|x| x.as_str()).unwrap_or_default(),
                    o.path().unwrap_or_default(),
                    o.value().unwrap_or_default()
                )
            })
            .collect()
    }

    #[test]
    fn a_burst_change_is_one_replace() {
        let b = props(json!({"name": "p", "throttle": {"rate_limit": 50, "burst_limit": 100}}));
        let a = props(json!({"name": "p", "throttle": {"rate_limit": 50, "burst_limit": 150}}));
        assert_eq!(
            paths(&plan_patch(&b, &a)),
            ["replace /throttle/burstLimit 150"]
        );
    }

    #[test]
    fn stages_and_method_throttles_patch_granularly() {
        let stage = |t: Value| json!({"api_id": "abc", "stage": "prod", "throttle": t});
        let b = props(json!({"api_stages": {
            "main.prod": stage(json!({"/api/v1/quotes/POST": {"rate_limit": 10, "burst_limit": 20}, "/api/v1/zones/GET": {"rate_limit": 5}})),
            "main.old": {"api_id": "abc", "stage": "old"},
        }}));
        let a = props(json!({"api_stages": {
            "main.prod": stage(json!({"/api/v1/quotes/POST": {"rate_limit": 12.5, "burst_limit": 20}})),
            "main.new": {"api_id": "abc", "stage": "new", "throttle": {"/x/GET": {"burst_limit": 3}}},
        }}));
        assert_eq!(
            paths(&plan_patch(&b, &a)),
            [
                "remove /apiStages abc:old",
                "add /apiStages abc:new",
                "replace /apiStages/abc:new/throttle//x/GET/burstLimit 3",
                "replace /apiStages/abc:prod/throttle//api/v1/quotes/POST/rateLimit 12.5",
                "remove /apiStages/abc:prod/throttle//api/v1/zones/GET ",
            ]
        );
    }

    #[test]
    fn dropping_a_quota_field_rebuilds_the_quota() {
        let b = props(json!({"quota": {"limit": 10, "period": "DAY", "offset": 2}}));
        let a = props(json!({"quota": {"limit": 10, "period": "WEEK"}}));
        assert_eq!(
            paths(&plan_patch(&b, &a)),
            [
                "remove /quota ",
                "add /quota/limit 10",
                "add /quota/period WEEK"
            ]
        );
        let none = props(json!({}));
        assert_eq!(paths(&plan_patch(&b, &none)), ["remove /quota "]);
    }
}
