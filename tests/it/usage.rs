//! API keys and usage plans: what the example creates (read back through the SDK), the exact
//! calls a one-item change makes, key values that never show, ownership and destroy.

use crate::common;

use aws_sdk_apigateway::types::{ApiKey, UsagePlan};
use aws_sdk_apigateway::Client;
use common::proxy::Proxy;
use common::stack::*;
use common::{cli, cli_env, Moto};
use std::collections::BTreeMap;

const BASE: &str = "stacks/idrv5/base.yaml";
const OWNER: &str = "idrv5/dev";

fn tag<'a>(
    tags: Option<&'a std::collections::HashMap<String, String>>,
    k: &str,
) -> Option<&'a str> {
    tags.and_then(|t| t.get(k)).map(String::as_str)
}

async fn all_keys(c: &Client) -> Vec<ApiKey> {
    c.get_api_keys()
        .include_values(true)
        .limit(500)
        .send()
        .await
        .expect("get_api_keys")
        .items()
        .to_vec()
}

async fn all_plans(c: &Client) -> Vec<UsagePlan> {
    c.get_usage_plans()
        .limit(500)
        .send()
        .await
        .expect("get_usage_plans")
        .items()
        .to_vec()
}

/// The owned key or plan with `idrv5-gw:id` = `id`, exactly one.
async fn owned_key(c: &Client, id: &str) -> ApiKey {
    let found: Vec<ApiKey> = all_keys(c)
        .await
        .into_iter()
        .filter(|k| {
            tag(k.tags(), "idrv5-gw:stack") == Some(OWNER)
                && tag(k.tags(), "idrv5-gw:id") == Some(id)
        })
        .collect();
    assert_eq!(found.len(), 1, "one owned {id} expected: {found:?}");
    found[0].clone()
}

async fn owned_plan(c: &Client, id: &str) -> UsagePlan {
    let found: Vec<UsagePlan> = all_plans(c)
        .await
        .into_iter()
        .filter(|p| {
            tag(p.tags(), "idrv5-gw:stack") == Some(OWNER)
                && tag(p.tags(), "idrv5-gw:id") == Some(id)
        })
        .collect();
    assert_eq!(found.len(), 1, "one owned {id} expected");
    found[0].clone()
}

async fn plan_key_ids(c: &Client, plan_id: &str) -> Vec<String> {
    c.get_usage_plan_keys()
        .usage_plan_id(plan_id)
        .send()
        .await
        .expect("get_usage_plan_keys")
        .items()
        .iter()
        .filter_map(|k| k.id().map(str::to_string))
        .collect()
}

fn plan_is_empty(moto: &Moto, dir: &std::path::Path, env: &[(&str, &str)]) {
    let out = cli_env(
        moto,
        dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
        env,
    );
    assert_eq!(out.status, 0, "second plan not empty:\n{out}");
}

fn apply_stats(moto: &Moto, dir: &std::path::Path) -> String {
    let out = cli(
        moto,
        dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "apply failed:\n{out}");
    out.stderr
}

