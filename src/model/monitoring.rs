//! Config → CloudWatch alarms and the dashboard, generated from what the stack declares.
//!
//! Presets are seed 000/004's hand-written alarms (5XX, 4XX, p99 latency, integration
//! latency, cache hit rate) for every API stage, REST, HTTP or WebSocket (each in its own
//! metrics: `monitoring_metrics`); an environment tunes or turns them off. The dashboard has
//! one row per API stage, plus the user's widgets verbatim.

use super::kinds::{self, alarm::MetricStat, alarm::Query};
pub use super::monitoring_metrics::PRESET_NAMES;
use super::monitoring_metrics::{preset, rows, Protocol};
use super::ref_placeholder;
use super::{Kind, Resource};
use crate::config::monitoring::{AlarmSettings, Monitoring};
use crate::config::Config;
use crate::diag::Diagnostic;
use serde_json::{json, Map, Value};

/// Dashboards cannot be tagged: the stack owns the ones whose names start with this.
pub fn dashboard_prefix_of(owner: &str) -> String {
    format!("idrv5gw_{}_", owner.replace('/', "_"))
}

/// Alarm names start with this; ownership is still decided by tag.
pub fn alarm_prefix_of(owner: &str) -> String {
    format!("{}-", owner.replace('/', "-"))
}

/// A stage as alarm names and ids write it: tags allow no `$`, so `$default` is `default`.
pub fn stage_key(stage: &str) -> String {
    stage.trim_start_matches('$').to_string()
}

fn dashboard_prefix(cfg: &Config) -> String {
    dashboard_prefix_of(&cfg.owner())
}

fn alarm_prefix(cfg: &Config) -> String {
    alarm_prefix_of(&cfg.owner())
}

/// `over` laid field by field over `base`.
fn tuned(base: AlarmSettings, over: &AlarmSettings) -> AlarmSettings {
    let mut dims = base.dimensions.clone();
    dims.extend(over.dimensions.clone());
    AlarmSettings {
        enabled: over.enabled.or(base.enabled),
        description: over.description.clone().or(base.description),
        namespace: over.namespace.clone().or(base.namespace),
        metric: over.metric.clone().or(base.metric),
        statistic: if over.extended_statistic.is_some() {
            over.statistic.clone()
        } else {
            over.statistic.clone().or(base.statistic)
        },
        extended_statistic: if over.statistic.is_some() {
            over.extended_statistic.clone()
        } else {
            over.extended_statistic.clone().or(base.extended_statistic)
        },
        period: over.period.or(base.period),
        evaluation_periods: over.evaluation_periods.or(base.evaluation_periods),
        datapoints_to_alarm: over.datapoints_to_alarm.or(base.datapoints_to_alarm),
        threshold: over.threshold.or(base.threshold),
        comparison: over.comparison.clone().or(base.comparison),
        dimensions: dims,
        stages: over.stages.clone().or(base.stages),
        treat_missing_data: over.treat_missing_data.clone().or(base.treat_missing_data),
        adopt: over.adopt.clone().or(base.adopt),
    }
}

struct StageInfo {
    api_key: String,
    /// The stage as metrics name it.
    stage: String,
    /// `stage.<api>.<stage>` or `api_stage.<api>.<stage>`.
    stage_id: String,
    protocol: Protocol,
    /// ApiName = the REST API's name, or ApiId = the v2 API's id (known after it exists).
    api: String,
    /// The API's name, for titles.
    api_name: String,
    caching: bool,
    web_acl: Option<String>,
}

impl StageInfo {
    /// The stage as alarm names and ids write it.
    fn key(&self) -> String {
        stage_key(&self.stage)
    }
    /// `<api>.<stage>`, as a custom alarm's `stages` names it.
    fn pair(&self) -> String {
        format!("{}.{}", self.api_key, self.stage)
    }
    fn dims(&self) -> std::collections::BTreeMap<String, String> {
        std::collections::BTreeMap::from([
            (self.protocol.api_dimension().to_string(), self.api.clone()),
            ("Stage".to_string(), self.stage.clone()),
        ])
    }
}

