//! Issue 7: AWS's faults and limits. Duplicates left by a create that AWS carried out but
//! answered with an error; the example stack applied through 20 % injected faults
//! (scripts/quota_proxy.py); `apply` SIGKILLed at 20 points. Every check reads moto
//! directly, never through the proxy.

use crate::common;

use common::proxy::Proxy;
use common::stack::*;
use common::{cli, cli_env, run_killed_at, KillRun, Moto, Output};
use std::collections::BTreeMap;
use std::path::Path;

const PROD: &str = "stacks/idrv5/prod.yaml";
const TAG_ID: &str = "idrv5-gw:id";

fn tag(tags: Option<&std::collections::HashMap<String, String>>) -> String {
    tags.and_then(|t| t.get(TAG_ID))
        .cloned()
        .unwrap_or_else(|| "(untagged)".into())
}

/// Everything moto holds that the tool may have made, one line per item, read with the SDK
/// straight from moto. Owned or not: in these tests the tool is moto's only client, so an
/// untagged item would be an orphan. Items are named by tag or name, never by AWS id, so
/// two runs compare equal; a duplicate shows as a repeated line.
async fn inventory(moto: &Moto) -> Vec<String> {
    let mut out = Vec::new();
    let c = apigw(moto);
    for a in c.get_rest_apis().limit(500).send().await.unwrap().items() {
        let api = tag(a.tags());
        let id = a.id().unwrap();
        out.push(format!("rest_api {api} {}", a.name().unwrap_or_default()));
        let res = c
            .get_resources()
            .rest_api_id(id)
            .limit(500)
            .send()
            .await
            .unwrap();
        for r in res.items() {
            out.push(format!("path {api} {}", r.path().unwrap_or_default()));
        }
        let deps = c.get_deployments().rest_api_id(id).send().await.unwrap();
        let mut descriptions = BTreeMap::new();
        for d in deps.items() {
            out.push(format!("deployment {api}"));
            descriptions.insert(
                d.id().unwrap_or_default(),
                d.description().unwrap_or_default(),
            );
        }
        for s in c.get_stages().rest_api_id(id).send().await.unwrap().item() {
            let serves = descriptions
                .get(s.deployment_id().unwrap_or_default())
                .map(|d| d.starts_with("idrv5-gw sha256:"));
            out.push(format!(
                "stage {api} {} serves a managed deployment: {serves:?}",
                s.stage_name().unwrap_or_default()
            ));
        }
        let auths = c.get_authorizers().rest_api_id(id).send().await.unwrap();
        for x in auths.items() {
            out.push(format!("authorizer {api} {}", x.name().unwrap_or_default()));
        }
        let vals = c
            .get_request_validators()
            .rest_api_id(id)
            .send()
            .await
            .unwrap();
        for x in vals.items() {
            out.push(format!("validator {api} {}", x.name().unwrap_or_default()));
        }
        for m in c.get_models().rest_api_id(id).send().await.unwrap().items() {
            out.push(format!("model {api} {}", m.name().unwrap_or_default()));
        }
    }
    for l in c.get_vpc_links().limit(500).send().await.unwrap().items() {
        out.push(format!("vpc_link {}", tag(l.tags())));
    }
    let keys = c
        .get_api_keys()
        .limit(500)
        .send()
        .await
        .unwrap()
        .items()
        .to_vec();
    let key_tag: BTreeMap<String, String> = keys
        .iter()
        .map(|k| (k.id().unwrap_or_default().to_string(), tag(k.tags())))
        .collect();
    for k in &keys {
        out.push(format!("api_key {}", tag(k.tags())));
    }
    for p in c.get_usage_plans().limit(500).send().await.unwrap().items() {
        let plan = tag(p.tags());
        out.push(format!("usage_plan {plan} stages={}", p.api_stages().len()));
        let attached = c
            .get_usage_plan_keys()
            .usage_plan_id(p.id().unwrap())
            .send()
            .await
            .unwrap();
        for k in attached.items() {
            let key = key_tag.get(k.id().unwrap_or_default());
            out.push(format!("usage_plan_key {plan} {key:?}"));
        }
    }
    for d in c.get_domain_names().send().await.unwrap().items() {
        let name = d.domain_name().unwrap_or_default();
        out.push(format!("domain_name {name}"));
        let maps = c.get_base_path_mappings().domain_name(name).send().await;
        for m in maps.unwrap().items() {
            out.push(format!("base_path_mapping {name} {:?}", m.base_path()));
        }
    }
    for g in logs(moto)
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
    {
        out.push(format!(
            "log_group {}",
            g.log_group_name().unwrap_or_default()
        ));
    }
    let cw = cloudwatch(moto);
    for a in cw.describe_alarms().send().await.unwrap().metric_alarms() {
        out.push(format!("alarm {}", a.alarm_name().unwrap_or_default()));
    }
    for d in cw
        .list_dashboards()
        .send()
        .await
        .unwrap()
        .dashboard_entries()
    {
        out.push(format!(
            "dashboard {}",
            d.dashboard_name().unwrap_or_default()
        ));
    }
    let waf = wafv2(moto);
    let scope = aws_sdk_wafv2::types::Scope::Regional;
    let acls = waf
        .list_web_acls()
        .scope(scope.clone())
        .send()
        .await
        .unwrap();
    for a in acls.web_acls() {
        out.push(format!("web_acl {}", a.name().unwrap_or_default()));
    }
    let sets = waf.list_ip_sets().scope(scope).send().await.unwrap();
    for s in sets.ip_sets() {
        out.push(format!("ip_set {}", s.name().unwrap_or_default()));
    }
    let certs = acm(moto).list_certificates().send().await.unwrap();
    for s in certs.certificate_summary_list() {
        out.push(format!(
            "certificate {}",
            s.domain_name().unwrap_or_default()
        ));
    }
    out.sort();
    out
}

