//! What an imported REST API uses beyond itself, read for `import`: the usage plans that
//! serve it with their keys, and the VPC links its integrations go through. Each is the
//! stack's own already, no stack's (then adopted), or another stack's (named, left out).

use crate::model::import;
use crate::providers::aws::Aws;
use anyhow::Result;

/// Whose an item is, by its tags: this stack's (its key there), no stack's, or another's
/// (named in `left`, and left out).
enum Whose {
    Ours(String),
    Nobody,
    Other(String),
}

fn whose(
    tags: Option<&std::collections::HashMap<String, String>>,
    owner: &str,
    prefix: &str,
) -> Whose {
    use crate::model::owner::{other_owner, owned_map};
    if let Some((id, _)) = owned_map(tags, owner) {
        return Whose::Ours(id.trim_start_matches(prefix).to_string());
    }
    match tags.and_then(|t| other_owner(t, owner)) {
        Some(o) => Whose::Other(o),
        None => Whose::Nobody,
    }
}

/// The usage plans that serve the API `api_id` and the keys attached to them (names and
/// settings; values are never asked for).
pub(super) async fn usage(
    aws: &Aws,
    api_id: &str,
    api_key: &str,
    owner: &str,
    left: &mut Vec<String>,
) -> Result<(Vec<import::Plan>, Vec<import::Key>)> {
    use crate::providers::pages;
    let all = pages::all(aws, |position| {
        aws.apigw
            .get_usage_plans()
            .limit(500)
            .set_position(position)
            .send()
    })
    .await?;
    let apis = [(api_id.to_string(), api_key.to_string())].into();
    let (mut plans, mut keys) = (Vec::new(), Vec::<import::Key>::new());
    let mut taken = std::collections::BTreeSet::new();
    // A key on two plans is one key: its AWS id → its key in the stack.
    let mut seen: std::collections::HashMap<String, String> = Default::default();
    for p in all
        .iter()
        .filter(|p| p.api_stages().iter().any(|s| s.api_id() == Some(api_id)))
    {
        let name = p.name().unwrap_or_default();
        let plan_id = p.id().unwrap_or_default().to_string();
        let (key, adopt) = match whose(p.tags(), owner, "usage_plan.") {
            Whose::Ours(k) => (k, None),
            Whose::Nobody => (unique(plain(name), &mut taken), Some(plan_id.clone())),
            Whose::Other(o) => {
                left.push(format!("usage plan {name} ({plan_id}): stack {o} owns it"));
                continue;
            }
        };
        let live = crate::providers::apigateway::usage::plan_resource(key.clone(), false, p, &apis);
        let props =
            <crate::model::kinds::UsagePlan as crate::model::kinds::Typed>::from_props(&live.props)
                .map_err(anyhow::Error::msg)?;
        let attached = crate::providers::apigateway::usage::attached_ids(aws, &plan_id).await?;
        let mut plan_keys = Vec::new();
        for key_id in attached {
            if let Some(k) = seen.get(&key_id) {
                plan_keys.push(k.clone());
                continue;
            }
            let k = aws
                .call(|| {
                    aws.apigw
                        .get_api_key()
                        .api_key(&key_id)
                        .include_value(false)
                        .send()
                })
                .await?;
            let kname = k.name().unwrap_or_default().to_string();
            let (kkey, kadopt) = match whose(k.tags(), owner, "api_key.") {
                Whose::Ours(x) => (x, None),
                Whose::Nobody => (unique(plain(&kname), &mut taken), Some(key_id.clone())),
                Whose::Other(o) => {
                    left.push(format!(
                        "API key {kname} ({key_id}) on usage plan {name}: stack {o} owns it"
                    ));
                    continue;
                }
            };
            plan_keys.push(kkey.clone());
            seen.insert(key_id.clone(), kkey.clone());
            keys.push(import::Key {
                aws_id: key_id.clone(),
                key: kkey,
                adopt: kadopt,
                props: crate::model::kinds::ApiKey {
                    name: kname,
                    description: k.description().unwrap_or_default().to_string(),
                    enabled: k.enabled(),
                    value_sha256: None,
                },
            });
        }
        plans.push(import::Plan {
            aws_id: plan_id.clone(),
            key,
            adopt,
            props,
            keys: plan_keys,
        });
    }
    Ok((plans, keys))
}

