//! Create, update and delete IP sets, the web ACL and its associations.

use super::shared::*;
use crate::model::kinds::web_acl::{self as acl, Statement as St};
use crate::model::kinds::{IpSet, WebAcl, WebAclAssociation};
use crate::model::Kind;
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::{after, before, err, str_of};
use crate::providers::kit::{tags, typed, Out};
use aws_sdk_wafv2::types::{
    AllowAction, BlockAction, CountAction, CountryCode, CustomResponse, CustomResponseBody,
    DefaultAction, GeoMatchStatement, IpAddressVersion, IpSetReferenceStatement,
    ManagedRuleGroupStatement, NoneAction, OverrideAction, RateBasedStatement,
    RateBasedStatementAggregateKeyType, ResponseContentType, Rule, RuleAction, RuleActionOverride,
    Scope, Statement, Tag, VisibilityConfig,
};
use aws_sdk_wafv2::Client;
use std::collections::HashMap;
use std::time::Duration;

fn visibility(metric: &str, v: acl::Visibility) -> Result<VisibilityConfig, AwsError> {
    VisibilityConfig::builder()
        .sampled_requests_enabled(v.sampled_requests)
        .cloud_watch_metrics_enabled(v.cloudwatch_metrics)
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

fn rule_of(r: &acl::Rule) -> Result<Rule, AwsError> {
    let statement = match &r.statement {
        St::Managed {
            vendor,
            name,
            count_rules,
        } => {
            let mut b = ManagedRuleGroupStatement::builder()
                .vendor_name(vendor)
                .name(name);
            for r in count_rules {
                b = b.rule_action_overrides(
                    RuleActionOverride::builder()
                        .name(r)
                        .action_to_use(rule_action("COUNT"))
                        .build()
                        .map_err(build_err)?,
                );
            }
            Statement::builder().managed_rule_group_statement(b.build().map_err(build_err)?)
        }
        St::RateBased { limit, .. } => Statement::builder().rate_based_statement(
            RateBasedStatement::builder()
                .limit(*limit)
                .aggregate_key_type(RateBasedStatementAggregateKeyType::Ip)
                .build()
                .map_err(build_err)?,
        ),
        St::GeoMatch { countries } => Statement::builder().geo_match_statement(
            GeoMatchStatement::builder()
                .set_country_codes(Some(
                    countries
                        .iter()
                        .map(|c| CountryCode::from(c.as_str()))
                        .collect(),
                ))
                .build(),
        ),
        St::IpSet { arn } => Statement::builder().ip_set_reference_statement(
            IpSetReferenceStatement::builder()
                .arn(arn)
                .build()
                .map_err(build_err)?,
        ),
        St::Unsupported(s) => return Err(build_err(format!("rule {}: cannot write {s}", r.name))),
    };
    let mut b = Rule::builder()
        .name(&r.name)
        .priority(r.priority as i32)
        .statement(statement.build())
        .visibility_config(visibility(
            r.metric.as_deref().unwrap_or(&r.name),
            r.visibility,
        )?);
    if let Some(o) = &r.override_action {
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
        b = b.action(rule_action(r.action.as_deref().unwrap_or("BLOCK")));
    }
    b.build().map_err(build_err)
}

struct AclDef {
    default: DefaultAction,
    bodies: Option<HashMap<String, CustomResponseBody>>,
    rules: Vec<Rule>,
    visibility: VisibilityConfig,
}

fn acl_def(p: &WebAcl) -> Result<AclDef, AwsError> {
    let d = &p.default_action;
    let (default, bodies) = if d.action.as_deref() == Some("BLOCK") {
        let mut block = BlockAction::builder();
        let mut bodies = None;
        if let Some(body) = &d.body {
            block = block.custom_response(
                CustomResponse::builder()
                    .response_code(d.status.unwrap_or(403) as i32)
                    .custom_response_body_key(BODY_KEY)
                    .build()
                    .map_err(build_err)?,
            );
            let b = CustomResponseBody::builder()
                .content_type(ResponseContentType::from(
                    d.content_type.as_deref().unwrap_or("APPLICATION_JSON"),
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
    let rules = p.rules.iter().map(rule_of).collect::<Result<Vec<_>, _>>()?;
    Ok(AclDef {
        default,
        bodies,
        rules,
        visibility: visibility(p.metric.as_deref().unwrap_or(&p.name), p.visibility)?,
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
    let create = action == Action::Create;
    if ch.adopt {
        // Tagged first: if the update then fails, the next plan finds it as the stack's.
        let arn = ch.live_outputs.get("arn").cloned().unwrap_or_default();
        let c = client(aws, &str_of(after(ch), "scope"));
        let tags = waf_tags(ch, owner)?;
        aws.call(|| {
            c.tag_resource()
                .resource_arn(&arn)
                .set_tags(Some(tags.clone()))
                .send()
        })
        .await?;
        if ch.before == ch.after {
            return Ok(ch.live_outputs.clone());
        }
    }
    match ch.kind {
        Kind::IpSet => put_ip_set(aws, ch, owner, create).await,
        Kind::WebAcl => put_web_acl(aws, ch, owner, create).await,
        _ => associate(aws, ch).await,
    }
}

async fn put_ip_set(aws: &Aws, ch: &Change, owner: &str, create: bool) -> Result<Out, AwsError> {
    let p = after(ch);
    let scope = str_of(p, "scope");
    let c = client(aws, &scope);
    let set: IpSet = typed(p)?;
    let addrs = set.addresses.clone();
    if create {
        let tags = waf_tags(ch, owner)?;
        let made = aws
            .create(
                || {
                    c.create_ip_set()
                        .name(&set.name)
                        .scope(Scope::from(scope.as_str()))
                        .ip_address_version(IpAddressVersion::from(set.ip_version.as_str()))
                        .set_addresses(Some(addrs.clone()))
                        .set_description(non_empty(set.description.clone()))
                        .set_tags(Some(tags.clone()))
                        .send()
                },
                || super::read::find(aws, owner, ch),
            )
            .await?;
        return Ok(made.out(|r| {
            let s = r.summary();
            ids(
                s.and_then(|s| s.id()).unwrap_or_default(),
                s.and_then(|s| s.arn()).unwrap_or_default(),
                &set.name,
                &scope,
            )
        }));
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
                .set_description(non_empty(set.description.clone()))
                .lock_token(&lock)
                .send()
        })
        .await
        .map(|_| ())
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

async fn put_web_acl(aws: &Aws, ch: &Change, owner: &str, create: bool) -> Result<Out, AwsError> {
    let p: WebAcl = typed(after(ch))?;
    let scope = &p.scope;
    let c = client(aws, scope);
    let def = acl_def(&p)?;
    // The same fields for both calls.
    macro_rules! fields {
        ($q:expr) => {
            $q.scope(Scope::from(scope.as_str()))
                .default_action(def.default.clone())
                .set_custom_response_bodies(def.bodies.clone())
                .set_rules(Some(def.rules.clone()))
                .visibility_config(def.visibility.clone())
                .set_description(non_empty(p.description.clone()))
        };
    }
    if create {
        let tags = waf_tags(ch, owner)?;
        let name = &p.name;
        let made = aws
            .create(
                || fields!(c.create_web_acl().name(name).set_tags(Some(tags.clone()))).send(),
                || super::read::find(aws, owner, ch),
            )
            .await?;
        return Ok(made.out(|r| {
            let s = r.summary();
            ids(
                s.and_then(|s| s.id()).unwrap_or_default(),
                s.and_then(|s| s.arn()).unwrap_or_default(),
                name,
                scope,
            )
        }));
    }
    let (name, id) = name_id(ch);
    locked("UpdateWebACL", || async {
        let lock = lock_token(aws, c, Kind::WebAcl, &name, &id, scope).await?;
        aws.call(|| fields!(c.update_web_acl().name(&name).id(&id).lock_token(&lock)).send())
            .await
            .map(|_| ())
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

/// Attach the ACL to a stage.
async fn associate(aws: &Aws, ch: &Change) -> Result<Out, AwsError> {
    let WebAclAssociation {
        web_acl_arn: acl,
        resource_arn: res,
    } = typed(after(ch))?;
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
            let res = typed::<WebAclAssociation>(p)?.resource_arn;
            aws.call(|| aws.wafv2.disassociate_web_acl().resource_arn(&res).send())
                .await
                .map(|_| ())
        }
        // Both deletes take the same fields, the lock token read just before.
        Kind::IpSet | Kind::WebAcl => {
            macro_rules! delete {
                ($op:literal, $call:ident) => {
                    locked($op, || async {
                        let lock = lock_token(aws, c, ch.kind, &name, &id, &scope).await?;
                        aws.call(|| {
                            c.$call()
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
                };
            }
            if ch.kind == Kind::IpSet {
                delete!("DeleteIPSet", delete_ip_set)
            } else {
                delete!("DeleteWebACL", delete_web_acl)
            }
        }
        _ => Ok(()),
    };
    match r {
        Err(e) if e.is_not_found() || e.has_code("WAFNonexistentItemException") => Ok(()),
        other => other,
    }
}
