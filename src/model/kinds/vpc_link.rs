//! A REST API VPC link (to network load balancers).

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VpcLink {
    pub name: String,
    pub description: String,
    pub target_arns: Vec<String>,
}

impl Typed for VpcLink {
    const KIND: Kind = Kind::VpcLink;
}

pub const SPEC: Spec = Spec {
    replace: &["target_arns"],
    patch: &[("name", "/name"), ("description", "/description")],
    calls: Calls {
        create: &["CreateVpcLink"],
        update: &["UpdateVpcLink"],
        delete: &["DeleteVpcLink"],
    },
    ..Spec::new("vpc_link")
};
