//! `import`: the `edge.waf` section that makes again the web ACL (and its IP sets) a stack
//! already owns, or adopts, on an imported API's stages (`model::edge` read backwards). Rules are
//! written in the stack's own forms (managed group, rate limit, geo block, IP set); one of
//! another form, is named, not dropped; and the custom domains mapped to the imported APIs.

use super::edge::{metric_name, WEB_ACL_ID};
use super::kinds::web_acl::{Statement, Visibility};
use super::kinds::{ApiMapping, BasePathMapping, Certificate, DomainName, IpSet, Typed, WebAcl};
use super::{Kind, LiveResource};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The section for the API `key`, from the stack's live WAF items; none without an ACL.
pub fn waf(live: &[LiveResource], key: &str, left: &mut Vec<String>) -> Option<Value> {
    let acl_live = live
        .iter()
        .find(|r| r.kind == Kind::WebAcl && r.id == WEB_ACL_ID)?;
    let acl = WebAcl::from_props(&acl_live.props).ok()?;
    let mut sets = Map::new();
    let mut by_arn = std::collections::HashMap::new();
    for r in live.iter().filter(|r| r.kind == Kind::IpSet) {
        let (Some(k), Ok(s)) = (r.id.strip_prefix("ip_set."), IpSet::from_props(&r.props)) else {
            continue;
        };
        if let Some(arn) = r.outputs.get("arn") {
            by_arn.insert(arn.clone(), k.to_string());
        }
        let mut v = json!({"name": s.name, "ip_version": s.ip_version, "addresses": s.addresses});
        if !s.description.is_empty() {
            v["description"] = json!(s.description);
        }
        adopt(&mut v, r);
        sets.insert(k.to_string(), v);
    }
    let mut rules = Map::new();
    for r in &acl.rules {
        let mut v = json!({"priority": r.priority});
        if let Some(m) = r.metric.as_ref().filter(|m| **m != metric_name(&r.name)) {
            v["metric_name"] = json!(m);
        }
        visibility(&mut v, r.visibility);
        match &r.statement {
            Statement::Managed {
                vendor,
                name,
                count_rules,
            } => {
                v["managed"] = json!(name);
                if vendor != "AWS" {
                    v["vendor"] = json!(vendor);
                }
                if r.override_action.as_deref() == Some("COUNT") {
                    v["count"] = json!(true);
                }
                if !count_rules.is_empty() {
                    v["count_rules"] = json!(count_rules);
                }
            }
            Statement::RateBased { limit, aggregate } if aggregate == "IP" => {
                v["rate_limit"] = json!(limit)
            }
            Statement::GeoMatch { countries } => v["geo_block"] = json!(countries),
            Statement::IpSet { arn } if by_arn.contains_key(arn) => {
                v["ip_set"] = json!(by_arn[arn])
            }
            other => {
                left.push(format!(
                    "web ACL {} rule {}: a form the stack file cannot say ({other:?})",
                    acl.name, r.name
                ));
                continue;
            }
        }
        if let Some(a) = &r.action {
            v["action"] = json!(a);
        }
        rules.insert(r.name.clone(), v);
    }
    let stages: Vec<Value> = live
        .iter()
        .filter(|r| r.kind == Kind::WebAclAssociation)
        .filter(|r| r.name.split_once('.').is_some_and(|(api, _)| api == key))
        .map(|r| json!(r.name))
        .collect();
    let mut w = json!({
        "name": acl.name,
        "default_action": acl.default_action.action.clone().unwrap_or_else(|| "ALLOW".into()),
        "ip_sets": sets,
        "rules": rules,
        "stages": stages,
    });
    if !acl.description.is_empty() {
        w["description"] = json!(acl.description);
    }
    if acl.scope != "REGIONAL" {
        w["scope"] = json!(acl.scope);
    }
    if let Some(m) = acl
        .metric
        .as_ref()
        .filter(|m| **m != metric_name(&acl.name))
    {
        w["metric_name"] = json!(m);
    }
    visibility(&mut w, acl.visibility);
    adopt(&mut w, acl_live);
    let d = &acl.default_action;
    if let Some(body) = &d.body {
        let mut b = json!({"body": body});
        if let Some(s) = d.status {
            b["status"] = json!(s);
        }
        if let Some(c) = &d.content_type {
            b["content_type"] = json!(c);
        }
        w["block_response"] = b;
    }
    Some(w)
}

/// `adopt: <id>` on the entry of an item no stack owned.
fn adopt(entry: &mut Value, r: &LiveResource) {
    if r.outputs.contains_key(super::owner::ADOPTED) {
        entry["adopt"] = json!(r.outputs.get("id"));
    }
}

