//! ACM certificates (DNS validation), API Gateway custom domains and base path mappings.
//!
//! A domain is created only once its certificate is ISSUED: its `put` waits (with progress
//! through `Aws::report_wait`), or with `--no-wait` defers itself to a later apply. Before a
//! long wait it checks that public DNS delegates the zone to the hosted zone it wrote the
//! validation records into, and says so; a timeout names the records still pending.

use crate::diag::Diagnostic;
use crate::model::edge::cert_names;
use crate::model::kinds::{BasePathMapping, Typed};
use crate::model::owner::{other_owner, owned};
use crate::model::owner::{TAG_MAPPED, TAG_ZONE};
use crate::model::{Kind, LiveResource, LiveState, Props, Resource};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::edge::delegation;
use crate::providers::kit;
use crate::providers::kit::{after, before, err, str_of};
use crate::providers::kit::{patch, tags, Out};
use aws_sdk_acm::types::{CertificateStatus, Tag as AcmTag, ValidationMethod};
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, Op, SecurityPolicy};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

fn acm<'a>(aws: &'a Aws, region: &str) -> &'a aws_sdk_acm::Client {
    if region == "us-east-1" && aws.region != "us-east-1" {
        &aws.acm_us_east_1
    } else {
        &aws.acm
    }
}

fn pay(ch: &Change, key: &str) -> Option<Value> {
    ch.payload.as_ref().and_then(|p| p.get(key)).cloned()
}

fn pay_str(ch: &Change, key: &str) -> Option<String> {
    pay(ch, key).and_then(|v| v.as_str().map(str::to_string))
}

/// The ownership tags plus the hosted zone, so a later read knows which zone to list.
fn tags_with_zone(ch: &Change, owner: &str) -> HashMap<String, String> {
    let mut t = tags(ch, owner);
    if let Some(z) = pay_str(ch, "zone") {
        t.insert(TAG_ZONE.into(), z);
    }
    t
}

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
    for region in regions {
        read_certificates(aws, owner, &region, live, &mut found).await?;
    }
    Ok(found)
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
    let mut edge = false;
    let pages = kit::all_pages(|position| async move {
        let page = aws
            .call(|| {
                aws.apigw
                    .get_domain_names()
                    .limit(500)
                    .set_position(position.clone())
                    .send()
            })
            .await?;
        Ok((page.items().to_vec(), page.position().map(str::to_string)))
    })
    .await?;
    for d in &pages {
        let name = d.domain_name().unwrap_or_default().to_string();
        let tags = d.tags().cloned().unwrap_or_default();
        let Some((id, protect)) = owned(&tags, owner) else {
            if wanted.contains(&name) {
                let whose = other_owner(&tags, owner)
                    .map(|o| format!("idrv5-gw stack {o}"))
                    .unwrap_or_else(|| "another owner (not idrv5-gw)".into());
                found.conflicts.push(
                    Diagnostic::error(
                        "ownership",
                        format!("custom domain {name} already exists and belongs to {whose}"),
                    )
                    .hint("remove it from that stack or console first, or choose another domain_name; idrv5-gw never takes over a domain it did not create"),
                );
            }
            continue;
        };
        let ep = d
            .endpoint_configuration()
            .and_then(|e| e.types().first())
            .map(|t| t.as_str().to_string())
            .unwrap_or_else(|| "EDGE".into());
        edge |= ep == "EDGE";
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
        let props: Props = [
            ("domain_name".to_string(), json!(name)),
            ("endpoint_type".to_string(), json!(ep)),
            (
                "security_policy".to_string(),
                json!(d.security_policy().map(|s| s.as_str())),
            ),
            ("certificate_arn".to_string(), json!(cert)),
        ]
        .into();
        if let Some(z) = tags.get(TAG_ZONE) {
            found.zones.push(z.clone());
        }
        let key = id.trim_start_matches("domain_name.").to_string();
        if tags.get(TAG_MAPPED).is_some_and(|v| v == "true") {
            read_mappings(aws, &name, &key, &id, live).await?;
        }
        live.insert(
            LiveResource::new(
                id,
                Kind::DomainName,
                name.clone(),
                props,
                [
                    ("name".to_string(), name.clone()),
                    (
                        "target".to_string(),
                        target.unwrap_or_default().to_ascii_lowercase(),
                    ),
                    (
                        "target_zone_id".to_string(),
                        target_zone.unwrap_or_default().to_string(),
                    ),
                    (
                        "certificate_arn".to_string(),
                        cert.unwrap_or_default().into(),
                    ),
                ]
                .into(),
            )
            .protected(protect),
        );
    }
    Ok(edge)
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

