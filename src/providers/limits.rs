//! Client-side token buckets with AWS's documented control-plane quotas, so an apply never
//! provokes the TooManyRequestsException Terraform users hit.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
struct Bucket {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
        }
    }
    /// Take a token, or say how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// (operation, requests per second, burst). "Amazon API Gateway quotas" (fixed, per account
/// and Region) and CloudWatch Logs' control-plane quotas.
pub const QUOTAS: &[(&str, f64, f64)] = &[
    ("CreateRestApi", 1.0 / 3.0, 1.0),
    ("ImportRestApi", 1.0 / 3.0, 1.0),
    ("PutRestApi", 1.0, 1.0),
    ("DeleteRestApi", 1.0 / 30.0, 1.0),
    ("CreateDeployment", 1.0 / 5.0, 1.0),
    ("CreateResource", 5.0, 5.0),
    ("DeleteResource", 5.0, 5.0),
    ("GetResources", 2.5, 5.0),
    ("CreateDomainName", 1.0 / 30.0, 1.0),
    ("UpdateDomainName", 1.0 / 30.0, 1.0),
    ("DeleteDomainName", 1.0 / 30.0, 1.0),
    ("UpdateUsagePlan", 1.0 / 20.0, 1.0),
    ("UpdateAccount", 1.0 / 20.0, 1.0),
    ("CreateApiKey", 5.0, 5.0),
    ("DeleteApiKey", 5.0, 5.0),
    ("CreateVpcLink", 1.0 / 15.0, 1.0),
    // CloudWatch: PutMetricAlarm and DeleteAlarms 3/s, PutDashboard 10/s.
    ("PutMetricAlarm", 3.0, 3.0),
    ("DeleteAlarms", 3.0, 3.0),
    ("PutDashboard", 10.0, 10.0),
    ("DeleteVpcLink", 1.0 / 30.0, 1.0),
    // HTTP and WebSocket APIs (v2): "CreateVpcLink (V2)" and "DeleteVpcLink (V2)"; the
    // quota table's CreateDeployment names no API type, so v2 deployments are paced alike.
    // All of them also share the account bucket ("apigateway") with the REST calls.
    ("CreateVpcLink:v2", 1.0 / 15.0, 1.0),
    ("DeleteVpcLink:v2", 1.0 / 30.0, 1.0),
    ("CreateDeployment:v2", 1.0 / 5.0, 1.0),
];
/// All API Gateway management operations together.
pub const APIGW_TOTAL: (f64, f64) = (10.0, 40.0);
/// CloudWatch Logs control-plane calls: 5 per second is the lowest of their quotas.
const LOGS_TOTAL: (f64, f64) = (5.0, 5.0);
/// WAFv2 allows one Create/Put/Update (and Delete, Associate) per second per account.
const WAF_WRITES: &[&str] = &[
    "CreateIPSet",
    "UpdateIPSet",
    "DeleteIPSet",
    "CreateWebACL",
    "UpdateWebACL",
    "DeleteWebACL",
    "AssociateWebACL",
    "DisassociateWebACL",
];
const CLOUDWATCH_OPS: &[&str] = &[
    "PutMetricAlarm",
    "DeleteAlarms",
    "DescribeAlarms",
    "PutDashboard",
    "DeleteDashboards",
    "GetDashboard",
    "ListDashboards",
    "ListTagsForResource:cloudwatch",
];
const ROUTE53_OPS: &[&str] = &[
    "ChangeResourceRecordSets",
    "ListResourceRecordSets",
    "ListHostedZonesByName",
    "GetHostedZone",
];
const ACM_OPS: &[&str] = &[
    "RequestCertificate",
    "DescribeCertificate",
    "DeleteCertificate",
    "ListCertificates",
    "ListTagsForCertificate",
    "AddTagsToCertificate",
];

/// Lambda's control plane allows 15 requests per second for these; stay under it.
const LAMBDA_TOTAL: (f64, f64) = (10.0, 10.0);
const LAMBDA_OPS: &[&str] = &["GetPolicy", "AddPermission", "RemovePermission"];
const LOGS_OPS: &[&str] = &[
    "CreateLogGroup",
    "DeleteLogGroup",
    "PutRetentionPolicy",
    "DeleteRetentionPolicy",
    "DescribeLogGroups",
    "ListTagsForResource",
    "TagResource",
];

