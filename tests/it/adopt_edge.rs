//! Taking over a custom domain made by hand (issue 17): the console's steps for a REST API's
//! domain (an ACM certificate validated through a CNAME in the hosted zone, a regional
//! custom domain with a base path mapping, an A alias record) are imported with the API as
//! `edge.domains.<key>.adopt: true`; the first plan only adopts, the apply writes the
//! ownership tags and TXT records, and every id stays. On LocalStack (API Gateway REST,
//! ACM, Route53): moto answers TagResource on a domain with a 404 (docs/EMULATOR.md).

use crate::common::localstack::LocalStack;
use crate::common::stack::{apigwv2, rt};
use crate::common::Moto;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};

const DOMAIN: &str = "api.hand.example.com";

fn upsert(set: ResourceRecordSet) -> ChangeBatch {
    let change = Change::builder()
        .action(ChangeAction::Upsert)
        .resource_record_set(set)
        .build()
        .unwrap();
    ChangeBatch::builder().changes(change).build().unwrap()
}

/// The console's steps, with a base path mapping to the REST API `api_id` when there is one;
/// returns (certificate ARN, the domain's regional target).
fn hand_made_domain(ls: &LocalStack, zone_id: &str, api_id: Option<&str>) -> (String, String) {
    rt().block_on(async {
        use aws_sdk_acm::types::ValidationMethod;
        use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType};
        let acm = ls.acm("ap-southeast-2");
        let cert = acm
            .request_certificate()
            .domain_name(DOMAIN)
            .validation_method(ValidationMethod::Dns)
            .send()
            .await
            .unwrap();
        let arn = cert.certificate_arn().unwrap().to_string();
        // "Create records in Route 53": the validation CNAME ACM gives.
        let cname = loop {
            let d = acm
                .describe_certificate()
                .certificate_arn(&arn)
                .send()
                .await
                .unwrap();
            let rr = d
                .certificate()
                .and_then(|c| c.domain_validation_options().first())
                .and_then(|o| o.resource_record())
                .cloned();
            if let Some(rr) = rr {
                break rr;
            }
        };
        let r53 = ls.route53();
        let value = ResourceRecord::builder()
            .value(cname.value())
            .build()
            .unwrap();
        let set = ResourceRecordSet::builder()
            .name(cname.name())
            .r#type(RrType::Cname)
            .ttl(300)
            .resource_records(value)
            .build()
            .unwrap();
        r53.change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(upsert(set))
            .send()
            .await
            .unwrap();
        let c = ls.apigw("ap-southeast-2");
        let d = c
            .create_domain_name()
            .domain_name(DOMAIN)
            .regional_certificate_arn(&arn)
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::Regional)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        if let Some(api_id) = api_id {
            c.create_base_path_mapping()
                .domain_name(DOMAIN)
                .rest_api_id(api_id)
                .stage("prod")
                .send()
                .await
                .unwrap();
        }
        let target = d.regional_domain_name().unwrap().to_string();
        let alias = AliasTarget::builder()
            .dns_name(&target)
            .hosted_zone_id(d.regional_hosted_zone_id().unwrap())
            .evaluate_target_health(false)
            .build()
            .unwrap();
        let set = ResourceRecordSet::builder()
            .name(DOMAIN)
            .r#type(RrType::A)
            .alias_target(alias)
            .build()
            .unwrap();
        r53.change_resource_record_sets()
            .hosted_zone_id(zone_id)
            .change_batch(upsert(set))
            .send()
            .await
            .unwrap();
        (arn, target)
    })
}

/// (the domain's certificate, its regional target, its tags).
fn domain_now(ls: &LocalStack) -> (String, String, Option<String>) {
    rt().block_on(async {
        let c = ls.apigw("ap-southeast-2");
        let d = c
            .get_domain_name()
            .domain_name(DOMAIN)
            .send()
            .await
            .unwrap();
        let arn = format!("arn:aws:apigateway:ap-southeast-2::/domainnames/{DOMAIN}");
        let tags = c.get_tags().resource_arn(arn).send().await.unwrap();
        let owner = tags.tags().and_then(|t| t.get("idrv5-gw:stack")).cloned();
        (
            d.regional_certificate_arn().unwrap_or_default().to_string(),
            d.regional_domain_name().unwrap_or_default().to_string(),
            owner,
        )
    })
}

