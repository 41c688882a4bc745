//! The executor against a fake provider: order, failures, outputs, deferrals, panics.

use super::*;
use crate::model::ref_placeholder;
use serde_json::json;
use std::sync::Mutex;

/// Records what it was asked to do; fails, defers or panics on the ids it is told to.
#[derive(Clone, Default)]
struct Fake {
    log: Arc<Mutex<Vec<String>>>,
    /// The outputs each change was given, by id.
    outputs: Arc<Mutex<Vec<String>>>,
    fail: BTreeSet<String>,
    defer: BTreeSet<String>,
    panic: BTreeSet<String>,
}

impl Provider for Fake {
    fn watching(&self, _hook: WaitHook) -> Self {
        self.clone()
    }
    fn apply(
        &self,
        change: Change,
        outputs: Outputs,
        _owner: String,
    ) -> impl Future<Output = Result<Out, AwsError>> + Send {
        let me = self.clone();
        async move {
            let ids: Vec<&String> = outputs.keys().collect();
            me.outputs
                .lock()
                .unwrap()
                .push(format!("{}: {ids:?}", change.id));
            let seen = change
                .after
                .as_ref()
                .and_then(|a| a.get("target"))
                .and_then(Value::as_str)
                .map(|t| format!(" target={t}"))
                .unwrap_or_default();
            me.log
                .lock()
                .unwrap()
                .push(format!("start {}{seen}", change.id));
            // Let other tasks run in between, as a real call would.
            for _ in 0..3 {
                tokio::task::yield_now().await;
            }
            if me.panic.contains(&change.id) {
                panic!("provider bug");
            }
            me.log.lock().unwrap().push(format!("end {}", change.id));
            if me.fail.contains(&change.id) {
                return Err(AwsError::Service {
                    op: "Put".into(),
                    code: "BadRequestException".into(),
                    message: "no".into(),
                });
            }
            if me.defer.contains(&change.id) {
                return Err(AwsError::Deferred("certificate pending".into()));
            }
            Ok([("id".to_string(), format!("aws-{}", change.id))].into())
        }
    }
}

struct Quiet;
impl Reporter for Quiet {
    fn started(&self, _: &Change) {}
    fn finished(&self, _: &Change, _: &Result<(), String>, _: Duration) {}
}

fn create(id: &str, waits_for: &[&str]) -> Change {
    Change {
        id: id.into(),
        kind: Kind::Route,
        name: id.into(),
        action: Action::Create,
        before: None,
        after: Some(BTreeMap::new()),
        diffs: Vec::new(),
        waits_for: waits_for.iter().map(|w| w.to_string()).collect(),
        parent: None,
        covered_by: None,
        live_outputs: BTreeMap::new(),
        payload: None,
        protect: false,
        drift: false,
        adopt: false,
    }
}

fn plan(changes: Vec<Change>) -> Plan {
    Plan::of(changes)
}

fn run(fake: &Fake, p: &Plan, concurrency: usize) -> Report {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(execute(
        fake,
        p.clone(),
        "s/dev",
        Arc::new(Quiet),
        concurrency,
    ))
}

fn position(log: &[String], line: &str) -> usize {
    log.iter()
        .position(|l| l == line)
        .unwrap_or_else(|| panic!("{line} not in {log:#?}"))
}

#[test]
fn a_change_starts_only_after_what_it_waits_for_has_finished() {
    let fake = Fake::default();
    let p = plan(vec![
        create("b", &["a"]),
        create("a", &[]),
        create("c", &["b"]),
        create("x", &[]),
    ]);
    let report = run(&fake, &p, 4);
    assert!(report.ok(), "{report:?}");
    let log = fake.log.lock().unwrap().clone();
    assert!(
        position(&log, "end a") < position(&log, "start b"),
        "{log:#?}"
    );
    assert!(
        position(&log, "end b") < position(&log, "start c"),
        "{log:#?}"
    );
    // Independent changes run side by side.
    assert!(
        position(&log, "start x") < position(&log, "end a"),
        "{log:#?}"
    );
}

#[test]
fn concurrency_bounds_how_many_run_at_once() {
    let fake = Fake::default();
    let p = plan((0..6).map(|i| create(&format!("r{i}"), &[])).collect());
    run(&fake, &p, 2);
    let log = fake.log.lock().unwrap().clone();
    let mut open = 0i32;
    for line in &log {
        open += if line.starts_with("start") { 1 } else { -1 };
        assert!(open <= 2, "{log:#?}");
    }
}

