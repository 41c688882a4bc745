//! A web ACL protecting one REST API stage.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebAclAssociation {
    pub web_acl_arn: String,
    /// The stage's ARN.
    pub resource_arn: String,
}

impl Typed for WebAclAssociation {
    const KIND: Kind = Kind::WebAclAssociation;
}

pub const SPEC: Spec = Spec {
    replace: &["resource_arn"],
    ..Spec::new("web_acl_association")
};
