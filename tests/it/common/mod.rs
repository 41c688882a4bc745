//! Shared helpers for the integration tests (std only, no extra crates).
//!
//! * [`Moto`] starts a real `moto_server` (PyPI `moto[server]>=5.2`) on a free loopback port,
//!   waits until it answers, and kills it on drop. Each server gets its own scratch directory
//!   holding its log (`moto.log`, stdout + stderr) and its recorder file, so several servers
//!   can run side by side (cargo runs the tests of one binary in parallel).
//! * Call counting, two independent ways:
//!   - [`Moto::request_log_mark`] / [`Moto::request_log_since`] / [`Moto::request_log_lines`]
//!     read werkzeug's access log: one line per served request, written before the response
//!     is sent, so it is complete as soon as the client has its answer. Always on.
//!   - [`Moto::start_recording`] / [`Moto::recorded_calls`] use moto's recorder: one JSON
//!     line per request with headers and body, so the operation name is known even for
//!     services that are all `POST /` (X-Amz-Target, or `Action=` in a query-protocol body).
//! * [`cli`] / [`cli_env`] run the built `idrv5-gw` binary against a [`Moto`].
//! * [`copy_dir`], [`repo_root`].
//!
//! If a test panics while a `Moto` is alive, the drop prints the tail of moto's log (moto
//! reports the cause of its HTTP 500s only there) and keeps the scratch directory.
#![allow(dead_code)]

pub mod contract;
pub mod localstack;
pub mod proxy;
pub mod stack;

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How to install the emulator; printed whenever it cannot be started.
pub const MOTO_INSTALL_HINT: &str = "python3 -m pip install 'moto[server]>=5.2'";

/// Startup ends on an event (the "Running on" line and a first answer, or the process
/// exiting); this bound only keeps a hung start from blocking the run forever. Generous:
/// python imports moto slowly when the machine is busy.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(180);
const START_ATTEMPTS: usize = 3;
/// Default limit for one CLI run; override with `IDRV5_TEST_CLI_TIMEOUT_SECS`. A guard
/// against a hung CLI blocking the run forever, not a performance assert: a run ends on its
/// own exit, far below this.
const DEFAULT_CLI_TIMEOUT_SECS: u64 = 300;
const LOG_TAIL_LINES: usize = 60;

static SCRATCH_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A private scratch directory under the system temp dir (std has no tempdir).
fn scratch_dir(prefix: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        SCRATCH_COUNTER.fetch_add(1, Ordering::SeqCst)
    ));
    fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create scratch dir {}: {e}", dir.display()));
    dir
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