/// Lines that occur more than once.
fn repeated(inv: &[String]) -> Vec<(String, usize)> {
    let mut n: BTreeMap<&String, usize> = BTreeMap::new();
    for l in inv {
        *n.entry(l).or_default() += 1;
    }
    n.into_iter()
        .filter(|(_, c)| *c > 1)
        .map(|(l, c)| (l.clone(), c))
        .collect()
}

fn count(inv: &[String], prefix: &str) -> usize {
    inv.iter().filter(|l| l.starts_with(prefix)).count()
}

fn plan_json(moto: &Moto, dir: &Path, stack: &str) -> serde_json::Value {
    let out = cli(moto, dir, &["plan", "--stack", stack, "--json"]);
    assert_eq!(out.status, 0, "plan --json failed\n{out}");
    serde_json::from_str(&out.stdout).expect("plan JSON")
}

/// (id, action) of every change that does something.
fn pending(plan: &serde_json::Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] != "noop")
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn assert_no_changes(moto: &Moto, dir: &Path, stack: &str) {
    let out = cli(
        moto,
        dir,
        &["plan", "--stack", stack, "--detailed-exitcode"],
    );
    assert_eq!(out.status, 0, "the plan read from moto is not empty\n{out}");
    assert!(out.stdout.contains("No changes."), "{out}");
}

// ---- 1. duplicates are shown and deleted ----

