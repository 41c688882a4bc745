//! Config → API keys, usage plans and the keys attached to them.
//!
//! Key values never enter the model: a key given by the stack is represented by
//! `value_sha256` = sha256(`<owner>:<value>`) (so a changed value shows as a replacement) and
//! its *source* (`value_from_env` / `value_from_file`) travels in the payload; the provider
//! reads the value itself at apply time.

use super::kinds::usage_plan::{PlanStage, Throttle};
use super::{kinds, ref_placeholder, Resource};
use crate::config::schema::{ApiKey, Quota, QuotaPeriod, Throttling, UsagePlan, UsagePlanStage};
use crate::config::Config;
use crate::diag::Diagnostic;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// AWS accepts API key values of 20..=128 characters.
pub const KEY_VALUE_LEN: std::ops::RangeInclusive<usize> = 20..=128;

/// Where a stack-given key value comes from; what the payload carries instead of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueSource {
    Env(String),
    File(PathBuf),
}

impl ValueSource {
    pub fn to_payload(&self, payload: &mut Map<String, Value>) {
        match self {
            ValueSource::Env(v) => payload.insert("value_from_env".into(), json!(v)),
            ValueSource::File(p) => payload.insert("value_from_file".into(), json!(p)),
        };
    }
    pub fn from_payload(payload: Option<&Value>) -> Option<ValueSource> {
        let p = payload?;
        if let Some(v) = p.get("value_from_env").and_then(Value::as_str) {
            return Some(ValueSource::Env(v.to_string()));
        }
        p.get("value_from_file")
            .and_then(Value::as_str)
            .map(|f| ValueSource::File(PathBuf::from(f)))
    }
    /// The value, or a message that names the source but never the value.
    pub fn read(&self) -> Result<String, String> {
        let value = match self {
            ValueSource::Env(var) => {
                std::env::var(var).map_err(|_| format!("environment variable {var} is not set"))?
            }
            ValueSource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                .lines()
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        let value = value.trim().to_string();
        if !KEY_VALUE_LEN.contains(&value.chars().count()) {
            return Err(format!(
                "the API key value from {} has {} characters; AWS needs {} to {}",
                self.describe(),
                value.chars().count(),
                KEY_VALUE_LEN.start(),
                KEY_VALUE_LEN.end()
            ));
        }
        Ok(value)
    }
    pub fn describe(&self) -> String {
        match self {
            ValueSource::Env(v) => format!("environment variable {v}"),
            ValueSource::File(p) => format!("file {}", p.display()),
        }
    }
}

/// What the model and the live reader compare instead of the value.
pub fn value_digest(owner: &str, value: &str) -> String {
    crate::util::sha256_hex(format!("{owner}:{value}").as_bytes())
}

pub fn desire(cfg: &Config) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut diags = Vec::new();
    let protect = cfg.default_protect();
    for (key, k) in &cfg.file.api_keys {
        match api_key(cfg, key, k) {
            Ok(mut r) => {
                r.protect = protect;
                out.push(r);
            }
            Err(d) => diags.extend(d),
        }
    }
    for (key, plan) in &cfg.file.usage_plans {
        let before = diags.len();
        check_plan(cfg, key, plan, &mut diags);
        if diags.len() > before {
            continue;
        }
        let mut r = usage_plan(cfg, key, plan);
        r.protect = protect;
        out.push(r);
        for k in &plan.keys {
            let props = super::kinds::UsagePlanKey {
                plan_id: Some(ref_placeholder(&format!("usage_plan.{key}"), "id")),
                key_id: Some(ref_placeholder(&format!("api_key.{k}"), "id")),
            };
            let id = format!("usage_plan_key.{key}.{k}");
            let mut pk = Resource::typed(id, format!("{key}/{k}"), &props);
            pk.protect = protect;
            out.push(pk);
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}

fn api_key(cfg: &Config, key: &str, k: &ApiKey) -> Result<Resource, Vec<Diagnostic>> {
    let at = |p: &[&str]| cfg.locate(&[&["api_keys", key], p].concat());
    let mut props = kinds::ApiKey {
        name: k.name.clone().unwrap_or_else(|| cfg.default_name(key)),
        description: k.description.clone().unwrap_or_default(),
        enabled: k.enabled.unwrap_or(true),
        value_sha256: None,
    };
    let mut payload = Map::new();
    payload.insert("tags".into(), json!(cfg.file.tags));
    if let Some(id) = &k.adopt {
        payload.insert(super::owner::ADOPT.into(), json!(id));
    }
    let source = match (&k.value_from_env, &k.value_from_file) {
        (Some(_), Some(_)) => {
            return Err(vec![Diagnostic::error(
                "schema",
                format!("api_keys.{key}: both `value_from_env` and `value_from_file` are set"),
            )
            .hint("keep one of them (or neither, to let AWS generate the key)")
            .at(at(&[]))])
        }
        (Some(var), None) => Some((ValueSource::Env(var.clone()), "value_from_env")),
        (None, Some(file)) => Some((
            ValueSource::File(relative_to_naming_file(
                cfg,
                &["api_keys", key, "value_from_file"],
                file,
            )),
            "value_from_file",
        )),
        (None, None) => None,
    };
    if let Some((source, field)) = source {
        let value = source.read().map_err(|e| {
            let hint = match &source {
                ValueSource::Env(var) => format!("export {var} (20 to 128 characters) before running idrv5-gw, or remove `value_from_env` to let AWS generate the key"),
                ValueSource::File(_) => "point `value_from_file` at a readable file whose first line is the key (20 to 128 characters), relative to the stack file that names it".to_string(),
            };
            vec![Diagnostic::error("secret", format!("api_keys.{key}: {e}"))
                .hint(hint)
                .at(at(&[field]))]
        })?;
        props.value_sha256 = Some(value_digest(&cfg.owner(), &value));
        source.to_payload(&mut payload);
    }
    let mut r = Resource::typed(format!("api_key.{key}"), key.to_string(), &props);
    r.payload = Some(Value::Object(payload));
    Ok(r)
}

/// A path given in a stack file, relative to the file that sets it (overlay before base).
fn relative_to_naming_file(cfg: &Config, key_path: &[&str], file: &str) -> PathBuf {
    let p = Path::new(file);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let dir = cfg
        .sources
        .iter()
        .find(|s| s.find(key_path).is_some())
        .or(cfg.sources.first())
        .and_then(|s| s.path.parent())
        .unwrap_or(Path::new("."));
    dir.join(p)
}

fn check_plan(cfg: &Config, key: &str, plan: &UsagePlan, diags: &mut Vec<Diagnostic>) {
    let at = |p: &[&str]| cfg.locate(&[&["usage_plans", key], p].concat());
    for (stage_key, stage) in &plan.stages {
        check_plan_stage(cfg, key, stage_key, stage, diags);
    }
    if let Some(t) = &plan.throttle {
        check_throttle(
            t,
            &format!("usage_plans.{key}.throttle"),
            at(&["throttle"]),
            diags,
        );
    }
    if let Some(q) = &plan.quota {
        if q.limit <= 0 || q.offset < 0 || q.offset >= q.limit {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "usage_plans.{key}.quota: limit {} with offset {} is not valid",
                        q.limit, q.offset
                    ),
                )
                .hint("`limit` must be positive and `offset` (requests already used in the first period) in 0..limit")
                .at(at(&["quota"])),
            );
        }
    }
    for k in &plan.keys {
        if !cfg.file.api_keys.contains_key(k) {
            diags.push(
                Diagnostic::error(
                    "reference",
                    format!("usage_plans.{key}.keys: `{k}` is not declared under api_keys"),
                )
                .hint(format!(
                    "declare `api_keys.{k}` or use one of: {}",
                    keys_list(cfg.file.api_keys.keys())
                ))
                .at(at(&["keys"])),
            );
        }
    }
}

