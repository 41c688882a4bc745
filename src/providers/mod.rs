//! AWS services: read what the stack owns, carry out changes. The only code that touches
//! aws-sdk types.

pub mod apigateway;
pub mod apigwv2;
pub mod aws;
pub mod cloudwatch;
pub mod edge;
pub mod errors;
pub mod kit;
pub mod lambda;
pub mod limits;
pub mod lock;
pub mod logs;
pub mod pages;

use crate::diag::Diagnostic;
use crate::model::kinds::Deployment;
use crate::model::{Kind, LiveState, Outputs, Resource};
use crate::plan::{Action, Change};
use apigateway::write as w;
use apigateway::{items as api_items, stages, usage};
use aws::{Aws, AwsError};
use std::collections::{BTreeMap, BTreeSet};

/// What the account holds for one stack.
pub struct Live {
    pub state: LiveState,
    /// Things the stack wants that exist and belong to someone else: the plan stops on them.
    pub conflicts: Vec<crate::diag::Diagnostic>,
    /// Services not read: the stack declares nothing there and the credentials may not read
    /// them (a policy from `idrv5-gw iam-policy`). Said with the plan.
    pub notes: Vec<String>,
}

/// A service the stack declares nothing of is read all the same (what an earlier version of
/// the stack made there is still its to delete), but credentials scoped to what the stack
/// uses may not read it: then it is skipped with a note, never an error.
fn denied_unused<T>(
    result: Result<T, AwsError>,
    used: bool,
    what: &str,
    notes: &mut Vec<String>,
) -> Result<Option<T>, AwsError> {
    match result {
        Err(AwsError::AccessDenied { permission, .. }) if !used => {
            notes.push(format!("{what} not read: the credentials may not ({permission}), and the stack declares none; anything an earlier version of it made there is not seen (nor deleted) until they may"));
            Ok(None)
        }
        other => other.map(Some),
    }
}