#[test]
fn duplicates_of_owned_items_are_planned_for_deletion_and_apply_removes_them() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let clean = rt().block_on(inventory(&moto));
    assert_eq!(repeated(&clean), vec![], "{clean:#?}");
    // What a create retried after its answer was lost leaves: a second copy carrying the
    // same idrv5-gw tags.
    rt().block_on(async {
        let c = apigw(&moto);
        let plans = c.get_usage_plans().send().await.unwrap();
        let standard = plans
            .items()
            .iter()
            .find(|p| tag(p.tags()) == "usage_plan.standard")
            .expect("the standard plan");
        c.create_usage_plan()
            .name(standard.name().unwrap())
            .set_tags(standard.tags().cloned())
            .send()
            .await
            .unwrap();
        let keys = c.get_api_keys().send().await.unwrap();
        let partner = keys
            .items()
            .iter()
            .find(|k| tag(k.tags()) == "api_key.partner")
            .expect("the partner key");
        let dup_key = c
            .create_api_key()
            .name(partner.name().unwrap())
            .enabled(true)
            .set_tags(partner.tags().cloned())
            .send()
            .await
            .unwrap();
        // ... attached where the original is, as a retried CreateUsagePlanKey would.
        c.create_usage_plan_key()
            .usage_plan_id(standard.id().unwrap())
            .key_id(dup_key.id().unwrap())
            .key_type("API_KEY")
            .send()
            .await
            .unwrap();
        let api = owned_api(&c).await;
        let apis = c.get_rest_apis().send().await.unwrap();
        let main = apis.items().iter().find(|a| a.id() == Some(&api)).unwrap();
        c.create_rest_api()
            .name(main.name().unwrap())
            .set_tags(main.tags().cloned())
            .send()
            .await
            .unwrap();
        // A second deployment of the served document (a retried CreateDeployment).
        let deps = c.get_deployments().rest_api_id(&api).send().await.unwrap();
        let served = &deps.items()[0];
        c.create_deployment()
            .rest_api_id(&api)
            .description(served.description().unwrap())
            .send()
            .await
            .unwrap();
    });
    let with_dups = rt().block_on(inventory(&moto));
    assert_eq!(
        repeated(&with_dups)
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        [
            "api_key api_key.partner",
            "deployment rest_api.main",
            "path rest_api.main /",
            "rest_api rest_api.main idrv5-dev",
            "usage_plan_key usage_plan.standard Some(\"api_key.partner\")",
        ],
        "{with_dups:#?}"
    );

    let plan = plan_json(&moto, &dir, DEV);
    let changes = pending(&plan);
    let deletes: Vec<&str> = changes
        .iter()
        .filter(|(_, a)| a == "delete")
        .map(|(id, _)| id.as_str())
        .collect();
    for id in [
        "usage_plan.standard~dup2",
        "api_key.partner~dup2",
        "usage_plan_key.standard.partner~dup2",
        "rest_api.main~dup2",
    ] {
        assert!(deletes.contains(&id), "no delete of {id} in {changes:?}");
    }
    assert_eq!(
        deletes
            .iter()
            .filter(|id| id.starts_with("deployment.main@"))
            .count(),
        1,
        "the copy of the served deployment goes: {changes:?}"
    );
    assert!(
        changes.iter().all(|(_, a)| a == "delete"),
        "only the duplicates change: {changes:?}"
    );
    let human = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        human
            .stdout
            .contains("- usage_plan standard (duplicate of an owned one)"),
        "{human}"
    );

    apply_ok(&moto, &dir, DEV);
    assert_no_changes(&moto, &dir, DEV);
    let after = rt().block_on(inventory(&moto));
    assert_eq!(after, clean, "exactly the original items are left");
    let plan = plan_json(&moto, &dir, DEV);
    let ids: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|id| !id.contains("~dup")),
        "the live state read back holds one of each: {ids:?}"
    );
}

