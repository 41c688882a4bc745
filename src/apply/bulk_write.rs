//! The bulk path's writes (the cost model in `bulk.rs` chose it): first what the documents
//! need (new REST APIs, the VPC links they name), change by change, then one PutRestApi per
//! chosen API. What the import did not carry is left to a fresh read and plan (the caller's
//! repair). Everything the user should see goes through the Reporter.

use super::bulk::{import_body, seconds, thousands, Estimate};
use super::{execute, Reporter};
use crate::model::{is_unknown, refs, resolve_in_place, Kind};
use crate::plan::{Action, Change, Plan};
use crate::providers::apigateway::write::{delete_rest_api_id, put_rest_api};
use crate::providers::aws::Aws;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Carry out what the documents need, then PutRestApi each; returns the APIs written. A
/// failure is reported and leaves the API to the per-route repair.
pub async fn write_documents(
    aws: &Aws,
    owner: &str,
    p: Plan,
    chosen: &[Estimate],
    mut docs: IndexMap<String, Value>,
    reporter: Arc<dyn Reporter>,
    concurrency: usize,
) -> Vec<String> {
    let bulk: Vec<&Estimate> = chosen.iter().filter(|e| e.bulk).collect();
    let first = needed_first(&p, &bulk, &docs);
    // APIs this apply creates: a failed import may leave one broken (moto drops its root
    // resource), and nothing of the user's is in it yet, so it can be made again.
    let created: BTreeSet<String> = p
        .pending()
        .filter(|c| c.kind == Kind::RestApi && c.action == Action::Create)
        .map(|c| c.id.clone())
        .collect();
    let mut outputs = p.outputs.clone();
    let mut pre = p;
    pre.changes.retain(|c| first.contains(&c.id));
    if !first.is_empty() {
        for c in &mut pre.changes {
            c.waits_for.retain(|w| first.contains(w));
        }
        let n = pre.changes.len();
        reporter.note(&format!("bulk: first {n} change(s) the document(s) need:"));
        let report = execute(aws, pre, owner, reporter.clone(), concurrency).await;
        if !report.ok() {
            for (id, e) in report.failed.iter().chain(report.deferred.iter()) {
                reporter.note(&format!("bulk: {id} failed: {e}"));
            }
            return Vec::new();
        }
        outputs = report.outputs;
    }
    let mut written: Vec<String> = Vec::new();
    // Each document is taken, filled in and turned into its import body in place: at 1,000
    // operations a copy is tens of MB.
    for e in bulk {
        let Some(mut doc) = docs.shift_remove(&e.key) else {
            continue;
        };
        resolve_in_place(&mut doc, &outputs);
        let api_id = outputs.get(&e.api).and_then(|o| o.get("id")).cloned();
        let (Some(api_id), false) = (api_id, is_unknown(&doc)) else {
            reporter.note(&format!("bulk: {} skipped: its document still names resources that do not exist; writing it per route", e.api));
            continue;
        };
        match put_rest_api(aws, &api_id, &import_body(doc, &e.key)).await {
            Ok(()) => {
                reporter.note(&format!(
                    "bulk: PutRestApi {} (1 call instead of ~{} per-route calls, est. {} → {})",
                    e.api,
                    thousands(e.granular_calls),
                    seconds(e.granular_s),
                    seconds(e.bulk_s)
                ));
                written.push(e.api.clone());
            }
            Err(err) => {
                reporter.note(&format!(
                    "bulk: PutRestApi {} failed ({err}); writing it per route from a fresh read instead",
                    e.api
                ));
                if created.contains(&e.api) {
                    remake(aws, &e.api, &api_id, reporter.as_ref()).await;
                }
            }
        }
    }
    written
}

/// Deletes an API this apply created whose import failed: what the failed import left of it
/// is unknown (moto leaves it without its root resource, and every path under it then fails
/// "Invalid resource identifier"). The fresh read no longer finds it, so the per-route
/// repair creates it again from nothing.
async fn remake(aws: &Aws, api: &str, api_id: &str, reporter: &dyn Reporter) {
    match delete_rest_api_id(aws, api_id).await {
        Ok(_) => reporter.note(&format!(
            "bulk: {api} was created by this apply; what the failed import left of it is deleted, and it is made again per route"
        )),
        Err(e) => reporter.note(&format!("bulk: {api}: could not delete what the failed import left ({e}); the repair writes into it")),
    }
}

/// The pending creates and updates the chosen APIs' documents need, with what they wait for.
fn needed_first(p: &Plan, bulk: &[&Estimate], docs: &IndexMap<String, Value>) -> BTreeSet<String> {
    let mut need: BTreeSet<String> = BTreeSet::new();
    for e in bulk {
        need.insert(e.api.clone());
        if let Some(doc) = docs.get(&e.key) {
            need.extend(
                refs(doc)
                    .into_iter()
                    .map(|(id, _)| id)
                    .filter(|id| id.starts_with("vpc_link.")),
            );
        }
    }
    let pending: BTreeMap<&str, &Change> = p
        .pending()
        .filter(|c| c.action != Action::Delete && c.covered_by.is_none())
        .map(|c| (c.id.as_str(), c))
        .collect();
    let mut first: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = need.into_iter().collect();
    while let Some(id) = todo.pop() {
        if let Some(c) = pending.get(id.as_str()) {
            if first.insert(id.clone()) {
                todo.extend(c.waits_for.iter().cloned());
            }
        }
    }
    first
}
