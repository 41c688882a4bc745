//! `import`: the `monitoring` section that makes again the alarms and the dashboard a stack
//! already owns on the imported APIs' stages (`model::monitoring` read backwards). Each
//! preset or custom alarm is written with every field it has, so nothing rests on a
//! default — but the metric and description a preset has on the stage's protocol, so one
//! preset reads the same on a REST and an HTTP stage; what one section cannot say (a preset
//! tuned differently per stage) is named.

use super::kinds::{Alarm, Dashboard, Typed};
use super::monitoring::PRESET_NAMES;
use super::monitoring_metrics::{preset, Protocol};
use super::{Kind, LiveResource};
use crate::config::monitoring::AlarmSettings;
use serde_json::{json, Map, Value};

/// Titles of the widgets `model::monitoring` generates; any other is the stack's own.
const GENERATED: &[&str] = &["Requests ", "Errors ", "Latency ", "Cache ", "WAF "];

/// The section for the APIs `apis` (key, protocol), from the stack's live alarms and
/// dashboard; none when the stack owns neither.
pub fn monitoring(
    live: &[LiveResource],
    apis: &[(&str, Protocol)],
    left: &mut Vec<String>,
) -> Option<Value> {
    let mut presets = Map::new();
    let mut alarms = Map::new();
    let mut actions: Option<Alarm> = None;
    for r in live.iter().filter(|r| r.kind == Kind::Alarm) {
        let Some((key, protocol, stage, name)) = apis.iter().find_map(|(key, p)| {
            let rest = r.id.strip_prefix(&format!("alarm.{key}."))?;
            let (stage, name) = rest.split_once('.')?;
            Some((key, *p, stage, name))
        }) else {
            continue;
        };
        let Ok(a) = Alarm::from_props(&r.props) else {
            continue;
        };
        let fields = settings(&a, preset(name, protocol));
        // The id writes `$default` as `default`; the Stage dimension has it as it is.
        let stage = a
            .dimensions
            .as_ref()
            .and_then(|d| d.get("Stage"))
            .map_or(stage, String::as_str);
        let pair = format!("{key}.{stage}");
        let (section, custom) = if PRESET_NAMES.contains(&name) {
            (&mut presets, false)
        } else {
            (&mut alarms, true)
        };
        match section.get_mut(name) {
            None => {
                let mut v = fields;
                if custom {
                    v["stages"] = json!([pair]);
                }
                if r.outputs.contains_key(super::owner::ADOPTED) {
                    // AWS's default, which the stack would otherwise set to notBreaching.
                    if a.treat_missing_data.is_none() {
                        v["treat_missing_data"] = json!("missing");
                    }
                    v["adopt"] = json!(a.name);
                }
                section.insert(name.to_string(), v);
            }
            Some(v) => {
                let mut seen = v.clone();
                if let Some(o) = seen.as_object_mut() {
                    o.remove("stages");
                }
                if seen != fields {
                    left.push(format!(
                        "alarm {}: tuned unlike the {name} alarm of another stage; the section holds one setting per alarm",
                        a.name
                    ));
                }
                if let Some(s) = v["stages"].as_array_mut() {
                    s.push(json!(pair));
                }
            }
        }
        match &actions {
            None => actions = Some(a),
            Some(first)
                if (
                    &first.alarm_actions,
                    &first.ok_actions,
                    &first.insufficient_data_actions,
                ) != (
                    &a.alarm_actions,
                    &a.ok_actions,
                    &a.insufficient_data_actions,
                ) =>
            {
                left.push(format!(
                    "alarm {}: notifies other topics than {}; the section holds one set of actions",
                    a.name, first.name
                ))
            }
            Some(_) => {}
        }
    }
    let dashboard = live
        .iter()
        .find(|r| r.kind == Kind::Dashboard && r.id == "dashboard.overview")
        .and_then(|r| Dashboard::from_props(&r.props).ok());
    if actions.is_none() && dashboard.is_none() {
        return None;
    }
    for p in PRESET_NAMES {
        presets
            .entry(p.to_string())
            .or_insert_with(|| json!({"enabled": false}));
    }
    let mut m = json!({"presets": presets});
    if !alarms.is_empty() {
        m["alarms"] = Value::Object(alarms);
    }
    if let Some(a) = &actions {
        for (k, v) in [
            ("alarm_actions", &a.alarm_actions),
            ("ok_actions", &a.ok_actions),
            ("insufficient_data_actions", &a.insufficient_data_actions),
        ] {
            if !v.is_empty() {
                m[k] = json!(v);
            }
        }
    }
    m["dashboard"] = match dashboard {
        None => json!({"enabled": false}),
        Some(d) => dashboard_settings(&d),
    };
    Some(m)
}

