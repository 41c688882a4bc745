//! `import`: the `edge.waf` section that makes again the web ACL (and its IP sets) a stack
//! already owns on an imported API's stages (`model::edge` read backwards). Rules are
//! written in the stack's own forms (managed group, rate limit, geo block, IP set); one of
//! another form, and the custom domains, are named, not dropped.

use super::edge::WEB_ACL_ID;
use super::kinds::web_acl::Statement;
use super::kinds::{IpSet, Typed, WebAcl};
use super::{Kind, LiveResource};
use serde_json::{json, Map, Value};

/// The section for the API `key`, from the stack's live WAF items; none without an ACL.
pub fn waf(live: &[LiveResource], key: &str, left: &mut Vec<String>) -> Option<Value> {
    let acl = live
        .iter()
        .find(|r| r.kind == Kind::WebAcl && r.id == WEB_ACL_ID)
        .and_then(|r| WebAcl::from_props(&r.props).ok())?;
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
        sets.insert(k.to_string(), v);
    }
    let mut rules = Map::new();
    for r in &acl.rules {
        let mut v = json!({"priority": r.priority});
        if let Some(m) = &r.metric {
            v["metric_name"] = json!(m);
        }
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
    if let Some(m) = &acl.metric {
        w["metric_name"] = json!(m);
    }
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

/// The custom domains, certificates and DNS records the stack owns: not imported yet.
pub fn not_carried(live: &[LiveResource], left: &mut Vec<String>) {
    for r in live.iter().filter(|r| r.kind == Kind::DomainName) {
        left.push(format!(
            "custom domain {}: domains, their certificates, mappings and DNS records are not imported yet (the plan would delete them)",
            r.name
        ));
    }
}