fn free_loopback_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local_addr").port()
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Removes ANSI colour sequences (werkzeug colours some status codes when it thinks it may).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c2 in chars.by_ref() {
                if c2.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// moto_server
// ---------------------------------------------------------------------------------------------

/// A running `moto_server` on 127.0.0.1, killed on drop.
pub struct Moto {
    pub port: u16,
    child: Child,
    log_path: PathBuf,
    dir: PathBuf,
}

enum StartError {
    /// Someone else took the port between our probe and moto's bind: try another one.
    PortTaken(String),
    Fatal(String),
}

impl Moto {
    /// Starts a fresh emulator on a free loopback port and waits until it answers.
    /// Panics with install instructions and the log tail if it cannot.
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// Like `start`, with extra environment for the server (e.g. `MOTO_ACM_VALIDATION_WAIT`).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let mut last = String::new();
        for _ in 0..START_ATTEMPTS {
            match Self::try_start(env) {
                Ok(moto) => return moto,
                Err(StartError::PortTaken(msg)) => last = msg,
                Err(StartError::Fatal(msg)) => panic!("{msg}"),
            }
        }
        panic!("{last}")
    }

    fn try_start(env: &[(&str, &str)]) -> Result<Moto, StartError> {
        let port = free_loopback_port();
        let dir = scratch_dir("idrv5-gw-moto");
        let log_path = dir.join("moto.log");
        let log = File::create(&log_path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", log_path.display()));
        let log_err = log.try_clone().expect("clone log handle");

        let (mut cmd, how) = match find_on_path("moto_server") {
            Some(exe) => (Command::new(exe), "moto_server"),
            None => {
                let mut c = Command::new("python3");
                c.args(["-m", "moto.server"]);
                (c, "python3 -m moto.server")
            }
        };
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .env("MOTO_PORT", port.to_string())
            // The recorder appends to `moto_recording` in the cwd unless told otherwise:
            // give every server its own file so parallel servers never mix recordings.
            .env("MOTO_RECORDER_FILEPATH", dir.join("recording.jsonl"))
            // Recording is switched on per test with start_recording(), never from boot.
            .env_remove("MOTO_ENABLE_RECORDING")
            .env("PYTHONUNBUFFERED", "1");
        // moto uses botocore inside: a developer's AWS_PROFILE (or endpoint, region...) would
        // leak into it (an unknown AWS_PROFILE makes every call a 500 ProfileNotFound).
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        // ACM issues a requested certificate after this many seconds (moto's default 60).
        let wait = std::env::var("MOTO_ACM_VALIDATION_WAIT").unwrap_or_else(|_| "2".into());
        cmd.env("MOTO_ACM_VALIDATION_WAIT", wait);
        for (k, v) in env {
            cmd.env(k, v);
        }

        let child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                return Err(StartError::Fatal(format!(
                    "cannot start the AWS emulator ({how}): {e}\n\
                     The tests need moto's server on PATH. Install it with:\n    {MOTO_INSTALL_HINT}\n\
                     (or run scripts/test.sh, which installs it)"
                )))
            }
        };
        let mut moto = Moto {
            port,
            child,
            log_path,
            dir,
        };
        let ready_line = format!("Running on http://127.0.0.1:{port}");
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Ok(Some(status)) = moto.child.try_wait() {
                let log = moto.log_text();
                let msg = format!(
                    "the AWS emulator ({how}) exited during startup with {status}.\n\
                     If moto is missing or older than 5.2, install it with:\n    {MOTO_INSTALL_HINT}\n\
                     --- last lines of {} ---\n{}",
                    moto.log_path.display(),
                    tail(&log, LOG_TAIL_LINES)
                );
                let _ = fs::remove_dir_all(&moto.dir);
                return Err(if log.contains("Address already in use") {
                    StartError::PortTaken(msg)
                } else {
                    StartError::Fatal(msg)
                });
            }
            // The "Running on" line proves that *our* process bound the port (another
            // server could have grabbed it after we probed it); then it must answer.
            if moto.log_text().contains(&ready_line) {
                if let Ok(resp) = http_request(port, "GET", "/moto-api/", &[], b"") {
                    if resp.status == 200 {
                        // Make sure download-recording works before any start_recording().
                        let _ = File::create(moto.dir.join("recording.jsonl"));
                        return Ok(moto);
                    }
                }
            }
            if Instant::now() >= deadline {
                let msg = format!(
                    "the AWS emulator ({how}) did not answer GET /moto-api/ on port {port} within \
                     {}s.\nIs moto[server] >= 5.2 installed? Install it with:\n    {MOTO_INSTALL_HINT}\n\
                     --- last lines of {} ---\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    moto.log_path.display(),
                    tail(&moto.log_text(), LOG_TAIL_LINES)
                );
                // Drop kills the child; not panicking yet, so the dir is removed.
                drop(moto);
                return Err(StartError::Fatal(msg));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The emulator's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Path of moto's combined stdout + stderr.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Everything moto printed so far (tracebacks of its HTTP 500s are only here).
    pub fn log_text(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// One request to this server; panics unless it answers 200.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        let resp = http_request(self.port, method, path, headers, body)
            .unwrap_or_else(|e| panic!("{method} {path} on moto port {}: {e}", self.port));
        assert_eq!(
            resp.status,
            200,
            "{method} {path} on moto answered {}: {}",
            resp.status,
            resp.text()
        );
        resp
    }

    /// `POST /moto-api/reset`: forget every resource in every service.
    pub fn reset(&self) {
        self.call("POST", "/moto-api/reset", &[], b"");
    }

    /// `POST /moto-api/seed?a=N`: makes generated ids repeatable from here on.
    pub fn seed(&self, seed: u64) {
        self.call("POST", &format!("/moto-api/seed?a={seed}"), &[], b"");
    }

    /// Empties the recording, then records every request until [`Moto::stop_recording`].
    pub fn start_recording(&self) {
        self.call("POST", "/moto-api/recorder/reset-recording", &[], b"");
        self.call("POST", "/moto-api/recorder/start-recording", &[], b"");
    }

    pub fn stop_recording(&self) {
        self.call("POST", "/moto-api/recorder/stop-recording", &[], b"");
    }

    /// The raw recording: one JSON object (as a string) per recorded request. Includes
    /// `/moto-api/...` calls other than the recorder's own (e.g. a reset made while
    /// recording); [`Moto::recorded_calls`] leaves those out.
    pub fn recording(&self) -> Vec<String> {
        self.call("GET", "/moto-api/recorder/download-recording", &[], b"")
            .text()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The recording parsed into AWS calls, `/moto-api/` requests left out.
    pub fn recorded_calls(&self) -> Vec<RecordedCall> {
        self.recording()
            .iter()
            .map(|line| RecordedCall::parse(line))
            .filter(|c| !c.path.starts_with("/moto-api/"))
            .collect()
    }

    /// Requests moto has served so far according to its log (`/moto-api/` excluded).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        let text = self.log_text();
        // Only complete lines: a line still being written has no '\n' yet.
        let complete = match text.rfind('\n') {
            Some(i) => &text[..=i],
            None => "",
        };
        complete
            .lines()
            .filter_map(LoggedRequest::parse)
            .filter(|r| !r.path.starts_with("/moto-api/"))
            .collect()
    }

    /// Number of AWS requests served so far (werkzeug access-log lines, `/moto-api/` excluded).
    pub fn request_log_lines(&self) -> usize {
        self.request_log().len()
    }

    /// A mark to count from: `let m = moto.request_log_mark(); ...; moto.request_log_lines() - m`.
    pub fn request_log_mark(&self) -> usize {
        self.request_log_lines()
    }

    /// The AWS requests served since `mark` (see [`Moto::request_log_mark`]).
    pub fn request_log_since(&self, mark: usize) -> Vec<LoggedRequest> {
        self.request_log().into_iter().skip(mark).collect()
    }

    /// Counts the AWS requests this server serves from now on (see [`RequestCounter`]).
    pub fn request_counter(&self) -> RequestCounter {
        let mut file = File::open(&self.log_path)
            .unwrap_or_else(|e| panic!("open {}: {e}", self.log_path.display()));
        let mut start = Vec::new();
        file.read_to_end(&mut start).expect("read moto log");
        // Start after the last complete line: a line being written now is counted later.
        let partial = match start.iter().rposition(|b| *b == b'\n') {
            Some(i) => start[i + 1..].to_vec(),
            None => start,
        };
        RequestCounter {
            file,
            partial,
            served: 0,
        }
    }
}

/// The AWS requests (`/moto-api/` excluded) one [`Moto`] served since the counter was made,
/// read from werkzeug's access log. Each call reads only what the log gained since the last
/// one, so it is cheap enough to poll while a CLI runs (e.g. to kill it at its N-th request).
/// A line is written before its response is sent: once a client has its answer, the
/// request is counted.
pub struct RequestCounter {
    file: File,
    /// The start of a line moto is still writing.
    partial: Vec<u8>,
    served: usize,
}

impl RequestCounter {
    /// Requests served since the counter was made.
    pub fn served(&mut self) -> usize {
        let mut buf = std::mem::take(&mut self.partial);
        self.file.read_to_end(&mut buf).expect("read moto log");
        let complete = match buf.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            None => 0,
        };
        self.served += String::from_utf8_lossy(&buf[..complete])
            .lines()
            .filter_map(LoggedRequest::parse)
            .filter(|r| !r.path.starts_with("/moto-api/"))
            .count();
        self.partial = buf[complete..].to_vec();
        self.served
    }

    /// Waits until `n` requests were served or `child` exited, whichever comes first;
    /// returns the requests served by then, and the exit status if the child ended.
    /// No deadline: both are events the child brings about by itself.
    pub fn wait_for(
        &mut self,
        n: usize,
        child: &mut Child,
    ) -> (usize, Option<std::process::ExitStatus>) {
        loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                return (self.served(), Some(status));
            }
            let served = self.served();
            if served >= n {
                return (served, None);
            }
            // A poll interval, not a guess at how long anything takes.
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- moto_server on port {} (log kept at {}), last lines ---\n{}\n--- end of moto log ---",
                self.port,
                self.log_path.display(),
                tail(&self.log_text(), LOG_TAIL_LINES)
            );
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// One line of werkzeug's access log, e.g.
/// `127.0.0.1 - - [22/Nov/2026 21:53:44] "POST /restapis HTTP/1.1" 201 -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path with query string, as logged.
    pub path: String,
    pub status: u16,
}

