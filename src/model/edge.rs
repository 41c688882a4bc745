//! Config → the edge: WAF IP sets and a web ACL with its stage associations, ACM
//! certificates with DNS validation records, custom domains, base path mappings and alias
//! records.
//!
//! Ids: `ip_set.<key>`, `web_acl.waf`, `web_acl_association.<api>.<stage>`,
//! `certificate.<domain>`, `dns_record.<domain>.validation<i>`, `domain_name.<domain>`,
//! `base_path_mapping.<domain>.<path>`, `dns_record.<domain>.A` / `.AAAA`.
//! DNS props name the hosted zone as the stack does (name or id); the provider looks it up.

use super::kinds::web_acl::{self as acl, Statement};
use super::{kinds, ref_placeholder, Kind, Resource};
use crate::config::edge::{Domain, DomainEndpoint, Waf, WafAction, WafRule, WafScope};
use crate::config::Config;
use crate::diag::Diagnostic;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub const WEB_ACL_ID: &str = "web_acl.waf";

fn action_str(a: WafAction) -> &'static str {
    match a {
        WafAction::Allow => "ALLOW",
        WafAction::Block => "BLOCK",
        WafAction::Count => "COUNT",
    }
}

/// CloudWatch metric names allow letters, digits, `-` and `_`.
pub fn metric_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// All names a certificate covers, in a stable order (the domain first).
pub fn cert_names(domain: &str, sans: &[String]) -> Vec<String> {
    let mut rest: Vec<String> = sans
        .iter()
        .filter(|s| s.as_str() != domain)
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    rest.insert(0, domain.to_string());
    rest
}

/// A DNS name as Route53 gives it back: lowercase, with the trailing dot.
pub fn fqdn(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    if name.ends_with('.') {
        name
    } else {
        format!("{name}.")
    }
}

fn has_stage(cfg: &Config, api: &str, stage: &str) -> bool {
    cfg.file
        .rest_apis
        .get(api)
        .is_some_and(|a| a.stages.contains_key(stage))
}

/// What every part of the edge is built with.
struct Ctx<'a> {
    cfg: &'a Config,
    region: &'a str,
    protect: bool,
    payload: Value,
}

/// What the parts add up to.
#[derive(Default)]
struct Acc {
    out: Vec<Resource>,
    diags: Vec<Diagnostic>,
}

pub fn desire(cfg: &Config, region: &str) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let ctx = Ctx {
        cfg,
        region,
        protect: cfg.default_protect(),
        payload: json!({"tags": cfg.file.tags}),
    };
    let mut acc = Acc::default();
    let edge = &cfg.file.edge;
    if let Some(waf) = edge.waf.as_ref().filter(|w| w.enabled != Some(false)) {
        let scope = match waf.scope.unwrap_or(WafScope::Regional) {
            WafScope::Regional => "REGIONAL",
            WafScope::Cloudfront => "CLOUDFRONT",
        };
        ip_sets(&ctx, waf, scope, &mut acc);
        web_acl(&ctx, waf, scope, &mut acc);
        if scope == "REGIONAL" {
            associations(&ctx, waf, &mut acc);
        }
    }
    for (key, d) in &edge.domains {
        domain(&ctx, key, d, &mut acc);
    }
    if acc.diags.is_empty() {
        Ok(acc.out)
    } else {
        Err(acc.diags)
    }
}

fn waf_at(cfg: &Config, p: &[&str]) -> Option<crate::diag::Location> {
    cfg.locate(&[&["edge", "waf"], p].concat())
}

/// The IP sets the rules name.
fn ip_sets(ctx: &Ctx, waf: &Waf, scope: &str, acc: &mut Acc) {
    let Ctx { cfg, protect, .. } = *ctx;
    let payload = &ctx.payload;
    let (out, diags) = (&mut acc.out, &mut acc.diags);
    let at = |p: &[&str]| waf_at(cfg, p);
    for (key, set) in &waf.ip_sets {
        let version = set.ip_version.clone().unwrap_or_else(|| "IPV4".into());
        if version != "IPV4" && version != "IPV6" {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!("edge.waf.ip_sets.{key}.ip_version: `{version}`"),
                )
                .hint("write IPV4 or IPV6")
                .at(at(&["ip_sets", key])),
            );
        }
        let mut addrs: Vec<String> = set.addresses.clone();
        addrs.sort();
        addrs.dedup();
        let props = kinds::IpSet {
            name: set.name.clone().unwrap_or_else(|| cfg.default_name(key)),
            description: set.description.clone().unwrap_or_default(),
            scope: scope.to_string(),
            ip_version: version,
            addresses: addrs,
        };
        let mut r = Resource::typed(format!("ip_set.{key}"), key.clone(), &props);
        r.protect = protect;
        r.payload = Some(adopting(payload, set.adopt.as_deref()));
        out.push(r);
    }
}

