//! A REST route: one method on a resource path, its integration and their responses. The
//! desired side is read off the rendered import document (`model::routes`), the live side
//! off GetResources' embedded methods; both give this struct. Empty maps are `None`.

use super::spec::{Spec, Typed};
use crate::model::kind::{Kind, Props};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type Strings = BTreeMap<String, String>;
pub type Flags = BTreeMap<String, bool>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// NONE, CUSTOM, COGNITO_USER_POOLS or AWS_IAM.
    pub authorization: String,
    pub authorizer_id: Option<String>,
    pub authorization_scopes: Option<Vec<String>>,
    pub api_key_required: bool,
    /// `method.request.<in>.<name>` → required.
    pub request_parameters: Option<Flags>,
    pub request_validator_id: Option<String>,
    /// Content type → model name.
    pub request_models: Option<Strings>,
    pub integration: Option<Integration>,
    /// By status code.
    pub method_responses: Option<BTreeMap<String, MethodResponse>>,
    /// By status code, as AWS keys them (the extension keys them by selection pattern).
    pub integration_responses: Option<BTreeMap<String, IntegrationResponse>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MethodResponse {
    /// `method.response.header.<name>` → required.
    pub parameters: Option<Flags>,
    /// Content type → model name.
    pub models: Option<Strings>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Integration {
    /// AWS, AWS_PROXY, HTTP, HTTP_PROXY or MOCK, upper-cased as AWS stores it.
    #[serde(rename = "type")]
    pub kind: String,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub connection_type: String,
    pub connection_id: Option<String>,
    /// The role API Gateway assumes (AWS, AWS_PROXY), `arn:aws:iam::*:user/*` for the caller's.
    pub credentials: Option<String>,
    pub request_parameters: Option<Strings>,
    /// Content type → mapping template.
    pub request_templates: Option<Strings>,
    pub timeout_ms: i64,
    pub passthrough_behavior: String,
    /// CONVERT_TO_TEXT or CONVERT_TO_BINARY; none passes the payload through.
    pub content_handling: Option<String>,
    /// None: AWS's default, the resource's id.
    pub cache_namespace: Option<String>,
    pub cache_key_parameters: Option<Vec<String>>,
    /// `tlsConfig.insecureSkipVerification` (HTTP, HTTP_PROXY).
    pub insecure_skip_verification: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntegrationResponse {
    /// The regex on the backend's status (HTTP) or error message (Lambda); none for the
    /// default response.
    pub selection_pattern: Option<String>,
    pub response_parameters: Option<Strings>,
    pub response_templates: Option<Strings>,
    pub content_handling: Option<String>,
}

impl Typed for Route {
    const KIND: Kind = Kind::Route;
}

pub const SPEC: Spec = Spec::new("route");

/// What AWS answers for an integration that does not say: 29 s, INTERNET, WHEN_NO_MATCH.
pub const DEFAULT_TIMEOUT_MS: i64 = 29000;

impl Route {
    /// Whether `other` differs from this route in anything that lives on the method (not
    /// the integration): such a change is DeleteMethod + PutMethod, the rest PutIntegration.
    pub fn same_method(&self, other: &Route) -> bool {
        let method = |r: &Route| Route {
            integration: None,
            integration_responses: None,
            ..r.clone()
        };
        method(self) == method(other)
    }
    pub fn integration_type(&self) -> &str {
        self.integration.as_ref().map_or("", |i| i.kind.as_str())
    }
    pub fn integration_uri(&self) -> Option<&str> {
        self.integration.as_ref()?.uri.as_deref()
    }
}

/// `Some(map)` unless it is empty: AWS answers an empty map as none.
pub fn non_empty<K: Ord, V>(m: BTreeMap<K, V>) -> Option<BTreeMap<K, V>> {
    (!m.is_empty()).then_some(m)
}

/// Whether a route change rewrites its method (and method responses), not only its
/// integration: a new route, one whose method props changed, or one with no integration.
pub fn method_changed(before: Option<&Props>, after: &Props) -> bool {
    let Some(before) = before else {
        return true;
    };
    match (Route::from_props(before), Route::from_props(after)) {
        (Ok(b), Ok(a)) => b.integration.is_none() || !b.same_method(&a),
        _ => true,
    }
}
