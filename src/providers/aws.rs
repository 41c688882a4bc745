//! One place that builds the SDK configuration (region, profile, endpoint) and the clients,
//! and one call wrapper that every AWS request goes through: client-side rate limits per
//! operation (AWS's documented quotas), jittered retries on throttling, 5xx and
//! ConflictException, and error classification into messages a user can act on.

use super::limits::RateLimiter;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Errors from AWS, classified. Each keeps the operation and AWS's error code as data.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS region: set `region:` in the stack file, pass --region, or export AWS_REGION")]
    NoRegion,
    #[error("no AWS credentials found ({0}): set AWS_PROFILE or pass --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (any values work for a local emulator)")]
    NoCredentials(String),
    #[error("cannot reach the AWS endpoint {endpoint} during {op} ({detail}): check --endpoint-url / AWS_ENDPOINT_URL, that the emulator is running, or your network")]
    Unreachable {
        endpoint: String,
        op: String,
        detail: String,
    },
    #[error("AWS rejected the credentials during {op}: {code}: {message}. Check AWS_PROFILE/--profile or the access keys")]
    BadCredentials {
        op: String,
        code: String,
        message: String,
    },
    #[error("AWS denied {op}: the credentials lack the IAM permission {permission} ({code}: {message}). Grant it to the role or user that runs idrv5-gw")]
    AccessDenied {
        op: String,
        code: String,
        /// The IAM action AWS named, else the one the operation needs.
        permission: String,
        message: String,
    },
    #[error("{op}: not found: {message}")]
    NotFound {
        op: String,
        code: String,
        message: String,
    },
    #[error("{op} failed: {code}: {message}")]
    Service {
        op: String,
        code: String,
        message: String,
    },
    /// Left for a later apply on purpose (`--no-wait`): not a failure.
    #[error("{0}")]
    Deferred(String),
    #[error("{op} still failing after {attempts} attempts: {last}")]
    GaveUp {
        op: String,
        attempts: u32,
        /// The last answer, classified.
        last: Box<AwsError>,
        /// Some attempt was answered with a 5xx (the last may be a throttle).
        server_error: bool,
    },
}

impl AwsError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, AwsError::NotFound { .. })
    }
    /// The AWS error code of an answer taken as final (not retried). A retried-out error has
    /// none: a ConflictException that ran out of retries is a failure, never "it exists".
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. }
            | AwsError::NotFound { code, .. }
            | AwsError::BadCredentials { code, .. }
            | AwsError::AccessDenied { code, .. } => Some(code),
            _ => None,
        }
    }
    /// AWS answered with exactly this code (see `code`).
    pub fn has_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }
    /// The same error with every message passed through `f` (to scrub a secret).
    pub fn map_text(self, f: &dyn Fn(String) -> String) -> AwsError {
        use AwsError::*;
        match self {
            Service { op, code, message } => Service {
                op,
                code,
                message: f(message),
            },
            NotFound { op, code, message } => NotFound {
                op,
                code,
                message: f(message),
            },
            BadCredentials { op, code, message } => BadCredentials {
                op,
                code,
                message: f(message),
            },
            AccessDenied {
                op,
                code,
                permission,
                message,
            } => AccessDenied {
                op,
                code,
                permission,
                message: f(message),
            },
            GaveUp {
                op,
                attempts,
                last,
                server_error,
            } => GaveUp {
                op,
                attempts,
                last: Box::new(last.map_text(f)),
                server_error,
            },
            Unreachable {
                endpoint,
                op,
                detail,
            } => Unreachable {
                endpoint,
                op,
                detail: f(detail),
            },
            NoCredentials(d) => NoCredentials(f(d)),
            Deferred(d) => Deferred(f(d)),
            NoRegion => NoRegion,
        }
    }
}

/// An SDK operation, named from its types: `aws_sdk_wafv2::operation::create_web_acl::
/// CreateWebACLError` is `wafv2` / `CreateWebACL`. Pacing and messages use it, so no caller
/// spells an operation's name by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The SDK crate's service: `apigateway`, `apigatewayv2`, `wafv2`, `cloudwatchlogs`, ...
    pub service: &'static str,
    pub name: &'static str,
}

