//! CloudWatch Logs groups for access logs. Owned by tag, like everything else; a group with
//! the wanted name that this stack does not own is reported, never touched.

use super::aws::{Aws, AwsError};
use crate::diag::Diagnostic;
use crate::model::kinds::{LogGroup, Typed};
use crate::model::owner::{other_owner, owned, ADOPTED};
use crate::model::{Kind, LiveResource, LiveState};
use crate::plan::Change;
use crate::providers::kit;
use crate::providers::kit::{tags, Out};
use std::collections::{BTreeMap, BTreeSet};

/// Read the named groups (desired names and those owned stages log to). An untagged group
/// the stack adopts (`adopt`: name → the stack's id) is read as that id, marked adopted.
pub async fn read(
    aws: &Aws,
    owner: &str,
    names: &BTreeSet<String>,
    adopt: &BTreeMap<String, String>,
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let mut foreign = Vec::new();
    for name in names {
        let page = aws
            .call(|| {
                aws.logs
                    .describe_log_groups()
                    .log_group_name_prefix(name)
                    .limit(5)
                    .send()
            })
            .await?;
        let Some(g) = page
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(name.as_str()))
        else {
            continue;
        };
        let arn = g
            .arn()
            .unwrap_or_default()
            .trim_end_matches(":*")
            .to_string();
        let t = aws
            .call(|| aws.logs.list_tags_for_resource().resource_arn(&arn).send())
            .await?;
        let tags = t.tags().cloned().unwrap_or_default();
        let mut outputs: BTreeMap<String, String> =
            [("arn".to_string(), arn), ("name".to_string(), name.clone())].into();
        let adopted = || {
            let id = adopt
                .get(name)
                .filter(|_| other_owner(&tags, owner).is_none())?;
            outputs.insert(ADOPTED.into(), "true".into());
            Some((id.clone(), false))
        };
        let Some((id, protect)) = owned(&tags, owner).or_else(adopted) else {
            let whose = other_owner(&tags, owner)
                .map(|o| format!("stack {o}"))
                .unwrap_or_else(|| "no idrv5-gw stack".into());
            foreign.push(
                Diagnostic::error(
                    "ownership",
                    format!("log group {name} exists and belongs to {whose}, not {owner}"),
                )
                .hint(if whose.starts_with("stack") {
                    "set `access_logs.log_group` to another name".to_string()
                } else {
                    "set `access_logs.adopt: true` to take it over (the first apply tags it), or `access_logs.log_group` to another name".to_string()
                }),
            );
            continue;
        };
        let props = LogGroup {
            name: name.clone(),
            retention_days: g.retention_in_days(),
        }
        .to_props();
        live.insert(
            LiveResource::new(id, Kind::LogGroup, name.clone(), props, outputs).protected(protect),
        );
    }
    Ok(foreign)
}

pub async fn create(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a: LogGroup = kit::typed(kit::after(ch))?;
    let name = a.name.clone();
    let r = aws
        .call(|| {
            aws.logs
                .create_log_group()
                .log_group_name(&name)
                .set_tags(Some(tags(ch, owner)))
                .send()
        })
        .await;
    match r {
        Ok(_) => {}
        Err(AwsError::Service { code, .. }) if code == "ResourceAlreadyExistsException" => {}
        Err(e) => return Err(e),
    }
    set_retention(aws, &name, a.retention_days).await?;
    let page = aws
        .call(|| {
            aws.logs
                .describe_log_groups()
                .log_group_name_prefix(&name)
                .limit(5)
                .send()
        })
        .await?;
    let arn = page
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name.as_str()))
        .and_then(|g| g.arn())
        .unwrap_or_default()
        .trim_end_matches(":*")
        .to_string();
    Ok([("arn".to_string(), arn), ("name".to_string(), name)].into())
}

async fn set_retention(aws: &Aws, name: &str, days: Option<i32>) -> Result<(), AwsError> {
    match days {
        Some(d) => aws
            .call(|| {
                aws.logs
                    .put_retention_policy()
                    .log_group_name(name)
                    .retention_in_days(d)
                    .send()
            })
            .await
            .map(|_| ()),
        None => aws
            .call(|| {
                aws.logs
                    .delete_retention_policy()
                    .log_group_name(name)
                    .send()
            })
            .await
            .map(|_| ()),
    }
}

pub async fn update(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a: LogGroup = kit::typed(kit::after(ch))?;
    if ch.adopt {
        let arn = ch.live_outputs.get("arn").cloned().unwrap_or_default();
        aws.call(|| {
            aws.logs
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags(ch, owner)))
                .send()
        })
        .await?;
    }
    set_retention(aws, &a.name, a.retention_days).await?;
    Ok(ch.live_outputs.clone())
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let name = ch.live_outputs.get("name").cloned().unwrap_or_default();
    match aws
        .call(|| aws.logs.delete_log_group().log_group_name(&name).send())
        .await
    {
        Err(AwsError::Service { code, .. }) if code == "ResourceNotFoundException" => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        r => r.map(|_| ()),
    }
}
