//! Carry out a plan: walk the changes as a graph with bounded concurrency; each change
//! starts once what it waits for is done. A failure stops its dependents only; the rest go
//! on, and the report says what was done and that `apply` again converges.

pub mod bulk;
pub mod bulk_write;

use crate::model::{is_unknown, resolve, resolve_props, Kind, Outputs};
use crate::plan::diff::fingerprint;
use crate::plan::{Action, Change, Plan};
use crate::providers::aws::{Aws, AwsError, WaitHook};
use crate::providers::kit::Out;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the engine tells the user interface; the engine itself never prints.
pub trait Reporter: Send + Sync {
    fn started(&self, change: &Change);
    fn finished(&self, change: &Change, outcome: &Result<(), String>, elapsed: Duration);
    /// A change is waiting on AWS (a certificate being validated): what, how long, limit.
    fn waiting(&self, _change: &Change, _what: &str, _elapsed: Duration, _limit: Duration) {}
    /// A line about the apply as a whole (the bulk path's steps).
    fn note(&self, _line: &str) {}
}

/// What the executor needs of AWS: carry out one change. `Aws` is the real one; the
/// executor's unit tests use a fake that records the order of calls.
pub trait Provider: Clone + Send + Sync + 'static {
    /// A copy that tells `hook` how a long wait of the change it is given goes.
    fn watching(&self, hook: WaitHook) -> Self;
    /// Carry out one change (refs resolved); the resource's outputs afterwards.
    fn apply(
        &self,
        change: Change,
        outputs: Outputs,
        owner: String,
    ) -> impl Future<Output = Result<Out, AwsError>> + Send;
}

impl Provider for Aws {
    fn watching(&self, hook: WaitHook) -> Self {
        let mut aws = self.clone();
        aws.on_wait = Some(hook);
        aws
    }
    fn apply(
        &self,
        change: Change,
        outputs: Outputs,
        owner: String,
    ) -> impl Future<Output = Result<Out, AwsError>> + Send {
        let aws = self.clone();
        async move { crate::providers::apply(&aws, &change, &outputs, &owner).await }
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub done: Vec<String>,
    pub failed: Vec<(String, String)>,
    /// Not started because something they wait for failed or was deferred.
    pub skipped: Vec<String>,
    /// Left for a later apply on purpose (`--no-wait`), with why.
    pub deferred: Vec<(String, String)>,
    /// AWS ids known at the end: the plan's and those of what was created.
    pub outputs: Outputs,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && self.deferred.is_empty()
    }
    /// Nothing failed; some changes were only put off.
    pub fn only_deferred(&self) -> bool {
        self.failed.is_empty() && !self.deferred.is_empty()
    }
}

