//! The stack file schema. Every struct denies unknown keys so a typo is an error with a line.
//!
//! Each file (base or environment overlay) is parsed on its own into these types, so serde
//! reports `file:line:column`; the files are then merged (see `load.rs`). Fields that must be
//! set somewhere are `Option` here and checked after the merge.

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
    pub vpc_links: IndexMap<String, VpcLink>,
    #[serde(default)]
    pub rest_apis: IndexMap<String, RestApi>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VpcLink {
    /// AWS name; default `<stack>-<environment>-<key>`.
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub target_arns: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EndpointType {
    Regional,
    Edge,
    Private,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RestApi {
    /// AWS name; default `<stack>-<environment>-<key>`.
    pub name: Option<String>,
    /// The OpenAPI 3.0 contract, relative to the stack file that names it.
    pub openapi: Option<String>,
    pub endpoint_type: Option<EndpointType>,
    pub description: Option<String>,
    /// Prefix for every contract path, e.g. `/api/v1`.
    pub base_path: Option<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i32>,
    /// Integration for every operation that has no override.
    pub integration: Option<Integration>,
    /// Overrides keyed by operationId or `"METHOD /path"` (contract path, without base_path).
    #[serde(default)]
    pub operations: IndexMap<String, Operation>,
    #[serde(default)]
    pub stages: IndexMap<String, Stage>,
    /// Deployments kept for rollback besides the ones stages serve (default 3).
    pub keep_deployments: Option<usize>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    pub integration: Option<Integration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    HttpProxy,
    AwsProxy,
    Mock,
}

/// How an operation reaches its backend. Fields given in an override replace the default's.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: Option<IntegrationType>,
    /// HTTP_PROXY: URI template; `{path}` is the contract path, `{method}` the HTTP method,
    /// and `{name}` path parameters are passed through, e.g. `http://${var.host}/api{path}`.
    pub uri: Option<String>,
    /// HTTP_PROXY: key of a `vpc_links` entry, or a literal id such as `${stageVariables.VPCLINK}`.
    pub vpc_link: Option<String>,
    /// HTTP_PROXY: backend method; default the operation's own.
    pub http_method: Option<String>,
    /// AWS_PROXY: the Lambda function ARN.
    pub lambda_arn: Option<String>,
    /// `integration.request.<where>.<name>` → mapping expression.
    pub request_parameters: Option<BTreeMap<String, String>>,
    /// 50..=29000.
    pub timeout_ms: Option<i32>,
    /// MOCK: status code the mock answers (default 200).
    pub status_code: Option<u16>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub description: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// X-Ray tracing.
    pub tracing: Option<bool>,
    /// Settings for every method (`*/*`).
    pub throttling: Option<Throttling>,
    pub caching: Option<Caching>,
    pub logging: Option<Logging>,
    pub metrics: Option<bool>,
    /// Per-method settings keyed `resource/path/METHOD` as API Gateway spells them,
    /// e.g. `api/v1/rate-cards/GET` (or `*/*`).
    #[serde(default)]
    pub method_settings: IndexMap<String, MethodSettings>,
    pub cache_cluster: Option<CacheCluster>,
    pub access_logs: Option<AccessLogs>,
    pub protect: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MethodSettings {
    pub throttling: Option<Throttling>,
    pub caching: Option<Caching>,
    pub logging: Option<Logging>,
    pub metrics: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Throttling {
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Caching {
    pub enabled: Option<bool>,
    pub ttl_seconds: Option<i32>,
    pub encrypted: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Off,
    Error,
    Info,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    pub level: Option<LogLevel>,
    pub data_trace: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CacheCluster {
    pub enabled: Option<bool>,
    /// GB: 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237.
    pub size: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogs {
    /// Log group name; default `/aws/api-gateway/<api name>/<stage>`.
    pub log_group: Option<String>,
    pub retention_days: Option<i32>,
    /// Access-log fields: name → `$context` variable, written as one JSON object per line.
    /// Default: seed 000's fields (requestId, ip, caller, user, requestTime, ...).
    pub format: Option<IndexMap<String, String>>,
    /// Switch access logs off in an overlay.
    pub enabled: Option<bool>,
}

impl Stage {
    /// The stage-wide settings, applied to `*/*`.
    pub fn defaults(&self) -> MethodSettings {
        MethodSettings {
            throttling: self.throttling.clone(),
            caching: self.caching.clone(),
            logging: self.logging.clone(),
            metrics: self.metrics,
        }
    }
}
