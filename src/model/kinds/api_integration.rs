//! An HTTP or WebSocket API integration: one per distinct setting, shared by the routes that
//! use it and named (in its description) after what it reaches.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

/// Settings AWS fills in with its defaults read back as None, so they never diff.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiIntegration {
    /// `idrv5-gw:<name>`: how the reader finds it again.
    pub description: String,
    /// AWS_PROXY, HTTP_PROXY or MOCK.
    #[serde(rename = "type")]
    pub integration_type: String,
    pub uri: Option<String>,
    /// None for a Lambda proxy (always POST).
    pub method: Option<String>,
    pub payload_format_version: Option<String>,
    /// INTERNET or VPC_LINK.
    pub connection_type: String,
    pub connection_id: Option<String>,
    pub timeout_ms: Option<i64>,
}

impl Typed for ApiIntegration {
    const KIND: Kind = Kind::ApiIntegration;
}

pub const SPEC: Spec = Spec::new("integration");
