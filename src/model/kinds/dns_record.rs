//! A Route53 record the stack owns through a TXT record beside it: an alias to a custom
//! domain, or a certificate's validation CNAME. Route53 upserts, so only its place (zone,
//! name, type) forces a replacement.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DnsRecord {
    /// The hosted zone's name.
    pub zone: String,
    /// Fully qualified, with the trailing dot.
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: String,
    /// Plain records: time to live and values. Absent on an alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<Alias>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alias {
    /// Lower case, without the trailing dot.
    pub dns_name: String,
    pub zone_id: String,
}

impl Typed for DnsRecord {
    const KIND: Kind = Kind::DnsRecord;
}

pub const SPEC: Spec = Spec {
    replace: &["zone", "name", "type"],
    ..Spec::new("dns_record")
};