fn stages(cfg: &Config, others: &[Resource]) -> Vec<StageInfo> {
    let mut out = Vec::new();
    for (key, api) in &cfg.file.rest_apis {
        for (stage, s) in &api.stages {
            let caching = s
                .cache_cluster
                .as_ref()
                .and_then(|c| c.enabled)
                .unwrap_or(false)
                && (s.caching.as_ref().and_then(|c| c.enabled).unwrap_or(false)
                    || s.method_settings
                        .values()
                        .any(|m| m.caching.as_ref().and_then(|c| c.enabled) == Some(true)));
            let stage_id = format!("stage.{key}.{stage}");
            // A web ACL protects the stage when an association depends on both.
            let web_acl = others
                .iter()
                .filter(|r| r.kind == Kind::WebAclAssociation && r.all_deps().contains(&stage_id))
                .flat_map(|r| r.all_deps())
                .find_map(|d| others.iter().find(|o| o.id == d && o.kind == Kind::WebAcl))
                .and_then(|acl| {
                    acl.props
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
            let name = cfg.api_name(key, api);
            out.push(StageInfo {
                api_key: key.clone(),
                stage: stage.clone(),
                stage_id,
                protocol: Protocol::Rest,
                api: name.clone(),
                api_name: name,
                caching,
                web_acl,
            });
        }
    }
    let http = cfg
        .file
        .http_apis
        .iter()
        .map(|(k, a)| (k, &a.name, &a.stages, Protocol::Http));
    let ws = cfg
        .file
        .websocket_apis
        .iter()
        .map(|(k, a)| (k, &a.name, &a.stages, Protocol::WebSocket));
    for (key, name, stages, protocol) in http.chain(ws) {
        let api_name = name.clone().unwrap_or_else(|| cfg.default_name(key));
        for stage in stages.keys() {
            let Some(api_id) = super::v2::api_id_of_stage(cfg, key, stage) else {
                continue;
            };
            out.push(StageInfo {
                api_key: key.clone(),
                stage: stage.clone(),
                stage_id: format!("api_stage.{key}.{stage}"),
                protocol,
                api: ref_placeholder(&api_id, "id"),
                api_name: api_name.clone(),
                caching: false,
                web_acl: None,
            });
        }
    }
    out
}

pub fn desire(
    cfg: &Config,
    region: &str,
    others: &[Resource],
) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let Some(m) = &cfg.file.monitoring else {
        return Ok(Vec::new());
    };
    let mut diags = Vec::new();
    for name in m
        .presets
        .keys()
        .filter(|n| !PRESET_NAMES.contains(&n.as_str()))
    {
        diags.push(
            Diagnostic::error(
                "schema",
                format!("monitoring.presets.{name} is not a preset"),
            )
            .hint(format!(
                "presets are {}; put your own under monitoring.alarms",
                PRESET_NAMES.join(", ")
            ))
            .at(cfg.locate(&["monitoring", "presets", name])),
        );
    }
    // Widgets are passed through verbatim, but each must be a JSON object (a mapping).
    let widgets = m.dashboard.as_ref().map_or(&[][..], |d| &d.widgets[..]);
    for (i, w) in widgets.iter().enumerate().filter(|(_, w)| !w.is_object()) {
        diags.push(
            Diagnostic::error(
                "schema",
                format!("monitoring.dashboard.widgets[{i}] is {w}, not a widget (a mapping)"),
            )
            .hint("write each widget as a mapping with type, width, height and properties")
            .at(cfg.locate(&["monitoring", "dashboard", "widgets"])),
        );
    }
    for (key, a) in &m.alarms {
        // One name is one alarm: an adopted one watches one stage.
        if a.adopt.is_some() && a.stages.as_ref().is_none_or(|s| s.len() != 1) {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!("monitoring.alarms.{key}: `adopt` takes over one alarm, which watches one stage"),
                )
                .hint("give `stages: [<api>.<stage>]` with the one stage it watches")
                .at(cfg.locate(&["monitoring", "alarms", key])),
            );
        }
        if a.metric.is_none() || a.threshold.is_none() {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!("monitoring.alarms.{key} needs `metric` and `threshold`"),
                )
                .hint("e.g. metric: Latency, statistic: Average, threshold: 1000")
                .at(cfg.locate(&["monitoring", "alarms", key])),
            );
        }
    }
    let all = stages(cfg, others);
    let pairs: Vec<String> = all.iter().map(StageInfo::pair).collect();
    // `$default` and `default` would give their alarms one name and id.
    for (i, st) in all.iter().enumerate() {
        let twin = all[..i]
            .iter()
            .find(|o| o.api_key == st.api_key && o.key() == st.key());
        if let Some(o) = twin {
            diags.push(
                Diagnostic::error(
                    "schema",
                    format!(
                        "{}: stages `{}` and `{}` would give their alarms one name ({})",
                        st.api_key,
                        o.stage,
                        st.stage,
                        st.key()
                    ),
                )
                .hint("rename one of the stages, or drop `monitoring`"),
            );
        }
    }
    for (key, a) in &m.alarms {
        for p in a.stages.iter().flatten().filter(|p| !pairs.contains(p)) {
            diags.push(
                Diagnostic::error(
                    "reference",
                    format!("monitoring.alarms.{key}.stages: `{p}` is no stage of the stack"),
                )
                .hint(format!("stages are {}", pairs.join(", ")))
                .at(cfg.locate(&["monitoring", "alarms", key, "stages"])),
            );
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let protect = cfg.default_protect();
    let mut out = Vec::new();
    for st in &all {
        let pair = st.pair();
        for name in PRESET_NAMES {
            let Some(base) = preset(name, st.protocol) else {
                continue;
            };
            if *name == "cache_hit_rate" && !st.caching {
                continue;
            }
            let settings = match m.presets.get(*name) {
                Some(over) => tuned(base, over),
                None => base,
            };
            out.extend(alarm(cfg, m, st, name, settings, protect));
        }
        for (key, a) in &m.alarms {
            if a.stages.as_ref().is_some_and(|s| !s.contains(&pair)) {
                continue;
            }
            let base = AlarmSettings {
                namespace: Some("AWS/ApiGateway".into()),
                period: Some(300),
                evaluation_periods: Some(1),
                comparison: Some("GreaterThanThreshold".into()),
                statistic: Some("Average".into()),
                ..Default::default()
            };
            out.extend(alarm(cfg, m, st, key, tuned(base, a), protect));
        }
    }
    if m.dashboard.as_ref().and_then(|d| d.enabled) != Some(false) {
        out.push(dashboard(cfg, m, &all, region));
    }
    Ok(out)
}

fn alarm(
    cfg: &Config,
    m: &Monitoring,
    st: &StageInfo,
    key: &str,
    a: AlarmSettings,
    protect: bool,
) -> Option<Resource> {
    if a.enabled == Some(false) {
        return None;
    }
    let name = a
        .adopt
        .clone()
        .unwrap_or_else(|| format!("{}{}-{}-{key}", alarm_prefix(cfg), st.api_key, st.key()));
    let mut dims = st.dims();
    dims.extend(a.dimensions.clone());
    let metric = a.metric.clone().unwrap_or_default();
    // The hit rate is computed from two metrics: CloudWatch metric math.
    let metrics = (metric == "CacheHitRate").then(|| {
        let q = |id: &str, m: &str| Query {
            id: id.into(),
            return_data: false,
            metric: Some(MetricStat {
                namespace: Some("AWS/ApiGateway".into()),
                name: Some(m.into()),
                dimensions: Some(dims.clone()),
                period: a.period.map(i64::from),
                stat: Some("Sum".into()),
            }),
            ..Default::default()
        };
        let rate = Query {
            id: "rate".into(),
            return_data: true,
            expression: Some("100 * hits / (hits + misses)".into()),
            label: Some("Cache hit rate (%)".into()),
            ..Default::default()
        };
        vec![
            q("hits", "CacheHitCount"),
            q("misses", "CacheMissCount"),
            rate,
        ]
    });
    // One metric, or metric math: never both.
    let single = metrics.is_none();
    let one = |v: Option<String>| v.filter(|_| single);
    let props = kinds::Alarm {
        name: name.clone(),
        description: a.description.clone(),
        namespace: one(a.namespace.clone()),
        metric: one(Some(metric)),
        statistic: one(a.statistic.clone()),
        extended_statistic: one(a.extended_statistic.clone()),
        period: a.period.filter(|_| single).map(i64::from),
        dimensions: Some(dims).filter(|_| single),
        metrics,
        evaluation_periods: a.evaluation_periods.map(i64::from),
        datapoints_to_alarm: a.datapoints_to_alarm.map(i64::from),
        threshold: a.threshold,
        comparison: a.comparison.clone(),
        treat_missing_data: Some(
            a.treat_missing_data
                .or(m.treat_missing_data.clone())
                .unwrap_or_else(|| "notBreaching".into()),
        ),
        alarm_actions: m.alarm_actions.clone(),
        ok_actions: m.ok_actions.clone(),
        insufficient_data_actions: m.insufficient_data_actions.clone(),
    };
    let mut r = Resource::typed(
        format!("alarm.{}.{}.{key}", st.api_key, st.key()),
        name,
        &props,
    );
    r.deps.insert(st.stage_id.clone());
    r.protect = protect;
    // The reader looks for it by name (`providers::cloudwatch`): not a prop, not diffed.
    r.payload = a.adopt.map(|n| json!({ super::owner::ADOPT: n }));
    Some(r)
}

fn widget(title: &str, metrics: Value, region: &str, period: i32, stat: &str) -> Value {
    json!({"type": "metric", "width": 8, "height": 6, "properties": {"title": title, "region": region, "period": period, "stat": stat, "view": "timeSeries", "metrics": metrics}})
}

/// One row per API stage; the widgets are keyed by position and title so the diff names them.
fn dashboard(cfg: &Config, m: &Monitoring, stages: &[StageInfo], region: &str) -> Resource {
    let period = m.dashboard.as_ref().and_then(|d| d.period).unwrap_or(300);
    let mut widgets: Vec<Value> = Vec::new();
    for st in stages {
        let d = |metric: &str| {
            let mut m = vec![json!("AWS/ApiGateway"), json!(metric)];
            for (k, v) in st.dims() {
                m.extend([json!(k), json!(v)]);
            }
            Value::Array(m)
        };
        let at = format!("{}/{}", st.api_name, st.stage);
        for row in rows(st.protocol) {
            let metrics = row.metrics.iter().map(|(metric, stat)| {
                let mut m = d(metric);
                if let (Some(stat), Value::Array(a)) = (stat, &mut m) {
                    a.push(json!({"stat": stat, "label": stat}));
                }
                m
            });
            let metrics = Value::Array(metrics.collect());
            widgets.push(widget(
                &format!("{} {at}", row.title),
                metrics,
                region,
                period,
                row.stat,
            ));
        }
        if st.caching {
            widgets.push(widget(
                &format!("Cache {at}"),
                json!([d("CacheHitCount"), d("CacheMissCount")]),
                region,
                period,
                "Sum",
            ));
        }
        if let Some(acl) = &st.web_acl {
            let w = |metric: &str| {
                json!([
                    "AWS/WAFV2",
                    metric,
                    "WebACL",
                    acl,
                    "Region",
                    region,
                    "Rule",
                    "ALL"
                ])
            };
            widgets.push(widget(
                &format!("WAF {acl}"),
                json!([w("AllowedRequests"), w("BlockedRequests")]),
                region,
                period,
                "Sum",
            ));
        }
    }
    widgets.extend(
        m.dashboard
            .as_ref()
            .map(|d| d.widgets.clone())
            .unwrap_or_default(),
    );
    lay_out(&mut widgets);
    let name = format!("{}overview", dashboard_prefix(cfg));
    let props = kinds::Dashboard {
        name: name.clone(),
        widgets: keyed_widgets(&widgets),
    };
    let mut r = Resource::typed("dashboard.overview".into(), name, &props);
    r.deps.extend(stages.iter().map(|s| s.stage_id.clone()));
    r
}

/// `{"Requests idrv5-dev/dev": {...}, ...}`: the diff shows a changed widget by its title.
pub fn keyed_widgets(widgets: &[Value]) -> Map<String, Value> {
    let mut o = Map::new();
    for w in widgets {
        let title = w
            .pointer("/properties/title")
            .and_then(Value::as_str)
            .unwrap_or("widget")
            .to_string();
        let mut key = title.clone();
        let mut n = 1;
        while o.contains_key(&key) {
            n += 1;
            key = format!("{title} #{n}");
        }
        o.insert(key, w.clone());
    }
    o
}

/// Three to a row, for widgets that do not place themselves.
fn lay_out(widgets: &mut [Value]) {
    for (i, w) in widgets.iter_mut().enumerate() {
        // Not an object: reported by `desire`; indexing it would panic.
        if w.is_object() && w.get("x").is_none() {
            w["x"] = json!((i % 3) * 8);
            w["y"] = json!((i / 3) * 6);
        }
    }
}

/// Back to the list CloudWatch stores.
pub fn widget_list(keyed: &Map<String, Value>) -> Vec<Value> {
    keyed.values().cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{load, LoadOptions};
    use std::path::Path;

    fn prod() -> Config {
        load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/idrv5/prod.yaml"),
            &LoadOptions::default(),
        )
        .expect("example loads")
    }

    fn titles(rs: &[Resource]) -> Vec<String> {
        let d = rs
            .iter()
            .find(|r| r.kind == Kind::Dashboard)
            .expect("a dashboard");
        d.props["widgets"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn a_stage_behind_a_web_acl_gets_a_waf_row() {
        let cfg = prod();
        let acl = Resource::new("web_acl.prod".into(), Kind::WebAcl, "prod".into())
            .prop("name", "idrv5-prod");
        let mut assoc = Resource::new(
            "web_acl_association.main.prod".into(),
            Kind::WebAclAssociation,
            "main/prod".into(),
        );
        assoc.deps.insert("web_acl.prod".into());
        assoc.deps.insert("stage.main.prod".into());
        let with = desire(&cfg, "ap-southeast-2", &[acl, assoc]).unwrap();
        assert!(
            titles(&with).contains(&"WAF idrv5-prod".to_string()),
            "{:?}",
            titles(&with)
        );
        let without = desire(&cfg, "ap-southeast-2", &[]).unwrap();
        assert!(!titles(&without).iter().any(|t| t.starts_with("WAF")));
        assert!(
            titles(&without).contains(&"Cache idrv5-prod/prod".to_string()),
            "prod caches"
        );
    }

    fn patterns(env: &str) -> Config {
        load(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("stacks/patterns/{env}.yaml")),
            &LoadOptions::default(),
        )
        .expect("example loads")
    }

    fn alarm_of(rs: &[Resource], id: &str) -> kinds::Alarm {
        let r = rs.iter().find(|r| r.id == id).unwrap_or_else(|| {
            panic!("{id} in {:?}", rs.iter().map(|r| &r.id).collect::<Vec<_>>())
        });
        <kinds::Alarm as kinds::Typed>::from_props(&r.props).unwrap()
    }

    /// HTTP and WebSocket stages get the presets in their own metrics, named by the API's id
    /// (a ref until the API exists), and `$default` is written `default` in names and ids.
    #[test]
    fn v2_stages_get_alarms_and_rows_in_their_own_metrics() {
        let rs = desire(&patterns("dev"), "us-east-1", &[]).unwrap();
        let http = alarm_of(&rs, "alarm.items.default.5xx_errors");
        assert_eq!(http.name, "patterns-dev-items-default-5xx_errors");
        assert_eq!(http.metric.as_deref(), Some("5xx"));
        let dims = http.dimensions.unwrap();
        assert_eq!(dims["ApiId"], "{{ref:http_api.items.id}}");
        assert_eq!(dims["Stage"], "$default");
        assert!(!dims.contains_key("ApiName"));
        let ws = alarm_of(&rs, "alarm.chat.dev.5xx_errors");
        assert_eq!(ws.metric.as_deref(), Some("IntegrationError"));
        assert_eq!(
            alarm_of(&rs, "alarm.chat.dev.4xx_errors").threshold,
            Some(500.0)
        );
        let p99 = alarm_of(&rs, "alarm.chat.dev.p99_latency");
        assert_eq!(p99.metric.as_deref(), Some("IntegrationLatency"));
        let rest = alarm_of(&rs, "alarm.users.dev.5xx_errors");
        assert_eq!(rest.metric.as_deref(), Some("5XXError"));
        assert!(!rs.iter().any(|r| r.id.contains("cache_hit_rate")));
        let alarm = rs
            .iter()
            .find(|r| r.id == "alarm.items.default.5xx_errors")
            .unwrap();
        assert!(alarm.all_deps().contains("http_api.items"));
        assert!(alarm.deps.contains("api_stage.items.$default"));
        let t = titles(&rs);
        for want in [
            "Requests items-dev/$default",
            "Errors chat-dev/dev",
            "Latency users-dev/dev",
        ] {
            assert!(t.contains(&want.to_string()), "{want} in {t:?}");
        }
        let d = rs.iter().find(|r| r.kind == Kind::Dashboard).unwrap();
        let errors = &d.props["widgets"]["Errors chat-dev/dev"]["properties"]["metrics"];
        assert_eq!(
            errors[0],
            json!([
                "AWS/ApiGateway",
                "ClientError",
                "ApiId",
                "{{ref:websocket_api.chat.id}}",
                "Stage",
                "dev"
            ])
        );
        let prod = desire(&patterns("prod"), "us-east-1", &[]).unwrap();
        let c = alarm_of(&prod, "alarm.chat.prod.chat-connects");
        assert_eq!(c.metric.as_deref(), Some("ConnectCount"));
        assert!(!prod
            .iter()
            .any(|r| r.id == "alarm.items.prod.chat-connects"));
    }

    #[test]
    fn stages_whose_alarms_would_share_a_name_are_an_error() {
        let mut cfg = patterns("dev");
        let items = cfg.file.http_apis.get_mut("items").unwrap();
        let stage = items.stages["$default"].clone();
        items.stages.insert("default".into(), stage);
        let err = desire(&cfg, "us-east-1", &[]).unwrap_err();
        assert!(
            err[0].summary.contains("stages `$default` and `default`"),
            "{}",
            err[0]
        );
    }

    #[test]
    fn a_custom_alarm_on_a_stage_the_stack_lacks_is_an_error() {
        let mut cfg = patterns("prod");
        let m = cfg.file.monitoring.as_mut().unwrap();
        m.alarms["chat-connects"].stages = Some(vec!["chat.prd".into()]);
        let err = desire(&cfg, "us-east-1", &[]).unwrap_err();
        assert!(
            err[0].summary.contains("`chat.prd` is no stage"),
            "{}",
            err[0]
        );
        assert!(err[0].hint.as_deref().unwrap().contains("chat.prod"));
    }

    #[test]
    fn an_unknown_preset_is_an_error_naming_the_presets() {
        let mut cfg = prod();
        cfg.file
            .monitoring
            .as_mut()
            .unwrap()
            .presets
            .insert("5xx".into(), AlarmSettings::default());
        let err = desire(&cfg, "ap-southeast-2", &[]).unwrap_err();
        assert!(
            err[0]
                .summary
                .contains("monitoring.presets.5xx is not a preset"),
            "{}",
            err[0]
        );
        assert!(err[0].hint.as_deref().unwrap().contains("5xx_errors"));
    }
}
