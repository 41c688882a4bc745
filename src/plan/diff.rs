//! Desired vs live → changes, in dependency order.
//!
//! One mechanism for every kind: props are compared leaf by leaf; refs to resources that are
//! about to be created stay unknown ("known after apply"); creates and updates wait for what
//! they depend on; deletes wait for whatever still refers to them in the live state (so an
//! old deployment goes only after the stages moved off it).

use super::{Action, AttrDiff, Change, Plan, Summary, FORMAT_VERSION};
use crate::diag::Diagnostic;
use crate::model::kinds::{Deployment, Stage, Typed};
use crate::model::owner::{ADOPTED, TAG_STACK, UNREADABLE};
use crate::model::{
    is_unknown, resolve, resolve_props, Kind, LiveResource, LiveState, Outputs, Props, Resource,
};
use crate::util::{write_canonical, HashWriter};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Suffix of the change that deletes the previous copy of a replaced resource.
pub const OLD: &str = "~old";

pub struct PlanInput<'a> {
    pub stack: &'a str,
    pub environment: &'a str,
    pub region: &'a str,
    pub desired: Vec<Resource>,
    /// Deployment id → its document's fingerprint, where worked out ahead (`ahead`).
    pub fingerprints: BTreeMap<String, String>,
    pub live: &'a LiveState,
    /// Refuse deleting or replacing protected resources unless set.
    pub allow_destroy_protected: bool,
}

pub fn plan(input: PlanInput) -> Result<Plan, Vec<Diagnostic>> {
    let live = input.live;
    let mut outputs: Outputs = live.outputs();
    let mut changes: Vec<Change> = Vec::new();
    let desired_ids: BTreeSet<String> = input.desired.iter().map(|r| r.id.clone()).collect();
    let mut matched_deployments = BTreeSet::new();
    // "unmanaged deployment <id>" → the fingerprint an adopted deployment takes.
    let mut adopted: BTreeMap<String, String> = BTreeMap::new();

    for r in topo_sort(&input.desired) {
        let change = if r.kind == Kind::Deployment {
            let (mut c, matched) =
                deployment_change(r, input.fingerprints.get(&r.id), live, &mut outputs);
            if matched.is_none() {
                adopted.extend(adopt_deployment(&mut c, r, &changes, live, &mut outputs));
            }
            matched_deployments.extend(matched);
            c
        } else {
            let mut after = resolve_props(&r.props, &outputs);
            if r.kind == Kind::Stage {
                after = settle_canary(after, live.resources.get(&r.id));
            }
            if r.kind == Kind::Model {
                after = settle_model(after, live.resources.get(&r.id));
            }
            let served_adopted = live.resources.get(&r.id).and_then(|l| {
                let fp = adopted.get(l.props.get("deployment")?.as_str()?)?;
                let mut l = l.clone();
                l.props.insert("deployment".into(), json!(fp));
                Some(l)
            });
            let live_r = served_adopted.as_ref().or(live.resources.get(&r.id));
            let mut c = resource_change(r, after, live_r);
            if let Some(l) = live_r.filter(|l| l.outputs.contains_key(ADOPTED)) {
                adopt(&mut c, l, &format!("{}/{}", input.stack, input.environment));
            }
            if r.kind == Kind::ApiDeployment {
                super::adopt_v2::adopt_deployment(&mut c, r, &changes, live, &mut outputs);
            }
            c
        };
        if matches!(change.action, Action::Create | Action::Replace) && r.kind != Kind::Deployment {
            outputs.remove(&r.id); // its AWS ids are not known until it exists
        }
        changes.push(change);
    }

    matched_deployments.extend(still_served(&changes, live));
    changes.extend(deletes(
        &input.desired,
        live,
        &desired_ids,
        &matched_deployments,
    ));

    // Create before destroy: the old copy of a replaced resource goes once nothing refers to it.
    let olds: Vec<Change> = changes
        .iter()
        .filter(|c| c.action == Action::Replace)
        .map(|c| {
            let mut old = delete_change(live.resources.get(&c.id).expect("replace has live"));
            old.id = format!("{}{OLD}", c.id);
            old.waits_for.insert(c.id.clone());
            old
        })
        .collect();
    changes.extend(olds);

    let mut errors = protection_errors(&changes, live, input.allow_destroy_protected);
    link_waits(&mut changes, &input.desired, live);
    let loops = crate::model::graph::cycles(changes.iter().map(|c| {
        (
            c.id.as_str(),
            c.waits_for.iter().map(String::as_str).collect(),
        )
    }));
    for l in &loops {
        errors.push(
            Diagnostic::error(
                "graph",
                format!("the changes wait for each other: {}", l.join(" → ")),
            )
            .hint(
                "one of these must change first: apply part of the stack, or report this as a bug",
            ),
        );
    }
    let changes = order(changes);
    if !errors.is_empty() {
        return Err(errors);
    }
    let summary = Summary::of(&changes);
    Ok(Plan {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").into(),
        stack: input.stack.into(),
        environment: input.environment.into(),
        region: input.region.into(),
        live_digest: live.digest(),
        summary,
        changes,
        outputs,
        warnings: Vec::new(),
        stack_file: String::new(),
        inputs: Default::default(),
        cost: None,
    })
}

