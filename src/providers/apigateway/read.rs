//! Read the REST APIs, VPC links, stages and deployments this stack owns.
//!
//! Cost per owned API: GetResources (embed=methods, limit 500, all pages), GetStages,
//! GetDeployments — whatever the number of routes. No per-method calls.

use crate::diag::Diagnostic;
use crate::model::kinds::stage::MethodSetting;
use crate::model::kinds::{self, route, Deployment, Path, Route, Typed, VpcLink};
use crate::model::owner::owned_map as owned;
use crate::model::owner::{other_owner, protected, ADOPTED, DEPLOYMENT_PREFIX, UNREADABLE};
use crate::model::{dup_id, Kind, LiveResource, LiveState, Props};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use aws_sdk_apigateway::types::{Method, Resource as AwsResource, RestApi, Stage};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// Owned VPC links; an untagged one `adopt` names (AWS id → the stack's id) is read as
/// that, marked adopted.
pub async fn read_vpc_links(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let pages = pages::all(aws, |position| {
        aws.apigw
            .get_vpc_links()
            .limit(500)
            .set_position(position)
            .send()
    })
    .await?;
    for l in &pages {
        let tags = tags_of(aws, l.tags(), "vpclinks", l.id().unwrap_or_default()).await?;
        let aws_id = l.id().unwrap_or_default().to_string();
        let mut outputs: BTreeMap<String, String> = [("id".to_string(), aws_id.clone())].into();
        let adopted = || {
            let id = adopt
                .get(&aws_id)
                .filter(|_| other_owner(&tags, owner).is_none())?;
            outputs.insert(ADOPTED.into(), "true".into());
            Some((id.clone(), false))
        };
        let Some((id, protect)) = owned(Some(&tags), owner).or_else(adopted) else {
            continue;
        };
        let props = VpcLink {
            name: l.name().unwrap_or_default().to_string(),
            description: l.description().unwrap_or_default().to_string(),
            target_arns: l.target_arns().to_vec(),
        }
        .to_props();
        live.insert(LiveResource {
            name: id.trim_start_matches("vpc_link.").to_string(),
            id,
            kind: Kind::VpcLink,
            props,
            outputs,
            deps: BTreeSet::new(),
            parent: None,
            protect,
        });
    }
    Ok(())
}

/// `arn:aws:apigateway:<region>::/restapis/<id>`, for the tagging calls.
pub fn rest_api_arn(aws: &Aws, id: &str) -> String {
    format!("arn:aws:apigateway:{}::/restapis/{id}", aws.region)
}

/// `arn:aws:apigateway:<region>::/vpclinks/<id>`, for the tagging calls.
pub fn vpc_link_arn(aws: &Aws, id: &str) -> String {
    format!("arn:aws:apigateway:{}::/vpclinks/{id}", aws.region)
}

/// GetTags of an API Gateway resource. Called for a VPC link or domain that lists without
/// tags: on AWS one with none (someone else's), on LocalStack any (its lists drop them).
pub async fn get_tags(aws: &Aws, arn: &str) -> Result<HashMap<String, String>, AwsError> {
    // moto has no GetTags (an HTML 404): there, a list without tags is the whole truth.
    let got = aws
        .call_if_supported(|| aws.apigw.get_tags().resource_arn(arn).send())
        .await;
    match got {
        Ok(t) => Ok(t.and_then(|t| t.tags().cloned()).unwrap_or_default()),
        Err(e) if e.is_not_found() => Ok(HashMap::new()),
        Err(e) => Err(e),
    }
}

/// An item's tags as its list gave them, or asked of GetTags when the list gave none
/// (LocalStack lists REST APIs, VPC links, usage plans and keys without the tags TagResource
/// set, docs/EMULATOR.md). `path`: `restapis`, `vpclinks`, `usageplans` or `apikeys`.
pub async fn tags_of(
    aws: &Aws,
    listed: Option<&HashMap<String, String>>,
    path: &str,
    id: &str,
) -> Result<HashMap<String, String>, AwsError> {
    match listed {
        Some(t) if !t.is_empty() => Ok(t.clone()),
        _ => {
            get_tags(
                aws,
                &format!("arn:aws:apigateway:{}::/{path}/{id}", aws.region),
            )
            .await
        }
    }
}

