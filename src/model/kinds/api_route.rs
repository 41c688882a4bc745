//! An HTTP or WebSocket API route: its key, the integration it targets and who may call it.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiRoute {
    /// `GET /items/{id}`, `$default`, or a WebSocket route key.
    pub route_key: String,
    pub integration_id: Option<String>,
    /// NONE, JWT or CUSTOM.
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    /// Sorted: AWS answers them in any order.
    pub authorization_scopes: Vec<String>,
    /// `$default` on a WebSocket route that answers (`respond: true`).
    pub route_response: Option<String>,
}

impl Typed for ApiRoute {
    const KIND: Kind = Kind::ApiRoute;
}

pub const SPEC: Spec = Spec {
    replace: &["route_key"],
    ..Spec::new("route")
};
