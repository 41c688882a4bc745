//! An HTTP or WebSocket API authorizer: JWT (issuer and audiences) or Lambda (REQUEST).

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

/// Fields that do not apply to the authorizer's type (or protocol) are None.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiAuthorizer {
    pub name: String,
    /// JWT or REQUEST.
    #[serde(rename = "type")]
    pub authorizer_type: String,
    pub identity_source: Vec<String>,
    pub jwt_issuer: Option<String>,
    /// Sorted.
    pub jwt_audience: Option<Vec<String>>,
    pub authorizer_uri: Option<String>,
    pub payload_format_version: Option<String>,
    pub enable_simple_responses: Option<bool>,
    pub ttl_seconds: Option<i64>,
}

impl Typed for ApiAuthorizer {
    const KIND: Kind = Kind::ApiAuthorizer;
}

pub const SPEC: Spec = Spec {
    replace: &["type"],
    ..Spec::new("authorizer")
};