impl LoggedRequest {
    const METHODS: [&'static str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    pub fn parse(line: &str) -> Option<LoggedRequest> {
        let line = strip_ansi(line);
        let start = line.find("] \"")? + 3;
        let rest = &line[start..];
        let close = rest.rfind("\" ")?;
        let mut request = rest[..close].split(' ');
        let method = request.next()?;
        let path = request.next()?;
        let version = request.next()?;
        if !Self::METHODS.contains(&method) || !version.starts_with("HTTP/") {
            return None;
        }
        let status: u16 = rest[close + 2..].split_whitespace().next()?.parse().ok()?;
        Some(LoggedRequest {
            method: method.to_string(),
            path: path.to_string(),
            status,
        })
    }
}

impl std::fmt::Display for LoggedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.status)
    }
}

/// One request from moto's recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCall {
    pub method: String,
    /// Path with query string.
    pub path: String,
    /// Signing name from the Authorization header's credential scope (`apigateway`, `wafv2`...).
    pub service: Option<String>,
    /// `X-Amz-Target` (JSON protocols), e.g. `AWSWAF_20190729.CreateWebACL`.
    pub target: Option<String>,
    /// Decoded request body (lossy UTF-8).
    pub body: String,
}

impl RecordedCall {
    pub fn parse(line: &str) -> RecordedCall {
        let url = json_string_field(line, "url").unwrap_or_default();
        let path = match url.find("://") {
            Some(i) => match url[i + 3..].find('/') {
                Some(j) => url[i + 3 + j..].to_string(),
                None => "/".to_string(),
            },
            None => url,
        };
        let raw_body = json_string_field(line, "body").unwrap_or_default();
        let body = if line.contains("\"body_encoded\": true") {
            String::from_utf8_lossy(&base64_decode(&raw_body)).into_owned()
        } else {
            raw_body
        };
        let service = json_string_field(line, "Authorization").and_then(|auth| {
            let scope = auth.split("Credential=").nth(1)?;
            let scope = scope.split([',', ' ']).next()?;
            scope.split('/').nth(3).map(str::to_string)
        });
        RecordedCall {
            method: json_string_field(line, "method").unwrap_or_default(),
            path,
            service,
            target: json_string_field(line, "X-Amz-Target"),
            body,
        }
    }

