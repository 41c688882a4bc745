//! The `edge:` block: a WAFv2 web ACL (with IP sets) protecting the stack's stages, and
//! custom domains with their ACM certificates (DNS-validated in a Route53 hosted zone), base
//! path mappings and alias records.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    /// One web ACL for the environment. `enabled: false` removes it (and its associations).
    pub waf: Option<Waf>,
    /// Custom domains by key.
    #[serde(default)]
    pub domains: IndexMap<String, Domain>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WafScope {
    Regional,
    Cloudfront,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WafAction {
    Allow,
    Block,
    Count,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Waf {
    /// Default true; false removes the web ACL and its stage associations.
    pub enabled: Option<bool>,
    /// AWS name; default `<stack>-<environment>-waf`.
    pub name: Option<String>,
    pub description: Option<String>,
    /// REGIONAL (default) protects REST API stages; CLOUDFRONT creates the ACL in us-east-1.
    pub scope: Option<WafScope>,
    /// What requests no rule matched get: ALLOW (default) or BLOCK.
    pub default_action: Option<WafAction>,
    /// The answer a blocked request gets (default action BLOCK), e.g. seed 003's 403 body.
    pub block_response: Option<BlockResponse>,
    /// CloudWatch metric name of the ACL; default its name.
    pub metric_name: Option<String>,
    /// Default true; false stops the ACL's CloudWatch metrics.
    pub cloudwatch_metrics: Option<bool>,
    /// Default true; false stops WAF keeping samples of the requests it matched.
    pub sampled_requests: Option<bool>,
    /// IP sets by key, referenced by rules with `ip_set: <key>`.
    #[serde(default)]
    pub ip_sets: IndexMap<String, IpSet>,
    /// Rules by name; each needs a unique `priority` (lower runs first).
    #[serde(default)]
    pub rules: IndexMap<String, WafRule>,
    /// `api.stage` pairs the ACL protects (default: every stage of every REST API).
    pub stages: Option<Vec<String>>,
    /// The id of a web ACL no stack owns, to take over (tagged by the first apply) instead
    /// of creating one; its `name` and scope must be the ACL's.
    pub adopt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BlockResponse {
    /// Default 403.
    pub status: Option<i32>,
    /// The body, sent as `content_type`.
    pub body: String,
    /// APPLICATION_JSON (default), TEXT_PLAIN or TEXT_HTML.
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IpSet {
    /// AWS name; default `<stack>-<environment>-<key>`.
    pub name: Option<String>,
    pub description: Option<String>,
    /// IPV4 (default) or IPV6.
    pub ip_version: Option<String>,
    /// CIDR blocks, e.g. `203.0.113.0/24`, `2001:db8::/32`.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The id of an IP set no stack owns, to take over instead of creating one.
    pub adopt: Option<String>,
}

/// One rule: exactly one of `managed`, `rate_limit`, `geo_block` / `geo_match`, `ip_set`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    pub priority: i32,
    /// An AWS managed rule group, e.g. `AWSManagedRulesCommonRuleSet`.
    pub managed: Option<String>,
    /// Vendor of the managed group (default `AWS`).
    pub vendor: Option<String>,
    /// Managed groups: count instead of block, for the whole group (`true`)...
    pub count: Option<bool>,
    /// ...or for these rules of the group only (override-to-count).
    #[serde(default)]
    pub count_rules: Vec<String>,
    /// Rate-based rule: requests per 5 minutes per client IP.
    pub rate_limit: Option<i64>,
    /// Geo rule: these country codes (ISO 3166 alpha-2); action defaults to BLOCK.
    #[serde(default)]
    pub geo_block: Vec<String>,
    /// IP-set rule: the key of an `ip_sets` entry; action defaults to ALLOW.
    pub ip_set: Option<String>,
    /// For non-managed rules: ALLOW, BLOCK or COUNT.
    pub action: Option<WafAction>,
    /// CloudWatch metric name; default the rule name.
    pub metric_name: Option<String>,
    /// Default true; false stops the rule's CloudWatch metrics.
    pub cloudwatch_metrics: Option<bool>,
    /// Default true; false stops WAF keeping samples of the requests the rule matched.
    pub sampled_requests: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DomainEndpoint {
    Regional,
    Edge,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// The custom domain name, e.g. `api.idrv5.example.com`.
    pub domain_name: String,
    /// The Route53 hosted zone that holds it: its name (`idrv5.example.com`) or id (`Z…`).
    /// It must exist; idrv5-gw writes records into it but never creates it.
    pub hosted_zone: String,
    /// REGIONAL (default) or EDGE (certificate from us-east-1).
    pub endpoint_type: Option<DomainEndpoint>,
    /// Extra names on the certificate.
    #[serde(default)]
    pub subject_alternative_names: Vec<String>,
    /// Base path → `api.stage`, e.g. `v1: main.prod`; `(none)` maps the root.
    #[serde(default)]
    pub mappings: IndexMap<String, String>,
    /// Also write an AAAA alias (default true).
    pub ipv6: Option<bool>,
    /// How long an apply waits for the certificate to be ISSUED (default 900 s). Past it
    /// the apply stops; the next apply continues the wait.
    pub wait_seconds: Option<u64>,
    /// Take over the custom domain of this name that no stack owns, with the certificate
    /// it uses and its alias and validation records, instead of creating them.
    pub adopt: Option<bool>,
}
