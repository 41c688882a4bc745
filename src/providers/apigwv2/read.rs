//! Read the v2 VPC links, HTTP/WebSocket APIs (and their children) and API mappings this
//! stack owns, in the props shapes `model::v2` gives the desired side.

use super::props::{api_props, authorizer_props, integration_props, route_props, stage_props};
use super::shared::{key_of, PAGE};
use crate::diag::Diagnostic;
use crate::model::kinds::{self, Typed};
use crate::model::owner::{
    other_owner, owned_map as owned, protected, ADOPTED, DEPLOYMENT_PREFIX, TAG_STACK,
};
use crate::model::v2::INTEGRATION_PREFIX;
use crate::model::{Kind, LiveResource, LiveState, Props};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use crate::providers::kit::id_out;
use aws_sdk_apigatewayv2::types::{
    Api, ApiMapping, Authorizer, Integration, ProtocolType, Route, Stage, VpcLink,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub(super) async fn read(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
    state: &mut LiveState,
) -> Result<Vec<Diagnostic>, AwsError> {
    let (links, apis) = tokio::try_join!(
        read_vpc_links(aws, owner, adopt),
        list_apis(aws, owner, adopt)
    )?;
    let link_ids: HashMap<String, String> = links
        .iter()
        .filter_map(|l| Some((l.outputs.get("id")?.clone(), l.id.clone())))
        .collect();
    let errors = adopt_errors(aws, adopt, &apis, &links);
    for l in links {
        state.insert(l);
    }
    let reads = apis
        .iter()
        .map(|(id, protect, api)| read_api(aws, id, *protect, api, &link_ids));
    let mut v2_apis: HashMap<String, String> = HashMap::new();
    for result in futures::future::join_all(reads).await {
        let mut items = result?;
        link_api_to_vpc_links(&mut items, &link_ids);
        for r in items {
            if r.kind.is_api() {
                if let Some(aws_id) = r.outputs.get("id") {
                    v2_apis.insert(aws_id.clone(), r.id.clone());
                }
            }
            state.insert(r);
        }
    }
    if v2_apis.is_empty() {
        return Ok(errors);
    }
    // On AWS, base path mappings and API mappings are one thing seen through two APIs: the
    // REST reader (domains.rs) lists a v2 API's mapping as a base path mapping too. Those are
    // read here, as API mappings, only.
    state.resources.retain(|_, r| {
        !(r.kind == Kind::BasePathMapping
            && r.props
                .get("rest_api_id")
                .and_then(Value::as_str)
                .is_some_and(|id| v2_apis.contains_key(id)))
    });
    let domains: Vec<(String, String)> = state
        .resources
        .values()
        .filter(|r| r.kind == Kind::DomainName)
        .filter_map(|r| {
            let name = r
                .props
                .get("domain_name")
                .and_then(Value::as_str)
                .or_else(|| r.outputs.get("name").map(String::as_str))?;
            Some((r.id.clone(), name.to_string()))
        })
        .collect();
    let reads = domains
        .iter()
        .map(|(id, name)| read_mappings(aws, id, name, &v2_apis));
    for r in futures::future::try_join_all(reads).await? {
        for m in r {
            state.insert(m);
        }
    }
    Ok(errors)
}

/// An adopt id that is not among the APIs or links read (not found, or another stack's).
fn adopt_errors(
    aws: &Aws,
    adopt: &HashMap<String, String>,
    apis: &[(String, bool, Api)],
    links: &[LiveResource],
) -> Vec<Diagnostic> {
    let read = |aws_id: &str| {
        apis.iter().any(|(_, _, a)| a.api_id() == Some(aws_id))
            || links
                .iter()
                .any(|l| l.outputs.get("id").map(String::as_str) == Some(aws_id))
    };
    adopt
        .iter()
        .filter(|(aws_id, _)| !read(aws_id))
        .map(|(aws_id, id)| {
            let (what, list) = match id.starts_with("vpc_link_v2.") {
                true => ("v2 VPC link", "get-vpc-links"),
                false => ("HTTP or WebSocket API", "get-apis"),
            };
            Diagnostic::error(
                "ownership",
                format!("{id}: adopt names {aws_id}, which is not a {what} without an owner in {}", aws.region),
            )
            .hint(format!("check the id (`aws apigatewayv2 {list}`); one another stack owns cannot be adopted"))
        })
        .collect()
}

/// The API depends on the VPC links its integrations use: when the API goes (taking its
/// integrations along, with no change of their own), a link it used is deleted after it;
/// AWS refuses to delete a link an integration still uses.
fn link_api_to_vpc_links(items: &mut [LiveResource], link_ids: &HashMap<String, String>) {
    let used: BTreeSet<String> = items
        .iter()
        .filter(|r| r.kind == Kind::ApiIntegration)
        .filter_map(|r| r.props.get("connection_id").and_then(Value::as_str))
        .filter_map(|c| link_ids.get(c).cloned())
        .collect();
    for r in items.iter_mut().filter(|r| r.kind.is_api()) {
        r.deps.extend(used.iter().cloned());
    }
}

fn live(
    id: String,
    kind: Kind,
    name: String,
    props: Props,
    outputs: BTreeMap<String, String>,
    parent: Option<String>,
    protect: bool,
) -> LiveResource {
    LiveResource::new(id, kind, name, props, outputs)
        .with_parent(parent)
        .protected(protect)
}

// ---- VPC links ----

/// The v2 links the stack owns, and the untagged ones it adopts (`adopt`: AWS id → id).
async fn read_vpc_links(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    let links: Vec<VpcLink> = pages::all(aws, |t| {
        aws.apigwv2
            .get_vpc_links()
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await?;
    Ok(links
        .iter()
        .filter_map(|l| {
            if let Some((id, protect)) = owned(l.tags(), owner) {
                return Some(vpc_link_resource(id, protect, l));
            }
            let id = adopt.get(l.vpc_link_id()?)?;
            let tags = l.tags().cloned().unwrap_or_default();
            other_owner(&tags, owner).is_none().then(|| {
                let mut r = vpc_link_resource(id.clone(), false, l);
                r.outputs.insert(ADOPTED.into(), "true".into());
                r
            })
        })
        .collect())
}

fn vpc_link_resource(id: String, protect: bool, l: &VpcLink) -> LiveResource {
    let props = kinds::VpcLinkV2::new(
        l.name().unwrap_or_default().to_string(),
        l.subnet_ids().to_vec(),
        l.security_group_ids().to_vec(),
    )
    .to_props();
    live(
        id.clone(),
        Kind::VpcLinkV2,
        id.trim_start_matches("vpc_link_v2.").to_string(),
        props,
        id_out(l.vpc_link_id()),
        None,
        protect,
    )
}

// ---- APIs ----

pub(super) async fn all_apis(aws: &Aws) -> Result<Vec<Api>, AwsError> {
    pages::all(aws, |t| {
        aws.apigwv2
            .get_apis()
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await
}

/// The APIs the stack owns, and the untagged ones it adopts (their tags have no owner).
async fn list_apis(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
) -> Result<Vec<(String, bool, Api)>, AwsError> {
    Ok(all_apis(aws)
        .await?
        .into_iter()
        .filter_map(|a| {
            let adopted = || {
                let id = adopt.get(a.api_id()?)?;
                let tags = a.tags().cloned().unwrap_or_default();
                other_owner(&tags, owner)
                    .is_none()
                    .then(|| (id.clone(), false))
            };
            let (id, protect) = owned(a.tags(), owner).or_else(adopted)?;
            Some((id, protect, a))
        })
        .collect())
}

/// One owned API and everything under it.
async fn read_api(
    aws: &Aws,
    id: &str,
    protect: bool,
    api: &Api,
    links: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    // Untagged: read because the stack adopts it.
    let adopted = !api.tags().is_some_and(|t| t.contains_key(TAG_STACK));
    let websocket = api.protocol_type() == Some(&ProtocolType::Websocket);
    let kind = if websocket {
        Kind::WebSocketApi
    } else {
        Kind::HttpApi
    };
    let key = key_of(id).to_string();
    let id = id.to_string();
    let api_id = api.api_id().unwrap_or_default().to_string();
    let (integrations, routes, stages, listed) = tokio::try_join!(
        get_integrations(aws, &api_id),
        get_routes(aws, &api_id),
        get_stages(aws, &api_id),
        list_authorizers(aws, &api_id),
    )?;
    let authorizers = match listed {
        Some(a) => a,
        None => authorizers_named_by(aws, &api_id, &routes).await?,
    };
    let deployments = futures::future::try_join_all(
        stages
            .iter()
            .filter(|s| !s.auto_deploy().unwrap_or(false))
            .filter_map(|s| Some((s.stage_name()?, s.deployment_id()?)))
            .map(|(stage, dep)| get_deployment(aws, &api_id, stage, dep)),
    )
    .await?;

    let mut outputs = api_out(api);
    if adopted {
        outputs.insert(ADOPTED.into(), "true".into());
    }
    let mut out = vec![live(
        id.clone(),
        kind,
        key.clone(),
        api_props(api),
        outputs,
        None,
        protect,
    )];
    let under = Under {
        key: &key,
        parent: &id,
        websocket,
        adopted: adopted.then_some(links),
    };
    out.extend(under.children(&authorizers, &integrations, &routes));
    out.extend(under.stages(&stages, deployments.into_iter().flatten()));
    Ok(out)
}

/// Builds the live resources under one API.
struct Under<'a> {
    key: &'a str,
    parent: &'a str,
    websocket: bool,
    /// For an adopted API, the v2 VPC links (AWS id → resource id): its integrations carry
    /// no `idrv5-gw:` name and are named as the stack names them (`integration_key`).
    adopted: Option<&'a HashMap<String, String>>,
}

impl Under<'_> {
    fn child(
        &self,
        id: String,
        kind: Kind,
        name: String,
        props: Props,
        outputs: BTreeMap<String, String>,
    ) -> LiveResource {
        live(
            id,
            kind,
            name,
            props,
            outputs,
            Some(self.parent.to_string()),
            false,
        )
    }

    /// Authorizers, integrations (only those idrv5-gw named) and routes.
    fn children(
        &self,
        authorizers: &[Authorizer],
        integrations: &[Integration],
        routes: &[Route],
    ) -> Vec<LiveResource> {
        let (key, websocket) = (self.key, self.websocket);
        let mut out = Vec::new();
        for a in authorizers {
            let name = a.name().unwrap_or_default().to_string();
            out.push(self.child(
                format!("api_authorizer.{key}.{name}"),
                Kind::ApiAuthorizer,
                name,
                authorizer_props(a, websocket),
                id_out(a.authorizer_id()),
            ));
        }
        let mut named: Vec<String> = Vec::new();
        for i in integrations {
            let props = integration_props(i, websocket);
            let ikey = match i
                .description()
                .and_then(|d| d.strip_prefix(INTEGRATION_PREFIX))
            {
                Some(k) => k.to_string(),
                None => match self
                    .adopted
                    .and_then(|l| self.integration_key(&props, l, &named))
                {
                    Some(k) => k,
                    None => continue,
                },
            };
            named.push(ikey.clone());
            out.push(self.child(
                format!("api_integration.{key}.{ikey}"),
                Kind::ApiIntegration,
                ikey,
                props,
                id_out(i.integration_id()),
            ));
        }
        for r in routes {
            let route_key = r.route_key().unwrap_or_default().to_string();
            out.push(self.child(
                format!("api_route.{key}.{route_key}"),
                Kind::ApiRoute,
                route_key,
                route_props(r),
                id_out(r.route_id()),
            ));
        }
        out
    }

    /// The key the stack gives an integration of these settings (`model::v2`'s naming:
    /// what it reaches, `-2`, `-3` after the names taken).
    fn integration_key(
        &self,
        props: &Props,
        links: &HashMap<String, String>,
        taken: &[String],
    ) -> Option<String> {
        let p = kinds::ApiIntegration::from_props(props).ok()?;
        let links: HashMap<&str, &str> = links
            .iter()
            .map(|(aws_id, id)| (aws_id.as_str(), id.trim_start_matches("vpc_link_v2.")))
            .collect();
        let i =
            crate::model::import_v2::integration(&p, self.websocket, &links, "", &mut Vec::new())?;
        let base = crate::model::v2::integration_name(&i);
        let n = taken
            .iter()
            .filter(|k| **k == base || k.starts_with(&format!("{base}-")))
            .count();
        Some(if n == 0 {
            base
        } else {
            format!("{base}-{}", n + 1)
        })
    }

    /// Stages, and the managed deployments (stage, id, fingerprint) of those without
    /// auto-deploy.
    fn stages(
        &self,
        stages: &[Stage],
        deployments: impl Iterator<Item = (String, String, String)>,
    ) -> Vec<LiveResource> {
        let key = self.key;
        let mut out = Vec::new();
        for s in stages {
            let name = s.stage_name().unwrap_or_default().to_string();
            let mut outputs: BTreeMap<String, String> = [("id".to_string(), name.clone())].into();
            if let Some(d) = s.deployment_id() {
                outputs.insert("deployment_id".into(), d.to_string());
            }
            let mut r = self.child(
                format!("api_stage.{key}.{name}"),
                Kind::ApiStage,
                name,
                stage_props(s, self.websocket).to_props(),
                outputs,
            );
            r.protect = protected(s.tags());
            out.push(r);
        }
        for (stage, dep_id, fingerprint) in deployments {
            out.push(
                self.child(
                    format!("api_deployment.{key}.{stage}"),
                    Kind::ApiDeployment,
                    format!("{key}/{stage}"),
                    kinds::ApiDeployment {
                        fingerprint: fingerprint.clone(),
                    }
                    .to_props(),
                    [
                        ("id".to_string(), dep_id),
                        ("fingerprint".to_string(), fingerprint),
                    ]
                    .into(),
                ),
            );
        }
        out
    }
}

/// The v2 VPC link or API `ch` stands for, found by its ownership tag, after a create whose
/// answer was lost.
pub(super) async fn find_owned(
    aws: &Aws,
    owner: &str,
    ch: &crate::plan::Change,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    if ch.kind == Kind::VpcLinkV2 {
        let links = read_vpc_links(aws, owner, &HashMap::new()).await?;
        return Ok(links.into_iter().find(|r| r.id == ch.id).map(|r| r.outputs));
    }
    let apis = list_apis(aws, owner, &HashMap::new()).await?;
    let found = apis.into_iter().find(|(id, _, _)| *id == ch.id);
    Ok(found.map(|(_, _, a)| api_out(&a)))
}

/// The authorizer, integration or route `ch` stands for under the API `api_id`, named as
/// `read` names it, or the deployment with its fingerprint, after a create whose answer
/// was lost. None where the endpoint cannot list them.
pub(super) async fn find_child(
    aws: &Aws,
    ch: &crate::plan::Change,
    api_id: &str,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    let parent = ch.parent.clone().unwrap_or_default();
    let under = Under {
        key: key_of(&parent),
        parent: &parent,
        websocket: super::shared::is_websocket(&parent),
        adopted: None,
    };
    let items = match ch.kind {
        Kind::ApiAuthorizer => {
            let listed = list_authorizers(aws, api_id).await?.unwrap_or_default();
            under.children(&listed, &[], &[])
        }
        Kind::ApiIntegration => under.children(&[], &get_integrations(aws, api_id).await?, &[]),
        Kind::ApiRoute => under.children(&[], &[], &get_routes(aws, api_id).await?),
        _ => return find_deployment(aws, ch, api_id).await,
    };
    Ok(items.into_iter().find(|r| r.id == ch.id).map(|r| r.outputs))
}

async fn find_deployment(
    aws: &Aws,
    ch: &crate::plan::Change,
    api_id: &str,
) -> Result<Option<BTreeMap<String, String>>, AwsError> {
    let fingerprint = ch
        .after
        .as_ref()
        .and_then(|a| a.get("fingerprint"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let description = format!("{DEPLOYMENT_PREFIX}{fingerprint}");
    let all = pages::all_if_supported(aws, |t| {
        aws.apigwv2
            .get_deployments()
            .api_id(api_id)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await?
    .unwrap_or_default();
    let found = all
        .iter()
        .find(|d| d.description() == Some(description.as_str()));
    Ok(found.map(|d| {
        let mut out = id_out(d.deployment_id());
        out.insert("fingerprint".into(), fingerprint.into());
        out
    }))
}

/// An API's outputs: its id and endpoint.
pub(super) fn api_out(a: &Api) -> BTreeMap<String, String> {
    [
        ("id".to_string(), a.api_id().unwrap_or_default().to_string()),
        (
            "endpoint".to_string(),
            a.api_endpoint().unwrap_or_default().to_string(),
        ),
    ]
    .into()
}

async fn get_integrations(aws: &Aws, api_id: &str) -> Result<Vec<Integration>, AwsError> {
    pages::all(aws, |t| {
        aws.apigwv2
            .get_integrations()
            .api_id(api_id)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await
}

async fn get_routes(aws: &Aws, api_id: &str) -> Result<Vec<Route>, AwsError> {
    pages::all(aws, |t| {
        aws.apigwv2
            .get_routes()
            .api_id(api_id)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await
}

async fn get_stages(aws: &Aws, api_id: &str) -> Result<Vec<Stage>, AwsError> {
    pages::all(aws, |t| {
        aws.apigwv2
            .get_stages()
            .api_id(api_id)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await
}

/// All authorizers, or None when the endpoint does not implement GetAuthorizers (it answered
/// without an AWS error code, e.g. an emulator's HTML error page).
async fn list_authorizers(aws: &Aws, api_id: &str) -> Result<Option<Vec<Authorizer>>, AwsError> {
    pages::all_if_supported(aws, |t| {
        aws.apigwv2
            .get_authorizers()
            .api_id(api_id)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await
}

/// The fallback: GetAuthorizer for each authorizer a route names. Authorizers no route names
/// stay invisible (docs/EMULATOR.md).
async fn authorizers_named_by(
    aws: &Aws,
    api_id: &str,
    routes: &[Route],
) -> Result<Vec<Authorizer>, AwsError> {
    let ids: BTreeSet<&str> = routes
        .iter()
        .filter_map(|r| r.authorizer_id())
        .filter(|id| !id.is_empty())
        .collect();
    let gets = ids.into_iter().map(|id| async move {
        let got = aws
            .call(|| {
                aws.apigwv2
                    .get_authorizer()
                    .api_id(api_id)
                    .authorizer_id(id)
                    .send()
            })
            .await;
        match got {
            Ok(a) => Ok(Some(
                Authorizer::builder()
                    .set_authorizer_credentials_arn(a.authorizer_credentials_arn)
                    .set_authorizer_id(a.authorizer_id)
                    .set_authorizer_payload_format_version(a.authorizer_payload_format_version)
                    .set_authorizer_result_ttl_in_seconds(a.authorizer_result_ttl_in_seconds)
                    .set_authorizer_type(a.authorizer_type)
                    .set_authorizer_uri(a.authorizer_uri)
                    .set_enable_simple_responses(a.enable_simple_responses)
                    .set_identity_source(a.identity_source)
                    .set_identity_validation_expression(a.identity_validation_expression)
                    .set_jwt_configuration(a.jwt_configuration)
                    .set_name(a.name)
                    .build(),
            )),
            // A route naming a deleted authorizer: nothing to read.
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    });
    Ok(futures::future::try_join_all(gets)
        .await?
        .into_iter()
        .flatten()
        .collect())
}

/// (stage, deployment id, fingerprint) when the stage serves a deployment this tool made.
async fn get_deployment(
    aws: &Aws,
    api_id: &str,
    stage: &str,
    dep_id: &str,
) -> Result<Option<(String, String, String)>, AwsError> {
    let got = aws
        .call(|| {
            aws.apigwv2
                .get_deployment()
                .api_id(api_id)
                .deployment_id(dep_id)
                .send()
        })
        .await;
    let d = match got {
        Ok(d) => d,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(d.description()
        .and_then(|t| t.strip_prefix(DEPLOYMENT_PREFIX))
        .map(|fp| (stage.to_string(), dep_id.to_string(), fp.to_string())))
}

// ---- API mappings ----

async fn read_mappings(
    aws: &Aws,
    domain_id: &str,
    domain: &str,
    v2_apis: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    let dkey = domain_id.trim_start_matches("domain_name.");
    let got: Result<Vec<ApiMapping>, AwsError> = pages::all(aws, |t| {
        aws.apigwv2
            .get_api_mappings()
            .domain_name(domain)
            .max_results(PAGE)
            .set_next_token(t)
            .send()
    })
    .await;
    let mappings = match got {
        Ok(m) => m,
        // Gone between the domain read and now, or (emulators) unknown to v2.
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(mappings
        .iter()
        .filter_map(|m| mapping_resource(domain_id, dkey, domain, m, v2_apis))
        .collect())
}

/// Only mappings to an owned v2 API; a REST API's mapping is the base path mapping reader's.
pub(super) fn mapping_resource(
    domain_id: &str,
    dkey: &str,
    domain: &str,
    m: &ApiMapping,
    v2_apis: &HashMap<String, String>,
) -> Option<LiveResource> {
    let api_id = m.api_id()?;
    let api = v2_apis.get(api_id)?;
    let mkey = m.api_mapping_key().unwrap_or_default();
    // The stack names the root mapping `(none)`, as base path mappings do.
    let id_part = if mkey.is_empty() { "(none)" } else { mkey };
    let stage = m.stage().unwrap_or_default();
    let mut r = live(
        format!("api_mapping.{dkey}.{id_part}"),
        Kind::ApiMapping,
        format!("{domain}/{mkey}"),
        kinds::ApiMapping {
            domain_name: domain.to_string(),
            api_id: api_id.to_string(),
            stage: stage.to_string(),
            api_mapping_key: mkey.to_string(),
        }
        .to_props(),
        id_out(m.api_mapping_id()),
        None,
        false,
    );
    r.deps = [
        domain_id.to_string(),
        api.clone(),
        format!("api_stage.{}.{stage}", key_of(api)),
    ]
    .into();
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_api_waits_on_the_vpc_links_its_integrations_use() {
        let links: HashMap<String, String> =
            [("vl1".to_string(), "vpc_link_v2.private".to_string())].into();
        let mut items = vec![
            live(
                "http_api.items".into(),
                Kind::HttpApi,
                "items".into(),
                Props::new(),
                id_out(Some("a1")),
                None,
                false,
            ),
            live(
                "api_integration.items.vpc-private".into(),
                Kind::ApiIntegration,
                "vpc-private".into(),
                [("connection_id".to_string(), json!("vl1"))].into(),
                id_out(Some("i1")),
                Some("http_api.items".into()),
                false,
            ),
        ];
        link_api_to_vpc_links(&mut items, &links);
        assert!(items[0].deps.contains("vpc_link_v2.private"));
        assert!(items[1].deps.is_empty());
    }

    #[test]
    fn mappings_only_for_owned_v2_apis() {
        let apis: HashMap<String, String> =
            [("a1".to_string(), "http_api.main".to_string())].into();
        let root = ApiMapping::builder()
            .api_id("a1")
            .api_mapping_id("m1")
            .api_mapping_key("")
            .stage("$default")
            .build();
        let r = mapping_resource("domain_name.web", "web", "api.example.com", &root, &apis)
            .expect("owned");
        assert_eq!(r.id, "api_mapping.web.(none)");
        assert_eq!(r.name, "api.example.com/");
        assert_eq!(r.props["api_mapping_key"], json!(""));
        assert!(r.deps.contains("api_stage.main.$default"));
        let rest = ApiMapping::builder().api_id("rest1").stage("prod").build();
        assert!(mapping_resource("domain_name.web", "web", "d", &rest, &apis).is_none());
    }
}
