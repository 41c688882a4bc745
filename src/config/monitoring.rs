//! The `monitoring:` block: preset alarms per API stage (tunable, or off), custom
//! alarms, actions, and the generated dashboard with user widgets appended.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// SNS topic ARNs notified when an alarm fires.
    #[serde(default)]
    pub alarm_actions: Vec<String>,
    #[serde(default)]
    pub ok_actions: Vec<String>,
    #[serde(default)]
    pub insufficient_data_actions: Vec<String>,
    /// missing, notBreaching, breaching or ignore (default notBreaching: quiet APIs are fine).
    pub treat_missing_data: Option<String>,
    /// Built-in alarms by name (`5xx_errors`, `4xx_errors`, `p99_latency`,
    /// `integration_latency`, `cache_hit_rate`): tune any field, or `enabled: false`.
    #[serde(default)]
    pub presets: IndexMap<String, AlarmSettings>,
    /// Custom alarms by key.
    #[serde(default)]
    pub alarms: IndexMap<String, AlarmSettings>,
    pub dashboard: Option<Dashboard>,
}

/// One alarm. For presets every field is optional (the preset fills it); a custom alarm
/// needs `metric` and `threshold`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmSettings {
    pub enabled: Option<bool>,
    pub description: Option<String>,
    /// Default `AWS/ApiGateway`.
    pub namespace: Option<String>,
    pub metric: Option<String>,
    /// SampleCount, Average, Sum, Minimum or Maximum.
    pub statistic: Option<String>,
    /// A percentile such as `p99` (instead of `statistic`).
    pub extended_statistic: Option<String>,
    /// Seconds.
    pub period: Option<i32>,
    pub evaluation_periods: Option<i32>,
    pub datapoints_to_alarm: Option<i32>,
    pub threshold: Option<f64>,
    /// GreaterThanThreshold, GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold.
    pub comparison: Option<String>,
    /// Extra or replacing dimensions; ApiName (REST) or ApiId (HTTP, WebSocket) and Stage
    /// are filled in.
    #[serde(default)]
    pub dimensions: BTreeMap<String, String>,
    /// Which `api.stage` pairs a custom alarm watches (default: every stage).
    pub stages: Option<Vec<String>>,
    pub treat_missing_data: Option<String>,
    /// A custom alarm only: take over the existing alarm of this name, made outside any
    /// stack, instead of creating one (the first apply tags it; `stages` names one stage).
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub enabled: Option<bool>,
    /// Default 300 seconds.
    pub period: Option<i32>,
    /// CloudWatch dashboard widgets (JSON objects), appended after the generated rows.
    #[serde(default)]
    pub widgets: Vec<serde_json::Value>,
}
