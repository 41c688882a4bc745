//! The edge: WAFv2 IP sets, web ACLs and their stage associations (`waf/`), ACM
//! certificates (`certificates.rs`), custom domains with base path mappings (`domains.rs`), and Route53
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

mod certificates;
mod domains;
mod route53;
mod waf;

use crate::diag::Diagnostic;
use crate::model::{Kind, LiveState, Outputs, Resource};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::Out;

pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    waf::read(aws, owner, desired, live).await?;
    let found = domains::read(aws, owner, desired, live).await?;
    let mut conflicts = found.conflicts;
    conflicts.extend(route53::read(aws, owner, desired, &found.zones, live).await?);
    Ok(conflicts)
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str, action: Action) -> Result<Out, AwsError> {
    match ch.kind {
        Kind::IpSet | Kind::WebAcl | Kind::WebAclAssociation => {
            waf::put(aws, ch, owner, action).await
        }
        Kind::DnsRecord => route53::put(aws, ch, owner).await,
        Kind::Certificate => certificates::put(aws, ch, owner).await,
        _ => domains::put(aws, ch, owner, action).await,
    }
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match ch.kind {
        Kind::IpSet | Kind::WebAcl | Kind::WebAclAssociation => waf::delete(aws, ch).await,
        Kind::DnsRecord => route53::delete(aws, ch, outputs).await,
        Kind::Certificate => certificates::delete(aws, ch).await,
        _ => domains::delete(aws, ch).await,
    }
}