fn calls(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn the_example_creates_the_partner_key_both_tiers_and_the_attachment_and_a_second_plan_is_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    for line in [
        "+ api_key partner",
        "+ usage_plan standard",
        "+ usage_plan premium",
        "+ usage_plan_key standard/partner",
    ] {
        assert!(
            plan.stdout.contains(line),
            "{line} missing:\n{}",
            plan.stdout
        );
    }
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let c = apigw(&moto);
        let api = owned_api(&c).await;
        let key = owned_key(&c, "api_key.partner").await;
        assert_eq!(key.name(), Some("idrv5-dev-partner"));
        assert_eq!(key.description(), Some("API key for partner integrations"));
        assert!(key.enabled());
        assert_eq!(
            tag(key.tags(), "Team"),
            Some("platform-engineering"),
            "stack tags are set"
        );
        assert_eq!(
            tag(key.tags(), "idrv5-gw:value-source"),
            None,
            "AWS generated the value"
        );

        for (id, rate, burst, limit) in [
            ("usage_plan.standard", 50.0, 100, 10000),
            ("usage_plan.premium", 200.0, 500, 100000),
        ] {
            let p = owned_plan(&c, id).await;
            let t = p.throttle().expect("throttle");
            assert_eq!((t.rate_limit(), t.burst_limit()), (rate, burst), "{id}");
            let q = p.quota().expect("quota");
            assert_eq!(
                (q.limit(), q.offset(), q.period().map(|x| x.as_str())),
                (limit, 0, Some("DAY")),
                "{id}"
            );
            let stages: Vec<(Option<&str>, Option<&str>)> = p
                .api_stages()
                .iter()
                .map(|s| (s.api_id(), s.stage()))
                .collect();
            assert_eq!(
                stages,
                [(Some(api.as_str()), Some("dev"))],
                "{id} applies to main.dev"
            );
            let attached = plan_key_ids(&c, p.id().unwrap()).await;
            let want: Vec<String> = if id == "usage_plan.standard" {
                vec![key.id().unwrap().to_string()]
            } else {
                vec![]
            };
            assert_eq!(attached, want, "{id}: the partner key is on standard only");
        }
        let standard = owned_plan(&c, "usage_plan.standard").await;
        assert_eq!(standard.name(), Some("idrv5-dev-standard"));
        assert_eq!(
            standard.description(),
            Some("Standard usage plan for iDrv5 API")
        );
    });
    plan_is_empty(&moto, &dir, &[]);
}

#[test]
fn changing_a_burst_is_one_update_usage_plan_call() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(DEV),
        "throttle: {rate_limit: 50, burst_limit: 100}",
        "throttle: {rate_limit: 50, burst_limit: 150}",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout
            .contains("~ usage_plan standard\n        throttle.burst_limit: 100 → 150\n"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete."),
        "{}",
        plan.stdout
    );
    let stderr = apply_stats(&moto, &dir);
    assert_eq!(
        write_calls(&stderr),
        calls(&[("UpdateUsagePlan", 1)]),
        "{stderr}"
    );
    rt().block_on(async {
        let p = owned_plan(&apigw(&moto), "usage_plan.standard").await;
        assert_eq!(
            p.throttle().map(|t| (t.rate_limit(), t.burst_limit())),
            Some((50.0, 150))
        );
    });
    plan_is_empty(&moto, &dir, &[]);
}

#[test]
fn adding_a_tier_is_one_create_plus_its_key_and_removing_it_deletes_only_it() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let gold = "usage_plans:\n  gold:\n    stages:\n      main.dev: {}\n    throttle: {rate_limit: 500, burst_limit: 1000}\n    keys: [partner]\n";
    edit(&dir.join(DEV), "usage_plans:\n", gold);
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(plan.stdout.contains("+ usage_plan gold"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("+ usage_plan_key gold/partner"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 2 to create, 0 to update, 0 to replace, 0 to delete."),
        "{}",
        plan.stdout
    );
    let stderr = apply_stats(&moto, &dir);
    assert_eq!(
        write_calls(&stderr),
        calls(&[("CreateUsagePlan", 1), ("CreateUsagePlanKey", 1)]),
        "{stderr}"
    );
    rt().block_on(async {
        let c = apigw(&moto);
        let p = owned_plan(&c, "usage_plan.gold").await;
        assert_eq!(
            p.throttle().map(|t| (t.rate_limit(), t.burst_limit())),
            Some((500.0, 1000))
        );
        assert!(p.quota().is_none(), "no quota declared");
        let key = owned_key(&c, "api_key.partner").await;
        assert_eq!(
            plan_key_ids(&c, p.id().unwrap()).await,
            [key.id().unwrap().to_string()]
        );
    });
    plan_is_empty(&moto, &dir, &[]);

    edit(&dir.join(DEV), gold, "usage_plans:\n");
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 0 to update, 0 to replace, 2 to delete."),
        "{}",
        plan.stdout
    );
    let stderr = apply_stats(&moto, &dir);
    // AWS refuses to delete a plan that still names stages: one UpdateUsagePlan detaches them.
    assert_eq!(
        write_calls(&stderr),
        calls(&[
            ("DeleteUsagePlan", 1),
            ("DeleteUsagePlanKey", 1),
            ("UpdateUsagePlan", 1)
        ]),
        "{stderr}"
    );
    rt().block_on(async {
        let plans = all_plans(&apigw(&moto)).await;
        assert_eq!(plans.len(), 2, "standard and premium stay");
    });
    plan_is_empty(&moto, &dir, &[]);
}

