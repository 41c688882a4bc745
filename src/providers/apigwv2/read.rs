//! Read the v2 VPC links, HTTP/WebSocket APIs (and their children) and API mappings this
//! stack owns, in the props shapes `model::v2` gives the desired side.

use super::{
    key_of, owned, protected, sorted, Aws, AwsError, DEPLOYMENT_PREFIX, INTEGRATION_PREFIX,
};
use crate::model::usage::number;
use crate::model::{Kind, LiveResource, LiveState, Props};
use aws_sdk_apigatewayv2::types::{
    Api, ApiMapping, Authorizer, Integration, ProtocolType, Route, RouteSettings, Stage, VpcLink,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

const PAGE: &str = "500";

pub(super) async fn read(aws: &Aws, owner: &str, state: &mut LiveState) -> Result<(), AwsError> {
    let (links, apis) = tokio::try_join!(read_vpc_links(aws, owner), list_apis(aws, owner))?;
    let link_ids: HashMap<String, String> = links
        .iter()
        .filter_map(|l| Some((l.outputs.get("id")?.clone(), l.id.clone())))
        .collect();
    for l in links {
        state.insert(l);
    }
    let reads = apis
        .iter()
        .map(|(id, protect, api)| read_api(aws, id, *protect, api));
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
        return Ok(());
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
    Ok(())
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
    LiveResource {
        id,
        kind,
        name,
        props,
        outputs,
        deps: BTreeSet::new(),
        parent,
        protect,
    }
}

fn id_out(id: Option<&str>) -> BTreeMap<String, String> {
    [("id".to_string(), id.unwrap_or_default().to_string())].into()
}

// ---- VPC links ----

async fn read_vpc_links(aws: &Aws, owner: &str) -> Result<Vec<LiveResource>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .call("GetVpcLinks:v2", || {
                aws.apigwv2
                    .get_vpc_links()
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for l in page.items() {
            if let Some((id, protect)) = owned(l.tags(), owner) {
                out.push(vpc_link_resource(id, protect, l));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
}

fn vpc_link_resource(id: String, protect: bool, l: &VpcLink) -> LiveResource {
    let props: Props = [
        ("name".to_string(), json!(l.name().unwrap_or_default())),
        ("subnet_ids".to_string(), sorted(l.subnet_ids())),
        (
            "security_group_ids".to_string(),
            sorted(l.security_group_ids()),
        ),
    ]
    .into();
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

async fn list_apis(aws: &Aws, owner: &str) -> Result<Vec<(String, bool, Api)>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .call("GetApis", || {
                aws.apigwv2
                    .get_apis()
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        for a in page.items() {
            if let Some((id, protect)) = owned(a.tags(), owner) {
                out.push((id, protect, a.clone()));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
}

pub(super) fn api_props(a: &Api) -> Props {
    let websocket = a.protocol_type() == Some(&ProtocolType::Websocket);
    let cors = match a.cors_configuration() {
        Some(c) if !websocket => json!({
            "allow_origins": sorted(c.allow_origins()),
            "allow_methods": sorted(c.allow_methods()),
            "allow_headers": sorted(c.allow_headers()),
            "expose_headers": sorted(c.expose_headers()),
            "max_age": c.max_age(),
            "allow_credentials": c.allow_credentials().unwrap_or(false),
        }),
        _ => Value::Null,
    };
    [
        ("name".to_string(), json!(a.name().unwrap_or_default())),
        (
            "description".to_string(),
            json!(a.description().unwrap_or_default()),
        ),
        (
            "protocol_type".to_string(),
            json!(a.protocol_type().map(|p| p.as_str()).unwrap_or("HTTP")),
        ),
        (
            "route_selection_expression".to_string(),
            json!(a.route_selection_expression().unwrap_or_default()),
        ),
        (
            "disable_execute_api_endpoint".to_string(),
            json!(a.disable_execute_api_endpoint().unwrap_or(false)),
        ),
        ("cors".to_string(), cors),
    ]
    .into()
}

/// One owned API and everything under it.
async fn read_api(
    aws: &Aws,
    id: &str,
    protect: bool,
    api: &Api,
) -> Result<Vec<LiveResource>, AwsError> {
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

    let parent = Some(id.clone());
    let mut out = vec![live(
        id.clone(),
        kind,
        key.clone(),
        api_props(api),
        [
            ("id".to_string(), api_id.clone()),
            (
                "endpoint".to_string(),
                api.api_endpoint().unwrap_or_default().to_string(),
            ),
        ]
        .into(),
        None,
        protect,
    )];
    for a in &authorizers {
        let name = a.name().unwrap_or_default().to_string();
        out.push(live(
            format!("api_authorizer.{key}.{name}"),
            Kind::ApiAuthorizer,
            name,
            authorizer_props(a, websocket),
            id_out(a.authorizer_id()),
            parent.clone(),
            false,
        ));
    }
    for i in &integrations {
        let Some(ikey) = i
            .description()
            .and_then(|d| d.strip_prefix(INTEGRATION_PREFIX))
        else {
            continue;
        };
        out.push(live(
            format!("api_integration.{key}.{ikey}"),
            Kind::ApiIntegration,
            ikey.to_string(),
            integration_props(i, websocket),
            id_out(i.integration_id()),
            parent.clone(),
            false,
        ));
    }
    for r in &routes {
        let route_key = r.route_key().unwrap_or_default().to_string();
        out.push(live(
            format!("api_route.{key}.{route_key}"),
            Kind::ApiRoute,
            route_key,
            route_props(r),
            id_out(r.route_id()),
            parent.clone(),
            false,
        ));
    }
    for s in &stages {
        let name = s.stage_name().unwrap_or_default().to_string();
        let mut outputs: BTreeMap<String, String> = [("id".to_string(), name.clone())].into();
        if let Some(d) = s.deployment_id() {
            outputs.insert("deployment_id".into(), d.to_string());
        }
        out.push(live(
            format!("api_stage.{key}.{name}"),
            Kind::ApiStage,
            name,
            stage_props(s, websocket),
            outputs,
            parent.clone(),
            protected(s.tags()),
        ));
    }
    for (stage, dep_id, fingerprint) in deployments.into_iter().flatten() {
        out.push(live(
            format!("api_deployment.{key}.{stage}"),
            Kind::ApiDeployment,
            format!("{key}/{stage}"),
            [("fingerprint".to_string(), json!(fingerprint))].into(),
            [
                ("id".to_string(), dep_id),
                ("fingerprint".to_string(), fingerprint),
            ]
            .into(),
            parent.clone(),
            false,
        ));
    }
    Ok(out)
}

async fn get_integrations(aws: &Aws, api_id: &str) -> Result<Vec<Integration>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .call("GetIntegrations", || {
                aws.apigwv2
                    .get_integrations()
                    .api_id(api_id)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        out.extend(page.items().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
}

async fn get_routes(aws: &Aws, api_id: &str) -> Result<Vec<Route>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .call("GetRoutes", || {
                aws.apigwv2
                    .get_routes()
                    .api_id(api_id)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        out.extend(page.items().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
}

async fn get_stages(aws: &Aws, api_id: &str) -> Result<Vec<Stage>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws
            .call("GetStages:v2", || {
                aws.apigwv2
                    .get_stages()
                    .api_id(api_id)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        out.extend(page.items().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
}

/// All authorizers, or None when the endpoint does not implement GetAuthorizers (it answered
/// without an AWS error code, e.g. an emulator's HTML error page).
async fn list_authorizers(aws: &Aws, api_id: &str) -> Result<Option<Vec<Authorizer>>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let Some(page) = aws
            .call_if_supported("GetAuthorizers:v2", || {
                aws.apigwv2
                    .get_authorizers()
                    .api_id(api_id)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?
        else {
            return Ok(None);
        };
        out.extend(page.items().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(Some(out));
        }
    }
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
            .call("GetAuthorizer:v2", || {
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
        .call("GetDeployment:v2", || {
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

// ---- children: props as the desired side writes them ----

pub(super) fn authorizer_props(a: &Authorizer, websocket: bool) -> Props {
    let kind = a.authorizer_type().map(|t| t.as_str()).unwrap_or("REQUEST");
    let jwt = kind == "JWT";
    let http_request = !websocket && kind == "REQUEST";
    let conf = a.jwt_configuration().filter(|_| jwt);
    [
        ("name".to_string(), json!(a.name().unwrap_or_default())),
        ("type".to_string(), json!(kind)),
        ("identity_source".to_string(), json!(a.identity_source())),
        (
            "jwt_issuer".to_string(),
            json!(conf.and_then(|c| c.issuer())),
        ),
        (
            "jwt_audience".to_string(),
            conf.map(|c| sorted(c.audience())).unwrap_or(Value::Null),
        ),
        (
            "authorizer_uri".to_string(),
            json!(a.authorizer_uri().filter(|u| !u.is_empty())),
        ),
        (
            "payload_format_version".to_string(),
            json!(a
                .authorizer_payload_format_version()
                .filter(|_| http_request)),
        ),
        (
            "enable_simple_responses".to_string(),
            if http_request {
                json!(a.enable_simple_responses().unwrap_or(false))
            } else {
                Value::Null
            },
        ),
        (
            "ttl_seconds".to_string(),
            if jwt {
                Value::Null
            } else {
                json!(a.authorizer_result_ttl_in_seconds().unwrap_or(0))
            },
        ),
    ]
    .into()
}

/// AWS's default integration timeout: 30 s for HTTP APIs, 29 s for WebSocket APIs (where
/// 30 s, what moto reports, is above the maximum and so never a value the stack set).
pub(super) fn default_timeout(websocket: bool, ms: i32) -> bool {
    if websocket {
        ms == 29_000 || ms == 30_000
    } else {
        ms == 30_000
    }
}

pub(super) fn integration_props(i: &Integration, websocket: bool) -> Props {
    let kind = i
        .integration_type()
        .map(|t| t.as_str())
        .unwrap_or("AWS_PROXY");
    // POST is the only method a Lambda proxy takes; AWS reports it unasked.
    let method = i
        .integration_method()
        .filter(|m| !m.is_empty())
        .filter(|m| !(kind == "AWS_PROXY" && *m == "POST") && kind != "MOCK");
    // HTTP APIs: "1.0"/"2.0" for a Lambda proxy, "1.0" (the only value) for HTTP_PROXY.
    // WebSocket APIs report "1.0" unasked: not the stack's.
    let payload = i
        .payload_format_version()
        .filter(|_| !websocket && kind != "MOCK");
    let connection_type = i
        .connection_type()
        .map(|c| c.as_str())
        .unwrap_or("INTERNET");
    let connection_id = i
        .connection_id()
        .filter(|c| !c.is_empty() && connection_type == "VPC_LINK");
    let timeout = i
        .timeout_in_millis()
        .filter(|ms| !default_timeout(websocket, *ms));
    [
        (
            "description".to_string(),
            json!(i.description().unwrap_or_default()),
        ),
        ("type".to_string(), json!(kind)),
        (
            "uri".to_string(),
            json!(i.integration_uri().filter(|u| !u.is_empty())),
        ),
        ("method".to_string(), json!(method)),
        ("payload_format_version".to_string(), json!(payload)),
        ("connection_type".to_string(), json!(connection_type)),
        ("connection_id".to_string(), json!(connection_id)),
        ("timeout_ms".to_string(), json!(timeout)),
    ]
    .into()
}

/// `integrations/abc123` → `abc123`.
pub(super) fn integration_of_target(target: Option<&str>) -> Option<&str> {
    target?
        .strip_prefix("integrations/")
        .filter(|id| !id.is_empty())
}

pub(super) fn route_props(r: &Route) -> Props {
    [
        (
            "route_key".to_string(),
            json!(r.route_key().unwrap_or_default()),
        ),
        (
            "integration_id".to_string(),
            json!(integration_of_target(r.target())),
        ),
        (
            "authorization_type".to_string(),
            json!(r.authorization_type().map(|t| t.as_str()).unwrap_or("NONE")),
        ),
        (
            "authorizer_id".to_string(),
            json!(r.authorizer_id().filter(|a| !a.is_empty())),
        ),
        (
            "authorization_scopes".to_string(),
            sorted(r.authorization_scopes()),
        ),
        (
            "route_response".to_string(),
            json!(r
                .route_response_selection_expression()
                .filter(|e| !e.is_empty())),
        ),
    ]
    .into()
}

fn throttling(s: Option<&RouteSettings>) -> (Value, Value) {
    (
        json!(s.and_then(|s| s.throttling_burst_limit())),
        s.and_then(|s| s.throttling_rate_limit())
            .map(number)
            .unwrap_or(Value::Null),
    )
}

pub(super) fn stage_props(s: &Stage, websocket: bool) -> Props {
    let d = s.default_route_settings();
    let (burst, rate) = throttling(d);
    let defaults = json!({
        "throttling_burst_limit": burst,
        "throttling_rate_limit": rate,
        "detailed_metrics_enabled": d.and_then(|d| d.detailed_metrics_enabled()).unwrap_or(false),
        "logging_level": if websocket {
            json!(d.and_then(|d| d.logging_level()).map(|l| l.as_str()).unwrap_or("OFF"))
        } else {
            Value::Null
        },
        "data_trace_enabled": if websocket {
            json!(d.and_then(|d| d.data_trace_enabled()).unwrap_or(false))
        } else {
            Value::Null
        },
    });
    let mut routes = Map::new();
    for (k, v) in s.route_settings().into_iter().flatten() {
        let (burst, rate) = throttling(Some(v));
        routes.insert(
            k.clone(),
            json!({"throttling_burst_limit": burst, "throttling_rate_limit": rate}),
        );
    }
    let logs = s.access_log_settings();
    let vars: Map<String, Value> = s
        .stage_variables()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    [
        (
            "stage_name".to_string(),
            json!(s.stage_name().unwrap_or_default()),
        ),
        (
            "description".to_string(),
            json!(s.description().filter(|d| !d.is_empty())),
        ),
        (
            "auto_deploy".to_string(),
            json!(s.auto_deploy().unwrap_or(false)),
        ),
        ("default_route_settings".to_string(), defaults),
        ("route_settings".to_string(), Value::Object(routes)),
        (
            "access_log_destination".to_string(),
            json!(logs
                .and_then(|l| l.destination_arn())
                .filter(|d| !d.is_empty())
                .map(|d| d.strip_suffix(":*").unwrap_or(d))),
        ),
        (
            "access_log_format".to_string(),
            json!(logs.and_then(|l| l.format()).filter(|f| !f.is_empty())),
        ),
        ("stage_variables".to_string(), Value::Object(vars)),
    ]
    .into()
}

// ---- API mappings ----

async fn read_mappings(
    aws: &Aws,
    domain_id: &str,
    domain: &str,
    v2_apis: &HashMap<String, String>,
) -> Result<Vec<LiveResource>, AwsError> {
    let dkey = domain_id.trim_start_matches("domain_name.");
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let got = aws
            .call("GetApiMappings", || {
                aws.apigwv2
                    .get_api_mappings()
                    .domain_name(domain)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await;
        let page = match got {
            Ok(p) => p,
            // Gone between the domain read and now, or (emulators) unknown to v2.
            Err(e) if e.is_not_found() => return Ok(out),
            Err(e) => return Err(e),
        };
        for m in page.items() {
            if let Some(r) = mapping_resource(domain_id, dkey, domain, m, v2_apis) {
                out.push(r);
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() || page.items().is_empty() {
            return Ok(out);
        }
    }
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
        [
            ("domain_name".to_string(), json!(domain)),
            ("api_id".to_string(), json!(api_id)),
            ("stage".to_string(), json!(stage)),
            ("api_mapping_key".to_string(), json!(mkey)),
        ]
        .into(),
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
    use aws_sdk_apigatewayv2::types::{
        AccessLogSettings, AuthorizerType, ConnectionType, Cors, IntegrationType, JwtConfiguration,
        LoggingLevel,
    };

    #[test]
    fn targets_parse_back_to_integration_ids() {
        assert_eq!(
            integration_of_target(Some("integrations/abc1")),
            Some("abc1")
        );
        assert_eq!(integration_of_target(Some("integrations/")), None);
        assert_eq!(integration_of_target(Some("other")), None);
        assert_eq!(integration_of_target(None), None);
    }

    #[test]
    fn integration_defaults_read_as_null() {
        let lambda = Integration::builder()
            .description("idrv5-gw:items")
            .integration_type(IntegrationType::AwsProxy)
            .integration_uri("arn:aws:lambda:ap-southeast-2:1:function:f")
            .integration_method("POST")
            .payload_format_version("2.0")
            .connection_type(ConnectionType::Internet)
            .timeout_in_millis(30_000)
            .build();
        let p = integration_props(&lambda, false);
        assert_eq!(p["method"], Value::Null);
        assert_eq!(p["timeout_ms"], Value::Null);
        assert_eq!(p["payload_format_version"], json!("2.0"));
        assert_eq!(p["connection_id"], Value::Null);
        // WebSocket: no payload format version; 29 s (AWS) and 30 s (moto) are defaults.
        let ws = integration_props(&lambda, true);
        assert_eq!(ws["payload_format_version"], Value::Null);
        assert_eq!(ws["timeout_ms"], Value::Null);
        let http = Integration::builder()
            .description("idrv5-gw:legacy")
            .integration_type(IntegrationType::HttpProxy)
            .integration_uri("https://example.com")
            .integration_method("GET")
            .payload_format_version("1.0")
            .connection_type(ConnectionType::VpcLink)
            .connection_id("vl1")
            .timeout_in_millis(5_000)
            .build();
        let p = integration_props(&http, false);
        assert_eq!(p["method"], json!("GET"));
        assert_eq!(p["timeout_ms"], json!(5000));
        assert_eq!(p["payload_format_version"], json!("1.0"));
        assert_eq!(
            integration_props(&http, true)["payload_format_version"],
            Value::Null
        );
        assert_eq!(p["connection_type"], json!("VPC_LINK"));
        assert_eq!(p["connection_id"], json!("vl1"));
    }

    #[test]
    fn authorizer_fields_follow_type_and_protocol() {
        let jwt = Authorizer::builder()
            .name("cognito")
            .authorizer_type(AuthorizerType::Jwt)
            .identity_source("$request.header.Authorization")
            .jwt_configuration(
                JwtConfiguration::builder()
                    .issuer("https://issuer")
                    .audience("b")
                    .audience("a")
                    .build(),
            )
            .authorizer_result_ttl_in_seconds(0)
            .build();
        let p = authorizer_props(&jwt, false);
        assert_eq!(p["jwt_audience"], json!(["a", "b"]));
        assert_eq!(p["ttl_seconds"], Value::Null);
        assert_eq!(p["enable_simple_responses"], Value::Null);
        let lambda = Authorizer::builder()
            .name("fn")
            .authorizer_type(AuthorizerType::Request)
            .identity_source("$request.header.b")
            .identity_source("$request.header.a")
            .authorizer_uri("arn:aws:apigateway:x:lambda:path/fn")
            .authorizer_payload_format_version("2.0")
            .authorizer_result_ttl_in_seconds(300)
            .build();
        let p = authorizer_props(&lambda, false);
        assert_eq!(
            p["identity_source"],
            json!(["$request.header.b", "$request.header.a"])
        );
        assert_eq!(p["payload_format_version"], json!("2.0"));
        assert_eq!(p["enable_simple_responses"], json!(false));
        assert_eq!(p["ttl_seconds"], json!(300));
        assert_eq!(p["jwt_issuer"], Value::Null);
        let ws = authorizer_props(&lambda, true);
        assert_eq!(ws["payload_format_version"], Value::Null);
        assert_eq!(ws["enable_simple_responses"], Value::Null);
    }

    #[test]
    fn stage_reads_defaults_by_protocol() {
        let s = Stage::builder()
            .stage_name("$default")
            .auto_deploy(true)
            .default_route_settings(
                RouteSettings::builder()
                    .detailed_metrics_enabled(false)
                    .throttling_rate_limit(100.0)
                    .throttling_burst_limit(50)
                    .build(),
            )
            .route_settings(
                "GET /items",
                RouteSettings::builder().throttling_burst_limit(5).build(),
            )
            .access_log_settings(
                AccessLogSettings::builder()
                    .destination_arn("arn:aws:logs:r:1:log-group:g:*")
                    .format("$context.requestId")
                    .build(),
            )
            .build();
        let p = stage_props(&s, false);
        assert_eq!(
            p["default_route_settings"],
            json!({"throttling_burst_limit": 50, "throttling_rate_limit": 100,
                   "detailed_metrics_enabled": false, "logging_level": null,
                   "data_trace_enabled": null})
        );
        assert_eq!(
            p["route_settings"],
            json!({"GET /items": {"throttling_burst_limit": 5, "throttling_rate_limit": null}})
        );
        assert_eq!(
            p["access_log_destination"],
            json!("arn:aws:logs:r:1:log-group:g")
        );
        assert_eq!(p["description"], Value::Null);
        assert_eq!(p["stage_variables"], json!({}));
        let ws = Stage::builder()
            .stage_name("prod")
            .default_route_settings(
                RouteSettings::builder()
                    .logging_level(LoggingLevel::Error)
                    .build(),
            )
            .build();
        let p = stage_props(&ws, true);
        assert_eq!(p["default_route_settings"]["logging_level"], json!("ERROR"));
        assert_eq!(
            p["default_route_settings"]["data_trace_enabled"],
            json!(false)
        );
        assert_eq!(p["auto_deploy"], json!(false));
    }

    #[test]
    fn http_cors_is_sorted_and_websocket_has_none() {
        let api = Api::builder()
            .name("main")
            .protocol_type(ProtocolType::Http)
            .route_selection_expression("$request.method $request.path")
            .cors_configuration(
                Cors::builder()
                    .allow_origins("https://b")
                    .allow_origins("https://a")
                    .max_age(60)
                    .build(),
            )
            .build();
        let p = api_props(&api);
        assert_eq!(
            p["cors"]["allow_origins"],
            json!(["https://a", "https://b"])
        );
        assert_eq!(p["cors"]["allow_methods"], json!([]));
        assert_eq!(p["cors"]["max_age"], json!(60));
        assert_eq!(p["cors"]["allow_credentials"], json!(false));
        assert_eq!(p["description"], json!(""));
        assert_eq!(p["disable_execute_api_endpoint"], json!(false));
    }

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