/// Every REST API of the account and region.
pub async fn list_rest_apis(aws: &Aws) -> Result<Vec<RestApi>, AwsError> {
    pages::all(aws, |position| {
        aws.apigw
            .get_rest_apis()
            .limit(500)
            .set_position(position)
            .send()
    })
    .await
}

/// A REST API the stack declares: its resource id, its name, and the live API it adopts.
pub struct WantedApi {
    pub id: String,
    pub name: String,
    pub adopt: Option<String>,
}

/// What the read found besides the stack's own: an API to adopt that is not there (an
/// error), untagged APIs with a name the stack would create again (notes).
#[derive(Default)]
pub struct Unowned {
    pub conflicts: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

/// Owned REST APIs (and those the stack adopts) and, for each, its paths, routes,
/// deployments and stages.
pub async fn read_rest_apis(
    aws: &Aws,
    owner: &str,
    wanted: &[WantedApi],
    live: &mut LiveState,
) -> Result<Unowned, AwsError> {
    let (mut owned_apis, mut others) = (Vec::new(), Vec::new());
    for mut a in list_rest_apis(aws).await? {
        // An API the stack names (to adopt, or by name) listed without tags: LocalStack keeps
        // tags added later only in GetTags. On AWS the list has them all; this is then an
        // untagged API of that name, read once.
        let named = wanted
            .iter()
            .any(|w| a.name() == Some(w.name.as_str()) || a.id() == w.adopt.as_deref());
        if named {
            a.tags = Some(tags_of(aws, a.tags(), "restapis", a.id().unwrap_or_default()).await?);
        }
        match owned(a.tags(), owner) {
            Some((id, protect)) => owned_apis.push((id, protect, a)),
            None => others.push(a),
        }
    }
    let mut found = Unowned::default();
    let mut adopted = BTreeSet::new();
    for w in wanted {
        if owned_apis.iter().any(|(id, _, _)| *id == w.id) {
            continue;
        }
        let key = w.id.trim_start_matches("rest_api.");
        if let Some(want) = &w.adopt {
            match others.iter().position(|a| a.id() == Some(want.as_str())) {
                Some(i) if other_owner(others[i].tags().into_iter().flatten(), owner).is_none() => {
                    adopted.insert(want.clone());
                    owned_apis.push((w.id.clone(), false, others.remove(i)));
                }
                Some(i) => found.conflicts.push(
                    Diagnostic::error(
                        "ownership",
                        format!(
                            "rest_apis.{key}.adopt: REST API {want} belongs to stack {}",
                            other_owner(others[i].tags().into_iter().flatten(), owner).unwrap_or_default()
                        ),
                    )
                    .hint("a stack adopts only what no stack owns: remove `adopt`, or destroy it from its stack first"),
                ),
                None => found.conflicts.push(
                    Diagnostic::error(
                        "ownership",
                        format!("rest_apis.{key}.adopt: no REST API {want} in this account and region"),
                    )
                    .hint("give the id `aws apigateway get-rest-apis` lists, or remove `adopt` to create a new API"),
                ),
            }
            continue;
        }
        for a in others.iter().filter(|a| a.name() == Some(w.name.as_str())) {
            if other_owner(a.tags().into_iter().flatten(), owner).is_none() {
                found.notes.push(format!(
                    "REST API `{}` ({id}) exists without this stack's tags: the plan creates a second API of that name. To take it over instead, set `rest_apis.{key}.adopt: {id}` (the plan then shows `~ adopt`), or write its files with `idrv5-gw import --rest-api {id} --out DIR`",
                    w.name,
                    id = a.id().unwrap_or_default(),
                ));
            }
        }
    }
    in_use_first(aws, &mut owned_apis).await?;
    let mut apis = Vec::new();
    for (id, protect, a) in owned_apis {
        // A second API claiming the same id is a duplicate (see `LiveState::insert`): named
        // apart before its children are read, so they are named after it and go with it.
        let taken = |c: &str| apis.iter().any(|(i, _, _)| i == c);
        let (id, protect) = if taken(&id) {
            (dup_id(&id, taken), false)
        } else {
            (id, protect)
        };
        apis.push((id, protect, a));
    }
    let reads = apis
        .into_iter()
        .map(|(id, protect, api)| read_one_api(aws, id, protect, api));
    for result in futures::future::join_all(reads).await {
        for mut r in result? {
            if r.kind == Kind::RestApi && r.outputs.get("id").is_some_and(|i| adopted.contains(i)) {
                r.outputs.insert(ADOPTED.into(), "true".into());
            }
            live.insert(r);
        }
    }
    Ok(found)
}

/// Where two APIs claim one id, the one with the most stages comes first and is kept: it is
/// the one serving. A GetStages per copy, only when there are copies.
async fn in_use_first(aws: &Aws, apis: &mut [(String, bool, RestApi)]) -> Result<(), AwsError> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (id, _, _) in apis.iter() {
        *count.entry(id.as_str()).or_default() += 1;
    }
    let copies: Vec<String> = apis
        .iter()
        .filter(|(id, _, _)| count[id.as_str()] > 1)
        .filter_map(|(_, _, a)| a.id().map(str::to_string))
        .collect();
    if copies.is_empty() {
        return Ok(());
    }
    let stages = futures::future::try_join_all(copies.iter().map(|api| async move {
        let got = aws
            .call(|| aws.apigw.get_stages().rest_api_id(api).send())
            .await?;
        Ok::<_, AwsError>((api.clone(), got.item().len()))
    }))
    .await?;
    let stages: HashMap<String, usize> = stages.into_iter().collect();
    apis.sort_by_key(|(_, _, a)| {
        std::cmp::Reverse(a.id().and_then(|i| stages.get(i)).copied().unwrap_or(0))
    });
    Ok(())
}

