//! `http_apis:` and `websocket_apis:` (API Gateway v2). One shape for both where they agree:
//! routes, integrations, authorizers, stages. Keys share one namespace with `rest_apis`, so
//! `key.stage` names one stage wherever it is written (custom domain mappings).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HttpApi {
    /// AWS name; default `<stack>-<environment>-<key>`.
    pub name: Option<String>,
    pub description: Option<String>,
    /// Routes from an OpenAPI 3.0 contract (relative to the stack file): one route per
    /// operation, `METHOD /path`. `routes:` adds to them.
    pub openapi: Option<String>,
    /// Routes by route key, e.g. `GET /items`, `ANY /{proxy+}`, `$default`.
    #[serde(default)]
    pub routes: IndexMap<String, Route>,
    /// Overrides for contract operations, keyed by operationId or `METHOD /path`.
    #[serde(default)]
    pub operations: IndexMap<String, Route>,
    /// Integration for every route that names none.
    pub integration: Option<Integration>,
    #[serde(default)]
    pub authorizers: IndexMap<String, Authorizer>,
    /// Contract security scheme → authorizer key or `NONE` (same name maps by default).
    #[serde(default)]
    pub security_schemes: IndexMap<String, String>,
    /// Authorizer for routes that name none (and contract operations without security).
    pub default_authorizer: Option<String>,
    pub cors: Option<Cors>,
    #[serde(default)]
    pub stages: IndexMap<String, Stage>,
    /// Turn off the `execute-api` endpoint (clients must use the custom domain).
    pub disable_execute_api_endpoint: Option<bool>,
    /// Take over this existing API, by id, that no stack owns: the first apply tags it
    /// (`~ adopt` in the plan); its integrations are then named as this stack names them.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocketApi {
    pub name: Option<String>,
    pub description: Option<String>,
    /// Default `$request.body.action`.
    pub route_selection: Option<String>,
    /// `$connect`, `$disconnect`, `$default` and custom route keys (`sendmessage`).
    #[serde(default)]
    pub routes: IndexMap<String, Route>,
    pub integration: Option<Integration>,
    /// Lambda (REQUEST) authorizers; only `$connect` may use one.
    #[serde(default)]
    pub authorizers: IndexMap<String, Authorizer>,
    #[serde(default)]
    pub stages: IndexMap<String, Stage>,
    /// Take over this existing API, by id, that no stack owns: the first apply tags it
    /// (`~ adopt` in the plan); its integrations are then named as this stack names them.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub integration: Option<Integration>,
    /// Authorizer key, or `NONE`.
    pub authorizer: Option<String>,
    /// JWT scopes the token must carry for this route.
    pub scopes: Option<Vec<String>>,
    /// WebSocket: answer the client with the integration's response (a two-way route).
    pub respond: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    /// A Lambda function (AWS_PROXY).
    Lambda,
    /// An HTTP endpoint, or a private ALB/NLB listener through `vpc_link`.
    HttpProxy,
    Mock,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: Option<IntegrationType>,
    /// LAMBDA: the function ARN.
    pub function_arn: Option<String>,
    /// LAMBDA on HTTP APIs: `1.0` or `2.0` (default).
    pub payload_format: Option<String>,
    /// HTTP_PROXY: the URL, or the listener ARN with `vpc_link`.
    pub uri: Option<String>,
    /// HTTP_PROXY: the method sent on (default ANY).
    pub method: Option<String>,
    /// Key of a `vpc_links` entry with `subnet_ids` (a v2 VPC link).
    pub vpc_link: Option<String>,
    /// 50..=30000 (HTTP APIs), 50..=29000 (WebSocket).
    pub timeout_ms: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizerType {
    Jwt,
    /// A Lambda authorizer.
    Lambda,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Authorizer {
    #[serde(rename = "type")]
    pub kind: Option<AuthorizerType>,
    /// Default `$request.header.Authorization` (HTTP) or
    /// `route.request.header.Authorization` (WebSocket).
    pub identity_source: Option<Vec<String>>,
    /// JWT: the issuer URL.
    pub issuer: Option<String>,
    /// JWT: a Cognito user pool, instead of `issuer` (`ap-southeast-2_AbC123`).
    pub cognito_user_pool: Option<String>,
    /// JWT: accepted audiences (the app client ids for Cognito).
    #[serde(default)]
    pub audience: Vec<String>,
    /// LAMBDA: the function ARN.
    pub function_arn: Option<String>,
    /// LAMBDA on HTTP APIs: the function answers `{"isAuthorized": true}` (default true).
    pub simple_responses: Option<bool>,
    /// LAMBDA: seconds a result is cached (0..=3600, default 0).
    pub ttl_seconds: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    #[serde(default)]
    pub allow_origins: Vec<String>,
    #[serde(default)]
    pub allow_methods: Vec<String>,
    #[serde(default)]
    pub allow_headers: Vec<String>,
    #[serde(default)]
    pub expose_headers: Vec<String>,
    pub max_age: Option<i32>,
    pub allow_credentials: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    pub description: Option<String>,
    /// Deploy every change at once (default true). false: idrv5-gw deploys after a change.
    pub auto_deploy: Option<bool>,
    /// Default route throttling.
    pub throttling: Option<super::schema::Throttling>,
    /// Per-route throttling overrides, by route key.
    #[serde(default)]
    pub routes: IndexMap<String, super::schema::Throttling>,
    /// WebSocket execution logging: OFF, ERROR or INFO.
    pub logging_level: Option<String>,
    pub metrics: Option<bool>,
    pub access_logs: Option<super::schema::AccessLogs>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    pub protect: Option<bool>,
}