/// What is live but no longer desired, except deployments kept for rollback; what goes
/// with a deleted API is marked covered by the API's delete.
fn deletes(
    desired: &[Resource],
    live: &LiveState,
    desired_ids: &BTreeSet<String>,
    matched_deployments: &BTreeSet<String>,
) -> Vec<Change> {
    let mut out = Vec::new();
    let deleted_apis: BTreeSet<String> = live
        .resources
        .values()
        .filter(|l| l.kind.is_api() && !desired_ids.contains(&l.id))
        .map(|l| l.id.clone())
        .collect();
    let prunable = prunable_deployments(desired, live, matched_deployments);
    for l in live.resources.values() {
        if desired_ids.contains(&l.id) || matched_deployments.contains(&l.id) {
            continue;
        }
        if l.kind == Kind::Deployment
            && !prunable.contains(&l.id)
            && !l.parent.as_ref().is_some_and(|p| deleted_apis.contains(p))
        {
            continue; // kept for rollback
        }
        let mut c = delete_change(l);
        c.covered_by = l.parent.clone().filter(|p| deleted_apis.contains(p));
        out.push(c);
    }

    out
}

impl Summary {
    pub fn of(changes: &[Change]) -> Summary {
        let mut summary = Summary::default();
        for c in changes {
            match c.action {
                Action::Create => summary.create += 1,
                Action::Update => {
                    summary.update += 1;
                    summary.adopt += usize::from(c.adopt);
                }
                Action::Replace => summary.replace += 1,
                Action::Delete if !c.id.ends_with(OLD) => summary.delete += 1,
                Action::Delete => {}
                Action::Noop => {}
            }
        }
        summary
    }
}

fn base_change(r: &Resource, action: Action) -> Change {
    Change {
        id: r.id.clone(),
        kind: r.kind,
        name: r.name.clone(),
        action,
        before: None,
        after: None,
        diffs: Vec::new(),
        waits_for: BTreeSet::new(),
        parent: r.parent.clone(),
        covered_by: None,
        live_outputs: BTreeMap::new(),
        // Only what is carried out reads it (tags, the deployment's document): an unchanged
        // deployment would otherwise hold a second copy of the whole document.
        payload: (action != Action::Noop)
            .then(|| r.payload.clone())
            .flatten(),
        protect: r.protect,
        drift: false,
        adopt: false,
    }
}

/// A create holds no diffs in memory: they would be every leaf of its `after` again, a
/// sixth of the memory of a first plan of a large API. The JSON plan lists them (one per
/// leaf, docs/plan-format.md): filled in just before it is written.
pub fn fill_create_diffs(p: &mut Plan) {
    let creates = p.changes.iter_mut().filter(|c| c.action == Action::Create);
    for c in creates.filter(|c| c.diffs.is_empty()) {
        if let Some(after) = &c.after {
            c.diffs = diff_props(c.kind, &Props::new(), after);
        }
    }
}

