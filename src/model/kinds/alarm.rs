//! A CloudWatch metric alarm on an API stage: one metric, or metric math over several
//! (`metrics`, e.g. the cache hit rate). Owned by tag, found by name prefix.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub name: String,
    pub description: Option<String>,
    /// The single metric, unless `metrics` is given.
    pub namespace: Option<String>,
    pub metric: Option<String>,
    pub statistic: Option<String>,
    pub extended_statistic: Option<String>,
    pub period: Option<i64>,
    pub dimensions: Option<BTreeMap<String, String>>,
    /// Metric math: the queries, one of them returning the alarm's value.
    pub metrics: Option<Vec<Query>>,
    pub evaluation_periods: Option<i64>,
    pub datapoints_to_alarm: Option<i64>,
    pub threshold: Option<f64>,
    pub comparison: Option<String>,
    pub treat_missing_data: Option<String>,
    pub alarm_actions: Vec<String>,
    pub ok_actions: Vec<String>,
    pub insufficient_data_actions: Vec<String>,
}

/// One query of metric math: a metric (`metric`) or an expression over the others.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Query {
    pub id: String,
    pub return_data: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<MetricStat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricStat {
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub dimensions: Option<BTreeMap<String, String>>,
    pub period: Option<i64>,
    pub stat: Option<String>,
}

impl Typed for Alarm {
    const KIND: Kind = Kind::Alarm;
}

pub const SPEC: Spec = Spec::new("alarm");
