//! HTTP and WebSocket APIs: one props struct for both kinds (`Kind::HttpApi`,
//! `Kind::WebSocketApi`); the protocol cannot change in place.

use super::spec::{props_of, struct_of, Spec};
use crate::model::kind::{Kind, Props};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct V2Api {
    pub name: String,
    pub description: String,
    /// HTTP or WEBSOCKET.
    pub protocol_type: String,
    pub route_selection_expression: String,
    pub disable_execute_api_endpoint: bool,
    /// HTTP APIs only; None is no CORS configuration.
    pub cors: Option<Cors>,
}

/// An HTTP API's own CORS configuration, its lists sorted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<i64>,
    pub allow_credentials: bool,
}

impl V2Api {
    pub fn kind(&self) -> Kind {
        if self.protocol_type == "WEBSOCKET" {
            Kind::WebSocketApi
        } else {
            Kind::HttpApi
        }
    }
    pub fn to_props(&self) -> Props {
        props_of(self)
    }
    pub fn from_props(p: &Props) -> Result<Self, String> {
        struct_of(p, Kind::HttpApi)
    }
}

pub const HTTP_API: Spec = Spec {
    replace: &["protocol_type"],
    api: true,
    ..Spec::new("http_api")
};
pub const WEBSOCKET_API: Spec = Spec {
    replace: &["protocol_type"],
    api: true,
    ..Spec::new("websocket_api")
};
