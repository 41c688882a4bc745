//! The checks that need the merged stack file: names, references between sections, ranges,
//! and the contracts it names (loaded here, so a broken one is reported with the rest).

use super::file::StackFile;
use super::schema::{Integration, IntegrationType, RestApi};
use super::source::locate_in;
use crate::config::contract::Contract;
use crate::diag::{Diagnostic, Location, SourceText};
use indexmap::IndexMap;
use std::path::Path;

const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
const CACHE_SIZES: &[&str] = &["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

/// A place in the stack files, by key path.
type Loc<'a> = &'a dyn Fn(&[&str]) -> Option<Location>;

/// Every finding, and the contracts that loaded (by API key).
pub(super) fn check(
    file: &StackFile,
    sources: &[SourceText],
) -> (Vec<Diagnostic>, IndexMap<String, Contract>) {
    let loc = |p: &[&str]| locate_in(sources, p);
    let mut d = names(file, &loc, sources.first().map(|s| s.at_line(1, 1)));
    d.extend(vpc_links(file, &loc));
    d.extend(lock(file, &loc));
    d.extend(negative_limits(file, &loc));
    d.extend(super::file::check_api_keys(file, sources));
    let mut contracts = IndexMap::new();
    for (key, api) in &file.rest_apis {
        let at = |k: &[&str]| loc(&[&["rest_apis", key.as_str()], k].concat());
        match &api.openapi {
            None => d.push(
                Diagnostic::error("schema", format!("rest_apis.{key}: `openapi` is required"))
                    .hint(
                        "name the contract file, e.g. `openapi: ../../examples/idrv5/openapi.yaml`",
                    )
                    .at(at(&[])),
            ),
            Some(p) => match contract(p, at(&["openapi"])) {
                Ok(c) => {
                    contracts.insert(key.clone(), c);
                }
                Err(e) => d.extend(e),
            },
        }
        d.extend(rest_api(file, key, api, &at));
    }
    for (key, api) in &file.http_apis {
        let Some(p) = &api.openapi else { continue };
        match contract(p, loc(&["http_apis", key, "openapi"])) {
            Ok(c) => {
                contracts.insert(key.clone(), c);
            }
            Err(e) => d.extend(e),
        }
    }
    (d, contracts)
}

/// A contract, its errors placed at the stack's `openapi:` key when they have no place of
/// their own (or the file could not be read).
fn contract(path: &str, at: Option<Location>) -> Result<Contract, Vec<Diagnostic>> {
    Contract::load(Path::new(path)).map_err(|mut e| {
        for x in e.iter_mut() {
            if x.location.is_none() || x.code == "io" {
                x.location = at.clone();
            }
        }
        e.into_iter().collect()
    })
}

fn name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn names(file: &StackFile, loc: Loc, first: Option<Location>) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    let (stack, environment) = (file.stack.as_deref(), file.environment.as_deref());
    if !name_ok(stack.unwrap_or_default()) {
        d.push(
            Diagnostic::error(
                "schema",
                "`stack` must be set to a name of letters, digits, - or _",
            )
            .hint("add `stack: myapp` to the base file")
            .at(loc(&["stack"]).or(first.clone())),
        );
    }
    if !name_ok(environment.unwrap_or_default()) {
        d.push(
            Diagnostic::error(
                "schema",
                "`environment` must be set to a name of letters, digits, - or _",
            )
            .hint("add `environment: dev` to the environment file")
            .at(loc(&["environment"]).or(first)),
        );
    }
    d
}

