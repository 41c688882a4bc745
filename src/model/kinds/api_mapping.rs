//! An HTTP or WebSocket API stage mapped onto a custom domain (v2's CreateApiMapping).

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiMapping {
    pub domain_name: String,
    pub api_id: String,
    pub stage: String,
    /// "" for the domain's root (the stack's `(none)`).
    pub api_mapping_key: String,
}

impl Typed for ApiMapping {
    const KIND: Kind = Kind::ApiMapping;
}

pub const SPEC: Spec = Spec {
    replace: &["domain_name"],
    ..Spec::new("api_mapping")
};
