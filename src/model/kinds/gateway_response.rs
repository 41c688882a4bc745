//! A REST API gateway response (DEFAULT_4XX, UNAUTHORIZED, ...), named by its type.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GatewayResponse {
    pub status: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, String>>,
}

impl Typed for GatewayResponse {
    const KIND: Kind = Kind::GatewayResponse;
}

pub const SPEC: Spec = Spec {
    calls: Calls {
        // PutGatewayResponse creates and replaces alike.
        create: &["PutGatewayResponse"],
        update: &["PutGatewayResponse"],
        delete: &["DeleteGatewayResponse"],
    },
    ..Spec::new("gateway_response")
};
