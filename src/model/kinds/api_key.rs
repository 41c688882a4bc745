//! A REST API key. Its value never appears: only a salted digest of a value the stack gives
//! (`value_from_env`/`value_from_file`), and a new value is a new key.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// Only for a value the stack gives; AWS-generated values are never compared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_sha256: Option<String>,
}

impl Typed for ApiKey {
    const KIND: Kind = Kind::ApiKey;
}

pub const SPEC: Spec = Spec {
    replace: &["name", "value_sha256"],
    patch: &[("description", "/description"), ("enabled", "/enabled")],
    ..Spec::new("api_key")
};
