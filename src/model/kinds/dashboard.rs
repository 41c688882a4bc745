//! A CloudWatch dashboard. Its widgets are CloudWatch's own JSON, keyed by position and
//! title (`model::monitoring::keyed_widgets`) so a plan names the widget that changed.

use super::spec::{Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub name: String,
    pub widgets: Map<String, Value>,
}

impl Typed for Dashboard {
    const KIND: Kind = Kind::Dashboard;
}

pub const SPEC: Spec = Spec::new("dashboard");
