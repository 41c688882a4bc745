//! API Gateway custom domains and their base path mappings, and the edge read that goes
//! with them (domains first, then the certificates in each region they may use).
//!
//! A domain is created only once its certificate is ISSUED (`certificates::ensure_issued`).

use crate::diag::Diagnostic;
use crate::model::kinds::{BasePathMapping, DomainName, Typed};
use crate::model::owner::{other_owner, owned, ADOPTED};
use crate::model::owner::{TAG_MAPPED, TAG_ZONE};
use crate::model::{Kind, LiveResource, LiveState, Resource};
use crate::plan::{Action, Change};
use crate::providers::apigateway::write::tag_resource;
use crate::providers::aws::{Aws, AwsError, Made};
use crate::providers::edge::certificates;
use crate::providers::edge::certificates::{pay, tags_with_zone};
use crate::providers::kit;
use crate::providers::kit::{after, before, patch, str_of, typed, Out};
use crate::providers::pages;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, Op, SecurityPolicy};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
/// What the edge reader found besides live resources.
#[derive(Default)]
pub struct Found {
    /// Hosted zones owned certificates and domains were tagged with.
    pub zones: Vec<String>,
    pub conflicts: Vec<Diagnostic>,
}

pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<Found, AwsError> {
    let mut found = Found::default();
    let edge_wanted = desired
        .iter()
        .any(|r| r.props.get("endpoint_type").and_then(Value::as_str) == Some("EDGE"));
    let edge_owned = read_domains(aws, owner, desired, live, &mut found).await?;
    let mut regions = vec![aws.region.clone()];
    if (edge_wanted || edge_owned) && aws.region != "us-east-1" {
        regions.push("us-east-1".into());
    }
    let adopt = adopted_certificates(desired, live);
    for region in regions {
        certificates::read(aws, owner, &region, &adopt, live, &mut found.zones).await?;
    }
    for (arn, id) in &adopt {
        let read =
            |r: &LiveResource| r.kind == Kind::Certificate && r.outputs.get("arn") == Some(arn);
        if !live.resources.values().any(read) {
            found.conflicts.push(
                Diagnostic::error(
                    "ownership",
                    format!("{id}: the adopted custom domain uses the certificate {arn}, which another stack owns (or is not in ACM)"),
                )
                .hint("a stack adopts only what no stack owns: give the domain a certificate of its own first"),
            );
        }
    }
    Ok(found)
}

/// The certificate each adopted domain uses (its ARN) → the stack's id for it: it is
/// adopted with the domain.
fn adopted_certificates(desired: &[Resource], live: &LiveState) -> HashMap<String, String> {
    desired
        .iter()
        .filter(|r| r.kind == Kind::DomainName)
        .filter_map(|r| {
            let l = live.resources.get(&r.id)?;
            l.outputs.get(ADOPTED)?;
            let arn = l.outputs.get("certificate_arn").filter(|a| !a.is_empty())?;
            let cert = r.payload.as_ref()?.get("certificate_id")?.as_str()?;
            Some((arn.clone(), cert.to_string()))
        })
        .collect()
}

