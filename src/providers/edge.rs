//! The edge: WAFv2 IP sets, web ACLs and their stage associations (`waf.rs`), ACM
//! certificates and custom domains with base path mappings (`domains.rs`), and Route53
//! records owned through a TXT record beside them (`route53.rs`).
//!
//! Reads: ListIPSets + ListWebACLs (REGIONAL; CLOUDFRONT too when the stack uses it) with
//! ListTagsForResource per item and a Get per owned one, GetWebACLForResource per owned
//! stage when the stack owns an ACL; ListCertificates + ListTagsForCertificate per
//! certificate + DescribeCertificate per owned one; GetDomainNames (+ GetBasePathMappings per
//! owned domain that was given mappings); ListHostedZonesByName + ListResourceRecordSets per
//! hosted zone the stack names or an owned domain/certificate was tagged with.
//! What the stack wants but someone else owns (a custom domain, a DNS record) comes back
//! as conflicts: the plan stops on them and changes nothing.

#[path = "route53.rs"]
mod dns;
#[path = "domains.rs"]
mod domains;
#[path = "waf.rs"]
mod waf;

use super::apigateway_write::Out;
use super::aws::{Aws, AwsError};
use crate::diag::Diagnostic;
use crate::model::{Kind, LiveState, Outputs, Resource};
use crate::plan::{Action, Change};

/// Tag naming the hosted zone a domain's or certificate's records live in.
pub const TAG_ZONE: &str = "idrv5-gw:zone";
/// Tag saying a domain was created with base path mappings (see docs/EMULATOR.md).
pub const TAG_MAPPED: &str = "idrv5-gw:mapped";

pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    waf::read(aws, owner, desired, live).await?;
    let found = domains::read(aws, owner, desired, live).await?;
    let mut conflicts = found.conflicts;
    conflicts.extend(dns::read(aws, owner, desired, &found.zones, live).await?);
    Ok(conflicts)
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str, action: Action) -> Result<Out, AwsError> {
    match ch.kind {
        Kind::IpSet | Kind::WebAcl | Kind::WebAclAssociation => {
            waf::put(aws, ch, owner, action).await
        }
        Kind::DnsRecord => dns::put(aws, ch, owner).await,
        _ => domains::put(aws, ch, owner, action).await,
    }
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match ch.kind {
        Kind::IpSet | Kind::WebAcl | Kind::WebAclAssociation => waf::delete(aws, ch).await,
        Kind::DnsRecord => dns::delete(aws, ch, outputs).await,
        _ => domains::delete(aws, ch).await,
    }
}

pub(crate) fn err(op: &str, code: &str, message: impl Into<String>) -> AwsError {
    AwsError::Service {
        op: op.into(),
        code: code.into(),
        message: message.into(),
    }
}

pub(crate) fn after(ch: &Change) -> crate::model::Props {
    ch.after.clone().unwrap_or_default()
}

pub(crate) fn before(ch: &Change) -> crate::model::Props {
    ch.before.clone().unwrap_or_default()
}

pub(crate) fn str_of(p: &crate::model::Props, k: &str) -> String {
    p.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}
