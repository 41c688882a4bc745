//! The props of v2 integrations and authorizers.

use super::spec::*;
use crate::config::v2::{Authorizer, AuthorizerType, Integration, IntegrationType};
use crate::config::Config;
use crate::model::kinds::{ApiAuthorizer, ApiIntegration};
use crate::model::ref_placeholder;

/// The integration a route's settings make (its description is set by the caller).
pub fn integration_props(
    cfg: &Config,
    i: &Integration,
    websocket: bool,
) -> Result<ApiIntegration, String> {
    let region = cfg.file.region.clone().unwrap_or_default();
    let max_timeout = if websocket { 29_000 } else { 30_000 };
    if let Some(t) = i.timeout_ms {
        if !(50..=max_timeout).contains(&t) {
            return Err(format!("timeout_ms {t} is out of range 50..={max_timeout}"));
        }
    }
    let mut p = ApiIntegration {
        connection_type: "INTERNET".into(),
        // AWS's own default reads back as "not set": writing it would diff on every plan.
        timeout_ms: i.timeout_ms.filter(|t| *t != max_timeout).map(i64::from),
        ..Default::default()
    };
    match i.kind {
        None => return Err("no integration".into()),
        Some(IntegrationType::Lambda) => {
            let arn = i
                .function_arn
                .as_deref()
                .filter(|a| a.starts_with("arn:"))
                .ok_or("LAMBDA needs `function_arn`")?;
            p.integration_type = "AWS_PROXY".into();
            if websocket {
                // WebSocket integrations take the invocation URI; HTTP APIs take the ARN.
                let r = arn.split(':').nth(3).unwrap_or(&region);
                p.uri = Some(lambda_uri(r, arn));
            } else {
                let pf = i.payload_format.clone().unwrap_or_else(|| "2.0".into());
                if pf != "1.0" && pf != "2.0" {
                    return Err(format!("payload_format `{pf}` is not 1.0 or 2.0"));
                }
                p.uri = Some(arn.to_string());
                p.payload_format_version = Some(pf);
            }
        }
        Some(IntegrationType::HttpProxy) => {
            let uri = i.uri.as_deref().ok_or("HTTP_PROXY needs `uri`")?;
            p.integration_type = "HTTP_PROXY".into();
            p.uri = Some(uri.to_string());
            p.method = Some(i.method.clone().unwrap_or_else(|| "ANY".into()));
            p.payload_format_version = (!websocket).then(|| "1.0".into());
            if let Some(l) = &i.vpc_link {
                if websocket {
                    return Err("WebSocket APIs cannot use a v2 VPC link".into());
                }
                if !uri.starts_with("arn:") {
                    return Err("a private integration's `uri` is the ALB/NLB listener ARN (or Cloud Map service ARN)".into());
                }
                let link = check_link(cfg, l)?;
                p.connection_type = "VPC_LINK".into();
                p.connection_id = Some(ref_placeholder(&link, "id"));
            }
        }
        Some(IntegrationType::Mock) => {
            if !websocket {
                return Err("HTTP APIs have no MOCK integrations".into());
            }
            p.integration_type = "MOCK".into();
        }
    }
    Ok(p)
}

pub fn lambda_uri(region: &str, function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

/// The authorizer the stack declares (its name is set by the caller); Err: (what, fix).
pub fn authorizer_props(
    a: &Authorizer,
    websocket: bool,
    region: &str,
) -> Result<ApiAuthorizer, (String, String)> {
    let fail = |m: &str, h: &str| Err((m.to_string(), h.to_string()));
    let default_source = if websocket {
        "route.request.header.Authorization"
    } else {
        "$request.header.Authorization"
    };
    let mut p = ApiAuthorizer {
        identity_source: a
            .identity_source
            .clone()
            .unwrap_or_else(|| vec![default_source.to_string()]),
        ..Default::default()
    };
    match a.kind {
        None => return fail("`type` is missing", "write `type: JWT` or `type: LAMBDA`"),
        Some(AuthorizerType::Jwt) => {
            if websocket {
                return fail(
                    "WebSocket APIs have no JWT authorizers",
                    "use `type: LAMBDA` on $connect",
                );
            }
            let issuer = match (&a.issuer, &a.cognito_user_pool) {
                (Some(i), None) => i.clone(),
                (None, Some(pool)) => {
                    let pool_region = pool.split('_').next().unwrap_or(region);
                    format!("https://cognito-idp.{pool_region}.amazonaws.com/{pool}")
                }
                _ => {
                    return fail(
                        "give `issuer` or `cognito_user_pool`, one of them",
                        "e.g. `cognito_user_pool: ap-southeast-2_AbC123`",
                    )
                }
            };
            if a.audience.is_empty() {
                return fail(
                    "`audience` is empty",
                    "list the accepted audiences (Cognito: the app client ids)",
                );
            }
            let mut aud = a.audience.clone();
            aud.sort();
            p.authorizer_type = "JWT".into();
            p.jwt_issuer = Some(issuer);
            p.jwt_audience = Some(aud);
        }
        Some(AuthorizerType::Lambda) => {
            let Some(arn) = a.function_arn.as_deref().filter(|x| x.starts_with("arn:")) else {
                return fail(
                    "LAMBDA needs `function_arn`",
                    "give the authorizer function's ARN",
                );
            };
            let ttl = a.ttl_seconds.unwrap_or(0);
            if !(0..=3600).contains(&ttl) {
                return fail("ttl_seconds is out of range", "use 0..=3600");
            }
            if websocket && ttl != 0 {
                return fail(
                    "WebSocket APIs do not cache authorizer results",
                    "remove `ttl_seconds` ($connect runs the authorizer once per connection)",
                );
            }
            let r = arn.split(':').nth(3).unwrap_or(region);
            p.authorizer_type = "REQUEST".into();
            p.authorizer_uri = Some(lambda_uri(r, arn));
            if !websocket {
                p.payload_format_version = Some("2.0".into());
                p.enable_simple_responses = Some(a.simple_responses.unwrap_or(true));
            }
            p.ttl_seconds = Some(ttl.into());
        }
    }
    Ok(p)
}
