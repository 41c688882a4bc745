//! Helpers for tests that run the example stack: a scratch copy of it, SDK clients on the
//! emulator, and the owned-API lookup.

use super::{cli, copy_dir, repo_root, Moto};
use std::path::{Path, PathBuf};

pub const DEV: &str = "stacks/idrv5/dev.yaml";

pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    copy_dir(repo_root().join("stacks"), root.join("stacks"));
    copy_dir(repo_root().join("examples"), root.join("examples"));
    (tmp, root)
}

/// An SDK client of crate `$sdk` talking to the emulator, with test credentials.
macro_rules! emulator_client {
    ($name:ident, $sdk:ident, $region:literal) => {
        pub fn $name(moto: &Moto) -> $sdk::Client {
            let creds = $sdk::config::Credentials::new("testing", "testing", None, None, "test");
            let conf = $sdk::Config::builder()
                .behavior_version($sdk::config::BehaviorVersion::latest())
                .region($sdk::config::Region::new($region))
                .endpoint_url(moto.endpoint())
                .credentials_provider(creds)
                .build();
            $sdk::Client::from_conf(conf)
        }
    };
}

emulator_client!(apigw, aws_sdk_apigateway, "ap-southeast-2");
emulator_client!(logs, aws_sdk_cloudwatchlogs, "ap-southeast-2");
emulator_client!(cloudwatch, aws_sdk_cloudwatch, "ap-southeast-2");
emulator_client!(wafv2, aws_sdk_wafv2, "ap-southeast-2");
emulator_client!(acm, aws_sdk_acm, "ap-southeast-2");
// Route53 is global: the SDK signs it for us-east-1.
emulator_client!(route53, aws_sdk_route53, "us-east-1");

/// The hosted zone the prod example writes into: it belongs to the account, not the stack.
pub const ZONE: &str = "idrv5.example.com";

/// Creates the example's hosted zone; returns its id.
pub fn hosted_zone(moto: &Moto) -> String {
    rt().block_on(async {
        let z = route53(moto)
            .create_hosted_zone()
            .name(ZONE)
            .caller_reference(format!("test-{}", std::process::id()))
            .send()
            .await
            .expect("create_hosted_zone");
        z.hosted_zone()
            .expect("zone")
            .id()
            .trim_start_matches("/hostedzone/")
            .to_string()
    })
}

/// Every record set in the zone: (name, type, values or alias target).
pub fn zone_records(moto: &Moto, zone_id: &str) -> Vec<(String, String, String)> {
    rt().block_on(async {
        let page = route53(moto)
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .send()
            .await
            .expect("list_resource_record_sets");
        page.resource_record_sets()
            .iter()
            .map(|s| {
                let v = match s.alias_target() {
                    Some(a) => format!("ALIAS {}", a.dns_name()),
                    None => s
                        .resource_records()
                        .iter()
                        .map(|r| r.value().to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                };
                (
                    s.name().trim_end_matches('.').to_string(),
                    s.r#type().as_str().to_string(),
                    v,
                )
            })
            .collect()
    })
}

pub fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn apply_ok(moto: &Moto, dir: &Path, stack: &str) -> String {
    let out = cli(moto, dir, &["apply", "--stack", stack, "--auto-approve"]);
    assert_eq!(
        out.status, 0,
        "apply failed:\n{}\n{}",
        out.stdout, out.stderr
    );
    out.stdout
}

pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).expect("write");
}

/// All REST APIs named `name`: (id, tags).
pub async fn apis_named(
    c: &aws_sdk_apigateway::Client,
    name: &str,
) -> Vec<(String, std::collections::HashMap<String, String>)> {
    let apis = c
        .get_rest_apis()
        .limit(500)
        .send()
        .await
        .expect("get_rest_apis");
    apis.items()
        .iter()
        .filter(|a| a.name() == Some(name))
        .map(|a| {
            (
                a.id().unwrap().to_string(),
                a.tags().cloned().unwrap_or_default(),
            )
        })
        .collect()
}

pub async fn owned_api(c: &aws_sdk_apigateway::Client) -> String {
    let apis = apis_named(c, "idrv5-dev").await;
    let owned: Vec<_> = apis
        .into_iter()
        .filter(|(_, t)| t.get("idrv5-gw:stack").map(String::as_str) == Some("idrv5/dev"))
        .collect();
    assert_eq!(owned.len(), 1, "exactly one owned API expected");
    owned[0].0.clone()
}

/// The `--stats` line a command printed on stderr: the total, and calls by operation with
/// the service dropped (`UpdateUsagePlan`, `CreateLogGroup`) — but for an operation a service
/// listed earlier has too (API Gateway's and the tagging API's `GetResources`), which keeps
/// it (`Resource Groups Tagging API.GetResources`).
pub fn aws_calls(stderr: &str) -> (u64, std::collections::BTreeMap<String, u64>) {
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("aws calls: "))
        .unwrap_or_else(|| panic!("no --stats line in:\n{stderr}"));
    let (total, rest) = line.split_once(' ').unwrap_or((line, ""));
    let inner = rest
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap_or_default();
    let mut by_op = std::collections::BTreeMap::new();
    for (k, v) in inner.split(", ").filter_map(|kv| kv.split_once('=')) {
        let op = k.rsplit('.').next().unwrap_or(k);
        let op = if by_op.contains_key(op) { k } else { op };
        if let Ok(v) = v.parse() {
            by_op.insert(op.to_string(), v);
        }
    }
    (total.parse().expect("call total"), by_op)
}

/// The calls that change something (everything but Get*, Describe*, List*).
pub fn write_calls(stderr: &str) -> std::collections::BTreeMap<String, u64> {
    aws_calls(stderr)
        .1
        .into_iter()
        .filter(|(op, _)| {
            let name = op.rsplit('.').next().unwrap_or(op);
            !["Get", "Describe", "List"]
                .iter()
                .any(|p| name.starts_with(p))
        })
        .collect()
}

emulator_client!(apigwv2_us, aws_sdk_apigatewayv2, "us-east-1");
emulator_client!(apigwv2, aws_sdk_apigatewayv2, "ap-southeast-2");
emulator_client!(cloudwatch_us, aws_sdk_cloudwatch, "us-east-1");
emulator_client!(logs_us, aws_sdk_cloudwatchlogs, "us-east-1");
emulator_client!(dynamodb, aws_sdk_dynamodb, "ap-southeast-2");

/// Drift made in the console: the stage variable `EXTRA=1` on the dev example's `dev` stage.
pub fn console_stage_variable(moto: &Moto) {
    rt().block_on(async {
        let c = apigw(moto);
        let api = owned_api(&c).await;
        let op = aws_sdk_apigateway::types::PatchOperation::builder()
            .op(aws_sdk_apigateway::types::Op::Replace)
            .path("/variables/EXTRA")
            .value("1")
            .build();
        c.update_stage()
            .rest_api_id(&api)
            .stage_name("dev")
            .patch_operations(op)
            .send()
            .await
            .unwrap();
    });
}
