//! Config → desired resources, with stable ids and dependencies.

use super::owner::ADOPT;
use super::{kinds, ref_placeholder, Kind, Resource};
use crate::config::schema::{MethodSettings, RestApi, Stage};
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::openapi::render::{self, RenderInput};
use indexmap::IndexMap;
use kinds::stage::MethodSetting;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Seed 000's access-log fields.
pub fn default_access_log_format() -> IndexMap<String, String> {
    [
        ("requestId", "$context.requestId"),
        ("ip", "$context.identity.sourceIp"),
        ("caller", "$context.identity.caller"),
        ("user", "$context.identity.user"),
        ("requestTime", "$context.requestTime"),
        ("httpMethod", "$context.httpMethod"),
        ("resourcePath", "$context.resourcePath"),
        ("status", "$context.status"),
        ("protocol", "$context.protocol"),
        ("responseLength", "$context.responseLength"),
        ("latency", "$context.responseLatency"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The rendered import document of each REST API, by key, and warnings about what the
/// documents could not carry.
pub type Documents = (IndexMap<String, Value>, Vec<Diagnostic>);

pub fn documents(cfg: &Config, region: &str) -> Result<Documents, Vec<Diagnostic>> {
    let mut out = IndexMap::new();
    let mut warnings = Vec::new();
    let mut diags = Vec::new();
    for (key, api) in &cfg.file.rest_apis {
        let Some(contract) = cfg.contracts.get(key) else {
            continue;
        };
        let name = cfg.api_name(key, api);
        let input = RenderInput {
            key,
            name: &name,
            api,
            contract,
            region,
        };
        match render::render(&input) {
            Ok(r) => {
                out.insert(key.clone(), r.doc);
                warnings.extend(r.warnings);
            }
            Err(d) => diags.extend(d.into_iter().map(|x| {
                let loc = x
                    .location
                    .clone()
                    .or_else(|| cfg.locate(&["rest_apis", key]));
                x.at(loc)
            })),
        }
    }
    if diags.is_empty() {
        Ok((out, warnings))
    } else {
        Err(diags)
    }
}

pub fn desire(cfg: &Config, region: &str) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let (docs, _) = documents(cfg, region)?;
    desire_from(cfg, region, docs)
}

/// `desire` from documents already rendered (validate renders once for both uses). Each
/// document ends up in its deployment's payload, moved there rather than copied.
pub fn desire_from(
    cfg: &Config,
    region: &str,
    mut docs: IndexMap<String, Value>,
) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let protect = cfg.default_protect();
    let mut out = Vec::new();
    for (key, link) in &cfg.file.vpc_links {
        if link.is_v2() {
            let props = kinds::VpcLinkV2::new(
                link.name.clone().unwrap_or_else(|| cfg.default_name(key)),
                link.subnet_ids.clone(),
                link.security_group_ids.clone(),
            );
            let mut r = Resource::typed(format!("vpc_link_v2.{key}"), key.clone(), &props);
            r.protect = protect;
            r.payload = Some(json!({"tags": cfg.file.tags}));
            if let (Some(id), Some(p)) = (&link.adopt, r.payload.as_mut()) {
                p[ADOPT] = json!(id);
            }
            out.push(r);
            continue;
        }
        let props = kinds::VpcLink {
            name: link.name.clone().unwrap_or_else(|| cfg.default_name(key)),
            description: link.description.clone().unwrap_or_default(),
            target_arns: link.target_arns.clone(),
        };
        let mut r = Resource::typed(format!("vpc_link.{key}"), key.clone(), &props);
        r.protect = protect;
        r.payload = link.adopt.as_ref().map(|id| json!({ ADOPT: id }));
        out.push(r);
    }
    // Read before the documents move into the REST APIs' deployments; listed after them.
    let mut permissions = Vec::new();
    for (key, api) in &cfg.file.rest_apis {
        if api.lambda_permissions == Some(true) {
            if let Some(doc) = docs.get(key) {
                permissions.extend(lambda_permissions(cfg, key, doc, protect));
            }
        }
    }
    for (key, api) in &cfg.file.rest_apis {
        let Some(doc) = docs.shift_remove(key) else {
            continue;
        };
        let name = cfg.api_name(key, api);
        out.extend(rest_api(cfg, key, api, &name, doc, protect));
    }
    out.extend(permissions);
    // Every section's errors in one run, not one section per run.
    let mut diags = Vec::new();
    let mut take = |r: Result<Vec<Resource>, Vec<Diagnostic>>, out: &mut Vec<Resource>| match r {
        Ok(rs) => out.extend(rs),
        Err(d) => diags.extend(d),
    };
    take(super::v2::desire(cfg, region), &mut out);
    take(super::usage::desire(cfg), &mut out);
    take(super::edge::desire(cfg, region), &mut out);
    let monitoring = super::monitoring::desire(cfg, region, &out);
    take(monitoring, &mut out);
    if let Err(loops) = super::graph::check(cfg, &out) {
        diags.extend(loops);
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn rest_api(
    cfg: &Config,
    key: &str,
    api: &RestApi,
    name: &str,
    document: Value,
    protect: bool,
) -> Vec<Resource> {
    let doc = &document;
    let api_id = format!("rest_api.{key}");
    let child = |mut r: Resource| -> Resource {
        r.parent = Some(api_id.clone());
        r
    };
    let mut out = vec![api_resource(key, api, name, doc, protect)];
    let items: Vec<Resource> = api_items(key, doc)
        .into_iter()
        .map(|mut r| {
            r.deps.insert(api_id.clone());
            child(r)
        })
        .collect();
    let (routes, paths) = routes(key, doc);
    // The deployment waits for everything it deploys.
    let mut deployed: BTreeSet<String> =
        items.iter().chain(&routes).map(|r| r.id.clone()).collect();
    out.extend(items);
    out.extend(routes.into_iter().map(child));
    for p in &paths {
        let parent = match p.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => p[..i].to_string(),
        };
        let id = format!("path.{key}.{p}");
        deployed.insert(id.clone());
        let props = kinds::Path { path: p.clone() };
        let mut r = child(Resource::typed(id, p.clone(), &props));
        r.deps.insert(path_dep(key, &parent));
        out.push(r);
    }
    deployed.insert(api_id.clone());
    out.push(child(deployment(key, api, document, deployed)));
    for (stage_name, stage) in &api.stages {
        let sprotect = stage.protect.unwrap_or(protect);
        let logs = stage
            .access_logs
            .as_ref()
            .filter(|a| a.enabled != Some(false));
        if let Some(logs) = logs {
            let lg_name = logs
                .log_group
                .clone()
                .unwrap_or_else(|| format!("/aws/api-gateway/{name}/{stage_name}"));
            let props = kinds::LogGroup {
                name: lg_name.clone(),
                retention_days: logs.retention_days,
            };
            let mut lg = Resource::typed(format!("log_group.{key}.{stage_name}"), lg_name, &props);
            lg.protect = sprotect;
            lg.payload = (logs.adopt == Some(true)).then(|| json!({ ADOPT: true }));
            out.push(lg);
        }
        let mut s = child(stage_resource(cfg, key, stage_name, stage, logs.is_some()));
        s.deps.insert(api_id.clone());
        s.protect = sprotect;
        out.push(s);
    }
    out
}

/// The REST API itself, with the settings API Gateway fills in when they are left out.
fn api_resource(key: &str, api: &RestApi, name: &str, doc: &Value, protect: bool) -> Resource {
    // The document carries the stack's settings and, under them, the contract's own.
    let x = |k: &str| &doc[format!("x-amazon-apigateway-{k}")];
    let mut media: Vec<String> = x("binary-media-types")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    media.sort();
    let endpoint = api.endpoint_type.map(|e| format!("{e:?}")).or_else(|| {
        x("endpoint-configuration")["types"][0]
            .as_str()
            .map(str::to_string)
    });
    let upper = |v: Option<String>, default: &str| v.map_or(default.into(), |s| s.to_uppercase());
    let props = kinds::RestApi {
        name: name.to_string(),
        description: doc["info"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        endpoint_type: upper(endpoint, "REGIONAL"),
        binary_media_types: media,
        minimum_compression_size: x("minimum-compression-size").as_i64(),
        api_key_source: upper(x("api-key-source").as_str().map(str::to_string), "HEADER"),
        policy: kinds::policy_text(kinds::parse_policy(x("policy")).as_ref(), None),
    };
    let mut r = Resource::typed(format!("rest_api.{key}"), key.to_string(), &props);
    r.protect = protect;
    // The reader looks for it by id (`providers::apigateway::read`): not a prop, not diffed.
    r.payload = api.adopt.as_ref().map(|id| json!({ ADOPT: id }));
    r
}

/// One route per operation of the rendered document, and every resource path they need
/// (each path's ancestors included, `/` excepted).
fn routes(key: &str, doc: &Value) -> (Vec<Resource>, BTreeSet<String>) {
    let (mut out, mut paths) = (Vec::new(), BTreeSet::new());
    for (path, method, route) in super::routes::routes(doc, key) {
        let mut r = Resource::typed(
            format!("route.{key}.{method} {path}"),
            format!("{method} {path}"),
            &route,
        );
        for m in route.request_models.iter().flat_map(|o| o.values()) {
            r.deps.insert(format!("model.{key}.{m}"));
        }
        if route.integration_type() == "MOCK" && path_has_cors(doc, &path, &method) {
            r.payload = Some(json!({"generated": "cors"}));
        }
        r.deps.insert(path_dep(key, &path));
        out.push(r);
        let mut p = path.as_str();
        while p != "/" && !p.is_empty() {
            paths.insert(p.to_string());
            p = match p.rfind('/') {
                Some(0) | None => "/",
                Some(i) => &p[..i],
            };
        }
    }
    (out, paths)
}

/// The deployment of the whole document, kept in its payload for the planner's fingerprint.
fn deployment(key: &str, api: &RestApi, document: Value, deps: BTreeSet<String>) -> Resource {
    let dep_id = format!("deployment.{key}");
    // The fingerprint is computed by the planner from the resolved document.
    let props = kinds::Deployment {
        fingerprint: ref_placeholder(&dep_id, "fingerprint"),
    };
    let mut d = Resource::typed(dep_id.clone(), key.to_string(), &props);
    d.deps = deps;
    // Moved, not `json!`'s serialize-into-a-copy of the whole document.
    let mut payload = Map::new();
    payload.insert("document".into(), document);
    payload.insert("keep".into(), json!(api.keep_deployments.unwrap_or(3)));
    d.payload = Some(Value::Object(payload));
    d
}

/// What a deployment of the resolved `doc` snapshots: its routes, its items and the
/// API-wide settings that take effect on deploy; not the document's text. A contract
/// written another way that makes the same API (an `import`ed one, or one whose summaries
/// changed) is then the same deployment, while any change a stage would serve is not.
pub fn deployed(doc: &Value) -> Value {
    let mut routes: Vec<Value> = super::routes::routes(doc, "api")
        .into_iter()
        .map(|(path, method, route)| json!([path, method, route]))
        .collect();
    routes.sort_by_cached_key(|r| (r[0].to_string(), r[1].to_string()));
    let items: Map<String, Value> = api_items("api", doc)
        .into_iter()
        .map(|r| (r.id, json!(r.props)))
        .collect();
    let x = |k: &str| doc[format!("x-amazon-apigateway-{k}")].clone();
    json!({
        "routes": routes,
        "items": items,
        "binary_media_types": x("binary-media-types"),
        "minimum_compression_size": x("minimum-compression-size"),
        "api_key_source": x("api-key-source"),
        "policy": x("policy"),
    })
}

/// The function ARN inside an API Gateway Lambda invocation URI.
pub fn function_of_uri(uri: &str) -> Option<&str> {
    uri.split("/functions/")
        .nth(1)?
        .strip_suffix("/invocations")
}

/// Statement ids this stack puts on function policies, per REST API.
pub fn statement_id(cfg_owner: &str, api_key: &str) -> String {
    format!("idrv5-gw-{}-{api_key}", cfg_owner.replace('/', "-"))
}

/// One statement per Lambda function the API invokes (integrations and authorizers).
fn lambda_permissions(cfg: &Config, key: &str, doc: &Value, protect: bool) -> Vec<Resource> {
    let mut functions = BTreeSet::new();
    for (_, _, route) in super::routes::routes(doc, key) {
        // A custom (AWS) integration calls Lambda the same way; its service actions name none.
        if matches!(route.integration_type(), "AWS_PROXY" | "AWS") {
            functions.extend(
                route
                    .integration_uri()
                    .and_then(function_of_uri)
                    .map(str::to_string),
            );
        }
    }
    for scheme in doc["components"]["securitySchemes"]
        .as_object()
        .into_iter()
        .flat_map(|o| o.values())
    {
        functions.extend(
            scheme["x-amazon-apigateway-authorizer"]["authorizerUri"]
                .as_str()
                .and_then(function_of_uri)
                .map(str::to_string),
        );
    }
    functions
        .into_iter()
        .map(|f| {
            let parts: Vec<&str> = f.split(':').collect();
            let (region, account, name) = (
                parts.get(3).copied().unwrap_or_default(),
                parts.get(4).copied().unwrap_or_default(),
                parts.get(6).copied().unwrap_or_default(),
            );
            let props = kinds::LambdaPermission {
                function: f.clone(),
                statement_id: statement_id(&cfg.owner(), key),
                source_arn: Some(format!(
                    "arn:aws:execute-api:{region}:{account}:{}/*",
                    ref_placeholder(&format!("rest_api.{key}"), "id")
                )),
            };
            let id = format!("lambda_permission.{key}.{name}");
            let mut r = Resource::typed(id, format!("{name} ← {key}"), &props);
            r.protect = protect;
            r
        })
        .collect()
}

fn path_has_cors(doc: &Value, path: &str, method: &str) -> bool {
    method == "OPTIONS"
        && doc["paths"][path]["options"]["summary"]
            .as_str()
            .is_some_and(|s| s.starts_with("CORS preflight"))
}

/// Authorizers, validators, models and gateway responses, read off the document.
fn api_items(key: &str, doc: &Value) -> Vec<Resource> {
    let mut out = Vec::new();
    let obj = |v: &Value| v.as_object().cloned().unwrap_or_default();
    // An empty value is none, as AWS takes it (`authorizerCredentials: ""`).
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_string);
    for (name, scheme) in obj(&doc["components"]["securitySchemes"]) {
        let Some(x) = scheme.get("x-amazon-apigateway-authorizer") else {
            continue;
        };
        let props = kinds::Authorizer {
            name: name.clone(),
            kind: x["type"].as_str().unwrap_or("token").to_uppercase(),
            authorizer_uri: text(&x["authorizerUri"]),
            credentials: text(&x["authorizerCredentials"]),
            // Without one, AWS takes the scheme's own header (or query parameter).
            identity_source: text(&x["identitySource"]).or_else(|| {
                let name = scheme["name"].as_str()?;
                match scheme["in"].as_str()? {
                    "header" => Some(format!("method.request.header.{name}")),
                    "query" => Some(format!("method.request.querystring.{name}")),
                    _ => None,
                }
            }),
            validation_regex: text(&x["identityValidationExpression"]),
            ttl_seconds: x["authorizerResultTtlInSeconds"].as_i64(),
            provider_arns: x["providerARNs"].as_array().map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            }),
        };
        out.push(Resource::typed(
            format!("authorizer.{key}.{name}"),
            name,
            &props,
        ));
    }
    for (name, v) in obj(&doc["x-amazon-apigateway-request-validators"]) {
        let props = kinds::Validator {
            name: name.clone(),
            body: v["validateRequestBody"].as_bool(),
            params: v["validateRequestParameters"].as_bool(),
        };
        out.push(Resource::typed(
            format!("validator.{key}.{name}"),
            name,
            &props,
        ));
    }
    for (name, schema) in obj(&doc["components"]["schemas"]) {
        let props = kinds::ModelSchema {
            name: name.clone(),
            content_type: Some("application/json".into()),
            schema: crate::openapi::models::with_model_urls(
                &schema,
                &ref_placeholder(&format!("rest_api.{key}"), "id"),
            ),
        };
        let mut r = Resource::typed(format!("model.{key}.{name}"), name.clone(), &props);
        for other in crate::openapi::models::model_refs(&schema) {
            if other != name {
                r.deps.insert(format!("model.{key}.{other}"));
            }
        }
        out.push(r);
    }
    break_model_loops(&mut out);
    let strings = |v: &Value| {
        v.as_object().map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
    };
    for (kind, g) in obj(&doc["x-amazon-apigateway-gateway-responses"]) {
        let props = kinds::GatewayResponse {
            status: text(&g["statusCode"]),
            response_parameters: strings(&g["responseParameters"]),
            response_templates: strings(&g["responseTemplates"]),
        }
        .as_aws_stores(&kind);
        out.push(Resource::typed(
            format!("gateway_response.{key}.{kind}"),
            kind,
            &props,
        ));
    }
    out
}

