//! Bulk writes (issue 7): when one PutRestApi of the rendered document is cheaper than the
//! per-route calls a plan needs, under AWS's control-plane quotas.
//!
//! The granular path writes every path, route and API item with its own calls
//! (CreateResource, PutMethod, PutIntegration, ... all through the account's 10/s bucket,
//! CreateResource also through its own 5/s one). The bulk path writes the whole API with one
//! PutRestApi (1/s, burst 1), then reads the account again and carries out whatever the
//! import did not carry granularly (the "repair"). This module only estimates and decides;
//! `bulk_write.rs` carries out the writes.

use crate::model::Kind;
use crate::plan::{Action, Change, Plan};
use crate::providers::apigateway::write::method_changed;
use crate::providers::limits::{quota, service_of, APIGW_TOTAL};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// `apply --bulk`: let the cost model choose, or force one path (tests, benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Auto,
    Always,
    Never,
}

/// API Gateway reads the plan before an apply makes (account-level: GetRestApis, GetVpcLinks,
/// GetApiKeys, GetUsagePlans, GetDomainNames; per API: GetStages, GetDeployments,
/// GetAuthorizers, GetRequestValidators, GetModels, GetGatewayResponses, besides its
/// GetResources pages). Both paths start after them, so they count against the same burst.
pub const ACCOUNT_READS: u64 = 5;
pub const PER_API_READS: u64 = 6;
/// GetResources returns up to 500 resources a page.
pub const RESOURCES_PER_PAGE: u64 = 500;
/// Calls set aside for repairs besides the API items (below): routes an import may drop.
pub const REPAIR_ALLOWANCE: u64 = 5;
/// AWS parses and applies an imported document before it answers: seconds set aside for it.
pub const PUT_LATENCY_S: f64 = 1.0;
/// Bulk is chosen only when it saves at least this much time (while what an import carries
/// on this endpoint is a guess) ...
pub const MARGIN_S: f64 = 2.0;
/// ... or this much, once an import's read-back here showed what it leaves to repair ...
pub const LEARNED_MARGIN_S: f64 = 0.5;
/// ... and is at least this many times faster.
pub const MARGIN_RATIO: f64 = 1.5;

/// The API Gateway write calls one change makes on the granular path (what
/// `providers::apigateway::write` and `providers::apigateway::items` send for it).
pub fn write_calls(c: &Change) -> Vec<&'static str> {
    if c.action == Action::Noop || c.covered_by.is_some() {
        return Vec::new();
    }
    let del = c.action == Action::Delete;
    let create = matches!(c.action, Action::Create | Action::Replace);
    let count = |key: &str| -> usize {
        c.after
            .as_ref()
            .and_then(|a| a.get(key))
            .and_then(Value::as_object)
            .map_or(0, |o| o.len())
    };
    match c.kind {
        Kind::Path if del => c.kind.spec().calls.delete.to_vec(),
        Kind::Path => c.kind.spec().calls.create.to_vec(),
        Kind::Route if del => vec!["DeleteMethod"],
        Kind::Route => {
            let mut v = Vec::new();
            if create || method_changed(c) {
                if !create {
                    v.push("DeleteMethod");
                }
                v.push("PutMethod");
                v.extend(std::iter::repeat_n(
                    "PutMethodResponse",
                    count("method_responses"),
                ));
            }
            v.push("PutIntegration");
            v.extend(std::iter::repeat_n(
                "PutIntegrationResponse",
                count("integration_responses"),
            ));
            v
        }
        // moto drops a regex given at create: a patch follows (providers::apigateway::items).
        Kind::Authorizer
            if create
                && c.after
                    .as_ref()
                    .and_then(|a| a.get("validation_regex"))
                    .is_some_and(|v| v.is_string()) =>
        {
            vec!["CreateAuthorizer", "UpdateAuthorizer"]
        }
        Kind::Authorizer | Kind::Validator | Kind::Model | Kind::GatewayResponse => {
            let calls = &c.kind.spec().calls;
            match () {
                _ if del => calls.delete.to_vec(),
                _ if create => calls.create.to_vec(),
                _ => calls.update.to_vec(),
            }
        }
        _ => Vec::new(),
    }
}

/// The least time AWS's buckets allow for these calls, from full buckets: the maximum over
/// the buckets they draw from of (calls − burst) / rate.
pub fn floor_seconds(calls: &BTreeMap<&str, u64>) -> f64 {
    let mut shared: BTreeMap<&str, u64> = BTreeMap::new();
    let mut worst: f64 = 0.0;
    for (op, n) in calls {
        *shared.entry(service_of("apigateway", op)).or_default() += n;
        if let Some((rate, burst)) = quota("apigateway", op) {
            worst = worst.max((*n as f64 - burst).max(0.0) / rate);
        }
    }
    if let Some(n) = shared.get("apigateway") {
        let (rate, burst) = APIGW_TOTAL;
        worst = worst.max((*n as f64 - burst).max(0.0) / rate);
    }
    worst
}

