//! From Terraform (issue 17): seed 002's layout (a `{proxy+}` ANY method with a custom
//! integration answering XML, a method and integration response, a deployment and a stage)
//! plus a usage plan with a key, an alarm on the stage, a web ACL with an IP set on the
//! stage, a custom domain (certificate, validation and alias records, base path mapping)
//! and an HTTP API, built by Terraform itself against LocalStack (and moto for the HTTP API
//! and WAF), moves under idrv5-gw with no
//! resource recreated: `import --from-terraform-state` writes the stack,
//! its first plan only adopts, the apply keeps the REST API, stage and deployment ids, and
//! after the printed `terraform state rm` lines Terraform plans nothing.
//!
//! Needs `terraform` and the AWS provider in the filesystem mirror (docs/import.md); where
//! either is missing the test says so and returns (the state parsing is unit-tested on a
//! checked-in state, src/model/terraform.rs).

use crate::common::localstack::LocalStack;
use crate::common::stack::rt;
use crate::common::Moto;
use std::path::{Path, PathBuf};
use std::process::Command;

const MIRROR: &str = "/opt/tf-plugins";
/// The custom domain Terraform gives the REST API, in a zone the account already has.
const DOMAIN: &str = "api.orca.example.com";

/// `terraform` on PATH and an AWS provider in the mirror, or why not.
fn terraform() -> Result<PathBuf, String> {
    let exe = std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("terraform"))
                .find(|f| f.is_file())
        })
        .ok_or("`terraform` is not on PATH")?;
    let provider = Path::new(MIRROR).join("registry.terraform.io/hashicorp/aws");
    if !provider.is_dir() {
        return Err(format!("no AWS provider in {}", provider.display()));
    }
    Ok(exe)
}