fn resource_change(r: &Resource, after: Props, live: Option<&LiveResource>) -> Change {
    let Some(l) = live else {
        // No diffs: they would be every leaf of `after` again (`fill_create_diffs`).
        let mut c = base_change(r, Action::Create);
        c.after = Some(after);
        return c;
    };
    let diffs = diff_props(r.kind, &l.props, &after);
    let action = if diffs.is_empty() {
        Action::Noop
    } else if diffs.iter().any(|d| d.forces_replace) {
        Action::Replace
    } else {
        Action::Update
    };
    let mut c = base_change(r, action);
    // An unchanged resource keeps no copy of its props: a plan of a large API is mostly
    // unchanged routes, and two copies of each were most of its memory.
    if action != Action::Noop {
        c.before = Some(l.props.clone());
        c.after = Some(after);
    }
    c.diffs = diffs;
    c.live_outputs = l.outputs.clone();
    c.protect = r.protect || l.protect;
    c
}

/// An item the stack adopts: an update that first tags it as the owner's, shown as the
/// ownership tag it gains before the props it changes.
fn adopt(c: &mut Change, live: &LiveResource, owner: &str) {
    c.adopt = true;
    if c.action == Action::Noop {
        c.action = Action::Update;
        c.before = Some(live.props.clone());
        c.after = Some(live.props.clone());
    }
    c.diffs.insert(
        0,
        AttrDiff {
            key: format!("tags[\"{TAG_STACK}\"]"),
            before: Value::Null,
            after: json!(owner),
            forces_replace: false,
        },
    );
}

/// The deployment every stage of an adopted API serves, made outside idrv5-gw, is adopted
/// too (its description gains the fingerprint) when the API's routes and items already
/// match the stack: what it serves is then the document. Its id stays; nothing is
/// redeployed. Returns the live stages' "unmanaged deployment <id>" and the fingerprint.
fn adopt_deployment(
    c: &mut Change,
    r: &Resource,
    changes: &[Change],
    live: &LiveState,
    outputs: &mut Outputs,
) -> Option<(String, String)> {
    let api = r.parent.as_deref()?;
    live.resources.get(api)?.outputs.get(ADOPTED)?;
    let fp = c
        .after
        .as_ref()
        .and_then(|a| Deployment::from_props(a).ok())
        .map(|d| d.fingerprint)
        .filter(|f| !is_unknown(&json!(f)))?;
    let api_children_match = changes
        .iter()
        .filter(|x| x.parent.as_deref() == Some(api))
        .all(|x| x.action == Action::Noop);
    // What every stage serves, as (deployment id, the fingerprint read): one, not ours.
    let served: BTreeSet<(&String, Option<&str>)> = live
        .resources
        .values()
        .filter(|l| l.kind == Kind::Stage && l.parent.as_deref() == Some(api))
        .map(|l| {
            let read = l.props.get("deployment").and_then(Value::as_str);
            Some((l.outputs.get("deployment_id")?, read))
        })
        .collect::<Option<_>>()?;
    let [(id, read)] = served.into_iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let unmanaged = format!("unmanaged deployment {id}");
    if !api_children_match || read != Some(unmanaged.as_str()) {
        return None;
    }
    let before = Deployment {
        fingerprint: unmanaged.clone(),
    }
    .to_props();
    c.action = Action::Update;
    c.adopt = true;
    c.diffs = diff_props(Kind::Deployment, &before, c.after.as_ref()?);
    c.before = Some(before);
    c.live_outputs = [("id".to_string(), id.clone())].into();
    outputs.insert(
        r.id.clone(),
        [
            ("id".to_string(), id.clone()),
            ("fingerprint".to_string(), fp.clone()),
        ]
        .into(),
    );
    Some((unmanaged, fp))
}

