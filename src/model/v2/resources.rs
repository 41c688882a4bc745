//! One API's resources: the API, its authorizers, integrations, routes and stages.

use super::props::*;
use super::spec::*;
use super::stage::*;
use crate::config::v2::{AuthorizerType, Integration, IntegrationType};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::{ref_placeholder, Kind, Resource};
use serde_json::{json, Map, Value};

pub fn api_resources(
    cfg: &Config,
    spec: &ApiSpec,
    region: &str,
    protect: bool,
) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let key = spec.key;
    let api_id = spec.id();
    let sect = spec.section();
    let at = |k: &[&str]| cfg.locate(&[&[sect, key], k].concat());
    let mut diags = Vec::new();
    let mut out = Vec::new();
    let child = |mut r: Resource| {
        r.parent = Some(api_id.clone());
        r.deps.insert(api_id.clone());
        r.protect = protect;
        r
    };

    let (route_selection, cors, disable) = match cfg.file.http_apis.get(key) {
        Some(h) if !spec.websocket => (
            "$request.method $request.path".to_string(),
            h.cors.as_ref().map(|c| {
                let sorted = |v: &Vec<String>| {
                    let mut v = v.clone();
                    v.sort();
                    v
                };
                json!({
                    "allow_origins": sorted(&c.allow_origins),
                    "allow_methods": sorted(&c.allow_methods),
                    "allow_headers": sorted(&c.allow_headers),
                    "expose_headers": sorted(&c.expose_headers),
                    "max_age": c.max_age,
                    "allow_credentials": c.allow_credentials.unwrap_or(false),
                })
            }),
            h.disable_execute_api_endpoint.unwrap_or(false),
        ),
        _ => (
            cfg.file
                .websocket_apis
                .get(key)
                .and_then(|w| w.route_selection.clone())
                .unwrap_or_else(|| "$request.body.action".into()),
            None,
            false,
        ),
    };
    let mut api = Resource::new(
        api_id.clone(),
        if spec.websocket {
            Kind::WebSocketApi
        } else {
            Kind::HttpApi
        },
        key.to_string(),
    )
    .prop("name", spec.name.as_str())
    .prop("description", spec.description.clone().unwrap_or_default())
    .prop(
        "protocol_type",
        if spec.websocket { "WEBSOCKET" } else { "HTTP" },
    )
    .prop("route_selection_expression", route_selection)
    .prop("disable_execute_api_endpoint", disable)
    .prop("cors", json!(cors));
    api.protect = protect;
    api.payload = Some(json!({"tags": cfg.file.tags}));
    out.push(api);

    for (name, a) in spec.authorizers {
        match authorizer_props(a, spec.websocket, region) {
            Ok(props) => {
                let mut r = child(Resource::new(
                    format!("api_authorizer.{key}.{name}"),
                    Kind::ApiAuthorizer,
                    name.clone(),
                ));
                r.props = props;
                r.props.insert("name".into(), json!(name));
                out.push(r);
            }
            Err((msg, hint)) => diags.push(
                Diagnostic::error("schema", format!("{sect}.{key}.authorizers.{name}: {msg}"))
                    .hint(hint)
                    .at(at(&["authorizers", name])),
            ),
        }
    }

    // One integration per distinct setting, named after what it reaches.
    let mut integrations: Vec<(String, Map<String, Value>)> = Vec::new();
    let mut fingerprint_parts = Vec::new();
    for route in &spec.routes {
        let here = route.at.clone().or_else(|| at(&[]));
        let err = |msg: String, hint: &str| {
            Diagnostic::error(
                "schema",
                format!("{sect}.{key}: route `{}`: {msg}", route.key),
            )
            .hint(hint)
            .at(here.clone())
        };
        if !spec.websocket && !route_key_ok(&route.key) {
            diags.push(err(
                "is not `METHOD /path` or `$default`".into(),
                "write route keys like `GET /items/{id}` or `ANY /{proxy+}`",
            ));
            continue;
        }
        let props = match integration_props(cfg, &route.integration, spec.websocket) {
            Ok(p) => p,
            Err(m) => {
                diags.push(err(m, "give the route (or the API) an `integration:` of type LAMBDA (function_arn), HTTP_PROXY (uri) or MOCK"));
                continue;
            }
        };
        let ikey = match integrations.iter().find(|(_, p)| *p == props) {
            Some((k, _)) => k.clone(),
            None => {
                let base = integration_name(&route.integration);
                let n = integrations
                    .iter()
                    .filter(|(k, _)| k == &base || k.starts_with(&format!("{base}-")))
                    .count();
                let k = if n == 0 {
                    base
                } else {
                    format!("{base}-{}", n + 1)
                };
                integrations.push((k.clone(), props));
                k
            }
        };
        let auth = match &route.authorizer {
            None => None,
            Some(a) => match spec.authorizers.get(a) {
                None => {
                    diags.push(err(
                        format!("authorizer `{a}` is not declared"),
                        "declare it under `authorizers:`, or write NONE",
                    ));
                    continue;
                }
                Some(def) => Some((a, def.kind)),
            },
        };
        if spec.websocket && auth.is_some() && route.key != "$connect" {
            diags.push(err(
                "only `$connect` can have an authorizer on a WebSocket API".into(),
                "move the authorizer to the $connect route",
            ));
            continue;
        }
        if !route.scopes.is_empty() && !matches!(auth, Some((_, Some(AuthorizerType::Jwt)))) {
            diags.push(err(
                "scopes need a JWT authorizer".into(),
                "remove `scopes`, or use a JWT authorizer on the route",
            ));
            continue;
        }
        if route.respond && !spec.websocket {
            diags.push(err(
                "`respond` is for WebSocket routes".into(),
                "HTTP routes always answer; remove `respond`",
            ));
            continue;
        }
        let int_id = format!("api_integration.{key}.{ikey}");
        let mut r = child(Resource::new(
            format!("api_route.{key}.{}", route.key),
            Kind::ApiRoute,
            route.key.clone(),
        ))
        .prop("route_key", route.key.as_str())
        .prop("integration_id", ref_placeholder(&int_id, "id"))
        .prop(
            "authorization_type",
            match auth {
                None => "NONE",
                Some((_, Some(AuthorizerType::Jwt))) => "JWT",
                Some(_) => "CUSTOM",
            },
        )
        .prop(
            "authorizer_id",
            auth.map(|(a, _)| ref_placeholder(&format!("api_authorizer.{key}.{a}"), "id")),
        )
        .prop("authorization_scopes", json!(route.scopes))
        .prop("route_response", route.respond.then_some("$default"));
        fingerprint_parts.push(json!([r.id, r.props]));
        r.deps.insert(int_id);
        out.push(r);
    }
    for (ikey, props) in integrations {
        let mut r = child(Resource::new(
            format!("api_integration.{key}.{ikey}"),
            Kind::ApiIntegration,
            ikey.clone(),
        ));
        r.props = props.into_iter().collect();
        r.props.insert(
            "description".into(),
            json!(format!("{INTEGRATION_PREFIX}{ikey}")),
        );
        fingerprint_parts.push(json!([r.id, r.props]));
        out.push(r);
    }
    for route_key in spec.stages.values().flat_map(|s| s.routes.keys()) {
        if !spec.routes.iter().any(|r| &r.key == route_key) {
            diags.push(
                Diagnostic::error(
                    "reference",
                    format!("{sect}.{key}: stage throttling names route `{route_key}`, which the API does not have"),
                )
                .hint("use a route key of the API, e.g. `GET /items`")
                .at(at(&["stages"])),
            );
        }
    }
    let route_ids: Vec<String> = out
        .iter()
        .filter(|r| r.kind == Kind::ApiRoute)
        .map(|r| r.id.clone())
        .collect();
    for (stage_name, stage) in spec.stages {
        match stage_resources(cfg, spec, stage_name, stage, protect) {
            Ok(rs) => out.extend(rs.into_iter().map(|mut r| {
                if r.kind == Kind::ApiStage {
                    // Route settings name routes, which must exist first.
                    r.deps.extend(route_ids.iter().cloned());
                }
                if r.kind == Kind::ApiDeployment {
                    let fp =
                        crate::util::sha256_hex(json!(fingerprint_parts).to_string().as_bytes());
                    r.props.insert("fingerprint".into(), json!(fp[..12]));
                    r.deps.extend(
                        fingerprint_parts
                            .iter()
                            .filter_map(|p| p[0].as_str().map(str::to_string)),
                    );
                }
                r
            })),
            Err(d) => diags.push(d.at(at(&["stages", stage_name]))),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

pub fn route_key_ok(k: &str) -> bool {
    k == "$default"
        || k.split_once(' ').is_some_and(|(m, p)| {
            HTTP_METHODS.contains(&m) && p.starts_with('/') && !p.contains(' ')
        })
}

pub fn integration_name(i: &Integration) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    match i.kind {
        Some(IntegrationType::Lambda) => {
            let arn = i.function_arn.as_deref().unwrap_or_default();
            let f = arn.split(":function:").nth(1).unwrap_or(arn);
            match i.payload_format.as_deref() {
                Some("1.0") => format!("lambda-{}-v1", clean(f)),
                _ => format!("lambda-{}", clean(f)),
            }
        }
        Some(IntegrationType::HttpProxy) => match &i.vpc_link {
            Some(l) => format!("vpc-{}", clean(l)),
            None => {
                let uri = i.uri.as_deref().unwrap_or_default();
                let host = uri.split("://").nth(1).unwrap_or(uri);
                format!("http-{}", clean(host.split('/').next().unwrap_or(host)))
            }
        },
        Some(IntegrationType::Mock) | None => "mock".into(),
    }
}