/// A lease renewed every third of it must leave room for the renewal call.
/// Throttle rates and bursts and quota limits count requests: a negative one is a mistake
/// (AWS refuses it only at apply, after other changes are made).
fn negative_limits(file: &StackFile, loc: Loc) -> Vec<Diagnostic> {
    fn walk(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, f64)>) {
        match v {
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    path.push(k.clone());
                    let limit = k.ends_with("rate_limit")
                        || k.ends_with("burst_limit")
                        || (k == "limit" && path.iter().rev().nth(1).is_some_and(|p| p == "quota"));
                    match x.as_f64() {
                        Some(n) if limit && n < 0.0 => out.push((path.clone(), n)),
                        _ => walk(x, path, out),
                    }
                    path.pop();
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, path, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(
        &serde_json::to_value(file).unwrap_or_default(),
        &mut Vec::new(),
        &mut found,
    );
    found
        .into_iter()
        .map(|(path, n)| {
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            Diagnostic::error(
                "schema",
                format!(
                    "{}: {n} is negative; a throttle or quota counts requests",
                    path.join(".")
                ),
            )
            .hint("use 0 or more (0 lets no request through)")
            .at(loc(&keys))
        })
        .collect()
}

fn lock(file: &StackFile, loc: Loc) -> Vec<Diagnostic> {
    let lease = file.lock.as_ref().and_then(|l| l.lease_seconds);
    match lease {
        Some(s) if s < 3 => vec![Diagnostic::error(
            "schema",
            format!("lock.lease_seconds is {s}: a lease must last at least 3 seconds"),
        )
        .hint("leave it out for the default 300, or give 3 or more")
        .at(loc(&["lock", "lease_seconds"]))],
        _ => Vec::new(),
    }
}

fn vpc_links(file: &StackFile, loc: Loc) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    for (key, link) in &file.vpc_links {
        let (v1, v2) = (!link.target_arns.is_empty(), link.is_v2());
        if v1 == v2 {
            d.push(
                Diagnostic::error("schema", format!("vpc_links.{key}: give `target_arns` or `subnet_ids`, one of them"))
                    .hint("REST APIs reach an NLB through `target_arns` (v1 link); HTTP APIs reach private ALB/NLB/Cloud Map through `subnet_ids` + `security_group_ids` (v2 link)")
                    .at(loc(&["vpc_links", key])),
            );
        }
    }
    d
}

/// One REST API's settings, integrations and stages (`at` is relative to `rest_apis.<key>`).
fn rest_api(file: &StackFile, key: &str, api: &RestApi, at: Loc) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    if let Some(bp) = &api.base_path {
        if !bp.starts_with('/') || bp.ends_with('/') {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "rest_apis.{key}.base_path `{bp}` must start with / and not end with /"
                    ),
                )
                .hint("write it like `/api/v1`")
                .at(at(&["base_path"])),
            );
        }
    }
    if let Some(n) = api.minimum_compression_size {
        if !(0..=10_485_760).contains(&n) {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!("rest_apis.{key}.minimum_compression_size {n} is out of range"),
                )
                .hint("use 0..=10485760 bytes")
                .at(at(&["minimum_compression_size"])),
            );
        }
    }
    if let Some(i) = &api.integration {
        d.extend(integration(file, key, &["integration"], i, at));
    }
    for (op, o) in &api.operations {
        if let Some(i) = &o.integration {
            d.extend(integration(
                file,
                key,
                &["operations", op, "integration"],
                i,
                at,
            ));
        }
    }
    for (stage, s) in &api.stages {
        let sat = |k: &[&str]| at(&[&["stages", stage.as_str()], k].concat());
        d.extend(stage_settings(stage, s, &sat));
    }
    d
}