/// The live deployments stages go on serving (a canary's stage keeps its own): never pruned.
/// Only the one a stage serves, not another copy of the same document.
fn still_served(changes: &[Change], live: &LiveState) -> Vec<String> {
    let mut out = Vec::new();
    for c in changes.iter().filter(|c| c.kind == Kind::Stage) {
        let Some(l) = live.resources.get(&c.id) else {
            continue;
        };
        let props = c.after.as_ref().unwrap_or(&l.props);
        let Ok(s) = Stage::from_props(props) else {
            continue;
        };
        let mut fps = vec![s.deployment];
        fps.extend(s.canary.map(|c| c.deployment));
        let served = l.deps.iter().filter_map(|d| live.resources.get(d));
        out.extend(
            served
                .filter(|d| d.kind == Kind::Deployment)
                .filter(|d| {
                    d.outputs
                        .get("fingerprint")
                        .is_some_and(|f| fps.contains(f))
                })
                .map(|d| d.id.clone()),
        );
    }
    out
}

/// The `$schema` (draft 4) and `title` (the model's name) the tool writes into a model's
/// schema only annotate it: a live model made without them (by hand, then imported) is
/// the same model, and is left as it is.
fn settle_model(mut after: Props, live: Option<&LiveResource>) -> Props {
    let Some(live) = live.and_then(|l| l.props.get("schema")) else {
        return after;
    };
    let name = after.get("name").cloned().unwrap_or_default();
    if let Some(Value::Object(s)) = after.get_mut("schema") {
        let defaults = [
            ("$schema", json!(crate::openapi::models::DRAFT4)),
            ("title", name),
        ];
        for (k, v) in defaults {
            if live.get(k).is_none() && s.get(k) == Some(&v) {
                s.remove(k);
            }
        }
    }
    after
}

/// A stage releasing by canary: see `Stage::settle_canary`.
fn settle_canary(after: Props, live: Option<&LiveResource>) -> Props {
    let Ok(mut stage) = Stage::from_props(&after) else {
        return after;
    };
    if stage.canary.is_none() {
        return after;
    }
    let live = live.and_then(|l| Stage::from_props(&l.props).ok());
    stage.settle_canary(live.as_ref());
    stage.to_props()
}

/// The deployments whose fingerprint is known before the account is read (their document
/// names no other resource's id): id and document, for a caller to fingerprint while the
/// reads are under way and hand over in `PlanInput::fingerprints`.
/// Only those `wanted` (by id) are copied.
pub fn ahead(desired: &[Resource], wanted: impl Fn(&str) -> bool) -> Vec<(String, Value)> {
    desired
        .iter()
        .filter(|r| r.kind == Kind::Deployment && wanted(&r.id))
        .filter_map(|r| {
            let doc = r.payload.as_ref()?.get("document")?;
            (!is_unknown(doc)).then(|| (r.id.clone(), doc.clone()))
        })
        .collect()
}

/// The fingerprint of what a REST API's resolved document deploys (`desire::deployed`).
pub fn fingerprint(document: &Value) -> String {
    let deployed = crate::model::desire::deployed(document);
    let mut h = HashWriter::default();
    // Hashing cannot fail; the bytes are canonical_json's.
    let _ = write_canonical(&deployed, &mut h);
    format!("sha256:{}", h.hex())
}