impl Operation {
    pub fn of<E>() -> Operation {
        Operation::parse(std::any::type_name::<E>())
    }
    fn parse(type_name: &'static str) -> Operation {
        let service = type_name
            .split("::")
            .next()
            .and_then(|c| c.strip_prefix("aws_sdk_"))
            .unwrap_or("unknown");
        let last = type_name.rsplit("::").next().unwrap_or(type_name);
        let name = last.strip_suffix("Error").unwrap_or(last);
        Operation { service, name }
    }
    /// The IAM action the operation needs. API Gateway's are HTTP verbs on resources, so
    /// its service prefix is named with the operation for the user to look up.
    pub fn iam_action(&self) -> String {
        let prefix = match self.service {
            "apigatewayv2" => "apigateway",
            "cloudwatchlogs" => "logs",
            other => other,
        };
        format!("{prefix}:{}", self.name)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.service {
            // The v2 operations share names with REST ones: say which.
            "apigatewayv2" => write!(f, "{} (API Gateway v2)", self.name),
            _ => f.write_str(self.name),
        }
    }
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
}

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
        creds
            .provide_credentials()
            .await
            .map_err(|e| AwsError::NoCredentials(first_line(&e.to_string())))?;
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
        let wafv2 = client!(aws_sdk_wafv2);
        let acm = client!(aws_sdk_acm);
        let acm_us_east_1 = client!(aws_sdk_acm in us-east-1);
        let wafv2_us_east_1 = client!(aws_sdk_wafv2 in us-east-1);
        let dynamodb = client!(aws_sdk_dynamodb);
        let route53 = client!(aws_sdk_route53);
        let endpoint = opts
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
            .unwrap_or_else(|| format!("https://apigateway.{region}.amazonaws.com"));
        let max_attempts = std::env::var("IDRV5_GW_MAX_ATTEMPTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(8);
        Ok(Aws {
            apigw,
            apigwv2,
            logs,
            lambda,
            cloudwatch,
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
            limiter: Arc::new(RateLimiter::aws_quotas()),
            max_attempts,
        })
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
        self.call_inner(op, send, false)
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
        self.call_inner(Operation::of::<E>(), send, true).await
    }

    async fn call_inner<T, E, F, Fut>(
        &self,
        op: Operation,
        mut send: F,
        foreign_is_none: bool,
    ) -> Result<Option<T>, AwsError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, aws_smithy_runtime_api::http::Response>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
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
                    tracing::debug!(service = op.service, op = op.name, attempt, ms, "ok");
                    return Ok(Some(v));
                }
                Err(e) => e,
            };
            let (code, status) = code_of(&err);
            tracing::debug!(
                service = op.service,
                op = op.name,
                attempt,
                ms,
                code = code.as_deref().unwrap_or("-"),
                status = status.unwrap_or(0),
                "error"
            );
            if foreign_is_none && (is_foreign(&err) || status == Some(501)) {
                return Ok(None);
            }
            server_error |= status.is_some_and(|s| s >= 500);
            let class = classify(op, &self.endpoint, &err);
            // An endpoint that cannot be reached fails fast: three in a row. A connection
            // reset between answers of another kind is one more transient fault.
            if matches!(class, AwsError::Unreachable { .. }) {
                unreachable += 1;
            } else {
                unreachable = 0;
            }
            let retryable = is_retryable(&err);
            if !retryable || attempt >= self.max_attempts || unreachable >= 3 {
                if retryable && !matches!(class, AwsError::Unreachable { .. }) {
                    return Err(AwsError::GaveUp {
                        op: op.to_string(),
                        attempts: attempt,
                        last: Box::new(class),
                        server_error,
                    });
                }
                return Err(class);
            }
            if is_throttle(&err) {
                self.limiter.slow_down(op.service, op.name);
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

/// Full jitter: uniform in [0, min(cap, base * 2^attempt)].
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let cap = 10_000f64;
    let max = (100.0 * 2f64.powi(attempt as i32)).min(cap);
    Duration::from_millis(rand::thread_rng().gen_range(max / 4.0..=max) as u64)
}

fn code_of<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> (Option<String>, Option<u16>) {
    match e {
        SdkError::ServiceError(s) => (
            s.err().code().map(str::to_string),
            Some(s.raw().status().as_u16()),
        ),
        SdkError::ResponseError(r) => (None, Some(r.raw().status().as_u16())),
        _ => (None, None),
    }
}

/// An HTTP error answer without an AWS error code (no `x-amzn-ErrorType`, no `__type`/`code`
/// in a JSON body): not AWS speaking, e.g. an emulator's "not implemented" page.
fn is_foreign<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    let (code, status) = code_of(e);
    code.is_none() && status.is_some_and(|s| s >= 400)
}

fn is_throttle<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    let (code, status) = code_of(e);
    status == Some(429)
        || code.is_some_and(|c| {
            c.contains("TooManyRequests") || c.contains("Throttl") || c == "LimitExceededException"
        })
}

fn is_retryable<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    let (code, status) = code_of(e);
    matches!(e, SdkError::TimeoutError(_) | SdkError::DispatchFailure(_))
        || is_throttle(e)
        // 501 Not Implemented: the endpoint will not do it however often it is asked.
        || status.is_some_and(|s| s >= 500 && s != 501)
        || code.is_some_and(|c| {
            (c == "ConflictException" && !already_exists(e))
                || c == "OperationAbortedException"
                || c == "ServiceUnavailableException"
        })
}