#[test]
fn renaming_a_key_replaces_it_and_moves_its_attachment() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let old_id = rt().block_on(async {
        owned_key(&apigw(&moto), "api_key.partner")
            .await
            .id()
            .unwrap()
            .to_string()
    });
    edit(
        &dir.join(BASE),
        "  partner:\n",
        "  partner:\n    name: idrv5-dev-partner-2026\n",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout.contains("-/+ api_key partner\n"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(
            "name: \"idrv5-dev-partner\" → \"idrv5-dev-partner-2026\"  (forces replacement)"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("~ usage_plan_key standard/partner"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 1 to update, 1 to replace, 0 to delete."),
        "{}",
        plan.stdout
    );
    let stderr = apply_stats(&moto, &dir);
    assert_eq!(
        write_calls(&stderr),
        calls(&[
            ("CreateApiKey", 1),
            ("CreateUsagePlanKey", 1),
            ("DeleteApiKey", 1),
            ("DeleteUsagePlanKey", 1)
        ]),
        "{stderr}"
    );
    rt().block_on(async {
        let c = apigw(&moto);
        let key = owned_key(&c, "api_key.partner").await;
        assert_eq!(key.name(), Some("idrv5-dev-partner-2026"));
        assert_ne!(key.id(), Some(old_id.as_str()));
        assert!(
            all_keys(&c)
                .await
                .iter()
                .all(|k| k.id() != Some(old_id.as_str())),
            "the old key is gone"
        );
        let standard = owned_plan(&c, "usage_plan.standard").await;
        assert_eq!(
            plan_key_ids(&c, standard.id().unwrap()).await,
            [key.id().unwrap().to_string()]
        );
    });
    plan_is_empty(&moto, &dir, &[]);
}

#[test]
fn disabling_a_key_is_one_update_api_key_call() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(BASE),
        "    enabled: true\n    # AWS generates",
        "    enabled: false\n    # AWS generates",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout
            .contains("~ api_key partner\n        enabled: true → false\n"),
        "{}",
        plan.stdout
    );
    let stderr = apply_stats(&moto, &dir);
    assert_eq!(
        write_calls(&stderr),
        calls(&[("UpdateApiKey", 1)]),
        "{stderr}"
    );
    rt().block_on(async { assert!(!owned_key(&apigw(&moto), "api_key.partner").await.enabled()) });
    plan_is_empty(&moto, &dir, &[]);
}