    /// A short operation label: the X-Amz-Target operation (`CreateWebACL`), else a query
    /// protocol `Action=` from the body (`PutMetricAlarm`), else `METHOD /path` (REST
    /// services such as API Gateway: `POST /restapis`).
    pub fn operation(&self) -> String {
        if let Some(t) = &self.target {
            return t.rsplit('.').next().unwrap_or(t).to_string();
        }
        if let Some(action) = self
            .body
            .split('&')
            .find_map(|kv| kv.strip_prefix("Action="))
        {
            return action.to_string();
        }
        let path = self.path.split('?').next().unwrap_or(&self.path);
        format!("{} {}", self.method, path)
    }
}

/// The string value of the first `"key": "..."` in a JSON text (enough for moto's recorder
/// lines, which are `json.dumps` output with unique keys).
fn json_string_field(json: &str, key: &str) -> Option<String> {
    let needle = format!("\"{key}\": \"");
    let start = json.find(&needle)? + needle.len();
    let mut out = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let hex: String = chars.by_ref().take(4).collect();
                    let code = u32::from_str_radix(&hex, 16).ok()?;
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some((c - b'A') as u32),
            b'a'..=b'z' => Some((c - b'a' + 26) as u32),
            b'0'..=b'9' => Some((c - b'0' + 52) as u32),
            b'+' | b'-' => Some(62),
            b'/' | b'_' => Some(63),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Minimal HTTP/1.1 client for the moto-api calls
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; reads to EOF.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<HttpResponse> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    stream.set_write_timeout(Some(Duration::from_secs(60)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_http_response(&raw)
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Parses a complete HTTP/1.x response (as read to EOF), decoding chunked bodies.
pub fn parse_http_response(raw: &[u8]) -> io::Result<HttpResponse> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers in HTTP response"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad(format!("bad status line {status_line:?}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body =
        if get("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
            decode_chunked(rest)?
        } else if let Some(len) = get("content-length").and_then(|l| l.parse::<usize>().ok()) {
            rest[..len.min(rest.len())].to_vec()
        } else {
            rest.to_vec()
        };
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn decode_chunked(mut data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("truncated chunk size"))?;
        let size_field = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_field.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| bad(format!("bad chunk size {size_hex:?}")))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size {
            return Err(bad("truncated chunk"));
        }
        out.extend_from_slice(&data[..size]);
        data = data[size..].strip_prefix(b"\r\n").unwrap_or(&data[size..]);
    }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI
// ---------------------------------------------------------------------------------------------

/// What one run of the CLI produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; 128 + signal number if it was killed by a signal.
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status == 0
    }

    /// Panics, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn assert_status(&self, code: i32) -> &Self {
        assert_eq!(self.status, code, "unexpected exit code\n{self}");
        self
    }

    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        self.assert_status(0)
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `idrv5-gw ARGS` in `dir` against `moto`, with dummy credentials and no colour.
pub fn cli(moto: &Moto, dir: &Path, args: &[&str]) -> Output {
    cli_env(moto, dir, args, &[])
}