pub async fn execute<P: Provider>(
    provider: &P,
    plan: &Plan,
    owner: &str,
    reporter: Arc<dyn Reporter>,
    concurrency: usize,
) -> Report {
    let mut outputs: Outputs = plan.outputs.clone();
    let mut pending: Vec<Change> = plan
        .pending()
        .filter(|c| c.covered_by.is_none())
        .cloned()
        .collect();
    let covered: Vec<String> = plan
        .pending()
        .filter(|c| c.covered_by.is_some())
        .map(|c| c.id.clone())
        .collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut report = Report::default();
    let mut running = tokio::task::JoinSet::new();
    // Which change each task carries out, so a task that panics is still named.
    let mut tasks: BTreeMap<tokio::task::Id, String> = BTreeMap::new();
    let owner = owner.to_string();
    loop {
        // Anything waiting on a failure will not run.
        let mut i = 0;
        while i < pending.len() {
            if pending[i].waits_for.iter().any(|w| failed.contains(w)) {
                let c = pending.remove(i);
                failed.insert(c.id.clone());
                report.skipped.push(c.id);
            } else {
                i += 1;
            }
        }
        while running.len() < concurrency {
            let Some(pos) = pending
                .iter()
                .position(|c| c.waits_for.iter().all(|w| done.contains(w)))
            else {
                break;
            };
            let change = prepare(pending.remove(pos), &outputs);
            let (outs, owner, reporter) = (outputs.clone(), owner.clone(), reporter.clone());
            let provider = match &change {
                Ok(c) => {
                    let (r, c) = (reporter.clone(), c.clone());
                    provider.watching(Arc::new(move |what: &str, elapsed, limit| {
                        r.waiting(&c, what, elapsed, limit)
                    }))
                }
                Err(_) => provider.clone(),
            };
            let id = match &change {
                Ok(c) => c.id.clone(),
                Err(b) => b.0.id.clone(),
            };
            let handle = running.spawn(async move {
                reporter.started(match &change {
                    Ok(c) => c,
                    Err(b) => &b.0,
                });
                let t0 = Instant::now();
                let result = match &change {
                    Err(b) => Err((b.0.clone(), b.1.clone(), false)),
                    Ok(c) => provider
                        .apply(c.clone(), outs, owner)
                        .await
                        .map(|o| (c.clone(), o))
                        .map_err(|e| {
                            let deferred = matches!(e, AwsError::Deferred(_));
                            (c.clone(), e.to_string(), deferred)
                        }),
                };
                let (c, outcome) = match &result {
                    Ok((c, _)) => (c, Ok(())),
                    Err((c, e, true)) => (c, Err(format!("deferred: {e}"))),
                    Err((c, e, false)) => (c, Err(e.clone())),
                };
                reporter.finished(c, &outcome, t0.elapsed());
                result
            });
            tasks.insert(handle.id(), id);
        }
        let Some(joined) = running.join_next_with_id().await else {
            break;
        };
        match joined {
            Ok((_, Ok((c, outs)))) => {
                if c.action != Action::Delete {
                    let mut merged = outputs.get(&c.id).cloned().unwrap_or_default();
                    merged.extend(outs);
                    outputs.insert(c.id.clone(), merged);
                }
                done.insert(c.id.clone());
                report.done.push(c.id);
            }
            Ok((_, Err((c, e, deferred)))) => {
                failed.insert(c.id.clone());
                if deferred {
                    report.deferred.push((c.id, e));
                } else {
                    report.failed.push((c.id, e));
                }
            }
            Err(join) => {
                let id = tasks.remove(&join.id()).unwrap_or_else(|| "(task)".into());
                failed.insert(id.clone());
                report
                    .failed
                    .push((id, format!("the change's task ended: {join}")));
            }
        }
    }
    // Nothing runs any more: whatever is still pending waits on something that never will.
    for c in pending {
        report.skipped.push(c.id);
    }
    if report.ok() {
        report.done.extend(covered);
    }
    report.outputs = outputs;
    report
}

/// Fill in refs now known; a deployment computes its fingerprint from the resolved document.
fn prepare(mut c: Change, outputs: &Outputs) -> Result<Change, Box<(Change, String)>> {
    if let Some(after) = &c.after {
        c.after = Some(resolve_props(after, outputs));
    }
    if c.kind == Kind::Deployment && c.action != Action::Delete {
        let doc = c
            .payload
            .as_ref()
            .and_then(|p| p.get("document"))
            .map(|d| resolve(d, outputs))
            .unwrap_or(Value::Null);
        if is_unknown(&doc) {
            return Err(Box::new((
                c,
                "the document still names resources that do not exist".into(),
            )));
        }
        let fp = fingerprint(&doc);
        c.after = Some(BTreeMap::from([(
            "fingerprint".to_string(),
            Value::String(fp),
        )]));
    }
    if let Some(after) = &c.after {
        if after.values().any(is_unknown) {
            let missing: Vec<String> = after
                .values()
                .flat_map(crate::model::refs)
                .map(|(id, attr)| format!("{id}.{attr}"))
                .collect();
            return Err(Box::new((
                c,
                format!("depends on {} which is not available", missing.join(", ")),
            )));
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests;
