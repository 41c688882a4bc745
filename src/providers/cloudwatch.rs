//! CloudWatch alarms and dashboards: found by name prefix, owned by tag.

use super::aws::{Aws, AwsError};
use crate::diag::Diagnostic;
use crate::model::kinds::alarm::{MetricStat as Stat, Query};
use crate::model::kinds::{Alarm, Dashboard, Typed};
use crate::model::monitoring::{alarm_prefix_of, dashboard_prefix_of, keyed_widgets, widget_list};
use crate::model::owner::{other_owner, owned, TAG_ID, TAG_STACK};
use crate::model::{Kind, LiveResource, LiveState, Resource};
use crate::plan::Change;
use crate::providers::kit::{after, tags, typed, Out};
use crate::providers::pages;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, Statistic, Tag,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Read owned alarms and dashboards. PutMetricAlarm overwrites by name: an alarm the stack
/// wants whose name is taken by one it does not own is returned as a conflict, never
/// overwritten.
pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let wanted: BTreeSet<&str> = desired
        .iter()
        .filter(|r| r.kind == Kind::Alarm)
        .map(|r| r.name.as_str())
        .collect();
    let mut conflicts = Vec::new();
    let prefix = alarm_prefix_of(owner);
    let prefix = &prefix;
    let pages = pages::all(aws, |token| {
        aws.cloudwatch
            .describe_alarms()
            .alarm_name_prefix(prefix)
            .max_records(100)
            .set_next_token(token)
            .send()
    })
    .await?;
    for a in &pages {
        let arn = a.alarm_arn().unwrap_or_default();
        let tags = tags_of(aws, arn).await?;
        let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let Some((id, protect)) = owned(tags.iter().copied(), owner) else {
            let name = a.alarm_name().unwrap_or_default();
            if wanted.contains(name) {
                conflicts.push(
                    foreign("alarm", name, &tags, owner, "PutMetricAlarm")
                        .hint(format!("rename the stack's alarm (monitoring.alarms key), delete that alarm, or adopt it by tagging it idrv5-gw:stack={owner} and idrv5-gw:id=<the alarm's id in `idrv5-gw plan --json`>")),
                );
            }
            continue; // same prefix, someone else's alarm
        };
        live.insert(
            LiveResource::new(
                id,
                Kind::Alarm,
                a.alarm_name().unwrap_or_default().to_string(),
                alarm_props(a).to_props(),
                [("arn".to_string(), arn.to_string())].into(),
            )
            .protected(protect),
        );
    }
    read_tagged(aws, owner, prefix, live).await?;
    conflicts.extend(read_adopted(aws, owner, desired, live).await?);
    conflicts.extend(read_dashboards(aws, owner, desired, live).await?);
    Ok(conflicts)
}

/// The stack's alarms outside its name prefix — adopted ones keep their own names — found by
/// the stack tag (Resource Groups Tagging API), so one the stack no longer declares is still
/// seen, and deleted, rather than left behind tagged.
async fn read_tagged(
    aws: &Aws,
    owner: &str,
    prefix: &str,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    use aws_sdk_resourcegroupstagging::types::TagFilter;
    let filter = TagFilter::builder().key(TAG_STACK).values(owner).build();
    let tagged = pages::all(aws, |token| {
        aws.tagging
            .get_resources()
            .tag_filters(filter.clone())
            .resource_type_filters("cloudwatch:alarm")
            .set_pagination_token(token)
            .send()
    })
    .await?;
    // Alarm name → (id, protect), of those the prefix listing did not find.
    let mut found: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for m in &tagged {
        let Some((_, name)) = m.resource_arn().unwrap_or_default().split_once(":alarm:") else {
            continue;
        };
        let tags = m.tags().iter().map(|t| (t.key(), t.value()));
        if let Some(owned) = owned(tags, owner).filter(|_| !name.starts_with(prefix)) {
            found.insert(name.to_string(), owned);
        }
    }
    let names: Vec<String> = found.keys().cloned().collect();
    for a in &alarms_named(aws, &names).await? {
        let name = a.alarm_name().unwrap_or_default();
        let Some((id, protect)) = found.get(name) else {
            continue;
        };
        let arn = a.alarm_arn().unwrap_or_default().to_string();
        live.insert(
            LiveResource::new(
                id.clone(),
                Kind::Alarm,
                name.to_string(),
                alarm_props(a).to_props(),
                [("arn".to_string(), arn)].into(),
            )
            .protected(*protect),
        );
    }
    Ok(())
}