/// One REST API of a plan, both ways.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// `rest_api.<key>`
    pub api: String,
    pub key: String,
    /// Path, route and API-item changes of this API.
    pub changes: usize,
    /// API Gateway write calls the granular path makes for them.
    pub granular_calls: u64,
    pub granular_s: f64,
    /// PutRestApi + read-back + repair allowance.
    pub bulk_calls: u64,
    pub bulk_s: f64,
    /// The API can be written whole: it is created or updated in place (not replaced or
    /// deleted) and some of its paths or routes change.
    pub eligible: bool,
    pub bulk: bool,
    /// Repair calls per per-route call the last import on this endpoint left (`Learned`).
    pub learned: Option<f64>,
}

/// What the read-back after an import showed on this endpoint, for the next run's choice:
/// the calls the repair needed per call the granular path would have made (AWS and
/// LocalStack: near 0; moto, which drops method parameters or refuses the document: 1 or
/// more). Kept in the cache file "import" (`crate::cache`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Learned {
    pub repair_per_call: Option<f64>,
}

impl Learned {
    /// From the repair plan made after the import of `e`.
    pub fn observe(e: &Estimate, repair: &Plan) -> Learned {
        let calls: usize = repair
            .pending()
            .filter(|c| c.parent.as_deref() == Some(e.api.as_str()))
            .map(|c| write_calls(c).len())
            .sum();
        Learned {
            repair_per_call: Some(calls as f64 / e.granular_calls.max(1) as f64),
        }
    }
}

impl Estimate {
    /// Bulk is cheaper by the margin.
    pub fn bulk_wins(&self) -> bool {
        let margin = if self.learned.is_some() {
            LEARNED_MARGIN_S
        } else {
            MARGIN_S
        };
        self.granular_s - self.bulk_s >= margin && self.granular_s >= self.bulk_s * MARGIN_RATIO
    }
}

/// Estimate every REST API of the plan and decide which go in bulk; `learned` is what the
/// last import on this endpoint left to repair.
pub fn choose(plan: &Plan, mode: Mode, learned: &Learned) -> Vec<Estimate> {
    let mut out = Vec::new();
    for api in plan.changes.iter().filter(|c| c.kind == Kind::RestApi) {
        let key = api.id.trim_start_matches("rest_api.").to_string();
        let children: Vec<&Change> = plan
            .pending()
            .filter(|c| c.parent.as_deref() == Some(api.id.as_str()))
            .filter(|c| {
                matches!(
                    c.kind,
                    Kind::Path
                        | Kind::Route
                        | Kind::Authorizer
                        | Kind::Validator
                        | Kind::Model
                        | Kind::GatewayResponse
                )
            })
            .collect();
        let mut granular: BTreeMap<&str, u64> = BTreeMap::new();
        let mut items: BTreeMap<&str, u64> = BTreeMap::new();
        for c in &children {
            let into = if matches!(c.kind, Kind::Path | Kind::Route) {
                &mut granular
            } else {
                &mut items
            };
            for op in write_calls(c) {
                *into.entry(op).or_default() += 1;
            }
        }
        let item_calls: u64 = items.values().sum();
        for (op, n) in &items {
            *granular.entry(op).or_default() += n;
        }
        let granular_calls: u64 = granular.values().sum();
        // Paths the API will have: today's plus those created, less those deleted.
        let paths = plan
            .changes
            .iter()
            .filter(|c| c.kind == Kind::Path && c.parent.as_deref() == Some(api.id.as_str()))
            .filter(|c| c.action != Action::Delete)
            .count() as u64
            + 1;
        let pages = paths.div_ceil(RESOURCES_PER_PAGE);
        let reads = ACCOUNT_READS + PER_API_READS + pages;
        // What the import will leave: the allowance, or what the last one left here.
        let repairs = learned
            .repair_per_call
            .map_or(REPAIR_ALLOWANCE, |r| {
                (r * granular_calls as f64).ceil() as u64
            })
            .max(REPAIR_ALLOWANCE);
        let bulk_calls = 1 + reads + item_calls + repairs;
        // Either path reads the account twice (the plan, then the apply's check that it
        // matches) and deploys (CreateDeployment, UpdateStage): under the same buckets, these
        // calls push the per-route writes past the burst (measured: a 50-route change took
        // 4.4 s per route where counting its writes alone said 2.2 s).
        let with_reads = |mut m: BTreeMap<&'static str, u64>| {
            *m.entry("GetResources").or_default() += 2 * pages;
            *m.entry("GetRestApis").or_default() += 2 * (ACCOUNT_READS + PER_API_READS);
            *m.entry("CreateDeployment").or_default() += 1;
            *m.entry("UpdateStage").or_default() += 1;
            m
        };
        let granular_s = floor_seconds(&with_reads(granular));
        let mut bulk_ops: BTreeMap<&str, u64> = BTreeMap::new();
        bulk_ops.insert("PutRestApi", 1);
        // The re-read after the import, then the repairs.
        bulk_ops.insert("GetResources", pages);
        bulk_ops.insert("GetRestApis", reads - pages);
        bulk_ops.insert("PutMethod", item_calls + repairs);
        let bulk_s = floor_seconds(&with_reads(bulk_ops)) + PUT_LATENCY_S;
        let eligible = matches!(api.action, Action::Create | Action::Update | Action::Noop)
            && children
                .iter()
                .any(|c| matches!(c.kind, Kind::Path | Kind::Route));
        let mut e = Estimate {
            api: api.id.clone(),
            key,
            changes: children.len(),
            granular_calls,
            granular_s,
            bulk_calls,
            bulk_s,
            eligible,
            bulk: false,
            learned: learned.repair_per_call,
        };
        e.bulk = eligible
            && match mode {
                Mode::Never => false,
                Mode::Always => true,
                Mode::Auto => e.bulk_wins(),
            };
        out.push(e);
    }
    out
}