/// The names of the zone's TXT records (the ownership records).
fn txt_names(ls: &LocalStack, zone_id: &str) -> Vec<String> {
    rt().block_on(async {
        let sets = ls
            .route53()
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .send()
            .await
            .unwrap();
        let txt = sets.resource_record_sets().iter();
        let mut names: Vec<String> = txt
            .filter(|s| s.r#type() == &RrType::Txt)
            .map(|s| s.name().to_string())
            .collect();
        names.sort();
        names
    })
}

#[test]
fn a_hand_made_custom_domain_is_imported_and_adopted_with_its_certificate_and_records() {
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let zone_id = crate::grounds::hosted_zone_on(&ls, "hand.example.com");
    let api = crate::adopt::hand_made(&ls);
    let (cert, target) = hand_made_domain(&ls, &zone_id, Some(&api));
    let cli = |args: &[&str]| ls.cli(&moto, dir, args);
    let out = cli(&[
        "import",
        "--rest-api",
        &api,
        "--out",
        "imported",
        "--region",
        "ap-southeast-2",
    ]);
    out.assert_success();
    assert!(!out.stderr.contains("not imported"), "{out}");
    let stack = std::fs::read_to_string(dir.join("imported/stack.yaml")).unwrap();
    let want = format!(
        "  domains:\n    api:\n      domain_name: {DOMAIN}\n      hosted_zone: hand.example.com\n      mappings:\n        (none): main.prod\n      adopt: true\n      ipv6: false\n"
    );
    assert!(stack.contains(&want), "{stack}");

    let stack = "imported/stack.yaml";
    // Without `adopt`, the plan stops on the domain and names the key.
    let file = dir.join(stack);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("      adopt: true\n", "")).unwrap();
    let refused = cli(&["plan", "--stack", stack]);
    assert_eq!(refused.status, 1, "{refused}");
    assert!(
        refused.stderr.contains(&format!(
            "custom domain {DOMAIN} already exists, made outside idrv5-gw"
        )),
        "{refused}"
    );
    assert!(refused.stderr.contains("`adopt: true`"), "{refused}");
    std::fs::write(&file, text).unwrap();
    let plan = cli(&["plan", "--stack", stack, "--no-color"]);
    plan.assert_success();
    let mut lines: Vec<&str> = plan
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with(['+', '~', '-']))
        .map(str::trim)
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "~ adopt certificate api.hand.example.com",
            "~ adopt deployment main",
            "~ adopt dns_record api.hand.example.com A",
            "~ adopt dns_record validation api.hand.example.com",
            "~ adopt domain_name api.hand.example.com",
            "~ adopt rest_api main",
        ],
        "{plan}"
    );
    cli(&["apply", "--stack", stack, "--auto-approve"]).assert_success();
    assert_eq!(
        domain_now(&ls),
        (cert, target, Some("hand-made/imported".to_string())),
        "the same domain on the same certificate, now the stack's"
    );
    let txt = txt_names(&ls, &zone_id);
    assert!(
        txt.contains(&format!("idrv5-gw-a.{DOMAIN}.")),
        "the alias record's ownership TXT: {txt:?}"
    );
    assert!(
        txt.iter().any(|t| t.starts_with("idrv5-gw-cname._")),
        "the validation record's ownership TXT: {txt:?}"
    );
    let again = cli(&["plan", "--stack", stack, "--detailed-exitcode"]);
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
}

