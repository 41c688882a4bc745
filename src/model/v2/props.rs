//! The props of v2 integrations and authorizers.

use super::spec::*;
use crate::config::v2::{Authorizer, AuthorizerType, Integration, IntegrationType};
use crate::config::Config;
use crate::model::ref_placeholder;
use serde_json::{json, Map, Value};

pub fn integration_props(
    cfg: &Config,
    i: &Integration,
    websocket: bool,
) -> Result<Map<String, Value>, String> {
    let region = cfg.file.region.clone().unwrap_or_default();
    let max_timeout = if websocket { 29_000 } else { 30_000 };
    if let Some(t) = i.timeout_ms {
        if !(50..=max_timeout).contains(&t) {
            return Err(format!("timeout_ms {t} is out of range 50..={max_timeout}"));
        }
    }
    let mut p = Map::new();
    let mut set = |k: &str, v: Value| {
        p.insert(k.to_string(), v);
    };
    // AWS's own default reads back as "not set": writing it would diff on every plan.
    set(
        "timeout_ms",
        json!(i.timeout_ms.filter(|t| *t != max_timeout)),
    );
    match i.kind {
        None => return Err("no integration".into()),
        Some(IntegrationType::Lambda) => {
            let arn = i
                .function_arn
                .as_deref()
                .filter(|a| a.starts_with("arn:"))
                .ok_or("LAMBDA needs `function_arn`")?;
            set("type", json!("AWS_PROXY"));
            set("method", Value::Null);
            set("connection_type", json!("INTERNET"));
            set("connection_id", Value::Null);
            if websocket {
                // WebSocket integrations take the invocation URI; HTTP APIs take the ARN.
                let r = arn.split(':').nth(3).unwrap_or(&region);
                set("uri", json!(lambda_uri(r, arn)));
                set("payload_format_version", Value::Null);
            } else {
                let pf = i.payload_format.clone().unwrap_or_else(|| "2.0".into());
                if pf != "1.0" && pf != "2.0" {
                    return Err(format!("payload_format `{pf}` is not 1.0 or 2.0"));
                }
                set("uri", json!(arn));
                set("payload_format_version", json!(pf));
            }
        }
        Some(IntegrationType::HttpProxy) => {
            let uri = i.uri.as_deref().ok_or("HTTP_PROXY needs `uri`")?;
            set("type", json!("HTTP_PROXY"));
            set("uri", json!(uri));
            set(
                "method",
                json!(i.method.clone().unwrap_or_else(|| "ANY".into())),
            );
            set(
                "payload_format_version",
                if websocket { Value::Null } else { json!("1.0") },
            );
            match &i.vpc_link {
                Some(l) => {
                    if websocket {
                        return Err("WebSocket APIs cannot use a v2 VPC link".into());
                    }
                    if !uri.starts_with("arn:") {
                        return Err("a private integration's `uri` is the ALB/NLB listener ARN (or Cloud Map service ARN)".into());
                    }
                    let link = check_link(cfg, l)?;
                    set("connection_type", json!("VPC_LINK"));
                    set("connection_id", json!(ref_placeholder(&link, "id")));
                }
                None => {
                    set("connection_type", json!("INTERNET"));
                    set("connection_id", Value::Null);
                }
            }
        }
        Some(IntegrationType::Mock) => {
            if !websocket {
                return Err("HTTP APIs have no MOCK integrations".into());
            }
            set("type", json!("MOCK"));
            set("uri", Value::Null);
            set("method", Value::Null);
            set("payload_format_version", Value::Null);
            set("connection_type", json!("INTERNET"));
            set("connection_id", Value::Null);
        }
    }
    Ok(p)
}

pub fn lambda_uri(region: &str, function_arn: &str) -> String {
    format!(
        "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
}

pub fn authorizer_props(
    a: &Authorizer,
    websocket: bool,
    region: &str,
) -> Result<crate::model::Props, (String, String)> {
    let mut p = crate::model::Props::new();
    let fail = |m: &str, h: &str| Err((m.to_string(), h.to_string()));
    let default_source = if websocket {
        "route.request.header.Authorization"
    } else {
        "$request.header.Authorization"
    };
    p.insert(
        "identity_source".into(),
        json!(a
            .identity_source
            .clone()
            .unwrap_or_else(|| vec![default_source.to_string()])),
    );
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
            p.insert("type".into(), json!("JWT"));
            p.insert("jwt_issuer".into(), json!(issuer));
            p.insert("jwt_audience".into(), json!(aud));
            p.insert("authorizer_uri".into(), Value::Null);
            p.insert("payload_format_version".into(), Value::Null);
            p.insert("enable_simple_responses".into(), Value::Null);
            p.insert("ttl_seconds".into(), Value::Null);
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
            p.insert("type".into(), json!("REQUEST"));
            p.insert("jwt_issuer".into(), Value::Null);
            p.insert("jwt_audience".into(), Value::Null);
            p.insert("authorizer_uri".into(), json!(lambda_uri(r, arn)));
            p.insert(
                "payload_format_version".into(),
                if websocket { Value::Null } else { json!("2.0") },
            );
            p.insert(
                "enable_simple_responses".into(),
                if websocket {
                    Value::Null
                } else {
                    json!(a.simple_responses.unwrap_or(true))
                },
            );
            p.insert("ttl_seconds".into(), json!(ttl));
        }
    }
    Ok(p)
}