/// The web ACL: its rules (managed groups, rate limits, geo blocks, IP sets) and default.
fn web_acl(ctx: &Ctx, waf: &Waf, scope: &str, acc: &mut Acc) {
    let Ctx { cfg, protect, .. } = *ctx;
    let at = |p: &[&str]| waf_at(cfg, p);
    let name = waf.name.clone().unwrap_or_else(|| cfg.default_name("waf"));
    let mut rules = Vec::new();
    let mut priorities = BTreeSet::new();
    for (rname, rule) in &waf.rules {
        let rat = at(&["rules", rname]);
        if !priorities.insert(rule.priority) {
            let msg = format!(
                "edge.waf.rules.{rname}: priority {} is used twice",
                rule.priority
            );
            acc.diags.push(
                Diagnostic::error("schema", msg)
                    .hint("give every rule its own priority")
                    .at(rat.clone()),
            );
        }
        match waf_rule(waf, rname, rule) {
            Ok(v) => rules.push(v),
            Err(d) => acc.diags.push(d.at(rat)),
        }
    }
    rules.sort_by_key(|r| r.priority);
    let default_action = waf.default_action.unwrap_or(WafAction::Allow);
    let mut default = acl::DefaultAction {
        action: Some(action_str(default_action).to_string()),
        ..Default::default()
    };
    if let Some(b) = &waf.block_response {
        if default_action != WafAction::Block {
            acc.diags.push(
                Diagnostic::error(
                    "schema",
                    "edge.waf.block_response is set but default_action is not BLOCK",
                )
                .hint("set `default_action: BLOCK`, or remove block_response")
                .at(at(&["block_response"])),
            );
        }
        default.status = Some(b.status.unwrap_or(403).into());
        default.body = Some(b.body.clone());
        default.content_type = Some(
            b.content_type
                .clone()
                .unwrap_or_else(|| "APPLICATION_JSON".into()),
        );
    }
    let props = kinds::WebAcl {
        metric: Some(metric_name(waf.metric_name.as_deref().unwrap_or(&name))),
        visibility: visibility(waf.cloudwatch_metrics, waf.sampled_requests),
        name: name.clone(),
        description: waf.description.clone().unwrap_or_default(),
        scope: scope.to_string(),
        default_action: default,
        rules,
    };
    let mut acl = Resource::typed(WEB_ACL_ID.into(), name, &props);
    acl.protect = protect;
    acl.payload = Some(adopting(&ctx.payload, waf.adopt.as_deref()));
    acc.out.push(acl);
}

fn visibility(metrics: Option<bool>, sampled: Option<bool>) -> acl::Visibility {
    acl::Visibility {
        cloudwatch_metrics: metrics.unwrap_or(true),
        sampled_requests: sampled.unwrap_or(true),
    }
}

/// The payload, with the id of the item to take over when there is one.
fn adopting(payload: &Value, adopt: Option<&str>) -> Value {
    let mut p = payload.clone();
    if let Some(id) = adopt {
        p[super::owner::ADOPT] = json!(id);
    }
    p
}

