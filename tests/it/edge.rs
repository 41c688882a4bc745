//! The edge against moto: the WAF web ACL with its rules, IP sets and stage association,
//! a second plan with nothing to do, and switching WAF off.

use crate::common;

use common::stack::*;
use common::{cli, Moto};

const STAGING: &str = "stacks/idrv5/staging.yaml";
const PROD: &str = "stacks/idrv5/prod.yaml";

async fn api_id(c: &aws_sdk_apigateway::Client, name: &str) -> String {
    apis_named(c, name).await[0].0.clone()
}

#[test]
fn staging_gets_the_ip_allow_list_with_the_custom_403_and_a_second_plan_is_empty() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    apply_ok(&moto, &dir, STAGING);
    rt().block_on(async {
        let waf = wafv2(&moto);
        let acls = waf
            .list_web_acls()
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        assert_eq!(acls.web_acls().len(), 1);
        let s = &acls.web_acls()[0];
        assert_eq!(s.name(), Some("idrv5-staging-waf"));
        let acl = waf
            .get_web_acl()
            .name(s.name().unwrap())
            .id(s.id().unwrap())
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        let acl = acl.web_acl().unwrap();
        let block = acl
            .default_action()
            .unwrap()
            .block()
            .expect("default BLOCK");
        let resp = block.custom_response().expect("custom response");
        assert_eq!(resp.response_code(), 403);
        let body = &acl.custom_response_bodies().unwrap()[resp.custom_response_body_key().unwrap()];
        assert!(body.content().contains("Sorry, your IP is blocked"));
        let mut rules: Vec<(String, i32)> = acl
            .rules()
            .iter()
            .map(|r| (r.name().to_string(), r.priority()))
            .collect();
        rules.sort();
        assert_eq!(
            rules,
            vec![("allow-office".into(), 10), ("allow-office-v6".into(), 11)]
        );
        assert!(acl.rules()[0].action().unwrap().allow().is_some());
        let sets = waf
            .list_ip_sets()
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        assert_eq!(sets.ip_sets().len(), 2);
        let id = api_id(&apigw(&moto), "idrv5-staging").await;
        let stage = format!("arn:aws:apigateway:ap-southeast-2::/restapis/{id}/stages/staging");
        let on = waf
            .get_web_acl_for_resource()
            .resource_arn(stage)
            .send()
            .await
            .unwrap();
        assert_eq!(on.web_acl().map(|a| a.arn()), Some(acl.arn()));
    });
    let plan = cli(&moto, &dir, &["plan", "--stack", STAGING]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn prod_gets_managed_rules_rate_limit_and_geo_block_and_switching_waf_off_removes_acl_and_association(
) {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let prod = dir.join(PROD);
    // Unprotected, so switching WAF off may delete.
    let text = std::fs::read_to_string(&prod).unwrap();
    std::fs::write(&prod, format!("{text}\nprotect: false\n")).unwrap();
    let zone = hosted_zone(&moto);
    apply_ok(&moto, &dir, PROD);
    domain_is_live(&moto, &zone);
    rt().block_on(async {
        let waf = wafv2(&moto);
        let acls = waf
            .list_web_acls()
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        let s = &acls.web_acls()[0];
        let acl = waf
            .get_web_acl()
            .name(s.name().unwrap())
            .id(s.id().unwrap())
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        let acl = acl.web_acl().unwrap();
        assert!(acl.default_action().unwrap().allow().is_some());
        let by_name = |n: &str| acl.rules().iter().find(|r| r.name() == n).unwrap().clone();
        let common = by_name("common");
        let m = common
            .statement()
            .unwrap()
            .managed_rule_group_statement()
            .unwrap();
        assert_eq!(m.name(), "AWSManagedRulesCommonRuleSet");
        assert_eq!(m.rule_action_overrides()[0].name(), "SizeRestrictions_BODY");
        assert!(by_name("bot-control")
            .override_action()
            .unwrap()
            .count()
            .is_some());
        let rate = by_name("rate-limit");
        assert_eq!(
            rate.statement()
                .unwrap()
                .rate_based_statement()
                .unwrap()
                .limit(),
            2000
        );
        assert_eq!(rate.priority(), 40);
        let geo = by_name("geo-block");
        assert_eq!(
            geo.statement()
                .unwrap()
                .geo_match_statement()
                .unwrap()
                .country_codes()
                .len(),
            2
        );
        assert_eq!(geo.visibility_config().unwrap().metric_name(), "geo-block");
    });
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    // A new name on the certificate: a new certificate swapped onto the live domain, the
    // old one deleted once nothing uses it; the domain is updated, never replaced.
    // (moto lacks UpdateDomainName, so this is checked on the plan: docs/EMULATOR.md.)
    let zone_line = "      hosted_zone: idrv5.example.com\n";
    edit(
        &prod,
        zone_line,
        &format!("{zone_line}      subject_alternative_names: [www.api.idrv5.example.com]\n"),
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    for want in [
        "-/+ certificate api.idrv5.example.com",
        "subject_alternative_names: [] → [\"www.api.idrv5.example.com\"]  (forces replacement)",
        "+ dns_record validation www.api.idrv5.example.com",
        "~ domain_name api.idrv5.example.com\n        certificate_arn: \"arn:aws:acm:",
        "- certificate api.idrv5.example.com (previous copy, once nothing uses it)",
    ] {
        assert!(plan.stdout.contains(want), "{want}\n{}", plan.stdout);
    }
    assert!(!plan.stdout.contains("- domain_name"), "{}", plan.stdout);
    edit(
        &prod,
        "      subject_alternative_names: [www.api.idrv5.example.com]\n",
        "",
    );

    edit(&prod, "  waf:\n", "  waf:\n    enabled: false\n");
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert_eq!(plan.status, 0, "{}", plan.stderr);
    // Exactly the association and the ACL go; the dashboard loses its WAF row, as one line.
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 1 to update, 0 to replace, 2 to delete."),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("~ dashboard idrv5gw_idrv5_prod_overview"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(r#"widgets["WAF idrv5-prod-waf"]: {"#),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("web_acl_association main.prod"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("web_acl idrv5-prod-waf"),
        "{}",
        plan.stdout
    );
    apply_ok(&moto, &dir, PROD);
    rt().block_on(async {
        let acls = wafv2(&moto)
            .list_web_acls()
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap();
        assert!(acls.web_acls().is_empty());
    });
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

/// The certificate with its validation record, the domain, its /v1 mapping and the alias
/// records, read back from the emulator.
fn domain_is_live(moto: &Moto, zone: &str) {
    let records = zone_records(moto, zone);
    let has = |name: &str, t: &str| records.iter().any(|(n, ty, _)| n == name && ty == t);
    assert!(has("api.idrv5.example.com", "A"), "{records:?}");
    assert!(has("api.idrv5.example.com", "AAAA"), "{records:?}");
    // Every record written has its ownership TXT beside it.
    assert!(
        has("idrv5-gw-a.api.idrv5.example.com", "TXT"),
        "{records:?}"
    );
    assert!(
        has("idrv5-gw-aaaa.api.idrv5.example.com", "TXT"),
        "{records:?}"
    );
    let validation: Vec<_> = records
        .iter()
        .filter(|(n, t, _)| t == "CNAME" && n.ends_with(".api.idrv5.example.com"))
        .collect();
    assert_eq!(validation.len(), 1, "{records:?}");
    assert!(
        validation[0].2.contains("acm-validations.aws"),
        "{records:?}"
    );
    assert!(
        records.iter().any(|(n, t, v)| t == "TXT"
            && n.starts_with("idrv5-gw-cname._")
            && v.contains("owner=idrv5/prod")),
        "{records:?}"
    );
    rt().block_on(async {
        let c = apigw(moto);
        let d = c
            .get_domain_name()
            .domain_name("api.idrv5.example.com")
            .send()
            .await
            .unwrap();
        assert_eq!(d.security_policy().map(|p| p.as_str()), Some("TLS_1_2"));
        let cert = d.regional_certificate_arn().expect("regional certificate");
        let alias = records
            .iter()
            .find(|(n, t, _)| n == "api.idrv5.example.com" && t == "A")
            .unwrap();
        assert!(
            alias.2.contains(d.regional_domain_name().unwrap()),
            "{alias:?}"
        );
        let m = c
            .get_base_path_mappings()
            .domain_name("api.idrv5.example.com")
            .send()
            .await
            .unwrap();
        let id = api_id(&c, "idrv5-prod").await;
        assert_eq!(m.items().len(), 1);
        assert_eq!(m.items()[0].base_path(), Some("v1"));
        assert_eq!(m.items()[0].rest_api_id(), Some(id.as_str()));
        assert_eq!(m.items()[0].stage(), Some("prod"));
        let acm = acm(moto);
        let got = acm
            .describe_certificate()
            .certificate_arn(cert)
            .send()
            .await
            .unwrap();
        let got = got.certificate().unwrap();
        assert_eq!(got.domain_name(), Some("api.idrv5.example.com"));
        assert_eq!(got.status().map(|s| s.as_str()), Some("ISSUED"));
    });
}

#[test]
fn a_foreign_record_with_the_domain_name_fails_the_plan_and_nothing_changes() {
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let zone = hosted_zone(&moto);
    rt().block_on(async {
        use aws_sdk_route53::types::*;
        let set = ResourceRecordSet::builder()
            .name("api.idrv5.example.com")
            .r#type(RrType::A)
            .ttl(60)
            .resource_records(
                ResourceRecord::builder()
                    .value("192.0.2.10")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        route53(&moto)
            .change_resource_record_sets()
            .hosted_zone_id(&zone)
            .change_batch(
                ChangeBatch::builder()
                    .changes(
                        Change::builder()
                            .action(ChangeAction::Create)
                            .resource_record_set(set)
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    });
    let before = zone_records(&moto, &zone);
    for args in [
        &["plan", "--stack", PROD][..],
        &["apply", "--stack", PROD, "--auto-approve"][..],
    ] {
        let out = cli(&moto, &dir, args);
        assert_eq!(out.status, 1, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains(
                "DNS record api.idrv5.example.com. A in hosted zone idrv5.example.com already exists, not owned by idrv5-gw"
            ),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr.contains("never changes records it does not own"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(zone_records(&moto, &zone), before);
    rt().block_on(async {
        assert!(apis_named(&apigw(&moto), "idrv5-prod").await.is_empty());
    });
}

#[test]
fn the_certificate_wait_shows_progress_and_no_wait_defers_the_domain_to_the_next_apply() {
    // Long enough that the certificate is still pending when the second apply starts, after a
    // first apply of the whole prod stack (it takes longer than 20 s on a busy machine).
    let moto = Moto::start_with(&[("MOTO_ACM_VALIDATION_WAIT", "60")]);
    let (_tmp, dir) = workspace();
    hosted_zone(&moto);
    let out = cli(
        &moto,
        &dir,
        &["apply", "--stack", PROD, "--auto-approve", "--no-wait"],
    );
    // Not 0: the account is not yet what the stack declares (3: deferred, README).
    assert_eq!(out.status, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("Apply partly complete"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("deferred: domain_name.api: the certificate for api.idrv5.example.com is PENDING_VALIDATION (--no-wait)"),
        "{}",
        out.stdout
    );
    rt().block_on(async {
        let d = apigw(&moto).get_domain_names().send().await.unwrap();
        assert!(
            d.items().is_empty(),
            "no domain before the certificate is issued"
        );
    });
    // The command it says to run, pasted: it waits (with progress) and finishes the job.
    let hint = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Run `"))
        .and_then(|l| l.split('`').nth(1))
        .unwrap_or_else(|| panic!("a command to run again: {}", out.stdout));
    assert_eq!(
        hint,
        format!("idrv5-gw apply --auto-approve --stack {PROD}")
    );
    let args: Vec<&str> = hint.split_whitespace().skip(1).collect();
    let again = cli(&moto, &dir, &args);
    assert_eq!(again.status, 0, "{again}");
    let out = format!("{}{}", again.stdout, again.stderr);
    assert!(
        out.contains("+ domain_name api.idrv5.example.com: waiting for certificate api.idrv5.example.com PENDING_VALIDATION"),
        "{out}"
    );
    let plan = cli(&moto, &dir, &["plan", "--stack", PROD]);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn a_certificate_wait_past_its_limit_names_the_pending_record() {
    let moto = Moto::start_with(&[("MOTO_ACM_VALIDATION_WAIT", "600")]);
    let (_tmp, dir) = workspace();
    hosted_zone(&moto);
    edit(
        &dir.join(PROD),
        "      hosted_zone: idrv5.example.com\n",
        "      hosted_zone: idrv5.example.com\n      wait_seconds: 3\n",
    );
    let out = cli(&moto, &dir, &["apply", "--stack", PROD, "--auto-approve"]);
    assert_eq!(out.status, 1, "{}{}", out.stdout, out.stderr);
    for want in [
        "failed: domain_name.api",
        "the certificate for api.idrv5.example.com is still PENDING_VALIDATION after 3 s",
        "pending validation: _d930b28be6c5927595552b219965053e.api.idrv5.example.com. CNAME",
        "written in hosted zone idrv5.example.com",
        // The command to run again, as pasted: with the stack file it was run with, and (no
        // terminal to confirm on) the approval it was run with.
        "run `idrv5-gw apply --auto-approve --stack stacks/idrv5/prod.yaml` again to keep waiting",
    ] {
        assert!(out.stderr.contains(want), "{want}\n{}", out.stderr);
    }
}

#[test]
fn validate_counts_the_edge_and_names_a_bad_rule_and_mapping_at_their_lines() {
    let (_tmp, dir) = workspace();
    let run = |stack: &str| {
        std::process::Command::new(common::bin())
            .current_dir(&dir)
            .args(["validate", "--stack", stack])
            .output()
            .unwrap()
    };
    let ok = run(PROD);
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("1 web ACL(s), 1 custom domain(s)"),
        "{ok:?}"
    );
    let prod = dir.join(PROD);
    edit(
        &prod,
        "        rate_limit: 2000\n",
        "        rate_limit: 2000\n        geo_block: [KP]\n",
    );
    edit(&prod, "        v1: main.prod", "        v1: main.qa");
    let bad = run(PROD);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stacks/idrv5/prod.yaml:")
            && err.contains("edge.waf.rules.rate-limit: 2 rule kinds given"),
        "{err}"
    );
    assert!(
        err.contains("edge.domains.api.mappings.v1: no stage `main.qa`"),
        "{err}"
    );
}

/// A web ACL made by hand with the name the stack would give its own: the plan stops and
/// names the `adopt` key (WAF refuses a second of that name); with `adopt` the apply takes
/// it over, keeps its id and gives it the stack's rules, and the next plan is empty.
#[test]
fn a_hand_made_web_acl_of_the_stacks_name_stops_the_plan_until_it_is_adopted() {
    use aws_sdk_wafv2::types::{AllowAction, DefaultAction, Scope, VisibilityConfig};
    let moto = Moto::start();
    let (_tmp, dir) = workspace();
    let waf = wafv2(&moto);
    let made = rt().block_on(async {
        let seen = VisibilityConfig::builder()
            .sampled_requests_enabled(false)
            .cloud_watch_metrics_enabled(false)
            .metric_name("by-hand")
            .build()
            .unwrap();
        let acl = waf
            .create_web_acl()
            .name("idrv5-staging-waf")
            .scope(Scope::Regional)
            .default_action(
                DefaultAction::builder()
                    .allow(AllowAction::builder().build())
                    .build(),
            )
            .visibility_config(seen)
            .send()
            .await
            .unwrap();
        acl.summary().unwrap().id().unwrap().to_string()
    });
    let plan = cli(&moto, &dir, &["plan", "--stack", STAGING]);
    assert_eq!(plan.status, 1, "{plan}");
    assert!(
        plan.stderr.contains(&format!(
            "web_acl.waf: `idrv5-staging-waf` ({made}) exists without this stack's tags"
        )),
        "{plan}"
    );
    assert!(
        plan.stderr
            .contains(&format!("take it over with `adopt: {made}` on edge.waf")),
        "{plan}"
    );
    let path = dir.join(STAGING);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replacen("  waf:\n", &format!("  waf:\n    adopt: {made}\n"), 1);
    std::fs::write(&path, text).unwrap();
    let plan = cli(&moto, &dir, &["plan", "--stack", STAGING, "--no-color"]);
    plan.assert_success();
    assert!(
        plan.stdout.contains("~ adopt web_acl idrv5-staging-waf"),
        "{plan}"
    );
    assert!(plan.stdout.contains("+ ip_set allowed"), "{plan}");
    // The hand-made ACL switched its metrics off; the stack's defaults switch them on, shown.
    assert!(plan.stdout.contains("cloudwatch_metrics"), "{plan}");
    apply_ok(&moto, &dir, STAGING);
    rt().block_on(async {
        let acls = waf
            .list_web_acls()
            .scope(Scope::Regional)
            .send()
            .await
            .unwrap();
        let ids: Vec<_> = acls.web_acls().iter().filter_map(|a| a.id()).collect();
        assert_eq!(ids, [made.as_str()], "the same ACL, not a second");
        let acl = waf
            .get_web_acl()
            .name("idrv5-staging-waf")
            .id(&made)
            .scope(Scope::Regional)
            .send()
            .await
            .unwrap();
        let acl = acl.web_acl().unwrap();
        assert!(acl.default_action().unwrap().block().is_some(), "{acl:?}");
        assert_eq!(acl.rules().len(), 2, "{acl:?}");
        let seen = acl.visibility_config().unwrap();
        assert!(seen.cloud_watch_metrics_enabled() && seen.sampled_requests_enabled());
    });
    let again = cli(
        &moto,
        &dir,
        &["plan", "--stack", STAGING, "--detailed-exitcode"],
    );
    assert_eq!(again.status, 0, "{again}");
}
