//! Carry out a plan: walk the changes as a graph with bounded concurrency; each change
//! starts once what it waits for is done. A failure stops its dependents only; the rest go
//! on, and the report says what was done and that `apply` again converges.

pub mod bulk;
pub mod bulk_write;
pub mod verify;

use crate::model::kinds::{Deployment, Typed};
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

/// Carry out the plan's changes. It is taken whole: each change moves into the walk, not a
/// copy of it beside the plan (a first apply of a large API held both).
pub async fn execute<P: Provider>(
    provider: &P,
    plan: Plan,
    owner: &str,
    reporter: Arc<dyn Reporter>,
    concurrency: usize,
) -> Report {
    let (pending, covered): (Vec<Change>, Vec<Change>) = plan
        .changes
        .into_iter()
        .filter(|c| c.action != Action::Noop)
        .partition(|c| c.covered_by.is_none());
    let waits = pending
        .iter()
        .map(|c| {
            let w = c.waits_for.iter().chain(&c.parent).cloned().collect();
            (c.id.clone(), w)
        })
        .collect();
    let mut walk = Walk {
        live: plan.outputs.clone(),
        outputs: plan.outputs,
        waits,
        pending,
        done: BTreeSet::new(),
        failed: BTreeSet::new(),
        failed_seen: 0,
        report: Report::default(),
        running: tokio::task::JoinSet::new(),
        tasks: BTreeMap::new(),
    };
    loop {
        walk.skip_blocked();
        while walk.running.len() < concurrency && walk.start_next(provider, owner, &reporter) {}
        let Some(joined) = walk.running.join_next_with_id().await else {
            break;
        };
        walk.settle(joined);
    }
    let mut report = walk.report;
    // Nothing runs any more: whatever is still pending waits on something that never will.
    report
        .skipped
        .extend(walk.pending.into_iter().map(|c| c.id));
    if report.ok() {
        report.done.extend(covered.into_iter().map(|c| c.id));
    }
    report.outputs = walk.outputs;
    report
}

/// What a change's task ends with: the change and its outputs, or the change, the error and
/// whether it was only deferred.
type TaskResult = Result<(Change, Out), (Change, String, bool)>;

/// The state of one apply's walk through the plan's graph.
struct Walk {
    /// The AWS ids of what was live when the plan was made.
    live: Outputs,
    /// Those and the ids of what this walk made.
    outputs: Outputs,
    /// What each change waits for, and its parent.
    waits: BTreeMap<String, Vec<String>>,
    pending: Vec<Change>,
    done: BTreeSet<String>,
    /// Failed, deferred or skipped: what waits on these will not run.
    failed: BTreeSet<String>,
    /// How many of `failed` the last `skip_blocked` saw.
    failed_seen: usize,
    report: Report,
    running: tokio::task::JoinSet<TaskResult>,
    /// Which change each task carries out, so a task that panics is still named.
    tasks: BTreeMap<tokio::task::Id, String>,
}

impl Walk {
    /// Anything waiting on a failure (or on what that skips, and so on) will not run.
    fn skip_blocked(&mut self) {
        loop {
            // Nothing failed since the last look: nothing new is blocked.
            if self.failed.len() == self.failed_seen {
                return;
            }
            self.failed_seen = self.failed.len();
            let failed = &self.failed;
            let (blocked, rest): (Vec<Change>, Vec<Change>) = std::mem::take(&mut self.pending)
                .into_iter()
                .partition(|c| c.waits_for.iter().any(|w| failed.contains(w)));
            self.pending = rest;
            if blocked.is_empty() {
                return;
            }
            for c in blocked {
                self.failed.insert(c.id.clone());
                self.report.skipped.push(c.id);
            }
        }
    }

    /// Start the first pending change whose waits are all done; false when there is none.
    fn start_next<P: Provider>(
        &mut self,
        provider: &P,
        owner: &str,
        reporter: &Arc<dyn Reporter>,
    ) -> bool {
        let done = &self.done;
        let Some(pos) = self
            .pending
            .iter()
            .position(|c| c.waits_for.iter().all(|w| done.contains(w)))
        else {
            return false;
        };
        let change = prepare(self.pending.remove(pos), &self.outputs);
        let id = match &change {
            Ok(c) => c.id.clone(),
            Err(b) => b.0.id.clone(),
        };
        let provider = match &change {
            Ok(c) => {
                let (r, c) = (reporter.clone(), c.clone());
                provider.watching(Arc::new(move |what: &str, elapsed, limit| {
                    r.waiting(&c, what, elapsed, limit)
                }))
            }
            Err(_) => provider.clone(),
        };
        let outputs = self.outputs_for(&id);
        let task = run(
            provider,
            change,
            outputs,
            owner.to_string(),
            reporter.clone(),
        );
        let handle = self.running.spawn(task);
        self.tasks.insert(handle.id(), id);
        true
    }

    /// What a change may look up: the ids of what was live, and of what it waits for
    /// (directly or not) or belongs to, as this walk made them; what else this walk made it
    /// cannot count on, as it may not exist yet. Not a copy of every id made so far: that
    /// was most of the CPU of a first apply of a large API, route by route.
    fn outputs_for(&self, id: &str) -> Outputs {
        let mut out = self.live.clone();
        let mut seen = BTreeSet::new();
        let mut next = vec![id];
        while let Some(id) = next.pop() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(o) = self.outputs.get(id) {
                out.insert(id.to_string(), o.clone());
            }
            next.extend(self.waits.get(id).into_iter().flatten().map(String::as_str));
        }
        out
    }

    /// Take in what a finished task says.
    fn settle(&mut self, joined: Result<(tokio::task::Id, TaskResult), tokio::task::JoinError>) {
        match joined {
            Ok((_, Ok((c, outs)))) => {
                if c.action != Action::Delete {
                    let mut merged = self.outputs.get(&c.id).cloned().unwrap_or_default();
                    merged.extend(outs);
                    self.outputs.insert(c.id.clone(), merged);
                }
                self.done.insert(c.id.clone());
                self.report.done.push(c.id);
            }
            Ok((_, Err((c, e, deferred)))) => {
                self.failed.insert(c.id.clone());
                if deferred {
                    self.report.deferred.push((c.id, e));
                } else {
                    self.report.failed.push((c.id, e));
                }
            }
            Err(join) => {
                let id = self
                    .tasks
                    .remove(&join.id())
                    .unwrap_or_else(|| "(task)".into());
                self.failed.insert(id.clone());
                self.report
                    .failed
                    .push((id, format!("the change's task ended: {join}")));
            }
        }
    }
}

/// One change's task: carry it out (or report why it could not be prepared), telling the
/// reporter when it starts and ends.
async fn run<P: Provider>(
    provider: P,
    change: Result<Change, Box<(Change, String)>>,
    outs: Outputs,
    owner: String,
    reporter: Arc<dyn Reporter>,
) -> TaskResult {
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
        c.after = Some(Deployment { fingerprint: fp }.to_props());
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
