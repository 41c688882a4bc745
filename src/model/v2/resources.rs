//! One API's resources: the API, its authorizers, integrations, routes and stages.

use super::props::*;
use super::spec::*;
use super::stage::*;
use crate::config::v2::{AuthorizerType, Integration, IntegrationType};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::kinds::{self, Typed};
use crate::model::{ref_placeholder, Kind, Resource};
use serde_json::{json, Value};

pub fn api_resources(
    cfg: &Config,
    spec: &ApiSpec,
    region: &str,
    protect: bool,
) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let mut b = Build {
        cfg,
        spec,
        api_id: spec.id(),
        protect,
        diags: Vec::new(),
        out: vec![api(cfg, spec, protect)],
    };
    b.authorizers(region);
    let fingerprint = b.routes();
    b.stages(&fingerprint);
    if b.diags.is_empty() {
        Ok(b.out)
    } else {
        Err(b.diags)
    }
}

/// The API itself; HTTP APIs carry their CORS and endpoint settings.
fn api(cfg: &Config, spec: &ApiSpec, protect: bool) -> Resource {
    let key = spec.key;
    let mut props = kinds::V2Api {
        name: spec.name.clone(),
        description: spec.description.clone().unwrap_or_default(),
        protocol_type: if spec.websocket { "WEBSOCKET" } else { "HTTP" }.into(),
        ..Default::default()
    };
    match cfg.file.http_apis.get(key) {
        Some(h) if !spec.websocket => {
            let sorted = |v: &Vec<String>| {
                let mut v = v.clone();
                v.sort();
                v
            };
            props.route_selection_expression = "$request.method $request.path".into();
            props.cors = h.cors.as_ref().map(|c| kinds::V2Cors {
                allow_origins: sorted(&c.allow_origins),
                allow_methods: sorted(&c.allow_methods),
                allow_headers: sorted(&c.allow_headers),
                expose_headers: sorted(&c.expose_headers),
                max_age: c.max_age.map(i64::from),
                allow_credentials: c.allow_credentials.unwrap_or(false),
            });
            props.disable_execute_api_endpoint = h.disable_execute_api_endpoint.unwrap_or(false);
        }
        _ => {
            props.route_selection_expression = cfg
                .file
                .websocket_apis
                .get(key)
                .and_then(|w| w.route_selection.clone())
                .unwrap_or_else(|| "$request.body.action".into());
        }
    }
    let mut api = Resource::new(spec.id(), props.kind(), key.to_string());
    api.props = props.to_props();
    api.protect = protect;
    api.payload = Some(json!({"tags": cfg.file.tags}));
    let adopt = match spec.websocket {
        true => cfg
            .file
            .websocket_apis
            .get(key)
            .and_then(|w| w.adopt.clone()),
        false => cfg.file.http_apis.get(key).and_then(|h| h.adopt.clone()),
    };
    if let (Some(id), Some(p)) = (adopt, api.payload.as_mut()) {
        // The reader looks for it by id (`providers::apigwv2::read`): not a prop, not diffed.
        p[crate::model::owner::ADOPT] = json!(id);
    }
    api
}

/// The resources of one API as they are built, and what was found wrong on the way.
struct Build<'c, 's> {
    cfg: &'c Config,
    spec: &'s ApiSpec<'s>,
    api_id: String,
    protect: bool,
    diags: Vec<Diagnostic>,
    out: Vec<Resource>,
}

/// An integration's key and its props, one per distinct setting.
type Integrations = Vec<(String, kinds::ApiIntegration)>;
/// What is wrong with a route, and the fix.
type RouteError = (String, &'static str);
/// The authorizer a route names, with its type.
type RouteAuth<'r> = Option<(&'r String, Option<AuthorizerType>)>;

impl Build<'_, '_> {
    fn at(&self, k: &[&str]) -> Option<crate::diag::Location> {
        let spec = self.spec;
        self.cfg.locate(&[&[spec.section(), spec.key], k].concat())
    }

    fn child(&self, mut r: Resource) -> Resource {
        r.parent = Some(self.api_id.clone());
        r.deps.insert(self.api_id.clone());
        r.protect = self.protect;
        r
    }

    fn authorizers(&mut self, region: &str) {
        let (key, sect) = (self.spec.key, self.spec.section());
        for (name, a) in self.spec.authorizers {
            match authorizer_props(a, self.spec.websocket, region) {
                Ok(mut props) => {
                    props.name = name.clone();
                    let id = format!("api_authorizer.{key}.{name}");
                    let r = self.child(Resource::typed(id, name.clone(), &props));
                    self.out.push(r);
                }
                Err((msg, hint)) => {
                    let d = Diagnostic::error(
                        "schema",
                        format!("{sect}.{key}.authorizers.{name}: {msg}"),
                    );
                    self.diags
                        .push(d.hint(hint).at(self.at(&["authorizers", name])));
                }
            }
        }
    }

    /// Routes and the integrations they share; returns the deployment's fingerprint parts.
    fn routes(&mut self) -> Vec<Value> {
        let mut integrations = Integrations::new();
        let mut fingerprint = Vec::new();
        for route in &self.spec.routes {
            let here = route.at.clone().or_else(|| self.at(&[]));
            match self.route(route, &mut integrations) {
                Ok(r) => {
                    fingerprint.push(json!([r.id, r.props]));
                    self.out.push(r);
                }
                Err((msg, hint)) => {
                    let (sect, key) = (self.spec.section(), self.spec.key);
                    let text = format!("{sect}.{key}: route `{}`: {msg}", route.key);
                    let d = Diagnostic::error("schema", text).hint(hint).at(here);
                    self.diags.push(d);
                }
            }
        }
        for (ikey, mut props) in integrations {
            props.description = format!("{INTEGRATION_PREFIX}{ikey}");
            let id = format!("api_integration.{}.{ikey}", self.spec.key);
            let r = self.child(Resource::typed(id, ikey.clone(), &props));
            fingerprint.push(json!([r.id, r.props]));
            self.out.push(r);
        }
        fingerprint
    }