/// Of two copies of a usage plan, the one the partner key is attached to stays (it is the
/// one in use); the bare one is deleted, and the key is never detached on the way.
#[test]
fn of_two_copies_of_a_usage_plan_the_one_holding_the_key_is_kept() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let (original, copy) = rt().block_on(async {
        let c = apigw(&moto);
        let plans = c.get_usage_plans().send().await.unwrap();
        let standard = plans
            .items()
            .iter()
            .find(|p| tag(p.tags()) == "usage_plan.standard")
            .expect("the standard plan")
            .clone();
        let copy = c
            .create_usage_plan()
            .name(standard.name().unwrap())
            .set_api_stages(Some(standard.api_stages().to_vec()))
            .set_throttle(standard.throttle().cloned())
            .set_quota(standard.quota().cloned())
            .set_description(standard.description().map(str::to_string))
            .set_tags(standard.tags().cloned())
            .send()
            .await
            .unwrap();
        // The key moved to the copy, as a lost CreateUsagePlan then a CreateUsagePlanKey
        // on the second copy leave it.
        let held = c
            .get_usage_plan_keys()
            .usage_plan_id(standard.id().unwrap())
            .send()
            .await
            .unwrap();
        let key = held.items()[0].id().unwrap().to_string();
        c.delete_usage_plan_key()
            .usage_plan_id(standard.id().unwrap())
            .key_id(&key)
            .send()
            .await
            .unwrap();
        c.create_usage_plan_key()
            .usage_plan_id(copy.id().unwrap())
            .key_id(&key)
            .key_type("API_KEY")
            .send()
            .await
            .unwrap();
        (
            standard.id().unwrap().to_string(),
            copy.id().unwrap().to_string(),
        )
    });
    let plan = plan_json(&moto, &dir, DEV);
    let changes = pending(&plan);
    assert_eq!(
        changes,
        vec![("usage_plan.standard~dup2".to_string(), "delete".to_string())],
        "only the bare copy goes"
    );
    apply_ok(&moto, &dir, DEV);
    assert_no_changes(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let plans = c.get_usage_plans().send().await.unwrap();
        let standard: Vec<_> = plans
            .items()
            .iter()
            .filter(|p| tag(p.tags()) == "usage_plan.standard")
            .collect();
        assert_eq!(standard.len(), 1);
        assert_eq!(standard[0].id(), Some(copy.as_str()), "not {original}");
        let held = c
            .get_usage_plan_keys()
            .usage_plan_id(&copy)
            .send()
            .await
            .unwrap();
        assert_eq!(held.items().len(), 1, "the key is still attached");
    });
}

// ---- 2. the full example through 20 % faults ----

/// A throttle the user sees that the tool did not retry. A call that drew an injected fault
/// on every one of its attempts ("still failing after 5 attempts: ... Too Many Requests")
/// was retried; the next apply finishes it.
fn mentions_throttling(out: &Output) -> bool {
    let text = format!("{}{}", out.stdout, out.stderr);
    text.lines()
        .filter(|l| !l.contains("still failing after"))
        .any(|l| {
            [
                "429",
                "TooManyRequests",
                "Too Many Requests",
                "Throttl",
                "Rate exceeded",
            ]
            .iter()
            .any(|s| l.contains(s))
        })
}

/// Applies prod through the proxy until a plan read from moto is empty; returns the runs.
fn converge_through_faults(
    proxy_args: &[&str],
    env: &[(&str, &str)],
) -> (Moto, Vec<Output>, serde_json::Value) {
    let moto = Moto::start();
    hosted_zone(&moto);
    let (tmp, dir) = workspace();
    let proxy = Proxy::start(&moto, proxy_args);
    let mut runs = Vec::new();
    loop {
        let out = cli_env(
            &moto,
            &dir,
            &["apply", "--stack", PROD, "--auto-approve", "--stats"],
            &[env, &[("AWS_ENDPOINT_URL", proxy.url.as_str())]].concat(),
        );
        let failed: Vec<&str> = out
            .stdout
            .lines()
            .chain(out.stderr.lines())
            .filter(|l| l.contains("failed") || l.starts_with("error"))
            .collect();
        eprintln!(
            "apply #{} through the proxy: exit {} {failed:?}",
            runs.len() + 1,
            out.status
        );
        assert!(
            !mentions_throttling(&out),
            "a 429 reached the user; the tool must retry it\n{out}"
        );
        let ok = out.status == 0;
        runs.push(out);
        if ok
            && cli(
                &moto,
                &dir,
                &["plan", "--stack", PROD, "--detailed-exitcode"],
            )
            .status
                == 0
        {
            break;
        }
        // Bounded by applies, not seconds: a busy machine makes each one slower, not more.
        assert!(
            runs.len() < 8,
            "no convergence after {} applies; last:\n{}",
            runs.len(),
            runs.last().unwrap()
        );
    }
    let stats = proxy.stop();
    eprintln!(
        "converged after {} applies; proxy: {} requests, faults {}",
        runs.len(),
        stats["aws_requests"],
        stats["faults"]
    );
    assert_no_changes(&moto, &dir, PROD);
    drop(tmp);
    (moto, runs, stats)
}

