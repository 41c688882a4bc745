//! AWS errors as data: each keeps the operation and AWS's error code; the operation is named
//! from the SDK's types; an SDK error is classified into what a user can act on, and into
//! retryable or not (throttles, 5xx but 501, conflicts that are not "already exists").

use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};

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
    /// Connections break after the endpoint answered earlier calls: it is up.
    #[error("calls to {endpoint} are failing mid-flight during {op} ({detail}), although it answered earlier calls: connections are being reset between here and AWS (a proxy, the network, or the service). What was done so far is kept and found again; run the command again to finish")]
    Interrupted {
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
    /// Sent, but its answer lost (see `Aws::create`); `last` is what came instead.
    #[error("{op}: the answer was lost after the request was sent: {last}")]
    Lost { op: String, last: Box<AwsError> },
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
    /// A create refused because an item of that name or key exists: every service's word.
    pub fn says_exists(&self) -> bool {
        const CODES: [&str; 5] = [
            "ConflictException",
            "WAFDuplicateItemException",
            "ResourceAlreadyExistsException",
            "ResourceConflictException",
            "AlreadyExistsException",
        ];
        CODES.iter().any(|c| self.has_code(c))
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
            Lost { op, last } => Lost {
                op,
                last: Box::new(last.map_text(f)),
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
            Interrupted {
                endpoint,
                op,
                detail,
            } => Interrupted {
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
            "resourcegroupstagging" => "tag",
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

pub fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().to_string()
}

pub fn code_of<E: ProvideErrorMetadata>(
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
pub fn is_foreign<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    let (code, status) = code_of(e);
    code.is_none() && status.is_some_and(|s| s >= 400)
}

pub fn is_throttle<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    let (code, status) = code_of(e);
    status == Some(429)
        || code.is_some_and(|c| {
            c.contains("TooManyRequests") || c.contains("Throttl") || c == "LimitExceededException"
        })
}

pub fn is_retryable<E: ProvideErrorMetadata>(
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
pub fn already_exists<E: ProvideErrorMetadata>(
    e: &SdkError<E, aws_smithy_runtime_api::http::Response>,
) -> bool {
    matches!(e, SdkError::ServiceError(s) if s.err().message().is_some_and(|m| m.contains("already exists")))
}

pub fn classify<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
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
            } else if is_access_denied(&code) && message.contains("Cross-account pass role") {
                // Not a missing permission: the role an integration names (`credentials`)
                // belongs to another account, which API Gateway never accepts.
                AwsError::Service {
                    op: op_name,
                    code,
                    message: format!("{message} The integration's `credentials` role must belong to the account being applied to: use a role of this account"),
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

pub fn is_access_denied(code: &str) -> bool {
    matches!(
        code,
        "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation"
    )
}

/// The action in AWS's "… is not authorized to perform: apigateway:POST on resource: …".
pub fn denied_action(message: &str) -> Option<String> {
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
        let op = Operation::of::<
            aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesError,
        >();
        assert_eq!(op.iam_action(), "tag:GetResources");
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

    /// An API Gateway error answer with this HTTP status and AWS code.
    fn answered(
        status: u16,
        code: &str,
    ) -> SdkError<
        aws_sdk_apigateway::operation::get_rest_apis::GetRestApisError,
        aws_smithy_runtime_api::http::Response,
    > {
        use aws_sdk_apigateway::error::ErrorMetadata;
        use aws_sdk_apigateway::operation::get_rest_apis::GetRestApisError;
        let raw = aws_smithy_runtime_api::http::Response::new(
            status.try_into().expect("an HTTP status"),
            aws_smithy_types::body::SdkBody::empty(),
        );
        let err = GetRestApisError::generic(ErrorMetadata::builder().code(code).build());
        SdkError::service_error(err, raw)
    }

    #[test]
    fn not_implemented_is_not_retried_other_server_errors_are() {
        assert!(!is_retryable(&answered(501, "NotImplemented")));
        assert!(is_retryable(&answered(500, "InternalFailure")));
        assert!(is_retryable(&answered(503, "ServiceUnavailableException")));
        assert!(is_retryable(&answered(429, "TooManyRequestsException")));
        assert!(!is_retryable(&answered(400, "BadRequestException")));
    }
}
