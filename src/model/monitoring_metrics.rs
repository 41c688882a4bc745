//! What CloudWatch metrics an API stage publishes, by protocol: the metric each preset alarm
//! watches and the dashboard's rows. REST stages are named by `ApiName` and `Stage`; HTTP and
//! WebSocket stages by `ApiId` and `Stage`, and their metrics have other names (HTTP `4xx`,
//! `5xx`; WebSocket `ClientError`, `IntegrationError`, no end-to-end `Latency`).

use crate::config::monitoring::AlarmSettings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Rest,
    Http,
    WebSocket,
}

impl Protocol {
    /// The dimension that names the API in its metrics.
    pub fn api_dimension(self) -> &'static str {
        match self {
            Protocol::Rest => "ApiName",
            _ => "ApiId",
        }
    }
}

pub const PRESET_NAMES: &[&str] = &[
    "5xx_errors",
    "4xx_errors",
    "p99_latency",
    "integration_latency",
    "cache_hit_rate",
];

/// The preset `name` on a stage of this protocol; none where the stage publishes nothing it
/// could watch (the cache hit rate is REST's alone), or for a name no preset has.
pub fn preset(name: &str, protocol: Protocol) -> Option<AlarmSettings> {
    use Protocol::*;
    let ws = protocol == WebSocket;
    let (metric, stat, ext, eval, threshold, cmp, desc) = match name {
        "5xx_errors" => (
            match protocol {
                Rest => "5XXError",
                Http => "5xx",
                WebSocket => "IntegrationError",
            },
            Some("Sum"),
            None,
            2,
            10.0,
            "GreaterThanThreshold",
            if ws {
                "More than 10 integration errors in 5 minutes, twice"
            } else {
                "More than 10 server errors in 5 minutes, twice"
            },
        ),
        "4xx_errors" => (
            match protocol {
                Rest => "4XXError",
                Http => "4xx",
                WebSocket => "ClientError",
            },
            Some("Sum"),
            None,
            2,
            100.0,
            "GreaterThanThreshold",
            "More than 100 client errors in 5 minutes, twice",
        ),
        "p99_latency" => (
            if ws { "IntegrationLatency" } else { "Latency" },
            None,
            Some("p99"),
            3,
            5000.0,
            "GreaterThanThreshold",
            if ws {
                "p99 integration latency above 5 s for 15 minutes"
            } else {
                "p99 latency above 5 s for 15 minutes"
            },
        ),
        "integration_latency" => (
            "IntegrationLatency",
            Some("Average"),
            None,
            3,
            2000.0,
            "GreaterThanThreshold",
            "Backend latency above 2 s on average for 15 minutes",
        ),
        "cache_hit_rate" if protocol == Rest => (
            "CacheHitRate",
            None,
            None,
            3,
            50.0,
            "LessThanThreshold",
            "Cache hit rate below 50% for 15 minutes",
        ),
        _ => return None,
    };
    Some(AlarmSettings {
        enabled: Some(true),
        description: Some(desc.into()),
        namespace: Some("AWS/ApiGateway".into()),
        metric: Some(metric.into()),
        statistic: stat.map(str::to_string),
        extended_statistic: ext.map(str::to_string),
        period: Some(300),
        evaluation_periods: Some(eval),
        threshold: Some(threshold),
        comparison: Some(cmp.into()),
        ..Default::default()
    })
}

/// One generated dashboard widget: its title's first word, its statistic, and its metrics
/// (a metric with a statistic of its own, such as `p99`, carries it).
pub struct Row {
    pub title: &'static str,
    pub stat: &'static str,
    pub metrics: Metrics,
}

type Metrics = &'static [(&'static str, Option<&'static str>)];
/// REST and HTTP stages count requests and time them alike.
const COUNT: Metrics = &[("Count", None)];
const LATENCY: Metrics = &[
    ("Latency", None),
    ("Latency", Some("p99")),
    ("IntegrationLatency", None),
];

/// The rows every stage of this protocol gets (the cache and WAF rows are REST's, and only
/// where the stage caches or a web ACL protects it).
pub fn rows(protocol: Protocol) -> [Row; 3] {
    let (requests, errors, latency): (Metrics, Metrics, Metrics) = match protocol {
        Protocol::Rest => (COUNT, &[("4XXError", None), ("5XXError", None)], LATENCY),
        Protocol::Http => (COUNT, &[("4xx", None), ("5xx", None)], LATENCY),
        Protocol::WebSocket => (
            &[("ConnectCount", None), ("MessageCount", None)],
            &[
                ("ClientError", None),
                ("IntegrationError", None),
                ("ExecutionError", None),
            ],
            &[
                ("IntegrationLatency", None),
                ("IntegrationLatency", Some("p99")),
            ],
        ),
    };
    [
        Row {
            title: "Requests",
            stat: "Sum",
            metrics: requests,
        },
        Row {
            title: "Errors",
            stat: "Sum",
            metrics: errors,
        },
        Row {
            title: "Latency",
            stat: "Average",
            metrics: latency,
        },
    ]
}