/// `edge.domains`: each custom domain the stack owns (or adopts) with a mapping to an imported API
/// (`apis`: live id → its key in the stack), its zone, endpoint type, certificate names and
/// mappings (REST base path mappings and v2 API mappings alike). The certificate, its
/// validation records and the alias records follow from these, as `model::edge` makes them.
pub fn domains(
    live: &[LiveResource],
    apis: &HashMap<String, String>,
    left: &mut Vec<String>,
) -> Option<Value> {
    let mut out = Map::new();
    for r in live.iter().filter(|r| r.kind == Kind::DomainName) {
        let (Some(dkey), Ok(d)) = (
            r.id.strip_prefix("domain_name."),
            DomainName::from_props(&r.props),
        ) else {
            continue;
        };
        let mut mappings = Map::new();
        let mut ours = false;
        // (domain, base path, API id, stage) of every mapping, whichever API reads it.
        let all = live.iter().filter_map(|m| match m.kind {
            Kind::BasePathMapping => BasePathMapping::from_props(&m.props).ok().map(|m| {
                (
                    m.domain_name,
                    m.base_path,
                    m.rest_api_id.unwrap_or_default(),
                    m.stage,
                )
            }),
            Kind::ApiMapping => ApiMapping::from_props(&m.props).ok().map(|m| {
                let path = if m.api_mapping_key.is_empty() {
                    "(none)".to_string()
                } else {
                    m.api_mapping_key
                };
                (m.domain_name, path, m.api_id, Some(m.stage))
            }),
            _ => None,
        });
        for (domain, path, api_id, stage) in all {
            if domain != d.domain_name {
                continue;
            }
            match apis.get(&api_id) {
                Some(key) => {
                    ours = true;
                    mappings.insert(path, json!(format!("{key}.{}", stage.unwrap_or_default())));
                }
                None => left.push(format!(
                    "custom domain {}: its mapping {path} goes to another API ({api_id}), not written",
                    d.domain_name
                )),
            }
        }
        if !ours {
            continue;
        }
        let Some(zone) = r.outputs.get("zone") else {
            left.push(format!(
                "custom domain {}: no hosted zone is recorded on it",
                d.domain_name
            ));
            continue;
        };
        let mut v =
            json!({"domain_name": d.domain_name, "hosted_zone": zone, "mappings": mappings});
        if d.endpoint_type != "REGIONAL" {
            v["endpoint_type"] = json!(d.endpoint_type);
        }
        let cert = live
            .iter()
            .find(|c| c.kind == Kind::Certificate && c.id == format!("certificate.{dkey}"))
            .and_then(|c| Certificate::from_props(&c.props).ok());
        if let Some(c) = cert.as_ref().filter(|c| c.domain_name != d.domain_name) {
            left.push(format!(
                "custom domain {}: its certificate is for {}, the stack's is for the domain itself (the plan replaces it)",
                d.domain_name, c.domain_name
            ));
        }
        if let Some(c) = cert.filter(|c| !c.subject_alternative_names.is_empty()) {
            v["subject_alternative_names"] = json!(c.subject_alternative_names);
        }
        if r.outputs.contains_key(super::owner::ADOPTED) {
            v["adopt"] = json!(true);
        }
        let aaaa = format!("dns_record.{dkey}.AAAA");
        if !live.iter().any(|x| x.id == aaaa) {
            v["ipv6"] = json!(false);
        }
        out.insert(dkey.to_string(), v);
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// What the domains written under `keys` hand over from Terraform: each domain's name, its
/// certificate's ARN, and its records (alias, and validation as the certificate names them).
pub fn took_domains(live: &[LiveResource], keys: &[String], took: &mut super::terraform::Took) {
    for key in keys {
        let of = |id: String| live.iter().find(|r| r.id == id);
        if let Some(d) = of(format!("domain_name.{key}")) {
            took.domains.push(d.name.clone());
        }
        if let Some(c) = of(format!("certificate.{key}")) {
            took.certificates.extend(c.outputs.get("arn").cloned());
            let names = c.outputs.iter().filter(|(k, _)| k.starts_with("vname"));
            took.records
                .extend(names.map(|(_, n)| format!("{} CNAME", super::edge::fqdn(n))));
        }
        let prefix = format!("dns_record.{key}.");
        for r in live.iter().filter(|r| r.id.starts_with(&prefix)) {
            let (name, t) = (r.props.get("name"), r.props.get("type"));
            if let (Some(n), Some(t)) = (name.and_then(Value::as_str), t.and_then(Value::as_str)) {
                took.records.push(format!("{} {t}", super::edge::fqdn(n)));
            }
        }
    }
}

/// What a hand-made ACL or rule switched off (the stack's default is on).
fn visibility(v: &mut Value, vis: Visibility) {
    if !vis.cloudwatch_metrics {
        v["cloudwatch_metrics"] = json!(false);
    }
    if !vis.sampled_requests {
        v["sampled_requests"] = json!(false);
    }
}