    fn route(
        &self,
        route: &RouteSpec,
        integrations: &mut Integrations,
    ) -> Result<Resource, RouteError> {
        let (key, websocket) = (self.spec.key, self.spec.websocket);
        if !websocket && !route_key_ok(&route.key) {
            return Err((
                "is not `METHOD /path` or `$default`".into(),
                "write route keys like `GET /items/{id}` or `ANY /{proxy+}`",
            ));
        }
        let props = integration_props(self.cfg, &route.integration, websocket).map_err(|m| {
            (m, "give the route (or the API) an `integration:` of type LAMBDA (function_arn), HTTP_PROXY (uri) or MOCK")
        })?;
        let auth = self.route_auth(route)?;
        let int_id = format!(
            "api_integration.{key}.{}",
            integration_key(integrations, route, props)
        );
        let mut scopes = route.scopes.clone();
        scopes.sort(); // as the reader gives them back
        let props = kinds::ApiRoute {
            route_key: route.key.clone(),
            integration_id: Some(ref_placeholder(&int_id, "id")),
            authorization_type: match auth {
                None => "NONE",
                Some((_, Some(AuthorizerType::Jwt))) => "JWT",
                Some(_) => "CUSTOM",
            }
            .into(),
            authorizer_id: auth
                .map(|(a, _)| ref_placeholder(&format!("api_authorizer.{key}.{a}"), "id")),
            authorization_scopes: scopes,
            route_response: route.respond.then(|| "$default".into()),
        };
        let id = format!("api_route.{key}.{}", route.key);
        let mut r = self.child(Resource::typed(id, route.key.clone(), &props));
        r.deps.insert(int_id);
        Ok(r)
    }

    /// The route's authorizer (name and type), checked against what the API allows.
    fn route_auth<'r>(&self, route: &'r RouteSpec) -> Result<RouteAuth<'r>, RouteError> {
        let websocket = self.spec.websocket;
        let auth = match &route.authorizer {
            None => None,
            Some(a) => match self.spec.authorizers.get(a) {
                None => {
                    return Err((
                        format!("authorizer `{a}` is not declared"),
                        "declare it under `authorizers:`, or write NONE",
                    ))
                }
                Some(def) => Some((a, def.kind)),
            },
        };
        if websocket && auth.is_some() && route.key != "$connect" {
            return Err((
                "only `$connect` can have an authorizer on a WebSocket API".into(),
                "move the authorizer to the $connect route",
            ));
        }
        if !route.scopes.is_empty() && !matches!(auth, Some((_, Some(AuthorizerType::Jwt)))) {
            return Err((
                "scopes need a JWT authorizer".into(),
                "remove `scopes`, or use a JWT authorizer on the route",
            ));
        }
        if route.respond && !websocket {
            return Err((
                "`respond` is for WebSocket routes".into(),
                "HTTP routes always answer; remove `respond`",
            ));
        }
        Ok(auth)
    }

    /// Stages and their deployments: a stage waits for the routes its settings name, a
    /// deployment carries the fingerprint of every route and integration it deploys.
    fn stages(&mut self, fingerprint: &[Value]) {
        let (key, sect) = (self.spec.key, self.spec.section());
        let stages = self.spec.stages;
        for route_key in stages.values().flat_map(|s| s.routes.keys()) {
            if !self.spec.routes.iter().any(|r| &r.key == route_key) {
                let d = Diagnostic::error(
                    "reference",
                    format!("{sect}.{key}: stage throttling names route `{route_key}`, which the API does not have"),
                );
                self.diags.push(
                    d.hint("use a route key of the API, e.g. `GET /items`")
                        .at(self.at(&["stages"])),
                );
            }
        }
        let route_ids: Vec<String> = self
            .out
            .iter()
            .filter(|r| r.kind == Kind::ApiRoute)
            .map(|r| r.id.clone())
            .collect();
        let fp = crate::util::sha256_hex(json!(fingerprint).to_string().as_bytes());
        let deployed = fingerprint
            .iter()
            .filter_map(|p| p[0].as_str().map(str::to_string));
        for (stage_name, stage) in stages {
            match stage_resources(self.cfg, self.spec, stage_name, stage, self.protect) {
                Ok(rs) => self.out.extend(rs.into_iter().map(|mut r| {
                    if r.kind == Kind::ApiStage {
                        // Route settings name routes, which must exist first.
                        r.deps.extend(route_ids.iter().cloned());
                    }
                    if r.kind == Kind::ApiDeployment {
                        let fingerprint = fp[..12].to_string();
                        r.props = kinds::ApiDeployment { fingerprint }.to_props();
                        r.deps.extend(deployed.clone());
                    }
                    r
                })),
                Err(d) => self.diags.push(d.at(self.at(&["stages", stage_name]))),
            }
        }
    }
}

/// The key of the integration with these props: an existing one with the same settings, or
/// a new one named after what it reaches (`-2`, `-3` when names collide).
fn integration_key(
    integrations: &mut Integrations,
    route: &RouteSpec,
    props: kinds::ApiIntegration,
) -> String {
    if let Some((k, _)) = integrations.iter().find(|(_, p)| *p == props) {
        return k.clone();
    }
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
