//! A usage plan: its own throttle and quota, and the API stages it meters, each with
//! per-method throttles. Stages of APIs this stack owns are keyed `<api key>.<stage>`.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsagePlan {
    pub name: String,
    pub description: String,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    pub api_stages: BTreeMap<String, PlanStage>,
}

/// Requests per second and burst; zero counts as unset, as AWS reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Throttle {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::whole"
    )]
    pub rate_limit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
}

impl Throttle {
    /// `None` when neither limit is set.
    pub fn of(rate_limit: Option<f64>, burst_limit: Option<i64>) -> Option<Throttle> {
        let t = Throttle {
            rate_limit: rate_limit.filter(|r| *r != 0.0),
            burst_limit: burst_limit.filter(|b| *b != 0),
        };
        (t != Throttle::default()).then_some(t)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    pub limit: Option<i64>,
    /// DAY, WEEK or MONTH.
    pub period: Option<String>,
    pub offset: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanStage {
    pub api_id: String,
    pub stage: String,
    /// `<resource path>/<METHOD>` → its throttle.
    #[serde(default)]
    pub throttle: BTreeMap<String, Option<Throttle>>,
}

impl PlanStage {
    /// `<api id>:<stage>`, as API Gateway names a plan's stage.
    pub fn target(&self) -> String {
        format!("{}:{}", self.api_id, self.stage)
    }
}

impl Typed for UsagePlan {
    const KIND: Kind = Kind::UsagePlan;
}

pub const SPEC: Spec = Spec::new("usage_plan");
