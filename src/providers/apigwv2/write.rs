//! Create, update and delete v2 VPC links, APIs, authorizers, integrations and API mappings
//! (routes: `routes.rs`). Updates send every field the stack manages (v2 updates are not patches).

use super::read::{find_child, find_owned};
use super::shared::is_websocket;
use crate::model::kinds::{ApiAuthorizer, ApiIntegration, ApiMapping, V2Api, VpcLinkV2};
use crate::model::v2::INTEGRATION_PREFIX;
use crate::model::{Kind, Outputs};
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError, Made};
use crate::providers::kit::{after, before, ignore_missing, live_id, parent_id};
use crate::providers::kit::{err, id_out, typed};
use crate::providers::kit::{tags, Out};
use aws_sdk_apigatewayv2::types::{
    AuthorizerType, ConnectionType, Cors, IntegrationType, JwtConfiguration, ProtocolType,
    VpcLinkStatus,
};
use std::time::{Duration, Instant};

// ---- VPC links ----

const VPC_LINK_POLL: Duration = Duration::from_secs(5);
const VPC_LINK_LIMIT: Duration = Duration::from_secs(600);

pub(super) async fn create_vpc_link(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let link: VpcLinkV2 = typed(after(ch))?;
    let name = link.name.clone();
    let created = aws
        .create(
            || {
                aws.apigwv2
                    .create_vpc_link()
                    .name(&name)
                    .set_subnet_ids(Some(link.subnet_ids.clone()))
                    .set_security_group_ids(Some(link.security_group_ids.clone()))
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            || find_owned(aws, owner, ch),
        )
        .await?;
    let (id, mut status, mut message) = match created {
        Made::Sent(l) => (
            l.vpc_link_id().unwrap_or_default().to_string(),
            l.vpc_link_status().cloned(),
            l.vpc_link_status_message().map(str::to_string),
        ),
        // Its status is read below.
        Made::Found(out) => (out["id"].clone(), Some(VpcLinkStatus::Pending), None),
    };
    let start = Instant::now();
    loop {
        match status {
            Some(VpcLinkStatus::Available) => return Ok(id_out(Some(&id))),
            Some(VpcLinkStatus::Failed) => {
                return Err(err(
                    "CreateVpcLink:v2",
                    "VpcLinkFailed",
                    format!(
                        "VPC link {name} ({id}) FAILED: {}",
                        message.as_deref().unwrap_or("no status message")
                    ),
                ))
            }
            _ => {}
        }
        let elapsed = start.elapsed();
        aws.report_wait(&format!("VPC link {name}"), elapsed, VPC_LINK_LIMIT);
        if elapsed >= VPC_LINK_LIMIT {
            return Err(err(
                "GetVpcLink:v2",
                "Timeout",
                format!(
                    "VPC link {name} ({id}) still {} after {} minutes; apply again to keep waiting",
                    status.as_ref().map(|s| s.as_str()).unwrap_or("PENDING"),
                    VPC_LINK_LIMIT.as_secs() / 60
                ),
            ));
        }
        tokio::time::sleep(VPC_LINK_POLL).await;
        let got = aws
            .call(|| aws.apigwv2.get_vpc_link().vpc_link_id(&id).send())
            .await?;
        status = got.vpc_link_status().cloned();
        message = got.vpc_link_status_message().map(str::to_string);
    }
}

/// An adopted link or API (`path`: `vpclinks` or `apis`) is tagged first: if the update
/// then fails, the next plan finds it as the stack's.
async fn tag_adopted(
    aws: &Aws,
    ch: &Change,
    owner: &str,
    path: &str,
    id: &str,
) -> Result<(), AwsError> {
    if !ch.adopt {
        return Ok(());
    }
    let arn = format!("arn:aws:apigateway:{}::/{path}/{id}", aws.region);
    aws.call(|| {
        aws.apigwv2
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(tags(ch, owner)))
            .send()
    })
    .await?;
    Ok(())
}

pub(super) async fn update_vpc_link(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let link: VpcLinkV2 = typed(after(ch))?;
    let id = live_id(ch, &Outputs::new())?;
    tag_adopted(aws, ch, owner, "vpclinks", &id).await?;
    aws.call(|| {
        aws.apigwv2
            .update_vpc_link()
            .vpc_link_id(&id)
            .name(&link.name)
            .send()
    })
    .await?;
    Ok(id_out(Some(&id)))
}

