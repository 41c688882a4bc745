//! Client-side token buckets with AWS's documented control-plane quotas, so an apply never
//! provokes the TooManyRequestsException Terraform users hit.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Waits for a token are this much longer than the refill, relative and absolute.
const MARGIN: f64 = 0.02;
const MARGIN_S: f64 = 0.02;

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
    /// A bucket a little under a quota: 5 % slower, one call less of burst. Spent to the
    /// last token at the exact rate, our bucket and AWS's drift apart by network delays and
    /// clock steps, and the call at the boundary draws a 429.
    fn under(rate: f64, burst: f64) -> Self {
        Self::new(rate * 0.95, if burst >= 2.0 { burst - 1.0 } else { burst })
    }
    fn refill(&mut self, now: Instant) {
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
    }
    /// Take a token, or say how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            // A margin past the exact refill: AWS's window starts when the request arrives,
            // a little after ours, and a wait to the millisecond draws a 429 at the boundary.
            let exact = (1.0 - self.tokens) / self.rate;
            Some(Duration::from_secs_f64(exact * (1.0 + MARGIN) + MARGIN_S))
        }
    }
}

/// (SDK service, operation, requests per second, burst). "Amazon API Gateway quotas" (fixed,
/// per account and Region) and the other services' control-plane quotas. The service is the
/// SDK crate's (`aws_sdk_<service>`), as `Aws::call` reads it off the operation's types.
pub const QUOTAS: &[(&str, &str, f64, f64)] = &[
    ("apigateway", "CreateRestApi", 1.0 / 3.0, 1.0),
    ("apigateway", "ImportRestApi", 1.0 / 3.0, 1.0),
    ("apigateway", "PutRestApi", 1.0, 1.0),
    ("apigateway", "DeleteRestApi", 1.0 / 30.0, 1.0),
    ("apigateway", "CreateDeployment", 1.0 / 5.0, 1.0),
    ("apigateway", "CreateResource", 5.0, 5.0),
    ("apigateway", "DeleteResource", 5.0, 5.0),
    ("apigateway", "GetResources", 2.5, 5.0),
    ("apigateway", "CreateDomainName", 1.0 / 30.0, 1.0),
    ("apigateway", "UpdateDomainName", 1.0 / 30.0, 1.0),
    ("apigateway", "DeleteDomainName", 1.0 / 30.0, 1.0),
    ("apigateway", "UpdateUsagePlan", 1.0 / 20.0, 1.0),
    ("apigateway", "UpdateAccount", 1.0 / 20.0, 1.0),
    ("apigateway", "CreateApiKey", 5.0, 5.0),
    ("apigateway", "DeleteApiKey", 5.0, 5.0),
    ("apigateway", "CreateVpcLink", 1.0 / 15.0, 1.0),
    ("apigateway", "DeleteVpcLink", 1.0 / 30.0, 1.0),
    // HTTP and WebSocket APIs (v2): "CreateVpcLink (V2)" and "DeleteVpcLink (V2)"; the
    // quota table's CreateDeployment names no API type, so v2 deployments are paced alike.
    // All of them also share the account bucket ("apigateway") with the REST calls.
    ("apigatewayv2", "CreateVpcLink", 1.0 / 15.0, 1.0),
    ("apigatewayv2", "DeleteVpcLink", 1.0 / 30.0, 1.0),
    ("apigatewayv2", "CreateDeployment", 1.0 / 5.0, 1.0),
    // CloudWatch: PutMetricAlarm and DeleteAlarms 3/s, PutDashboard 10/s.
    ("cloudwatch", "PutMetricAlarm", 3.0, 3.0),
    ("cloudwatch", "DeleteAlarms", 3.0, 3.0),
    ("cloudwatch", "PutDashboard", 10.0, 10.0),
];
/// All API Gateway management operations together (REST and v2).
pub const APIGW_TOTAL: (f64, f64) = (10.0, 40.0);
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
/// (shared bucket, requests per second, burst) of each service's calls together.
const SERVICE_BUCKETS: &[(&str, f64, f64)] = &[
    ("apigateway", APIGW_TOTAL.0, APIGW_TOTAL.1),
    // CloudWatch Logs control-plane calls: 5 per second is the lowest of their quotas.
    ("logs", 5.0, 5.0),
    // Lambda's control plane allows 15 requests per second for these; stay under it.
    ("lambda", 10.0, 10.0),
    ("wafv2-writes", 1.0, 1.0),
    ("wafv2", 10.0, 10.0),
    ("cloudwatch", 10.0, 10.0),
    ("route53", 5.0, 5.0),
    ("acm", 10.0, 10.0),
    // One GetResources page per plan; AWS publishes no rate for it: stay low.
    ("resourcegroupstagging", 5.0, 5.0),
    // The apply lock: a few calls per run, far below DynamoDB's limits.
    ("dynamodb", 25.0, 25.0),
];

