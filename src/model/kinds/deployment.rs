//! Deployments, REST and v2: a snapshot of the API, known by the fingerprint of what it
//! deployed (kept in its description, `DEPLOYMENT_PREFIX`).

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

/// A REST API deployment; the planner fills the fingerprint in from the resolved document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub fingerprint: String,
}

impl Typed for Deployment {
    const KIND: Kind = Kind::Deployment;
}

/// A v2 stage's deployment (stages without auto-deploy).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiDeployment {
    pub fingerprint: String,
}

impl Typed for ApiDeployment {
    const KIND: Kind = Kind::ApiDeployment;
}

pub const SPEC: Spec = Spec::new("deployment");