/// The same domain mapped only to an HTTP API made by hand (`aws apigatewayv2
/// create-api-mapping`): `import --http-api` writes it with the API, mapped to its stage,
/// and the first apply adopts both without creating anything. The HTTP API is on moto
/// (LocalStack's free edition has no v2), which keeps v2 domain names apart from v1 ones:
/// the v2 twin of the domain lets CreateApiMapping find it (docs/EMULATOR.md).
#[test]
fn a_hand_made_domain_mapped_only_to_an_http_api_is_imported_and_adopted_with_it() {
    use aws_sdk_apigatewayv2::types::{IntegrationType, ProtocolType};
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let zone_id = crate::grounds::hosted_zone_on(&ls, "hand.example.com");
    let (cert, target) = hand_made_domain(&ls, &zone_id, None);
    let http = rt().block_on(async {
        let c = apigwv2(&moto);
        let api = c
            .create_api()
            .name("hand-items")
            .protocol_type(ProtocolType::Http)
            .send()
            .await
            .unwrap();
        let id = api.api_id().unwrap().to_string();
        let legacy = c
            .create_integration()
            .api_id(&id)
            .integration_type(IntegrationType::HttpProxy)
            .integration_uri("https://legacy.example.com/{proxy}")
            .integration_method("ANY")
            .payload_format_version("1.0")
            .send()
            .await
            .unwrap();
        c.create_route()
            .api_id(&id)
            .route_key("ANY /legacy/{proxy+}")
            .target(format!("integrations/{}", legacy.integration_id().unwrap()))
            .send()
            .await
            .unwrap();
        c.create_stage()
            .api_id(&id)
            .stage_name("live")
            .auto_deploy(true)
            .send()
            .await
            .unwrap();
        c.create_domain_name()
            .domain_name(DOMAIN)
            .send()
            .await
            .unwrap();
        c.create_api_mapping()
            .domain_name(DOMAIN)
            .api_id(&id)
            .stage("live")
            .api_mapping_key("items")
            .send()
            .await
            .unwrap();
        id
    });
    let cli = |args: &[&str]| ls.cli(&moto, dir, args);
    let out = cli(&[
        "import",
        "--http-api",
        "hand-items",
        "--out",
        "imported",
        "--region",
        "ap-southeast-2",
        "--stack-name",
        "hand",
    ]);
    out.assert_success();
    assert!(!out.stderr.contains("not imported"), "{out}");
    let stack = "imported/stack.yaml";
    let text = std::fs::read_to_string(dir.join(stack)).unwrap();
    let want = format!(
        "  domains:\n    api:\n      domain_name: {DOMAIN}\n      hosted_zone: hand.example.com\n      mappings:\n        items: hand-items.live\n      adopt: true\n      ipv6: false\n"
    );
    assert!(text.contains(&want), "{text}");
    let plan = cli(&["plan", "--stack", stack, "--no-color"]);
    plan.assert_success();
    for line in [
        "~ adopt http_api hand-items",
        "~ adopt domain_name api.hand.example.com",
        "~ adopt certificate api.hand.example.com",
        "~ adopt dns_record api.hand.example.com A",
    ] {
        assert!(plan.stdout.contains(line), "{line:?} in:\n{plan}");
    }
    assert!(
        !plan
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("+ ")),
        "nothing is created:\n{plan}"
    );
    cli(&["apply", "--stack", stack, "--auto-approve"]).assert_success();
    assert_eq!(
        domain_now(&ls),
        (cert, target, Some("hand/imported".to_string())),
        "the same domain on the same certificate, now the stack's"
    );
    rt().block_on(async {
        let maps = apigwv2(&moto)
            .get_api_mappings()
            .domain_name(DOMAIN)
            .send()
            .await
            .unwrap();
        let got: Vec<(Option<&str>, Option<&str>, Option<&str>)> = maps
            .items()
            .iter()
            .map(|m| (m.api_id(), m.stage(), m.api_mapping_key()))
            .collect();
        assert_eq!(got, [(Some(http.as_str()), Some("live"), Some("items"))]);
    });
    let again = cli(&["plan", "--stack", stack, "--detailed-exitcode"]);
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");
}
