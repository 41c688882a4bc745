//! Plan → text a reviewer reads route by route. Renders from the same `Plan` value the JSON
//! output serialises, so the two cannot disagree.

use super::{Action, AttrDiff, Change, Plan};
use crate::model::{is_unknown, Kind};
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, action: Action, s: &str) -> String {
        if !self.color {
            return s.to_string();
        }
        let code = match action {
            Action::Create => "32",
            Action::Update => "33",
            Action::Replace => "35",
            Action::Delete => "31",
            Action::Noop => "0",
        };
        format!("\x1b[{code}m{s}\x1b[0m")
    }
}

pub fn value_text(v: &Value) -> String {
    if is_unknown(v) {
        return "(known after apply)".into();
    }
    match v {
        Value::Null => "none".into(),
        // The reader's placeholder for a value AWS does not give back.
        Value::String(s) if s.starts_with("{{") && s.ends_with("}}") => "(not readable)".into(),
        // 100.0 from a float field reads as the 100 the user wrote.
        Value::Number(n)
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15)
                && !n.is_i64()
                && !n.is_u64() =>
        {
            format!("{}", n.as_f64().unwrap_or_default() as i64)
        }
        Value::String(s) if s.starts_with("sha256:") && s.len() > 19 => format!("{}…", &s[..19]),
        Value::String(s) if s.len() > 120 => format!("{:?}…", clip(s)),
        Value::String(s) => format!("{s:?}"),
        other => {
            let t = other.to_string();
            if t.len() > 120 {
                format!("{}…", clip(&t))
            } else {
                t
            }
        }
    }
}

/// A long or multi-line text (a mapping template, a policy) changed: its first changed
/// line, since cut to one line both sides would often read the same.
fn text_change(before: &Value, after: &Value) -> Option<String> {
    let (Value::String(a), Value::String(b)) = (before, after) else {
        return None;
    };
    let long = |s: &str| s.len() > 120 || s.contains('\n');
    if !(long(a) || long(b)) || a.starts_with("sha256:") || is_unknown(after) {
        return None;
    }
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    let n = la.len().max(lb.len());
    let differ: Vec<usize> = (0..n).filter(|i| la.get(*i) != lb.get(*i)).collect();
    let first = *differ.first()?;
    let line = |l: Option<&&str>| match l {
        Some(l) => value_text(&Value::String(l.to_string())),
        None => "none".into(),
    };
    Some(format!(
        "{} of {n} lines changed, first line {}: {} → {}",
        differ.len(),
        first + 1,
        line(la.get(first)),
        line(lb.get(first))
    ))
}

/// The first 117 characters: long values are cut so a plan line stays readable.
fn clip(s: &str) -> &str {
    &s[..s.char_indices().nth(117).map(|(i, _)| i).unwrap_or(s.len())]
}

fn diff_line(d: &AttrDiff) -> String {
    let mut s = match text_change(&d.before, &d.after) {
        Some(t) => format!("{}: {t}", d.key),
        None => format!(
            "{}: {} → {}",
            d.key,
            value_text(&d.before),
            value_text(&d.after)
        ),
    };
    if let Some(k) = d.key.strip_suffix("_sha256") {
        s = format!("{k}: (sensitive, changed)"); // a digest of a secret: say only that it moved
    }
    if d.forces_replace {
        s.push_str("  (forces replacement)");
    }
    s
}

fn title(c: &Change) -> String {
    if c.id.ends_with(super::diff::OLD) {
        return format!(
            "{} {} (previous copy, once nothing uses it)",
            c.kind.as_str(),
            c.name
        );
    }
    if c.id.contains(crate::model::DUP) {
        return format!("{} {} (duplicate of an owned one)", c.kind.as_str(), c.name);
    }
    match c.kind {
        Kind::Route => c.name.clone(),
        Kind::Deployment => format!(
            "deployment {}",
            c.id.trim_start_matches("deployment.").replace('@', " ")
        ),
        k => format!("{} {}", k.as_str(), c.name),
    }
}

/// A preflight route `cors:` generates: shown as one line per action, not one per path.
fn is_cors_preflight(c: &Change) -> bool {
    let generated = c
        .payload
        .as_ref()
        .and_then(|p| p.get("generated"))
        .and_then(Value::as_str)
        == Some("cors");
    let answers_cors = |p: Option<&crate::model::Props>| {
        p.and_then(|p| p.get("integration_responses"))
            .is_some_and(|r| r.to_string().contains("Access-Control-Allow-Origin"))
    };
    c.kind == Kind::Route
        && c.name.starts_with("OPTIONS ")
        && (generated || answers_cors(c.before.as_ref()))
}

