//! Read the owned API keys (values only to hash them), usage plans and the keys attached.

use crate::diag::Diagnostic;
use crate::model::kinds::usage_plan::{PlanStage, Quota, Throttle};
use crate::model::kinds::{self, ApiKey, Typed, UsagePlanKey};
use crate::model::owner::{other_owner, owned_map as owned, ADOPTED, TAG_VALUE_SOURCE};
use crate::model::usage::value_digest;
use crate::model::{Kind, LiveResource, LiveState};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use aws_sdk_apigateway::types::{ThrottleSettings, UsagePlan};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Owned API keys, usage plans and the owned keys attached to owned plans. Runs after the
/// REST APIs are in `live`: a plan's stages are named by the stack's API keys (`main.prod`).
/// `adopt` maps the AWS id of an untagged key or plan the stack takes over to its id in the
/// stack; one not found so is an error naming it.
pub async fn read(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
    rest: &LiveState,
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let apis: HashMap<String, String> = rest
        .resources
        .values()
        .filter(|r| r.kind == Kind::RestApi)
        .filter_map(|r| {
            Some((
                r.outputs.get("id")?.clone(),
                r.id.trim_start_matches("rest_api.").to_string(),
            ))
        })
        .collect();
    let (mut keys, mut plans) = tokio::try_join!(
        read_keys(aws, owner, adopt),
        read_plans(aws, owner, adopt, &apis)
    )?;
    let mut errors = Vec::new();
    for (aws_id, id) in adopt {
        if !keys.iter().chain(&plans).any(|r| &r.id == id) {
            errors.push(
                Diagnostic::error(
                    "ownership",
                    format!("{id}: adopt names {aws_id}, which is not an API key or usage plan without an owner in {}", aws.region),
                )
                .hint("check the id (`aws apigateway get-usage-plans` / `get-api-keys`); one another stack owns cannot be adopted"),
            );
        }
    }
    // Each plan's attached key ids, read before ids are given out: when two copies claim one
    // id (a create whose answer was lost, sent again), the one kept is the one in use (the
    // plan holding the key, the key a plan holds); the other is `~dupN`, to delete.
    let held = futures::future::try_join_all(
        plans
            .iter()
            .map(|p| attached_ids(aws, p.outputs.get("id").map_or("", String::as_str))),
    )
    .await?;
    let aws_id = |r: &LiveResource| r.outputs.get("id").cloned().unwrap_or_default();
    let owned_keys: HashMap<String, usize> = keys
        .iter()
        .map(|k| {
            (
                aws_id(k),
                held.iter().filter(|h| h.contains(&aws_id(k))).count(),
            )
        })
        .collect();
    let mut plans: Vec<(LiveResource, Vec<String>)> = plans.drain(..).zip(held).collect();
    plans.sort_by_key(|(_, h)| {
        std::cmp::Reverse(h.iter().filter(|k| owned_keys.contains_key(*k)).count())
    });
    keys.sort_by_key(|k| std::cmp::Reverse(owned_keys[&aws_id(k)]));
    let mut key_ids: HashMap<String, String> = HashMap::new();
    for k in keys {
        key_ids.insert(aws_id(&k), live.insert(k));
    }
    let mut attachments = Vec::new();
    for (p, held) in plans {
        let id = live.insert(p);
        attachments.extend(attachments_of(&live.resources[&id], &held, &key_ids));
    }
    for r in attachments {
        live.insert(r);
    }
    Ok(errors)
}

/// An item's tags; for one listed untagged that the stack adopts, GetTags': LocalStack lists
/// tags added by TagResource only there (docs/EMULATOR.md). On AWS such an item is truly
/// untagged: one call, only for those.
async fn adopted_tags(
    aws: &Aws,
    listed: Option<&HashMap<String, String>>,
    path: &str,
    aws_id: &str,
    adopt: &HashMap<String, String>,
) -> Result<Option<HashMap<String, String>>, AwsError> {
    if !adopt.contains_key(aws_id) {
        return Ok(listed.cloned());
    }
    Ok(Some(
        super::super::read::tags_of(aws, listed, path, aws_id).await?,
    ))
}

/// Whose an item is: the stack's own (tagged), or untagged and named by `adopt` (then
/// marked adopted in `outputs`).
fn ours(
    tags: Option<&HashMap<String, String>>,
    aws_id: &str,
    owner: &str,
    adopt: &HashMap<String, String>,
    outputs: &mut BTreeMap<String, String>,
) -> Option<(String, bool)> {
    owned(tags, owner).or_else(|| {
        let id = adopt.get(aws_id)?;
        if tags.is_some_and(|t| other_owner(t, owner).is_some()) {
            return None;
        }
        outputs.insert(ADOPTED.into(), "true".into());
        Some((id.clone(), false))
    })
}

/// The outputs of the owned item `id` among `items` (after a create whose answer was lost).
fn outputs_of(items: Vec<LiveResource>, id: &str) -> Option<BTreeMap<String, String>> {
    items.into_iter().find(|r| r.id == id).map(|r| r.outputs)
}

/// The owned API key `id`, if it exists.
pub async fn find_key(
    aws: &Aws,
    owner: &str,
    id: &str,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    Ok(outputs_of(
        read_keys(aws, owner, &HashMap::new()).await?,
        id,
    ))
}

/// The owned usage plan `id`, if it exists.
pub async fn find_plan(
    aws: &Aws,
    owner: &str,
    id: &str,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    Ok(outputs_of(
        read_plans(aws, owner, &HashMap::new(), &HashMap::new()).await?,
        id,
    ))
}