/// A deployment exists when one of the API's deployments carries the document's fingerprint.
fn deployment_change(
    r: &Resource,
    ahead: Option<&String>,
    live: &LiveState,
    outputs: &mut Outputs,
) -> (Change, Option<String>) {
    // A document without refs (the usual one) is fingerprinted where it lies, not copied.
    let fp = match (ahead, r.payload.as_ref().and_then(|p| p.get("document"))) {
        (Some(fp), _) => Some(fp.clone()),
        (None, Some(d)) if is_unknown(d) => {
            let d = resolve(d, outputs);
            (!is_unknown(&d)).then(|| fingerprint(&d))
        }
        (None, Some(d)) => Some(fingerprint(d)),
        (None, None) => Some(fingerprint(&Value::Null)),
    };
    let prefix = format!("{}@", r.id);
    let siblings: Vec<&LiveResource> = live
        .resources
        .values()
        .filter(|l| l.id.starts_with(&prefix))
        .collect();
    // Two deployments of one document (a create retried after its answer was lost): the one
    // a stage serves is the match, the other a duplicate `prunable_deployments` removes.
    let served = |l: &LiveResource| live.resources.values().any(|u| u.deps.contains(&l.id));
    let found = fp.as_ref().and_then(|fp| {
        let same: Vec<&&LiveResource> = siblings
            .iter()
            .filter(|l| l.outputs.get("fingerprint") == Some(fp))
            .collect();
        same.iter().find(|l| served(l)).or(same.first()).copied()
    });
    let newest = siblings.iter().max_by_key(|l| {
        l.outputs
            .get("created")
            .and_then(|c| c.parse::<i64>().ok())
            .unwrap_or(0)
    });
    // The document's fingerprint when known now, else the placeholder the desired side has.
    let after = match &fp {
        Some(fp) => Deployment {
            fingerprint: fp.clone(),
        }
        .to_props(),
        None => r.props.clone(),
    };
    if let Some(l) = found {
        outputs.insert(r.id.clone(), l.outputs.clone());
        let mut c = base_change(r, Action::Noop);
        c.before = Some(l.props.clone());
        c.after = Some(after);
        c.live_outputs = l.outputs.clone();
        return (c, Some(l.id.clone()));
    }
    if let Some(fp) = &fp {
        outputs.insert(
            r.id.clone(),
            [("fingerprint".to_string(), fp.clone())].into(),
        );
    } else {
        outputs.remove(&r.id);
    }
    let before = newest.map(|l| l.props.clone());
    let mut c = base_change(r, Action::Create);
    c.diffs = diff_props(
        Kind::Deployment,
        before.as_ref().unwrap_or(&Props::new()),
        &after,
    );
    c.before = before;
    c.after = Some(after);
    (c, None)
}

/// Managed deployments beyond the newest `keep` (besides the one served) go.
fn prunable_deployments(
    desired: &[Resource],
    live: &LiveState,
    matched: &BTreeSet<String>,
) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in desired.iter().filter(|r| r.kind == Kind::Deployment) {
        let keep = d
            .payload
            .as_ref()
            .and_then(|p| p.get("keep"))
            .and_then(Value::as_u64)
            .unwrap_or(3) as usize;
        let prefix = format!("{}@", d.id);
        let mut old: Vec<&LiveResource> = live
            .resources
            .values()
            .filter(|l| l.id.starts_with(&prefix) && !matched.contains(&l.id))
            .collect();
        old.sort_by_key(|l| {
            std::cmp::Reverse(
                l.outputs
                    .get("created")
                    .and_then(|c| c.parse::<i64>().ok())
                    .unwrap_or(0),
            )
        });
        // Copies of a document already kept (or served) add nothing to roll back to; they
        // go unless a stage still serves them.
        let mut fps: BTreeSet<&String> = matched
            .iter()
            .filter(|id| id.starts_with(&prefix))
            .filter_map(|id| live.resources.get(id)?.outputs.get("fingerprint"))
            .collect();
        let served = |l: &LiveResource| live.resources.values().any(|u| u.deps.contains(&l.id));
        let mut kept = 0;
        for l in old {
            let copy = l
                .outputs
                .get("fingerprint")
                .is_some_and(|fp| !fps.insert(fp));
            if copy && !served(l) {
                out.insert(l.id.clone());
            } else if !copy && kept < keep {
                kept += 1;
            } else if !copy {
                out.insert(l.id.clone());
            }
        }
    }
    out
}