/// An alarm's fields as `AlarmSettings` writes them (the API and Stage dimensions are filled
/// in; so are the metric and description of `preset`, the preset of that name on its stage).
fn settings(a: &Alarm, preset: Option<AlarmSettings>) -> Value {
    let preset = preset.unwrap_or_default();
    let mut v = Map::new();
    let mut set = |k: &str, x: Option<Value>| {
        if let Some(x) = x {
            v.insert(k.into(), x);
        }
    };
    let own = |v: &Option<String>, p: &Option<String>| v.clone().filter(|v| Some(v) != p.as_ref());
    set(
        "description",
        own(&a.description, &preset.description).map(Value::from),
    );
    let math = a.metrics.as_ref();
    let period = a.period.or_else(|| {
        math.into_iter()
            .flatten()
            .find_map(|q| q.metric.as_ref()?.period)
    });
    if math.is_none() {
        set("namespace", a.namespace.clone().map(Value::from));
        set("metric", own(&a.metric, &preset.metric).map(Value::from));
        set("statistic", a.statistic.clone().map(Value::from));
        set(
            "extended_statistic",
            a.extended_statistic.clone().map(Value::from),
        );
    }
    set("period", period.map(Value::from));
    set("evaluation_periods", a.evaluation_periods.map(Value::from));
    set(
        "datapoints_to_alarm",
        a.datapoints_to_alarm.map(Value::from),
    );
    set("threshold", a.threshold.map(Value::from));
    set("comparison", a.comparison.clone().map(Value::from));
    set(
        "treat_missing_data",
        a.treat_missing_data.clone().map(Value::from),
    );
    let extra: Map<String, Value> = a
        .dimensions
        .iter()
        .flatten()
        .filter(|(k, _)| !["ApiName", "ApiId", "Stage"].contains(&k.as_str()))
        .map(|(k, x)| (k.clone(), json!(x)))
        .collect();
    if !extra.is_empty() {
        v.insert("dimensions".into(), Value::Object(extra));
    }
    Value::Object(v)
}

/// The dashboard's period and the widgets the stack added to the generated rows.
fn dashboard_settings(d: &Dashboard) -> Value {
    let generated = |t: &str| GENERATED.iter().any(|g| t.starts_with(g));
    let period = d
        .widgets
        .iter()
        .find(|(t, _)| generated(t))
        .and_then(|(_, w)| w.pointer("/properties/period").cloned());
    let own: Vec<Value> = d
        .widgets
        .iter()
        .filter(|(t, _)| !generated(t))
        .map(|(_, w)| {
            let mut w = w.clone();
            if let Some(o) = w.as_object_mut() {
                o.remove("x");
                o.remove("y");
            }
            w
        })
        .collect();
    let mut v = json!({});
    if let Some(p) = period {
        v["period"] = p;
    }
    if !own.is_empty() {
        v["widgets"] = json!(own);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(id: &str, threshold: f64) -> LiveResource {
        let a = Alarm {
            name: id.replace('.', "-"),
            metric: Some("5XXError".into()),
            statistic: Some("Sum".into()),
            period: Some(300),
            threshold: Some(threshold),
            dimensions: Some(
                [
                    ("ApiName".to_string(), "x".to_string()),
                    ("Stage".to_string(), "dev".to_string()),
                ]
                .into(),
            ),
            alarm_actions: vec!["arn:aws:sns:us-east-1:1:t".into()],
            ..Default::default()
        };
        LiveResource::new(
            id.into(),
            Kind::Alarm,
            a.name.clone(),
            a.to_props(),
            Default::default(),
        )
    }

    /// A preset on two stages is written once with every field; tuned differently, it is
    /// named; presets the stack does not run are off; an added widget is kept.
    #[test]
    fn the_stacks_alarms_and_dashboard_read_back_as_its_section() {
        let mut live = vec![
            alarm("alarm.main.dev.5xx_errors", 10.0),
            alarm("alarm.main.prod.5xx_errors", 10.0),
        ];
        let d = Dashboard {
            name: "idrv5gw_s_dev_overview".into(),
            widgets: [
                (
                    "Requests x/dev".to_string(),
                    json!({"x": 0, "y": 0, "properties": {"period": 60}}),
                ),
                (
                    "Orders".to_string(),
                    json!({"x": 8, "y": 0, "type": "text"}),
                ),
            ]
            .into_iter()
            .collect(),
        };
        live.push(LiveResource::new(
            "dashboard.overview".into(),
            Kind::Dashboard,
            d.name.clone(),
            d.to_props(),
            Default::default(),
        ));
        let mut left = Vec::new();
        let m = monitoring(&live, &[("main", Protocol::Rest)], &mut left).unwrap();
        assert_eq!(left, Vec::<String>::new());
        assert_eq!(m["presets"]["5xx_errors"]["threshold"], json!(10.0));
        // The preset's own metric and description are the preset's, on any protocol.
        assert!(m["presets"]["5xx_errors"].get("metric").is_none());
        assert_eq!(m["presets"]["5xx_errors"]["statistic"], json!("Sum"));
        assert!(m["presets"]["5xx_errors"].get("dimensions").is_none());
        assert_eq!(m["presets"]["4xx_errors"], json!({"enabled": false}));
        assert_eq!(m["alarm_actions"], json!(["arn:aws:sns:us-east-1:1:t"]));
        assert_eq!(
            m["dashboard"],
            json!({"period": 60, "widgets": [{"type": "text"}]})
        );

        live[1] = alarm("alarm.main.prod.5xx_errors", 50.0);
        monitoring(&live, &[("main", Protocol::Rest)], &mut left).unwrap();
        assert_eq!(left.len(), 1, "{left:?}");
        assert!(monitoring(&[], &[("main", Protocol::Rest)], &mut left).is_none());
    }
}
