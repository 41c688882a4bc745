//! What each HTTP or WebSocket API is made of, from the config: its routes (from the contract
//! and the stack) and their integrations.

use crate::config::contract::{Contract, Operation};
use crate::config::v2::{Authorizer, HttpApi, Integration, Route, Stage};
use crate::config::Config;
use crate::diag::{Diagnostic, Location};
use crate::openapi::security::{contract_requirements, NONE};
use indexmap::IndexMap;
use serde_json::Value;

pub const INTEGRATION_PREFIX: &str = "idrv5-gw:";
pub const HTTP_METHODS: &[&str] = &[
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
    pub fn section(&self) -> &'static str {
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
        out.push(http_spec(cfg, key, api, &mut diags));
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

/// An HTTP API: the contract's operations (with their overrides), then the stack's routes.
fn http_spec<'c>(
    cfg: &'c Config,
    key: &'c str,
    api: &'c HttpApi,
    diags: &mut Vec<Diagnostic>,
) -> ApiSpec<'c> {
    let mut routes = Vec::new();
    let at = |k: &[&str]| cfg.locate(&[&["http_apis", key], k].concat());
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
            let from_contract = contract_auth(api, key, &rkey, contract, &op).unwrap_or_else(|d| {
                diags.push(d.at(at(&[]).or(Some(contract.source.at_line(1, 1)))));
                None
            });
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
    ApiSpec {
        key,
        websocket: false,
        name: api.name.clone().unwrap_or_else(|| cfg.default_name(key)),
        description: api.description.clone(),
        authorizers: &api.authorizers,
        routes,
        stages: &api.stages,
    }
}

/// An authorizer (None for NONE) and its scopes.
type ContractAuth = (Option<String>, Vec<String>);

/// The authorizer and scopes the contract's first security requirement names for an
/// operation (as for REST APIs); None when the operation has no `security`.
fn contract_auth(
    api: &HttpApi,
    key: &str,
    rkey: &str,
    contract: &Contract,
    op: &Operation,
) -> Result<Option<ContractAuth>, Diagnostic> {
    let Some(reqs) = contract_requirements(contract, op).and_then(Value::as_array) else {
        return Ok(None);
    };
    let first = reqs.first().and_then(Value::as_object);
    let Some((scheme, scopes)) = first.and_then(|f| f.iter().next()) else {
        return Ok(Some((None, vec![])));
    };
    let target = api
        .security_schemes
        .get(scheme)
        .cloned()
        .unwrap_or_else(|| scheme.clone());
    if target != NONE && !api.authorizers.contains_key(&target) {
        return Err(Diagnostic::error("security", format!("http_apis.{key}: {rkey} requires security scheme `{scheme}`, which no authorizer answers"))
            .hint(format!("declare `authorizers.{scheme}`, or map it: `security_schemes: {{{scheme}: <authorizer key or NONE>}}`")));
    }
    let scopes = scopes
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect();
    Ok(Some(((target != NONE).then_some(target), scopes)))
}

pub fn route_spec(
    key: String,
    r: &Route,
    default: Option<&Integration>,
    default_auth: Option<&str>,
    from_contract: Option<ContractAuth>,
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
pub fn merge(base: Option<&Integration>, over: Option<&Integration>) -> Integration {
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

/// The v2 VPC link a stack key names, as the resource id routes depend on.
pub fn check_link(cfg: &Config, link: &str) -> Result<String, String> {
    match cfg.file.vpc_links.get(link) {
        Some(l) if l.is_v2() => Ok(format!("vpc_link_v2.{link}")),
        Some(_) => Err(format!("vpc link `{link}` has `target_arns` (a REST API link); HTTP APIs need a v2 link with `subnet_ids`")),
        None => Err(format!("vpc link `{link}` is not declared under vpc_links")),
    }
}