fn delete_change(l: &LiveResource) -> Change {
    Change {
        id: l.id.clone(),
        kind: l.kind,
        name: l.name.clone(),
        action: Action::Delete,
        before: Some(l.props.clone()),
        after: None,
        diffs: Vec::new(),
        waits_for: BTreeSet::new(),
        parent: l.parent.clone(),
        covered_by: None,
        live_outputs: l.outputs.clone(),
        payload: None,
        protect: l.protect,
        drift: false,
        adopt: false,
    }
}

fn protection_errors(changes: &[Change], live: &LiveState, allowed: bool) -> Vec<Diagnostic> {
    if allowed {
        return Vec::new();
    }
    changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::Replace) && c.covered_by.is_none() && !c.id.ends_with(OLD))
        .filter(|c| c.protect || live.resources.get(&c.id).is_some_and(|l| l.protect))
        .map(|c| {
            Diagnostic::error("protected", format!("refusing to {} protected {} ({})", if c.action == Action::Delete { "delete" } else { "replace" }, c.id, c.name))
                .hint("protection is on by default for environment prod; pass --allow-destroy-protected if you mean it, or set `protect: false` and apply first")
        })
        .collect()
}

fn link_waits(changes: &mut [Change], desired: &[Resource], live: &LiveState) {
    let active: BTreeMap<String, Action> = changes
        .iter()
        .filter(|c| c.action != Action::Noop && c.covered_by.is_none())
        .map(|c| (c.id.clone(), c.action))
        .collect();
    let desired_deps: BTreeMap<&str, BTreeSet<String>> = desired
        .iter()
        .map(|r| (r.id.as_str(), r.all_deps()))
        .collect();
    for c in changes.iter_mut() {
        if c.action == Action::Noop || c.covered_by.is_some() {
            continue;
        }
        if c.action == Action::Delete {
            // Whatever refers to me in the live state changes first.
            // So does whatever the stack wants to refer to its replacement.
            let live_id = c.id.trim_end_matches(OLD);
            let live_users = live
                .resources
                .values()
                .filter(|l| l.deps.contains(live_id))
                .map(|l| &l.id);
            let desired_users = desired_deps
                .iter()
                .filter(|(_, deps)| deps.contains(live_id))
                .map(|(id, _)| *id);
            let users: BTreeSet<String> = live_users
                .cloned()
                .chain(desired_users.map(str::to_string))
                .collect();
            for u in users {
                if u != c.id && active.contains_key(&u) {
                    c.waits_for.insert(u);
                }
            }
        } else {
            for dep in desired_deps.get(c.id.as_str()).into_iter().flatten() {
                if active.get(dep).is_some_and(|a| *a != Action::Delete) {
                    c.waits_for.insert(dep.clone());
                }
            }
        }
    }
}

/// Topological order by `waits_for`; ties by kind then id so plans read the same every time.
fn order(changes: Vec<Change>) -> Vec<Change> {
    let mut remaining: Vec<Change> = changes;
    remaining.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let before = remaining.len();
        let mut i = 0;
        while i < remaining.len() {
            if remaining[i].waits_for.iter().all(|w| done.contains(w)) {
                let c = remaining.remove(i);
                done.insert(c.id.clone());
                out.push(c);
            } else {
                i += 1;
            }
        }
        if remaining.len() == before {
            // A loop (`plan` reports it from `cycles`): keep every change, in id order.
            out.append(&mut remaining);
        }
    }
    out
}

fn topo_sort(resources: &[Resource]) -> Vec<&Resource> {
    let by_id: BTreeMap<&str, &Resource> = resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    fn visit<'a>(
        r: &'a Resource,
        by_id: &BTreeMap<&str, &'a Resource>,
        seen: &mut BTreeSet<String>,
        out: &mut Vec<&'a Resource>,
    ) {
        if !seen.insert(r.id.clone()) {
            return;
        }
        for d in r.all_deps() {
            if let Some(dep) = by_id.get(d.as_str()) {
                visit(dep, by_id, seen, out);
            }
        }
        out.push(r);
    }
    for r in resources {
        visit(r, &by_id, &mut seen, &mut out);
    }
    out
}