/// (requests per second, burst) of an operation's own quota, if it has one.
pub fn quota(op: &str) -> Option<(f64, f64)> {
    QUOTAS
        .iter()
        .find(|(o, _, _)| *o == op)
        .map(|(_, rate, burst)| (*rate, *burst))
}

#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    enabled: bool,
}

impl RateLimiter {
    pub fn aws_quotas() -> Self {
        let mut b = HashMap::new();
        for (op, rate, burst) in QUOTAS {
            b.insert(op.to_string(), Bucket::new(*rate, *burst));
        }
        b.insert(
            "apigateway".into(),
            Bucket::new(APIGW_TOTAL.0, APIGW_TOTAL.1),
        );
        b.insert("logs".into(), Bucket::new(LOGS_TOTAL.0, LOGS_TOTAL.1));
        b.insert("lambda".into(), Bucket::new(LAMBDA_TOTAL.0, LAMBDA_TOTAL.1));
        b.insert("wafv2-writes".into(), Bucket::new(1.0, 1.0));
        b.insert("wafv2".into(), Bucket::new(10.0, 10.0));
        b.insert("cloudwatch".into(), Bucket::new(10.0, 10.0));
        b.insert("route53".into(), Bucket::new(5.0, 5.0));
        b.insert("acm".into(), Bucket::new(10.0, 10.0));
        // The apply lock: a few calls per run, far below DynamoDB's limits.
        b.insert("dynamodb".into(), Bucket::new(25.0, 25.0));
        // For benchmarks that measure the tool without its own pacing.
        let enabled = std::env::var("IDRV5_GW_RATE_LIMITS")
            .map(|v| v != "off")
            .unwrap_or(true);
        Self {
            buckets: Mutex::new(b),
            enabled,
        }
    }

    /// The shared bucket an operation also draws from ("apigateway" for API Gateway's).
    pub fn service_of(op: &str) -> &'static str {
        if LOGS_OPS.contains(&op) {
            "logs"
        } else if LAMBDA_OPS.contains(&op) {
            "lambda"
        } else if WAF_WRITES.contains(&op) {
            "wafv2-writes"
        } else if CLOUDWATCH_OPS.contains(&op) {
            "cloudwatch"
        } else if ROUTE53_OPS.contains(&op) {
            "route53"
        } else if ACM_OPS.contains(&op) {
            "acm"
        } else if op.starts_with("WAF:") {
            "wafv2"
        } else if op.starts_with("DynamoDB:") {
            "dynamodb"
        } else {
            "apigateway"
        }
    }

    pub async fn acquire(&self, op: &str) {
        if !self.enabled {
            return;
        }
        for key in [op, Self::service_of(op)] {
            loop {
                let wait = {
                    let Ok(mut b) = self.buckets.lock() else {
                        return;
                    };
                    match b.get_mut(key) {
                        Some(bucket) => bucket.take(Instant::now()),
                        None => None,
                    }
                };
                match wait {
                    Some(d) => tokio::time::sleep(d).await,
                    None => break,
                }
            }
        }
    }

    /// AWS throttled us anyway (another client shares the account): empty the buckets.
    pub fn slow_down(&self, op: &str) {
        if let Ok(mut b) = self.buckets.lock() {
            for key in [op, Self::service_of(op)] {
                if let Some(bucket) = b.get_mut(key) {
                    bucket.tokens = 0.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_operations_have_their_own_quota_and_share_the_account_bucket() {
        for op in [
            "CreateVpcLink:v2",
            "DeleteVpcLink:v2",
            "CreateDeployment:v2",
        ] {
            assert!(QUOTAS.iter().any(|(o, _, _)| *o == op), "{op}");
            assert_eq!(RateLimiter::service_of(op), "apigateway");
        }
        let (_, rate, _) = QUOTAS
            .iter()
            .find(|(o, _, _)| *o == "DeleteVpcLink:v2")
            .expect("listed");
        assert!((rate - 1.0 / 30.0).abs() < 1e-9);
    }

    #[test]
    fn bucket_allows_burst_then_paces_at_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(0.2, 1.0); // CreateDeployment: 1 per 5 s
        assert!(b.take(t0).is_none());
        let wait = b.take(t0).expect("second call must wait");
        assert!((wait.as_secs_f64() - 5.0).abs() < 0.01, "{wait:?}");
        assert!(b.take(t0 + Duration::from_secs(5)).is_none());
    }
}