/// Reads owned domains and their mappings; true when one of them is EDGE.
async fn read_domains(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
    found: &mut Found,
) -> Result<bool, AwsError> {
    let wanted: BTreeSet<String> = desired
        .iter()
        .filter(|r| r.kind == Kind::DomainName)
        .map(|r| str_of(&r.props, "domain_name"))
        .collect();
    let adopt = crate::model::adopt_ids(desired, &[Kind::DomainName]);
    let mut edge = false;
    for d in &list(aws).await? {
        let name = d.domain_name().unwrap_or_default().to_string();
        let tags = tags_of(aws, d).await?;
        let unowned = other_owner(&tags, owner).is_none();
        let adopted = adopt
            .get(&name)
            .filter(|_| unowned && owned(&tags, owner).is_none());
        let Some((id, protect)) = owned(&tags, owner).or(adopted.map(|id| (id.clone(), false)))
        else {
            if wanted.contains(&name) {
                found.conflicts.push(conflict(&name, &tags, owner));
            }
            continue;
        };
        if let Some(z) = tags.get(TAG_ZONE) {
            found.zones.push(z.clone());
        }
        let key = id.trim_start_matches("domain_name.").to_string();
        if adopted.is_some() || tags.get(TAG_MAPPED).is_some_and(|v| v == "true") {
            read_mappings(aws, &name, &key, &id, live).await?;
        }
        let mut r = live_domain(d, id).protected(protect);
        if adopted.is_some() {
            r.outputs.insert(ADOPTED.into(), "true".into());
            // Untagged: the zone is the one the stack names.
            let want = desired
                .iter()
                .find(|w| w.id == r.id)
                .and_then(|w| w.payload.as_ref());
            if let Some(z) = want.and_then(|p| p.get("zone")?.as_str()) {
                r.outputs.insert("zone".into(), z.to_string());
            }
        }
        if let Some(z) = tags.get(TAG_ZONE) {
            // `import` writes it back as the domain's `hosted_zone`.
            r.outputs.insert("zone".into(), z.clone());
        }
        edge |= r.props.get("endpoint_type") == Some(&json!("EDGE"));
        live.insert(r);
    }
    Ok(edge)
}

/// Every custom domain of the region.
pub async fn list(aws: &Aws) -> Result<Vec<aws_sdk_apigateway::types::DomainName>, AwsError> {
    pages::all(aws, |position| {
        aws.apigw
            .get_domain_names()
            .limit(500)
            .set_position(position)
            .send()
    })
    .await
}

/// A domain's tags: as listed, or GetTags where the list has none (LocalStack keeps a
/// domain's tags only there; on AWS this is a domain with none).
pub async fn tags_of(
    aws: &Aws,
    d: &aws_sdk_apigateway::types::DomainName,
) -> Result<HashMap<String, String>, AwsError> {
    let name = d.domain_name().unwrap_or_default();
    crate::providers::apigateway::read::tags_of(aws, d.tags(), "domainnames", name).await
}

fn domain_arn(aws: &Aws, name: &str) -> String {
    format!("arn:aws:apigateway:{}::/domainnames/{name}", aws.region)
}

/// A domain the stack wants that someone else owns.
fn conflict(name: &str, tags: &HashMap<String, String>, owner: &str) -> Diagnostic {
    match other_owner(tags, owner) {
        Some(o) => Diagnostic::error(
            "ownership",
            format!("custom domain {name} already exists and belongs to idrv5-gw stack {o}"),
        )
        .hint("remove it from that stack first, or choose another domain_name"),
        None => Diagnostic::error(
            "ownership",
            format!("custom domain {name} already exists, made outside idrv5-gw"),
        )
        .hint("take it over (with its certificate and DNS records) with `adopt: true` on its edge.domains entry, or write its files with `idrv5-gw import`; or choose another domain_name"),
    }
}

/// An owned domain as read: its certificate and DNS target are those of its endpoint type.
fn live_domain(d: &aws_sdk_apigateway::types::DomainName, id: String) -> LiveResource {
    let name = d.domain_name().unwrap_or_default().to_string();
    let ep = d
        .endpoint_configuration()
        .and_then(|e| e.types().first())
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "EDGE".into());
    let regional = ep == "REGIONAL";
    let cert = if regional {
        d.regional_certificate_arn()
    } else {
        d.certificate_arn()
    };
    let (target, target_zone) = if regional {
        (d.regional_domain_name(), d.regional_hosted_zone_id())
    } else {
        (
            d.distribution_domain_name(),
            d.distribution_hosted_zone_id(),
        )
    };
    let props = DomainName {
        domain_name: name.clone(),
        endpoint_type: ep,
        security_policy: d.security_policy().map(|s| s.as_str().to_string()),
        certificate_arn: cert.map(str::to_string),
    }
    .to_props();
    let outputs = outputs(&name, target, target_zone, cert.unwrap_or_default());
    LiveResource::new(id, Kind::DomainName, name, props, outputs)
}

