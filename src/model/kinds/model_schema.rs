//! A REST API model: a JSON schema (draft 4) from the contract's `components.schemas`.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelSchema {
    pub name: String,
    pub content_type: Option<String>,
    /// `$ref`s are model URLs naming the API by a ref placeholder until it exists.
    pub schema: Value,
}

impl Typed for ModelSchema {
    const KIND: Kind = Kind::Model;
}

pub const SPEC: Spec = Spec {
    replace: &["content_type"],
    patch: &[("schema", "/schema")],
    calls: Calls {
        create: &["CreateModel"],
        update: &["UpdateModel"],
        delete: &["DeleteModel"],
    },
    ..Spec::new("model")
};
