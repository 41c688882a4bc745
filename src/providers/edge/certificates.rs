//! ACM certificates with DNS validation: read by tag, requested with an idempotency token,
//! and waited for until ISSUED before a custom domain may use them.
//!
//! The wait reports progress through `Aws::report_wait`, or with `--no-wait` defers the domain
//! to a later apply. Before a long wait it checks that public DNS delegates the zone to the
//! hosted zone the validation records were written into, and says so; a timeout names the
//! records still pending.

use crate::dns as delegation;
use crate::model::edge::cert_names;
use crate::model::kinds::{Certificate, Typed};
use crate::model::owner::{other_owner, owned, ADOPTED, TAG_ZONE};
use crate::model::{Kind, LiveResource, LiveState};
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use crate::providers::kit::{after, before, err, tags, typed, Out};
use aws_sdk_acm::types::{CertificateStatus, Tag as AcmTag, ValidationMethod};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

pub(super) fn pay(ch: &Change, key: &str) -> Option<Value> {
    ch.payload.as_ref().and_then(|p| p.get(key)).cloned()
}

pub(super) fn pay_str(ch: &Change, key: &str) -> Option<String> {
    pay(ch, key).and_then(|v| v.as_str().map(str::to_string))
}

/// The ownership tags plus the hosted zone, so a later read knows which zone to list.
pub(super) fn tags_with_zone(ch: &Change, owner: &str) -> HashMap<String, String> {
    let mut t = tags(ch, owner);
    if let Some(z) = pay_str(ch, "zone") {
        t.insert(TAG_ZONE.into(), z);
    }
    t
}
fn acm<'a>(aws: &'a Aws, region: &str) -> &'a aws_sdk_acm::Client {
    if region == "us-east-1" && aws.region != "us-east-1" {
        &aws.acm_us_east_1
    } else {
        &aws.acm
    }
}
/// Reads the owned certificates of `region`, and the untagged ones `adopt` names (ARN →
/// the stack's id: those adopted domains use), marked adopted.
pub(super) async fn read(
    aws: &Aws,
    owner: &str,
    region: &str,
    adopt: &HashMap<String, String>,
    live: &mut LiveState,
    zones: &mut Vec<String>,
) -> Result<(), AwsError> {
    let c = acm(aws, region);
    let pages = pages::all(aws, |token| {
        c.list_certificates()
            .max_items(1000)
            .set_next_token(token)
            .send()
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
        let adopted = adopt
            .get(arn)
            .filter(|_| other_owner(&tags, owner).is_none());
        let Some((id, protect)) = owned(&tags, owner).or(adopted.map(|id| (id.clone(), false)))
        else {
            continue;
        };
        if let Some(z) = tags.get(TAG_ZONE) {
            zones.push(z.clone());
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
        if adopted.is_some() && owned(&tags, owner).is_none() {
            outputs.insert(ADOPTED.into(), "true".into());
        }
        let props = Certificate {
            domain_name: domain.clone(),
            subject_alternative_names: names[1..].to_vec(),
            region: region.to_string(),
            validation: "DNS".into(),
        }
        .to_props();
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

pub(super) async fn put(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let Certificate {
        domain_name: domain,
        subject_alternative_names: sans,
        region,
        ..
    } = typed(after(ch))?;
    let c = acm(aws, &region);
    let acm_tags = tags_with_zone(ch, owner)
        .into_iter()
        .map(|(k, v)| AcmTag::builder().key(k).value(v).build().map_err(acm_err))
        .collect::<Result<Vec<_>, _>>()?;
    // Adopted (it covers what the stack says; anything else would be a replace): tagged.
    if ch.adopt && ch.action == crate::plan::Action::Update {
        let arn = ch.live_outputs.get("arn").cloned().unwrap_or_default();
        aws.call(|| {
            c.add_tags_to_certificate()
                .certificate_arn(&arn)
                .set_tags(Some(acm_tags.clone()))
                .send()
        })
        .await?;
        return Ok(ch.live_outputs.clone());
    }
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
pub(super) async fn ensure_issued(aws: &Aws, ch: &Change, cert_arn: &str) -> Result<(), AwsError> {
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
                "the certificate for {domain} is {status_text} (--no-wait): its validation records are in hosted zone {zone}; {note}. Run `{}` again once it is ISSUED to create the domain",
                crate::util::rerun("apply")
            )));
        }
        let elapsed = started.elapsed();
        if elapsed >= limit {
            return Err(err(
                "DescribeCertificate",
                "ValidationTimeout",
                format!(
                    "the certificate for {domain} is still {status_text} after {} s; pending validation: {}; written in hosted zone {zone}; {note}. Nothing is lost: run `{}` again to keep waiting, or raise wait_seconds",
                    limit.as_secs(),
                    pending.join(", "),
                    crate::util::rerun("apply")
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

pub(super) async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let c = acm(aws, &typed::<Certificate>(before(ch))?.region);
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
            Err(e) if e.is_not_found() => return Ok(()),
            other => return other.map(|_| ()),
        }
    }
}
