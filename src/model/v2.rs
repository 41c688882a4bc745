//! Config → HTTP and WebSocket APIs (API Gateway v2): the API, its authorizers,
//! integrations, routes, stages and (without auto-deploy) deployments.
//!
//! Ids: `http_api.<key>` / `websocket_api.<key>`, `api_authorizer.<key>.<name>`,
//! `api_integration.<key>.<ikey>`, `api_route.<key>.<route key>`, `api_stage.<key>.<stage>`,
//! `api_deployment.<key>.<stage>`, `log_group.<key>.<stage>`. One integration serves every
//! route with the same settings; its key (`lambda-items`, `http-example.com`) is written in
//! its description, which is how the reader finds it again.

use super::{ref_placeholder, Kind, Resource};
use crate::config::v2::{Authorizer, AuthorizerType, Integration, IntegrationType, Route, Stage};
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::openapi::security::{contract_requirements, NONE};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};

pub const INTEGRATION_PREFIX: &str = "idrv5-gw:";
const HTTP_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// One v2 API as the stack means it, before it becomes resources (also what export renders).
pub struct ApiSpec<'a> {
    pub key: &'a str,
    pub websocket: bool,
    pub name: String,
    pub description: Option<String>,
    pub authorizers: &'a IndexMap<String, Authorizer>,
    pub routes: Vec<RouteSpec>,
    pub stages: &'a IndexMap<String, Stage>,
}

pub struct RouteSpec {
    pub key: String,
    pub integration: Integration,
    pub authorizer: Option<String>,
    pub scopes: Vec<String>,
    pub respond: bool,
    pub at: Option<Location>,
}

impl ApiSpec<'_> {
    pub fn id(&self) -> String {
        let kind = if self.websocket {
            "websocket_api"
        } else {
            "http_api"
        };
        format!("{kind}.{}", self.key)
    }
    fn section(&self) -> &'static str {
        if self.websocket {
            "websocket_apis"
        } else {
            "http_apis"
        }
    }
}

/// `http_api.<key>` or `websocket_api.<key>` when the stack declares that stage.
pub fn api_id_of_stage(cfg: &Config, api: &str, stage: &str) -> Option<String> {
    if let Some(a) = cfg.file.http_apis.get(api) {
        return a
            .stages
            .contains_key(stage)
            .then(|| format!("http_api.{api}"));
    }
    let a = cfg.file.websocket_apis.get(api)?;
    a.stages
        .contains_key(stage)
        .then(|| format!("websocket_api.{api}"))
}