/// The alarms of these names that exist (DescribeAlarms takes up to 100 names a call).
async fn alarms_named(aws: &Aws, names: &[String]) -> Result<Vec<MetricAlarm>, AwsError> {
    let mut out = Vec::new();
    for batch in names.chunks(100) {
        let got = aws
            .call(|| {
                aws.cloudwatch
                    .describe_alarms()
                    .set_alarm_names(Some(batch.to_vec()))
                    .send()
            })
            .await?;
        out.extend_from_slice(got.metric_alarms());
    }
    Ok(out)
}

/// The alarms the stack adopts by name (`adopt`), untagged: read as adopted. One not found,
/// or another stack's, is an error naming it.
async fn read_adopted(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    // Alarm name → id, of those the prefix listing did not find.
    let adopt: BTreeMap<String, String> = crate::model::adopt_ids(desired, &[Kind::Alarm])
        .into_iter()
        .filter(|(_, id)| !live.resources.contains_key(id))
        .collect();
    if adopt.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = adopt.keys().cloned().collect();
    let found = alarms_named(aws, &names).await?;
    let mut errors = Vec::new();
    for (name, id) in &adopt {
        let a = found.iter().find(|a| a.alarm_name() == Some(name.as_str()));
        let tags = match a {
            Some(a) => tags_of(aws, a.alarm_arn().unwrap_or_default()).await?,
            None => Vec::new(),
        };
        let other = other_owner(tags.iter().map(|(k, v)| (k, v)), owner);
        match (a, other) {
            (Some(a), None) => {
                let arn = a.alarm_arn().unwrap_or_default().to_string();
                let mut outputs = vec![("arn".to_string(), arn)];
                // Adopted by an earlier apply (its name is outside the stack's prefix), or
                // still to adopt.
                if owned(tags.iter().map(|(k, v)| (k, v)), owner).is_none() {
                    outputs.push((crate::model::owner::ADOPTED.to_string(), "true".to_string()));
                }
                live.insert(LiveResource::new(
                    id.clone(),
                    Kind::Alarm,
                    name.clone(),
                    alarm_props(a).to_props(),
                    outputs.into_iter().collect(),
                ));
            }
            (_, o) => errors.push(
                Diagnostic::error(
                    "ownership",
                    match o {
                        Some(o) => format!("{id}: adopt names alarm {name}, which stack {o} owns"),
                        None => format!("{id}: adopt names alarm {name}, which is not in {}", aws.region),
                    },
                )
                .hint("check the name (`aws cloudwatch describe-alarms`); one another stack owns cannot be adopted"),
            ),
        }
    }
    Ok(errors)
}