#[test]
fn per_method_throttles_are_created_and_changed_in_one_update_usage_plan_call() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let throttled = "    stages:\n      main.dev:\n        throttle:\n          /api/v1/quotes/POST: {rate_limit: 10, burst_limit: 20}\n    throttle: {rate_limit: 50";
    edit(
        &dir.join(DEV),
        "    stages:\n      main.dev: {}\n    throttle: {rate_limit: 50",
        throttled,
    );
    apply_ok(&moto, &dir, DEV);
    let api = rt().block_on(async {
        let c = apigw(&moto);
        let p = owned_plan(&c, "usage_plan.standard").await;
        let t = p.api_stages()[0].throttle().expect("per-method throttle");
        let q = &t["/api/v1/quotes/POST"];
        assert_eq!((q.rate_limit(), q.burst_limit()), (10.0, 20));
        owned_api(&c).await
    });
    plan_is_empty(&moto, &dir, &[]);

    edit(
        &dir.join(DEV),
        "/api/v1/quotes/POST: {rate_limit: 10, burst_limit: 20}",
        "/api/v1/quotes/POST: {rate_limit: 10, burst_limit: 30}",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout.contains("~ usage_plan standard\n        api_stages[\"main.dev\"].throttle[\"/api/v1/quotes/POST\"].burst_limit: 20 → 30\n"),
        "{}",
        plan.stdout
    );
    moto.start_recording();
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    moto.stop_recording();
    // moto 5.2.5 accepts this patch and ignores it (docs/EMULATOR.md): the read-back after
    // the apply still shows 20, and apply says so instead of "complete" (AWS applies it).
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stderr.contains("the account does not match the plan")
            && out.stderr.contains("~ usage_plan.standard"),
        "{out}"
    );
    let writes: Vec<_> = moto
        .recorded_calls()
        .into_iter()
        .filter(|c| c.service.as_deref() == Some("apigateway") && c.method != "GET")
        .collect();
    assert_eq!(writes.len(), 1, "one API Gateway write: {writes:?}");
    let patches: Vec<String> = writes
        .into_iter()
        .filter(|c| c.method == "PATCH" && c.path.starts_with("/usageplans/"))
        .map(|c| c.body)
        .collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
    let body: serde_json::Value = serde_json::from_str(&patches[0]).expect("json body");
    assert_eq!(
        body["patchOperations"],
        serde_json::json!([{"op": "replace", "path": format!("/apiStages/{api}:dev/throttle//api/v1/quotes/POST/burstLimit"), "value": "30"}]),
    );
    // The call and its patch are what AWS needs; the read-back cannot show it on moto.
}

#[test]
fn a_key_value_from_the_environment_never_shows_in_any_output() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let secret = "idrv5-partner-7Qk2Zr9WmXcB4tLp0sVnHy";
    let other = "idrv5-partner-rotated-J8dF3kQ1xZ5mN7pR";
    edit(
        &dir.join(BASE),
        "    # value_from_env: IDRV5_PARTNER_API_KEY",
        "    value_from_env: IDRV5_PARTNER_API_KEY",
    );
    let env = [("IDRV5_PARTNER_API_KEY", secret)];
    let mut seen = Vec::new();
    let mut run = |args: &[&str], env: &[(&str, &str)]| {
        let out = cli_env(&moto, &dir, args, env);
        seen.push((args.join(" "), out.stdout.clone(), out.stderr.clone()));
        out
    };

    // Missing at plan time: an error at the line that names the variable, no value anywhere.
    let out = run(&["plan", "--stack", DEV], &[]);
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stderr.contains("error[secret]: ") && out.stderr.contains("base.yaml:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("environment variable IDRV5_PARTNER_API_KEY is not set"),
        "{}",
        out.stderr
    );

    let plan_file = dir.join("dev.plan");
    let human = run(&["plan", "--stack", DEV], &env);
    assert_eq!(human.status, 0, "{human}");
    // --full: the plan has no changes, and the digest is in the unchanged key's entry.
    let json = run(&["plan", "--stack", DEV, "--json", "--full"], &env);
    assert!(
        json.stdout.contains("\"value_sha256\""),
        "the plan compares a digest"
    );
    assert!(
        json.stdout
            .contains("\"value_from_env\": \"IDRV5_PARTNER_API_KEY\""),
        "the source travels, not the value"
    );
    run(
        &["plan", "--stack", DEV, "--out", plan_file.to_str().unwrap()],
        &env,
    )
    .assert_success();
    let saved = std::fs::read_to_string(&plan_file).expect("plan file");
    let applied = run(
        &[
            "apply",
            plan_file.to_str().unwrap(),
            "--stack",
            DEV,
            "--auto-approve",
            "--stats",
        ],
        &env,
    );
    assert_eq!(applied.status, 0, "{applied}");
    rt().block_on(async {
        let key = owned_key(&apigw(&moto), "api_key.partner").await;
        assert_eq!(key.value(), Some(secret), "the key carries the given value");
        assert_eq!(tag(key.tags(), "idrv5-gw:value-source"), Some("stack"));
    });
    run(&["plan", "--stack", DEV, "--detailed-exitcode"], &env).assert_success();

    // A new value replaces the key; the plan says so without either value.
    let rotated = [("IDRV5_PARTNER_API_KEY", other)];
    let out = run(&["plan", "--stack", DEV], &rotated);
    assert!(
        out.stdout.contains(
            "-/+ api_key partner\n        value: (sensitive, changed)  (forces replacement)\n"
        ),
        "{}",
        out.stdout
    );
    // A saved plan made with one value is not applied with another.
    run(
        &["plan", "--stack", DEV, "--out", plan_file.to_str().unwrap()],
        &rotated,
    )
    .assert_success();
    let saved_rotated = std::fs::read_to_string(&plan_file).expect("plan file");
    let out = run(
        &[
            "apply",
            plan_file.to_str().unwrap(),
            "--stack",
            DEV,
            "--auto-approve",
        ],
        &env,
    );
    assert_eq!(out.status, 1, "{out}");
    assert!(
        out.stderr.contains("is not the one planned"),
        "{}",
        out.stderr
    );
    let out = run(&["apply", "--stack", DEV, "--auto-approve"], &rotated);
    assert_eq!(out.status, 0, "{out}");
    rt().block_on(async {
        assert_eq!(
            owned_key(&apigw(&moto), "api_key.partner").await.value(),
            Some(other)
        );
    });
    let out = run(&["destroy", "--stack", DEV, "--auto-approve"], &rotated);
    assert_eq!(out.status, 0, "{out}");

    for (what, stdout, stderr) in seen.iter().chain(
        [
            ("saved plan".to_string(), saved, String::new()),
            (
                "saved plan (rotated)".to_string(),
                saved_rotated,
                String::new(),
            ),
        ]
        .iter(),
    ) {
        for value in [secret, other] {
            assert!(
                !stdout.contains(value) && !stderr.contains(value),
                "`{what}` printed a key value:\n{stdout}\n{stderr}"
            );
        }
    }
}