pub async fn read_one_api(
    aws: &Aws,
    id: String,
    protect: bool,
    api: RestApi,
) -> Result<Vec<LiveResource>, AwsError> {
    let key = id.trim_start_matches("rest_api.").to_string();
    let api_id = api.id().unwrap_or_default().to_string();
    let (resources, stages, deployments, mut out) = tokio::try_join!(
        get_resources(aws, &api_id),
        aws.call(|| aws.apigw.get_stages().rest_api_id(&api_id).send()),
        get_deployments(aws, &api_id),
        crate::providers::apigateway::items::read(aws, &key, &api_id),
    )?;
    out.insert(0, rest_api_resource(&id, &key, protect, &api));
    out.extend(paths_and_routes(&key, &resources));
    out.extend(deployments_and_stages(&key, &deployments, stages.item()));
    Ok(out)
}

/// A live resource under the REST API `key`.
fn child(
    key: &str,
    id: String,
    kind: Kind,
    name: String,
    props: Props,
    outputs: BTreeMap<String, String>,
) -> LiveResource {
    LiveResource::new(id, kind, name, props, outputs).under(format!("rest_api.{key}"))
}

/// The API's resource tree as paths, and its methods as routes.
///
/// AWS never holds two resources on one path, but an emulator retrying a CreateResource
/// whose answer was lost does. The copy with the most under it is kept; the other and
/// everything under it are duplicates (`<id>~dupN`), each depending on its real parent
/// so they are deleted bottom-up. Parents come first, so a child knows.
fn paths_and_routes(key: &str, resources: &[AwsResource]) -> Vec<LiveResource> {
    let weight = |r: &AwsResource| {
        let children = resources
            .iter()
            .filter(|c| c.parent_id().is_some() && c.parent_id() == r.id())
            .count();
        children + r.resource_methods().map_or(0, |m| m.len())
    };
    let depth = |r: &AwsResource| match r.path().unwrap_or("/") {
        "/" => 0,
        p => p.matches('/').count(),
    };
    let mut sorted: Vec<&AwsResource> = resources.iter().collect();
    sorted.sort_by_key(|r| (depth(r), std::cmp::Reverse(weight(r))));
    let mut out = Vec::new();
    let mut live_ids: HashMap<String, String> = HashMap::new();
    let mut dups: BTreeSet<String> = BTreeSet::new();
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for r in sorted {
        let path = r.path().unwrap_or("/").to_string();
        let aws_id = r.id().unwrap_or_default().to_string();
        let under_dup = r.parent_id().is_some_and(|p| dups.contains(p));
        let path_id = if path == "/" {
            format!("rest_api.{key}")
        } else {
            let base = format!("path.{key}.{path}");
            let id = if taken.contains(&base) || under_dup {
                dups.insert(aws_id.clone());
                dup_id(&base, |c| taken.contains(c))
            } else {
                base
            };
            taken.insert(id.clone());
            let mut p = child(
                key,
                id.clone(),
                Kind::Path,
                path.clone(),
                Path { path: path.clone() }.to_props(),
                [("id".to_string(), aws_id.clone())].into(),
            );
            let by_path = match path.rsplit_once('/').map(|(p, _)| p).unwrap_or("") {
                "" => format!("rest_api.{key}"),
                parent => format!("path.{key}.{parent}"),
            };
            let parent = r.parent_id().and_then(|p| live_ids.get(p)).cloned();
            p.deps.insert(parent.unwrap_or(by_path));
            out.push(p);
            id
        };
        live_ids.insert(aws_id.clone(), path_id.clone());
        for (method, m) in r.resource_methods().into_iter().flatten() {
            let base = format!("route.{key}.{method} {path}");
            let id = if dups.contains(&aws_id) || taken.contains(&base) {
                dup_id(&base, |c| taken.contains(c))
            } else {
                base
            };
            taken.insert(id.clone());
            let mut route = child(
                key,
                id,
                Kind::Route,
                format!("{method} {path}"),
                route_props(m, &aws_id).to_props(),
                [("resource_id".to_string(), aws_id.clone())].into(),
            );
            route.deps.insert(path_id.clone());
            out.push(route);
        }
    }
    out
}

