//! Lambda invoke permissions for API Gateway, off unless the stack asks.

use crate::common;

use common::{cli, Moto};

const REGION: &str = "eu-west-1";

/// Functions to grant on, made in the emulator with boto3 (moto's own dependency).
fn make_functions(moto: &Moto, names: &[&str]) {
    let script = format!(
        r#"
import boto3, io, json, zipfile
kw = dict(endpoint_url="{}", region_name="{REGION}", aws_access_key_id="testing", aws_secret_access_key="testing")
role = boto3.client("iam", **kw).create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({{"Version": "2012-10-17", "Statement": []}}))["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("h.py", "def h(e, c): return {{}}")
for name in {names:?}:
    boto3.client("lambda", **kw).create_function(FunctionName=name, Runtime="python3.11", Role=role, Handler="h.h", Code={{"ZipFile": buf.getvalue()}})
"#,
        moto.endpoint()
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .env_remove("AWS_PROFILE")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn policy(moto: &Moto, function: &str) -> Option<serde_json::Value> {
    let creds = aws_sdk_lambda::config::Credentials::new("testing", "testing", None, None, "t");
    let conf = aws_sdk_lambda::Config::builder()
        .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
        .region(aws_sdk_lambda::config::Region::new(REGION))
        .endpoint_url(moto.endpoint())
        .credentials_provider(creds)
        .build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let p = rt
        .block_on(
            aws_sdk_lambda::Client::from_conf(conf)
                .get_policy()
                .function_name(function)
                .send(),
        )
        .ok()?;
    serde_json::from_str(p.policy()?).ok()
}

const CONTRACT: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1', description: d}\nsecurity: [{token: []}]\npaths:\n  /orders:\n    get:\n      operationId: listOrders\n      responses: {'200': {description: ok}}\n";

fn stack(permissions: bool) -> String {
    format!(
        "stack: shop\nenvironment: dev\nregion: {REGION}\nrest_apis:\n  main:\n    openapi: openapi.yaml\n    lambda_permissions: {permissions}\n    integration:\n      type: AWS_PROXY\n      lambda_arn: arn:aws:lambda:{REGION}:123456789012:function:orders\n    authorizers:\n      token:\n        type: TOKEN\n        lambda_arn: arn:aws:lambda:{REGION}:123456789012:function:auth\n    stages:\n      v1: {{}}\n"
    )
}

#[test]
fn api_gateway_may_invoke_the_integration_and_authorizer_functions_when_asked() {
    let moto = Moto::start();
    make_functions(&moto, &["orders", "auth"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("openapi.yaml"), CONTRACT).unwrap();
    std::fs::write(dir.path().join("stack.yaml"), stack(true)).unwrap();

    let plan = cli(&moto, dir.path(), &["plan"]);
    assert!(
        plan.stdout.contains("+ lambda_permission orders ← main"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("+ lambda_permission auth ← main"),
        "{}",
        plan.stdout
    );
    let out = cli(&moto, dir.path(), &["apply", "--auto-approve"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    for f in ["orders", "auth"] {
        let p = policy(
            &moto,
            &format!("arn:aws:lambda:{REGION}:123456789012:function:{f}"),
        )
        .expect("a policy");
        let st = &p["Statement"][0];
        assert_eq!(st["Sid"], "idrv5-gw-shop-dev-main");
        assert_eq!(st["Principal"]["Service"], "apigateway.amazonaws.com");
        let source = st["Condition"]["ArnLike"]["AWS:SourceArn"]
            .as_str()
            .unwrap();
        assert!(
            source.starts_with(&format!("arn:aws:execute-api:{REGION}:123456789012:"))
                && source.ends_with("/*"),
            "{source}"
        );
    }
    assert_eq!(
        cli(&moto, dir.path(), &["plan", "--detailed-exitcode"]).status,
        0,
        "second plan is empty"
    );

    // Switched off: the statements go, the functions stay.
    std::fs::write(dir.path().join("stack.yaml"), stack(false)).unwrap();
    let out = cli(&moto, dir.path(), &["apply", "--auto-approve", "--stats"]);
    assert_eq!(out.status, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("RemovePermission=2"), "{}", out.stderr);
    for f in ["orders", "auth"] {
        let p = policy(
            &moto,
            &format!("arn:aws:lambda:{REGION}:123456789012:function:{f}"),
        );
        let statements = p
            .as_ref()
            .and_then(|p| p["Statement"].as_array().map(|a| a.len()))
            .unwrap_or(0);
        assert_eq!(statements, 0, "{p:?}");
    }
    assert_eq!(
        cli(&moto, dir.path(), &["plan", "--detailed-exitcode"]).status,
        0
    );
}