fn assert_one_of_everything(moto: &Moto) {
    let inv = rt().block_on(inventory(moto));
    assert_eq!(repeated(&inv), vec![], "duplicates in moto:\n{inv:#?}");
    for (kind, n) in [
        ("rest_api ", 1),
        ("vpc_link ", 1),
        ("api_key ", 1),
        ("usage_plan ", 2),
        ("usage_plan_key ", 1),
        ("deployment ", 1),
        ("stage ", 1),
        ("log_group ", 1),
        ("dashboard ", 1),
        ("web_acl ", 1),
        ("certificate ", 1),
        ("domain_name ", 1),
    ] {
        assert_eq!(count(&inv, kind), n, "{kind}in\n{inv:#?}");
    }
    assert!(count(&inv, "alarm ") >= 4, "{inv:#?}");
    assert!(
        inv.iter().all(|l| !l.contains("(untagged)")),
        "an untagged item is an orphan:\n{inv:#?}"
    );
    assert!(
        inv.iter()
            .any(|l| l.starts_with("stage ") && l.ends_with("Some(true)")),
        "{inv:#?}"
    );
}

#[test]
fn prod_applied_through_20_percent_faults_converges_with_one_of_everything() {
    let (moto, runs, stats) = converge_through_faults(
        &[
            "--fault-rate",
            "0.2",
            "--faults",
            "429,500,503,reset",
            "--seed",
            "7",
        ],
        &[],
    );
    assert!(
        stats["faults"].as_object().is_some_and(|f| !f.is_empty()),
        "faults were injected: {stats}"
    );
    assert!(runs.len() <= 4, "took {} applies", runs.len());
    assert_one_of_everything(&moto);
}

#[test]
fn prod_applied_through_faults_after_the_work_is_done_converges_without_duplicates() {
    // 500, 503 and resets answered after moto carried the request out: a retried create
    // leaves a second copy, which the next apply finds and deletes.
    let (moto, _runs, stats) = converge_through_faults(
        &[
            "--fault-rate",
            "0.2",
            "--faults",
            "429,500,503,reset",
            "--seed",
            "11",
            "--fault-after-forward",
        ],
        // A patch re-sent after it was applied (UpdateUsagePlan `remove /apiStages`) is a
        // 500 from moto, indistinguishable from an injected one and paced at 1 per 20 s:
        // five attempts, not eight, keep the run well inside its bound.
        &[("IDRV5_GW_MAX_ATTEMPTS", "5")],
    );
    assert!(
        stats["faults_after_forward"].as_u64().unwrap_or(0) > 0,
        "{stats}"
    );
    assert_one_of_everything(&moto);
}

/// What an apply that did not finish must say: what was done, what failed or is left, and
/// how to go on.
fn says_what_is_left(out: &Output) -> bool {
    [
        "apply stopped:",
        "does not match the plan",
        "could not remove the duplicates",
        "could not read the account back",
    ]
    .iter()
    .any(|s| out.stderr.contains(s))
}