/// Managed deployments (the fingerprint lives in the description), newest first, and the
/// stages that serve them.
pub(super) fn deployments_and_stages(
    key: &str,
    deployments: &[aws_sdk_apigateway::types::Deployment],
    stages: &[Stage],
) -> Vec<LiveResource> {
    let mut out = Vec::new();
    let mut fingerprints = HashMap::new();
    let mut managed: Vec<_> = deployments
        .iter()
        .filter_map(|d| {
            Some((
                d,
                d.description()?
                    .strip_prefix(DEPLOYMENT_PREFIX)?
                    .to_string(),
            ))
        })
        .collect();
    managed.sort_by_key(|(d, _)| {
        std::cmp::Reverse(d.created_date().map(|t| (t.secs(), t.subsec_nanos())))
    });
    for (d, fp) in managed {
        let did = d.id().unwrap_or_default().to_string();
        fingerprints.insert(did.clone(), fp.clone());
        let created = d
            .created_date()
            .map(|t| t.secs().to_string())
            .unwrap_or_default();
        out.push(child(
            key,
            format!("deployment.{key}@{did}"),
            Kind::Deployment,
            did.clone(),
            Deployment {
                fingerprint: fp.clone(),
            }
            .to_props(),
            [
                ("id".to_string(), did),
                ("fingerprint".to_string(), fp),
                ("created".to_string(), created),
            ]
            .into(),
        ));
    }
    for s in stages {
        let name = s.stage_name().unwrap_or_default().to_string();
        let dep = s.deployment_id().unwrap_or_default();
        let fp_of = |dep: &str| {
            fingerprints
                .get(dep)
                .cloned()
                .unwrap_or_else(|| format!("unmanaged deployment {dep}"))
        };
        let canary = s.canary_settings().and_then(|c| c.deployment_id());
        let mut props = stage_props(s, &fp_of(dep));
        if let Some(c) = canary {
            props.insert(
                "canary".into(),
                serde_json::to_value(canary_props(s, fp_of(c))).unwrap_or_default(),
            );
        }
        let mut outputs: BTreeMap<String, String> = [
            ("name".to_string(), name.clone()),
            ("deployment_id".to_string(), dep.to_string()),
        ]
        .into();
        outputs.extend(canary.map(|c| ("canary_deployment_id".to_string(), c.to_string())));
        let mut r = child(
            key,
            format!("stage.{key}.{name}"),
            Kind::Stage,
            name.clone(),
            props,
            outputs,
        );
        r.protect = protected(s.tags());
        // What it serves (the canary too) is in use: not pruned, deleted only after it moves.
        for d in [Some(dep), canary].into_iter().flatten() {
            if fingerprints.contains_key(d) {
                r.deps.insert(format!("deployment.{key}@{d}"));
            }
        }
        out.push(r);
    }
    out
}

