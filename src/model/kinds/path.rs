//! A REST API resource path (API Gateway's "resource"); a different path is a new one.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Path {
    /// `/items/{id}`, the API's base path included.
    pub path: String,
}

impl Typed for Path {
    const KIND: Kind = Kind::Path;
}

pub const SPEC: Spec = Spec {
    replace: &["path"],
    calls: Calls {
        create: &["CreateResource"],
        update: &["CreateResource"],
        delete: &["DeleteResource"],
    },
    ..Spec::new("path")
};