/// Like [`cli`], with extra environment variables (they override the defaults).
pub fn cli_env(moto: &Moto, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let secs = std::env::var("IDRV5_TEST_CLI_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CLI_TIMEOUT_SECS);
    run_cli(moto, dir, args, extra_env, Duration::from_secs(secs))
}

/// The binary under test. `IDRV5_GW_BIN` names a copy to test instead: several worktrees
/// sharing one CARGO_TARGET_DIR overwrite each other's `target/debug/idrv5-gw`.
pub fn bin() -> PathBuf {
    std::env::var_os("IDRV5_GW_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_idrv5-gw")))
}

/// The CLI as the tests run it, not yet started: for tests that need to kill it midway.
pub fn command(moto: &Moto, dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("NO_COLOR", "1")
        // Nothing from the developer's own AWS setup may leak in (or reach real AWS).
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_SECURITY_TOKEN")
        // No instance-metadata lookups (they time out slowly off EC2).
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // The emulator is on loopback: never go through a proxy to reach it.
        .env("NO_PROXY", "127.0.0.1,localhost,::1")
        .env("no_proxy", "127.0.0.1,localhost,::1")
        // The tool's own logging would add lines to what the tests read.
        .env_remove("RUST_LOG")
        // Pacing memory (when quotas were last spent) per emulator, not in the user's cache.
        .env("IDRV5_GW_CACHE_DIR", moto.dir.join("cache"));
    for (key, _) in std::env::vars_os() {
        // Service-specific endpoint overrides would beat AWS_ENDPOINT_URL.
        if key.to_string_lossy().starts_with("AWS_ENDPOINT_URL_") {
            cmd.env_remove(key);
        }
    }
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd
}