/// Every v2 API of the stack with its routes resolved (contract + `routes:`).
pub fn specs(cfg: &Config) -> Result<Vec<ApiSpec<'_>>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for (key, api) in &cfg.file.http_apis {
        let mut routes = Vec::new();
        let at = |k: &[&str]| cfg.locate(&[&["http_apis", key.as_str()], k].concat());
        if let Some(contract) = cfg.contracts.get(key) {
            for op in contract.operations() {
                let rkey = format!("{} {}", op.method, op.path);
                let over = op
                    .operation_id
                    .as_ref()
                    .and_then(|id| api.operations.get(id))
                    .or_else(|| api.operations.get(&rkey))
                    .cloned()
                    .unwrap_or_default();
                // The contract's first security requirement decides, as for REST APIs.
                let mut from_contract = None;
                if let Some(reqs) = contract_requirements(contract, &op).and_then(Value::as_array) {
                    let first = reqs.first().and_then(Value::as_object);
                    let (auth, scopes) = match first.and_then(|f| f.iter().next()) {
                        None => (None, vec![]),
                        Some((scheme, scopes)) => {
                            let target = api
                                .security_schemes
                                .get(scheme)
                                .cloned()
                                .unwrap_or_else(|| scheme.clone());
                            if target != NONE && !api.authorizers.contains_key(&target) {
                                diags.push(Diagnostic::error("security", format!("http_apis.{key}: {rkey} requires security scheme `{scheme}`, which no authorizer answers"))
                                    .hint(format!("declare `authorizers.{scheme}`, or map it: `security_schemes: {{{scheme}: <authorizer key or NONE>}}`"))
                                    .at(at(&[]).or(Some(contract.source.at_line(1, 1)))));
                            }
                            let scopes = scopes
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(|s| s.as_str().map(str::to_string))
                                .collect();
                            ((target != NONE).then_some(target), scopes)
                        }
                    };
                    from_contract = Some((auth, scopes));
                }
                routes.push(route_spec(
                    rkey,
                    &over,
                    api.integration.as_ref(),
                    api.default_authorizer.as_deref(),
                    from_contract,
                    at(&[]),
                ));
            }
        }
        for (rkey, r) in &api.routes {
            if routes.iter().any(|x| &x.key == rkey) {
                diags.push(
                    Diagnostic::error(
                        "schema",
                        format!("http_apis.{key}.routes: `{rkey}` is also a contract operation"),
                    )
                    .hint("override contract operations under `operations:`")
                    .at(at(&["routes", rkey])),
                );
                continue;
            }
            routes.push(route_spec(
                rkey.clone(),
                r,
                api.integration.as_ref(),
                api.default_authorizer.as_deref(),
                None,
                at(&["routes", rkey]),
            ));
        }
        out.push(ApiSpec {
            key,
            websocket: false,
            name: api.name.clone().unwrap_or_else(|| cfg.default_name(key)),
            description: api.description.clone(),
            authorizers: &api.authorizers,
            routes,
            stages: &api.stages,
        });
    }
    for (key, api) in &cfg.file.websocket_apis {
        let routes = api
            .routes
            .iter()
            .map(|(rkey, r)| {
                route_spec(
                    rkey.clone(),
                    r,
                    api.integration.as_ref(),
                    None,
                    None,
                    cfg.locate(&["websocket_apis", key, "routes", rkey]),
                )
            })
            .collect();
        out.push(ApiSpec {
            key,
            websocket: true,
            name: api.name.clone().unwrap_or_else(|| cfg.default_name(key)),
            description: api.description.clone(),
            authorizers: &api.authorizers,
            routes,
            stages: &api.stages,
        });
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn route_spec(
    key: String,
    r: &Route,
    default: Option<&Integration>,
    default_auth: Option<&str>,
    from_contract: Option<(Option<String>, Vec<String>)>,
    at: Option<Location>,
) -> RouteSpec {
    let (mut authorizer, mut scopes) =
        from_contract.unwrap_or_else(|| (default_auth.map(str::to_string), vec![]));
    if let Some(a) = &r.authorizer {
        authorizer = Some(a.clone());
        scopes.clear();
    }
    if let Some(s) = &r.scopes {
        scopes = s.clone();
    }
    scopes.sort();
    scopes.dedup();
    RouteSpec {
        key,
        integration: merge(default, r.integration.as_ref()),
        authorizer: authorizer.filter(|a| a != NONE),
        scopes,
        respond: r.respond.unwrap_or(false),
        at,
    }
}

/// A route's integration: its own fields over the API's default.
fn merge(base: Option<&Integration>, over: Option<&Integration>) -> Integration {
    let mut i = base.cloned().unwrap_or_default();
    let Some(o) = over else { return i };
    macro_rules! take {
        ($($f:ident),*) => { $( if o.$f.is_some() { i.$f = o.$f.clone(); } )* };
    }
    take!(
        kind,
        function_arn,
        payload_format,
        uri,
        method,
        vpc_link,
        timeout_ms
    );
    i
}

pub fn desire(cfg: &Config, region: &str) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let specs = specs(cfg)?;
    let protect = cfg.default_protect();
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for spec in &specs {
        match api_resources(cfg, spec, region, protect) {
            Ok(r) => out.extend(r),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

/// The v2 VPC link a stack key names, as the resource id routes depend on.
fn check_link(cfg: &Config, link: &str) -> Result<String, String> {
    match cfg.file.vpc_links.get(link) {
        Some(l) if l.is_v2() => Ok(format!("vpc_link_v2.{link}")),
        Some(_) => Err(format!("vpc link `{link}` has `target_arns` (a REST API link); HTTP APIs need a v2 link with `subnet_ids`")),
        None => Err(format!("vpc link `{link}` is not declared under vpc_links")),
    }
}

fn api_resources(
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

fn route_key_ok(k: &str) -> bool {
    k == "$default"
        || k.split_once(' ').is_some_and(|(m, p)| {
            HTTP_METHODS.contains(&m) && p.starts_with('/') && !p.contains(' ')
        })
}

fn integration_name(i: &Integration) -> String {
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

fn integration_props(
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

fn authorizer_props(
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

/// Seed 000's access-log fields in v2's `$context` names.
fn default_format(websocket: bool) -> IndexMap<String, String> {
    let mut f: Vec<(&str, &str)> = vec![
        ("requestId", "$context.requestId"),
        ("ip", "$context.identity.sourceIp"),
        ("requestTime", "$context.requestTime"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
    ];
    if websocket {
        f.extend([
            ("eventType", "$context.eventType"),
            ("connectionId", "$context.connectionId"),
        ]);
    } else {
        f.extend([
            ("httpMethod", "$context.httpMethod"),
            ("protocol", "$context.protocol"),
            ("responseLength", "$context.responseLength"),
            ("latency", "$context.responseLatency"),
        ]);
    }
    f.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn stage_resources(
    cfg: &Config,
    spec: &ApiSpec,
    name: &str,
    stage: &Stage,
    protect: bool,
) -> Result<Vec<Resource>, Diagnostic> {
    let key = spec.key;
    let api_id = spec.id();
    let name_ok = name == "$default"
        || !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(Diagnostic::error(
            "schema",
            format!(
                "stage name `{name}` may hold only letters, digits, - and _ (or be `$default`)"
            ),
        )
        .hint("rename the stage"));
    }
    if !spec.websocket && stage.logging_level.is_some() {
        return Err(Diagnostic::error(
            "schema",
            format!("stage {name}: HTTP APIs have no execution logging level"),
        )
        .hint("remove `logging_level`; use `access_logs`"));
    }
    if let Some(l) = &stage.logging_level {
        if !["OFF", "ERROR", "INFO"].contains(&l.as_str()) {
            return Err(
                Diagnostic::error("schema", format!("stage {name}: logging_level `{l}`"))
                    .hint("use OFF, ERROR or INFO"),
            );
        }
    }
    let sprotect = stage.protect.unwrap_or(protect);
    let mut out = Vec::new();
    let throttle = |t: Option<&crate::config::schema::Throttling>| {
        (
            json!(t.and_then(|t| t.burst_limit)),
            // Whole rates as integers, as the reader gives them back: `10 → 5`, not `10 → 5.0`.
            t.and_then(|t| t.rate_limit)
                .map(super::usage::number)
                .unwrap_or(Value::Null),
        )
    };
    let (burst, rate) = throttle(stage.throttling.as_ref());
    let defaults = json!({
        "throttling_burst_limit": burst,
        "throttling_rate_limit": rate,
        "detailed_metrics_enabled": stage.metrics.unwrap_or(false),
        "logging_level": if spec.websocket { json!(stage.logging_level.clone().unwrap_or_else(|| "OFF".into())) } else { Value::Null },
        "data_trace_enabled": if spec.websocket { json!(false) } else { Value::Null },
    });
    let routes: Map<String, Value> = stage
        .routes
        .iter()
        .map(|(k, t)| {
            let (b, r) = throttle(Some(t));
            (
                k.clone(),
                json!({"throttling_burst_limit": b, "throttling_rate_limit": r}),
            )
        })
        .collect();
    let logs = stage
        .access_logs
        .as_ref()
        .filter(|a| a.enabled != Some(false));
    let (dest, format) = match logs {
        Some(a) => {
            let lg_id = format!("log_group.{key}.{name}");
            let lg_name = a.log_group.clone().unwrap_or_else(|| {
                format!(
                    "/aws/api-gateway/{}/{}",
                    spec.name,
                    name.trim_start_matches('$')
                )
            });
            let mut lg = Resource::new(lg_id.clone(), Kind::LogGroup, lg_name.clone())
                .prop("name", lg_name)
                .prop("retention_days", json!(a.retention_days));
            lg.protect = sprotect;
            out.push(lg);
            let fmt = a
                .format
                .clone()
                .unwrap_or_else(|| default_format(spec.websocket));
            (
                json!(ref_placeholder(&lg_id, "arn")),
                json!(serde_json::to_string(&fmt).unwrap_or_default()),
            )
        }
        None => (Value::Null, Value::Null),
    };
    let auto_deploy = stage.auto_deploy.unwrap_or(true);
    let stage_id = format!("api_stage.{key}.{name}");
    let mut s = Resource::new(stage_id.clone(), Kind::ApiStage, name.to_string())
        .prop("stage_name", name)
        .prop("description", json!(stage.description))
        .prop("auto_deploy", auto_deploy)
        .prop("default_route_settings", defaults)
        .prop("route_settings", Value::Object(routes))
        .prop("access_log_destination", dest)
        .prop("access_log_format", format)
        .prop("stage_variables", json!(stage.variables));
    s.parent = Some(api_id.clone());
    s.deps.insert(api_id.clone());
    s.protect = sprotect;
    s.payload = Some(json!({"tags": cfg.file.tags}));
    out.push(s);
    if !auto_deploy {
        let mut d = Resource::new(
            format!("api_deployment.{key}.{name}"),
            Kind::ApiDeployment,
            format!("{key}/{name}"),
        );
        d.parent = Some(api_id.clone());
        d.deps.insert(stage_id);
        d.protect = sprotect;
        out.push(d);
    }
    Ok(out)
}
