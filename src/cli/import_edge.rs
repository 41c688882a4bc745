//! What guards and names an imported API at the edge, read for `import`: the stack's own
//! WAF items, custom domains, certificates and records, read as `plan` reads them; and, read
//! as adopted, a web ACL no stack owns on the API's stages with the IP sets its rules use,
//! and each custom domain no stack owns mapped to the REST API or to an HTTP or WebSocket
//! API with its certificate and alias records (another stack's is named in `left` and left
//! out).

use crate::model::edge::WEB_ACL_ID;
use crate::model::owner::{other_owner, owned, ADOPT};
use crate::model::{Kind, LiveResource, LiveState, Resource};
use crate::providers::aws::Aws;
use anyhow::Result;
use serde_json::json;

/// The edge items of the stack `owner` around the REST API read in `api` and the HTTP and
/// WebSocket APIs `v2` (AWS ids), the hand-made web ACL on the REST API's stages and the
/// hand-made domains mapped to any of them.
pub(super) async fn edge(
    aws: &Aws,
    owner: &str,
    api: &[LiveResource],
    v2: &[String],
    left: &mut Vec<String>,
) -> Result<Vec<LiveResource>> {
    let mut rest = LiveState::default();
    for r in api {
        rest.insert(r.clone());
    }
    let api_id = api
        .iter()
        .find(|r| r.kind == Kind::RestApi)
        .and_then(|r| r.outputs.get("id"));
    let mut adopt = Vec::new();
    if let Some(api_id) = api_id {
        adopt = hand_made_waf(aws, owner, api_id, api, left).await?;
    }
    let mut ids: Vec<&str> = v2.iter().map(String::as_str).collect();
    ids.extend(api_id.map(String::as_str));
    adopt.extend(hand_made_domains(aws, &ids, v2, left).await?);
    let mut state = LiveState::default();
    crate::providers::edge::read(aws, owner, &adopt, &rest, &mut state).await?;
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
    api_id: &str,
    api: &[LiveResource],
    left: &mut Vec<String>,
) -> Result<Vec<Resource>> {
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

/// Each custom domain no stack owns with a mapping to one of the APIs `ids` (AWS ids; `v2`
/// those of HTTP and WebSocket APIs), as a resource that adopts it (its certificate comes
/// with it) in the hosted zone that holds its name, and its A and AAAA alias records there.
async fn hand_made_domains(
    aws: &Aws,
    ids: &[&str],
    v2: &[String],
    left: &mut Vec<String>,
) -> Result<Vec<Resource>> {
    use crate::model::kinds::{DnsRecord, DomainName, Typed};
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let domains = crate::providers::edge::list_domains(aws).await?;
    let mut out = Vec::new();
    for d in &domains {
        let name = d.domain_name().unwrap_or_default();
        let tags = crate::providers::edge::domain_tags(aws, d).await?;
        if tags.contains_key(crate::model::owner::TAG_STACK) {
            continue; // the stack's own is read as such; another's is named by the mapping
        }
        let maps = aws
            .call(|| aws.apigw.get_base_path_mappings().domain_name(name).send())
            .await;
        // On AWS a v2 API's mapping is listed here too; emulators keep them apart.
        let ours = match maps {
            Ok(m) => m
                .items()
                .iter()
                .any(|m| m.rest_api_id().is_some_and(|a| ids.contains(&a))),
            Err(e) if e.is_not_found() => false,
            // moto answers 500 for a domain without mappings (docs/EMULATOR.md).
            Err(crate::providers::aws::AwsError::GaveUp {
                server_error: true, ..
            }) => false,
            Err(e) => return Err(e.into()),
        };
        if !ours && !v2_mapped(aws, name, v2).await? {
            continue;
        }
        let Some(zone) = zone_of(aws, name).await? else {
            left.push(format!(
                "custom domain {name}: no hosted zone in this account holds its name, not written"
            ));
            continue;
        };
        let key = unique_key(name, &out);
        let mut dom = Resource::new(format!("domain_name.{key}"), Kind::DomainName, name.into());
        dom.props = DomainName {
            domain_name: name.into(),
            ..Default::default()
        }
        .to_props();
        dom.payload = Some(json!({
            ADOPT: name, "zone": zone, "certificate_id": format!("certificate.{key}"),
        }));
        out.push(dom);
        for t in ["A", "AAAA"] {
            let props = DnsRecord {
                zone: zone.clone(),
                name: crate::model::edge::fqdn(name),
                record_type: t.into(),
                ..Default::default()
            };
            let mut r = Resource::typed(format!("dns_record.{key}.{t}"), name.into(), &props);
            r.payload = Some(json!({ ADOPT: true }));
            out.push(r);
        }
    }
    Ok(out)
}

/// Whether the domain has an API mapping (v2's view) to one of the APIs `v2`.
async fn v2_mapped(aws: &Aws, domain: &str, v2: &[String]) -> Result<bool> {
    if v2.is_empty() {
        return Ok(false);
    }
    let maps = aws
        .call(|| aws.apigwv2.get_api_mappings().domain_name(domain).send())
        .await;
    match maps {
        Ok(m) => Ok(m
            .items()
            .iter()
            .any(|m| m.api_id().is_some_and(|a| v2.iter().any(|x| x == a)))),
        // A domain v2 does not know (emulators keep v1 and v2 domains apart).
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The hosted zone whose name is the longest suffix of `domain`.
async fn zone_of(aws: &Aws, domain: &str) -> Result<Option<String>> {
    let labels: Vec<&str> = domain.trim_end_matches('.').split('.').collect();
    for i in 0..labels.len().saturating_sub(1) {
        let candidate = labels[i..].join(".");
        if crate::providers::edge::find_zone(aws, &candidate)
            .await?
            .is_some()
        {
            return Ok(Some(candidate));
        }
    }
    Ok(None)
}

/// The domain's first label as its key in `edge.domains`, made unique among `taken`.
fn unique_key(domain: &str, taken: &[Resource]) -> String {
    let base = domain.split('.').next().unwrap_or(domain).to_string();
    let used = |k: &str| taken.iter().any(|r| r.id == format!("domain_name.{k}"));
    let mut key = base.clone();
    let mut n = 2;
    while used(&key) {
        key = format!("{base}{n}");
        n += 1;
    }
    key
}

fn adopting(id: String, kind: Kind, aws_id: &str, name: &str) -> Resource {
    let mut r = Resource::new(id, kind, name.to_string()).prop("name", name);
    r.payload = Some(json!({ ADOPT: aws_id }));
    r
}