/// "Stage already exists", "Base path already exists": an answer, not a transient
/// conflict. Retrying cannot change it; the caller decides (a create retried after AWS did
/// the work but the answer was lost lands here and adopts what exists).
fn already_exists<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    matches!(e, SdkError::ServiceError(s) if s.err().message().is_some_and(|m| m.contains("already exists")))
}

fn classify<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    op: Operation,
    endpoint: &str,
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> AwsError {
    let (code, status) = code_of(e);
    let op_name = op.to_string();
    match e {
        SdkError::DispatchFailure(d) => {
            let detail = std::error::Error::source(e)
                .map(|s| first_line(&format!("{s:?}")))
                .unwrap_or_default();
            let detail = if d.is_io() {
                "connection failed".to_string()
            } else if d.is_timeout() {
                "timed out".into()
            } else if detail.contains("credentials") || detail.contains("Credentials") {
                return AwsError::NoCredentials(detail);
            } else {
                detail
            };
            AwsError::Unreachable {
                endpoint: endpoint.into(),
                op: op_name,
                detail,
            }
        }
        SdkError::TimeoutError(_) => AwsError::Unreachable {
            endpoint: endpoint.into(),
            op: op_name,
            detail: "timed out".into(),
        },
        _ => {
            let message = match e {
                SdkError::ServiceError(s) => s
                    .err()
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| first_line(&s.err().to_string())),
                other => first_line(&format!(
                    "{}",
                    aws_smithy_types::error::display::DisplayErrorContext(other)
                )),
            };
            let code = code.unwrap_or_else(|| {
                status
                    .map(|s| format!("HTTP {s}"))
                    .unwrap_or_else(|| "error".into())
            });
            if status == Some(404) || code.contains("NotFound") {
                AwsError::NotFound {
                    op: op_name,
                    code,
                    message,
                }
            } else if is_access_denied(&code) {
                AwsError::AccessDenied {
                    op: op_name,
                    permission: denied_action(&message).unwrap_or_else(|| op.iam_action()),
                    code,
                    message,
                }
            } else if matches!(
                code.as_str(),
                "UnrecognizedClientException"
                    | "InvalidSignatureException"
                    | "ExpiredTokenException"
                    | "InvalidClientTokenId"
            ) {
                AwsError::BadCredentials {
                    op: op_name,
                    code,
                    message,
                }
            } else {
                AwsError::Service {
                    op: op_name,
                    code,
                    message,
                }
            }
        }
    }
}

fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation"
    )
}

/// The action in AWS's "… is not authorized to perform: apigateway:POST on resource: …".
fn denied_action(message: &str) -> Option<String> {
    let rest = message.split("to perform: ").nth(1)?;
    let action = rest.split([' ', ',']).next()?.trim_end_matches('.');
    (!action.is_empty()).then(|| action.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_named_from_the_sdk_types() {
        let op = Operation::of::<aws_sdk_dynamodb::operation::get_item::GetItemError>();
        assert_eq!((op.service, op.name), ("dynamodb", "GetItem"));
        let op = Operation::of::<aws_sdk_wafv2::operation::create_web_acl::CreateWebACLError>();
        assert_eq!((op.service, op.name), ("wafv2", "CreateWebACL"));
        assert_eq!(op.iam_action(), "wafv2:CreateWebACL");
        let op = Operation::of::<aws_sdk_apigatewayv2::operation::create_stage::CreateStageError>();
        assert_eq!(op.to_string(), "CreateStage (API Gateway v2)");
    }

    #[test]
    fn access_denied_names_the_permission() {
        let m = "User: arn:aws:iam::1:user/ci is not authorized to perform: apigateway:POST on resource: arn:aws:apigateway:eu-west-1::/restapis";
        assert_eq!(denied_action(m).as_deref(), Some("apigateway:POST"));
        assert_eq!(denied_action("Access denied"), None);
        let e = AwsError::AccessDenied {
            op: "CreateRestApi".into(),
            code: "AccessDeniedException".into(),
            permission: "apigateway:POST".into(),
            message: m.into(),
        };
        assert!(
            e.to_string()
                .contains("lack the IAM permission apigateway:POST"),
            "{e}"
        );
        assert!(!e.to_string().contains("AWS_PROFILE"), "{e}");
    }

    #[test]
    fn a_retried_out_conflict_has_no_code() {
        let conflict = AwsError::Service {
            op: "CreateStage".into(),
            code: "ConflictException".into(),
            message: "busy".into(),
        };
        assert!(conflict.has_code("ConflictException"));
        let gave_up = AwsError::GaveUp {
            op: "CreateStage".into(),
            attempts: 8,
            last: Box::new(conflict),
            server_error: false,
        };
        assert!(!gave_up.has_code("ConflictException"));
        assert!(
            gave_up.to_string().contains("ConflictException"),
            "{gave_up}"
        );
    }
}