/// AWS accepts models that refer to each other, but each `$ref` must name a model that
/// exists. In each loop the last model (by name) waits for the others, which are created
/// with a placeholder schema first; once it exists, it sets their real schemas.
fn break_model_loops(items: &mut [Resource]) {
    let models: Vec<(String, Vec<String>)> = items
        .iter()
        .filter(|r| r.kind == Kind::Model)
        .map(|r| (r.id.clone(), r.deps.iter().cloned().collect()))
        .collect();
    let loops = super::graph::strongly_connected(
        models
            .iter()
            .map(|(id, d)| (id.as_str(), d.iter().map(String::as_str).collect())),
    );
    for ids in loops {
        let Some((closer, peers)) = ids.split_last() else {
            continue;
        };
        let mut schemas = Map::new();
        for r in items.iter_mut().filter(|r| peers.contains(&r.id)) {
            r.deps.retain(|d| !ids.contains(d));
            r.payload = Some(json!({"placeholder_schema": true}));
            schemas.insert(r.name.clone(), r.props["schema"].clone());
        }
        if let Some(r) = items.iter_mut().find(|r| &r.id == closer) {
            r.deps.extend(peers.iter().cloned());
            r.payload = Some(json!({"then_set_schemas": schemas}));
        }
    }
}

fn path_dep(key: &str, path: &str) -> String {
    if path == "/" {
        format!("rest_api.{key}")
    } else {
        format!("path.{key}.{path}")
    }
}