/// Lines for the bundled changes of one group: CORS preflights by action, and what goes
/// with a deleted REST API.
fn flush_bundles(out: &mut String, bundled: &mut Vec<&Change>, style: Style) {
    for action in [
        Action::Create,
        Action::Update,
        Action::Replace,
        Action::Delete,
    ] {
        let cors: Vec<&&Change> = bundled
            .iter()
            .filter(|c| c.action == action && c.covered_by.is_none())
            .collect();
        if !cors.is_empty() {
            let paths: Vec<&str> = cors
                .iter()
                .map(|c| c.name.trim_start_matches("OPTIONS "))
                .collect();
            let line = format!(
                "  {:>3} {} CORS preflight route(s): OPTIONS {}",
                action.symbol(),
                cors.len(),
                paths.join(", ")
            );
            let _ = writeln!(out, "{}", style.paint(action, &line));
            let mut seen: Vec<String> = Vec::new();
            for d in cors
                .iter()
                .flat_map(|c| c.diffs.iter())
                .filter(|_| matches!(action, Action::Update | Action::Replace))
            {
                let l = diff_line(d);
                if !seen.contains(&l) {
                    let _ = writeln!(out, "        {l}");
                    seen.push(l);
                }
            }
        }
    }
    let covered: Vec<&&Change> = bundled.iter().filter(|c| c.covered_by.is_some()).collect();
    if let Some(by) = covered.first().and_then(|c| c.covered_by.clone()) {
        let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
        for c in &covered {
            *counts.entry(c.kind.as_str()).or_default() += 1;
        }
        let what: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let line = format!(
            "    - {} (deleted with {by}, no calls of their own)",
            what.join(", ")
        );
        let _ = writeln!(out, "{}", style.paint(Action::Delete, &line));
    }
    bundled.clear();
}

/// The human plan. Creates list their settings compactly; updates list each changed attribute.
pub fn human(plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Stack {}/{} in {}",
        plan.stack, plan.environment, plan.region
    );
    if !plan.has_changes() {
        let unchanged = plan.changes.len();
        let _ = writeln!(
            out,
            "\nNo changes. Live state matches the stack ({unchanged} resources checked)."
        );
        return out;
    }
    if plan.pending().any(|c| c.drift) {
        let _ = writeln!(
            out,
            "\nChanged outside idrv5-gw (the baseline makes these changes too: they undo drift):"
        );
        groups(plan, |c| c.drift, style, &mut out);
        let _ = writeln!(out, "\nThis change:");
        if plan.pending().all(|c| c.drift) {
            let _ = writeln!(
                out,
                "\n    (nothing: the edit under review changes nothing more)"
            );
        }
        groups(plan, |c| !c.drift, style, &mut out);
    } else {
        groups(plan, |_| true, style, &mut out);
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "\nPlan: {} to create, {} to update{}, {} to replace, {} to delete.",
        s.create,
        s.update,
        adopted(s),
        s.replace,
        s.delete
    );
    if let Some(c) = &plan.cost {
        out.push_str(&super::cost::text(c));
    }
    out
}

/// ` (2 of them adopted)`: how many updates take over existing items.
pub fn adopted(s: &super::Summary) -> String {
    match s.adopt {
        0 => String::new(),
        n => format!(" ({n} of them adopted)"),
    }
}

