//! Route53 records: validation CNAMEs and alias A/AAAA records. Route53 has no tags on
//! records, so ownership is a TXT record beside each one (as external-dns does):
//! `idrv5-gw-<type>.<name>` holding `heritage=idrv5-gw,owner=<stack/env>,resource=<id>`.
//! Both are written in one atomic change batch. A record the stack wants whose name and type
//! exist without our TXT is a conflict: the plan fails naming it, nothing is changed; unless
//! the stack adopts it with its custom domain (`adopt: true`): then the TXT is written.

use crate::diag::Diagnostic;
use crate::model::edge::fqdn;
use crate::model::kinds::{Alias, DnsRecord, Typed};
use crate::model::owner::{ADOPT, ADOPTED};
use crate::model::{Kind, LiveResource, LiveState, Outputs, Resource};
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::Out;
use crate::providers::kit::{after, before, err, str_of, typed};
use aws_sdk_route53::types::{
    AliasTarget, Change as RChange, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
    RrType,
};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// A hosted zone: id without the `/hostedzone/` prefix, name with the trailing dot.
#[derive(Debug, Clone)]
pub struct Zone {
    pub id: String,
    pub name: String,
}

/// Route53 escapes `*` and some characters as `\052`; compare names unescaped.
fn unescape(name: &str) -> String {
    fqdn(&name.replace("\\052", "*"))
}

pub fn owner_name(name: &str, rtype: &str) -> String {
    format!("idrv5-gw-{}.{}", rtype.to_ascii_lowercase(), fqdn(name))
}

fn owner_value(owner: &str, id: &str) -> String {
    format!("\"heritage=idrv5-gw,owner={owner},resource={id}\"")
}

/// (owner, resource id) from an ownership TXT value.
fn parse_owner(value: &str) -> Option<(String, String)> {
    let v = value.trim_matches('"');
    let rest = v.strip_prefix("heritage=idrv5-gw,owner=")?;
    let (owner, id) = rest.split_once(",resource=")?;
    Some((owner.to_string(), id.to_string()))
}

/// Find a zone by id (`Z…`) or name; a public zone wins over a private one of the same name.
pub async fn find_zone(aws: &Aws, zone: &str) -> Result<Option<Zone>, AwsError> {
    let z = zone.trim_start_matches("/hostedzone/");
    if !z.contains('.') && z.starts_with('Z') {
        let got = aws
            .call(|| aws.route53.get_hosted_zone().id(z).send())
            .await;
        return match got {
            Ok(g) => Ok(g.hosted_zone().map(|h| Zone {
                id: h.id().trim_start_matches("/hostedzone/").to_string(),
                name: fqdn(h.name()),
            })),
            Err(e) if e.is_not_found() || e.has_code("NoSuchHostedZone") => Ok(None),
            Err(e) => Err(e),
        };
    }
    let want = fqdn(z);
    let page = aws
        .call(|| {
            aws.route53
                .list_hosted_zones_by_name()
                .dns_name(&want)
                .max_items(10)
                .send()
        })
        .await?;
    let mut found: Vec<_> = page
        .hosted_zones()
        .iter()
        .filter(|h| fqdn(h.name()) == want)
        .collect();
    found.sort_by_key(|h| h.config().is_some_and(|c| c.private_zone()));
    Ok(found.first().map(|h| Zone {
        id: h.id().trim_start_matches("/hostedzone/").to_string(),
        name: want.clone(),
    }))
}

/// The hosted zone's own name servers (its delegation set), for the delegation check.
pub async fn zone_name_servers(aws: &Aws, zone_id: &str) -> Result<Vec<String>, AwsError> {
    let g = aws
        .call(|| aws.route53.get_hosted_zone().id(zone_id).send())
        .await?;
    Ok(g.delegation_set()
        .map(|d| d.name_servers().to_vec())
        .unwrap_or_default())
}

async fn list_all(aws: &Aws, zone_id: &str) -> Result<Vec<ResourceRecordSet>, AwsError> {
    let mut out = Vec::new();
    let mut next: Option<(String, RrType)> = None;
    loop {
        let page = aws
            .call(|| {
                let mut q = aws
                    .route53
                    .list_resource_record_sets()
                    .hosted_zone_id(zone_id);
                if let Some((n, t)) = &next {
                    q = q.start_record_name(n).start_record_type(t.clone());
                }
                q.send()
            })
            .await?;
        out.extend(page.resource_record_sets().iter().cloned());
        match (
            page.is_truncated(),
            page.next_record_name(),
            page.next_record_type(),
        ) {
            (true, Some(n), Some(t)) => next = Some((n.to_string(), t.clone())),
            _ => return Ok(out),
        }
    }
}

