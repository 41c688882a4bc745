//! A Lambda invoke permission for API Gateway: one statement per function and REST API.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LambdaPermission {
    pub function: String,
    /// `idrv5-gw-<stack>-<environment>-<api>`: how the reader knows the statement is ours.
    pub statement_id: String,
    /// `arn:aws:execute-api:<region>:<account>:<api id>/*`.
    pub source_arn: Option<String>,
}

impl Typed for LambdaPermission {
    const KIND: Kind = Kind::LambdaPermission;
}

pub const SPEC: Spec = Spec {
    replace: &["function", "statement_id"],
    ..Spec::new("lambda_permission")
};
