//! Checks of the test harness itself (tests/it/common) against a real moto_server: several
//! servers side by side, reset, the recorder, request-log counting, and shutdown on drop.

use crate::common;

use common::*;

fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, \
         SignedHeaders=host, Signature=x"
    )
}

fn create_rest_api(moto: &Moto, name: &str) -> HttpResponse {
    let body = format!("{{\"name\":\"{name}\"}}");
    let auth = auth("apigateway");
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    let resp = http_request(moto.port, "POST", "/restapis", &headers, body.as_bytes()).unwrap();
    // moto answers 200 where AWS answers 201.
    assert!(
        resp.status == 200 || resp.status == 201,
        "{} {}",
        resp.status,
        resp.text()
    );
    resp
}

fn list_rest_apis(moto: &Moto) -> String {
    let auth = auth("apigateway");
    let resp = http_request(
        moto.port,
        "GET",
        "/restapis",
        &[("Authorization", &auth)],
        b"",
    )
    .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.text()
}

#[test]
fn two_servers_run_side_by_side_and_reset_clears_state() {
    let a = Moto::start();
    let b = Moto::start();
    assert_ne!(a.port, b.port);
    assert_eq!(a.endpoint(), format!("http://127.0.0.1:{}", a.port));
    create_rest_api(&a, "only-in-a");
    assert!(list_rest_apis(&a).contains("only-in-a"));
    assert!(!list_rest_apis(&b).contains("only-in-a"));
    a.reset();
    assert!(!list_rest_apis(&a).contains("only-in-a"));
}

#[test]
fn recorder_names_each_operation() {
    let moto = Moto::start();
    moto.start_recording();
    assert!(moto.recording().is_empty());
    create_rest_api(&moto, "x");
    list_rest_apis(&moto);
    let waf_auth = auth("wafv2");
    let waf = http_request(
        moto.port,
        "POST",
        "/",
        &[
            ("Authorization", waf_auth.as_str()),
            ("X-Amz-Target", "AWSWAF_20190729.ListWebACLs"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        br#"{"Scope":"REGIONAL"}"#,
    )
    .unwrap();
    assert_eq!(waf.status, 200, "{}", waf.text());
    let cw_auth = auth("monitoring");
    let cw = http_request(
        moto.port,
        "POST",
        "/",
        &[
            ("Authorization", cw_auth.as_str()),
            (
                "Content-Type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ],
        b"Action=DescribeAlarms&Version=2010-08-01",
    )
    .unwrap();
    assert_eq!(cw.status, 200, "{}", cw.text());
    moto.reset(); // in the raw recording, left out of recorded_calls()
    assert_eq!(moto.recording().len(), 5);
    let calls = moto.recorded_calls();
    let ops: Vec<String> = calls
        .iter()
        .map(|c| format!("{} {}", c.service.as_deref().unwrap_or("?"), c.operation()))
        .collect();
    assert_eq!(
        ops,
        [
            "apigateway POST /restapis",
            "apigateway GET /restapis",
            "wafv2 ListWebACLs",
            "monitoring DescribeAlarms",
        ]
    );
    assert_eq!(calls[0].body, r#"{"name":"x"}"#);
    moto.stop_recording();
    create_rest_api(&moto, "y");
    assert_eq!(
        moto.recorded_calls().len(),
        4,
        "nothing is recorded after stop"
    );
    moto.start_recording();
    assert!(moto.recording().is_empty(), "start_recording starts afresh");
}

#[test]
fn request_log_counts_aws_calls_but_not_moto_api_calls() {
    let moto = Moto::start();
    assert_eq!(moto.request_log_lines(), 0, "{:?}", moto.request_log());
    let mark = moto.request_log_mark();
    create_rest_api(&moto, "a");
    list_rest_apis(&moto);
    let auth = auth("apigateway");
    let missing = http_request(
        moto.port,
        "GET",
        "/restapis/nope",
        &[("Authorization", &auth)],
        b"",
    );
    assert_eq!(missing.unwrap().status, 404);
    moto.reset();
    moto.seed(42);
    // No sleep needed: werkzeug writes the line before it sends the response.
    assert_eq!(moto.request_log_lines() - mark, 3);
    let seen: Vec<String> = moto
        .request_log_since(mark)
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(
        seen,
        [
            "POST /restapis 200",
            "GET /restapis 200",
            "GET /restapis/nope 404"
        ]
    );
}

#[test]
fn drop_stops_the_server() {
    let moto = Moto::start();
    let (pid, port) = (moto.pid(), moto.port);
    let dir = moto.log_path().parent().unwrap().to_path_buf();
    drop(moto);
    if cfg!(target_os = "linux") {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "pid {pid} still runs"
        );
    }
    assert!(
        http_request(port, "GET", "/moto-api/", &[], b"").is_err(),
        "port {port} still answers"
    );
    assert!(!dir.exists(), "scratch dir {} left behind", dir.display());
}

#[test]
fn http_client_parses_chunked_and_sized_bodies() {
    let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n";
    let resp = parse_http_response(raw).unwrap();
    assert_eq!((resp.status, resp.text().as_str()), (200, "hello, world"));
    let raw = b"HTTP/1.1 404 NOT FOUND\r\nContent-Length: 3\r\n\r\nabcdef";
    let resp = parse_http_response(raw).unwrap();
    assert_eq!((resp.status, resp.text().as_str()), (404, "abc"));
    assert_eq!(resp.header("content-length"), Some("3"));
}

#[test]
fn werkzeug_log_lines_parse() {
    let line = r#"127.0.0.1 - - [22/Nov/2026 21:53:44] "POST /restapis HTTP/1.1" 200 -"#;
    assert_eq!(
        LoggedRequest::parse(line).unwrap().to_string(),
        "POST /restapis 200"
    );
    let coloured =
        "127.0.0.1 - - [22/Nov/2026 21:53:44] \"\x1b[33mGET /x?y=1 HTTP/1.1\x1b[0m\" 404 -";
    assert_eq!(
        LoggedRequest::parse(coloured).unwrap().to_string(),
        "GET /x?y=1 404"
    );
    assert!(LoggedRequest::parse(" * Running on http://127.0.0.1:5000").is_none());
    let bad = "127.0.0.1 - - [22/Nov/2026 21:53:44] code 400, message Bad request syntax ('x')";
    assert!(LoggedRequest::parse(bad).is_none());
}

#[test]
fn copy_dir_copies_recursively() {
    let dst = std::env::temp_dir().join(format!("idrv5-gw-copy-{}", std::process::id()));
    copy_dir(repo_root().join("tests/it"), &dst);
    assert!(dst.join("common/mod.rs").is_file());
    assert!(dst.join("emulator_harness.rs").is_file());
    std::fs::remove_dir_all(&dst).unwrap();
}
