//! Contracts for the bulk-write tests: one built here (flat paths, no parameters: what moto's
//! PutRestApi carries whole) and one from scripts/gen_contract.py (the benchmark's), plus the
//! route table read back from the emulator.

use super::{repo_root, Moto};
use std::collections::BTreeSet;
use std::path::Path;

/// A stack of one REST API (`/api/v1` base path, HTTP_PROXY) over `ops` operations on
/// `/r<i>` paths, three methods each, no parameters and one response per operation.
pub fn flat_stack(dir: &Path, ops: usize) {
    let methods = ["get", "post", "put"];
    let mut paths = serde_json::Map::new();
    for i in 0..ops {
        let (path, method) = (format!("/r{}", i / 3), methods[i % 3]);
        let item = paths
            .entry(path.clone())
            .or_insert_with(|| serde_json::json!({}));
        item[method] = serde_json::json!({
            "operationId": format!("{method}R{}", i / 3),
            "responses": {"200": {"description": "ok"}}
        });
    }
    let doc = serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "flat", "description": "flat test API", "version": "1.0.0"},
        "paths": paths
    });
    std::fs::create_dir_all(dir).expect("mkdir");
    std::fs::write(
        dir.join("openapi.json"),
        serde_json::to_string_pretty(&doc).unwrap(),
    )
    .expect("write openapi.json");
    std::fs::write(
        dir.join("stack.yaml"),
        "stack: bulk\nenvironment: test\nregion: ap-southeast-2\nrest_apis:\n  main:\n    name: bulk-api\n    openapi: openapi.json\n    description: Bulk test API\n    base_path: /api/v1\n    integration:\n      type: HTTP_PROXY\n      uri: http://backend.example.com:8080/api{path}\n      timeout_ms: 10000\n    stages:\n      live:\n        description: test stage\n",
    )
    .expect("write stack.yaml");
}

/// scripts/gen_contract.py's stack of `ops` operations, in the tests' region.
pub fn generated_stack(dir: &Path, ops: usize, integration: &str) {
    generated_change(dir, ops, integration, 0)
}

/// The same stack with `change` operations' integration timeouts overridden (an n-route
/// change of the same API).
pub fn generated_change(dir: &Path, ops: usize, integration: &str, change: usize) {
    let out = std::process::Command::new("python3")
        .arg(repo_root().join("scripts/gen_contract.py"))
        .args([
            "--ops",
            &ops.to_string(),
            "--integration",
            integration,
            "--change",
            &change.to_string(),
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("python3 scripts/gen_contract.py");
    assert!(
        out.status.success(),
        "gen_contract.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stack = dir.join("stack.yaml");
    let text = std::fs::read_to_string(&stack).expect("read stack.yaml");
    std::fs::write(
        &stack,
        text.replace("region: us-east-1", "region: ap-southeast-2"),
    )
    .expect("write stack.yaml");
}

/// One route as the emulator holds it: path, method, and what answers it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LiveRoute {
    pub path: String,
    pub method: String,
    pub integration_type: String,
    pub uri: String,
    pub timeout_ms: i32,
    pub request_parameters: Vec<String>,
    pub method_responses: Vec<String>,
}

/// Every route of the REST API named `name`, read with GetResources (embed=methods).
pub fn live_routes(moto: &Moto, name: &str) -> BTreeSet<LiveRoute> {
    super::stack::rt().block_on(async {
        let c = super::stack::apigw(moto);
        let apis = c.get_rest_apis().limit(500).send().await.expect("apis");
        let api = apis
            .items()
            .iter()
            .find(|a| a.name() == Some(name))
            .and_then(|a| a.id())
            .expect("the API exists")
            .to_string();
        let res = c
            .get_resources()
            .rest_api_id(&api)
            .embed("methods")
            .limit(500)
            .send()
            .await
            .expect("get_resources");
        let mut out = BTreeSet::new();
        for r in res.items() {
            for (method, m) in r.resource_methods().into_iter().flatten() {
                let i = m.method_integration();
                let mut params: Vec<String> = m
                    .request_parameters()
                    .map(|p| p.iter().map(|(k, v)| format!("{k}={v}")).collect())
                    .unwrap_or_default();
                params.sort();
                let mut responses: Vec<String> = m
                    .method_responses()
                    .map(|r| r.keys().cloned().collect())
                    .unwrap_or_default();
                responses.sort();
                out.insert(LiveRoute {
                    path: r.path().unwrap_or_default().to_string(),
                    method: method.clone(),
                    integration_type: i
                        .and_then(|i| i.r#type())
                        .map(|t| t.as_str().to_string())
                        .unwrap_or_default(),
                    uri: i.and_then(|i| i.uri()).unwrap_or_default().to_string(),
                    timeout_ms: i.map(|i| i.timeout_in_millis()).unwrap_or_default(),
                    request_parameters: params,
                    method_responses: responses,
                });
            }
        }
        out
    })
}