/// `name`, or `name-2`, `name-3`… when a plan or key of the import has it already.
fn unique(name: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut n = name.clone();
    let mut i = 1;
    while !taken.insert(n.clone()) {
        i += 1;
        n = format!("{name}-{i}");
    }
    n
}

/// The names of the live resources of `kind` (under `parent`, when given).
pub(super) fn names_of(
    live: &[crate::model::LiveResource],
    kind: crate::model::Kind,
    parent: Option<&str>,
) -> Vec<String> {
    live.iter()
        .filter(|r| r.kind == kind && parent.is_none_or(|p| r.parent.as_deref() == Some(p)))
        .map(|r| r.name.clone())
        .collect()
}

/// An imported API as its metrics name it: `ApiName` = a REST API's name, `ApiId` = a v2
/// API's id; and its stages.
pub(super) struct Watched {
    pub key: String,
    pub protocol: crate::model::monitoring_metrics::Protocol,
    pub api: String,
    pub stages: Vec<String>,
}

/// The stack's own alarms and dashboard (read as `plan` reads them), and the other alarms
/// on the APIs: one no stack owns that watches one of an API's `stages` is read as adopted
/// (`alarm.<key>.<stage>.<its name>`); another stack's, or one on a whole API, is named in
/// `left`.
pub(super) async fn alarms(
    aws: &Aws,
    owner: &str,
    apis: &[Watched],
    left: &mut Vec<String>,
) -> Result<Vec<crate::model::LiveResource>> {
    use crate::model::kinds::Typed;
    use crate::model::owner::{other_owner, owned, ADOPTED};
    use crate::providers::cloudwatch;
    let mut state = crate::model::LiveState::default();
    cloudwatch::read(aws, owner, &[], &mut state).await?;
    let ours: std::collections::BTreeSet<String> =
        state.resources.values().map(|r| r.name.clone()).collect();
    let all = cloudwatch::all_alarms(aws).await?;
    let dim = |a, n| cloudwatch::dimension(a, n).map(str::to_string);
    let mut taken = std::collections::BTreeSet::new();
    for (a, w) in all.iter().filter_map(|a| {
        let w = apis
            .iter()
            .find(|w| dim(a, w.protocol.api_dimension()).as_deref() == Some(w.api.as_str()))?;
        Some((a, w))
    }) {
        let key = &w.key;
        let name = a.alarm_name().unwrap_or_default();
        if ours.contains(name) {
            continue;
        }
        let arn = a.alarm_arn().unwrap_or_default().to_string();
        let tags = cloudwatch::tags_of(aws, &arn).await?;
        let props = cloudwatch::alarm_props(a).to_props();
        let mut outputs: std::collections::BTreeMap<String, String> =
            [("arn".to_string(), arn)].into();
        let id = match (
            owned(tags.iter().map(|(k, v)| (k, v)), owner),
            other_owner(tags.iter().map(|(k, v)| (k, v)), owner),
            dim(a, "Stage").filter(|s| w.stages.contains(s)),
        ) {
            // Adopted by an earlier apply: the stack's, under a name outside its prefix.
            (Some((id, _)), _, _) => id,
            (None, Some(o), _) => {
                left.push(format!("alarm {name}: stack {o} owns it"));
                continue;
            }
            (None, None, None) => {
                left.push(format!(
                    "alarm {name}: it watches no stage of the API {key} (the stack's alarms each watch one)"
                ));
                continue;
            }
            (None, None, Some(stage)) => {
                let mut akey = unique(plain(name), &mut taken);
                if crate::model::monitoring::PRESET_NAMES.contains(&akey.as_str()) {
                    akey.push_str("-alarm");
                }
                outputs.insert(ADOPTED.into(), "true".into());
                let stage = crate::model::monitoring::stage_key(&stage);
                format!("alarm.{key}.{stage}.{akey}")
            }
        };
        let kind = crate::model::Kind::Alarm;
        state.insert(crate::model::LiveResource::new(
            id,
            kind,
            name.into(),
            props,
            outputs,
        ));
    }
    Ok(state.resources.into_values().collect())
}