/// The props a record set reads back as, in the shape `model::edge` gives desired ones.
fn record_props(zone: &str, set: &ResourceRecordSet) -> DnsRecord {
    let mut r = DnsRecord {
        zone: zone.to_string(),
        name: unescape(set.name()),
        record_type: set.r#type().as_str().to_string(),
        ..Default::default()
    };
    match set.alias_target() {
        Some(a) => {
            r.alias = Some(Alias {
                dns_name: a.dns_name().trim_end_matches('.').to_ascii_lowercase(),
                zone_id: a.hosted_zone_id().to_string(),
            })
        }
        None => {
            r.ttl = set.ttl();
            r.values = Some(
                set.resource_records()
                    .iter()
                    .map(|r| r.value().to_string())
                    .collect(),
            );
        }
    }
    r
}

/// Read the owned records of every zone the stack names or an owned item was tagged with;
/// returns conflicts: records the stack wants that exist and are not its own.
pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    zones: &[String],
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let wanted: Vec<&Resource> = desired
        .iter()
        .filter(|r| r.kind == Kind::DnsRecord)
        .collect();
    let mut names: BTreeSet<String> = wanted.iter().map(|r| str_of(&r.props, "zone")).collect();
    names.extend(zones.iter().cloned());
    let mut conflicts = Vec::new();
    // Only an adopting stack resolves names against what was read (its certificates).
    let adopts = wanted
        .iter()
        .any(|r| r.payload.as_ref().is_some_and(|p| p.get(ADOPT).is_some()));
    let outputs: crate::refs::Outputs = match adopts {
        true => live
            .resources
            .values()
            .map(|r| (r.id.clone(), r.outputs.clone()))
            .collect(),
        false => Default::default(),
    };
    for zone in names {
        let Some(z) = find_zone(aws, &zone).await? else {
            if wanted.iter().any(|r| str_of(&r.props, "zone") == zone) {
                conflicts.push(
                    Diagnostic::error("dns", format!("hosted zone `{zone}` not found"))
                        .hint("create the hosted zone (idrv5-gw writes records into it, never creates it) or fix edge.domains.<key>.hosted_zone"),
                );
            }
            continue;
        };
        let sets = list_all(aws, &z.id).await?;
        let by_key: BTreeMap<(String, String), &ResourceRecordSet> = sets
            .iter()
            .map(|s| ((unescape(s.name()), s.r#type().as_str().to_string()), s))
            .collect();
        // Ownership TXT records: (name, type) → (owner, resource id).
        let mut owners: BTreeMap<(String, String), (String, String)> = BTreeMap::new();
        for s in sets.iter().filter(|s| s.r#type() == &RrType::Txt) {
            let name = unescape(s.name());
            let Some(rest) = name.strip_prefix("idrv5-gw-") else {
                continue;
            };
            let Some((t, target)) = rest.split_once('.') else {
                continue;
            };
            if let Some(o) = s
                .resource_records()
                .iter()
                .find_map(|r| parse_owner(r.value()))
            {
                owners.insert((target.to_string(), t.to_ascii_uppercase()), o);
            }
        }
        for ((name, t), (o, id)) in &owners {
            if o != owner {
                continue;
            }
            let props = match by_key.get(&(name.clone(), t.clone())) {
                Some(set) => record_props(&zone, set),
                // Only the TXT is left (e.g. the record was removed by hand): still ours.
                None => DnsRecord {
                    zone: zone.clone(),
                    name: name.clone(),
                    record_type: t.clone(),
                    ..Default::default()
                },
            }
            .to_props();
            live.insert(LiveResource::new(
                id.clone(),
                Kind::DnsRecord,
                format!("{} {t}", name.trim_end_matches('.')),
                props,
                [("zone_id".to_string(), z.id.clone())].into(),
            ));
        }
        for r in wanted.iter().filter(|r| str_of(&r.props, "zone") == zone) {
            let adopting = r.payload.as_ref().is_some_and(|p| p.get(ADOPT).is_some());
            let mut name = str_of(&r.props, "name");
            if adopting {
                // A validation record's name is the adopted certificate's, read already.
                name = crate::refs::resolve(&json!(name), &outputs)
                    .as_str()
                    .unwrap_or_default()
                    .into();
            }
            if name.contains("{{") {
                continue; // not known until the certificate exists; `put` checks again
            }
            let key = (fqdn(&name), str_of(&r.props, "type"));
            let Some(set) = by_key.get(&key) else {
                continue;
            };
            match owners.get(&key) {
                Some((o, id)) if o == owner && *id == r.id => {}
                None if adopting => {
                    live.insert(LiveResource::new(
                        r.id.clone(),
                        Kind::DnsRecord,
                        format!("{} {}", key.0.trim_end_matches('.'), key.1),
                        record_props(&zone, set).to_props(),
                        [
                            ("zone_id".to_string(), z.id.clone()),
                            (ADOPTED.to_string(), "true".to_string()),
                        ]
                        .into(),
                    ));
                }
                other => conflicts.push(conflict(&zone, &key.0, &key.1, other.map(|o| &o.0))),
            }
        }
    }
    Ok(conflicts)
}

fn conflict(zone: &str, name: &str, t: &str, by: Option<&String>) -> Diagnostic {
    let whose = match by {
        Some(o) => format!("owned by idrv5-gw stack {o}"),
        None => format!(
            "not owned by idrv5-gw (no TXT record {})",
            owner_name(name, t)
        ),
    };
    Diagnostic::error(
        "ownership",
        format!("DNS record {name} {t} in hosted zone {zone} already exists, {whose}"),
    )
    .hint("idrv5-gw never changes records it does not own: delete or rename that record, or choose another domain_name")
}

fn build_err(e: impl std::fmt::Display) -> AwsError {
    err(
        "ChangeResourceRecordSets",
        "InvalidChangeBatch",
        e.to_string(),
    )
}

fn set_of(r: &DnsRecord) -> Result<ResourceRecordSet, AwsError> {
    let b = ResourceRecordSet::builder()
        .name(&r.name)
        .r#type(RrType::from(r.record_type.as_str()));
    let b = match &r.alias {
        Some(a) => b.alias_target(
            AliasTarget::builder()
                .dns_name(&a.dns_name)
                .hosted_zone_id(&a.zone_id)
                .evaluate_target_health(false)
                .build()
                .map_err(build_err)?,
        ),
        None => {
            let records = r.values.iter().flatten().map(|v| {
                ResourceRecord::builder()
                    .value(v)
                    .build()
                    .map_err(build_err)
            });
            let records: Vec<ResourceRecord> = records.collect::<Result<_, _>>()?;
            b.ttl(r.ttl.unwrap_or(300))
                .set_resource_records(Some(records).filter(|r| !r.is_empty()))
        }
    };
    b.build().map_err(build_err)
}

fn txt_set(name: &str, t: &str, owner: &str, id: &str) -> Result<ResourceRecordSet, AwsError> {
    ResourceRecordSet::builder()
        .name(owner_name(name, t))
        .r#type(RrType::Txt)
        .ttl(300)
        .resource_records(
            ResourceRecord::builder()
                .value(owner_value(owner, id))
                .build()
                .map_err(build_err)?,
        )
        .build()
        .map_err(build_err)
}

fn change(action: ChangeAction, set: ResourceRecordSet) -> Result<RChange, AwsError> {
    RChange::builder()
        .action(action)
        .resource_record_set(set)
        .build()
        .map_err(build_err)
}

async fn send(aws: &Aws, zone_id: &str, changes: Vec<RChange>) -> Result<(), AwsError> {
    let batch = ChangeBatch::builder()
        .set_changes(Some(changes))
        .comment("idrv5-gw")
        .build()
        .map_err(build_err)?;
    aws.call(|| {
        aws.route53
            .change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(batch.clone())
            .send()
    })
    .await
    .map(|_| ())
}

/// What exists now at (name, type) and at its ownership TXT name.
async fn current(
    aws: &Aws,
    zone_id: &str,
    name: &str,
    t: &str,
) -> Result<(Option<ResourceRecordSet>, Option<ResourceRecordSet>), AwsError> {
    let mut found = (None, None);
    for (n, ty) in [
        (fqdn(name), t.to_string()),
        (owner_name(name, t), "TXT".into()),
    ] {
        let page = aws
            .call(|| {
                aws.route53
                    .list_resource_record_sets()
                    .hosted_zone_id(zone_id)
                    .start_record_name(&n)
                    .start_record_type(RrType::from(ty.as_str()))
                    .max_items(1)
                    .send()
            })
            .await?;
        let hit = page
            .resource_record_sets()
            .iter()
            .find(|s| unescape(s.name()) == n && s.r#type().as_str() == ty)
            .cloned();
        if ty == "TXT" {
            found.1 = hit;
        } else {
            found.0 = hit;
        }
    }
    Ok(found)
}

async fn zone_id(aws: &Aws, ch: &Change, zone: &str) -> Result<String, AwsError> {
    if let Some(id) = ch.live_outputs.get("zone_id") {
        return Ok(id.clone());
    }
    find_zone(aws, zone).await?.map(|z| z.id).ok_or_else(|| {
        err(
            "ListHostedZonesByName",
            "NoSuchHostedZone",
            format!("{}: hosted zone `{zone}` not found", ch.id),
        )
    })
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let r: DnsRecord = typed(after(ch))?;
    let (name, t) = (r.name.clone(), r.record_type.clone());
    let zid = zone_id(aws, ch, &r.zone).await?;
    // The plan checked names it knew; a validation record's name is only known now.
    let (existing, txt) = current(aws, &zid, &name, &t).await?;
    let ours = txt.as_ref().and_then(|s| {
        s.resource_records()
            .iter()
            .find_map(|r| parse_owner(r.value()))
    });
    let mine = ours
        .as_ref()
        .is_some_and(|(o, id)| o == owner && *id == ch.id);
    // An adopted record is one without an owner: its TXT is written beside it now.
    let adopted = ch.adopt && ours.is_none();
    if existing.is_some() && !mine && !adopted {
        let by = ours.map(|o| o.0);
        return Err(err(
            "ChangeResourceRecordSets",
            "Conflict",
            conflict(&r.zone, &fqdn(&name), &t, by.as_ref()).to_string(),
        ));
    }
    send(
        aws,
        &zid,
        vec![
            change(ChangeAction::Upsert, txt_set(&name, &t, owner, &ch.id)?)?,
            change(ChangeAction::Upsert, set_of(&r)?)?,
        ],
    )
    .await?;
    Ok([
        ("zone_id".to_string(), zid),
        ("record".to_string(), format!("{} {t}", fqdn(&name))),
    ]
    .into())
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    let r: DnsRecord = typed(before(ch))?;
    let (name, t) = (r.name, r.record_type);
    // The old copy of a replaced record whose new copy landed on the same name and type
    // (ACM gives a domain the same validation CNAME for every certificate): it is the new
    // copy's now, so there is nothing to delete.
    if let Some(new_id) = ch.id.strip_suffix(crate::plan::diff::OLD) {
        let record = outputs.get(new_id).and_then(|o| o.get("record"));
        if record == Some(&format!("{} {t}", fqdn(&name))) {
            return Ok(());
        }
    }
    let zid = match zone_id(aws, ch, &r.zone).await {
        Ok(z) => z,
        Err(e) if e.has_code("NoSuchHostedZone") => return Ok(()),
        Err(e) => return Err(e),
    };
    // Delete exactly what is there (Route53 wants the current values).
    let (existing, txt) = current(aws, &zid, &name, &t).await?;
    let changes = [existing, txt]
        .into_iter()
        .flatten()
        .map(|s| change(ChangeAction::Delete, s))
        .collect::<Result<Vec<_>, _>>()?;
    if changes.is_empty() {
        return Ok(());
    }
    send(aws, &zid, changes).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_txt_round_trips_and_names_the_record_type() {
        assert_eq!(
            owner_name("Api.Example.com", "AAAA"),
            "idrv5-gw-aaaa.api.example.com."
        );
        let v = owner_value("idrv5/prod", "dns_record.api.A");
        assert_eq!(
            parse_owner(&v),
            Some(("idrv5/prod".into(), "dns_record.api.A".into()))
        );
        assert_eq!(parse_owner("\"v=spf1 -all\""), None);
    }
}
