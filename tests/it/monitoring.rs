//! Alarms and dashboards generated from the stack, per environment.

use crate::common;

use common::stack::*;
use common::{cli, Moto};

const TOPIC: &str = "arn:aws:sns:ap-southeast-2:123456789012:idrv5-alerts";

#[test]
fn alarms_and_dashboard_are_generated_for_each_stage_and_read_back() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    rt().block_on(async {
        let cw = cloudwatch(&moto);
        let alarms = cw
            .describe_alarms()
            .alarm_name_prefix("idrv5-dev-")
            .send()
            .await
            .unwrap();
        let names: Vec<&str> = alarms
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name())
            .collect();
        assert_eq!(
            names.len(),
            3,
            "5xx, p99 and integration latency (4xx off in dev, no cache): {names:?}"
        );
        let five = alarms
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some("idrv5-dev-main-dev-5xx_errors"))
            .expect("5xx alarm");
        assert_eq!(five.metric_name(), Some("5XXError"));
        assert_eq!(five.statistic().map(|s| s.as_str()), Some("Sum"));
        assert_eq!(five.threshold(), Some(50.0), "dev's looser threshold");
        assert_eq!(five.evaluation_periods(), Some(2));
        assert_eq!(five.alarm_actions(), [TOPIC.to_string()]);
        let dims: Vec<(&str, &str)> = five
            .dimensions()
            .iter()
            .map(|d| (d.name().unwrap(), d.value().unwrap()))
            .collect();
        assert!(
            dims.contains(&("ApiName", "idrv5-dev")) && dims.contains(&("Stage", "dev")),
            "{dims:?}"
        );
        let p99 = alarms
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some("idrv5-dev-main-dev-p99_latency"))
            .unwrap();
        assert_eq!(p99.extended_statistic(), Some("p99"));
        assert_eq!(p99.threshold(), Some(10000.0));

        let d = cw
            .get_dashboard()
            .dashboard_name("idrv5gw_idrv5_dev_overview")
            .send()
            .await
            .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(d.dashboard_body().unwrap()).expect("the body parses");
        let titles: Vec<&str> = body["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w["properties"]["title"].as_str())
            .collect();
        assert_eq!(
            titles,
            vec![
                "Requests idrv5-dev/dev",
                "Errors idrv5-dev/dev",
                "Latency idrv5-dev/dev"
            ],
            "no cache, no WAF in dev"
        );
        let latency = body["widgets"][2]["properties"]["metrics"].to_string();
        assert!(
            latency.contains("p99") && latency.contains("IntegrationLatency"),
            "{latency}"
        );
    });
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0,
        "second plan is empty"
    );
}

#[test]
fn prod_adds_cache_and_custom_alarms_and_the_users_widgets() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    hosted_zone(&moto);
    apply_ok(&moto, &dir, "stacks/idrv5/prod.yaml");
    rt().block_on(async {
        let cw = cloudwatch(&moto);
        let alarms = cw
            .describe_alarms()
            .alarm_name_prefix("idrv5-prod-")
            .send()
            .await
            .unwrap();
        let find = |n: &str| {
            alarms
                .metric_alarms()
                .iter()
                .find(|a| a.alarm_name() == Some(n))
                .unwrap_or_else(|| panic!("{n}"))
        };
        let cache = find("idrv5-prod-main-prod-cache_hit_rate");
        assert_eq!(
            cache.comparison_operator().map(|c| c.as_str()),
            Some("LessThanThreshold")
        );
        let expr: Vec<&str> = cache
            .metrics()
            .iter()
            .filter_map(|m| m.expression())
            .collect();
        assert_eq!(
            expr,
            vec!["100 * hits / (hits + misses)"],
            "hit rate by metric math"
        );
        assert_eq!(
            find("idrv5-prod-main-prod-p99_latency").threshold(),
            Some(3000.0)
        );
        let custom = find("idrv5-prod-main-prod-quotes-latency");
        assert_eq!(custom.period(), Some(60));
        assert!(custom
            .dimensions()
            .iter()
            .any(|d| d.name() == Some("Resource") && d.value() == Some("/api/v1/quotes")));
        let d = cw
            .get_dashboard()
            .dashboard_name("idrv5gw_idrv5_prod_overview")
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(d.dashboard_body().unwrap()).unwrap();
        let widgets = body["widgets"].as_array().unwrap();
        assert!(
            widgets
                .iter()
                .any(|w| w["properties"]["title"] == "Cache idrv5-prod/prod"),
            "caching is on in prod"
        );
        assert_eq!(
            widgets.last().unwrap()["type"],
            "text",
            "the user's widget comes last, verbatim"
        );
    });
    assert_eq!(
        cli(
            &moto,
            &dir,
            &[
                "plan",
                "--stack",
                "stacks/idrv5/prod.yaml",
                "--detailed-exitcode"
            ]
        )
        .status,
        0
    );
}