#[test]
fn outputs_of_a_finished_change_fill_the_refs_of_the_next() {
    let fake = Fake::default();
    let mut b = create("b", &["a"]);
    b.after = Some([("target".to_string(), json!(ref_placeholder("a", "id")))].into());
    let report = run(&fake, &plan(vec![create("a", &[]), b]), 4);
    assert!(report.ok(), "{report:?}");
    let log = fake.log.lock().unwrap().clone();
    assert!(
        log.contains(&"start b target=aws-a".to_string()),
        "{log:#?}"
    );
    assert_eq!(report.outputs["b"]["id"], "aws-b");
}

#[test]
fn a_failure_stops_its_dependents_only_and_they_are_listed_by_id() {
    let fake = Fake {
        fail: ["a".to_string()].into(),
        ..Fake::default()
    };
    let p = plan(vec![
        create("a", &[]),
        create("b", &["a"]),
        create("c", &["b"]),
        create("d", &[]),
    ]);
    let report = run(&fake, &p, 1);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "a");
    assert!(
        report.failed[0].1.contains("BadRequestException"),
        "{report:?}"
    );
    let mut skipped = report.skipped.clone();
    skipped.sort();
    assert_eq!(skipped, vec!["b", "c"]);
    assert_eq!(report.done, vec!["d"]);
    assert!(!report.ok());
}

#[test]
fn a_deferred_change_defers_its_dependents_without_failing() {
    let fake = Fake {
        defer: ["certificate".to_string()].into(),
        ..Fake::default()
    };
    let p = plan(vec![
        create("certificate", &[]),
        create("domain", &["certificate"]),
    ]);
    let report = run(&fake, &p, 2);
    assert!(report.only_deferred(), "{report:?}");
    assert_eq!(report.skipped, vec!["domain"]);
}

#[test]
fn a_panicking_change_is_named_and_its_dependents_skipped() {
    let fake = Fake {
        panic: ["a".to_string()].into(),
        ..Fake::default()
    };
    let report = run(&fake, &plan(vec![create("a", &[]), create("b", &["a"])]), 2);
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert_eq!(report.failed[0].0, "a");
    assert_eq!(report.skipped, vec!["b"]);
}

#[test]
fn a_change_waiting_for_something_never_run_is_skipped_not_dropped() {
    let fake = Fake::default();
    let report = run(&fake, &plan(vec![create("a", &["missing"])]), 2);
    assert_eq!(report.skipped, vec!["a"]);
    assert!(!report.ok());
}

#[test]
fn changes_covered_by_a_delete_count_as_done_only_when_all_went_well() {
    let mut route = create("route.main.GET /", &[]);
    route.action = Action::Delete;
    route.before = Some(BTreeMap::new());
    route.after = None;
    route.covered_by = Some("rest_api.main".into());
    let mut api = create("rest_api.main", &[]);
    api.action = Action::Delete;
    api.before = Some(BTreeMap::new());
    api.after = None;
    let fake = Fake::default();
    let report = run(&fake, &plan(vec![api.clone(), route.clone()]), 2);
    assert_eq!(report.done, vec!["rest_api.main", "route.main.GET /"]);
    let log = fake.log.lock().unwrap().clone();
    assert!(
        !log.iter().any(|l| l.contains("GET /")),
        "covered: no call {log:#?}"
    );
    let failing = Fake {
        fail: ["rest_api.main".to_string()].into(),
        ..Fake::default()
    };
    let report = run(&failing, &plan(vec![api, route]), 2);
    assert!(report.done.is_empty(), "{report:?}");
}

/// A change is given the ids of what was live and of what it waits for, directly or not, or
/// belongs to; not those of everything made so far.
#[test]
fn a_change_sees_the_ids_of_what_it_waits_for_and_what_was_live() {
    let fake = Fake::default();
    let mut p = plan(vec![
        create("api", &[]),
        create("path", &["api"]),
        create("route", &["path"]),
        create("other", &[]),
        create("child", &[]),
    ]);
    p.changes[4].parent = Some("api".into());
    p.outputs
        .insert("live".into(), [("id".to_string(), "l1".to_string())].into());
    let report = run(&fake, &p, 1);
    assert!(report.ok());
    let seen = fake.outputs.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            "api: [\"live\"]",
            "path: [\"api\", \"live\"]",
            "route: [\"api\", \"live\", \"path\"]",
            "other: [\"live\"]",
            "child: [\"api\", \"live\"]",
        ]
    );
}