pub(super) async fn delete_vpc_link(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let id = live_id(ch, &Outputs::new())?;
    ignore_missing(
        aws.call(|| aws.apigwv2.delete_vpc_link().vpc_link_id(&id).send())
            .await,
    )
}

// ---- APIs ----

/// The stack's CORS as the SDK's; None without (and always on a WebSocket API).
pub(super) fn cors_of(api: &V2Api) -> Option<Cors> {
    let c = api.cors.as_ref().filter(|_| api.kind() == Kind::HttpApi)?;
    Some(
        Cors::builder()
            .set_allow_origins(Some(c.allow_origins.clone()))
            .set_allow_methods(Some(c.allow_methods.clone()))
            .set_allow_headers(Some(c.allow_headers.clone()))
            .set_expose_headers(Some(c.expose_headers.clone()))
            .set_max_age(c.max_age.map(|n| n as i32))
            .allow_credentials(c.allow_credentials)
            .build(),
    )
}

pub(super) async fn create_api(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let p: V2Api = V2Api::from_props(after(ch)).map_err(|e| err("apply", "InvalidPlan", e))?;
    let cors = cors_of(&p);
    let created = aws
        .create(
            || {
                aws.apigwv2
                    .create_api()
                    .name(&p.name)
                    .protocol_type(ProtocolType::from(p.protocol_type.as_str()))
                    .description(&p.description)
                    .route_selection_expression(&p.route_selection_expression)
                    .disable_execute_api_endpoint(p.disable_execute_api_endpoint)
                    .set_cors_configuration(cors.clone())
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            || find_owned(aws, owner, ch),
        )
        .await?;
    Ok(created.out(|a| {
        [
            ("id".to_string(), a.api_id().unwrap_or_default().to_string()),
            (
                "endpoint".to_string(),
                a.api_endpoint().unwrap_or_default().to_string(),
            ),
        ]
        .into()
    }))
}

pub(super) async fn update_api(aws: &Aws, ch: &Change, owner: &str) -> Result<Out, AwsError> {
    let fit = |p| V2Api::from_props(p).map_err(|e| err("apply", "InvalidPlan", e));
    let (b, a) = (fit(before(ch))?, fit(after(ch))?);
    let id = live_id(ch, &Outputs::new())?;
    tag_adopted(aws, ch, owner, "apis", &id).await?;
    let cors = cors_of(&a);
    let updated = aws
        .call(|| {
            aws.apigwv2
                .update_api()
                .api_id(&id)
                .name(&a.name)
                .description(&a.description)
                .route_selection_expression(&a.route_selection_expression)
                .disable_execute_api_endpoint(a.disable_execute_api_endpoint)
                .set_cors_configuration(cors.clone())
                .send()
        })
        .await?;
    if cors_of(&b).is_some() && cors.is_none() {
        ignore_missing(
            aws.call(|| aws.apigwv2.delete_cors_configuration().api_id(&id).send())
                .await,
        )?;
    }
    let mut out = ch.live_outputs.clone();
    out.insert("id".into(), id.clone());
    if let Some(e) = updated.api_endpoint() {
        out.insert("endpoint".into(), e.to_string());
    }
    Ok(out)
}

pub(super) async fn delete_api(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let id = live_id(ch, &Outputs::new())?;
    ignore_missing(
        aws.call(|| aws.apigwv2.delete_api().api_id(&id).send())
            .await,
    )
}

// ---- authorizers ----

pub(super) async fn put_authorizer(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    create: bool,
) -> Result<Out, AwsError> {
    let p: ApiAuthorizer = typed(after(ch))?;
    let api_id = parent_id(ch, outputs)?;
    let kind = p.authorizer_type;
    let jwt = (kind == "JWT").then(|| {
        JwtConfiguration::builder()
            .set_issuer(p.jwt_issuer.clone())
            .set_audience(Some(p.jwt_audience.clone().unwrap_or_default()))
            .build()
    });
    let name = Some(p.name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ch.name.clone());
    let identity = p.identity_source;
    let (uri, payload) = (p.authorizer_uri, p.payload_format_version);
    let simple = p.enable_simple_responses;
    // Result caching is for HTTP APIs' Lambda authorizers; a WebSocket API is sent a TTL only
    // when the stack asks for one (0 is what it reads back when none was sent).
    let websocket = ch.parent.as_deref().is_some_and(is_websocket);
    let ttl = p
        .ttl_seconds
        .map(|t| t as i32)
        .filter(|t| !(websocket && *t == 0));
    // The same fields for both calls.
    macro_rules! fields {
        ($q:expr) => {
            $q.api_id(&api_id)
                .name(&name)
                .authorizer_type(AuthorizerType::from(kind.as_str()))
                .set_identity_source(Some(identity.clone()))
                .set_jwt_configuration(jwt.clone())
                .set_authorizer_uri(uri.clone())
                .set_authorizer_payload_format_version(payload.clone())
                .set_enable_simple_responses(simple)
                .set_authorizer_result_ttl_in_seconds(ttl)
        };
    }
    if create {
        let created = aws
            .create(
                || fields!(aws.apigwv2.create_authorizer()).send(),
                || find_child(aws, ch, &api_id),
            )
            .await?;
        return Ok(created.out(|a| id_out(a.authorizer_id())));
    }
    let id = live_id(ch, outputs)?;
    aws.call(|| fields!(aws.apigwv2.update_authorizer().authorizer_id(&id)).send())
        .await?;
    Ok(id_out(Some(&id)))
}

// ---- integrations ----

/// What is sent for an integration: method POST for a Lambda proxy the stack left null (the
/// only method it takes; WebSocket APIs require it).
pub(super) fn integration_method(p: &ApiIntegration) -> Option<String> {
    match (&p.method, p.integration_type.as_str()) {
        (Some(m), _) => Some(m.clone()),
        (None, "AWS_PROXY") => Some("POST".into()),
        _ => None,
    }
}

pub(super) async fn put_integration(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    create: bool,
) -> Result<Out, AwsError> {
    let p: ApiIntegration = typed(after(ch))?;
    let api_id = parent_id(ch, outputs)?;
    let websocket = ch.parent.as_deref().is_some_and(is_websocket);
    let kind = IntegrationType::from(p.integration_type.as_str());
    let description = Some(p.description.clone())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| format!("{INTEGRATION_PREFIX}{}", ch.name));
    let method = integration_method(&p);
    let (uri, payload) = (p.uri, p.payload_format_version);
    let conn_type = ConnectionType::from(p.connection_type.as_str());
    let (mut conn_id, mut timeout) = (p.connection_id, p.timeout_ms.map(|t| t as i32));
    macro_rules! fields {
        ($q:expr) => {
            $q.api_id(&api_id)
                .description(&description)
                .integration_type(kind.clone())
                .set_integration_uri(uri.clone())
                .set_integration_method(method.clone())
                .set_payload_format_version(payload.clone())
                .connection_type(conn_type.clone())
                .set_connection_id(conn_id.clone())
                .set_timeout_in_millis(timeout)
        };
    }
    if create {
        let created = aws
            .create(
                || fields!(aws.apigwv2.create_integration()).send(),
                || find_child(aws, ch, &api_id),
            )
            .await?;
        return Ok(created.out(|i| id_out(i.integration_id())));
    }
    // Clearing: an empty connection id detaches a VPC link; a timeout left to AWS goes back
    // to AWS's default.
    let b: ApiIntegration = typed(before(ch))?;
    if conn_id.is_none() && b.connection_id.is_some() {
        conn_id = Some(String::new());
    }
    if timeout.is_none() && b.timeout_ms.is_some() {
        timeout = Some(if websocket { 29_000 } else { 30_000 });
    }
    let id = live_id(ch, outputs)?;
    aws.call(|| fields!(aws.apigwv2.update_integration().integration_id(&id)).send())
        .await?;
    Ok(id_out(Some(&id)))
}

