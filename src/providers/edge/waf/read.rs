//! Read the owned IP sets and web ACLs (and, per owned stage, its association), in the
//! props shapes `model::edge` gives the desired side. An untagged item the stack adopts
//! (`adopt: <id>`) is read as its own, marked adopted; one with a name the stack would
//! create is a conflict naming the key that takes it over.

use super::shared::*;
use crate::diag::Diagnostic;
use crate::model::kinds::web_acl::{self as acl, Statement};
use crate::model::kinds::{self, IpSet, Typed, WebAclAssociation};
use crate::model::owner::{other_owner, ADOPTED};
use crate::model::{Kind, LiveResource, LiveState, Props, Resource};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use aws_sdk_wafv2::types::{Rule, RuleAction, Scope, VisibilityConfig, WebAcl};
use aws_sdk_wafv2::Client;
use serde_json::Value;
use std::collections::HashMap;

/// What the stack wants of the items it does not own yet.
#[derive(Default)]
pub struct Want {
    /// AWS id → the stack's id, for `adopt: <id>`.
    adopt: HashMap<String, String>,
    /// AWS name → the stack's id, for the items it would create.
    names: HashMap<String, String>,
}

impl Want {
    pub fn of(desired: &[Resource]) -> Want {
        let waf = |r: &&Resource| matches!(r.kind, Kind::IpSet | Kind::WebAcl);
        Want {
            adopt: crate::model::adopt_ids(desired, &[Kind::IpSet, Kind::WebAcl]),
            names: desired
                .iter()
                .filter(waf)
                .filter_map(|r| Some((r.props.get("name")?.as_str()?.into(), r.id.clone())))
                .collect(),
        }
    }
}

/// Reads the stack's WAF items; returns the conflicts that stop the plan: an untagged
/// item of a name the stack would create, an `adopt` id not found without an owner.
pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    rest: &LiveState,
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let want = Want::of(desired);
    let mut conflicts = Vec::new();
    let mut scopes = vec!["REGIONAL"];
    let cloudfront = desired.iter().any(|r| {
        matches!(r.kind, Kind::IpSet | Kind::WebAcl)
            && r.props.get("scope").and_then(Value::as_str) == Some("CLOUDFRONT")
    });
    if cloudfront {
        scopes.push("CLOUDFRONT");
    }
    // Only regional ACLs are associated with stages.
    let mut regional = Vec::new();
    for scope in scopes {
        conflicts.extend(read_ip_sets(aws, owner, scope, &want, live).await?);
        let (arns, clash) = read_acls(aws, owner, scope, &want, live).await?;
        conflicts.extend(clash);
        if scope == "REGIONAL" {
            regional = arns;
        }
    }
    for (aws_id, id) in &want.adopt {
        if !live.resources.contains_key(id) {
            conflicts.push(
                Diagnostic::error(
                    "ownership",
                    format!("{id}: adopt names {aws_id}, which is not a WAF item without an owner in {}", aws.region),
                )
                .hint("check the id (`aws wafv2 list-web-acls --scope REGIONAL` / `list-ip-sets`); one another stack owns cannot be adopted"),
            );
        }
    }
    if regional.is_empty() {
        return Ok(conflicts);
    }
    // moto answers ListResourcesForWebACL with a 500: ask per owned stage instead.
    let stages: Vec<(String, String, String)> = rest
        .resources
        .values()
        .filter(|r| r.kind == Kind::Stage)
        .filter_map(|r| {
            let (api, stage) = r.id.strip_prefix("stage.")?.split_once('.')?;
            let api_id = rest
                .resources
                .get(&format!("rest_api.{api}"))?
                .outputs
                .get("id")?;
            Some((api.to_string(), stage.to_string(), api_id.clone()))
        })
        .collect();
    for (api, stage, api_id) in stages {
        let arn = stage_arn(aws, &api_id, &stage);
        let Some(acl_arn) = on_stage(aws, &arn).await?.map(|a| a.arn().to_string()) else {
            continue;
        };
        if !regional.contains(&acl_arn) {
            continue; // someone else's ACL protects this stage
        }
        let props = WebAclAssociation {
            web_acl_arn: acl_arn,
            resource_arn: arn.clone(),
        }
        .to_props();
        // The ACL is linked by ARN in `providers::link_live_deps`.
        live.insert(
            LiveResource::new(
                format!("web_acl_association.{api}.{stage}"),
                Kind::WebAclAssociation,
                format!("{api}.{stage}"),
                props,
                [("resource_arn".to_string(), arn.clone())].into(),
            )
            .with_deps([format!("stage.{api}.{stage}")].into()),
        );
    }
    Ok(conflicts)
}

