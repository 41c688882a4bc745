//! A base path on a custom domain mapped to a REST API stage.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BasePathMapping {
    pub domain_name: String,
    /// `(none)` for the domain's root.
    pub base_path: String,
    pub rest_api_id: Option<String>,
    pub stage: Option<String>,
}

impl Typed for BasePathMapping {
    const KIND: Kind = Kind::BasePathMapping;
}

pub const SPEC: Spec = Spec {
    replace: &["domain_name", "base_path"],
    patch: &[("rest_api_id", "/restapiId"), ("stage", "/stage")],
    calls: Calls {
        create: &["CreateBasePathMapping"],
        update: &["UpdateBasePathMapping"],
        delete: &["DeleteBasePathMapping"],
    },
    ..Spec::new("base_path_mapping")
};