/// One rule of the ACL, of exactly one kind.
fn waf_rule(waf: &Waf, rname: &str, rule: &WafRule) -> Result<acl::Rule, Diagnostic> {
    let kinds = [
        rule.managed.is_some(),
        rule.rate_limit.is_some(),
        !rule.geo_block.is_empty(),
        rule.ip_set.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if kinds != 1 {
        return Err(Diagnostic::error(
            "schema",
            format!("edge.waf.rules.{rname}: {kinds} rule kinds given"),
        )
        .hint("give exactly one of `managed`, `rate_limit`, `geo_block`, `ip_set`"));
    }
    let action = |default| Some(action_str(rule.action.unwrap_or(default)).to_string());
    let (action, override_action, statement) = if let Some(group) = &rule.managed {
        let mut count_rules = rule.count_rules.clone();
        count_rules.sort();
        let over = if rule.count == Some(true) {
            "COUNT"
        } else {
            "NONE"
        };
        let st = Statement::Managed {
            vendor: rule.vendor.clone().unwrap_or_else(|| "AWS".into()),
            name: group.clone(),
            count_rules,
        };
        (None, Some(over.to_string()), st)
    } else if let Some(limit) = rule.rate_limit {
        let st = Statement::RateBased {
            limit,
            aggregate: "IP".into(),
        };
        (action(WafAction::Block), None, st)
    } else if !rule.geo_block.is_empty() {
        let mut countries = rule.geo_block.clone();
        countries.sort();
        (
            action(WafAction::Block),
            None,
            Statement::GeoMatch { countries },
        )
    } else {
        let set = rule.ip_set.as_deref().unwrap_or_default();
        if !waf.ip_sets.contains_key(set) {
            return Err(Diagnostic::error(
                "reference",
                format!("edge.waf.rules.{rname}: no ip set `{set}`"),
            )
            .hint("declare it under edge.waf.ip_sets"));
        }
        let arn = ref_placeholder(&format!("ip_set.{set}"), "arn");
        (action(WafAction::Allow), None, Statement::IpSet { arn })
    };
    Ok(acl::Rule {
        name: rname.to_string(),
        priority: rule.priority.into(),
        metric: Some(metric_name(rule.metric_name.as_deref().unwrap_or(rname))),
        visibility: visibility(rule.cloudwatch_metrics, rule.sampled_requests),
        action,
        override_action,
        statement,
    })
}

/// The REST API stages the ACL protects (all of them unless `stages` names some).
fn associations(ctx: &Ctx, waf: &Waf, acc: &mut Acc) {
    let Ctx {
        cfg,
        region,
        protect,
        ..
    } = *ctx;
    let (out, diags) = (&mut acc.out, &mut acc.diags);
    let at = |p: &[&str]| waf_at(cfg, p);
    let stages: Vec<(String, String)> = match &waf.stages {
        Some(list) => list
            .iter()
            .filter_map(|s| {
                let (a, st) = s.split_once('.')?;
                Some((a.to_string(), st.to_string()))
            })
            .collect(),
        None => cfg
            .file
            .rest_apis
            .iter()
            .flat_map(|(k, a)| a.stages.keys().map(move |s| (k.clone(), s.clone())))
            .collect(),
    };
    for (api, stage) in stages {
        if super::v2::api_id_of_stage(cfg, &api, &stage).is_some() {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!("edge.waf.stages: `{api}.{stage}` is an HTTP or WebSocket API stage, which WAF cannot protect"),
                )
                .hint("AWS WAF attaches to REST API stages only; protect an HTTP API through a CloudFront distribution, or remove it from the list")
                .at(at(&["stages"])),
            );
            continue;
        }
        if !has_stage(cfg, &api, &stage) {
            diags.push(
                Diagnostic::error(
                    "reference",
                    format!("edge.waf.stages: no stage `{api}.{stage}`"),
                )
                .hint("write `<rest_apis key>.<stage name>`")
                .at(at(&["stages"])),
            );
            continue;
        }
        let props = kinds::WebAclAssociation {
            web_acl_arn: ref_placeholder(WEB_ACL_ID, "arn"),
            resource_arn: format!(
                "arn:aws:apigateway:{region}::/restapis/{}/stages/{stage}",
                ref_placeholder(&format!("rest_api.{api}"), "id")
            ),
        };
        let id = format!("web_acl_association.{api}.{stage}");
        let mut r = Resource::typed(id, format!("{api}.{stage}"), &props);
        r.deps.insert(format!("stage.{api}.{stage}"));
        r.protect = protect;
        out.push(r);
    }
}

/// A custom domain: its certificate, the validation records, the domain, its mappings and
/// alias records.
fn domain(ctx: &Ctx, key: &str, d: &Domain, acc: &mut Acc) {
    let Ctx { cfg, protect, .. } = *ctx;
    let first = acc.out.len();
    let edge_ep = d.endpoint_type == Some(DomainEndpoint::Edge);
    let cert_region = if edge_ep { "us-east-1" } else { ctx.region };
    let (cert_id, validation_ids) = certificate(ctx, key, d, cert_region, &mut acc.out);
    let dom_id = format!("domain_name.{key}");
    let props = kinds::DomainName {
        domain_name: d.domain_name.clone(),
        endpoint_type: if edge_ep { "EDGE" } else { "REGIONAL" }.into(),
        security_policy: Some("TLS_1_2".into()),
        certificate_arn: Some(ref_placeholder(&cert_id, "arn")),
    };
    let mut dom = Resource::typed(dom_id.clone(), d.domain_name.clone(), &props);
    dom.deps.extend(validation_ids);
    dom.protect = protect;
    dom.payload = Some(json!({
        "tags": cfg.file.tags,
        "zone": d.hosted_zone,
        "mapped": !d.mappings.is_empty(),
        "wait_seconds": d.wait_seconds.unwrap_or(900),
        "certificate_id": cert_id,
        "certificate_region": cert_region,
    }));
    let adopt = d.adopt == Some(true);
    if adopt {
        // The certificate it uses and its records are adopted with it (`providers::edge`).
        dom.payload.as_mut().expect("set above")[super::owner::ADOPT] = json!(d.domain_name);
    }
    acc.out.push(dom);
    for (path, target) in &d.mappings {
        match mapping(ctx, key, d, path, target) {
            Ok(m) => acc.out.push(m),
            Err(e) => acc
                .diags
                .push(e.at(cfg.locate(&["edge", "domains", key, "mappings", path]))),
        }
    }
    let mut types = vec!["A"];
    if d.ipv6 != Some(false) {
        types.push("AAAA");
    }
    for t in types {
        let props = kinds::DnsRecord {
            zone: d.hosted_zone.clone(),
            name: fqdn(&d.domain_name),
            record_type: t.into(),
            alias: Some(kinds::Alias {
                dns_name: ref_placeholder(&dom_id, "target"),
                zone_id: ref_placeholder(&dom_id, "target_zone_id"),
            }),
            ..Default::default()
        };
        let name = format!("{} {t}", d.domain_name);
        let mut r = Resource::typed(format!("dns_record.{key}.{t}"), name, &props);
        r.protect = protect;
        acc.out.push(r);
    }
    if adopt {
        let records = acc.out[first..]
            .iter_mut()
            .filter(|r| r.kind == Kind::DnsRecord);
        records.for_each(|r| r.payload = Some(json!({ super::owner::ADOPT: true })));
    }
}

