//! An ACM certificate validated through DNS. Any change to what it covers is a new one.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub domain_name: String,
    /// The other names it covers, in `cert_names` order, the domain name not repeated.
    pub subject_alternative_names: Vec<String>,
    /// us-east-1 for an EDGE domain's certificate, else the stack's region.
    pub region: String,
    /// Always DNS.
    pub validation: String,
}

impl Typed for Certificate {
    const KIND: Kind = Kind::Certificate;
}

pub const SPEC: Spec = Spec {
    replace: &["domain_name", "subject_alternative_names", "region"],
    ..Spec::new("certificate")
};
