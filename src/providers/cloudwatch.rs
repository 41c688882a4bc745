//! CloudWatch alarms (owned by tag, found by name prefix) and dashboards (owned by name
//! prefix: dashboards cannot be tagged).

use super::aws::{Aws, AwsError};
use crate::model::monitoring::{alarm_prefix_of, dashboard_prefix_of, keyed_widgets, widget_list};
use crate::model::owner::owned;
use crate::model::{Kind, LiveResource, LiveState, Props, Resource};
use crate::plan::Change;
use crate::providers::kit::{tags, Out};
use crate::providers::pages;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat, Statistic, Tag,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub async fn read(
    aws: &Aws,
    owner: &str,
    _desired: &[Resource],
    live: &mut LiveState,
) -> Result<(), AwsError> {
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
        let t = aws
            // Qualified: the bare name is CloudWatch Logs' and would be paced by its
            // 5/s bucket (limits.rs).
            .call(|| {
                aws.cloudwatch
                    .list_tags_for_resource()
                    .resource_arn(arn)
                    .send()
            })
            .await?;
        let tags = t.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)));
        let Some((id, protect)) = owned(tags, owner) else {
            continue; // same prefix, someone else's alarm
        };
        live.insert(
            LiveResource::new(
                id,
                Kind::Alarm,
                a.alarm_name().unwrap_or_default().to_string(),
                alarm_props(a),
                [("arn".to_string(), arn.to_string())].into(),
            )
            .protected(protect),
        );
    }
    let prefix = dashboard_prefix_of(owner);
    let list = aws
        .call(|| {
            aws.cloudwatch
                .list_dashboards()
                .dashboard_name_prefix(&prefix)
                .send()
        })
        .await?;
    for d in list.dashboard_entries() {
        let name = d.dashboard_name().unwrap_or_default().to_string();
        let got = aws
            .call(|| aws.cloudwatch.get_dashboard().dashboard_name(&name).send())
            .await?;
        let body: Value =
            serde_json::from_str(got.dashboard_body().unwrap_or("{}")).unwrap_or(json!({}));
        let widgets: Vec<Value> = body["widgets"].as_array().cloned().unwrap_or_default();
        let key = name.strip_prefix(&prefix).unwrap_or(&name).to_string();
        live.insert(LiveResource::new(
            format!("dashboard.{key}"),
            Kind::Dashboard,
            name.clone(),
            [
                ("name".to_string(), json!(name)),
                ("widgets".to_string(), keyed_widgets(&widgets)),
            ]
            .into(),
            [("name".to_string(), name.clone())].into(),
        ));
    }
    Ok(())
}

fn strings(v: &[String]) -> Value {
    json!(v)
}

fn dims(d: &[Dimension]) -> Value {
    let m: BTreeMap<&str, &str> = d
        .iter()
        .filter_map(|d| Some((d.name()?, d.value()?)))
        .collect();
    if m.is_empty() {
        Value::Null
    } else {
        json!(m)
    }
}