/// 20 seeds of 20 % faults of every kind, those after the work was done included: each
/// apply either ends 0 with the account exactly as declared, or non-zero saying what is
/// left; a re-run (without faults) always converges. No client-side pacing and no quotas:
/// this is about what is made, not how fast.
#[test]
fn prod_through_20_seeds_of_faults_is_exact_or_says_what_is_left_and_a_rerun_converges() {
    let moto = Moto::start();
    let fast = [("IDRV5_GW_RATE_LIMITS", "off")];
    let apply = ["apply", "--stack", PROD, "--auto-approve"];
    let mut outcomes = BTreeMap::new();
    for seed in 1..=20 {
        moto.reset();
        hosted_zone(&moto);
        let (_tmp, dir) = workspace();
        let seed = seed.to_string();
        let proxy = Proxy::start(
            &moto,
            &[
                "--no-quotas",
                "--fault-rate",
                "0.2",
                "--faults",
                "429,500,503,reset,lost,lost-reset",
                "--seed",
                &seed,
            ],
        );
        let out = cli_env(
            &moto,
            &dir,
            &apply,
            &[&fast[..], &[("AWS_ENDPOINT_URL", proxy.url.as_str())]].concat(),
        );
        let stats = proxy.stop();
        assert!(
            stats["faults_after_forward"].as_u64().unwrap_or(0) > 0,
            "seed {seed}: {stats}"
        );
        if out.status == 0 {
            assert!(out.stdout.contains("Apply complete"), "seed {seed}:\n{out}");
        } else {
            assert_eq!(out.status, 1, "seed {seed}:\n{out}");
            assert!(says_what_is_left(&out), "seed {seed}:\n{out}");
            // The command it says to run, pasted as printed (where it prints one).
            let hint = out
                .stderr
                .split('`')
                .find(|c| c.starts_with("idrv5-gw apply"));
            let pasted: Vec<&str> =
                hint.map_or(apply.to_vec(), |h| h.split_whitespace().skip(1).collect());
            let again = cli_env(&moto, &dir, &pasted, &fast);
            assert_eq!(again.status, 0, "seed {seed}: the re-run\n{again}");
        }
        *outcomes.entry(out.status).or_insert(0) += 1;
        assert_one_of_everything(&moto);
        assert_no_changes(&moto, &dir, PROD);
    }
    eprintln!("exit codes of the 20 faulted applies: {outcomes:?}");
}

// ---- 3. SIGKILL at 20 points ----