#[test]
fn mistakes_in_keys_and_plans_are_reported_at_their_line_with_a_fix() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    edit(
        &dir.join(BASE),
        "    # value_from_env: IDRV5_PARTNER_API_KEY",
        "    value_from_env: IDRV5_PARTNER_API_KEY\n    value_from_file: partner.key",
    );
    edit(
        &dir.join(DEV),
        "    keys: [partner]",
        "    keys: [partner, nobody]",
    );
    edit(
        &dir.join(DEV),
        "      main.dev: {}\n    throttle: {rate_limit: 200",
        "      main.qa: {}\n    throttle: {rate_limit: 200",
    );
    edit(&dir.join(DEV), "      main.dev: {}\n    throttle: {rate_limit: 50", "      main.dev:\n        throttle:\n          /api/v1/nope/GET: {rate_limit: 1}\n    throttle: {rate_limit: 50");
    let out = cli(&moto, &dir, &["validate", "--stack", DEV]);
    assert_eq!(out.status, 1, "{out}");
    for (what, file) in [
        (
            "api_keys.partner: both `value_from_env` and `value_from_file` are set",
            "base.yaml",
        ),
        (
            "usage_plans.standard.keys: `nobody` is not declared under api_keys",
            "dev.yaml",
        ),
        (
            "usage_plans.premium.stages.main.qa: rest_apis.main has no stage `qa`",
            "dev.yaml",
        ),
        (
            "`/api/v1/nope/GET` is not a route of rest_apis.main",
            "dev.yaml",
        ),
    ] {
        let line = out
            .stderr
            .lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("{what} missing:\n{}", out.stderr));
        assert!(line.contains(&format!("{file}:")), "{line}");
    }
    assert!(
        out.stderr.contains("fix: use one of: `main.dev`"),
        "{}",
        out.stderr
    );
}

