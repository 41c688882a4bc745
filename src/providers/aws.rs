//! One place that builds the SDK configuration (region, profile, endpoint) and the clients,
//! and one call wrapper that every AWS request goes through: client-side rate limits per
//! operation (AWS's documented quotas), jittered retries on throttling, 5xx and
//! ConflictException, and error classification into messages a user can act on.

use super::errors::{classify, code_of, first_line, is_foreign, is_retryable, is_throttle};
pub use super::errors::{AwsError, Operation};
use super::limits::RateLimiter;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigateway::types::Resource as AwsResource;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Counts every HTTP request the SDK sends (retries included), by operation.
#[derive(Debug, Default)]
pub struct CallCounter {
    counts: Mutex<BTreeMap<String, u64>>,
}

impl CallCounter {
    pub fn snapshot(&self) -> BTreeMap<String, u64> {
        self.counts.lock().map(|c| c.clone()).unwrap_or_default()
    }
    pub fn total(&self) -> u64 {
        self.snapshot().values().sum()
    }
}

#[derive(Debug, Clone)]
struct CountCalls(Arc<CallCounter>);

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "idrv5-gw-call-counter"
    }
    fn read_before_transmit(
        &self,
        _ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_else(|| "unknown".into());
        if let Ok(mut c) = self.0.counts.lock() {
            *c.entry(name).or_default() += 1;
        }
        Ok(())
    }
}

/// Told how a long wait goes: (what is awaited, elapsed, limit).
pub type WaitHook = Arc<dyn Fn(&str, Duration, Duration) + Send + Sync>;

/// Clients and the call policy, built once per command.
#[derive(Clone)]
pub struct Aws {
    pub apigw: aws_sdk_apigateway::Client,
    /// HTTP and WebSocket APIs.
    pub apigwv2: aws_sdk_apigatewayv2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub lambda: aws_sdk_lambda::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    /// Resource Groups Tagging API: what carries the stack's tag where no prefix finds it.
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub wafv2: aws_sdk_wafv2::Client,
    pub acm: aws_sdk_acm::Client,
    /// ACM in us-east-1, where edge-optimised endpoints and CloudFront web ACLs live.
    pub acm_us_east_1: aws_sdk_acm::Client,
    pub wafv2_us_east_1: aws_sdk_wafv2::Client,
    pub route53: aws_sdk_route53::Client,
    /// The optional apply lock's table.
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub region: String,
    pub endpoint: String,
    pub calls: Arc<CallCounter>,
    /// `apply --no-wait`: do not wait for certificates; leave what needs them to a later apply.
    pub no_wait: bool,
    /// Set per change by the executor so a provider can show a long wait's progress.
    pub on_wait: Option<WaitHook>,
    limiter: Arc<RateLimiter>,
    max_attempts: u32,
    /// The endpoint has answered some call: a broken connection later is not "unreachable".
    answered: Arc<std::sync::atomic::AtomicBool>,
    /// This account and region's name in the cache (`crate::cache::key`).
    account: String,
    /// REST API resource trees (GetResources answers) read while `keep_trees` is on, for the
    /// next read of the same tree, until a call that may change a tree: the bulk read-back's,
    /// for the apply's check (the repair usually writes only a deployment and a stage).
    trees: Arc<Mutex<Trees>>,
}

/// See `Aws::known_tree`. A tree read while a write was under way is not kept: each write
/// starts a new generation.
#[derive(Default)]
struct Trees {
    generation: u64,
    /// Reads remember what they read (off by default: a tree is ~5 MB at 1,000 methods).
    keep: bool,
    kept: HashMap<String, Arc<Vec<AwsResource>>>,
}

/// API Gateway writes that leave every REST API's resource tree (its paths, methods and
/// integrations) as it was. Anything else not a read forgets the trees read so far.
const TREE_KEEPING: &[&str] = &[
    "CreateDeployment",
    "UpdateDeployment",
    "DeleteDeployment",
    "CreateStage",
    "UpdateStage",
    "DeleteStage",
    "TagResource",
    "UntagResource",
    "CreateUsagePlan",
    "UpdateUsagePlan",
    "DeleteUsagePlan",
    "CreateUsagePlanKey",
    "DeleteUsagePlanKey",
    "CreateApiKey",
    "UpdateApiKey",
    "DeleteApiKey",
];