#[test]
fn turning_a_preset_off_deletes_exactly_that_alarm_and_foreign_ones_stay() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    rt().block_on(async {
        let cw = cloudwatch(&moto);
        // Same prefix, no ownership tag: someone else's.
        cw.put_metric_alarm()
            .alarm_name("idrv5-dev-handmade")
            .metric_name("Count")
            .namespace("AWS/ApiGateway")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
            )
            .send()
            .await
            .unwrap();
        cw.put_dashboard()
            .dashboard_name("idrv5-dev-handmade")
            .dashboard_body(r#"{"widgets":[]}"#)
            .send()
            .await
            .unwrap();
    });
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(DEV),
        "    p99_latency: {threshold: 10000}",
        "    p99_latency: {enabled: false}",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout
            .contains("- alarm idrv5-dev-main-dev-p99_latency"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 0 to update, 0 to replace, 1 to delete."),
        "{}",
        plan.stdout
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("CloudWatch.DeleteAlarms=1"),
        "{}",
        out.stderr
    );
    let destroy = cli(&moto, &dir, &["destroy", "--stack", DEV, "--auto-approve"]);
    assert_eq!(destroy.status, 0, "{}{}", destroy.stdout, destroy.stderr);
    rt().block_on(async {
        let cw = cloudwatch(&moto);
        let left: Vec<String> = cw
            .describe_alarms()
            .send()
            .await
            .unwrap()
            .metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name().map(str::to_string))
            .collect();
        assert_eq!(
            left,
            vec!["idrv5-dev-handmade"],
            "only the foreign alarm is left"
        );
        let boards: Vec<String> = cw
            .list_dashboards()
            .send()
            .await
            .unwrap()
            .dashboard_entries()
            .iter()
            .filter_map(|d| d.dashboard_name().map(str::to_string))
            .collect();
        assert_eq!(
            boards,
            vec!["idrv5-dev-handmade"],
            "only the foreign dashboard is left"
        );
    });
}

#[test]
fn a_dashboard_change_is_shown_widget_by_widget() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, DEV);
    edit(
        &dir.join(DEV),
        "    p99_latency: {threshold: 10000}",
        "    p99_latency: {threshold: 10000}\n  dashboard: {period: 60}",
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV]);
    assert!(
        plan.stdout
            .contains("~ dashboard idrv5gw_idrv5_dev_overview"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("widgets[\"Latency idrv5-dev/dev\"].properties.period: 300 → 60"),
        "{}",
        plan.stdout
    );
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", DEV, "--auto-approve", "--stats"],
    );
    assert!(
        out.stderr.contains("CloudWatch.PutDashboard=1"),
        "{}",
        out.stderr
    );
    assert_eq!(
        cli(
            &moto,
            &dir,
            &["plan", "--stack", DEV, "--detailed-exitcode"]
        )
        .status,
        0
    );
}