/// The same shape `model::monitoring` gives the desired side.
fn alarm_props(a: &MetricAlarm) -> Props {
    let metrics: Vec<Value> = a
        .metrics()
        .iter()
        .map(|q| match q.metric_stat() {
            Some(ms) => json!({"id": q.id(), "return_data": q.return_data().unwrap_or(true), "metric": {
                "namespace": ms.metric().and_then(|m| m.namespace()), "name": ms.metric().and_then(|m| m.metric_name()),
                "dimensions": dims(ms.metric().map(|m| m.dimensions()).unwrap_or_default()), "period": ms.period(), "stat": ms.stat()}}),
            None => json!({"id": q.id(), "return_data": q.return_data().unwrap_or(true), "expression": q.expression(), "label": q.label()}),
        })
        .collect();
    [
        ("name", json!(a.alarm_name())),
        ("description", json!(a.alarm_description())),
        ("namespace", json!(a.namespace())),
        ("metric", json!(a.metric_name())),
        ("statistic", json!(a.statistic().map(|s| s.as_str()))),
        ("extended_statistic", json!(a.extended_statistic())),
        ("period", json!(a.period())),
        ("dimensions", dims(a.dimensions())),
        (
            "metrics",
            if metrics.is_empty() {
                Value::Null
            } else {
                json!(metrics)
            },
        ),
        ("evaluation_periods", json!(a.evaluation_periods())),
        ("datapoints_to_alarm", json!(a.datapoints_to_alarm())),
        ("threshold", json!(a.threshold())),
        (
            "comparison",
            json!(a.comparison_operator().map(|c| c.as_str())),
        ),
        ("treat_missing_data", json!(a.treat_missing_data())),
        ("alarm_actions", strings(a.alarm_actions())),
        ("ok_actions", strings(a.ok_actions())),
        (
            "insufficient_data_actions",
            strings(a.insufficient_data_actions()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn s(p: &Props, k: &str) -> Option<String> {
    p.get(k).and_then(Value::as_str).map(str::to_string)
}

fn list(p: &Props, k: &str) -> Option<Vec<String>> {
    p.get(k).and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect()
    })
}

fn dimensions(v: &Value) -> Option<Vec<Dimension>> {
    v.as_object().map(|o| {
        o.iter()
            .map(|(k, x)| {
                Dimension::builder()
                    .name(k)
                    .value(x.as_str().unwrap_or_default())
                    .build()
            })
            .collect()
    })
}

fn queries(v: &Value) -> Option<Vec<MetricDataQuery>> {
    let a = v.as_array()?;
    Some(
        a.iter()
            .map(|q| {
                let b = MetricDataQuery::builder()
                    .id(q["id"].as_str().unwrap_or_default())
                    .return_data(q["return_data"].as_bool().unwrap_or(true));
                match q.get("metric") {
                    Some(m) => b.metric_stat(
                        MetricStat::builder()
                            .metric(
                                Metric::builder()
                                    .namespace(m["namespace"].as_str().unwrap_or_default())
                                    .metric_name(m["name"].as_str().unwrap_or_default())
                                    .set_dimensions(dimensions(&m["dimensions"]))
                                    .build(),
                            )
                            .period(m["period"].as_i64().unwrap_or(300) as i32)
                            .stat(m["stat"].as_str().unwrap_or("Sum"))
                            .build(),
                    ),
                    None => b
                        .expression(q["expression"].as_str().unwrap_or_default())
                        .set_label(q["label"].as_str().map(str::to_string)),
                }
                .build()
            })
            .collect(),
    )
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let a = ch.after.as_ref().expect("put has after");
    match ch.kind {
        Kind::Alarm => {
            let tags: Vec<Tag> = tags(ch, owner)
                .into_iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect();
            let i = |k: &str| a.get(k).and_then(Value::as_i64).map(|n| n as i32);
            aws.call(|| {
                aws.cloudwatch
                    .put_metric_alarm()
                    .alarm_name(s(a, "name").unwrap_or_default())
                    .set_alarm_description(s(a, "description"))
                    .set_namespace(s(a, "namespace"))
                    .set_metric_name(s(a, "metric"))
                    .set_statistic(s(a, "statistic").map(|x| Statistic::from(x.as_str())))
                    .set_extended_statistic(s(a, "extended_statistic"))
                    .set_period(i("period"))
                    .set_dimensions(dimensions(a.get("dimensions").unwrap_or(&Value::Null)))
                    .set_metrics(queries(a.get("metrics").unwrap_or(&Value::Null)))
                    .set_evaluation_periods(i("evaluation_periods"))
                    .set_datapoints_to_alarm(i("datapoints_to_alarm"))
                    .set_threshold(a.get("threshold").and_then(Value::as_f64))
                    .set_comparison_operator(
                        s(a, "comparison").map(|x| ComparisonOperator::from(x.as_str())),
                    )
                    .set_treat_missing_data(s(a, "treat_missing_data"))
                    .set_alarm_actions(list(a, "alarm_actions"))
                    .set_ok_actions(list(a, "ok_actions"))
                    .set_insufficient_data_actions(list(a, "insufficient_data_actions"))
                    .set_tags(Some(tags.clone()))
                    .send()
            })
            .await?;
            Ok(Out::new())
        }
        _ => {
            let name = s(a, "name").unwrap_or_default();
            let body = json!({"widgets": widget_list(a.get("widgets").unwrap_or(&Value::Null))})
                .to_string();
            aws.call(|| {
                aws.cloudwatch
                    .put_dashboard()
                    .dashboard_name(&name)
                    .dashboard_body(&body)
                    .send()
            })
            .await?;
            Ok([("name".to_string(), name)].into())
        }
    }
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let b = ch.before.as_ref();
    let name = b
        .and_then(|b| s(b, "name"))
        .unwrap_or_else(|| ch.name.clone());
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