/// The VPC link ids the list of resources left out (LocalStack's GetResources does; its
/// GetIntegration answers them, docs/EMULATOR.md), asked route by route: `import` runs
/// once, and only such routes cost a call.
pub(super) async fn fill_unreported(
    aws: &Aws,
    api_id: &str,
    live: &mut [crate::model::LiveResource],
) -> Result<()> {
    use crate::model::owner::UNREADABLE;
    for r in live
        .iter_mut()
        .filter(|r| r.kind == crate::model::Kind::Route)
    {
        if r.props["integration"]["connection_id"] != UNREADABLE {
            continue;
        }
        let (Some(resource), Some((method, _))) =
            (r.outputs.get("resource_id"), r.name.split_once(' '))
        else {
            continue;
        };
        let i = aws
            .call(|| {
                aws.apigw
                    .get_integration()
                    .rest_api_id(api_id)
                    .resource_id(resource)
                    .http_method(method)
                    .send()
            })
            .await?;
        if let Some(c) = i.connection_id() {
            r.props
                .get_mut("integration")
                .and_then(|v| v.as_object_mut())
                .map(|o| o.insert("connection_id".into(), c.into()));
        }
    }
    Ok(())
}

/// The VPC links the API's integrations name by id (not through a stage variable).
pub(super) async fn vpc_links(
    aws: &Aws,
    live: &[crate::model::LiveResource],
    owner: &str,
    left: &mut Vec<String>,
) -> Result<Vec<import::Link>> {
    let mut ids = std::collections::BTreeSet::new();
    for r in live.iter().filter(|r| r.kind == crate::model::Kind::Route) {
        let i = &r.props["integration"];
        if i["connection_type"] == "VPC_LINK" {
            if let Some(id) = i["connection_id"].as_str().filter(|c| !c.contains("${")) {
                ids.insert(id.to_string());
            }
        }
    }
    let mut taken = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for id in ids.iter().filter(|i| *i != crate::model::owner::UNREADABLE) {
        let l = aws
            .call(|| aws.apigw.get_vpc_link().vpc_link_id(id).send())
            .await?;
        let name = l.name().unwrap_or_default().to_string();
        let tags =
            crate::providers::apigateway::read::tags_of(aws, l.tags(), "vpclinks", id).await?;
        let (key, adopt) = match whose(Some(&tags), owner, "vpc_link.") {
            Whose::Ours(k) => (k, None),
            Whose::Nobody => (unique(plain(&name), &mut taken), Some(id.clone())),
            Whose::Other(o) => {
                left.push(format!("VPC link {name} ({id}): stack {o} owns it"));
                continue;
            }
        };
        out.push(import::Link {
            aws_id: id.clone(),
            key,
            adopt,
            props: crate::model::kinds::VpcLink {
                name,
                description: l.description().unwrap_or_default().to_string(),
                target_arns: l.target_arns().to_vec(),
            },
        });
    }
    Ok(out)
}

/// A stack name from an API's name: letters, digits, - and _.
pub(super) fn plain(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if s.is_empty() {
        "imported".into()
    } else {
        s
    }
}

/// The log groups the API's stages (REST or v2) write access logs to: the stack's own, or untagged
/// (read as adopted); one another stack owns is a warning and left out.
pub(super) async fn log_groups(
    aws: &Aws,
    owner: &str,
    key: &str,
    live: &[crate::model::LiveResource],
) -> Result<Vec<crate::model::LiveResource>> {
    let mut adopt = std::collections::BTreeMap::new();
    for r in live.iter().filter(|r| {
        matches!(
            r.kind,
            crate::model::Kind::Stage | crate::model::Kind::ApiStage
        )
    }) {
        let arn = r
            .props
            .get("access_log_destination")
            .and_then(|v| v.as_str());
        if let Some(name) = arn.and_then(|a| a.split(":log-group:").nth(1)) {
            adopt.insert(
                name.trim_end_matches(":*").to_string(),
                format!("log_group.{key}.{}", r.name),
            );
        }
    }
    let names = adopt.keys().cloned().collect();
    let mut state = crate::model::LiveState::default();
    for d in crate::providers::logs::read(aws, owner, &names, &adopt, &mut state).await? {
        eprintln!("warning: {}", d.summary);
    }
    Ok(state.resources.into_values().collect())
}
