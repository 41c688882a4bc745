//! WAFv2: IP sets, the web ACL and its stage associations.
//!
//! Updates fetch the lock token and retry WAFOptimisticLockException; associating retries
//! WAFUnavailableEntityException (a new stage is not visible to WAF at once). WAF writes are
//! paced at 1/s by the rate limiter.

use crate::model::{Kind, LiveResource, LiveState, Props, Resource};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit;
use crate::providers::kit::{after, before, err, str_of};
use crate::providers::kit::{tags, Out};
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, CountryCode, CustomResponse, CustomResponseBody,
    DefaultAction, GeoMatchStatement, IpAddressVersion, IpSetReferenceStatement,
    ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, ResponseContentType, Rule, RuleAction, RuleActionOverride,
    Scope, Statement, Tag, VisibilityConfig, WebAcl,
};
use aws_sdk_wafv2::Client;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

const BODY_KEY: &str = "blocked";

fn client<'a>(aws: &'a Aws, scope: &str) -> &'a Client {
    if scope == "CLOUDFRONT" {
        &aws.wafv2_us_east_1
    } else {
        &aws.wafv2
    }
}

fn build_err(e: impl std::fmt::Display) -> AwsError {
    err("WAF", "InvalidDefinition", e.to_string())
}

// ---- read ----

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
        let mut props = Props::new();
        props.insert("web_acl_arn".into(), json!(acl_arn));
        props.insert("resource_arn".into(), json!(arn));
        live.insert(LiveResource {
            id: format!("web_acl_association.{api}.{stage}"),
            kind: Kind::WebAclAssociation,
            name: format!("{api}.{stage}"),
            props,
            outputs: [("resource_arn".to_string(), arn.clone())].into(),
            // The ACL is linked by ARN in `providers::link_live_deps`.
            deps: [format!("stage.{api}.{stage}")].into(),
            parent: None,
            protect: false,
        });
    }
    Ok(())
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
    let pages = kit::all_pages(|marker| async move {
        let page = aws
            .call(|| {
                c.list_ip_sets()
                    .scope(Scope::from(scope))
                    .limit(100)
                    .set_next_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok((
            page.ip_sets().to_vec(),
            page.next_marker().map(str::to_string),
        ))
    })
    .await?;
    for s in &pages {
        let (Some(arn), Some(name), Some(sid)) = (s.arn(), s.name(), s.id()) else {
            continue;
        };
        if !arn_in_scope(arn, scope) {
            continue;
        }
        let Some((id, protect)) = owned(aws, c, arn, owner).await? else {
            continue;
        };
        let got = aws
            .call(|| {
                c.get_ip_set()
                    .name(name)
                    .id(sid)
                    .scope(Scope::from(scope))
                    .send()
            })
            .await?;
        let Some(set) = got.ip_set() else { continue };
        let mut addrs: Vec<String> = set.addresses().to_vec();
        addrs.sort();
        let mut props = Props::new();
        props.insert("name".into(), json!(set.name()));
        props.insert(
            "description".into(),
            json!(set.description().unwrap_or_default()),
        );
        props.insert("scope".into(), json!(scope));
        props.insert(
            "ip_version".into(),
            json!(set.ip_address_version().as_str()),
        );
        props.insert("addresses".into(), json!(addrs));
        live.insert(LiveResource {
            name: id.trim_start_matches("ip_set.").to_string(),
            id,
            kind: Kind::IpSet,
            props,
            outputs: ids(set.id(), set.arn(), set.name(), scope),
            deps: BTreeSet::new(),
            parent: None,
            protect,
        });
    }
    Ok(())
}

fn arn_in_scope(arn: &str, scope: &str) -> bool {
    // moto lists every scope's items whatever the Scope parameter says.
    let global = arn.contains(":global/");
    (scope == "CLOUDFRONT") == global
}

fn ids(id: &str, arn: &str, name: &str, scope: &str) -> Out {
    [
        ("id".to_string(), id.to_string()),
        ("arn".to_string(), arn.to_string()),
        ("name".to_string(), name.to_string()),
        ("scope".to_string(), scope.to_string()),
    ]
    .into()
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
    let pages = kit::all_pages(|marker| async move {
        let page = aws
            .call(|| {
                c.list_web_acls()
                    .scope(Scope::from(scope))
                    .limit(100)
                    .set_next_marker(marker.clone())
                    .send()
            })
            .await?;
        Ok((
            page.web_acls().to_vec(),
            page.next_marker().map(str::to_string),
        ))
    })
    .await?;
    for s in &pages {
        let (Some(arn), Some(name), Some(aid)) = (s.arn(), s.name(), s.id()) else {
            continue;
        };
        if !arn_in_scope(arn, scope) {
            continue;
        }
        let Some((id, protect)) = owned(aws, c, arn, owner).await? else {
            continue;
        };
        let got = aws
            .call(|| {
                c.get_web_acl()
                    .name(name)
                    .id(aid)
                    .scope(Scope::from(scope))
                    .send()
            })
            .await?;
        let Some(acl) = got.web_acl() else { continue };
        // Its IP sets are linked by ARN in `providers::link_live_deps`.
        let props = acl_props(acl, scope);
        out.push(arn.to_string());
        live.insert(LiveResource {
            name: acl.name().to_string(),
            id,
            kind: Kind::WebAcl,
            props,
            outputs: ids(acl.id(), acl.arn(), acl.name(), scope),
            deps: BTreeSet::new(),
            parent: None,
            protect,
        });
    }
    Ok(out)
}

fn action_of(a: Option<&RuleAction>) -> Value {
    match a {
        Some(a) if a.allow().is_some() => json!("ALLOW"),
        Some(a) if a.block().is_some() => json!("BLOCK"),
        Some(a) if a.count().is_some() => json!("COUNT"),
        _ => Value::Null,
    }
}

/// The shape `model::edge` gives the desired side.
fn acl_props(acl: &WebAcl, scope: &str) -> Props {
    let mut p = Props::new();
    p.insert("name".into(), json!(acl.name()));
    p.insert(
        "description".into(),
        json!(acl.description().unwrap_or_default()),
    );
    p.insert("scope".into(), json!(scope));
    let mut default = json!({});
    if let Some(d) = acl.default_action() {
        if d.allow().is_some() {
            default["action"] = json!("ALLOW");
        } else if let Some(b) = d.block() {
            default["action"] = json!("BLOCK");
            if let Some(r) = b.custom_response() {
                default["status"] = json!(r.response_code());
                if let Some(body) = r
                    .custom_response_body_key()
                    .and_then(|k| acl.custom_response_bodies()?.get(k))
                {
                    default["body"] = json!(body.content());
                    default["content_type"] = json!(body.content_type().as_str());
                }
            }
        }
    }
    p.insert("default_action".into(), default);
    p.insert(
        "metric".into(),
        json!(acl.visibility_config().map(|v| v.metric_name())),
    );
    let mut rules: Vec<Value> = acl.rules().iter().map(rule_props).collect();
    rules.sort_by_key(|r| r["priority"].as_i64().unwrap_or(0));
    p.insert("rules".into(), Value::Array(rules));
    p
}

fn rule_props(r: &Rule) -> Value {
    let mut v = json!({
        "name": r.name(),
        "priority": r.priority(),
        "metric": r.visibility_config().map(|c| c.metric_name()),
    });
    let action = action_of(r.action());
    if !action.is_null() {
        v["action"] = action;
    }
    if let Some(o) = r.override_action() {
        v["override"] = json!(if o.count().is_some() { "COUNT" } else { "NONE" });
    }
    let st = r.statement();
    if let Some(m) = st.and_then(|s| s.managed_rule_group_statement()) {
        let mut count_rules: Vec<String> = m
            .rule_action_overrides()
            .iter()
            .filter(|o| o.action_to_use().is_some_and(|a| a.count().is_some()))
            .map(|o| o.name().to_string())
            .collect();
        count_rules.sort();
        v["statement"] = json!({"managed": {
            "vendor": m.vendor_name(), "name": m.name(), "count_rules": count_rules,
        }});
    } else if let Some(rb) = st.and_then(|s| s.rate_based_statement()) {
        v["statement"] = json!({"rate_based": {
            "limit": rb.limit(), "aggregate": rb.aggregate_key_type().as_str(),
        }});
    } else if let Some(g) = st.and_then(|s| s.geo_match_statement()) {
        let mut c: Vec<String> = g
            .country_codes()
            .iter()
            .map(|c| c.as_str().to_string())
            .collect();
        c.sort();
        v["statement"] = json!({"geo_match": {"countries": c}});
    } else if let Some(i) = st.and_then(|s| s.ip_set_reference_statement()) {
        v["statement"] = json!({"ip_set": {"arn": i.arn()}});
    } else {
        v["statement"] = json!({"unsupported": format!("{st:?}")});
    }
    v
}

// ---- write ----

fn visibility(metric: &str) -> Result<VisibilityConfig, AwsError> {
    VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(metric)
        .build()
        .map_err(build_err)
}

fn rule_action(a: &str) -> RuleAction {
    match a {
        "ALLOW" => RuleAction::builder()
            .allow(AllowAction::builder().build())
            .build(),
        "COUNT" => RuleAction::builder()
            .count(CountAction::builder().build())
            .build(),
        _ => RuleAction::builder()
            .block(BlockAction::builder().build())
            .build(),
    }
}

fn rule_of(v: &Value) -> Result<Rule, AwsError> {
    let name = v["name"].as_str().unwrap_or_default();
    let st = &v["statement"];
    let statement = if let Some(m) = st.get("managed") {
        let mut b = ManagedRuleGroupStatement::builder()
            .vendor_name(m["vendor"].as_str().unwrap_or("AWS"))
            .name(m["name"].as_str().unwrap_or_default());
        for r in m["count_rules"].as_array().into_iter().flatten() {
            b = b.rule_action_overrides(
                RuleActionOverride::builder()
                    .name(r.as_str().unwrap_or_default())
                    .action_to_use(rule_action("COUNT"))
                    .build()
                    .map_err(build_err)?,
            );
        }
        Statement::builder()
            .managed_rule_group_statement(b.build().map_err(build_err)?)
            .build()
    } else if let Some(rb) = st.get("rate_based") {
        Statement::builder()
            .rate_based_statement(
                RateBasedStatement::builder()
                    .limit(rb["limit"].as_i64().unwrap_or(2000))
                    .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                    .build()
                    .map_err(build_err)?,
            )
            .build()
    } else if let Some(g) = st.get("geo_match") {
        let codes = g["countries"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(CountryCode::from)
            .collect();
        Statement::builder()
            .geo_match_statement(
                GeoMatchStatement::builder()
                    .set_country_codes(Some(codes))
                    .build(),
            )
            .build()
    } else if let Some(i) = st.get("ip_set") {
        Statement::builder()
            .ip_set_reference_statement(
                IpSetReferenceStatement::builder()
                    .arn(i["arn"].as_str().unwrap_or_default())
                    .build()
                    .map_err(build_err)?,
            )
            .build()
    } else {
        return Err(build_err(format!("rule {name}: no statement")));
    };
    let mut b = Rule::builder()
        .name(name)
        .priority(v["priority"].as_i64().unwrap_or(0) as i32)
        .statement(statement)
        .visibility_config(visibility(v["metric"].as_str().unwrap_or(name))?);
    if let Some(o) = v["override"].as_str() {
        let oa = if o == "COUNT" {
            OverrideAction::builder()
                .count(CountAction::builder().build())
                .build()
        } else {
            OverrideAction::builder()
                .none(NoneAction::builder().build())
                .build()
        };
        b = b.override_action(oa);
    } else {
        b = b.action(rule_action(v["action"].as_str().unwrap_or("BLOCK")));
    }
    b.build().map_err(build_err)
}

struct AclDef {
    default: DefaultAction,
    bodies: Option<HashMap<String, CustomResponseBody>>,
    rules: Vec<Rule>,
    visibility: VisibilityConfig,
}

fn acl_def(p: &Props) -> Result<AclDef, AwsError> {
    let d = p.get("default_action").cloned().unwrap_or(Value::Null);
    let (default, bodies) = if d["action"] == "BLOCK" {
        let mut block = BlockAction::builder();
        let mut bodies = None;
        if let Some(body) = d["body"].as_str() {
            block = block.custom_response(
                CustomResponse::builder()
                    .response_code(d["status"].as_i64().unwrap_or(403) as i32)
                    .custom_response_body_key(BODY_KEY)
                    .build()
                    .map_err(build_err)?,
            );
            let b = CustomResponseBody::builder()
                .content_type(ResponseContentType::from(
                    d["content_type"].as_str().unwrap_or("APPLICATION_JSON"),
                ))
                .content(body)
                .build()
                .map_err(build_err)?;
            bodies = Some([(BODY_KEY.to_string(), b)].into());
        }
        (
            DefaultAction::builder().block(block.build()).build(),
            bodies,
        )
    } else {
        (
            DefaultAction::builder()
                .allow(AllowAction::builder().build())
                .build(),
            None,
        )
    };
    let rules = p
        .get("rules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(rule_of)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AclDef {
        default,
        bodies,
        rules,
        visibility: visibility(&str_of(p, "metric"))?,
    })
}

fn waf_tags(ch: &Change, owner: &str) -> Result<Vec<Tag>, AwsError> {
    tags(ch, owner)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build().map_err(build_err))
        .collect()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

pub async fn put(aws: &Aws, ch: &Change, owner: &str, action: Action) -> Result<Out, AwsError> {
    let p = after(ch);
    let scope = str_of(p, "scope");
    match ch.kind {
        Kind::IpSet => {
            let c = client(aws, &scope);
            let addrs: Vec<String> = p
                .get("addresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if action == Action::Create {
                let tags = waf_tags(ch, owner)?;
                let r = aws
                    .call(|| {
                        c.create_ip_set()
                            .name(str_of(p, "name"))
                            .scope(Scope::from(scope.as_str()))
                            .ip_address_version(IpAddressVersion::from(
                                str_of(p, "ip_version").as_str(),
                            ))
                            .set_addresses(Some(addrs.clone()))
                            .set_description(non_empty(str_of(p, "description")))
                            .set_tags(Some(tags.clone()))
                            .send()
                    })
                    .await?;
                let s = r.summary();
                return Ok(ids(
                    s.and_then(|s| s.id()).unwrap_or_default(),
                    s.and_then(|s| s.arn()).unwrap_or_default(),
                    &str_of(p, "name"),
                    &scope,
                ));
            }
            let (name, id) = name_id(ch);
            locked("UpdateIPSet", || async {
                let lock = lock_token(aws, c, Kind::IpSet, &name, &id, &scope).await?;
                aws.call(|| {
                    c.update_ip_set()
                        .name(&name)
                        .id(&id)
                        .scope(Scope::from(scope.as_str()))
                        .set_addresses(Some(addrs.clone()))
                        .set_description(non_empty(str_of(p, "description")))
                        .lock_token(&lock)
                        .send()
                })
                .await
                .map(|_| ())
            })
            .await?;
            Ok(ch.live_outputs.clone())
        }
        Kind::WebAcl => {
            let c = client(aws, &scope);
            let def = acl_def(p)?;
            if action == Action::Create {
                let tags = waf_tags(ch, owner)?;
                let r = aws
                    .call(|| {
                        c.create_web_acl()
                            .name(str_of(p, "name"))
                            .scope(Scope::from(scope.as_str()))
                            .default_action(def.default.clone())
                            .set_custom_response_bodies(def.bodies.clone())
                            .set_rules(Some(def.rules.clone()))
                            .visibility_config(def.visibility.clone())
                            .set_description(non_empty(str_of(p, "description")))
                            .set_tags(Some(tags.clone()))
                            .send()
                    })
                    .await?;
                let s = r.summary();
                return Ok(ids(
                    s.and_then(|s| s.id()).unwrap_or_default(),
                    s.and_then(|s| s.arn()).unwrap_or_default(),
                    &str_of(p, "name"),
                    &scope,
                ));
            }
            let (name, id) = name_id(ch);
            locked("UpdateWebACL", || async {
                let lock = lock_token(aws, c, Kind::WebAcl, &name, &id, &scope).await?;
                aws.call(|| {
                    c.update_web_acl()
                        .name(&name)
                        .id(&id)
                        .scope(Scope::from(scope.as_str()))
                        .default_action(def.default.clone())
                        .set_custom_response_bodies(def.bodies.clone())
                        .set_rules(Some(def.rules.clone()))
                        .visibility_config(def.visibility.clone())
                        .set_description(non_empty(str_of(p, "description")))
                        .lock_token(&lock)
                        .send()
                })
                .await
                .map(|_| ())
            })
            .await?;
            Ok(ch.live_outputs.clone())
        }
        _ => {
            let acl = str_of(p, "web_acl_arn");
            let res = str_of(p, "resource_arn");
            // A stage just created is not visible to WAF at once: retry for up to ~2 min.
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let r = aws
                    .call(|| {
                        aws.wafv2
                            .associate_web_acl()
                            .web_acl_arn(&acl)
                            .resource_arn(&res)
                            .send()
                    })
                    .await;
                match r {
                    Ok(_) => break,
                    Err(e) if e.has_code("WAFUnavailableEntityException") && attempt < 24 => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok([("resource_arn".to_string(), res)].into())
        }
    }
}

fn name_id(ch: &Change) -> (String, String) {
    (
        ch.live_outputs.get("name").cloned().unwrap_or_default(),
        ch.live_outputs.get("id").cloned().unwrap_or_default(),
    )
}

/// The item's current lock token, which every WAF update and delete must present.
async fn lock_token(
    aws: &Aws,
    c: &Client,
    kind: Kind,
    name: &str,
    id: &str,
    scope: &str,
) -> Result<String, AwsError> {
    let scope = Scope::from(scope);
    let token = if kind == Kind::IpSet {
        aws.call(|| c.get_ip_set().name(name).id(id).scope(scope.clone()).send())
            .await?
            .lock_token()
            .map(str::to_string)
    } else {
        aws.call(|| {
            c.get_web_acl()
                .name(name)
                .id(id)
                .scope(scope.clone())
                .send()
        })
        .await?
        .lock_token()
        .map(str::to_string)
    };
    Ok(token.unwrap_or_default())
}

/// Run a read-lock-token-then-write step, again when another writer got in between.
async fn locked<F, Fut>(op: &str, mut step: F) -> Result<(), AwsError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match step().await {
            Err(e) if e.has_code("WAFOptimisticLockException") && attempt < 6 => {
                tokio::time::sleep(Duration::from_millis(500 * attempt)).await;
            }
            Err(e) if e.has_code("WAFOptimisticLockException") => {
                return Err(err(
                    op,
                    "WAFOptimisticLockException",
                    "another writer keeps changing this WAF item; try again",
                ))
            }
            other => return other,
        }
    }
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let p = before(ch);
    let scope = ch
        .live_outputs
        .get("scope")
        .cloned()
        .unwrap_or_else(|| str_of(p, "scope"));
    let c = client(aws, &scope);
    let (name, id) = name_id(ch);
    let r = match ch.kind {
        Kind::WebAclAssociation => {
            let res = str_of(p, "resource_arn");
            aws.call(|| aws.wafv2.disassociate_web_acl().resource_arn(&res).send())
                .await
                .map(|_| ())
        }
        Kind::IpSet => {
            locked("DeleteIPSet", || async {
                let lock = lock_token(aws, c, Kind::IpSet, &name, &id, &scope).await?;
                aws.call(|| {
                    c.delete_ip_set()
                        .name(&name)
                        .id(&id)
                        .scope(Scope::from(scope.as_str()))
                        .lock_token(&lock)
                        .send()
                })
                .await
                .map(|_| ())
            })
            .await
        }
        _ => {
            locked("DeleteWebACL", || async {
                let lock = lock_token(aws, c, Kind::WebAcl, &name, &id, &scope).await?;
                aws.call(|| {
                    c.delete_web_acl()
                        .name(&name)
                        .id(&id)
                        .scope(Scope::from(scope.as_str()))
                        .lock_token(&lock)
                        .send()
                })
                .await
                .map(|_| ())
            })
            .await
        }
    };
    match r {
        Err(e) if e.is_not_found() || e.has_code("WAFNonexistentItemException") => Ok(()),
        other => other,
    }
}
