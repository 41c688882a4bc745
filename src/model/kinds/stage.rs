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
    /// The release in flight: a second deployment serving a share of the requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary: Option<Canary>,
}

/// A stage's canary: its deployment (by fingerprint) apart from the stage's own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Canary {
    pub deployment: String,
    #[serde(serialize_with = "super::whole::plain")]
    pub percent: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_variable_overrides: BTreeMap<String, String>,
    pub use_stage_cache: bool,
}

impl Stage {
    /// A stage releasing by canary keeps serving what it serves and sends the new document
    /// to the canary: `self` is desired (its `deployment` the new fingerprint, its canary
    /// the declared settings), `live` the stage as it is. Without a live stage, or when the
    /// stage already serves the document, there is nothing to release: no canary.
    pub fn settle_canary(&mut self, live: Option<&Stage>) {
        let Some(canary) = self.canary.as_mut() else {
            return;
        };
        match live {
            Some(l) if l.deployment != self.deployment => {
                canary.deployment = std::mem::replace(&mut self.deployment, l.deployment.clone());
            }
            _ => self.canary = None,
        }
    }
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
    fields: &["canary"],
    ..Spec::new("stage")
};