/// The body PutRestApi sends: the resolved document, made to import as exactly the route
/// table the granular path writes, so the read-back finds nothing to repair on the routes.
///
/// * Each operation's `responses` become the method responses the route model wants (each
///   numeric status, with the headers it declares and those its integration responses
///   map): AWS's import would also try `default` and the like, which the granular path
///   does not make.
/// * The integration `type` is upper-cased, as AWS stores it (moto stores what it is sent).
///
/// The deployment fingerprint still hashes the document as rendered.
pub fn import_body(mut body: Value, key: &str) -> Value {
    for (path, method, route) in crate::model::routes::routes(&body, key) {
        let op_key = if method == "ANY" {
            crate::config::contract::ANY_METHOD.to_string()
        } else {
            method.to_lowercase()
        };
        let Some(op) = body
            .get_mut("paths")
            .and_then(|p| p.get_mut(&path))
            .and_then(|i| i.get_mut(&op_key))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        if let Some(t) = op
            .get_mut("x-amazon-apigateway-integration")
            .and_then(|x| x.get_mut("type"))
        {
            if let Some(up) = t.as_str().map(str::to_uppercase) {
                *t = Value::String(up);
            }
        }
        let old = op.get("responses").cloned().unwrap_or(Value::Null);
        let mut responses = serde_json::Map::new();
        for (code, params) in route.method_responses.iter().flatten() {
            let mut r = old.get(code).cloned().unwrap_or_else(|| json!({}));
            if r.get("description").is_none() {
                r["description"] = json!(format!("{code} response"));
            }
            for header in params
                .parameters
                .iter()
                .flat_map(|o| o.keys())
                .filter_map(|k| k.strip_prefix("method.response.header."))
            {
                if r.pointer(&format!("/headers/{header}")).is_none() {
                    r["headers"][header] = json!({"schema": {"type": "string"}});
                }
            }
            responses.insert(code.clone(), r);
        }
        op.insert("responses".into(), Value::Object(responses));
    }
    body
}