/// (requests per second, burst) of an operation's own quota, if it has one.
pub fn quota(service: &str, op: &str) -> Option<(f64, f64)> {
    QUOTAS
        .iter()
        .find(|(s, o, _, _)| *s == service && *o == op)
        .map(|(_, _, rate, burst)| (*rate, *burst))
}

/// The shared bucket an operation also draws from ("apigateway" for API Gateway's, v1 or v2).
pub fn service_of(service: &str, op: &str) -> &'static str {
    match service {
        "apigateway" | "apigatewayv2" => "apigateway",
        "cloudwatchlogs" => "logs",
        "wafv2" if WAF_WRITES.contains(&op) => "wafv2-writes",
        other => SERVICE_BUCKETS
            .iter()
            .map(|(b, _, _)| *b)
            .find(|b| *b == other)
            .unwrap_or("apigateway"),
    }
}

fn op_key(service: &str, op: &str) -> String {
    format!("{service}:{op}")
}

#[derive(Debug)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<String, Bucket>>,
    enabled: bool,
    /// Where this account's scarce quotas were last spent, for the next process.
    memory: Option<PathBuf>,
}

/// A quota this scarce (UpdateUsagePlan: 1 per 20 s) is remembered at each spend: a run
/// that starts within its window, even after this one was killed, waits out the rest
/// instead of drawing a 429 and a window. The others are remembered when the run ends.
fn scarce(rate: f64) -> bool {
    rate < 1.0
}

/// The pacing memory's file: `{ "<bucket>": unix ms }`, the time the bucket was empty had
/// it refilled steadily to its level since (for a burst of one: when it was last spent).
/// See `crate::cache`.
pub fn memory_file(account: &str) -> Option<PathBuf> {
    crate::cache::file("pacing", account)
}

fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn load(path: &Path) -> BTreeMap<String, u64> {
    crate::cache::load(path)
}

/// Merge one spend into the file (the latest time wins). Failing to remember only costs a
/// possible 429.
fn remember(path: &Path, key: &str, at: u64) {
    let mut spent = load(path);
    let e = spent.entry(key.to_string()).or_default();
    *e = (*e).max(at);
    crate::cache::save(path, &spent);
}

impl RateLimiter {
    pub fn aws_quotas() -> Self {
        let mut b = HashMap::new();
        for (service, op, rate, burst) in QUOTAS {
            b.insert(op_key(service, op), Bucket::under(*rate, *burst));
        }
        for (name, rate, burst) in SERVICE_BUCKETS {
            b.insert(name.to_string(), Bucket::under(*rate, *burst));
        }
        // For benchmarks that measure the tool without its own pacing.
        let enabled = std::env::var("IDRV5_GW_RATE_LIMITS")
            .map(|v| v != "off")
            .unwrap_or(true);
        Self {
            buckets: Mutex::new(b),
            enabled,
            memory: None,
        }
    }

    /// Starts each scarce bucket as the last process left it: spent at the time `path`
    /// records, refilled since at its rate.
    pub fn remembering(mut self, path: Option<PathBuf>) -> Self {
        if let Some(p) = &path {
            let now = unix_ms(SystemTime::now());
            if let Ok(mut buckets) = self.buckets.lock() {
                for (key, at) in load(p) {
                    let Some(b) = buckets.get_mut(&key) else {
                        continue;
                    };
                    let since = now.saturating_sub(at) as f64 / 1000.0;
                    b.tokens = (since * b.rate).min(b.burst);
                    b.last = Instant::now();
                }
            }
        }
        self.memory = path;
        self
    }

    pub async fn acquire(&self, service: &str, op: &str) {
        if !self.enabled {
            return;
        }
        for key in [op_key(service, op).as_str(), service_of(service, op)] {
            loop {
                let (wait, rate) = {
                    let Ok(mut b) = self.buckets.lock() else {
                        return;
                    };
                    match b.get_mut(key) {
                        Some(bucket) => (bucket.take(Instant::now()), bucket.rate),
                        None => (None, f64::INFINITY),
                    }
                };
                match (wait, &self.memory) {
                    (Some(d), _) => tokio::time::sleep(d).await,
                    (None, Some(path)) if scarce(rate) => {
                        remember(path, key, unix_ms(SystemTime::now()));
                        break;
                    }
                    (None, _) => break,
                }
            }
        }
    }

    /// Remember every bucket this run left short of full, so that the next run, started
    /// right after, spends what AWS has left and not a full burst: a plan right after an
    /// apply drew a 429 from the account bucket (10/s, burst 40) when each began at 40.
    fn save(&self) {
        let (Some(path), Ok(buckets)) = (&self.memory, self.buckets.lock()) else {
            return;
        };
        let (now, wall) = (Instant::now(), unix_ms(SystemTime::now()));
        let mut spent = load(path);
        let before = spent.clone();
        for (key, b) in buckets.iter() {
            let mut b = b.clone();
            b.refill(now);
            if b.tokens < b.burst {
                let empty_at = wall.saturating_sub((b.tokens.max(0.0) / b.rate * 1000.0) as u64);
                let e = spent.entry(key.clone()).or_default();
                *e = (*e).max(empty_at);
            }
        }
        if spent != before {
            crate::cache::save(path, &spent);
        }
    }

