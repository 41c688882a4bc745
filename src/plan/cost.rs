//! What a plan changes in the monthly bill: the fixed costs of what it creates, changes and
//! deletes (cache clusters by size and hours, web ACLs and their rules, alarms by metric,
//! dashboards), and the per-request prices of the API types the stack has, from the price
//! table kept beside this file (prices.json: its region, date and sources). No network call.

use super::{Action, Cost, CostItem, Plan};
use crate::model::{Kind, Props};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Prices {
    region: String,
    currency: String,
    date: String,
    source: Vec<String>,
    note: String,
    hours_per_month: f64,
    cache_cluster_per_hour: BTreeMap<String, f64>,
    waf_web_acl_per_month: f64,
    waf_rule_per_month: f64,
    alarm_metric_per_month: f64,
    dashboard_per_month: f64,
    per_million_requests: BTreeMap<String, f64>,
}

fn prices() -> Prices {
    serde_json::from_str(include_str!("prices.json")).expect("src/plan/prices.json is valid")
}

/// The cost of `plan`: its fixed-cost items and the request prices of what it creates.
pub fn of(plan: &Plan) -> Cost {
    let p = prices();
    let mut items = Vec::new();
    for c in plan
        .pending()
        .filter(|c| c.covered_by.is_none() || c.action == Action::Delete)
    {
        let before = c.before.as_ref().map(|b| monthly(&p, c.kind, b));
        let after = c.after.as_ref().map(|a| monthly(&p, c.kind, a));
        let (b, a) = match c.action {
            Action::Create => (None, after),
            Action::Delete => (before, None),
            _ => (before, after),
        };
        let (b, a) = (b.flatten(), a.flatten());
        if b.is_none() && a.is_none() {
            continue;
        }
        let what = a
            .as_ref()
            .or(b.as_ref())
            .map(|(w, _)| w.clone())
            .unwrap_or_default();
        let (mb, ma) = (b.map_or(0.0, |x| x.1), a.map_or(0.0, |x| x.1));
        if (ma - mb).abs() < 0.005 {
            continue;
        }
        items.push(CostItem {
            id: c.id.clone(),
            what,
            monthly_before: round(mb),
            monthly_after: round(ma),
            delta: round(ma - mb),
        });
    }
    let monthly_delta = round(items.iter().map(|i| i.delta).sum());
    // Request prices where the plan makes something that is charged per request.
    let kinds: Vec<Kind> = plan
        .pending()
        .filter(|c| c.action == Action::Create)
        .map(|c| c.kind)
        .collect();
    let mut per_million = BTreeMap::new();
    for (name, price) in &p.per_million_requests {
        let wanted = (name.starts_with("REST") && kinds.contains(&Kind::RestApi))
            || (name.starts_with("HTTP") && kinds.contains(&Kind::HttpApi))
            || (name.starts_with("WebSocket") && kinds.contains(&Kind::WebSocketApi))
            || (name.starts_with("WAF") && kinds.contains(&Kind::WebAcl));
        if wanted {
            per_million.insert(name.clone(), *price);
        }
    }
    Cost {
        currency: p.currency.clone(),
        prices: format!(
            "{} list prices of {} ({}); {}",
            p.region,
            p.date,
            p.source.join(", "),
            p.note
        ),
        monthly_delta,
        items,
        per_million_requests: per_million,
    }
}

/// (what, monthly cost) of one resource as `props` describe it, if it costs a fixed amount.
fn monthly(p: &Prices, kind: Kind, props: &Props) -> Option<(String, f64)> {
    let text = |k: &str| props.get(k).and_then(Value::as_str);
    match kind {
        Kind::Stage if props.get("cache_cluster_enabled") == Some(&Value::Bool(true)) => {
            let size = text("cache_cluster_size").unwrap_or("0.5");
            let hourly = *p.cache_cluster_per_hour.get(size)?;
            Some((
                format!("cache cluster {size} GB, {} h", p.hours_per_month),
                hourly * p.hours_per_month,
            ))
        }
        Kind::WebAcl => {
            let rules = props
                .get("rules")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Some((
                format!("web ACL with {rules} rule(s)"),
                p.waf_web_acl_per_month + p.waf_rule_per_month * rules as f64,
            ))
        }
        Kind::Alarm => {
            // A metric-math alarm is charged per metric it reads.
            let metrics = props
                .get("metrics")
                .and_then(Value::as_array)
                .map_or(1, |q| {
                    q.iter()
                        .filter(|x| x.get("metric").is_some_and(|m| !m.is_null()))
                        .count()
                        .max(1)
                });
            Some((
                format!("alarm on {metrics} metric(s)"),
                p.alarm_metric_per_month * metrics as f64,
            ))
        }
        Kind::Dashboard => Some(("dashboard".into(), p.dashboard_per_month)),
        _ => None,
    }
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// `+$14.60`, `-$3.00`.
pub fn money(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "+" };
    format!("{sign}${:.2}", x.abs())
}