/// The domain's certificate and its DNS validation records; returns the certificate's id
/// and the records' ids.
fn certificate(
    ctx: &Ctx,
    key: &str,
    d: &Domain,
    region: &str,
    out: &mut Vec<Resource>,
) -> (String, BTreeSet<String>) {
    let names = cert_names(&d.domain_name, &d.subject_alternative_names);
    let cert_id = format!("certificate.{key}");
    let props = kinds::Certificate {
        domain_name: d.domain_name.clone(),
        subject_alternative_names: names[1..].to_vec(),
        region: region.to_string(),
        validation: "DNS".into(),
    };
    let mut cert = Resource::typed(cert_id.clone(), d.domain_name.clone(), &props);
    cert.protect = ctx.protect;
    cert.payload = Some(json!({"tags": ctx.cfg.file.tags, "zone": d.hosted_zone}));
    out.push(cert);
    let mut validation_ids = BTreeSet::new();
    for (i, name) in names.iter().enumerate() {
        let id = format!("dns_record.{key}.validation{i}");
        let props = kinds::DnsRecord {
            zone: d.hosted_zone.clone(),
            name: ref_placeholder(&cert_id, &format!("vname{i}")),
            record_type: "CNAME".into(),
            ttl: Some(300),
            values: Some(vec![ref_placeholder(&cert_id, &format!("vvalue{i}"))]),
            alias: None,
        };
        let mut r = Resource::typed(id.clone(), format!("validation {name}"), &props);
        r.protect = ctx.protect;
        validation_ids.insert(id);
        out.push(r);
    }
    (cert_id, validation_ids)
}

/// One mapping of the domain: a v2 API mapping for an HTTP or WebSocket stage, a base path
/// mapping for a REST stage.
fn mapping(
    ctx: &Ctx,
    key: &str,
    d: &Domain,
    path: &str,
    target: &str,
) -> Result<Resource, Diagnostic> {
    let cfg = ctx.cfg;
    let dom_id = format!("domain_name.{key}");
    let base = path.trim_matches('/');
    let base = if base.is_empty() { "(none)" } else { base };
    let Some((api, stage)) = target.split_once('.') else {
        return Err(Diagnostic::error(
            "schema",
            format!("edge.domains.{key}.mappings.{path}: `{target}` is not `<api>.<stage>`"),
        )
        .hint("write the API's key and the stage name, e.g. `main.prod`"));
    };
    let mut m = if let Some(api_id) = super::v2::api_id_of_stage(cfg, api, stage) {
        // HTTP and WebSocket stages are mapped by the v2 API (CreateApiMapping).
        let mkey = base.replace("(none)", "");
        let name = format!("{}/{mkey}", d.domain_name);
        let props = kinds::ApiMapping {
            domain_name: d.domain_name.clone(),
            api_id: ref_placeholder(&api_id, "id"),
            stage: stage.to_string(),
            api_mapping_key: mkey,
        };
        let mut m = Resource::typed(format!("api_mapping.{key}.{base}"), name, &props);
        m.deps.insert(format!("api_stage.{api}.{stage}"));
        m
    } else if has_stage(cfg, api, stage) {
        let props = kinds::BasePathMapping {
            domain_name: d.domain_name.clone(),
            base_path: base.to_string(),
            rest_api_id: Some(ref_placeholder(&format!("rest_api.{api}"), "id")),
            stage: Some(stage.to_string()),
        };
        let name = format!("{}/{}", d.domain_name, base.replace("(none)", ""));
        let mut m = Resource::typed(format!("base_path_mapping.{key}.{base}"), name, &props);
        m.deps.insert(format!("stage.{api}.{stage}"));
        m
    } else {
        return Err(Diagnostic::error(
            "reference",
            format!("edge.domains.{key}.mappings.{path}: no stage `{target}`"),
        )
        .hint("map to a stage this stack declares"));
    };
    m.deps.insert(dom_id);
    m.protect = ctx.protect;
    Ok(m)
}