/// [`cli_env`] with an explicit time limit: past it the process is killed and the test panics.
pub fn run_cli(
    moto: &Moto,
    dir: &Path,
    args: &[&str],
    extra_env: &[(&str, &str)],
    timeout: Duration,
) -> Output {
    let mut cmd = command(moto, dir, args, extra_env);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let shown = format!("idrv5-gw {}", args.join(" "));
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e}"));
    let mut out_pipe = child.stdout.take().expect("stdout pipe");
    let mut err_pipe = child.stderr.take().expect("stderr pipe");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status, false),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                break (child.wait().expect("wait for killed CLI"), true);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => panic!("waiting for {shown}: {e}"),
        }
    };
    let output = Output {
        status: exit_code(status),
        stdout: String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned(),
    };
    if timed_out {
        panic!(
            "{shown} did not finish within {:.1}s and was killed\n{output}",
            timeout.as_secs_f64()
        );
    }
    output
}

/// How a CLI run that was to be killed at its N-th request ended (see [`run_killed_at`]).
#[derive(Debug)]
pub enum KillRun {
    /// SIGKILLed before it exited; `served` requests had reached moto by then.
    Killed { served: usize },
    /// Exited successfully on its own after `served` requests, before its kill point.
    Finished { served: usize },
}

/// Runs the CLI and SIGKILLs it once moto has served its `aim`-th request (counted from its
/// start). Waits only on events, moto's request log and the process's exit, never on a clock.
/// Panics if the run fails by itself.
pub fn run_killed_at(
    moto: &Moto,
    dir: &Path,
    args: &[&str],
    extra_env: &[(&str, &str)],
    aim: usize,
) -> KillRun {
    let logs = tempfile::tempdir().expect("tempdir");
    let (out_path, err_path) = (logs.path().join("stdout"), logs.path().join("stderr"));
    let mut counter = moto.request_counter();
    let mut child = command(moto, dir, args, extra_env)
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run idrv5-gw {}: {e}", args.join(" ")));
    let (_, exited) = counter.wait_for(aim, &mut child);
    let killed = exited.is_none();
    let status = match exited {
        Some(status) => status,
        None => {
            child.kill().expect("SIGKILL the CLI"); // no cleanup runs
            child.wait().expect("wait for the killed CLI")
        }
    };
    let served = counter.served();
    // No exit code: ended by a signal, ours (it may also have exited just before the kill).
    if killed && status.code().is_none() {
        return KillRun::Killed { served };
    }
    let output = Output {
        status: exit_code(status),
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: fs::read_to_string(&err_path).unwrap_or_default(),
    };
    assert!(
        output.success(),
        "idrv5-gw {}, to be killed at its request {aim}, failed by itself after {served}\n{output}",
        args.join(" ")
    );
    KillRun::Finished { served }
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(code) = status.code() {
        return code;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    -1
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

/// The repository root (`CARGO_MANIFEST_DIR`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Recursively copies `src` into `dst` (created if missing); panics on error.
pub fn copy_dir(src: impl AsRef<Path>, dst: impl AsRef<Path>) {
    let (src, dst) = (src.as_ref(), dst.as_ref());
    fs::create_dir_all(dst).unwrap_or_else(|e| panic!("create {}: {e}", dst.display()));
    let entries = fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display()));
    for entry in entries {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", src.display()));
        let from = entry.path();
        let to = dst.join(entry.file_name());
        if fs::metadata(&from).map(|m| m.is_dir()).unwrap_or(false) {
            copy_dir(&from, &to);
        } else {
            fs::copy(&from, &to)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", from.display(), to.display()));
        }
    }
}
