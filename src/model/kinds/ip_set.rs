//! A WAFv2 IP set that a web ACL rule names.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IpSet {
    pub name: String,
    pub description: String,
    /// REGIONAL or CLOUDFRONT.
    pub scope: String,
    /// IPV4 or IPV6.
    pub ip_version: String,
    /// CIDR blocks, sorted.
    pub addresses: Vec<String>,
}

impl Typed for IpSet {
    const KIND: Kind = Kind::IpSet;
}

pub const SPEC: Spec = Spec {
    replace: &["name", "scope", "ip_version"],
    ..Spec::new("ip_set")
};