async fn read_certificates(
    aws: &Aws,
    owner: &str,
    region: &str,
    live: &mut LiveState,
    found: &mut Found,
) -> Result<(), AwsError> {
    let c = acm(aws, region);
    let pages = kit::all_pages(|token| async move {
        let page = aws
            .call(|| {
                c.list_certificates()
                    .max_items(1000)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        Ok((
            page.certificate_summary_list().to_vec(),
            page.next_token().map(str::to_string),
        ))
    })
    .await?;
    for s in &pages {
        let Some(arn) = s.certificate_arn() else {
            continue;
        };
        let t = aws
            .call(|| c.list_tags_for_certificate().certificate_arn(arn).send())
            .await?;
        let tags: HashMap<String, String> = t
            .tags()
            .iter()
            .map(|t| {
                (
                    t.key().to_string(),
                    t.value().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let Some((id, protect)) = owned(&tags, owner) else {
            continue;
        };
        if let Some(z) = tags.get(TAG_ZONE) {
            found.zones.push(z.clone());
        }
        let d = aws
            .call(|| c.describe_certificate().certificate_arn(arn).send())
            .await?;
        let Some(cert) = d.certificate() else {
            continue;
        };
        let domain = cert.domain_name().unwrap_or_default().to_string();
        let sans: Vec<String> = cert.subject_alternative_names().to_vec();
        let names = cert_names(&domain, &sans);
        let mut outputs: BTreeMap<String, String> = [
            ("arn".to_string(), arn.to_string()),
            (
                "status".to_string(),
                cert.status().map(|s| s.as_str()).unwrap_or("").to_string(),
            ),
        ]
        .into();
        outputs.extend(validation_outputs(&names, cert.domain_validation_options()));
        let props: Props = [
            ("domain_name".to_string(), json!(domain)),
            ("subject_alternative_names".to_string(), json!(names[1..])),
            ("region".to_string(), json!(region)),
            ("validation".to_string(), json!("DNS")),
        ]
        .into();
        live.insert(
            LiveResource::new(id, Kind::Certificate, domain, props, outputs).protected(protect),
        );
    }
    Ok(())
}

/// `vname<i>` / `vvalue<i>` for each name the certificate covers, in `cert_names` order.
fn validation_outputs(
    names: &[String],
    options: &[aws_sdk_acm::types::DomainValidation],
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (i, n) in names.iter().enumerate() {
        let rr = options
            .iter()
            .find(|o| o.domain_name() == n)
            .and_then(|o| o.resource_record());
        if let Some(rr) = rr {
            out.insert(format!("vname{i}"), rr.name().to_ascii_lowercase());
            out.insert(format!("vvalue{i}"), rr.value().to_string());
        }
    }
    out
}

fn acm_err(e: impl std::fmt::Display) -> AwsError {
    err("RequestCertificate", "InvalidParameter", e.to_string())
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str, action: Action) -> Result<Out, AwsError> {
    match ch.kind {
        Kind::Certificate => request_certificate(aws, ch, owner).await,
        Kind::DomainName if action == Action::Create => create_domain(aws, ch, owner).await,
        Kind::DomainName => update_domain(aws, ch).await,
        _ => put_mapping(aws, ch, action).await,
    }
}

async fn request_certificate(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let p = after(ch);
    let region = str_of(p, "region");
    let c = acm(aws, &region);
    let domain = str_of(p, "domain_name");
    let sans: Vec<String> = p
        .get("subject_alternative_names")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    let acm_tags = tags_with_zone(ch, owner)
        .into_iter()
        .map(|(k, v)| AcmTag::builder().key(k).value(v).build().map_err(acm_err))
        .collect::<Result<Vec<_>, _>>()?;
    // Retries of this request reuse the token, so a lost response never yields two
    // certificates; a later apply finds the first by its tags. (A fixed token would make
    // ACM hand back a certificate deleted within the hour.)
    let nonce: u64 = rand::random();
    let token = crate::util::sha256_hex(format!("{owner}|{}|{nonce}", ch.id).as_bytes());
    let r = aws
        .call(|| {
            let mut q = c
                .request_certificate()
                .domain_name(&domain)
                .validation_method(ValidationMethod::Dns)
                .idempotency_token(&token[..32])
                .set_tags(Some(acm_tags.clone()));
            if !sans.is_empty() {
                let mut all = vec![domain.clone()];
                all.extend(sans.iter().cloned());
                q = q.set_subject_alternative_names(Some(all));
            }
            q.send()
        })
        .await?;
    let arn = r.certificate_arn().unwrap_or_default().to_string();
    let names = cert_names(&domain, &sans);
    // ACM fills in the validation records a few seconds after the request.
    let started = Instant::now();
    loop {
        let d = aws
            .call(|| c.describe_certificate().certificate_arn(&arn).send())
            .await?;
        let cert = d.certificate();
        let opts = cert
            .map(|c| c.domain_validation_options())
            .unwrap_or_default();
        let v = validation_outputs(&names, opts);
        if v.len() == names.len() * 2 || started.elapsed() > Duration::from_secs(120) {
            let mut out: Out = [
                ("arn".to_string(), arn.clone()),
                (
                    "status".to_string(),
                    cert.and_then(|c| c.status())
                        .map(|s| s.as_str())
                        .unwrap_or("")
                        .to_string(),
                ),
            ]
            .into();
            out.extend(v);
            return Ok(out);
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Wait until the certificate is ISSUED (or defer with `--no-wait`).
async fn ensure_issued(aws: &Aws, ch: &Change, cert_arn: &str) -> Result<(), AwsError> {
    let region = pay_str(ch, "certificate_region").unwrap_or_else(|| aws.region.clone());
    let zone = pay_str(ch, "zone").unwrap_or_default();
    let limit = Duration::from_secs(
        pay(ch, "wait_seconds")
            .and_then(|v| v.as_u64())
            .unwrap_or(900),
    );
    let c = acm(aws, &region);
    let started = Instant::now();
    let mut delegation_note: Option<String> = None;
    let mut pause = Duration::from_secs(2);
    loop {
        let d = aws
            .call(|| c.describe_certificate().certificate_arn(cert_arn).send())
            .await?;
        let Some(cert) = d.certificate() else {
            return Err(err("DescribeCertificate", "NotFound", cert_arn.to_string()));
        };
        let status = cert.status().cloned();
        if status == Some(CertificateStatus::Issued) {
            return Ok(());
        }
        let status_text = status.as_ref().map(|s| s.as_str()).unwrap_or("unknown");
        if !matches!(status, Some(CertificateStatus::PendingValidation) | None) {
            return Err(err(
                "DescribeCertificate",
                "CertificateNotUsable",
                format!("the certificate for {} is {status_text}: it will not be issued; remove it from ACM (or change the domain) and apply again", cert.domain_name().unwrap_or_default()),
            ));
        }
        let pending: Vec<String> = cert
            .domain_validation_options()
            .iter()
            .filter(|o| o.validation_status().map(|s| s.as_str()) != Some("SUCCESS"))
            .map(|o| match o.resource_record() {
                Some(rr) => format!("{} CNAME {}", rr.name(), rr.value()),
                None => format!("{} (record not yet given by ACM)", o.domain_name()),
            })
            .collect();
        if delegation_note.is_none() {
            delegation_note = Some(check_delegation(aws, &zone).await);
        }
        let note = delegation_note.clone().unwrap_or_default();
        let domain = cert.domain_name().unwrap_or_default();
        if aws.no_wait {
            return Err(AwsError::Deferred(format!(
                "the certificate for {domain} is {status_text} (--no-wait): its validation records are in hosted zone {zone}; {note}. Run `idrv5-gw apply` again once it is ISSUED to create the domain"
            )));
        }
        let elapsed = started.elapsed();
        if elapsed >= limit {
            return Err(err(
                "DescribeCertificate",
                "ValidationTimeout",
                format!(
                    "the certificate for {domain} is still {status_text} after {} s; pending validation: {}; written in hosted zone {zone}; {note}. Nothing is lost: run `idrv5-gw apply` again to keep waiting, or raise wait_seconds",
                    limit.as_secs(),
                    pending.join(", ")
                ),
            ));
        }
        aws.report_wait(
            &format!("certificate {domain} {status_text}"),
            elapsed,
            limit,
        );
        tokio::time::sleep(pause.min(limit.saturating_sub(elapsed))).await;
        pause = (pause * 2).min(Duration::from_secs(15));
    }
}

/// One sentence on whether public DNS delegates the zone to the hosted zone we wrote to.
async fn check_delegation(aws: &Aws, zone: &str) -> String {
    let Ok(Some(z)) = super::route53::find_zone(aws, zone).await else {
        return format!("hosted zone {zone} not found");
    };
    let ours = super::route53::zone_name_servers(aws, &z.id)
        .await
        .unwrap_or_default();
    let name = z.name.trim_end_matches('.');
    let public = delegation::public_name_servers(name, Duration::from_secs(3)).await;
    let verdict = delegation::verdict(&ours, public.as_deref());
    delegation::describe(name, &verdict)
}

fn endpoint(ep: &str) -> EndpointConfiguration {
    EndpointConfiguration::builder()
        .types(EndpointType::from(ep))
        .build()
}

async fn create_domain(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let p = after(ch);
    let cert = str_of(p, "certificate_arn");
    ensure_issued(aws, ch, &cert).await?;
    let ep = str_of(p, "endpoint_type");
    let mut t = tags_with_zone(ch, owner);
    if pay(ch, "mapped") == Some(Value::Bool(true)) {
        t.insert(TAG_MAPPED.into(), "true".into());
    }
    let name = str_of(p, "domain_name");
    let r = aws
        .call(|| {
            let mut q = aws
                .apigw
                .create_domain_name()
                .domain_name(&name)
                .endpoint_configuration(endpoint(&ep))
                .security_policy(SecurityPolicy::from(str_of(p, "security_policy").as_str()))
                .set_tags(Some(t.clone()));
            q = if ep == "EDGE" {
                q.certificate_arn(&cert)
            } else {
                q.regional_certificate_arn(&cert)
            };
            q.send()
        })
        .await?;
    let (target, zone) = if ep == "EDGE" {
        (
            r.distribution_domain_name(),
            r.distribution_hosted_zone_id(),
        )
    } else {
        (r.regional_domain_name(), r.regional_hosted_zone_id())
    };
    Ok([
        ("name".to_string(), name.clone()),
        (
            "target".to_string(),
            target.unwrap_or_default().to_ascii_lowercase(),
        ),
        (
            "target_zone_id".to_string(),
            zone.unwrap_or_default().to_string(),
        ),
        ("certificate_arn".to_string(), cert),
    ]
    .into())
}

/// A new certificate (or TLS policy) is swapped in place: the domain and its DNS stay.
async fn update_domain(aws: &Aws, ch: &Change) -> Result<Out, AwsError> {
    let (p, b) = (after(ch), before(ch));
    let name = str_of(p, "domain_name");
    let cert = str_of(p, "certificate_arn");
    let mut ops = Vec::new();
    if cert != str_of(b, "certificate_arn") {
        ensure_issued(aws, ch, &cert).await?;
        let path = if str_of(p, "endpoint_type") == "EDGE" {
            "/certificateArn"
        } else {
            "/regionalCertificateArn"
        };
        ops.push(patch(Op::Replace, path, Some(cert.clone())));
    }
    let policy = str_of(p, "security_policy");
    if policy != str_of(b, "security_policy") {
        ops.push(patch(Op::Replace, "/securityPolicy", Some(policy)));
    }
    if !ops.is_empty() {
        aws.call(|| {
            aws.apigw
                .update_domain_name()
                .domain_name(&name)
                .set_patch_operations(Some(ops.clone()))
                .send()
        })
        .await?;
    }
    let mut out = ch.live_outputs.clone();
    out.insert("certificate_arn".into(), cert);
    Ok(out)
}

async fn put_mapping(aws: &Aws, ch: &Change, action: Action) -> Result<Out, AwsError> {
    let p: BasePathMapping = crate::providers::kit::typed(after(ch))?;
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
        match r {
            // Made by an attempt whose answer was lost; the next plan compares its target.
            Err(e) if e.has_code("ConflictException") => {}
            other => {
                other?;
            }
        }
    } else {
        // The spec's PATCH table, for what the plan found changed (API, stage or both).
        let ops = crate::providers::kit::patches(ch);
        aws.call(|| {
            aws.apigw
                .update_base_path_mapping()
                .domain_name(&domain)
                .base_path(&base)
                .set_patch_operations(Some(ops.clone()))
                .send()
        })
        .await?;
    }
    Ok([("base_path".to_string(), base)].into())
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let b = before(ch);
    let r = match ch.kind {
        Kind::Certificate => {
            let region = str_of(b, "region");
            let c = acm(aws, &region);
            let arn = ch.live_outputs.get("arn").cloned().unwrap_or_default();
            // A domain just deleted keeps the certificate "in use" for a little while.
            let mut attempt = 0;
            loop {
                attempt += 1;
                let r = aws
                    .call(|| c.delete_certificate().certificate_arn(&arn).send())
                    .await;
                match r {
                    Err(e) if e.has_code("ResourceInUseException") && attempt < 12 => {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                    }
                    other => break other.map(|_| ()),
                }
            }
        }
        Kind::DomainName => {
            let name = str_of(b, "domain_name");
            aws.call(|| aws.apigw.delete_domain_name().domain_name(&name).send())
                .await
                .map(|_| ())
        }
        _ => {
            let (domain, base) = (str_of(b, "domain_name"), str_of(b, "base_path"));
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