/// The tags of one CloudWatch resource, as (key, value).
pub async fn tags_of(aws: &Aws, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    // Qualified: the bare name is CloudWatch Logs' and would be paced by its 5/s bucket
    // (limits.rs).
    let t = aws
        .call(|| {
            aws.cloudwatch
                .list_tags_for_resource()
                .resource_arn(arn)
                .send()
        })
        .await?;
    Ok(t.tags()
        .iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

/// Dashboards under the stack's name prefix, owned by their tags. One without them is
/// someone else's: never changed or deleted, and a plan error when the stack wants its
/// name (PutDashboard overwrites). Where the endpoint keeps no dashboard tags (moto), the
/// prefix alone decides, as docs/EMULATOR.md says.
async fn read_dashboards(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let prefix = dashboard_prefix_of(owner);
    let list = aws
        .call(|| {
            aws.cloudwatch
                .list_dashboards()
                .dashboard_name_prefix(&prefix)
                .send()
        })
        .await?;
    let mut untagged = Vec::new();
    for d in list.dashboard_entries() {
        let name = d.dashboard_name().unwrap_or_default().to_string();
        let arn = d.dashboard_arn().unwrap_or_default().to_string();
        let tags = tags_of(aws, &arn).await?;
        match owned(tags.iter().map(|(k, v)| (k, v)), owner) {
            Some((id, protect)) => {
                let r = read_dashboard(aws, id, &name, &arn).await?;
                live.insert(r.protected(protect));
            }
            None => untagged.push((name, arn, tags)),
        }
    }
    let Some((_, probe, _)) = untagged.first() else {
        return Ok(Vec::new());
    };
    if !keeps_dashboard_tags(aws, probe).await? {
        for (name, arn, _) in untagged {
            let key = name.strip_prefix(&prefix).unwrap_or(&name);
            live.insert(read_dashboard(aws, format!("dashboard.{key}"), &name, &arn).await?);
        }
        return Ok(Vec::new());
    }
    // name → the stack's id for it.
    let wanted: BTreeMap<&str, &str> = desired
        .iter()
        .filter(|r| r.kind == Kind::Dashboard)
        .filter_map(|r| Some((r.props.get("name")?.as_str()?, r.id.as_str())))
        .collect();
    Ok(untagged
        .iter()
        .filter_map(|(name, arn, tags)| {
            let id = wanted.get(name.as_str())?;
            let tags: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            Some(foreign("dashboard", name, &tags, owner, "PutDashboard")
                .hint(format!("rename the stack's dashboard, delete that one, or adopt it (a dashboard made by idrv5-gw 1.x, or by an apply stopped between PutDashboard and TagResource, is adopted the same way): aws cloudwatch tag-resource --resource-arn {arn} --tags Key={TAG_STACK},Value={owner} Key={TAG_ID},Value={id}")))
        })
        .collect())
}

async fn read_dashboard(
    aws: &Aws,
    id: String,
    name: &str,
    arn: &str,
) -> Result<LiveResource, AwsError> {
    let got = aws
        .call(|| aws.cloudwatch.get_dashboard().dashboard_name(name).send())
        .await?;
    let body: Value =
        serde_json::from_str(got.dashboard_body().unwrap_or("{}")).unwrap_or(json!({}));
    let widgets: Vec<Value> = body["widgets"].as_array().cloned().unwrap_or_default();
    let props = Dashboard {
        name: name.to_string(),
        widgets: keyed_widgets(&widgets),
    };
    let outputs = [
        ("name".to_string(), name.to_string()),
        ("arn".to_string(), arn.to_string()),
    ];
    Ok(LiveResource::new(
        id,
        Kind::Dashboard,
        name.to_string(),
        props.to_props(),
        outputs.into(),
    ))
}

/// Does the endpoint keep dashboard tags? AWS answers ResourceNotFoundException for the
/// tags of a dashboard that does not exist; an endpoint that answers an empty list there
/// (moto) keeps none, so an untagged dashboard proves nothing.
async fn keeps_dashboard_tags(aws: &Aws, arn: &str) -> Result<bool, AwsError> {
    let nonce: u32 = rand::random();
    let missing = format!("{arn}-idrv5gw-probe-{nonce:08x}");
    match tags_of(aws, &missing).await {
        Ok(_) => Ok(false),
        Err(e) if e.code().is_some() => Ok(true),
        Err(e) => Err(e),
    }
}

/// A `kind` the stack wants whose name is taken by an item it does not own: `op` would
/// overwrite it.
fn foreign(kind: &str, name: &str, tags: &[(&str, &str)], owner: &str, op: &str) -> Diagnostic {
    let whose = other_owner(tags.iter().copied(), owner)
        .map(|o| format!("stack {o}"))
        .unwrap_or_else(|| "no idrv5-gw stack".into());
    Diagnostic::error(
        "ownership",
        format!(
            "{kind} {name} exists and belongs to {whose}, not {owner}: {op} would overwrite it"
        ),
    )
}

fn dims(d: &[Dimension]) -> Option<BTreeMap<String, String>> {
    let m: BTreeMap<String, String> = d
        .iter()
        .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
        .collect();
    (!m.is_empty()).then_some(m)
}

fn text(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

/// The alarm as `model::monitoring` gives the desired side.
/// Every alarm of the account and region (`import` looks for those on an API's stages).
pub async fn all_alarms(aws: &Aws) -> Result<Vec<MetricAlarm>, AwsError> {
    pages::all(aws, |token| {
        aws.cloudwatch
            .describe_alarms()
            .max_records(100)
            .set_next_token(token)
            .send()
    })
    .await
}

/// The value of an alarm's dimension `name`.
pub fn dimension<'a>(a: &'a MetricAlarm, name: &str) -> Option<&'a str> {
    a.dimensions()
        .iter()
        .find(|d| d.name() == Some(name))
        .and_then(|d| d.value())
}

pub fn alarm_props(a: &MetricAlarm) -> Alarm {
    let metrics: Vec<Query> = a
        .metrics()
        .iter()
        .map(|q| {
            let metric = q.metric_stat().map(|ms| Stat {
                namespace: text(ms.metric().and_then(|m| m.namespace())),
                name: text(ms.metric().and_then(|m| m.metric_name())),
                dimensions: dims(ms.metric().map(|m| m.dimensions()).unwrap_or_default()),
                period: ms.period().map(i64::from),
                stat: text(ms.stat()),
            });
            let math = metric.is_none();
            Query {
                id: q.id().unwrap_or_default().to_string(),
                return_data: q.return_data().unwrap_or(true),
                metric,
                expression: text(q.expression()).filter(|_| math),
                label: text(q.label()).filter(|_| math),
            }
        })
        .collect();
    Alarm {
        name: a.alarm_name().unwrap_or_default().to_string(),
        description: text(a.alarm_description()),
        namespace: text(a.namespace()),
        metric: text(a.metric_name()),
        statistic: text(a.statistic().map(|s| s.as_str())),
        extended_statistic: text(a.extended_statistic()),
        period: a.period().map(i64::from),
        dimensions: dims(a.dimensions()),
        metrics: (!metrics.is_empty()).then_some(metrics),
        evaluation_periods: a.evaluation_periods().map(i64::from),
        datapoints_to_alarm: a.datapoints_to_alarm().map(i64::from),
        threshold: a.threshold(),
        comparison: text(a.comparison_operator().map(|c| c.as_str())),
        treat_missing_data: text(a.treat_missing_data()),
        alarm_actions: a.alarm_actions().to_vec(),
        ok_actions: a.ok_actions().to_vec(),
        insufficient_data_actions: a.insufficient_data_actions().to_vec(),
    }
}

fn dimensions(d: &Option<BTreeMap<String, String>>) -> Option<Vec<Dimension>> {
    let d = d.as_ref()?;
    Some(
        d.iter()
            .map(|(k, v)| Dimension::builder().name(k).value(v).build())
            .collect(),
    )
}

fn queries(v: &Option<Vec<Query>>) -> Option<Vec<MetricDataQuery>> {
    let queries = v.as_ref()?.iter().map(|q| {
        let b = MetricDataQuery::builder()
            .id(&q.id)
            .return_data(q.return_data);
        match &q.metric {
            Some(m) => b.metric_stat(
                aws_sdk_cloudwatch::types::MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .set_namespace(m.namespace.clone())
                            .set_metric_name(m.name.clone())
                            .set_dimensions(dimensions(&m.dimensions))
                            .build(),
                    )
                    .period(m.period.unwrap_or(300) as i32)
                    .stat(m.stat.as_deref().unwrap_or("Sum"))
                    .build(),
            ),
            None => b
                .set_expression(q.expression.clone())
                .set_label(q.label.clone()),
        }
        .build()
    });
    Some(queries.collect())
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    if ch.kind == Kind::Dashboard {
        let d: Dashboard = typed(after(ch))?;
        let body = json!({"widgets": widget_list(&d.widgets)}).to_string();
        aws.call(|| {
            aws.cloudwatch
                .put_dashboard()
                .dashboard_name(&d.name)
                .dashboard_body(&body)
                .send()
        })
        .await?;
        let arn = tag_dashboard(aws, ch, owner, &d.name).await?;
        return Ok([("name".to_string(), d.name), ("arn".to_string(), arn)].into());
    }
    let a: Alarm = typed(after(ch))?;
    let tags: Vec<Tag> = tags(ch, owner)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let int = |n: Option<i64>| n.map(|n| n as i32);
    if ch.adopt {
        // PutMetricAlarm ignores tags on an alarm that exists: tagged first, so a failed
        // update still leaves it the stack's.
        let arn = ch.live_outputs.get("arn").cloned().unwrap_or_default();
        aws.call(|| {
            aws.cloudwatch
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
    }
    aws.call(|| {
        aws.cloudwatch
            .put_metric_alarm()
            .alarm_name(&a.name)
            .set_alarm_description(a.description.clone())
            .set_namespace(a.namespace.clone())
            .set_metric_name(a.metric.clone())
            .set_statistic(a.statistic.as_deref().map(Statistic::from))
            .set_extended_statistic(a.extended_statistic.clone())
            .set_period(int(a.period))
            .set_dimensions(dimensions(&a.dimensions))
            .set_metrics(queries(&a.metrics))
            .set_evaluation_periods(int(a.evaluation_periods))
            .set_datapoints_to_alarm(int(a.datapoints_to_alarm))
            .set_threshold(a.threshold)
            .set_comparison_operator(a.comparison.as_deref().map(ComparisonOperator::from))
            .set_treat_missing_data(a.treat_missing_data.clone())
            .set_alarm_actions(Some(a.alarm_actions.clone()))
            .set_ok_actions(Some(a.ok_actions.clone()))
            .set_insufficient_data_actions(Some(a.insufficient_data_actions.clone()))
            .set_tags(Some(tags.clone()))
            .send()
    })
    .await?;
    Ok(Out::new())
}

/// Tags a dashboard just put as the stack's (PutDashboard takes no tags); its ARN. An
/// endpoint that cannot tag dashboards (moto: ResourceNotFoundException) is let be.
async fn tag_dashboard(
    aws: &Aws,
    ch: &Change,
    owner: &str,
    name: &str,
) -> Result<String, AwsError> {
    let got = aws
        .call(|| aws.cloudwatch.get_dashboard().dashboard_name(name).send())
        .await?;
    let arn = got.dashboard_arn().unwrap_or_default().to_string();
    let tags: Vec<Tag> = tags(ch, owner)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect();
    let tagged = aws
        .call(|| {
            aws.cloudwatch
                .tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await;
    match tagged {
        Err(e) if e.is_not_found() || e.has_code("ResourceNotFoundException") => {
            tracing::info!(dashboard = name, "the endpoint cannot tag dashboards");
            Ok(arn)
        }
        other => other.map(|_| arn),
    }
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let name = ch
        .before
        .as_ref()
        .and_then(|b| b.get("name")?.as_str())
        .unwrap_or(&ch.name)
        .to_string();
    let r = match ch.kind {
        Kind::Alarm => aws
            .call(|| aws.cloudwatch.delete_alarms().alarm_names(&name).send())
            .await
            .map(|_| ()),
        _ => aws
            .call(|| {
                aws.cloudwatch
                    .delete_dashboards()
                    .dashboard_names(&name)
                    .send()
            })
            .await
            .map(|_| ()),
    };
    match r {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}