fn rest_api_resource(id: &str, key: &str, protect: bool, api: &RestApi) -> LiveResource {
    let mut media: Vec<String> = api
        .binary_media_types()
        .iter()
        .map(|m| m.replace("~1", "/"))
        .collect();
    media.sort();
    let endpoint = api
        .endpoint_configuration()
        .and_then(|e| e.types().first())
        .map(|t| t.as_str().to_string())
        .unwrap_or_else(|| "EDGE".into());
    let props = kinds::RestApi {
        name: api.name().unwrap_or_default().to_string(),
        description: api.description().unwrap_or_default().to_string(),
        endpoint_type: endpoint,
        binary_media_types: media,
        minimum_compression_size: api.minimum_compression_size().map(i64::from),
        api_key_source: api
            .api_key_source()
            .map_or("HEADER", |s| s.as_str())
            .to_string(),
        policy: kinds::policy_text(
            api.policy()
                .and_then(|p| kinds::parse_policy(&p.into()))
                .as_ref(),
            api.id(),
        ),
    }
    .to_props();
    LiveResource::new(
        id.to_string(),
        Kind::RestApi,
        key.to_string(),
        props,
        [
            ("id".to_string(), api.id().unwrap_or_default().to_string()),
            (
                "root_id".to_string(),
                api.root_resource_id().unwrap_or_default().to_string(),
            ),
        ]
        .into(),
    )
    .protected(protect)
}

/// The API's resource tree with its methods: one GetResources per 500 resources, or none
/// when this run read it since its last call that may have changed it (`Aws::known_tree`).
async fn get_resources(aws: &Aws, api_id: &str) -> Result<Arc<Vec<AwsResource>>, AwsError> {
    let generation = match aws.known_tree(api_id) {
        Ok(tree) => return Ok(tree),
        Err(generation) => generation,
    };
    let tree = Arc::new(read_tree(aws, api_id).await?);
    aws.remember_tree(api_id, generation, tree.clone());
    Ok(tree)
}

async fn read_tree(aws: &Aws, api_id: &str) -> Result<Vec<AwsResource>, AwsError> {
    pages::all(aws, |position| {
        aws.apigw
            .get_resources()
            .rest_api_id(api_id)
            .embed("methods")
            .limit(500)
            .set_position(position)
            .send()
    })
    .await
}

pub async fn get_deployments(
    aws: &Aws,
    api_id: &str,
) -> Result<Vec<aws_sdk_apigateway::types::Deployment>, AwsError> {
    pages::all(aws, |position| {
        aws.apigw
            .get_deployments()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
            .send()
    })
    .await
}

