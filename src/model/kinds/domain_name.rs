//! An API Gateway custom domain; its certificate is swapped in place, its endpoint type is not.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DomainName {
    pub domain_name: String,
    /// EDGE or REGIONAL.
    pub endpoint_type: String,
    pub security_policy: Option<String>,
    /// The regional or the edge certificate, whichever the endpoint type uses.
    pub certificate_arn: Option<String>,
}

impl Typed for DomainName {
    const KIND: Kind = Kind::DomainName;
}

pub const SPEC: Spec = Spec {
    replace: &["domain_name", "endpoint_type"],
    ..Spec::new("domain_name")
};