#[test]
fn an_apply_killed_at_20_points_is_finished_by_the_next_with_nothing_duplicated_or_orphaned() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    // No client-side pacing: the points are counted in requests, not seconds.
    let fast = [("IDRV5_GW_RATE_LIMITS", "off")];
    let apply = ["apply", "--stack", DEV, "--auto-approve"];
    // A clean apply: what every run below must leave, and how many requests an apply makes.
    let mut counter = moto.request_counter();
    let out = cli_env(&moto, &dir, &apply, &fast);
    assert_eq!(out.status, 0, "{out}");
    // The fewest requests a complete apply was seen to make. It varies from run to run, so
    // the kill points are fractions of it, and it drops when an apply ends before its point.
    let mut fewest = counter.served();
    let expected = rt().block_on(inventory(&moto));
    assert_eq!(repeated(&expected), vec![], "{expected:#?}");
    assert!(fewest > 60, "a first apply of dev makes {fewest} calls");

    // The next apply finishes what the last run left; then moto holds what a clean apply
    // leaves: nothing duplicated, nothing orphaned.
    let converges = |what: &str| {
        let out = cli_env(&moto, &dir, &apply, &fast);
        assert_eq!(out.status, 0, "apply after {what}\n{out}");
        assert_no_changes(&moto, &dir, DEV);
        let now = rt().block_on(inventory(&moto));
        assert_eq!(
            now, expected,
            "after {what}: moto holds other items than a clean apply"
        );
    };

    const POINTS: usize = 20;
    // From the first request to ten before the end of the shortest complete apply (requests
    // in flight when the kill lands still complete, so a kill overshoots by a few).
    let span = |fewest: usize| fewest.saturating_sub(11) as f64;
    let aim_at = |fraction: f64, fewest: usize| 1 + (fraction * span(fewest)) as usize;
    let mut todo: std::collections::VecDeque<f64> = (0..POINTS)
        .map(|i| i as f64 / (POINTS - 1) as f64)
        .collect();
    let distinct = |runs: &[(usize, usize)]| {
        let mut served: Vec<usize> = runs.iter().map(|(_, served)| *served).collect();
        served.sort();
        served.dedup();
        served
    };
    let (mut killed, mut finished) = (Vec::new(), Vec::new()); // (aimed, served)
    let mut gaps_filled = 0;
    loop {
        let fraction = match todo.pop_front() {
            Some(fraction) => fraction,
            None => {
                // Kills that landed on the same request are one point: aim into the widest
                // gap between the points so far, a bounded number of times.
                let points = distinct(&killed);
                if points.len() >= POINTS || gaps_filled == POINTS {
                    break;
                }
                gaps_filled += 1;
                let mut edges = vec![0];
                edges.extend(points.iter().copied());
                edges.push(fewest.saturating_sub(10));
                let (a, b) = edges
                    .windows(2)
                    .map(|w| (w[0], w[1]))
                    .max_by_key(|(a, b)| b.saturating_sub(*a))
                    .unwrap();
                ((a + b) as f64 / 2.0 - 1.0).max(0.0) / span(fewest)
            }
        };
        let aim = aim_at(fraction, fewest);
        moto.reset();
        match run_killed_at(&moto, &dir, &apply, &fast, aim) {
            KillRun::Killed { served } => {
                killed.push((aim, served));
                converges(&format!("a kill at request {served} (aimed at {aim})"));
            }
            KillRun::Finished { served } => {
                finished.push((aim, served));
                converges(&format!(
                    "an apply that finished after {served} requests, before its kill point {aim}"
                ));
                // A complete apply: it may set a new fewest. Retry this point lower, below
                // this aim even if the run ended between the last look and the kill.
                fewest = fewest.min(served).min(aim - 1);
                assert!(
                    fewest > 30,
                    "applies finish after {fewest} requests: {finished:?}"
                );
                todo.push_front(fraction);
            }
        }
    }
    eprintln!(
        "killed at requests (aimed, served) {killed:?}; finished before their kill point \
         {finished:?}; fewest requests of a complete apply {fewest}"
    );
    let points = distinct(&killed);
    assert!(
        points.len() >= 18,
        "{} distinct kill points mid-apply: {killed:?}",
        points.len()
    );
}

// ---- 4. one lost answer on each create, in turn ----

const PATTERNS: &str = "stacks/patterns/dev.yaml";

/// The v2 items of the patterns stack (in us-east-1), one line each, to count repeats.
async fn v2_inventory(moto: &Moto) -> Vec<String> {
    let c = apigwv2_us(moto);
    let mut out = Vec::new();
    for l in c.get_vpc_links().send().await.unwrap().items() {
        out.push(format!("vpc_link_v2 {}", l.name().unwrap_or_default()));
    }
    for a in c.get_apis().send().await.unwrap().items() {
        let (name, id) = (a.name().unwrap_or_default(), a.api_id().unwrap_or_default());
        out.push(format!("api {name}"));
        for i in c
            .get_integrations()
            .api_id(id)
            .send()
            .await
            .unwrap()
            .items()
        {
            let d = i.description().unwrap_or_default();
            out.push(format!("integration {name} {d}"));
        }
        for r in c.get_routes().api_id(id).send().await.unwrap().items() {
            out.push(format!(
                "route {name} {}",
                r.route_key().unwrap_or_default()
            ));
        }
        for s in c.get_stages().api_id(id).send().await.unwrap().items() {
            out.push(format!(
                "stage {name} {}",
                s.stage_name().unwrap_or_default()
            ));
        }
    }
    out.sort();
    out
}