/// A stage the plan attaches to (`<api>.<stage>`), and its per-method throttles.
fn check_plan_stage(
    cfg: &Config,
    key: &str,
    stage_key: &str,
    stage: &UsagePlanStage,
    diags: &mut Vec<Diagnostic>,
) {
    let sat = |p: &[&str]| cfg.locate(&[&["usage_plans", key, "stages", stage_key], p].concat());
    let Some((api_key, stage_name)) = stage_key.split_once('.') else {
        diags.push(
            Diagnostic::error(
                "schema",
                format!("usage_plans.{key}.stages: `{stage_key}` is not `<api>.<stage>`"),
            )
            .hint("write the rest_apis key and the stage name, e.g. `main.prod`")
            .at(sat(&[])),
        );
        return;
    };
    let Some(api) = cfg.file.rest_apis.get(api_key) else {
        diags.push(
            Diagnostic::error(
                "reference",
                format!(
                    "usage_plans.{key}.stages.{stage_key}: no REST API `{api_key}` under rest_apis"
                ),
            )
            .hint(format!(
                "use one of: {}",
                keys_list(cfg.file.rest_apis.keys())
            ))
            .at(sat(&[])),
        );
        return;
    };
    if !api.stages.contains_key(stage_name) {
        diags.push(
            Diagnostic::error(
                "reference",
                format!("usage_plans.{key}.stages.{stage_key}: rest_apis.{api_key} has no stage `{stage_name}`"),
            )
            .hint(format!(
                "use one of: {} (stages differ per environment: declare usage_plans in the environment file)",
                keys_list(api.stages.keys().map(|s| format!("{api_key}.{s}")))
            ))
            .at(sat(&[])),
        );
    }
    let routes = routes_of(cfg, api_key);
    for (method_key, t) in &stage.throttle {
        let known = method_key.rsplit_once('/').is_some_and(|(path, method)| {
            let path = if path.is_empty() { "/" } else { path };
            routes
                .iter()
                .any(|(p, m)| p == path && (m == method || method == "OPTIONS"))
        });
        if !known {
            diags.push(
                Diagnostic::error(
                    "reference",
                    format!("usage_plans.{key}.stages.{stage_key}.throttle: `{method_key}` is not a route of rest_apis.{api_key}"),
                )
                .hint("key per-method throttles `/path/METHOD` as the route is served, base_path included, e.g. `/api/v1/quotes/POST`")
                .at(sat(&["throttle", method_key])),
            );
        }
        check_throttle(
            t,
            &format!("usage_plans.{key}.stages.{stage_key}.throttle.{method_key}"),
            sat(&["throttle", method_key]),
            diags,
        );
    }
}