/// Authorizers, integrations and routes: deleted by their AWS id under the API.
pub(super) async fn delete_child(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<(), AwsError> {
    let api_id = parent_id(ch, outputs)?;
    let id = live_id(ch, outputs)?;
    let r = match ch.kind {
        Kind::ApiAuthorizer => aws
            .call(|| {
                aws.apigwv2
                    .delete_authorizer()
                    .api_id(&api_id)
                    .authorizer_id(&id)
                    .send()
            })
            .await
            .map(|_| ()),
        Kind::ApiIntegration => aws
            .call(|| {
                aws.apigwv2
                    .delete_integration()
                    .api_id(&api_id)
                    .integration_id(&id)
                    .send()
            })
            .await
            .map(|_| ()),
        _ => aws
            .call(|| {
                aws.apigwv2
                    .delete_route()
                    .api_id(&api_id)
                    .route_id(&id)
                    .send()
            })
            .await
            .map(|_| ()),
    };
    ignore_missing(r)
}

// ---- API mappings ----

pub(super) async fn put_mapping(aws: &Aws, ch: &Change, create: bool) -> Result<Out, AwsError> {
    let m: ApiMapping = typed(after(ch))?;
    // "" is the root mapping; sent explicitly (moto fails on an absent key).
    macro_rules! fields {
        ($q:expr) => {
            $q.domain_name(&m.domain_name)
                .api_id(&m.api_id)
                .stage(&m.stage)
                .api_mapping_key(&m.api_mapping_key)
        };
    }
    if create {
        let made = aws
            .create(
                || fields!(aws.apigwv2.create_api_mapping()).send(),
                || find_mapping(aws, &m),
            )
            .await?;
        return Ok(made.out(|made| id_out(made.api_mapping_id())));
    }
    let id = live_id(ch, &Outputs::new())?;
    aws.call(|| fields!(aws.apigwv2.update_api_mapping().api_mapping_id(&id)).send())
        .await?;
    Ok(id_out(Some(&id)))
}

/// The domain's mapping of this key to this API (keys are unique per domain).
async fn find_mapping(aws: &Aws, m: &ApiMapping) -> Result<Option<Out>, AwsError> {
    let all = crate::providers::pages::all(aws, |t| {
        aws.apigwv2
            .get_api_mappings()
            .domain_name(&m.domain_name)
            .max_results(super::shared::PAGE)
            .set_next_token(t)
            .send()
    })
    .await?;
    Ok(all
        .iter()
        .find(|x| {
            x.api_mapping_key().unwrap_or_default() == m.api_mapping_key
                && x.api_id() == Some(m.api_id.as_str())
        })
        .map(|x| id_out(x.api_mapping_id())))
}

pub(super) async fn delete_mapping(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let domain = typed::<ApiMapping>(before(ch))?.domain_name;
    let id = live_id(ch, &Outputs::new())?;
    ignore_missing(
        aws.call(|| {
            aws.apigwv2
                .delete_api_mapping()
                .api_mapping_id(&id)
                .domain_name(&domain)
                .send()
        })
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::V2Cors;

    #[test]
    fn lambda_proxy_gets_post() {
        let of = |t: &str, method: Option<&str>| ApiIntegration {
            integration_type: t.into(),
            method: method.map(str::to_string),
            ..Default::default()
        };
        assert_eq!(
            integration_method(&of("AWS_PROXY", None)).as_deref(),
            Some("POST")
        );
        let http = of("HTTP_PROXY", Some("ANY"));
        assert_eq!(integration_method(&http).as_deref(), Some("ANY"));
        assert_eq!(integration_method(&of("MOCK", None)), None);
    }

    #[test]
    fn cors_only_where_an_http_api_has_it() {
        let mut api = V2Api {
            protocol_type: "HTTP".into(),
            ..V2Api::default()
        };
        assert!(cors_of(&api).is_none());
        api.cors = Some(V2Cors {
            allow_origins: vec!["*".into()],
            ..V2Cors::default()
        });
        let c = cors_of(&api).expect("an HTTP API's CORS");
        assert_eq!(c.allow_origins(), ["*".to_string()]);
        assert_eq!(c.max_age(), None);
        assert_eq!(c.allow_credentials(), Some(false));
        api.protocol_type = "WEBSOCKET".into();
        assert!(cors_of(&api).is_none());
    }
}
