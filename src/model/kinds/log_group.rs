//! A CloudWatch Logs group that a stage writes access logs to.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LogGroup {
    pub name: String,
    /// None: kept forever.
    pub retention_days: Option<i32>,
}

impl Typed for LogGroup {
    const KIND: Kind = Kind::LogGroup;
}

pub const SPEC: Spec = Spec {
    replace: &["name"],
    ..Spec::new("log_group")
};