/// The pending changes `keep` selects: stack-level resources first, then each API's, in
/// dependency order within a group.
fn groups(plan: &Plan, keep: impl Fn(&Change) -> bool, style: Style, out: &mut String) {
    let pending = || plan.pending().filter(|c| keep(c));
    let mut scopes: Vec<Option<String>> = vec![None];
    for c in pending() {
        if !scopes.contains(&c.parent) {
            scopes.push(c.parent.clone());
        }
    }
    let mut group: Option<Option<String>> = None;
    let mut bundled: Vec<&Change> = Vec::new();
    let ordered = scopes
        .iter()
        .flat_map(|sc| pending().filter(move |c| &c.parent == sc));
    for c in ordered {
        let scope = c.parent.clone();
        if group.as_ref() != Some(&scope) {
            flush_bundles(out, &mut bundled, style);
            let heading = scope
                .clone()
                .unwrap_or_else(|| "stack-level resources".into());
            let _ = writeln!(out, "\n{heading}:");
            group = Some(scope);
        }
        if is_cors_preflight(c) || c.covered_by.is_some() {
            bundled.push(c);
            continue;
        }
        let sym = format!("{:>3}", c.action.symbol());
        let adopt = if c.adopt { "adopt " } else { "" };
        let line = format!("  {} {adopt}{}", sym, title(c));
        let _ = writeln!(out, "{}", style.paint(c.action, &line));
        match c.action {
            Action::Update | Action::Replace => {
                for d in &c.diffs {
                    let _ = writeln!(out, "        {}", diff_line(d));
                }
            }
            Action::Create if c.kind == Kind::Route => {
                if let Some(i) = c.after.as_ref().and_then(|a| a.get("integration")) {
                    let kind = i.get("type").and_then(Value::as_str).unwrap_or("");
                    let target = i.get("uri").map(value_text).unwrap_or_default();
                    let _ = writeln!(out, "        integration: {kind} {target}");
                }
            }
            Action::Create if c.kind == Kind::ApiRoute => {
                if let Some(a) = c.after.as_ref() {
                    let _ = writeln!(out, "        {}", v2_route_summary(a));
                }
            }
            Action::Create if c.kind == Kind::Deployment => {
                if let Some(d) = c.diffs.first() {
                    let _ = writeln!(out, "        {}", diff_line(d));
                }
            }
            Action::Create if SETTINGS_ON_CREATE.contains(&c.kind) => {
                for line in settings(c) {
                    let _ = writeln!(out, "        {line}");
                }
            }
            _ => {}
        }
    }
    flush_bundles(out, &mut bundled, style);
}

/// Kinds whose settings a reviewer needs to see when they are made (what they cost, what
/// they let through): a stage's cache and throttles, a usage plan's quota, a web ACL's
/// rules, an alarm's threshold.
pub const SETTINGS_ON_CREATE: &[Kind] = &[
    Kind::Stage,
    Kind::ApiStage,
    Kind::UsagePlan,
    Kind::WebAcl,
    Kind::IpSet,
    Kind::Alarm,
    Kind::LogGroup,
    Kind::DomainName,
];

/// `key: value` for each setting a new resource is made with, nested keys joined with `.`;
/// unset, empty and false ones left out, the deployment fingerprint too.
pub fn settings(c: &Change) -> Vec<String> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Null | Value::Bool(false) => {}
            Value::String(s) if s.is_empty() || s.starts_with("sha256:") => {}
            Value::Object(o) if o.is_empty() => {}
            Value::Array(a) if a.is_empty() => {}
            Value::Object(o) => {
                for (k, x) in o {
                    walk(&join(prefix, k), x, out);
                }
            }
            Value::Array(a) if a.iter().all(|x| !x.is_object()) => {
                out.push(format!("{prefix}: {}", value_text(v)));
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, out);
                }
            }
            other => out.push(format!("{prefix}: {}", value_text(other))),
        }
    }
    fn join(prefix: &str, k: &str) -> String {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    }
    let mut out = Vec::new();
    for (k, v) in c.after.iter().flatten() {
        if k == "name" || k == "deployment" || k.ends_with("_sha256") {
            continue;
        }
        walk(k, v, &mut out);
    }
    out
}

/// `integration: lambda-items; auth: JWT jwt [items/read]` for a new v2 route.
fn v2_route_summary(a: &crate::model::Props) -> String {
    // Refs name items by id (`api_integration.<api>.<key>`); the last part is the key.
    let named = |k: &str| {
        let v = a.get(k).cloned().unwrap_or(Value::Null);
        let id = crate::model::refs(&v).into_iter().next().map(|(id, _)| id);
        match id {
            Some(id) => id.splitn(3, '.').nth(2).unwrap_or(&id).to_string(),
            None => v.as_str().unwrap_or("-").to_string(),
        }
    };
    let mut s = format!("integration: {}", named("integration_id"));
    let auth = a
        .get("authorization_type")
        .and_then(Value::as_str)
        .unwrap_or("NONE");
    if auth != "NONE" {
        s.push_str(&format!("; auth: {auth} {}", named("authorizer_id")));
        if let Some(sc) = a
            .get("authorization_scopes")
            .and_then(Value::as_array)
            .filter(|v| !v.is_empty())
        {
            let sc: Vec<&str> = sc.iter().filter_map(Value::as_str).collect();
            s.push_str(&format!(" [{}]", sc.join(", ")));
        }
    }
    if a.get("route_response").is_some_and(|v| !v.is_null()) {
        s.push_str("; two-way");
    }
    s
}
