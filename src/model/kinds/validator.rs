//! A REST API request validator.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validator {
    pub name: String,
    /// Validate the request body against the method's model.
    pub body: Option<bool>,
    /// Validate required parameters.
    pub params: Option<bool>,
}

impl Typed for Validator {
    const KIND: Kind = Kind::Validator;
}

pub const SPEC: Spec = Spec {
    patch: &[
        ("name", "/name"),
        ("body", "/validateRequestBody"),
        ("params", "/validateRequestParameters"),
    ],
    calls: Calls {
        create: &["CreateRequestValidator"],
        update: &["UpdateRequestValidator"],
        delete: &["DeleteRequestValidator"],
    },
    ..Spec::new("validator")
};