impl Aws {
    /// `--region` wins over the stack's region, which wins over the profile/environment.
    pub async fn connect(opts: &AwsOptions, stack_region: Option<&str>) -> Result<Aws, AwsError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::disabled())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = opts.region.as_deref().or(stack_region) {
            loader = loader.region(Region::new(r.to_string()));
        }
        if let Some(e) = &opts.endpoint_url {
            loader = loader.endpoint_url(e);
        }
        let sdk = loader.load().await;
        let region = sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(AwsError::NoRegion)?;
        let creds = sdk
            .credentials_provider()
            .ok_or_else(|| AwsError::NoCredentials("no provider".into()))?;
        use aws_credential_types::provider::ProvideCredentials;
        let access_key = creds
            .provide_credentials()
            .await
            .map_err(|e| AwsError::NoCredentials(first_line(&e.to_string())))?
            .access_key_id()
            .to_string();
        let calls = Arc::new(CallCounter::default());
        // Every client counts its requests into `calls`; `in us-east-1` for the edge's.
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&sdk)
                        .interceptor(CountCalls(calls.clone()))
                        .build(),
                )
            };
            ($sdk:ident in us-east-1) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&sdk)
                        .region(Region::new("us-east-1"))
                        .interceptor(CountCalls(calls.clone()))
                        .build(),
                )
            };
        }
        let apigw = client!(aws_sdk_apigateway);
        let apigwv2 = client!(aws_sdk_apigatewayv2);
        let logs = client!(aws_sdk_cloudwatchlogs);
        let lambda = client!(aws_sdk_lambda);
        let cloudwatch = client!(aws_sdk_cloudwatch);
        let tagging = client!(aws_sdk_resourcegroupstagging);
        let wafv2 = client!(aws_sdk_wafv2);
        let acm = client!(aws_sdk_acm);
        let acm_us_east_1 = client!(aws_sdk_acm in us-east-1);
        let wafv2_us_east_1 = client!(aws_sdk_wafv2 in us-east-1);
        let dynamodb = client!(aws_sdk_dynamodb);
        let route53 = client!(aws_sdk_route53);
        // API Gateway's own endpoint names the cache: what an import carries and how its
        // quotas were spent are that service's (the others may be another emulator).
        let endpoint = opts
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL_API_GATEWAY").ok())
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .unwrap_or_else(|| format!("https://apigateway.{region}.amazonaws.com"));
        let max_attempts = std::env::var("IDRV5_GW_MAX_ATTEMPTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(8);
        let account = crate::cache::key(&endpoint, &region, &access_key);
        let memory = super::limits::memory_file(&account);
        let limiter = Arc::new(RateLimiter::aws_quotas().remembering(memory));
        Ok(Aws {
            apigw,
            apigwv2,
            logs,
            lambda,
            cloudwatch,
            tagging,
            wafv2,
            acm,
            acm_us_east_1,
            wafv2_us_east_1,
            route53,
            dynamodb,
            region,
            endpoint,
            calls,
            no_wait: false,
            on_wait: None,
            limiter,
            max_attempts,
            answered: Default::default(),
            account,
            trees: Default::default(),
        })
    }

    /// A file of what runs learn about this account and region (`crate::cache`).
    pub fn cache_file(&self, name: &str) -> Option<std::path::PathBuf> {
        crate::cache::file(name, &self.account)
    }

    /// Tell the user how a long wait goes, when someone listens.
    pub fn report_wait(&self, what: &str, elapsed: Duration, limit: Duration) {
        if let Some(hook) = &self.on_wait {
            hook(what, elapsed, limit);
        }
    }

    /// Send one request through the rate limiter, retrying what AWS says to retry. The
    /// operation (for pacing, logs and messages) comes from the SDK's error type.
    pub async fn call<T, E, F, Fut>(&self, send: F) -> Result<T, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let op = Operation::of::<E>();
        // `call_inner` answers None only when asked to.
        self.call_inner(op, send, Mode::Retry)
            .await?
            .ok_or_else(|| AwsError::Service {
                op: op.to_string(),
                code: "Internal".into(),
                message: "no answer".into(),
            })
    }

    /// Like `call`, but `Ok(None)` at once (no retries) when the endpoint answers with an
    /// HTTP error that carries no AWS error code (an emulator's HTML page for an operation it
    /// does not implement), or with 501 Not Implemented. Real AWS errors are classified and
    /// retried as in `call`.
    pub async fn call_if_supported<T, E, F, Fut>(&self, send: F) -> Result<Option<T>, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.call_inner(Operation::of::<E>(), send, Mode::ForeignIsNone)
            .await
    }

    /// A create that must not be carried out twice. When its answer is lost after it was
    /// sent (a 5xx, a reset, a timeout: AWS may have done it), `find` looks for what it made
    /// (by the stack's ownership id, or its unique name) before anything is sent again;
    /// what it finds is adopted. An "already exists" answer is adopted the same way when
    /// `find` finds it owned. Throttles and errors AWS answered before acting are retried
    /// as by `call`.
    pub async fn create<T, E, F, Fut, G, GFut>(
        &self,
        mut send: F,
        mut find: G,
    ) -> Result<Made<T>, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        G: FnMut() -> GFut,
        GFut: Future<Output = Result<Option<BTreeMap<String, String>>, AwsError>>,
    {
        let op = Operation::of::<E>();
        let mut lost = 0;
        loop {
            match self.call_inner(op, &mut send, Mode::StopOnLost).await {
                Ok(v) => return Ok(Made::Sent(v.expect("an answer"))),
                Err(AwsError::Lost { last, .. }) => {
                    lost += 1;
                    tracing::info!(op = %op, lost, "answer lost: looking for what it made");
                    if let Some(found) = find().await? {
                        return Ok(Made::Found(found));
                    }
                    if lost >= self.max_attempts {
                        return Err(self.truthful(*last));
                    }
                    tokio::time::sleep(backoff(lost)).await;
                }
                // Made by an attempt whose answer `find` could not see yet, or by an
                // interrupted run: adopted when it carries this stack's ownership.
                Err(e) if e.says_exists() => {
                    return match find().await? {
                        Some(found) => Ok(Made::Found(found)),
                        None => Err(e),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn call_inner<T, E, F, Fut>(
        &self,
        op: Operation,
        mut send: F,
        mode: Mode,
    ) -> Result<Option<T>, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.forget_trees_before(op);
        let mut attempt = 0u32;
        let mut server_error = false;
        let mut unreachable = 0u32;
        loop {
            attempt += 1;
            self.limiter.acquire(op.service, op.name).await;
            let t0 = std::time::Instant::now();
            let answer = send().await;
            let ms = t0.elapsed().as_millis() as u64;
            let err = match answer {
                Ok(v) => {
                    self.answered
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                    tracing::debug!(service = op.service, op = op.name, attempt, ms, "ok");
                    return Ok(Some(v));
                }
                Err(e) => e,
            };
            let (code, status) = code_of(&err);
            if status.is_some() {
                self.answered
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            tracing::debug!(
                service = op.service,
                op = op.name,
                attempt,
                ms,
                code = code.as_deref().unwrap_or("-"),
                status = status.unwrap_or(0),
                "error"
            );
            if mode == Mode::ForeignIsNone && (is_foreign(&err) || status == Some(501)) {
                return Ok(None);
            }
            server_error |= status.is_some_and(|s| s >= 500);
            let class = classify(op, &self.endpoint, &err);
            if mode == Mode::StopOnLost && may_have_acted(&err, status) {
                return Err(AwsError::Lost {
                    op: op.to_string(),
                    last: Box::new(class),
                });
            }
            // An endpoint that never answered in this run fails fast: three connection
            // failures in a row. Once it has answered, a broken connection is one more
            // transient fault with the attempts any other gets.
            if matches!(class, AwsError::Unreachable { .. }) {
                unreachable += 1;
            } else {
                unreachable = 0;
            }
            let never_answered = !self.answered.load(std::sync::atomic::Ordering::Relaxed);
            let retryable = is_retryable(&err);
            if !retryable || attempt >= self.max_attempts || (never_answered && unreachable >= 3) {
                if retryable && !matches!(class, AwsError::Unreachable { .. }) {
                    return Err(AwsError::GaveUp {
                        op: op.to_string(),
                        attempts: attempt,
                        last: Box::new(class),
                        server_error,
                    });
                }
                return Err(self.truthful(class));
            }
            if is_throttle(&err) {
                self.limiter.slow_down(op.service, op.name);
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

impl Aws {
    /// A REST API's resource tree as a read while `keep_trees` was on left it, unless a call
    /// since may have changed it; taken (it serves one read). Else the generation to hand
    /// `remember_tree` with what is read now.
    pub fn known_tree(&self, api_id: &str) -> Result<Arc<Vec<AwsResource>>, u64> {
        let mut t = self.trees.lock().map_err(|_| u64::MAX)?;
        let generation = t.generation;
        t.kept.remove(api_id).ok_or(generation)
    }

    /// Keeps a tree read from `generation` on, when asked to and no write was sent meanwhile.
    pub fn remember_tree(&self, api_id: &str, generation: u64, tree: Arc<Vec<AwsResource>>) {
        if let Ok(mut t) = self.trees.lock() {
            if t.keep && t.generation == generation {
                t.kept.insert(api_id.to_string(), tree);
            }
        }
    }

    /// Whether the reads from now on keep the trees they read for the next read.
    pub fn keep_trees(&self, keep: bool) {
        if let Ok(mut t) = self.trees.lock() {
            t.keep = keep;
        }
    }

    /// Before a call is sent (it may be carried out even if its answer is lost).
    fn forget_trees_before(&self, op: Operation) {
        let keeps = op.service != "apigateway"
            || ["Get", "List", "Describe"]
                .iter()
                .any(|p| op.name.starts_with(p))
            || TREE_KEEPING.contains(&op.name);
        if !keeps {
            if let Ok(mut t) = self.trees.lock() {
                t.generation += 1;
                t.kept.clear();
            }
        }
    }

    /// "Cannot reach the endpoint" only when it never answered in this run.
    fn truthful(&self, e: AwsError) -> AwsError {
        match e {
            AwsError::Unreachable {
                endpoint,
                op,
                detail,
            } if self.answered.load(std::sync::atomic::Ordering::Relaxed) => {
                AwsError::Interrupted {
                    endpoint,
                    op,
                    detail,
                }
            }
            e => e,
        }
    }
}

/// How `call_inner` treats an error.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Retry what AWS says to retry.
    Retry,
    /// An operation the endpoint does not implement is `Ok(None)`.
    ForeignIsNone,
    /// An error after which the request may have been carried out is `AwsError::Lost`.
    StopOnLost,
}

/// What `Aws::create` ends with: the create's own answer, or what `find` found of it.
pub enum Made<T> {
    Sent(T),
    Found(BTreeMap<String, String>),
}

impl<T> Made<T> {
    /// The outputs either way: `sent` turns the create's answer into them.
    pub fn out(self, sent: impl FnOnce(T) -> BTreeMap<String, String>) -> BTreeMap<String, String> {
        match self {
            Made::Sent(t) => sent(t),
            Made::Found(out) => out,
        }
    }
}

/// A 5xx (but 501), a timeout or a broken connection: the request may have been carried
/// out, only its answer is missing.
fn may_have_acted<E>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
    status: Option<u16>,
) -> bool {
    status.is_some_and(|s| s >= 500 && s != 501)
        || matches!(e, SdkError::TimeoutError(_) | SdkError::ResponseError(_))
        || matches!(e, SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout())
}

/// Full jitter: uniform in [0, min(cap, base * 2^attempt)].
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let cap = 10_000f64;
    let max = (100.0 * 2f64.powi(attempt as i32)).min(cap);
    Duration::from_millis(rand::thread_rng().gen_range(max / 4.0..=max) as u64)
}