    /// AWS throttled us anyway (another client shares the account): empty the buckets.
    pub fn slow_down(&self, service: &str, op: &str) {
        if let Ok(mut b) = self.buckets.lock() {
            for key in [op_key(service, op).as_str(), service_of(service, op)] {
                if let Some(bucket) = b.get_mut(key) {
                    bucket.tokens = 0.0;
                }
            }
        }
    }
}

impl Drop for RateLimiter {
    fn drop(&mut self) {
        if self.enabled {
            self.save();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_operations_have_their_own_quota_and_share_the_account_bucket() {
        for op in ["CreateVpcLink", "DeleteVpcLink", "CreateDeployment"] {
            assert!(quota("apigatewayv2", op).is_some(), "{op}");
            assert_eq!(service_of("apigatewayv2", op), "apigateway");
        }
        let (rate, _) = quota("apigatewayv2", "DeleteVpcLink").expect("listed");
        assert!((rate - 1.0 / 30.0).abs() < 1e-9);
    }

    #[test]
    fn each_service_draws_from_its_own_bucket() {
        // DynamoDB's lock calls were once paced by API Gateway's account bucket.
        assert_eq!(service_of("dynamodb", "GetItem"), "dynamodb");
        assert_eq!(service_of("dynamodb", "DeleteItem"), "dynamodb");
        assert_eq!(service_of("cloudwatchlogs", "ListTagsForResource"), "logs");
        assert_eq!(
            service_of("cloudwatch", "ListTagsForResource"),
            "cloudwatch"
        );
        assert_eq!(service_of("wafv2", "CreateWebACL"), "wafv2-writes");
        assert_eq!(service_of("wafv2", "GetWebACL"), "wafv2");
        assert_eq!(
            quota("apigateway", "DeleteVpcLink"),
            Some((1.0 / 30.0, 1.0))
        );
    }

    #[test]
    fn a_scarce_quota_spent_by_another_process_waits_out_the_rest_of_its_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing.json");
        let key = op_key("apigateway", "UpdateUsagePlan");
        // Spent 5 s ago by another run: 15 s of the 20 s window left (plus the margins).
        remember(&path, &key, unix_ms(SystemTime::now()) - 5_000);
        let limiter = RateLimiter::aws_quotas().remembering(Some(path.clone()));
        let wait = limiter
            .buckets
            .lock()
            .unwrap()
            .get_mut(&key)
            .unwrap()
            .take(Instant::now());
        let wait = wait.expect("the window is not over").as_secs_f64();
        assert!((15.0..17.0).contains(&wait), "{wait}");
        // A quota not spent lately, and one spent long ago, do not wait.
        remember(&path, &key, 1_000);
        let limiter = RateLimiter::aws_quotas().remembering(Some(path.clone()));
        let mut b = limiter.buckets.lock().unwrap();
        assert!(
            b.get_mut(&key).unwrap().take(Instant::now()).is_some(),
            "the latest time wins"
        );
        let other = op_key("apigateway", "CreateDeployment");
        assert!(b.get_mut(&other).unwrap().take(Instant::now()).is_none());
        assert_eq!(load(&path).len(), 1);
    }

    #[test]
    fn the_next_run_starts_with_what_this_one_left_of_the_account_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pacing.json");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let limiter = RateLimiter::aws_quotas().remembering(Some(path.clone()));
        rt.block_on(async {
            for _ in 0..30 {
                limiter.acquire("apigateway", "GetStages").await;
            }
        });
        drop(limiter);
        assert_eq!(
            load(&path).keys().collect::<Vec<_>>(),
            ["apigateway"],
            "only the bucket left short is remembered"
        );
        let next = RateLimiter::aws_quotas().remembering(Some(path.clone()));
        let left = {
            let mut b = next.buckets.lock().unwrap();
            let b = b.get_mut("apigateway").unwrap();
            b.refill(Instant::now());
            b.tokens
        };
        // 39 of the under-quota burst, less 30, plus what refilled meanwhile (less a ms).
        assert!((8.9..12.0).contains(&left), "{left}");
    }

    #[test]
    fn bucket_allows_burst_then_paces_at_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(0.2, 1.0); // CreateDeployment: 1 per 5 s
        assert!(b.take(t0).is_none());
        let wait = b.take(t0).expect("second call must wait");
        // 5 s to refill, and the margin past it.
        assert!((wait.as_secs_f64() - 5.12).abs() < 0.01, "{wait:?}");
        assert!(b.take(t0 + Duration::from_secs(5)).is_none());
    }
}