/// The ARN of a REST API's stage, as WAF names it.
pub fn stage_arn(aws: &Aws, api_id: &str, stage: &str) -> String {
    format!(
        "arn:aws:apigateway:{}::/restapis/{api_id}/stages/{stage}",
        aws.region
    )
}

/// The regional web ACL that guards the resource `arn`, if any.
pub async fn on_stage(aws: &Aws, arn: &str) -> Result<Option<WebAcl>, AwsError> {
    let got = aws
        .call(|| {
            aws.wafv2
                .get_web_acl_for_resource()
                .resource_arn(arn)
                .send()
        })
        .await;
    match got {
        Ok(g) => Ok(g.web_acl().cloned()),
        Err(e) if e.is_not_found() || e.has_code("WAFNonexistentItemException") => Ok(None),
        Err(e) => Err(e),
    }
}

/// The IP set or web ACL `ch` stands for, found by its ownership tags in its scope: after a
/// create whose answer was lost, or WAFDuplicateItemException from an interrupted apply.
pub async fn find(
    aws: &Aws,
    owner: &str,
    ch: &crate::plan::Change,
) -> Result<Option<std::collections::BTreeMap<String, String>>, AwsError> {
    let after = ch.after.as_ref();
    let scope = after
        .and_then(|p| p.get("scope"))
        .and_then(Value::as_str)
        .unwrap_or("REGIONAL");
    let (mut live, want) = (LiveState::default(), Want::default());
    if ch.kind == Kind::IpSet {
        read_ip_sets(aws, owner, scope, &want, &mut live).await?;
    } else {
        read_acls(aws, owner, scope, &want, &mut live).await?;
    }
    Ok(crate::providers::kit::outputs_in(live, &ch.id))
}

