//! An HTTP or WebSocket API stage. Route settings are sparse: only the fields the stack
//! declares are compared. Logging fields exist only for WebSocket APIs.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStage {
    pub stage_name: String,
    pub description: Option<String>,
    pub auto_deploy: bool,
    pub default_route_settings: RouteSettings,
    /// Route key → its settings.
    pub route_settings: BTreeMap<String, RouteSettings>,
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    pub stage_variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RouteSettings {
    pub throttling_burst_limit: Option<i64>,
    #[serde(default, with = "super::whole")]
    pub throttling_rate_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detailed_metrics_enabled: Option<bool>,
    /// WebSocket APIs only: OFF, ERROR or INFO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    /// WebSocket APIs only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_trace_enabled: Option<bool>,
}

impl Typed for ApiStage {
    const KIND: Kind = Kind::ApiStage;
}

pub const SPEC: Spec = Spec {
    sparse: &["route_settings"],
    ..Spec::new("stage")
};
