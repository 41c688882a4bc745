//! A WAFv2 web ACL: its default action (with an optional custom block response) and its
//! rules, each with exactly one statement. A new name or scope is a new ACL.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WebAcl {
    pub name: String,
    pub description: String,
    /// REGIONAL or CLOUDFRONT.
    pub scope: String,
    pub default_action: DefaultAction,
    /// The CloudWatch metric name.
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Visibility::is_default")]
    pub visibility: Visibility,
    /// By priority.
    pub rules: Vec<Rule>,
}

/// What WAF records beside the metric name, for the ACL or one rule: both on unless the
/// stack (or whoever made the ACL) switched them off. Written on every create and update,
/// so it is read and compared like any property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visibility {
    pub cloudwatch_metrics: bool,
    pub sampled_requests: bool,
}

impl Default for Visibility {
    fn default() -> Self {
        Visibility {
            cloudwatch_metrics: true,
            sampled_requests: true,
        }
    }
}

impl Visibility {
    pub fn is_default(&self) -> bool {
        *self == Visibility::default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DefaultAction {
    /// ALLOW or BLOCK.
    pub action: Option<String>,
    /// A BLOCK's custom response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub priority: i64,
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Visibility::is_default")]
    pub visibility: Visibility,
    /// ALLOW, BLOCK or COUNT, for a rule of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// COUNT or NONE, for a managed rule group.
    #[serde(default, rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_action: Option<String>,
    pub statement: Statement,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statement {
    Managed {
        vendor: String,
        name: String,
        /// Rules of the group set to count only, sorted.
        count_rules: Vec<String>,
    },
    RateBased {
        limit: i64,
        /// IP.
        aggregate: String,
    },
    GeoMatch {
        /// Sorted.
        countries: Vec<String>,
    },
    IpSet {
        arn: String,
    },
    /// A statement this tool does not write, read back from an ACL changed by hand.
    Unsupported(String),
}

impl Typed for WebAcl {
    const KIND: Kind = Kind::WebAcl;
}

pub const SPEC: Spec = Spec {
    replace: &["name", "scope"],
    ..Spec::new("web_acl")
};
