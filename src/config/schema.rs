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
pub struct ApiKey {
    /// AWS name; default `<stack>-<environment>-<key>`. Renaming replaces the key.
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
    /// Take the value from this environment variable (else AWS generates one).
    pub value_from_env: Option<String>,
    /// Take the value from this file (first line), relative to the stack file.
    pub value_from_file: Option<String>,
    /// Take over this existing key (its id) that no stack owns: the first apply tags it.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UsagePlan {
    pub name: Option<String>,
    pub description: Option<String>,
    pub throttle: Option<Throttling>,
    pub quota: Option<Quota>,
    /// `api.stage` pairs the plan applies to, e.g. `main.prod`, with optional per-method
    /// throttles keyed `/path/METHOD` as the route appears (base path included).
    #[serde(default)]
    pub stages: IndexMap<String, UsagePlanStage>,
    /// Keys of `api_keys` attached to the plan.
    #[serde(default)]
    pub keys: Vec<String>,
    /// Take over this existing plan (its id) that no stack owns: the first apply tags it.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UsagePlanStage {
    #[serde(default)]
    pub throttle: IndexMap<String, Throttling>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub limit: i32,
    pub period: QuotaPeriod,
    #[serde(default)]
    pub offset: i32,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VpcLink {
    /// AWS name; default `<stack>-<environment>-<key>`.
    pub name: Option<String>,
    pub description: Option<String>,
    /// REST APIs: the network load balancers the link reaches (a v1 VPC link).
    #[serde(default)]
    pub target_arns: Vec<String>,
    /// HTTP APIs: the subnets of a v2 VPC link (instead of `target_arns`).
    #[serde(default)]
    pub subnet_ids: Vec<String>,
    #[serde(default)]
    pub security_group_ids: Vec<String>,
    /// Take over this existing VPC link (v1 or v2), by id, that no stack owns: the first
    /// apply tags it.
    pub adopt: Option<String>,
}

impl VpcLink {
    /// A v2 link (for HTTP APIs) is declared by its subnets.
    pub fn is_v2(&self) -> bool {
        !self.subnet_ids.is_empty()
    }
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
    /// Authorizers by key. A contract security scheme of the same name uses it.
    #[serde(default)]
    pub authorizers: IndexMap<String, Authorizer>,
    /// Contract security scheme name → authorizer key, or `API_KEY` (the operation requires an
    /// API key), or `NONE`. Unmapped schemes with the name of an authorizer map to it.
    #[serde(default)]
    pub security_schemes: IndexMap<String, String>,
    /// Authorizer for operations whose contract says nothing about security.
    pub default_authorizer: Option<String>,
    /// Where API Gateway reads the API key: HEADER (x-api-key) or AUTHORIZER.
    pub api_key_source: Option<ApiKeySource>,
    /// The resource policy: an IAM policy document (a mapping, or JSON text).
    pub policy: Option<serde_json::Value>,
    /// Operations require an API key unless they say otherwise.
    pub api_key_required: Option<bool>,
    pub cors: Option<Cors>,
    /// Gateway responses by type (UNAUTHORIZED, ACCESS_DENIED, DEFAULT_4XX, ...).
    #[serde(default)]
    pub gateway_responses: IndexMap<String, GatewayResponse>,
    /// Answer undefined paths and methods with 404 JSON instead of API Gateway's 403.
    pub not_found: Option<bool>,
    /// Request validators by name.
    #[serde(default)]
    pub validators: IndexMap<String, Validator>,
    /// Validator for operations that name none.
    pub default_validator: Option<String>,
    /// Let API Gateway invoke the authorizer and AWS_PROXY Lambda functions (AddPermission).
    /// Off by default: many teams manage function policies elsewhere.
    pub lambda_permissions: Option<bool>,
    /// Deployments kept for rollback besides the ones stages serve (default 3).
    pub keep_deployments: Option<usize>,
    /// Take over this existing REST API (its id) instead of creating one: the first apply
    /// tags it as the stack's (`~ adopt` in the plan) and changes it to match.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    pub integration: Option<Integration>,
    /// Authorizer key, or `NONE`; overrides the contract's security.
    pub authorizer: Option<String>,
    /// OAuth scopes (Cognito authorizers).
    pub scopes: Option<Vec<String>>,
    pub api_key_required: Option<bool>,
    /// Validator name, or `NONE`.
    pub validator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ApiKeySource {
    Header,
    Authorizer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizerType {
    Token,
    Request,
    CognitoUserPools,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Authorizer {
    #[serde(rename = "type")]
    pub kind: Option<AuthorizerType>,
    /// TOKEN/REQUEST: the Lambda function ARN.
    pub lambda_arn: Option<String>,
    /// Default `method.request.header.Authorization`.
    pub identity_source: Option<String>,
    /// TOKEN: a regex the token must match before the Lambda is called.
    pub validation_regex: Option<String>,
    /// Seconds API Gateway caches the result (0..=3600; default 300).
    pub ttl_seconds: Option<i32>,
    /// Role API Gateway assumes to invoke the Lambda.
    pub credentials: Option<String>,
    /// COGNITO_USER_POOLS: user pool ARNs.
    #[serde(default)]
    pub provider_arns: Vec<String>,
    /// Default scopes for operations using this authorizer (Cognito).
    #[serde(default)]
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    /// Default: the methods each path has, plus OPTIONS.
    pub allow_methods: Option<Vec<String>>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    pub max_age: Option<i32>,
    pub allow_credentials: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayResponse {
    pub status: Option<u16>,
    /// Header name → value expression (`'static'`, `method.request.header.X`, ...).
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// Content type → mapping template.
    #[serde(default)]
    pub templates: IndexMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    #[serde(default)]
    pub body: bool,
    #[serde(default)]
    pub params: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    /// An AWS service action or a Lambda function behind mapping templates.
    Aws,
    AwsProxy,
    /// An HTTP backend behind mapping templates.
    Http,
    HttpProxy,
    Mock,
}

impl IntegrationType {
    /// As the extension writes it (`aws_proxy`).
    pub fn extension_name(self) -> &'static str {
        match self {
            IntegrationType::Aws => "aws",
            IntegrationType::AwsProxy => "aws_proxy",
            IntegrationType::Http => "http",
            IntegrationType::HttpProxy => "http_proxy",
            IntegrationType::Mock => "mock",
        }
    }
}

/// A mapping template: the text, or `{file: path}` relative to the stack file that names
/// it (read when the stack loads).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Template {
    Text(String),
    File { file: String },
}

impl Template {
    /// The text; a file not read yet (the loader reads every one) gives "".
    pub fn text(&self) -> &str {
        match self {
            Template::Text(t) => t,
            Template::File { .. } => "",
        }
    }
}

/// How an operation reaches its backend. Fields given in an override replace the default's
/// and the contract's own `x-amazon-apigateway-integration`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: Option<IntegrationType>,
    /// HTTP, HTTP_PROXY: URI template; `{path}` is the contract path, `{method}` the HTTP
    /// method, and `{name}` path parameters are passed through, e.g.
    /// `http://${var.host}/api{path}`. AWS: the action or path ARN, `{region}` for the
    /// stack's region, e.g. `arn:aws:apigateway:{region}:dynamodb:action/PutItem`.
    pub uri: Option<String>,
    /// HTTP, HTTP_PROXY: key of a `vpc_links` entry, or a literal id such as `${stageVariables.VPCLINK}`.
    pub vpc_link: Option<String>,
    /// The backend's method; default the operation's own (HTTP, HTTP_PROXY), POST (AWS, AWS_PROXY).
    pub http_method: Option<String>,
    /// AWS, AWS_PROXY: the Lambda function ARN (instead of `uri`).
    pub lambda_arn: Option<String>,
    /// AWS, AWS_PROXY: the IAM role API Gateway assumes to call the backend.
    pub credentials: Option<String>,
    /// `integration.request.<where>.<name>` → mapping expression.
    pub request_parameters: Option<BTreeMap<String, String>>,
    /// Content type → mapping template.
    pub request_templates: Option<BTreeMap<String, Template>>,
    /// WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES or NEVER.
    pub passthrough_behavior: Option<String>,
    /// CONVERT_TO_TEXT or CONVERT_TO_BINARY.
    pub content_handling: Option<String>,
    pub cache_namespace: Option<String>,
    pub cache_key_parameters: Option<Vec<String>>,
    /// HTTP, HTTP_PROXY: skip the backend certificate's verification.
    pub tls_insecure_skip_verification: Option<bool>,
    /// 50..=29000.
    pub timeout_ms: Option<i32>,
    /// MOCK: status code the mock answers (default 200).
    pub status_code: Option<u16>,
    /// AWS, HTTP, MOCK: selection pattern (`default` for the rest) → the response.
    pub responses: Option<IndexMap<String, IntegrationResponse>>,
}

/// One integration response: which method response a backend answer becomes, and how.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationResponse {
    pub status_code: u16,
    /// `method.response.header.<name>` → mapping expression.
    pub response_parameters: Option<BTreeMap<String, String>>,
    /// Content type → mapping template.
    pub response_templates: Option<BTreeMap<String, Template>>,
    pub content_handling: Option<String>,
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
    /// Release a changed API to a share of the traffic first (`promote` / `rollback`).
    pub canary: Option<Canary>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// Share of the stage's requests the new deployment serves, 0..=100.
    pub percent: f64,
    /// Stage variables that differ for the canary's requests.
    #[serde(default)]
    pub stage_variable_overrides: BTreeMap<String, String>,
    /// Whether the canary's requests use the stage's cache.
    #[serde(default)]
    pub use_stage_cache: bool,
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
    /// Take over the existing, untagged log group of that name (`import` writes it).
    pub adopt: Option<bool>,
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