/// A map as the struct keeps it: sorted, `None` when empty.
fn sorted<V: Clone>(m: Option<&HashMap<String, V>>) -> Option<BTreeMap<String, V>> {
    route::non_empty(m?.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

/// The route as `model::routes` gives the desired side. `resource_id` is the method's
/// resource: AWS's default cache namespace, read as none.
pub(super) fn route_props(m: &Method, resource_id: &str) -> Route {
    let upper = |s: Option<&str>| s.map(str::to_uppercase);
    let integration = m.method_integration().map(|i| {
        let connection_type = i
            .connection_type()
            .map_or("INTERNET", |t| t.as_str())
            .to_string();
        // AWS refuses a VPC_LINK integration without a connection id, so a missing one can
        // only be an emulator that does not store it (moto): say "unreadable", not "drift".
        let connection_id = match i.connection_id() {
            None if connection_type == "VPC_LINK" => Some(UNREADABLE.to_string()),
            c => c.map(str::to_string),
        };
        route::Integration {
            kind: i
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            http_method: i.http_method().map(str::to_string),
            uri: i.uri().map(str::to_string),
            connection_type,
            connection_id,
            credentials: i.credentials().map(str::to_string),
            request_parameters: sorted(i.request_parameters()),
            request_templates: sorted(i.request_templates()),
            timeout_ms: Some(i.timeout_in_millis() as i64)
                .filter(|t| *t > 0)
                .unwrap_or(route::DEFAULT_TIMEOUT_MS),
            passthrough_behavior: i
                .passthrough_behavior()
                .unwrap_or("WHEN_NO_MATCH")
                .to_uppercase(),
            content_handling: i.content_handling().map(|c| c.as_str().to_string()),
            cache_namespace: i
                .cache_namespace()
                .filter(|n| !n.is_empty() && *n != resource_id)
                .map(str::to_string),
            cache_key_parameters: Some(i.cache_key_parameters().to_vec()).filter(|k| !k.is_empty()),
            insecure_skip_verification: i
                .tls_config()
                .map(|t| t.insecure_skip_verification())
                .filter(|skip| *skip),
        }
    });
    let method_responses = m
        .method_responses()
        .into_iter()
        .flatten()
        .map(|(code, r)| {
            let r = route::MethodResponse {
                parameters: sorted(r.response_parameters()),
                models: sorted(r.response_models()),
            };
            (code.clone(), r)
        })
        .collect();
    let integration_responses = m
        .method_integration()
        .and_then(|i| i.integration_responses())
        .into_iter()
        .flatten()
        .map(|(code, r)| {
            // Empty templates come back as null: they mean "no template".
            let templates = r
                .response_templates()
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let r = route::IntegrationResponse {
                selection_pattern: r
                    .selection_pattern()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
                response_parameters: sorted(r.response_parameters()),
                response_templates: route::non_empty(templates),
                content_handling: upper(r.content_handling().map(|c| c.as_str())),
            };
            (code.clone(), r)
        })
        .collect();
    Route {
        authorization: m.authorization_type().unwrap_or("NONE").to_string(),
        authorizer_id: m.authorizer_id().map(str::to_string),
        authorization_scopes: Some(m.authorization_scopes().to_vec()).filter(|v| !v.is_empty()),
        api_key_required: m.api_key_required().unwrap_or(false),
        request_parameters: sorted(m.request_parameters()),
        request_validator_id: m.request_validator_id().map(str::to_string),
        request_models: sorted(m.request_models()),
        integration,
        method_responses: route::non_empty(method_responses),
        integration_responses: route::non_empty(integration_responses),
    }
}

/// The canary a stage carries (its deployment given by fingerprint).
fn canary_props(s: &Stage, fingerprint: String) -> kinds::stage::Canary {
    let c = s.canary_settings();
    kinds::stage::Canary {
        deployment: fingerprint,
        percent: c.map_or(0.0, |c| c.percent_traffic()),
        stage_variable_overrides: c
            .and_then(|c| c.stage_variable_overrides())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        use_stage_cache: c.is_some_and(|c| c.use_stage_cache()),
    }
}

pub(super) fn stage_props(s: &Stage, fingerprint: &str) -> Props {
    let method_settings = s
        .method_settings()
        .into_iter()
        .flatten()
        .map(|(k, m)| {
            let m = MethodSetting {
                throttling_rate_limit: Some(m.throttling_rate_limit()),
                throttling_burst_limit: Some(m.throttling_burst_limit().into()),
                caching_enabled: Some(m.caching_enabled()),
                cache_ttl_seconds: Some(m.cache_ttl_in_seconds().into()),
                cache_encrypted: Some(m.cache_data_encrypted()),
                logging_level: Some(m.logging_level().unwrap_or("OFF").to_string()),
                data_trace: Some(m.data_trace_enabled()),
                metrics: Some(m.metrics_enabled()),
            };
            // moto keeps the `~1` escape of the key; AWS does not.
            (k.replace("~1", "/"), m)
        })
        .collect();
    let logs = s.access_log_settings();
    let cache = s.cache_cluster_enabled();
    kinds::Stage {
        description: s
            .description()
            .filter(|d| !d.is_empty())
            .map(str::to_string),
        variables: s
            .variables()
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        tracing: s.tracing_enabled(),
        cache_cluster_enabled: cache,
        cache_cluster_size: s
            .cache_cluster_size()
            .filter(|_| cache)
            .map(|c| c.as_str().to_string()),
        deployment: fingerprint.to_string(),
        access_log_destination: logs.and_then(|l| l.destination_arn()).map(str::to_string),
        access_log_format: logs.and_then(|l| l.format()).map(str::to_string),
        method_settings,
        canary: None,
    }
    .to_props()
}