#[test]
fn destroy_removes_keys_and_plans_and_never_touches_foreign_ones_with_the_same_names() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let (foreign_key, foreign_plan) = rt().block_on(async {
        let c = apigw(&moto);
        let k = c
            .create_api_key()
            .name("idrv5-dev-partner")
            .description("made by hand")
            .enabled(true)
            .send()
            .await
            .unwrap();
        let p = c
            .create_usage_plan()
            .name("idrv5-dev-standard")
            .description("made by hand")
            .send()
            .await
            .unwrap();
        (k.id().unwrap().to_string(), p.id().unwrap().to_string())
    });
    apply_ok(&moto, &dir, DEV);
    plan_is_empty(&moto, &dir, &[]);
    rt().block_on(async {
        let c = apigw(&moto);
        let named = |n: &str| n == "idrv5-dev-partner";
        assert_eq!(
            all_keys(&c)
                .await
                .iter()
                .filter(|k| k.name().is_some_and(named))
                .count(),
            2,
            "ours is a second key"
        );
    });
    let out = cli(
        &moto,
        &dir,
        &["destroy", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "{out}");
    let writes = write_calls(&out.stderr);
    for (op, n) in [
        ("DeleteApiKey", 1),
        ("DeleteUsagePlan", 2),
        ("DeleteUsagePlanKey", 1),
        ("UpdateUsagePlan", 2),
    ] {
        assert_eq!(writes.get(op), Some(&n), "{op}: {writes:?}");
    }
    rt().block_on(async {
        let c = apigw(&moto);
        let keys = all_keys(&c).await;
        assert_eq!(
            keys.iter().map(|k| k.id().unwrap()).collect::<Vec<_>>(),
            [foreign_key.as_str()]
        );
        assert_eq!(keys[0].description(), Some("made by hand"));
        let plans = all_plans(&c).await;
        assert_eq!(
            plans.iter().map(|p| p.id().unwrap()).collect::<Vec<_>>(),
            [foreign_plan.as_str()]
        );
        assert_eq!(plans[0].description(), Some("made by hand"));
    });
}

/// UpdateUsagePlan is 1 per 20 s per account. A second run right after one that spent it
/// waits out the rest of the window (the first left the time in its pacing memory) instead
/// of drawing a 429 and a whole window more.
#[test]
fn two_back_to_back_applies_that_each_update_a_usage_plan_draw_no_429() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let proxy = Proxy::start(&moto, &[]);
    let via = [("AWS_ENDPOINT_URL", proxy.url.as_str())];
    for (from, to) in [(100, 150), (150, 175)] {
        edit(
            &dir.join(DEV),
            &format!("throttle: {{rate_limit: 50, burst_limit: {from}}}"),
            &format!("throttle: {{rate_limit: 50, burst_limit: {to}}}"),
        );
        let out = cli_env(
            &moto,
            &dir,
            &["apply", "--stack", DEV, "--auto-approve"],
            &via,
        );
        assert_eq!(out.status, 0, "{out}");
    }
    let stats = proxy.stop();
    assert_eq!(stats["throttled"], 0, "a 429 was drawn: {stats}");
    assert_eq!(
        stats["forwarded_operations"]["UpdateUsagePlan"], 2,
        "{stats}"
    );
    rt().block_on(async {
        let p = owned_plan(&apigw(&moto), "usage_plan.standard").await;
        assert_eq!(p.throttle().map(|t| t.burst_limit()), Some(175));
    });
}

/// API Gateway's calls share one account bucket (10/s, burst 40). Each plan of this stack
/// reads about 20 of them; four plans in a row spend 80 in a second or two, which the
/// proxy's bucket answers with 429s when each run starts with a full burst of its own.
/// Each run leaves what it spent in the pacing memory and the next one starts from there.
#[test]
fn plans_run_back_to_back_share_the_account_bucket_and_draw_no_429() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    let proxy = Proxy::start(&moto, &[]);
    let via = [("AWS_ENDPOINT_URL", proxy.url.as_str())];
    for _ in 0..4 {
        let out = cli_env(&moto, &dir, &["plan", "--stack", DEV], &via);
        assert_eq!(out.status, 0, "{out}");
    }
    let stats = proxy.stop();
    let apigw: u64 = stats["services"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, s)| *s == "apigateway")
        .map(|(op, _)| stats["operations"][op].as_u64().unwrap_or(0))
        .sum();
    assert!(apigw > 60, "the plans spend more than a burst: {stats}");
    assert_eq!(stats["throttled"], 0, "a 429 was drawn: {stats}");
}