/// Seed 002's resources, as `main.tf.json`, pointed at LocalStack, and an HTTP API beside
/// them on moto (LocalStack's free edition has no API Gateway v2).
fn config(endpoint: &str, moto: &str, zone: &str) -> serde_json::Value {
    let api = "${aws_api_gateway_rest_api.orca_api.id}";
    let items = "${aws_apigatewayv2_api.items.id}";
    let res = "${aws_api_gateway_resource.orca_api_resource.id}";
    let method = "${aws_api_gateway_method.orca_api_method.http_method}";
    let xml = "#set($inputRoot = $input.path('$'))\n<orca><id>$inputRoot.id</id></orca>";
    let validation = "tolist(aws_acm_certificate.api.domain_validation_options)[0]";
    let seen = |m: &str| serde_json::json!({"cloudwatch_metrics_enabled": true, "metric_name": m, "sampled_requests_enabled": true});
    serde_json::json!({
        "provider": {"aws": {
            "region": "us-east-1", "access_key": "testing", "secret_key": "testing",
            "skip_credentials_validation": true, "skip_requesting_account_id": true,
            "skip_metadata_api_check": true, "skip_region_validation": true,
            "endpoints": {"apigateway": endpoint, "apigatewayv2": moto, "cloudwatch": endpoint, "sts": endpoint, "wafv2": moto,
                "acm": endpoint, "route53": endpoint}
        }},
        "resource": {
            "aws_api_gateway_rest_api": {"orca_api": {"name": "dev_orca_api"}},
            "aws_api_gateway_resource": {"orca_api_resource": {
                "rest_api_id": api, "path_part": "{proxy+}",
                "parent_id": "${aws_api_gateway_rest_api.orca_api.root_resource_id}"
            }},
            "aws_api_gateway_method": {"orca_api_method": {
                "rest_api_id": api, "resource_id": res, "http_method": "ANY",
                "authorization": "NONE",
                "request_parameters": {"method.request.path.proxy": true}
            }},
            "aws_api_gateway_integration": {"integration": {
                "rest_api_id": api, "resource_id": res, "http_method": method,
                "integration_http_method": "POST", "type": "HTTP",
                "uri": "http://orca.internal:8080/{proxy}",
                "request_parameters": {"integration.request.path.proxy": "method.request.path.proxy"}
            }},
            "aws_api_gateway_method_response": {"orca_response_200": {
                "rest_api_id": api, "resource_id": res, "http_method": method,
                "status_code": "200"
            }},
            "aws_api_gateway_integration_response": {"orca_api_response": {
                "depends_on": ["aws_api_gateway_integration.integration"],
                "rest_api_id": api, "resource_id": res, "http_method": method,
                "status_code": "${aws_api_gateway_method_response.orca_response_200.status_code}",
                "response_templates": {"application/json": xml}
            }},
            "aws_api_gateway_deployment": {"orca_api_deployment": {
                "depends_on": ["aws_api_gateway_integration_response.orca_api_response"],
                "rest_api_id": api
            }},
            "aws_api_gateway_stage": {"orca": {
                "rest_api_id": api, "stage_name": "orca",
                "deployment_id": "${aws_api_gateway_deployment.orca_api_deployment.id}"
            }},
            "aws_api_gateway_usage_plan": {"partners": {
                "name": "orca-partners",
                "api_stages": [{"api_id": api, "stage": "${aws_api_gateway_stage.orca.stage_name}"}],
                "throttle_settings": {"rate_limit": 10, "burst_limit": 20}
            }},
            "aws_api_gateway_api_key": {"acme": {"name": "acme"}},
            "aws_cloudwatch_metric_alarm": {"orca_5xx": {
                "alarm_name": "orca-5xx", "namespace": "AWS/ApiGateway", "metric_name": "5XXError",
                "dimensions": {"ApiName": "dev_orca_api", "Stage": "${aws_api_gateway_stage.orca.stage_name}"},
                "statistic": "Sum", "period": 60, "evaluation_periods": 1, "threshold": 1,
                "comparison_operator": "GreaterThanOrEqualToThreshold", "treat_missing_data": "notBreaching"
            }},
            "aws_apigatewayv2_api": {"items": {"name": "orca-items", "protocol_type": "HTTP"}},
            "aws_apigatewayv2_integration": {"items": {
                "api_id": items, "integration_type": "HTTP_PROXY", "integration_method": "ANY",
                "integration_uri": "http://orca.internal:8080/items", "payload_format_version": "1.0"
            }},
            "aws_apigatewayv2_route": {"items": {
                "api_id": items, "route_key": "GET /items",
                "target": "integrations/${aws_apigatewayv2_integration.items.id}"
            }},
            "aws_apigatewayv2_stage": {"default": {"api_id": items, "name": "$default", "auto_deploy": true}},
            "aws_wafv2_ip_set": {"office": {
                "name": "orca-office", "scope": "REGIONAL", "ip_address_version": "IPV4",
                "addresses": ["203.0.113.0/24"]
            }},
            "aws_wafv2_web_acl": {"orca": {
                "name": "orca-waf", "scope": "REGIONAL", "default_action": {"allow": {}},
                "rule": [{
                    "name": "office", "priority": 0, "action": {"allow": {}},
                    "statement": {"ip_set_reference_statement": {"arn": "${aws_wafv2_ip_set.office.arn}"}},
                    "visibility_config": seen("office")
                }],
                "visibility_config": seen("orca-waf")
            }},
            "aws_acm_certificate": {"api": {"domain_name": DOMAIN, "validation_method": "DNS"}},
            "aws_route53_record": {
                "validation": {
                    "zone_id": zone, "type": "CNAME", "ttl": 300, "allow_overwrite": true,
                    "name": format!("${{{validation}.resource_record_name}}"),
                    "records": [format!("${{{validation}.resource_record_value}}")]
                },
                "api": {
                    "zone_id": zone, "name": DOMAIN, "type": "A",
                    "alias": {
                        "name": "${aws_api_gateway_domain_name.api.regional_domain_name}",
                        "zone_id": "${aws_api_gateway_domain_name.api.regional_zone_id}",
                        "evaluate_target_health": false
                    }
                }
            },
            "aws_acm_certificate_validation": {"api": {
                "certificate_arn": "${aws_acm_certificate.api.arn}",
                "validation_record_fqdns": ["${aws_route53_record.validation.fqdn}"]
            }},
            "aws_api_gateway_domain_name": {"api": {
                "domain_name": DOMAIN,
                "regional_certificate_arn": "${aws_acm_certificate_validation.api.certificate_arn}",
                "endpoint_configuration": {"types": ["REGIONAL"]}
            }},
            "aws_api_gateway_base_path_mapping": {"api": {
                "api_id": api, "stage_name": "${aws_api_gateway_stage.orca.stage_name}",
                "domain_name": "${aws_api_gateway_domain_name.api.domain_name}"
            }},
            "aws_wafv2_web_acl_association": {"orca": {
                "resource_arn": "${aws_api_gateway_stage.orca.arn}",
                "web_acl_arn": "${aws_wafv2_web_acl.orca.arn}"
            }},
            "aws_api_gateway_usage_plan_key": {"acme": {
                "key_id": "${aws_api_gateway_api_key.acme.id}", "key_type": "API_KEY",
                "usage_plan_id": "${aws_api_gateway_usage_plan.partners.id}"
            }}
        }
    })
}