fn stage_resource(_cfg: &Config, key: &str, name: &str, stage: &Stage, logs: bool) -> Resource {
    let mut method_settings = BTreeMap::new();
    let all = [("*/*".to_string(), stage.defaults())];
    let each = stage
        .method_settings
        .iter()
        .map(|(k, m)| (k.trim_start_matches('/').to_string(), m.clone()));
    for (k, m) in all.into_iter().chain(each) {
        let m = method_setting(&m);
        if m != MethodSetting::default() {
            method_settings.insert(k, m);
        }
    }
    let cache = stage
        .cache_cluster
        .as_ref()
        .filter(|c| c.enabled == Some(true));
    let logs = stage.access_logs.as_ref().filter(|_| logs);
    let props = kinds::Stage {
        description: stage.description.clone(),
        variables: stage.variables.clone(),
        tracing: stage.tracing.unwrap_or(false),
        cache_cluster_enabled: cache.is_some(),
        cache_cluster_size: cache.map(|c| c.size.clone().unwrap_or_else(|| "0.5".into())),
        deployment: ref_placeholder(&format!("deployment.{key}"), "fingerprint"),
        access_log_destination: logs
            .map(|_| ref_placeholder(&format!("log_group.{key}.{name}"), "arn")),
        access_log_format: logs.map(|a| {
            let fmt = a.format.clone().unwrap_or_else(default_access_log_format);
            serde_json::to_string(&fmt).unwrap_or_default()
        }),
        method_settings,
        // Its deployment is the document's until the planner settles it against the live stage.
        canary: stage.canary.as_ref().map(|c| kinds::stage::Canary {
            deployment: ref_placeholder(&format!("deployment.{key}"), "fingerprint"),
            percent: c.percent,
            stage_variable_overrides: c.stage_variable_overrides.clone(),
            use_stage_cache: c.use_stage_cache,
        }),
    };
    Resource::typed(format!("stage.{key}.{name}"), name.to_string(), &props)
}

/// Declared settings only, flat: the diff compares these fields and no others.
fn method_setting(m: &MethodSettings) -> MethodSetting {
    let (t, c, l) = (
        m.throttling.as_ref(),
        m.caching.as_ref(),
        m.logging.as_ref(),
    );
    MethodSetting {
        throttling_rate_limit: t.and_then(|t| t.rate_limit),
        throttling_burst_limit: t.and_then(|t| t.burst_limit).map(i64::from),
        caching_enabled: c.and_then(|c| c.enabled),
        cache_ttl_seconds: c.and_then(|c| c.ttl_seconds).map(i64::from),
        cache_encrypted: c.and_then(|c| c.encrypted),
        logging_level: l
            .and_then(|l| l.level)
            .map(|x| format!("{x:?}").to_uppercase()),
        data_trace: l.and_then(|l| l.data_trace),
        metrics: m.metrics,
    }
}

#[cfg(test)]
mod tests;
