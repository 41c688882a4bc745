//! An API key attached to a usage plan.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsagePlanKey {
    /// The usage plan's AWS id (a ref placeholder until the plan exists).
    pub plan_id: Option<String>,
    /// The API key's AWS id (likewise).
    pub key_id: Option<String>,
}

impl Typed for UsagePlanKey {
    const KIND: Kind = Kind::UsagePlanKey;
}

pub const SPEC: Spec = Spec {
    calls: Calls {
        // Moving a key to another plan is a delete and a create.
        create: &["CreateUsagePlanKey"],
        update: &["DeleteUsagePlanKey", "CreateUsagePlanKey"],
        delete: &["DeleteUsagePlanKey"],
    },
    ..Spec::new("usage_plan_key")
};