fn tf(exe: &Path, dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dir.join("terraform.rc"))
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("terraform runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// (REST API id, the stage's deployment id), read from LocalStack, and the HTTP API's id
/// from moto.
fn ids(ls: &LocalStack, moto: &Moto) -> (String, String, String) {
    let http = rt().block_on(async {
        let apis = crate::common::stack::apigwv2_us(moto)
            .get_apis()
            .send()
            .await
            .unwrap();
        assert_eq!(apis.items().len(), 1, "{apis:?}");
        apis.items()[0].api_id().unwrap().to_string()
    });
    rt().block_on(async {
        let c = ls.apigw("us-east-1");
        let apis = c.get_rest_apis().send().await.unwrap();
        assert_eq!(apis.items().len(), 1, "{apis:?}");
        let id = apis.items()[0].id().unwrap().to_string();
        let s = c
            .get_stage()
            .rest_api_id(&id)
            .stage_name("orca")
            .send()
            .await
            .unwrap();
        (id, s.deployment_id().unwrap().to_string(), http)
    })
}

#[test]
fn a_terraform_built_gateway_moves_under_idrv5_gw_with_nothing_recreated() {
    let exe = match terraform() {
        Ok(e) => e,
        Err(why) => {
            eprintln!("note: Terraform migration test not run: {why}");
            return;
        }
    };
    let (moto, ls) = (Moto::start(), LocalStack::start());
    let zone = crate::grounds::hosted_zone_on(&ls, "orca.example.com");
    let tmp = tempfile::tempdir().unwrap();
    let (dir, infra) = (tmp.path(), tmp.path().join("infra"));
    std::fs::create_dir_all(&infra).unwrap();
    std::fs::write(
        infra.join("terraform.rc"),
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{MIRROR}\"\n    include = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/aws\"]\n  }}\n}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        infra.join("main.tf.json"),
        serde_json::to_string_pretty(&config(&ls.endpoint(), &moto.endpoint(), &zone)).unwrap(),
    )
    .unwrap();
    let (code, out) = tf(&exe, &infra, &["init", "-input=false", "-no-color"]);
    assert_eq!(code, 0, "terraform init:\n{out}");
    let (code, out) = tf(
        &exe,
        &infra,
        &["apply", "-auto-approve", "-input=false", "-no-color"],
    );
    assert_eq!(code, 0, "terraform apply:\n{out}");
    let (code, shown) = tf(&exe, &infra, &["show", "-json", "-no-color"]);
    assert_eq!(code, 0, "terraform show:\n{shown}");
    std::fs::write(dir.join("state.json"), &shown).unwrap();
    let before = ids(&ls, &moto);

    let out = ls.cli(
        &moto,
        dir,
        &[
            "import",
            "--from-terraform-state",
            "state.json",
            "--out",
            "orca",
            "--stack-name",
            "orca",
            "--environment",
            "dev",
            "--region",
            "us-east-1",
        ],
    );
    out.assert_success();
    assert!(!out.stderr.contains("not imported"), "{out}");
    let rm: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("terraform state rm "))
        .collect();
    assert_eq!(
        rm.len(),
        25,
        "every resource of the state is handed over:\n{out}"
    );

    let stack = "orca/stack.yaml";
    let plan = ls.cli(&moto, dir, &["plan", "--stack", stack, "--no-color"]);
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
            "~ adopt alarm orca-5xx",
            "~ adopt api_key acme",
            "~ adopt certificate api.orca.example.com",
            "~ adopt deployment main",
            "~ adopt dns_record api.orca.example.com A",
            "~ adopt dns_record validation api.orca.example.com",
            "~ adopt domain_name api.orca.example.com",
            "~ adopt http_api orca-items",
            "~ adopt ip_set orca-office",
            "~ adopt rest_api main",
            "~ adopt usage_plan orca-partners",
            "~ adopt web_acl orca-waf",
            // The HTTP API's integration gains the name the stack knows it by.
            "~ integration http-orca.internal-8080",
        ],
        "{plan}"
    );
    ls.cli(&moto, dir, &["apply", "--stack", stack, "--auto-approve"])
        .assert_success();
    assert_eq!(
        ids(&ls, &moto),
        before,
        "the REST API, stage, deployment and HTTP API ids are kept"
    );
    let again = ls.cli(
        &moto,
        dir,
        &["plan", "--stack", stack, "--detailed-exitcode"],
    );
    assert_eq!(again.status, 0, "the next plan is not empty:\n{again}");

    // The pasted hand-over: Terraform forgets them and, with the config gone, plans nothing.
    for line in rm {
        let address = line
            .trim_start_matches("terraform state rm ")
            .trim_matches('\'');
        let (code, out) = tf(&exe, &infra, &["state", "rm", "-no-color", address]);
        assert_eq!(code, 0, "{line}:\n{out}");
    }
    std::fs::write(
        infra.join("main.tf.json"),
        serde_json::to_string_pretty(
            &serde_json::json!({"provider": config(&ls.endpoint(), &moto.endpoint(), &zone)["provider"]}),
        )
        .unwrap(),
    )
    .unwrap();
    let (code, out) = tf(
        &exe,
        &infra,
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(code, 0, "Terraform still plans changes:\n{out}");
    assert_eq!(ids(&ls, &moto), before);
}