async fn read_mappings(
    aws: &Aws,
    domain: &str,
    key: &str,
    domain_id: &str,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let page = aws
        .call(|| {
            aws.apigw
                .get_base_path_mappings()
                .domain_name(domain)
                .limit(500)
                .send()
        })
        .await;
    let page = match page {
        Ok(p) => p,
        // moto answers 500 for a domain that never had a mapping (AWS: an empty list); a
        // domain tagged `mapped` whose mapping an interrupted apply never created gets
        // there. docs/EMULATOR.md.
        Err(AwsError::GaveUp {
            server_error: true, ..
        }) => return Ok(()),
        Err(e) => return Err(e),
    };
    for m in page.items() {
        let base = m.base_path().unwrap_or("(none)").to_string();
        let props = BasePathMapping {
            domain_name: domain.to_string(),
            base_path: base.clone(),
            rest_api_id: m.rest_api_id().map(str::to_string),
            stage: m.stage().map(str::to_string),
        }
        .to_props();
        live.insert(
            LiveResource::new(
                format!("base_path_mapping.{key}.{base}"),
                Kind::BasePathMapping,
                format!("{domain}/{}", base.replace("(none)", "")),
                props,
                [("base_path".to_string(), base.clone())].into(),
            )
            .with_deps([domain_id.to_string()].into()),
        );
    }
    Ok(())
}
pub async fn put(aws: &Aws, ch: &Change, owner: &str, action: Action) -> Result<Out, AwsError> {
    match ch.kind {
        Kind::DomainName if action == Action::Create => create_domain(aws, ch, owner).await,
        Kind::DomainName => update_domain(aws, ch, owner).await,
        _ => put_mapping(aws, ch, action).await,
    }
}
fn endpoint(ep: &str) -> EndpointConfiguration {
    EndpointConfiguration::builder()
        .types(EndpointType::from(ep))
        .build()
}

async fn create_domain(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let d: DomainName = typed(after(ch))?;
    let cert = d.certificate_arn.unwrap_or_default();
    certificates::ensure_issued(aws, ch, &cert).await?;
    let edge = d.endpoint_type == "EDGE";
    let mut t = tags_with_zone(ch, owner);
    if pay(ch, "mapped") == Some(Value::Bool(true)) {
        t.insert(TAG_MAPPED.into(), "true".into());
    }
    let policy = SecurityPolicy::from(d.security_policy.as_deref().unwrap_or_default());
    let made = aws
        .create(
            || {
                let q = aws
                    .apigw
                    .create_domain_name()
                    .domain_name(&d.domain_name)
                    .endpoint_configuration(endpoint(&d.endpoint_type))
                    .security_policy(policy.clone())
                    .set_tags(Some(t.clone()));
                if edge {
                    q.certificate_arn(&cert).send()
                } else {
                    q.regional_certificate_arn(&cert).send()
                }
            },
            || find_domain(aws, owner, ch, &d.domain_name),
        )
        .await?;
    if matches!(&made, Made::Sent(r) if r.tags().is_none_or(|t| t.is_empty())) {
        tag_resource(aws, &domain_arn(aws, &d.domain_name), t.clone()).await?;
    }
    Ok(made.out(|r| {
        let (target, zone) = if edge {
            (
                r.distribution_domain_name(),
                r.distribution_hosted_zone_id(),
            )
        } else {
            (r.regional_domain_name(), r.regional_hosted_zone_id())
        };
        outputs(&d.domain_name, target, zone, &cert)
    }))
}