/// "2,290"
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "229 s", "0.4 s"
pub fn seconds(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kinds::{route, Route};
    use crate::model::Props;
    use serde_json::json;
    use std::collections::BTreeSet;

    fn change(id: &str, kind: Kind, action: Action, after: serde_json::Value) -> Change {
        Change {
            id: id.into(),
            kind,
            name: id.rsplit('.').next().unwrap_or(id).into(),
            action,
            before: None,
            after: (action != Action::Delete)
                .then(|| serde_json::from_value::<Props>(after).unwrap()),
            diffs: Vec::new(),
            waits_for: BTreeSet::new(),
            parent: (kind != Kind::RestApi).then(|| "rest_api.main".to_string()),
            covered_by: None,
            live_outputs: BTreeMap::new(),
            payload: None,
            protect: false,
            drift: false,
            adopt: false,
        }
    }

    /// A new API with `routes` HTTP_PROXY routes, one 200 response each, over `routes / 2`
    /// paths (the generated benchmark contracts have about that ratio).
    fn plan(routes: usize, api_action: Action) -> Plan {
        let mut changes = vec![change(
            "rest_api.main",
            Kind::RestApi,
            api_action,
            json!({}),
        )];
        for i in 0..routes.div_ceil(2) {
            changes.push(change(
                &format!("path.main./x{i}"),
                Kind::Path,
                Action::Create,
                json!({"path": format!("/x{i}")}),
            ));
        }
        for i in 0..routes {
            changes.push(change(
                &format!("route.main.GET /x{i}"),
                Kind::Route,
                Action::Create,
                json!(Route {
                    authorization: "NONE".into(),
                    method_responses: Some([("200".into(), Default::default())].into()),
                    integration: Some(route::Integration {
                        kind: "HTTP_PROXY".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            ));
        }
        Plan {
            format_version: 1,
            tool_version: "test".into(),
            stack: "s".into(),
            environment: "e".into(),
            region: "r".into(),
            live_digest: String::new(),
            summary: Default::default(),
            changes,
            outputs: Default::default(),
            warnings: Vec::new(),
            stack_file: String::new(),
            inputs: Default::default(),
            cost: None,
        }
    }

    fn auto(routes: usize) -> Estimate {
        choose(
            &plan(routes, Action::Create),
            Mode::Auto,
            &Learned::default(),
        )
        .remove(0)
    }

    #[test]
    fn a_new_route_costs_its_method_responses_and_integration() {
        let p = plan(1, Action::Create);
        assert_eq!(
            write_calls(&p.changes[2]),
            ["PutMethod", "PutMethodResponse", "PutIntegration"]
        );
        assert_eq!(write_calls(&p.changes[1]), ["CreateResource"]);
        let mut only_integration = p.changes[2].clone();
        only_integration.action = Action::Update;
        only_integration.before = only_integration.after.clone();
        assert_eq!(write_calls(&only_integration), ["PutIntegration"]);
    }

    #[test]
    fn floor_is_the_slowest_bucket_from_full_buckets() {
        let within: BTreeMap<&str, u64> = [("PutMethod", 40)].into();
        assert_eq!(floor_seconds(&within), 0.0);
        let account: BTreeMap<&str, u64> = [("PutMethod", 140)].into();
        assert!((floor_seconds(&account) - 10.0).abs() < 1e-9);
        // CreateResource's own bucket (5/s, burst 5) binds before the account's.
        let resources: BTreeMap<&str, u64> = [("CreateResource", 35)].into();
        assert!((floor_seconds(&resources) - 6.0).abs() < 1e-9);
    }

    #[test]
    fn small_changes_stay_granular_large_ones_go_bulk() {
        // 5 routes: 3 CreateResource + 5 × (PutMethod, PutMethodResponse, PutIntegration)
        // = 18 calls; with twice the 12 reads and the deployment, 44: 4 past the 40-call burst.
        let small = auto(5);
        assert_eq!(small.granular_calls, 18);
        assert!((small.granular_s - 0.4).abs() < 1e-9, "{small:?}");
        assert!(!small.bulk);
        // 1,000 routes: ~2,500 calls, minutes at 10/s; one PutRestApi is seconds.
        let large = auto(1000);
        assert!(large.bulk);
        assert!(large.granular_s > 200.0, "{large:?}");
        assert!(large.bulk_s < 2.0, "{large:?}");
    }

    #[test]
    fn an_endpoint_whose_imports_leave_most_routes_to_repair_stays_granular() {
        let p = plan(1000, Action::Create);
        // moto at 100 operations: the repair made 1.3 calls per per-route call.
        let moto = Learned {
            repair_per_call: Some(1.3),
        };
        let e = choose(&p, Mode::Auto, &moto).remove(0);
        assert!(!e.bulk, "{e:?}");
        assert!(e.bulk_s > e.granular_s, "{e:?}");
        // AWS or LocalStack: nothing left, and the margin holds.
        let faithful = Learned {
            repair_per_call: Some(0.0),
        };
        assert!(choose(&p, Mode::Auto, &faithful)[0].bulk);
        assert!(choose(&p, Mode::Always, &moto)[0].bulk);
    }

    #[test]
    fn a_known_faithful_import_needs_less_margin() {
        // 10 routes: bulk saves ~1.5 s, under the margin of a guess ...
        let guess = auto(10);
        assert!(!guess.bulk, "{guess:?}");
        assert!(
            guess.granular_s - guess.bulk_s >= LEARNED_MARGIN_S,
            "{guess:?}"
        );
        // ... but enough once an import here left nothing to repair (LocalStack measured
        // 0.95 s in bulk against 3.7 s per route at 10 operations).
        let faithful = Learned {
            repair_per_call: Some(0.0),
        };
        assert!(choose(&plan(10, Action::Create), Mode::Auto, &faithful)[0].bulk);
        // Where the import left most routes to repair, the estimate itself says no.
        let moto = Learned {
            repair_per_call: Some(1.1),
        };
        assert!(!choose(&plan(10, Action::Create), Mode::Auto, &moto)[0].bulk);
        assert!(!choose(&plan(100, Action::Create), Mode::Auto, &moto)[0].bulk);
    }

    #[test]
    fn the_crossover_is_where_bulk_saves_the_margin() {
        // Twice the 12 reads, the deployment's 2 calls and 3.5 calls per route (3 per route, a
        // path per 2 routes) against the 40-call burst at 10/s, versus bulk's 1.4 s (its calls
        // pass the burst by 4; PutRestApi's latency): bulk needs ≥ 3.4 s of per-route waits,
        // 24 + 2 + 49 − 40 = 35 calls over the burst at 14 routes, 31 at 13.
        let crossover = (1..200)
            .find(|n| auto(*n).bulk)
            .expect("bulk wins somewhere");
        let below = auto(crossover - 1);
        let at = auto(crossover);
        assert!(below.granular_s - below.bulk_s < MARGIN_S, "{below:?}");
        assert!(at.granular_s - at.bulk_s >= MARGIN_S, "{at:?}");
        assert_eq!(crossover, 14, "{at:?}");
        // From there on bulk stays the choice.
        assert!((crossover..400).all(|n| auto(n).bulk));
    }

    #[test]
    fn modes_and_eligibility() {
        let p = plan(2, Action::Create);
        assert!(choose(&p, Mode::Always, &Learned::default())[0].bulk);
        assert!(!choose(&p, Mode::Auto, &Learned::default())[0].bulk);
        assert!(!choose(&plan(500, Action::Create), Mode::Never, &Learned::default())[0].bulk);
        // A replaced API is created anew and the old one deleted: not written in bulk.
        let replaced = choose(
            &plan(500, Action::Replace),
            Mode::Always,
            &Learned::default(),
        );
        assert!(!replaced[0].eligible && !replaced[0].bulk);
        // No path or route changes: nothing to write in bulk.
        let mut items_only = plan(0, Action::Update);
        items_only.changes.push(change(
            "validator.main.all",
            Kind::Validator,
            Action::Create,
            json!({}),
        ));
        assert!(!choose(&items_only, Mode::Always, &Learned::default())[0].bulk);
    }

    #[test]
    fn the_import_body_declares_the_responses_the_route_model_wants() {
        let doc = json!({
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1", "description": "d"},
            "paths": {
                "/a/{id}": {
                    "get": {
                        "parameters": [{"name": "id", "in": "path", "required": true}],
                        "responses": {"200": {"description": "ok"}, "404": {"description": "no"}},
                        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://b/a/{id}"}
                    },
                    "options": {
                        "responses": {"204": {"description": "preflight"}},
                        "x-amazon-apigateway-integration": {
                            "type": "mock",
                            "requestTemplates": {"application/json": "{\"statusCode\": 204}"},
                            "responses": {"default": {"statusCode": "204", "responseParameters": {"method.response.header.Access-Control-Allow-Origin": "'*'"}}}
                        }
                    }
                }
            }
        });
        let body = import_body(doc.clone(), "main");
        let get = &body["paths"]["/a/{id}"]["get"];
        assert_eq!(
            get["responses"],
            json!({"200": {"description": "ok"}, "404": {"description": "no"}})
        );
        assert_eq!(get["x-amazon-apigateway-integration"]["type"], "HTTP_PROXY");
        assert_eq!(
            get["parameters"],
            doc["paths"]["/a/{id}"]["get"]["parameters"]
        );
        let options = &body["paths"]["/a/{id}"]["options"];
        assert_eq!(
            options["responses"],
            json!({"204": {"description": "preflight", "headers": {"Access-Control-Allow-Origin": {"schema": {"type": "string"}}}}})
        );
        assert_eq!(options["x-amazon-apigateway-integration"]["type"], "MOCK");
        // The route table read off the body is the document's.
        assert_eq!(
            crate::model::routes::routes(&body, "main"),
            crate::model::routes::routes(&doc, "main")
        );
    }

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(thousands(2290), "2,290");
        assert_eq!(thousands(12), "12");
        assert_eq!(thousands(1000000), "1,000,000");
        assert_eq!(seconds(229.4), "229 s");
        assert_eq!(seconds(1.04), "1.0 s");
    }
}