pub async fn read_live(aws: &Aws, owner: &str, desired: &[Resource]) -> Result<Live, AwsError> {
    let mut state = LiveState::default();
    let mut notes = Vec::new();
    let uses = |kinds: &[Kind]| desired.iter().any(|r| kinds.contains(&r.kind));
    let (mut links, mut apis) = (LiveState::default(), LiveState::default());
    let wanted: Vec<apigateway::read::WantedApi> = desired
        .iter()
        .filter(|r| r.kind == Kind::RestApi)
        .map(|r| apigateway::read::WantedApi {
            id: r.id.clone(),
            name: r
                .props
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_default()
                .into(),
            adopt: r
                .payload
                .as_ref()
                .and_then(|p| p.get(crate::model::owner::ADOPT))
                .and_then(|a| a.as_str())
                .map(str::to_string),
        })
        .collect();
    let link_adopt = crate::model::adopt_ids(desired, &[Kind::VpcLink]);
    let (_, unowned) = tokio::try_join!(
        apigateway::read::read_vpc_links(aws, owner, &link_adopt, &mut links),
        apigateway::read::read_rest_apis(aws, owner, &wanted, &mut apis),
    )?;
    notes.extend(unowned.notes);
    let link_errors: Vec<Diagnostic> = link_adopt
        .iter()
        .filter(|(_, id)| !links.resources.contains_key(*id))
        .map(|(aws_id, id)| {
            Diagnostic::error(
                "ownership",
                format!("{id}: adopt names {aws_id}, which is not a VPC link without an owner in {}", aws.region),
            )
            .hint("check the id (`aws apigateway get-vpc-links`); one another stack owns cannot be adopted")
        })
        .collect();
    state.resources.extend(links.resources);
    state.resources.extend(apis.resources);
    let adopt = crate::model::adopt_ids(desired, &[Kind::ApiKey, Kind::UsagePlan]);
    let functions = desired
        .iter()
        .filter(|r| r.kind == Kind::LambdaPermission)
        .filter_map(|r| {
            r.props
                .get("function")
                .and_then(|f| f.as_str())
                .map(str::to_string)
        })
        .collect();
    let v2_adopt = crate::model::adopt_ids(
        desired,
        &[Kind::HttpApi, Kind::WebSocketApi, Kind::VpcLinkV2],
    );
    // The other services at once, each into its own state: what they look up of the REST
    // APIs (ids, stages, routes' functions) is read already.
    let rest = &state;
    let mut parts: [LiveState; 4] = Default::default();
    let [usage_s, lambda_s, edge_s, cw_s] = &mut parts;
    let (usage_read, lambda_read, (edge_read, v2_read), cw_read) = tokio::join!(
        usage::read(aws, owner, &adopt, rest, usage_s),
        lambda::read(aws, owner, &functions, rest, lambda_s),
        async {
            let edge = edge::read(aws, owner, desired, rest, edge_s).await;
            // After the edge: API mappings are read from the owned custom domains.
            (edge, apigwv2::read(aws, owner, &v2_adopt, edge_s).await)
        },
        cloudwatch::read(aws, owner, desired, cw_s),
    );
    let usage_errors = usage_read?;
    denied_unused(
        lambda_read,
        uses(&[Kind::LambdaPermission]),
        "Lambda permissions",
        &mut notes,
    )?;
    let used = uses(&[
        Kind::IpSet,
        Kind::WebAcl,
        Kind::WebAclAssociation,
        Kind::Certificate,
        Kind::DnsRecord,
        Kind::DomainName,
        Kind::BasePathMapping,
        Kind::ApiMapping,
    ]);
    let mut conflicts = unowned.conflicts;
    conflicts.extend(usage_errors);
    conflicts.extend(link_errors);
    conflicts.extend(
        denied_unused(edge_read, used, "WAF, certificates and DNS", &mut notes)?
            .unwrap_or_default(),
    );
    conflicts.extend(v2_read?);
    let used = uses(&[Kind::Alarm, Kind::Dashboard]);
    conflicts.extend(
        denied_unused(
            cw_read,
            used,
            "CloudWatch alarms and dashboards",
            &mut notes,
        )?
        .unwrap_or_default(),
    );
    for part in parts {
        state.resources.extend(part.resources);
    }
    // Log groups cannot be listed by tag cheaply: read the names wanted and those owned
    // stages point at.
    let mut names: BTreeSet<String> = desired
        .iter()
        .filter(|r| r.kind == Kind::LogGroup)
        .map(|r| r.name.clone())
        .collect();
    for r in state
        .resources
        .values()
        .filter(|r| matches!(r.kind, Kind::Stage | Kind::ApiStage))
    {
        if let Some(arn) = r
            .props
            .get("access_log_destination")
            .and_then(|v| v.as_str())
        {
            if let Some(name) = arn.split(":log-group:").nth(1) {
                names.insert(name.trim_end_matches(":*").to_string());
            }
        }
    }
    let adopt: BTreeMap<String, String> = desired
        .iter()
        .filter(|r| r.kind == Kind::LogGroup)
        .filter(|r| {
            r.payload
                .as_ref()
                .is_some_and(|p| p.get(crate::model::owner::ADOPT).is_some())
        })
        .map(|r| (r.name.clone(), r.id.clone()))
        .collect();
    conflicts.extend(logs::read(aws, owner, &names, &adopt, &mut state).await?);
    link_live_deps(&mut state);
    Ok(Live {
        state,
        conflicts,
        notes,
    })
}