/// A WAF item's tags.
pub async fn tags_of(aws: &Aws, c: &Client, arn: &str) -> Result<Vec<(String, String)>, AwsError> {
    let t = aws
        .call(|| c.list_tags_for_resource().resource_arn(arn).send())
        .await?;
    Ok(t.tag_info_for_resource()
        .map(|i| i.tag_list())
        .unwrap_or_default()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

async fn read_ip_sets(
    aws: &Aws,
    owner: &str,
    scope: &str,
    want: &Want,
    live: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let c = client(aws, scope);
    let list = pages::all(aws, |marker| {
        c.list_ip_sets()
            .scope(Scope::from(scope))
            .limit(100)
            .set_next_marker(marker)
            .send()
    })
    .await?;
    let summaries = list.iter().map(|s| (s.arn(), s.name(), s.id()));
    let (mine, clash) = owned_in_scope(aws, c, owner, scope, want, summaries).await?;
    for o in mine {
        let got = aws
            .call(|| {
                c.get_ip_set()
                    .name(&o.name)
                    .id(&o.aws_id)
                    .scope(Scope::from(scope))
                    .send()
            })
            .await?;
        let Some(set) = got.ip_set() else { continue };
        let mut addresses: Vec<String> = set.addresses().to_vec();
        addresses.sort();
        let props = IpSet {
            name: set.name().to_string(),
            description: set.description().unwrap_or_default().to_string(),
            scope: scope.to_string(),
            ip_version: set.ip_address_version().as_str().to_string(),
            addresses,
        }
        .to_props();
        let name = o.id.trim_start_matches("ip_set.").to_string();
        let outputs = o.outputs(ids(set.id(), set.arn(), set.name(), scope));
        live.insert(
            LiveResource::new(o.id, Kind::IpSet, name, props, outputs).protected(o.protect),
        );
    }
    Ok(clash)
}

/// An owned WAF item of the scope being read.
struct Owned {
    /// `idrv5-gw:id`.
    id: String,
    protect: bool,
    name: String,
    aws_id: String,
    arn: String,
    /// Untagged, taken over by `adopt`.
    adopted: bool,
}

impl Owned {
    fn outputs(&self, mut ids: crate::providers::kit::Out) -> crate::providers::kit::Out {
        if self.adopted {
            ids.insert(ADOPTED.into(), "true".into());
        }
        ids
    }
}

/// The listed (arn, name, id) that are in `scope` and carry this stack's tags, or no
/// owner's and are adopted; and a conflict for each other untagged one with a name the
/// stack would create.
async fn owned_in_scope<'a>(
    aws: &Aws,
    c: &Client,
    owner: &str,
    scope: &str,
    want: &Want,
    summaries: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
) -> Result<(Vec<Owned>, Vec<Diagnostic>), AwsError> {
    let (mut out, mut clash) = (Vec::new(), Vec::new());
    for (arn, name, aws_id) in summaries {
        let (Some(arn), Some(name), Some(aws_id)) = (arn, name, aws_id) else {
            continue;
        };
        if !arn_in_scope(arn, scope) {
            continue;
        }
        let tags = tags_of(aws, c, arn).await?;
        let mine = crate::model::owner::owned(tags.iter().cloned(), owner);
        let unowned = other_owner(tags.iter().cloned(), owner).is_none() && mine.is_none();
        let adopted = unowned.then(|| want.adopt.get(aws_id)).flatten();
        let Some((id, protect)) = mine.or_else(|| Some((adopted?.clone(), false))) else {
            if let Some(id) = want.names.get(name).filter(|_| unowned) {
                clash.push(
                    Diagnostic::error(
                        "ownership",
                        format!("{id}: `{name}` ({aws_id}) exists without this stack's tags; the plan would create a second one of that name, which WAF refuses"),
                    )
                    .hint(format!("take it over with `adopt: {aws_id}` on {} (or write its files with `idrv5-gw import`), or give the stack's a name of its own", stack_key(id))),
                );
            }
            continue;
        };
        out.push(Owned {
            id,
            protect,
            name: name.to_string(),
            aws_id: aws_id.to_string(),
            arn: arn.to_string(),
            adopted: adopted.is_some(),
        });
    }
    Ok((out, clash))
}

/// Where `adopt` goes in the stack file for the item `id`.
fn stack_key(id: &str) -> String {
    match id.strip_prefix("ip_set.") {
        Some(k) => format!("edge.waf.ip_sets.{k}"),
        None => "edge.waf".into(),
    }
}

fn arn_in_scope(arn: &str, scope: &str) -> bool {
    // moto lists every scope's items whatever the Scope parameter says.
    let global = arn.contains(":global/");
    (scope == "CLOUDFRONT") == global
}

/// Reads the owned ACLs of one scope; returns their ARNs and the name clashes.
async fn read_acls(
    aws: &Aws,
    owner: &str,
    scope: &str,
    want: &Want,
    live: &mut LiveState,
) -> Result<(Vec<String>, Vec<Diagnostic>), AwsError> {
    let c = client(aws, scope);
    let mut out = Vec::new();
    let list = pages::all(aws, |marker| {
        c.list_web_acls()
            .scope(Scope::from(scope))
            .limit(100)
            .set_next_marker(marker)
            .send()
    })
    .await?;
    let summaries = list.iter().map(|s| (s.arn(), s.name(), s.id()));
    let (mine, clash) = owned_in_scope(aws, c, owner, scope, want, summaries).await?;
    for o in mine {
        let got = aws
            .call(|| {
                c.get_web_acl()
                    .name(&o.name)
                    .id(&o.aws_id)
                    .scope(Scope::from(scope))
                    .send()
            })
            .await?;
        let Some(acl) = got.web_acl() else { continue };
        // Its IP sets are linked by ARN in `providers::link_live_deps`.
        let props = acl_props(acl, scope);
        let outputs = o.outputs(ids(acl.id(), acl.arn(), acl.name(), scope));
        out.push(o.arn);
        let name = acl.name().to_string();
        live.insert(
            LiveResource::new(o.id, Kind::WebAcl, name, props, outputs).protected(o.protect),
        );
    }
    Ok((out, clash))
}

fn action_of(a: Option<&RuleAction>) -> Option<String> {
    let a = a?;
    let name = if a.allow().is_some() {
        "ALLOW"
    } else if a.block().is_some() {
        "BLOCK"
    } else if a.count().is_some() {
        "COUNT"
    } else {
        return None;
    };
    Some(name.into())
}

/// The ACL as `model::edge` gives the desired side.
fn acl_props(acl: &WebAcl, scope: &str) -> Props {
    let mut default = acl::DefaultAction::default();
    if let Some(d) = acl.default_action() {
        if d.allow().is_some() {
            default.action = Some("ALLOW".into());
        } else if let Some(b) = d.block() {
            default.action = Some("BLOCK".into());
            if let Some(r) = b.custom_response() {
                default.status = Some(r.response_code().into());
                if let Some(body) = r
                    .custom_response_body_key()
                    .and_then(|k| acl.custom_response_bodies()?.get(k))
                {
                    default.body = Some(body.content().to_string());
                    default.content_type = Some(body.content_type().as_str().to_string());
                }
            }
        }
    }
    let mut rules: Vec<acl::Rule> = acl.rules().iter().map(rule_props).collect();
    rules.sort_by_key(|r| r.priority);
    kinds::WebAcl {
        name: acl.name().to_string(),
        description: acl.description().unwrap_or_default().to_string(),
        scope: scope.to_string(),
        default_action: default,
        metric: acl.visibility_config().map(|v| v.metric_name().to_string()),
        visibility: visibility_of(acl.visibility_config()),
        rules,
    }
    .to_props()
}

fn visibility_of(v: Option<&VisibilityConfig>) -> acl::Visibility {
    v.map_or_else(acl::Visibility::default, |v| acl::Visibility {
        cloudwatch_metrics: v.cloud_watch_metrics_enabled(),
        sampled_requests: v.sampled_requests_enabled(),
    })
}

fn rule_props(r: &Rule) -> acl::Rule {
    let st = r.statement();
    let statement = if let Some(m) = st.and_then(|s| s.managed_rule_group_statement()) {
        let mut count_rules: Vec<String> = m
            .rule_action_overrides()
            .iter()
            .filter(|o| o.action_to_use().is_some_and(|a| a.count().is_some()))
            .map(|o| o.name().to_string())
            .collect();
        count_rules.sort();
        Statement::Managed {
            vendor: m.vendor_name().to_string(),
            name: m.name().to_string(),
            count_rules,
        }
    } else if let Some(rb) = st.and_then(|s| s.rate_based_statement()) {
        Statement::RateBased {
            limit: rb.limit(),
            aggregate: rb.aggregate_key_type().as_str().to_string(),
        }
    } else if let Some(g) = st.and_then(|s| s.geo_match_statement()) {
        let mut countries: Vec<String> = g
            .country_codes()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        countries.sort();
        Statement::GeoMatch { countries }
    } else if let Some(i) = st.and_then(|s| s.ip_set_reference_statement()) {
        Statement::IpSet {
            arn: i.arn().to_string(),
        }
    } else {
        Statement::Unsupported(format!("{st:?}"))
    };
    acl::Rule {
        name: r.name().to_string(),
        priority: r.priority().into(),
        metric: r.visibility_config().map(|c| c.metric_name().to_string()),
        visibility: visibility_of(r.visibility_config()),
        action: action_of(r.action()),
        override_action: r
            .override_action()
            .map(|o| if o.count().is_some() { "COUNT" } else { "NONE" }.to_string()),
        statement,
    }
}