fn key_part(k: &str) -> String {
    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        format!(".{k}")
    } else {
        format!("[{}]", json!(k))
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Equal as AWS means it: 100 == 100.0, absent == empty, unreadable matches anything.
pub fn same(live: &Value, want: &Value) -> bool {
    if live.as_str() == Some(UNREADABLE) {
        return true;
    }
    match (live, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) if is_empty(a) && is_empty(b) => true,
        (a, b) => a == b,
    }
}

pub fn diff_props(kind: Kind, live: &Props, want: &Props) -> Vec<AttrDiff> {
    let mut out = Vec::new();
    let keys: BTreeSet<&String> = live.keys().chain(want.keys()).collect();
    for key in keys {
        let (l, w) = (
            live.get(key).unwrap_or(&Value::Null),
            want.get(key).unwrap_or(&Value::Null),
        );
        let replace = kind.replace_keys().contains(&key.as_str());
        if w.is_null() && kind.spec().is_filled(key, l) {
            continue;
        }
        if kind.sparse_keys().contains(&key.as_str()) {
            sparse_diff(key, l, w, &mut out);
            continue;
        }
        let empty = Value::Object(Default::default());
        let fields = kind.spec().fields.contains(&key.as_str());
        let (l, w) = match (l.is_null(), w.is_null()) {
            (true, false) if fields => (&empty, w),
            (false, true) if fields => (l, &empty),
            _ => (l, w),
        };
        let mut leaves = Vec::new();
        pair_leaves(key, l, w, &mut leaves);
        for (leaf, a, b) in leaves {
            if is_unknown(b) || !same(a, b) {
                out.push(AttrDiff {
                    key: leaf,
                    before: a.clone(),
                    after: b.clone(),
                    forces_replace: replace,
                });
            }
        }
    }
    out
}

/// Walk both sides together down to their leaves. An object only one side has is one leaf,
/// so a removed dashboard widget reads as one line, not one per field.
fn pair_leaves<'a>(
    at: &str,
    live: &'a Value,
    want: &'a Value,
    out: &mut Vec<(String, &'a Value, &'a Value)>,
) {
    const NULL: &Value = &Value::Null;
    match (live, want) {
        (Value::Object(l), Value::Object(w)) if !l.is_empty() || !w.is_empty() => {
            let keys: BTreeSet<&String> = l.keys().chain(w.keys()).collect();
            for k in keys {
                let (a, b) = (l.get(k).unwrap_or(NULL), w.get(k).unwrap_or(NULL));
                pair_leaves(&format!("{at}{}", key_part(k)), a, b, out);
            }
        }
        _ => out.push((at.to_string(), live, want)),
    }
}

