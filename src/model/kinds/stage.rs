//! A REST API stage: the deployment it serves (by fingerprint), its settings, access logs
//! and per-method settings. Method settings are sparse: only the fields the stack declares
//! are compared, since AWS fills in the rest.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub description: Option<String>,
    pub variables: BTreeMap<String, String>,
    pub tracing: bool,
    pub cache_cluster_enabled: bool,
    /// Only with the cache on: "0.5", "1.6", ... (GB).
    pub cache_cluster_size: Option<String>,
    /// The fingerprint of the deployment the stage serves.
    pub deployment: String,
    pub access_log_destination: Option<String>,
    pub access_log_format: Option<String>,
    /// `resource/path/METHOD` or `*/*` → its settings.
    pub method_settings: BTreeMap<String, MethodSetting>,
}

/// The settings of one method (or all: `*/*`); unset fields are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodSetting {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::whole"
    )]
    pub throttling_rate_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caching_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_encrypted: Option<bool>,
    /// OFF, ERROR or INFO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_trace: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<bool>,
}

impl MethodSetting {
    /// Each field's UpdateStage path below the method's prefix.
    pub const PATCH: &[(&str, &str)] = &[
        ("throttling_rate_limit", "throttling/rateLimit"),
        ("throttling_burst_limit", "throttling/burstLimit"),
        ("caching_enabled", "caching/enabled"),
        ("cache_ttl_seconds", "caching/ttlInSeconds"),
        ("cache_encrypted", "caching/dataEncrypted"),
        ("logging_level", "logging/loglevel"),
        ("data_trace", "logging/dataTrace"),
        ("metrics", "metrics/enabled"),
    ];
}

impl Typed for Stage {
    const KIND: Kind = Kind::Stage;
}

pub const SPEC: Spec = Spec {
    sparse: &["method_settings"],
    ..Spec::new("stage")
};