/// An integration at `keys` under `rest_apis.<key>`: its link, timeout and Lambda.
fn integration(
    file: &StackFile,
    key: &str,
    keys: &[&str],
    i: &Integration,
    at: Loc,
) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    let where_ = format!("rest_apis.{key}.{}", keys.join("."));
    let under = |k: &str| at(&[keys, &[k]].concat());
    if let Some(v) = &i.vpc_link {
        if file.vpc_links.get(v).is_some_and(|l| l.is_v2()) {
            d.push(Diagnostic::error("reference", format!("{where_}.vpc_link `{v}` is a v2 link (it has `subnet_ids`); REST APIs need a link with `target_arns`")).hint("declare a second link with the NLB's ARN under `target_arns`").at(under("vpc_link")));
        }
        if !v.starts_with("${") && !file.vpc_links.contains_key(v) {
            d.push(Diagnostic::error("reference", format!("{where_}.vpc_link `{v}` is not declared under vpc_links")).hint(format!("declare `vpc_links.{v}` or use a stage variable such as `${{stageVariables.VPCLINK}}`")).at(under("vpc_link")));
        }
    }
    if let Some(t) = i.timeout_ms {
        if !(50..=29_000).contains(&t) {
            d.push(
                Diagnostic::error("schema", format!("{where_}.timeout_ms {t} is out of range"))
                    .hint("API Gateway allows 50..=29000 ms")
                    .at(under("timeout_ms")),
            );
        }
    }
    if let Some(a) = i.lambda_arn.as_deref().filter(|a| !a.starts_with("arn:")) {
        d.push(
            Diagnostic::error("schema", format!("{where_}.lambda_arn `{a}` is not an ARN"))
                .hint("give the function ARN, e.g. arn:aws:lambda:REGION:ACCOUNT:function:NAME")
                .at(under("lambda_arn")),
        );
    }
    if i.kind == Some(IntegrationType::AwsProxy)
        && i.lambda_arn.is_none()
        && i.uri.is_none()
        && keys.len() > 1
    {
        d.push(
            Diagnostic::error("schema", format!("{where_}: AWS_PROXY needs `lambda_arn`"))
                .hint("give the function ARN, e.g. arn:aws:lambda:REGION:ACCOUNT:function:NAME")
                .at(at(keys)),
        );
    }
    let one_of = |field: &str, v: &Option<String>, allowed: &[&str], d: &mut Vec<Diagnostic>| {
        if let Some(v) = v
            .as_deref()
            .filter(|v| !allowed.contains(&v.to_uppercase().as_str()))
        {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!("{where_}.{field} `{v}` is not one API Gateway accepts"),
                )
                .hint(format!("use one of {}", allowed.join(", ")))
                .at(under(field)),
            );
        }
    };
    one_of(
        "passthrough_behavior",
        &i.passthrough_behavior,
        &["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"],
        &mut d,
    );
    one_of(
        "content_handling",
        &i.content_handling,
        CONTENT_HANDLING,
        &mut d,
    );
    for (pattern, r) in i.responses.iter().flatten() {
        if !(100..=599).contains(&r.status_code) {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "{where_}.responses.{pattern}.status_code {} is not an HTTP status",
                        r.status_code
                    ),
                )
                .hint("use a status between 100 and 599 that the operation declares")
                .at(at(
                    &[keys, &["responses", pattern.as_str(), "status_code"]].concat()
                )),
            );
        }
        let ch = r.content_handling.clone();
        one_of("content_handling", &ch, CONTENT_HANDLING, &mut d);
    }
    d
}

const CONTENT_HANDLING: &[&str] = &["CONVERT_TO_TEXT", "CONVERT_TO_BINARY"];

/// A stage's name, log retention, cache size and method-settings keys.
fn stage_settings(stage: &str, s: &super::schema::Stage, sat: Loc) -> Vec<Diagnostic> {
    let mut d = Vec::new();
    if !name_ok(stage) {
        d.push(
            Diagnostic::error(
                "schema",
                format!("stage name `{stage}` may hold only letters, digits, - and _"),
            )
            .hint("rename the stage")
            .at(sat(&[])),
        );
    }
    if let Some(r) = s.access_logs.as_ref().and_then(|a| a.retention_days) {
        if !RETENTION_DAYS.contains(&r) {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!("stage {stage}: retention_days {r} is not one CloudWatch Logs accepts"),
                )
                .hint(format!("use one of {RETENTION_DAYS:?}"))
                .at(sat(&["access_logs", "retention_days"])),
            );
        }
    }
    if let Some(size) = s.cache_cluster.as_ref().and_then(|c| c.size.as_deref()) {
        if !CACHE_SIZES.contains(&size) {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!("stage {stage}: cache_cluster.size `{size}` is not a valid size"),
                )
                .hint(format!("use one of {CACHE_SIZES:?} (GB, as a string)"))
                .at(sat(&["cache_cluster", "size"])),
            );
        }
    }
    if let Some(c) = &s.canary {
        if !(0.0..=100.0).contains(&c.percent) {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "stage {stage}: canary.percent {} is not a share of traffic",
                        c.percent
                    ),
                )
                .hint("use a number from 0 to 100, e.g. `percent: 10`")
                .at(sat(&["canary", "percent"])),
            );
        }
    }
    for k in s.method_settings.keys() {
        let ok = k == "*/*"
            || !k.starts_with('/')
                && k.rsplit_once('/').is_some_and(|(p, m)| {
                    !p.is_empty() && (m == "*" || m.chars().all(|c| c.is_ascii_uppercase()))
                });
        if !ok {
            d.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "stage {stage}: method_settings key `{k}` is not `resource/path/METHOD`"
                    ),
                )
                .hint("write keys like `api/v1/rate-cards/GET` (no leading slash) or `*/*`")
                .at(sat(&["method_settings", k])),
            );
        }
    }
    d
}
