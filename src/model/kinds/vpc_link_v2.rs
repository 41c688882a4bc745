//! A v2 VPC link (HTTP APIs to private ALB/NLB/Cloud Map); only its name changes in place.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcLinkV2 {
    pub name: String,
    /// Sorted, as AWS answers them in any order.
    pub subnet_ids: Vec<String>,
    /// Sorted.
    pub security_group_ids: Vec<String>,
}

impl VpcLinkV2 {
    /// The link with its id lists sorted.
    pub fn new(
        name: String,
        mut subnet_ids: Vec<String>,
        mut security_group_ids: Vec<String>,
    ) -> Self {
        subnet_ids.sort();
        security_group_ids.sort();
        VpcLinkV2 {
            name,
            subnet_ids,
            security_group_ids,
        }
    }
}

impl Typed for VpcLinkV2 {
    const KIND: Kind = Kind::VpcLinkV2;
}

pub const SPEC: Spec = Spec {
    replace: &["subnet_ids", "security_group_ids"],
    ..Spec::new("vpc_link")
};