/// The cost as the text plan's last lines.
pub fn text(c: &Cost) -> String {
    let mut out = String::new();
    if !c.items.is_empty() {
        out.push_str(&format!(
            "\nMonthly fixed cost: {} {}/month\n",
            money(c.monthly_delta),
            c.currency
        ));
        for i in &c.items {
            out.push_str(&format!("    {} {}: {}\n", money(i.delta), i.id, i.what));
        }
    }
    if !c.per_million_requests.is_empty() {
        let prices: Vec<String> = c
            .per_million_requests
            .iter()
            .map(|(k, v)| format!("{k} ${v:.2}"))
            .collect();
        out.push_str(&format!("Per million requests: {}.\n", prices.join("; ")));
    }
    if !out.is_empty() {
        out.push_str(&format!("Prices: {}\n", c.prices));
    }
    out
}

/// The cost as a Markdown section.
pub fn markdown(c: &Cost) -> String {
    if c.items.is_empty() && c.per_million_requests.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\n#### Cost\n\n**Monthly fixed cost: {} {}**\n",
        money(c.monthly_delta),
        c.currency
    );
    if !c.items.is_empty() {
        out.push_str("\n| resource | what | before | after | change |\n|---|---|--:|--:|--:|\n");
        for i in &c.items {
            out.push_str(&format!(
                "| `{}` | {} | ${:.2} | ${:.2} | {} |\n",
                i.id,
                i.what,
                i.monthly_before,
                i.monthly_after,
                money(i.delta)
            ));
        }
    }
    if !c.per_million_requests.is_empty() {
        out.push_str("\n| per million requests | price |\n|---|--:|\n");
        for (k, v) in &c.per_million_requests {
            out.push_str(&format!("| {k} | ${v:.2} |\n"));
        }
    }
    out.push_str(&format!("\n<sub>{}</sub>\n", c.prices));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;
    use serde_json::json;

    fn change(
        id: &str,
        kind: Kind,
        action: Action,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Change {
        let props = |v: Option<Value>| v.map(|v| serde_json::from_value::<Props>(v).unwrap());
        Change {
            id: id.into(),
            kind,
            name: id.into(),
            action,
            before: props(before),
            after: props(after),
            diffs: Vec::new(),
            waits_for: Default::default(),
            parent: None,
            covered_by: None,
            live_outputs: Default::default(),
            payload: None,
            protect: false,
            drift: false,
            adopt: false,
        }
    }

    #[test]
    fn a_cache_a_web_acl_an_alarm_and_a_dashboard_are_priced_by_size_rules_and_metrics() {
        let stage = |size: &str| json!({"cache_cluster_enabled": true, "cache_cluster_size": size});
        let plan = Plan::of(vec![
            change(
                "stage.main.prod",
                Kind::Stage,
                Action::Update,
                Some(stage("0.5")),
                Some(stage("1.6")),
            ),
            change(
                "web_acl.waf",
                Kind::WebAcl,
                Action::Create,
                None,
                Some(json!({"rules": [{}, {}, {}]})),
            ),
            change(
                "alarm.a",
                Kind::Alarm,
                Action::Create,
                None,
                Some(json!({"metric": "5XXError"})),
            ),
            change(
                "alarm.hits",
                Kind::Alarm,
                Action::Create,
                None,
                Some(json!({"metrics": [{"metric": {}}, {"metric": {}}, {"expression": "a/b"}]})),
            ),
            change(
                "dashboard.d",
                Kind::Dashboard,
                Action::Delete,
                Some(json!({})),
                None,
            ),
            change(
                "route.main.GET /",
                Kind::Route,
                Action::Create,
                None,
                Some(json!({})),
            ),
            change(
                "rest_api.main",
                Kind::RestApi,
                Action::Create,
                None,
                Some(json!({})),
            ),
        ]);
        let c = of(&plan);
        let delta = |id: &str| c.items.iter().find(|i| i.id == id).map(|i| i.delta);
        assert_eq!(delta("stage.main.prod"), Some(13.14)); // (0.038 - 0.02) × 730
        assert_eq!(delta("web_acl.waf"), Some(8.0));
        assert_eq!(delta("alarm.a"), Some(0.1));
        assert_eq!(delta("alarm.hits"), Some(0.2));
        assert_eq!(delta("dashboard.d"), Some(-3.0));
        assert_eq!(delta("route.main.GET /"), None);
        assert_eq!(c.monthly_delta, 18.44);
        // REST (the plan has a REST API) and WAF (a web ACL); no HTTP or WebSocket API.
        assert_eq!(
            c.per_million_requests.len(),
            2,
            "{:?}",
            c.per_million_requests
        );
        assert!(text(&c).contains("Monthly fixed cost: +$18.44 USD/month"));
        assert!(c.prices.contains("us-east-1 list prices of"));
    }
}