/// Each create of the example stacks carried out by the emulator but answered 500: the
/// apply finds what it made (or removes the second copy) before it says "Apply complete",
/// and leaves one of everything behind. Every create operation the three stacks make.
#[test]
fn a_lost_answer_on_each_create_leaves_one_of_everything_and_apply_complete() {
    let cases: [(&str, &[&str]); 3] = [
        (
            DEV,
            &[
                "CreateRestApi",
                "CreateResource",
                "CreateAuthorizer",
                "CreateRequestValidator",
                "CreateModel",
                "CreateApiKey",
                "CreateUsagePlan",
                "CreateUsagePlanKey",
                "CreateDeployment",
                "CreateStage",
                "CreateLogGroup",
                "CreateVpcLink",
                "PutMetricAlarm",
                "PutDashboard",
            ],
        ),
        (
            PROD,
            &[
                "CreateWebACL",
                "RequestCertificate",
                "CreateDomainName",
                "CreateBasePathMapping",
            ],
        ),
        (
            PATTERNS,
            &[
                "v2/CreateVpcLink",
                "v2/CreateApi",
                "v2/CreateAuthorizer",
                "v2/CreateIntegration",
                "v2/CreateRoute",
                "v2/CreateStage",
            ],
        ),
    ];
    let moto = Moto::start();
    for (stack, ops) in cases {
        for op in ops {
            moto.reset();
            if stack == PROD {
                hosted_zone(&moto);
            }
            let (_tmp, dir) = workspace();
            let proxy = Proxy::start(&moto, &["--no-quotas", "--lose", op]);
            let out = cli_env(
                &moto,
                &dir,
                &[
                    "apply",
                    "--stack",
                    stack,
                    "--auto-approve",
                    "--bulk",
                    "never",
                ],
                &[
                    ("AWS_ENDPOINT_URL", proxy.url.as_str()),
                    ("IDRV5_GW_RATE_LIMITS", "off"),
                ],
            );
            let stats = proxy.stop();
            assert_eq!(
                stats["lost_answers"][op], 1,
                "{op}: the stack makes one: {stats}"
            );
            assert_eq!(out.status, 0, "{op}:\n{out}");
            assert!(out.stdout.contains("Apply complete"), "{op}:\n{out}");
            let inv = rt().block_on(async {
                let mut inv = inventory(&moto).await;
                inv.extend(v2_inventory(&moto).await);
                inv
            });
            assert_eq!(
                repeated(&inv),
                vec![],
                "{op}: duplicates in moto:\n{inv:#?}"
            );
            let plan = cli(
                &moto,
                &dir,
                &["plan", "--stack", stack, "--detailed-exitcode"],
            );
            assert_eq!(plan.status, 0, "{op}: the next plan is not empty:\n{plan}");
        }
    }
}

/// Resets on calls the endpoint carried out, after it answered others: the message says
/// connections break mid-flight, not that the endpoint cannot be reached.
#[test]
fn repeated_resets_after_answers_are_named_as_such_not_as_an_unreachable_endpoint() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let proxy = Proxy::start(
        &moto,
        &[
            "--no-quotas",
            "--lose",
            "PutMethod:50",
            "--lose-as",
            "reset",
        ],
    );
    let out = cli_env(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--bulk", "never"],
        &[("AWS_ENDPOINT_URL", proxy.url.as_str())],
    );
    proxy.stop();
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stderr
            .contains("are failing mid-flight during apigateway PutMethod")
            || out
                .stderr
                .contains("are failing mid-flight during PutMethod"),
        "{out}"
    );
    assert!(!out.stderr.contains("cannot reach"), "{out}");
}
