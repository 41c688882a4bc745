//! LocalStack (the second emulator, no Docker) beside moto. API Gateway REST, ACM, Route53,
//! CloudWatch, Logs and Lambda go to LocalStack through the SDKs' per-service endpoint
//! variables; WAFv2, API Gateway v2 and DynamoDB (which LocalStack's free edition lacks)
//! stay on moto, which `AWS_ENDPOINT_URL` names. Facts and gaps: docs/EMULATOR.md.

/// A client of `$sdk` on `$endpoint`, with the tests' credentials.
macro_rules! ls_client {
    ($sdk:ident, $endpoint:expr, $region:expr) => {{
        use $sdk::config;
        let creds = config::Credentials::new("testing", "testing", None, None, "test");
        let conf = config::Config::builder()
            .behavior_version(config::BehaviorVersion::latest())
            .region(config::Region::new($region.to_string()))
            .endpoint_url($endpoint)
            .credentials_provider(creds)
            .build();
        $sdk::Client::from_conf(conf)
    }};
}

use super::{free_loopback_port, http_request, scratch_dir, tail, LOG_TAIL_LINES};
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where scripts/test.sh installed it (`ensure_localstack` in scripts/lib.sh).
const PYTHON_VAR: &str = "IDRV5_LOCALSTACK_PYTHON";
const SERVICES: &str = "apigateway,acm,route53,cloudwatch,logs,lambda,sts,iam";
/// The SDK endpoint variables of the services LocalStack serves.
const ENDPOINT_VARS: [&str; 7] = [
    "AWS_ENDPOINT_URL_API_GATEWAY",
    "AWS_ENDPOINT_URL_ACM",
    "AWS_ENDPOINT_URL_ROUTE_53",
    "AWS_ENDPOINT_URL_CLOUDWATCH",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_STS",
];

/// A running LocalStack on 127.0.0.1, killed on drop.
pub struct LocalStack {
    pub port: u16,
    child: Child,
    dir: PathBuf,
    log_path: PathBuf,
}

impl LocalStack {
    /// Starts one on a free port, in its own directories (it wipes its temp folder at start
    /// and stop, so parallel ones must not share it), and waits until it is healthy.
    pub fn start() -> LocalStack {
        let python = std::env::var(PYTHON_VAR).unwrap_or_else(|_| {
            panic!(
                "LocalStack is not installed for the tests: run scripts/test.sh (it installs it \
                 into .cache/localstack-venv with Python 3.13), or set {PYTHON_VAR} to a Python \
                 that imports localstack.runtime.main"
            )
        });
        let port = free_loopback_port();
        let dir = scratch_dir("idrv5-gw-localstack");
        let (tmp, root) = (dir.join("tmp"), dir.join("root"));
        fs::create_dir_all(&tmp).expect("localstack tmp dir");
        let log_path = dir.join("localstack.log");
        let log = File::create(&log_path).expect("localstack log");
        let mut cmd = Command::new(&python);
        cmd.args(["-m", "localstack.runtime.main"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().expect("log handle")))
            .stderr(Stdio::from(log));
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("AWS_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
            .env("LOCALSTACK_HOST", format!("localhost:{port}"))
            .env("SERVICES", SERVICES)
            .env("PERSISTENCE", "0")
            .env("DNS_ADDRESS", "0")
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            .env("DISABLE_EVENTS", "1")
            .env("LOCALSTACK_TELEMETRY", "0")
            .env("FILESYSTEM_ROOT", &root)
            .env("TMPDIR", &tmp);
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start LocalStack with {python}: {e}"));
        let mut ls = LocalStack {
            port,
            child,
            dir,
            log_path,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(Some(status)) = ls.child.try_wait() {
                panic!(
                    "LocalStack exited during startup with {status}\n--- last lines ---\n{}",
                    tail(&ls.log_text(), LOG_TAIL_LINES)
                );
            }
            let health = http_request(port, "GET", "/_localstack/health", &[], b"");
            if health.is_ok_and(|r| r.status == 200) {
                return ls;
            }
            assert!(
                Instant::now() < deadline,
                "LocalStack did not answer on port {port} within 120 s\n--- last lines ---\n{}",
                tail(&ls.log_text(), LOG_TAIL_LINES)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The CLI's environment: LocalStack's services here, the rest on `AWS_ENDPOINT_URL`.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        ENDPOINT_VARS
            .iter()
            .map(|v| (*v, self.endpoint()))
            .collect()
    }

    /// Requests LocalStack served for `service` (its `AWS apigateway.PutMethod => 200` log
    /// lines): proof a test's calls reached it, and a count to aim a kill at.
    pub fn served(&self, service: &str) -> usize {
        let needle = format!("AWS {service}.");
        self.log_text()
            .lines()
            .filter(|l| l.contains(&needle))
            .count()
    }

    /// An API Gateway (REST) client on this LocalStack, with the tests' credentials.
    pub fn apigw(&self, region: &str) -> aws_sdk_apigateway::Client {
        ls_client!(aws_sdk_apigateway, self.endpoint(), region)
    }

    /// A CloudWatch client on this LocalStack.
    pub fn cloudwatch(&self, region: &str) -> aws_sdk_cloudwatch::Client {
        ls_client!(aws_sdk_cloudwatch, self.endpoint(), region)
    }

    /// An ACM client on this LocalStack.
    pub fn acm(&self, region: &str) -> aws_sdk_acm::Client {
        ls_client!(aws_sdk_acm, self.endpoint(), region)
    }

    /// A Route53 client on this LocalStack (global: signed for us-east-1).
    pub fn route53(&self) -> aws_sdk_route53::Client {
        ls_client!(aws_sdk_route53, self.endpoint(), "us-east-1")
    }

    /// A CloudWatch Logs client on `endpoint` (this LocalStack's, or moto's).
    pub fn logs(endpoint: &str, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        ls_client!(aws_sdk_cloudwatchlogs, endpoint, region)
    }

    /// `cli`, with the services of `on_moto` (endpoint variables) on moto too, where
    /// LocalStack lacks what a test needs (docs/EMULATOR.md).
    pub fn cli_moving(
        &self,
        moto: &super::Moto,
        dir: &Path,
        args: &[&str],
        on_moto: &[&str],
    ) -> super::Output {
        let mut env = self.env();
        env.retain(|(k, _)| !on_moto.contains(k));
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        super::cli_env(moto, dir, args, &env)
    }

    /// Runs the CLI with this LocalStack's services here and the rest on `moto`.
    pub fn cli(&self, moto: &super::Moto, dir: &Path, args: &[&str]) -> super::Output {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        super::cli_env(moto, dir, args, &env)
    }

    fn log_text(&self) -> String {
        fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- LocalStack on port {} (log kept at {}), last lines ---\n{}",
                self.port,
                self.log_path.display(),
                tail(&self.log_text(), LOG_TAIL_LINES)
            );
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}
