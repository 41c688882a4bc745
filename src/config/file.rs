//! The top of a stack file: what each section holds (the sections' own types live in
//! `schema.rs`, `v2.rs`, `edge.rs`, `monitoring.rs`), and the checks across sections.

use super::schema;
use super::source::locate_in;
use crate::diag::{Diagnostic, SourceText};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StackFile {
    /// Base file this one overrides, relative to this file.
    pub extends: Option<String>,
    pub stack: Option<String>,
    pub environment: Option<String>,
    pub region: Option<String>,
    /// Protect owned resources from deletion (default: true for environment `prod`).
    pub protect: Option<bool>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub vpc_links: IndexMap<String, schema::VpcLink>,
    #[serde(default)]
    pub rest_apis: IndexMap<String, schema::RestApi>,
    /// HTTP APIs (API Gateway v2) by key.
    #[serde(default)]
    pub http_apis: IndexMap<String, super::v2::HttpApi>,
    /// WebSocket APIs (API Gateway v2) by key.
    #[serde(default)]
    pub websocket_apis: IndexMap<String, super::v2::WebSocketApi>,
    /// API keys by key; values are never printed.
    #[serde(default)]
    pub api_keys: IndexMap<String, schema::ApiKey>,
    /// Usage plans (tiers) by key.
    #[serde(default)]
    pub usage_plans: IndexMap<String, schema::UsagePlan>,
    /// Alarms and the dashboard generated for every API stage (REST, HTTP, WebSocket).
    pub monitoring: Option<super::monitoring::Monitoring>,
    /// WAF web ACL, custom domains, certificates and DNS records (the edge).
    #[serde(default)]
    pub edge: super::edge::Edge,
    /// Lock applies of this stack in a DynamoDB table, so two never run at once.
    pub lock: Option<StackLock>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StackLock {
    /// The table (partition key `LockID`, a string); it must exist.
    pub dynamodb_table: String,
    /// How long a lock holds unless renewed (a running apply renews it every third);
    /// default 300 seconds.
    pub lease_seconds: Option<u64>,
}

/// API keys are one namespace across `rest_apis`, `http_apis` and `websocket_apis`.
pub fn check_api_keys(file: &StackFile, sources: &[SourceText]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<&str, &str> = file
        .rest_apis
        .keys()
        .map(|k| (k.as_str(), "rest_apis"))
        .collect();
    let mut out = Vec::new();
    let v2 = file
        .http_apis
        .keys()
        .map(|k| (k, "http_apis"))
        .chain(file.websocket_apis.keys().map(|k| (k, "websocket_apis")));
    for (key, section) in v2 {
        if let Some(first) = seen.insert(key, section) {
            out.push(
                Diagnostic::error(
                    "schema",
                    format!("{section}.{key}: `{key}` is also a key of {first}"),
                )
                .hint("API keys name stages (`key.stage`) across all API kinds: rename one")
                .at(locate_in(sources, &[section, key])),
            );
        }
    }
    out
}