#[test]
fn the_graph_hangs_monitoring_off_the_stages() {
    let dir = common::repo_root();
    let out = std::process::Command::new(common::bin())
        .current_dir(&dir)
        .args(["graph", "--stack", "stacks/idrv5/prod.yaml"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("flowchart LR"), "{text}");
    assert!(
        text.contains("stage_main_prod --> alarm_main_prod_5xx_errors"),
        "{text}"
    );
    assert!(
        text.contains("stage_main_prod --> dashboard_overview"),
        "{text}"
    );
    let dot = std::process::Command::new(common::bin())
        .current_dir(&dir)
        .args([
            "graph",
            "--stack",
            "stacks/idrv5/prod.yaml",
            "--format",
            "dot",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dot.stdout)
        .contains("\"stage.main.prod\" -> \"alarm.main.prod.p99_latency\";"));
}

#[test]
fn an_untagged_alarm_with_a_stack_alarms_name_stops_the_plan_and_is_not_overwritten() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let name = "idrv5-dev-main-dev-5xx_errors";
    rt().block_on(async {
        cloudwatch(&moto)
            .put_metric_alarm()
            .alarm_name(name)
            .metric_name("Count")
            .namespace("Handmade")
            .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(7.0)
            .comparison_operator(
                aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold,
            )
            .send()
            .await
            .unwrap();
    });
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "alarm {name} exists and belongs to no idrv5-gw stack, not idrv5/dev"
        )) && out.stderr.contains("adopt it by tagging it"),
        "{}",
        out.stderr
    );
    // Destroy removes what the stack owns: not that alarm.
    let out = cli(&moto, &dir, &["destroy", "--stack", DEV, "--auto-approve"]);
    assert!(!out.stdout.contains(name), "{out}");
    rt().block_on(async {
        let cw = cloudwatch(&moto);
        let a = cw.describe_alarms().alarm_names(name).send().await.unwrap();
        let a = &a.metric_alarms()[0];
        assert_eq!(
            (a.namespace(), a.threshold()),
            (Some("Handmade"), Some(7.0))
        );
        let arn = a.alarm_arn().unwrap();
        let tags = cw
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        assert!(tags.tags().is_empty(), "not tagged: {tags:?}");
        assert!(
            apis_named(&apigw(&moto), "idrv5-dev").await.is_empty(),
            "nothing applied"
        );
    });
}

/// An alarm made by hand under its own name, with the given tags.
fn hand_made_alarm(moto: &Moto, name: &str, tags: &[(&str, &str)]) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic, Tag};
    rt().block_on(async {
        let mut put = cloudwatch(moto)
            .put_metric_alarm()
            .alarm_name(name)
            .namespace("AWS/ApiGateway")
            .metric_name("5XXError")
            .statistic(Statistic::Sum)
            .period(60)
            .evaluation_periods(1)
            .threshold(1.0)
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold);
        for (k, v) in tags {
            put = put.tags(Tag::builder().key(*k).value(*v).build());
        }
        put.send().await.unwrap();
    });
}

fn alarm_names(moto: &Moto) -> Vec<String> {
    rt().block_on(async {
        let a = cloudwatch(moto).describe_alarms().send().await.unwrap();
        a.metric_alarms()
            .iter()
            .filter_map(|a| a.alarm_name().map(str::to_string))
            .collect()
    })
}

/// An adopted alarm keeps its own name, outside the stack's prefix: taken out of the stack,
/// the plan still finds it by the stack's tag and deletes it, while a hand-made alarm and one
/// another stack adopted stay.
#[test]
fn an_adopted_alarm_taken_out_of_the_stack_is_deleted_and_no_other() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    hand_made_alarm(&moto, "orders 5xx", &[]);
    hand_made_alarm(&moto, "hand made", &[]);
    let theirs = [
        ("idrv5-gw:stack", "other/dev"),
        ("idrv5-gw:id", "alarm.orders_5xx"),
    ];
    hand_made_alarm(&moto, "team b 5xx", &theirs);
    let stack = dir.join(DEV);
    let without = std::fs::read_to_string(&stack).unwrap();
    let adopt = "  alarms:\n    orders_5xx:\n      adopt: orders 5xx\n      metric: 5XXError\n      statistic: Sum\n      period: 60\n      evaluation_periods: 1\n      threshold: 1\n      comparison: GreaterThanOrEqualToThreshold\n      stages: [main.dev]\n";
    std::fs::write(&stack, format!("{without}{adopt}")).unwrap();
    let out = apply_ok(&moto, &dir, DEV);
    assert!(out.contains("~ adopt alarm orders 5xx"), "{out}");
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 0, "{plan}");

    std::fs::write(&stack, &without).unwrap();
    let plan = cli(&moto, &dir, &["plan", "--stack", DEV, "--no-color"]);
    plan.assert_success();
    let lines: Vec<&str> = plan
        .stdout
        .lines()
        .map(str::trim)
        .filter(|l| matches!(l.split(' ').next(), Some("+" | "~" | "-")))
        .collect();
    assert_eq!(lines, ["- alarm orders 5xx"], "{plan}");
    let out = cli(&moto, &dir, &["apply", "--stack", DEV, "--auto-approve"]);
    out.assert_success();
    let mut left = alarm_names(&moto);
    left.retain(|n| !n.starts_with("idrv5-dev-"));
    left.sort();
    assert_eq!(left, ["hand made", "team b 5xx"]);
    let plan = cli(
        &moto,
        &dir,
        &["plan", "--stack", DEV, "--detailed-exitcode"],
    );
    assert_eq!(plan.status, 0, "{plan}");
}