/// Compare only the fields the stack declares under each entry; an entry the stack dropped
/// is shown as removed.
fn sparse_diff(key: &str, live: &Value, want: &Value, out: &mut Vec<AttrDiff>) {
    let empty = serde_json::Map::new();
    let (l, w) = (
        live.as_object().unwrap_or(&empty),
        want.as_object().unwrap_or(&empty),
    );
    let entries: BTreeSet<&String> = l.keys().chain(w.keys()).collect();
    for e in entries {
        let at = format!("{key}{}", key_part(e));
        match (l.get(e), w.get(e)) {
            (Some(lv), None) => out.push(AttrDiff {
                key: at,
                before: lv.clone(),
                after: Value::Null,
                forces_replace: false,
            }),
            (lv, Some(wv)) => {
                for (field, b) in wv.as_object().unwrap_or(&empty) {
                    let a = lv.and_then(|x| x.get(field)).unwrap_or(&Value::Null);
                    if !same(a, b) {
                        out.push(AttrDiff {
                            key: format!("{at}.{field}"),
                            before: a.clone(),
                            after: b.clone(),
                            forces_replace: false,
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every live deployment carries this fingerprint: a change to its bytes redeploys every
    /// API once, so it is pinned.
    #[test]
    fn the_deployment_fingerprint_is_stable() {
        let doc = json!({
            "openapi": "3.0.3",
            "paths": {"/b": {"get": {"x-amazon-apigateway-integration": {"type": "MOCK"}}},
                      "/a": {"post": {"x-amazon-apigateway-integration":
                          {"type": "HTTP_PROXY", "httpMethod": "POST", "uri": "http://x/a"}}}},
            "x-amazon-apigateway-binary-media-types": ["image/png"],
        });
        let fp = fingerprint(&doc);
        let bytes = crate::util::canonical_json(&crate::model::desire::deployed(&doc));
        assert_eq!(
            fp,
            format!("sha256:{}", crate::util::sha256_hex(bytes.as_bytes()))
        );
        assert_eq!(
            fp,
            "sha256:077b30f466b300de9e6ee2ffb0585366a98acb149e3fa938fa08a719cbdab2ea"
        );
    }

    #[test]
    fn a_create_holds_no_diffs_until_the_json_plan_fills_them_in() {
        let r = Resource::new("route.main.GET /a".into(), Kind::Route, "GET /a".into())
            .prop(
                "integration",
                json!({"type": "HTTP_PROXY", "uri": "http://a", "timeout_ms": 29000}),
            )
            .prop("authorization_type", "NONE");
        let live = LiveState::default();
        let mut p = plan(PlanInput {
            stack: "s",
            environment: "dev",
            region: "us-east-1",
            desired: vec![r],
            fingerprints: BTreeMap::new(),
            live: &live,
            allow_destroy_protected: false,
        })
        .unwrap();
        assert_eq!(p.changes[0].action, Action::Create);
        assert!(p.changes[0].diffs.is_empty());
        fill_create_diffs(&mut p);
        let keys: Vec<&str> = p.changes[0].diffs.iter().map(|d| d.key.as_str()).collect();
        assert_eq!(keys, ["authorization_type", "integration"]);
        assert!(p.changes[0].diffs.iter().all(|d| d.before.is_null()));
    }

    #[test]
    fn diff_is_per_leaf_and_numbers_compare_by_value() {
        let live: Props = [(
            "integration".to_string(),
            json!({"uri": "http://a", "timeout_ms": 29000.0}),
        )]
        .into();
        let want: Props = [(
            "integration".to_string(),
            json!({"uri": "http://b", "timeout_ms": 29000}),
        )]
        .into();
        let d = diff_props(Kind::Route, &live, &want);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].key, "integration.uri");
    }

    #[test]
    fn a_value_a_ground_fills_in_is_no_change_only_where_the_stack_says_nothing() {
        let live = |ttl: i64| -> Props { [("ttl_seconds".to_string(), json!(ttl))].into() };
        let want = |ttl: Value| -> Props { [("ttl_seconds".to_string(), ttl)].into() };
        assert!(diff_props(Kind::Authorizer, &live(300), &want(Value::Null)).is_empty());
        assert_eq!(
            diff_props(Kind::Authorizer, &live(60), &want(Value::Null)).len(),
            1
        );
        assert_eq!(
            diff_props(Kind::Authorizer, &live(300), &want(json!(60))).len(),
            1
        );
    }

    #[test]
    fn sparse_settings_ignore_undeclared_fields() {
        let live: Props = [("method_settings".to_string(), json!({"*/*": {"metrics": true, "cache_ttl_seconds": 300}, "x/GET": {"metrics": false}}))].into();
        let want: Props = [(
            "method_settings".to_string(),
            json!({"*/*": {"metrics": true}}),
        )]
        .into();
        let d = diff_props(Kind::Stage, &live, &want);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].key, "method_settings[\"x/GET\"]");
        assert_eq!(d[0].after, Value::Null);
    }

    #[test]
    fn unreadable_live_values_are_not_drift() {
        let live: Props = [(
            "integration".to_string(),
            json!({"connection_id": UNREADABLE}),
        )]
        .into();
        let want: Props = [("integration".to_string(), json!({"connection_id": "abc"}))].into();
        assert!(diff_props(Kind::Route, &live, &want).is_empty());
    }
}
