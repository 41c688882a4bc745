//! Read the owned IP sets and web ACLs (and, per owned stage, its association), in the
//! props shapes `model::edge` gives the desired side.

use super::shared::*;
use crate::model::kinds::web_acl::{self as acl, Statement};
use crate::model::kinds::{self, IpSet, Typed, WebAclAssociation};
use crate::model::{Kind, LiveResource, LiveState, Props, Resource};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use aws_sdk_wafv2::types::{Rule, RuleAction, Scope, WebAcl};
use aws_sdk_wafv2::Client;
use serde_json::Value;

pub async fn read(
    aws: &Aws,
    owner: &str,
    desired: &[Resource],
    live: &mut LiveState,
) -> Result<(), AwsError> {
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
        read_ip_sets(aws, owner, scope, live).await?;
        let arns = read_acls(aws, owner, scope, live).await?;
        if scope == "REGIONAL" {
            regional = arns;
        }
    }
    if regional.is_empty() {
        return Ok(());
    }
    // moto answers ListResourcesForWebACL with a 500: ask per owned stage instead.
    let stages: Vec<(String, String, String)> = live
        .resources
        .values()
        .filter(|r| r.kind == Kind::Stage)
        .filter_map(|r| {
            let (api, stage) = r.id.strip_prefix("stage.")?.split_once('.')?;
            let api_id = live
                .resources
                .get(&format!("rest_api.{api}"))?
                .outputs
                .get("id")?;
            Some((api.to_string(), stage.to_string(), api_id.clone()))
        })
        .collect();
    for (api, stage, api_id) in stages {
        let arn = format!(
            "arn:aws:apigateway:{}::/restapis/{api_id}/stages/{stage}",
            aws.region
        );
        let got = aws
            .call(|| {
                aws.wafv2
                    .get_web_acl_for_resource()
                    .resource_arn(&arn)
                    .send()
            })
            .await;
        let got = match got {
            Ok(g) => g,
            Err(e) if e.is_not_found() || e.has_code("WAFNonexistentItemException") => continue,
            Err(e) => return Err(e),
        };
        let Some(acl_arn) = got.web_acl().map(|a| a.arn().to_string()) else {
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
    Ok(())
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
    let mut live = LiveState::default();
    if ch.kind == Kind::IpSet {
        read_ip_sets(aws, owner, scope, &mut live).await?;
    } else {
        read_acls(aws, owner, scope, &mut live).await?;
    }
    Ok(crate::providers::kit::outputs_in(live, &ch.id))
}

/// (`idrv5-gw:id`, protect) when the item carries this stack's tags.
async fn owned(
    aws: &Aws,
    c: &Client,
    arn: &str,
    owner: &str,
) -> Result<Option<(String, bool)>, AwsError> {
    let t = aws
        .call(|| c.list_tags_for_resource().resource_arn(arn).send())
        .await?;
    let tags = t
        .tag_info_for_resource()
        .map(|i| i.tag_list())
        .unwrap_or_default()
        .iter()
        .map(|t| (t.key(), t.value()));
    Ok(crate::model::owner::owned(tags, owner))
}

async fn read_ip_sets(
    aws: &Aws,
    owner: &str,
    scope: &str,
    live: &mut LiveState,
) -> Result<(), AwsError> {
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
    for o in owned_in_scope(aws, c, owner, scope, summaries).await? {
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
        let outputs = ids(set.id(), set.arn(), set.name(), scope);
        live.insert(
            LiveResource::new(o.id, Kind::IpSet, name, props, outputs).protected(o.protect),
        );
    }
    Ok(())
}

/// An owned WAF item of the scope being read.
struct Owned {
    /// `idrv5-gw:id`.
    id: String,
    protect: bool,
    name: String,
    aws_id: String,
    arn: String,
}

/// The listed (arn, name, id) that are in `scope` and carry this stack's tags.
async fn owned_in_scope<'a>(
    aws: &Aws,
    c: &Client,
    owner: &str,
    scope: &str,
    summaries: impl Iterator<Item = (Option<&'a str>, Option<&'a str>, Option<&'a str>)>,
) -> Result<Vec<Owned>, AwsError> {
    let mut out = Vec::new();
    for (arn, name, aws_id) in summaries {
        let (Some(arn), Some(name), Some(aws_id)) = (arn, name, aws_id) else {
            continue;
        };
        if !arn_in_scope(arn, scope) {
            continue;
        }
        if let Some((id, protect)) = owned(aws, c, arn, owner).await? {
            out.push(Owned {
                id,
                protect,
                name: name.to_string(),
                aws_id: aws_id.to_string(),
                arn: arn.to_string(),
            });
        }
    }
    Ok(out)
}

fn arn_in_scope(arn: &str, scope: &str) -> bool {
    // moto lists every scope's items whatever the Scope parameter says.
    let global = arn.contains(":global/");
    (scope == "CLOUDFRONT") == global
}

/// Reads the owned ACLs of one scope; returns their ARNs.
async fn read_acls(
    aws: &Aws,
    owner: &str,
    scope: &str,
    live: &mut LiveState,
) -> Result<Vec<String>, AwsError> {
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
    for o in owned_in_scope(aws, c, owner, scope, summaries).await? {
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
        out.push(o.arn);
        let outputs = ids(acl.id(), acl.arn(), acl.name(), scope);
        let name = acl.name().to_string();
        live.insert(
            LiveResource::new(o.id, Kind::WebAcl, name, props, outputs).protected(o.protect),
        );
    }
    Ok(out)
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
        rules,
    }
    .to_props()
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
        action: action_of(r.action()),
        override_action: r
            .override_action()
            .map(|o| if o.count().is_some() { "COUNT" } else { "NONE" }.to_string()),
        statement,
    }
}
