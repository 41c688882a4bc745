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
//! What the stack wants but someone else owns (a custom domain, a DNS record, an untagged
//! WAF item of its name or one `adopt` names wrongly) comes back
//! as conflicts: the plan stops on them and changes nothing.

mod certificates;
mod domains;
mod route53;
mod waf;

pub use domains::{list as list_domains, tags_of as domain_tags};
pub use route53::find_zone;

use crate::diag::Diagnostic;
use crate::model::{Kind, LiveState, Outputs, Resource};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::Out;

pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    rest: &LiveState,
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let mut conflicts = waf::read(aws, owner, desired, rest, live).await?;
    let found = domains::read(aws, owner, desired, live).await?;
    conflicts.extend(found.conflicts);
    conflicts.extend(route53::read(aws, owner, desired, &found.zones, live).await?);
    Ok(conflicts)
}

/// A regional WAF item's tags (`import` asks them of a web ACL on a stage).
pub async fn waf_tags(aws: &Aws, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    waf::tags_of(aws, &aws.wafv2, arn).await
}

/// The web ACL on a REST API's stage, if any.
pub async fn waf_on_stage(
    aws: &Aws,
    api_id: &str,
    stage: &str,
) -> Result<Option<aws_sdk_wafv2::types::WebAcl>, AwsError> {
    waf::on_stage(aws, &waf::stage_arn(aws, api_id, stage)).await
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
