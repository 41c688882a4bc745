//! What guards and names an imported API at the edge, read for `import`: the stack's own
//! WAF items, custom domains, certificates and records, read as `plan` reads them; and a
//! web ACL no stack owns on the API's stages, with the IP sets its rules use, read as
//! adopted (another stack's is named in `left` and left out).

use crate::model::edge::WEB_ACL_ID;
use crate::model::owner::{other_owner, owned, ADOPT};
use crate::model::{Kind, LiveResource, LiveState, Resource};
use crate::providers::aws::Aws;
use anyhow::Result;
use serde_json::json;

/// The edge items of the stack `owner` around the API read in `api`, and the hand-made
/// web ACL on its stages.
pub(super) async fn edge(
    aws: &Aws,
    owner: &str,
    api: &[LiveResource],
    left: &mut Vec<String>,
) -> Result<Vec<LiveResource>> {
    let mut state = LiveState::default();
    for r in api {
        state.insert(r.clone());
    }
    let adopt = hand_made_waf(aws, owner, api, left).await?;
    crate::providers::edge::read(aws, owner, &adopt, &mut state).await?;
    let kinds = [
        Kind::WebAcl,
        Kind::IpSet,
        Kind::WebAclAssociation,
        Kind::DomainName,
        Kind::BasePathMapping,
        Kind::Certificate,
        Kind::DnsRecord,
    ];
    Ok(state
        .resources
        .into_values()
        .filter(|r| kinds.contains(&r.kind))
        .collect())
}

/// The regional web ACL on the API's stages when no stack owns it (GetWebACLForResource
/// per stage), and the IP sets its rules name, as resources that adopt them: the reader
/// then reads them as the stack's. Nothing when the stack owns an ACL there already.
async fn hand_made_waf(
    aws: &Aws,
    owner: &str,
    api: &[LiveResource],
    left: &mut Vec<String>,
) -> Result<Vec<Resource>> {
    let Some(api_id) = api
        .iter()
        .find(|r| r.kind == Kind::RestApi)
        .and_then(|r| r.outputs.get("id"))
    else {
        return Ok(Vec::new());
    };
    let stages = api
        .iter()
        .filter(|r| r.kind == Kind::Stage)
        .filter_map(|r| Some(r.id.strip_prefix("stage.")?.split_once('.')?.1));
    for stage in stages {
        let acl = crate::providers::edge::waf_on_stage(aws, api_id, stage).await?;
        let Some(acl) = acl else { continue };
        let tags = crate::providers::edge::waf_tags(aws, acl.arn()).await?;
        if owned(tags.iter().cloned(), owner).is_some() {
            return Ok(Vec::new());
        }
        if let Some(o) = other_owner(tags.iter().cloned(), owner) {
            left.push(format!(
                "web ACL {} on stage {stage}: it belongs to the stack {o}",
                acl.name()
            ));
            return Ok(Vec::new());
        }
        let mut out = vec![adopting(
            WEB_ACL_ID.into(),
            Kind::WebAcl,
            acl.id(),
            acl.name(),
        )];
        let sets = acl
            .rules()
            .iter()
            .filter_map(|r| r.statement()?.ip_set_reference_statement())
            .map(|s| s.arn());
        for set in sets {
            // arn:aws:wafv2:<region>:<account>:regional/ipset/<name>/<id>
            let mut parts = set.rsplit('/');
            let (Some(id), Some(name)) = (parts.next(), parts.next()) else {
                continue;
            };
            out.push(adopting(format!("ip_set.{name}"), Kind::IpSet, id, name));
        }
        return Ok(out);
    }
    Ok(Vec::new())
}

fn adopting(id: String, kind: Kind, aws_id: &str, name: &str) -> Resource {
    let mut r = Resource::new(id, kind, name.to_string()).prop("name", name);
    r.payload = Some(json!({ ADOPT: aws_id }));
    r
}