/// The domain `name` when it is the stack's `ch`: after a create whose answer was lost, or
/// "already exists" from an interrupted apply.
async fn find_domain(
    aws: &Aws,
    owner: &str,
    ch: &Change,
    name: &str,
) -> Result<Option<Out>, AwsError> {
    let got = aws
        .call(|| aws.apigw.get_domain_name().domain_name(name).send())
        .await;
    let d = match got {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let d = aws_sdk_apigateway::types::DomainName::builder()
        .set_domain_name(d.domain_name)
        .set_endpoint_configuration(d.endpoint_configuration)
        .set_certificate_arn(d.certificate_arn)
        .set_regional_certificate_arn(d.regional_certificate_arn)
        .set_distribution_domain_name(d.distribution_domain_name)
        .set_distribution_hosted_zone_id(d.distribution_hosted_zone_id)
        .set_regional_domain_name(d.regional_domain_name)
        .set_regional_hosted_zone_id(d.regional_hosted_zone_id)
        .set_tags(d.tags)
        .build();
    let tags = tags_of(aws, &d).await?;
    Ok(owned(&tags, owner)
        .filter(|(id, _)| *id == ch.id)
        .map(|(id, _)| live_domain(&d, id).outputs))
}

/// What a domain's DNS alias records and the plan need of it.
fn outputs(name: &str, target: Option<&str>, zone: Option<&str>, cert: &str) -> Out {
    [
        ("name".to_string(), name.to_string()),
        (
            "target".to_string(),
            target.unwrap_or_default().to_ascii_lowercase(),
        ),
        (
            "target_zone_id".to_string(),
            zone.unwrap_or_default().to_string(),
        ),
        ("certificate_arn".to_string(), cert.to_string()),
    ]
    .into()
}

/// A new certificate (or TLS policy) is swapped in place: the domain and its DNS stay.
async fn update_domain(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let (b, p): (DomainName, DomainName) = (typed(before(ch))?, typed(after(ch))?);
    let name = p.domain_name;
    if ch.adopt {
        // Tagged first (with its zone, and `mapped` so later reads list its mappings): if
        // the update then fails, the next plan finds it as the stack's.
        let mut t = tags_with_zone(ch, owner);
        t.insert(TAG_MAPPED.into(), "true".into());
        tag_resource(aws, &domain_arn(aws, &name), t).await?;
    }
    let cert = p.certificate_arn.unwrap_or_default();
    let mut ops = Vec::new();
    if Some(&cert) != b.certificate_arn.as_ref() {
        certificates::ensure_issued(aws, ch, &cert).await?;
        let path = if p.endpoint_type == "EDGE" {
            "/certificateArn"
        } else {
            "/regionalCertificateArn"
        };
        ops.push(patch(Op::Replace, path, Some(cert.clone())));
    }
    if p.security_policy != b.security_policy {
        ops.push(patch(Op::Replace, "/securityPolicy", p.security_policy));
    }
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_domain_name()
            .domain_name(&name)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    let mut out = ch.live_outputs.clone();
    out.insert("certificate_arn".into(), cert);
    Ok(out)
}

async fn put_mapping(aws: &Aws, ch: &Change, action: Action) -> Result<Out, AwsError> {
    let p: BasePathMapping = typed(after(ch))?;
    let (domain, base) = (p.domain_name, p.base_path);
    let (api, stage) = (
        p.rest_api_id.unwrap_or_default(),
        p.stage.unwrap_or_default(),
    );
    if action == Action::Create {
        let r = aws
            .call(|| {
                let q = aws
                    .apigw
                    .create_base_path_mapping()
                    .domain_name(&domain)
                    .rest_api_id(&api)
                    .stage(&stage);
                if base == "(none)" {
                    q.send()
                } else {
                    q.base_path(&base).send()
                }
            })
            .await;
        // Made by an attempt whose answer was lost; the next plan compares its target.
        kit::ignore_conflict(r)?;
    } else {
        // The spec's PATCH table, for what the plan found changed (API, stage or both).
        let ops = crate::providers::kit::patches(ch);
        kit::send_patch(aws, ops, |ops| {
            aws.apigw
                .update_base_path_mapping()
                .domain_name(&domain)
                .base_path(&base)
                .set_patch_operations(ops)
                .send()
        })
        .await?;
    }
    Ok([("base_path".to_string(), base)].into())
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let b = before(ch);
    let r = match ch.kind {
        Kind::DomainName => {
            let name = typed::<DomainName>(b)?.domain_name;
            aws.call(|| aws.apigw.delete_domain_name().domain_name(&name).send())
                .await
                .map(|_| ())
        }
        _ => {
            let m: BasePathMapping = typed(b)?;
            let (domain, base) = (m.domain_name, m.base_path);
            aws.call(|| {
                aws.apigw
                    .delete_base_path_mapping()
                    .domain_name(&domain)
                    .base_path(&base)
                    .send()
            })
            .await
            .map(|_| ())
        }
    };
    match r {
        Err(e) if e.is_not_found() => Ok(()),
        other => other,
    }
}
