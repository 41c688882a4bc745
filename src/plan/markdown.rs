//! Plan → Markdown for a pull-request comment: a summary table per API and kind, then each
//! API's changes in a collapsible section, routes as `METHOD /path`, and changes that repeat
//! the same edit on many routes (an authorizer replaced under 26 routes) said once.

use super::render::{settings, value_text, SETTINGS_ON_CREATE};
use super::{Action, Change, Plan};
use crate::model::Kind;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Sections with more changes than this start folded.
const OPEN_UP_TO: usize = 30;
/// At least this many routes with the same edit are grouped into one line.
const GROUP_FROM: usize = 3;

pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "### idrv5-gw plan: `{}/{}` in `{}`\n",
        plan.stack, plan.environment, plan.region
    );
    if !plan.has_changes() {
        let _ = writeln!(
            out,
            "**No changes.** Live state matches the stack ({} resources checked).",
            plan.changes.len()
        );
        return out;
    }
    let _ = writeln!(
        out,
        "**{} to create, {} to update{}, {} to replace, {} to delete.**\n",
        s.create,
        s.update,
        super::render::adopted(s),
        s.replace,
        s.delete
    );
    // Summary: (scope, kind) → counts per action.
    let mut table: BTreeMap<(String, &str), [usize; 4]> = BTreeMap::new();
    for c in plan.pending() {
        let i = match c.action {
            Action::Create => 0,
            Action::Update => 1,
            Action::Replace => 2,
            _ => 3,
        };
        table.entry((scope(c), c.kind.as_str())).or_default()[i] += 1;
    }
    let _ = writeln!(
        out,
        "| scope | kind | create | update | replace | delete |\n|---|---|--:|--:|--:|--:|"
    );
    for ((sc, kind), n) in &table {
        let cell = |x: usize| if x == 0 { String::new() } else { x.to_string() };
        let _ = writeln!(
            out,
            "| {sc} | {kind} | {} | {} | {} | {} |",
            cell(n[0]),
            cell(n[1]),
            cell(n[2]),
            cell(n[3])
        );
    }
    if plan.pending().any(|c| c.drift) {
        let n = plan.pending().filter(|c| c.drift).count();
        let _ = writeln!(out, "\n#### Changed outside idrv5-gw ({n})\n\nThe baseline makes these changes too: they undo drift, not the edit under review.");
        sections(plan, |c| c.drift, &mut out);
        let _ = writeln!(out, "\n#### This change ({})", plan.pending().count() - n);
        sections(plan, |c| !c.drift, &mut out);
    } else {
        sections(plan, |_| true, &mut out);
    }
    if let Some(c) = &plan.cost {
        out.push_str(&super::cost::markdown(c));
    }
    out
}

/// One collapsible section per scope, of the pending changes `keep` selects.
fn sections(plan: &Plan, keep: impl Fn(&Change) -> bool, out: &mut String) {
    let pending = || plan.pending().filter(|c| keep(c));
    let mut scopes: Vec<String> = Vec::new();
    for c in pending() {
        if !scopes.contains(&scope(c)) {
            scopes.push(scope(c));
        }
    }
    for sc in scopes {
        let changes: Vec<&Change> = pending().filter(|c| scope(c) == sc).collect();
        let open = if changes.len() <= OPEN_UP_TO {
            " open"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "\n<details{open}><summary><b>{sc}</b>: {} change(s)</summary>\n\n```diff",
            changes.len()
        );
        for line in lines(&changes) {
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "```\n</details>");
    }
}

fn scope(c: &Change) -> String {
    c.parent.clone().unwrap_or_else(|| "stack".into())
}

/// The section's lines: `+`/`-`/`!` (update, which `diff` colours apart) per change, its
/// settings or changed attributes indented under it; repeated route edits grouped.
fn lines(changes: &[&Change]) -> Vec<String> {
    let mut out = Vec::new();
    // Route updates by their edit (the same diff lines): grouped when there are many.
    let mut by_edit: BTreeMap<Vec<String>, Vec<&Change>> = BTreeMap::new();
    for c in changes
        .iter()
        .filter(|c| c.kind == Kind::Route && c.action == Action::Update)
    {
        by_edit.entry(edit(c)).or_default().push(c);
    }
    let grouped: Vec<&str> = by_edit
        .values()
        .filter(|g| g.len() >= GROUP_FROM)
        .flat_map(|g| g.iter().map(|c| c.id.as_str()))
        .collect();
    for c in changes.iter().filter(|c| !grouped.contains(&c.id.as_str())) {
        let adopt = if c.adopt { "adopt " } else { "" };
        out.push(format!("{} {adopt}{}", mark(c.action), title(c)));
        match c.action {
            Action::Update | Action::Replace => {
                out.extend(edit(c).into_iter().map(|l| format!("    {l}")));
            }
            Action::Create if c.kind == Kind::Route => {
                if let Some(i) = c.after.as_ref().and_then(|a| a.get("integration")) {
                    let kind = i.get("type").and_then(|t| t.as_str()).unwrap_or("");
                    let target = i.get("uri").map(value_text).unwrap_or_default();
                    out.push(format!("    integration: {kind} {target}"));
                }
            }
            Action::Create if SETTINGS_ON_CREATE.contains(&c.kind) => {
                out.extend(settings(c).into_iter().map(|l| format!("    {l}")));
            }
            _ => {}
        }
    }
    for (edit, group) in by_edit.iter().filter(|(_, g)| g.len() >= GROUP_FROM) {
        let names: Vec<&str> = group.iter().map(|c| c.name.as_str()).collect();
        out.push(format!("! {} routes: {}", group.len(), names.join(", ")));
        out.extend(edit.iter().map(|l| format!("    {l}")));
    }
    out
}

/// A change's diff lines as the text plan writes them.
fn edit(c: &Change) -> Vec<String> {
    c.diffs
        .iter()
        .map(|d| {
            if d.key.ends_with("_sha256") {
                format!(
                    "{}: (sensitive, changed)",
                    d.key.trim_end_matches("_sha256")
                )
            } else {
                format!(
                    "{}: {} → {}",
                    d.key,
                    value_text(&d.before),
                    value_text(&d.after)
                )
            }
        })
        .collect()
}

fn mark(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Delete => "-",
        Action::Replace => "!-/+",
        _ => "!",
    }
}

fn title(c: &Change) -> String {
    match c.kind {
        Kind::Route => c.name.clone(),
        k => format!("{} {}", k.as_str(), c.name),
    }
}