fn check_throttle(
    t: &Throttling,
    what: &str,
    loc: Option<crate::diag::Location>,
    diags: &mut Vec<Diagnostic>,
) {
    if t.rate_limit.is_some_and(|r| r < 0.0) || t.burst_limit.is_some_and(|b| b < 0) {
        diags.push(
            Diagnostic::error("schema", format!("{what}: limits cannot be negative"))
                .hint("give requests per second (`rate_limit`) and a bucket size (`burst_limit`) of 0 or more")
                .at(loc),
        );
    }
}

fn keys_list<S: AsRef<str>>(keys: impl Iterator<Item = S>) -> String {
    let v: Vec<String> = keys.map(|k| format!("`{}`", k.as_ref())).collect();
    if v.is_empty() {
        "(none declared)".into()
    } else {
        v.join(", ")
    }
}

/// (served path, METHOD) of every contract operation, base path applied.
fn routes_of(cfg: &Config, api_key: &str) -> Vec<(String, String)> {
    let base = cfg
        .file
        .rest_apis
        .get(api_key)
        .and_then(|a| a.base_path.clone());
    let Some(contract) = cfg.contracts.get(api_key) else {
        return Vec::new();
    };
    contract
        .operations()
        .into_iter()
        .map(|op| {
            let path = match &base {
                Some(b) if op.path == "/" => b.clone(),
                Some(b) => format!("{b}{}", op.path),
                None => op.path.clone(),
            };
            (path, op.method)
        })
        .collect()
}

fn usage_plan(cfg: &Config, key: &str, plan: &UsagePlan) -> Resource {
    let mut api_stages = BTreeMap::new();
    let mut deps = BTreeSet::new();
    for (stage_key, stage) in &plan.stages {
        let (api, stage_name) = stage_key.split_once('.').expect("checked");
        let throttle = stage
            .throttle
            .iter()
            .map(|(k, t)| (k.clone(), throttle(Some(t))))
            .collect();
        let entry = PlanStage {
            api_id: ref_placeholder(&format!("rest_api.{api}"), "id"),
            stage: stage_name.to_string(),
            throttle,
        };
        api_stages.insert(stage_key.clone(), entry);
        // The stage must exist before a plan can name it.
        deps.insert(format!("stage.{api}.{stage_name}"));
    }
    let props = kinds::UsagePlan {
        name: plan.name.clone().unwrap_or_else(|| cfg.default_name(key)),
        description: plan.description.clone().unwrap_or_default(),
        throttle: throttle(plan.throttle.as_ref()),
        quota: plan.quota.as_ref().map(quota),
        api_stages,
    };
    let mut r = Resource::typed(format!("usage_plan.{key}"), key.to_string(), &props);
    r.deps = deps;
    r.payload = plan
        .adopt
        .as_ref()
        .map(|id| json!({ super::owner::ADOPT: id }));
    r
}

pub use kinds::whole::number;

fn throttle(t: Option<&Throttling>) -> Option<Throttle> {
    let t = t?;
    Throttle::of(t.rate_limit, t.burst_limit.map(i64::from))
}

fn quota(q: &Quota) -> kinds::usage_plan::Quota {
    let period = match q.period {
        QuotaPeriod::Day => "DAY",
        QuotaPeriod::Week => "WEEK",
        QuotaPeriod::Month => "MONTH",
    };
    kinds::usage_plan::Quota {
        limit: Some(q.limit.into()),
        period: Some(period.into()),
        offset: Some(q.offset.into()),
    }
}