async fn read_keys(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    let mut out = Vec::new();
    let pages = pages::all(aws, |position| {
        aws.apigw
            .get_api_keys()
            .include_values(true)
            .limit(500)
            .set_position(position)
            .send()
    })
    .await?;
    for k in &pages {
        let aws_id = k.id().unwrap_or_default().to_string();
        let mut outputs = [("id".to_string(), aws_id.clone())].into();
        let tags = adopted_tags(aws, k.tags(), "apikeys", &aws_id, adopt).await?;
        let Some((id, protect)) = ours(tags.as_ref(), &aws_id, owner, adopt, &mut outputs) else {
            continue;
        };
        let given = tags
            .as_ref()
            .and_then(|t| t.get(TAG_VALUE_SOURCE))
            .is_some_and(|v| v == "stack");
        let props = ApiKey {
            name: k.name().unwrap_or_default().to_string(),
            description: k.description().unwrap_or_default().to_string(),
            enabled: k.enabled(),
            value_sha256: given.then(|| value_digest(owner, k.value().unwrap_or_default())),
        }
        .to_props();
        let name = id.trim_start_matches("api_key.").to_string();
        out.push(LiveResource::new(id, Kind::ApiKey, name, props, outputs).protected(protect));
    }
    Ok(out)
}

async fn read_plans(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
    apis: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    let mut out = Vec::new();
    let pages = pages::all(aws, |position| {
        aws.apigw
            .get_usage_plans()
            .limit(500)
            .set_position(position)
            .send()
    })
    .await?;
    for p in &pages {
        let mut outputs = BTreeMap::new();
        let aws_id = p.id().unwrap_or_default();
        let tags = adopted_tags(aws, p.tags(), "usageplans", aws_id, adopt).await?;
        if let Some((id, protect)) = ours(tags.as_ref(), aws_id, owner, adopt, &mut outputs) {
            let mut r = plan_resource(id, protect, p, apis);
            r.outputs.extend(outputs);
            out.push(r);
        }
    }
    Ok(out)
}

fn throttle_value(t: &ThrottleSettings) -> Option<Throttle> {
    Throttle::of(Some(t.rate_limit()), Some(t.burst_limit().into()))
}

/// The plan as `model::usage` gives the desired side. A stage of an API this stack owns is
/// keyed `<api key>.<stage>`; any other is keyed `<api id>:<stage>` and shows as drift.
pub fn plan_resource(
    id: String,
    protect: bool,
    p: &UsagePlan,
    apis: &HashMap<String, String>,
) -> LiveResource {
    let mut deps = BTreeSet::new();
    let mut api_stages = BTreeMap::new();
    for s in p.api_stages() {
        let entry = PlanStage {
            api_id: s.api_id().unwrap_or_default().to_string(),
            stage: s.stage().unwrap_or_default().to_string(),
            throttle: s
                .throttle()
                .into_iter()
                .flatten()
                .map(|(k, t)| (k.clone(), throttle_value(t)))
                .collect(),
        };
        let key = match apis.get(&entry.api_id) {
            Some(api) => {
                deps.insert(format!("rest_api.{api}"));
                deps.insert(format!("stage.{api}.{}", entry.stage));
                format!("{api}.{}", entry.stage)
            }
            None => entry.target(),
        };
        api_stages.insert(key, entry);
    }
    let props = kinds::UsagePlan {
        name: p.name().unwrap_or_default().to_string(),
        description: p.description().unwrap_or_default().to_string(),
        throttle: p.throttle().and_then(throttle_value),
        quota: p.quota().map(|q| Quota {
            limit: Some(q.limit().into()),
            period: q.period().map(|x| x.as_str().to_string()),
            offset: Some(q.offset().into()),
        }),
        api_stages,
    }
    .to_props();
    LiveResource {
        name: id.trim_start_matches("usage_plan.").to_string(),
        id,
        kind: Kind::UsagePlan,
        props,
        outputs: [("id".to_string(), p.id().unwrap_or_default().to_string())].into(),
        deps,
        parent: None,
        protect,
    }
}

/// The ids of the keys attached to the plan `plan_id`.
pub async fn attached_ids(aws: &Aws, plan_id: &str) -> Result<Vec<String>, AwsError> {
    let pages = pages::all(aws, |position| {
        aws.apigw
            .get_usage_plan_keys()
            .usage_plan_id(plan_id)
            .limit(500)
            .set_position(position)
            .send()
    })
    .await?;
    Ok(pages
        .iter()
        .map(|k| k.id().unwrap_or_default().to_string())
        .collect())
}

/// The plan's keys that this stack owns; others attached by hand are not ours to touch.
fn attachments_of(
    plan: &LiveResource,
    held: &[String],
    key_ids: &HashMap<String, String>,
) -> Vec<LiveResource> {
    let plan_id = plan.outputs.get("id").cloned().unwrap_or_default();
    let plan_key = plan.id.trim_start_matches("usage_plan.");
    let mut out = Vec::new();
    for key_id in held {
        let Some(key_rid) = key_ids.get(key_id) else {
            continue;
        };
        let key = key_rid.trim_start_matches("api_key.");
        out.push(
            LiveResource::new(
                format!("usage_plan_key.{plan_key}.{key}"),
                Kind::UsagePlanKey,
                format!("{plan_key}/{key}"),
                UsagePlanKey {
                    plan_id: Some(plan_id.clone()),
                    key_id: Some(key_id.to_string()),
                }
                .to_props(),
                [
                    ("id".to_string(), key_id.to_string()),
                    ("plan_id".to_string(), plan_id.clone()),
                ]
                .into(),
            )
            .with_deps([plan.id.clone(), key_rid.clone()].into())
            .protected(plan.protect),
        );
    }
    out
}