/// A live resource whose props name another's AWS id or ARN depends on it: deleting the
/// other waits for this one to change first.
fn link_live_deps(state: &mut LiveState) {
    let needles: Vec<(String, String)> = state
        .resources
        .values()
        .flat_map(|r| {
            let attrs: &[&str] = match r.kind {
                Kind::VpcLink | Kind::Authorizer | Kind::Validator => &["id"],
                Kind::VpcLinkV2 | Kind::ApiAuthorizer | Kind::ApiIntegration => &["id"],
                Kind::LogGroup | Kind::IpSet | Kind::WebAcl => &["arn"],
                Kind::Model => &["name"],
                // A validation record is named after its certificate; an alias points at
                // its domain's target.
                Kind::Certificate => &["arn", "vname"],
                Kind::DomainName => &["target"],
                _ => &[],
            };
            r.outputs
                .iter()
                .filter(|(k, _)| attrs.iter().any(|a| k.starts_with(a)))
                .map(|(_, v)| v)
                .filter(|v| !v.is_empty())
                .map(|v| (r.id.clone(), v.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    if needles.is_empty() {
        return;
    }
    for r in state.resources.values_mut() {
        // A whole string or key names it, so a model `Zone` does not match `ZoneList`.
        let mut words = std::collections::HashSet::new();
        for v in r.props.values() {
            words_of(v, &mut words);
        }
        for (id, needle) in &needles {
            if *id != r.id && words.contains(needle.as_str()) {
                r.deps.insert(id.clone());
            }
        }
    }
}

fn words_of<'a>(v: &'a serde_json::Value, out: &mut std::collections::HashSet<&'a str>) {
    match v {
        serde_json::Value::String(s) => {
            out.insert(s);
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| words_of(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.insert(k);
            words_of(x, out)
        }),
        _ => {}
    }
}

/// Carry out one change; returns the resource's outputs afterwards.
pub async fn apply(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
) -> Result<kit::Out, AwsError> {
    // A replace creates the new copy; the plan deletes the old one in a later change.
    if ch.action == Action::Replace {
        return create_or_update(aws, ch, outputs, owner, Action::Create).await;
    }
    if ch.action == Action::Delete {
        delete(aws, ch, outputs).await?;
        return Ok(kit::Out::new());
    }
    create_or_update(aws, ch, outputs, owner, ch.action).await
}

/// The provider area that carries out a kind's changes (REST: the API, its tree, stages,
/// links and log groups).
enum Area {
    Rest,
    Items,
    Usage,
    Lambda,
    Edge,
    V2,
    CloudWatch,
}

fn area(kind: Kind) -> Area {
    match kind {
        Kind::Authorizer | Kind::Validator | Kind::Model | Kind::GatewayResponse => Area::Items,
        Kind::ApiKey | Kind::UsagePlan | Kind::UsagePlanKey => Area::Usage,
        Kind::LambdaPermission => Area::Lambda,
        Kind::IpSet
        | Kind::WebAcl
        | Kind::WebAclAssociation
        | Kind::Certificate
        | Kind::DnsRecord
        | Kind::DomainName
        | Kind::BasePathMapping => Area::Edge,
        Kind::VpcLinkV2
        | Kind::HttpApi
        | Kind::WebSocketApi
        | Kind::ApiAuthorizer
        | Kind::ApiIntegration
        | Kind::ApiRoute
        | Kind::ApiStage
        | Kind::ApiDeployment
        | Kind::ApiMapping => Area::V2,
        Kind::Alarm | Kind::Dashboard => Area::CloudWatch,
        Kind::VpcLink
        | Kind::LogGroup
        | Kind::RestApi
        | Kind::Path
        | Kind::Route
        | Kind::Deployment
        | Kind::Stage => Area::Rest,
    }
}

async fn create_or_update(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
    action: Action,
) -> Result<kit::Out, AwsError> {
    match area(ch.kind) {
        Area::Rest => rest_put(aws, ch, outputs, owner, action == Action::Create).await,
        Area::Items => api_items::put(aws, ch, outputs, action).await,
        Area::Usage => usage::put(aws, ch, outputs, owner, action).await,
        Area::Lambda => lambda::put(aws, ch).await,
        Area::Edge => edge::put(aws, ch, owner, action).await,
        Area::V2 => apigwv2::put(aws, ch, outputs, owner, action).await,
        Area::CloudWatch => cloudwatch::put(aws, ch, owner).await,
    }
}

async fn rest_put(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
    create: bool,
) -> Result<kit::Out, AwsError> {
    match ch.kind {
        Kind::VpcLink if create => w::create_vpc_link(aws, ch, owner).await,
        Kind::VpcLink => w::update_vpc_link(aws, ch, owner).await,
        Kind::LogGroup if create => logs::create(aws, ch, owner).await,
        Kind::LogGroup => logs::update(aws, ch, owner).await,
        Kind::RestApi if create => w::create_rest_api(aws, ch, owner).await,
        Kind::RestApi => w::update_rest_api(aws, ch, owner).await,
        Kind::Path => w::create_path(aws, ch, outputs).await,
        Kind::Route => {
            let mut c = ch.clone();
            if create {
                c.before = None;
            }
            w::put_route(aws, &c, outputs).await
        }
        Kind::Deployment => {
            let fp = kit::typed::<Deployment>(kit::after(ch))?.fingerprint;
            if ch.adopt {
                w::adopt_deployment(aws, ch, outputs, &fp).await
            } else {
                w::create_deployment(aws, ch, outputs, &fp).await
            }
        }
        Kind::Stage if create => stages::create_stage(aws, ch, outputs, owner).await,
        Kind::Stage => stages::update_stage(aws, ch, outputs).await,
        _ => Err(kit::not_here(ch, "REST API")),
    }
}

async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match area(ch.kind) {
        Area::Rest => rest_delete(aws, ch, outputs).await,
        Area::Items => api_items::delete(aws, ch, outputs).await,
        Area::Usage => usage::delete(aws, ch, outputs).await,
        Area::Lambda => lambda::delete(aws, ch).await,
        Area::Edge => edge::delete(aws, ch, outputs).await,
        Area::V2 => apigwv2::delete(aws, ch, outputs).await,
        Area::CloudWatch => cloudwatch::delete(aws, ch).await,
    }
}

async fn rest_delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match ch.kind {
        Kind::VpcLink => w::delete_vpc_link(aws, ch).await,
        Kind::LogGroup => logs::delete(aws, ch).await,
        Kind::RestApi => w::delete_rest_api(aws, ch).await,
        Kind::Path => w::delete_path(aws, ch, outputs).await,
        Kind::Route => w::delete_route(aws, ch, outputs).await,
        Kind::Deployment => w::delete_deployment(aws, ch, outputs).await,
        Kind::Stage => stages::delete_stage(aws, ch, outputs).await,
        _ => Err(kit::not_here(ch, "REST API")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LiveResource;
    use serde_json::{json, Value};

    fn live(id: &str, kind: Kind, props: Value, outputs: &[(&str, &str)]) -> LiveResource {
        let props = props.as_object().cloned().unwrap_or_default();
        let outputs = outputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LiveResource::new(
            id.into(),
            kind,
            id.into(),
            props.into_iter().collect(),
            outputs,
        )
    }

    #[test]
    fn a_whole_value_or_key_naming_another_makes_a_dependency() {
        let mut state = LiveState::default();
        state.insert(live(
            "model.api.Zone",
            Kind::Model,
            json!({}),
            &[("name", "Zone")],
        ));
        state.insert(live(
            "model.api.ZoneList",
            Kind::Model,
            json!({}),
            &[("name", "ZoneList")],
        ));
        state.insert(live(
            "vpc_link.main",
            Kind::VpcLink,
            json!({}),
            &[("id", "abc123")],
        ));
        state.insert(live(
            "route.api.GET /zones",
            Kind::Route,
            json!({"responses": {"200": {"models": {"application/json": "ZoneList"}}},
                   "integration": {"connection_id": "abc123"},
                   "description": "lists Zone items"}),
            &[],
        ));
        state.insert(live(
            "route.api.POST /zones",
            Kind::Route,
            json!({"request_models": {"Zone": "application/json"}}),
            &[],
        ));
        link_live_deps(&mut state);
        let deps = |id: &str| state.resources[id].deps.iter().cloned().collect::<Vec<_>>();
        assert_eq!(
            deps("route.api.GET /zones"),
            ["model.api.ZoneList", "vpc_link.main"]
        );
        assert_eq!(deps("route.api.POST /zones"), ["model.api.Zone"]);
        assert!(deps("model.api.Zone").is_empty());
    }
}
