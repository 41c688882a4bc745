//! The plan: what must change, as data. Renderers turn it into text, JSON or Markdown;
//! the JSON form is the saved plan file.

pub mod diff;
pub mod render;

use crate::model::{Kind, Outputs, Props};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Bumped when the JSON shape changes incompatibly (docs/plan-format.md).
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Noop,
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Noop => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// One attribute that differs; `after` may be "(known after apply)".
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttrDiff {
    pub key: String,
    pub before: Value,
    pub after: Value,
    /// This attribute forces a replacement.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replace: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Change {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    /// Live props (None when creating).
    pub before: Option<Props>,
    /// Desired props, refs possibly unresolved (None when deleting).
    pub after: Option<Props>,
    pub diffs: Vec<AttrDiff>,
    /// Ids of changes that must finish first.
    pub waits_for: BTreeSet<String>,
    pub parent: Option<String>,
    /// Deleted together with this resource (a REST API takes its routes along): no call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
    /// Live outputs (AWS ids) of the resource before the change.
    #[serde(default)]
    pub live_outputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    pub protect: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub tool_version: String,
    pub stack: String,
    pub environment: String,
    pub region: String,
    /// sha256 of the live state the plan was computed from.
    pub live_digest: String,
    pub summary: Summary,
    /// In dependency order (deletes after what replaces them).
    pub changes: Vec<Change>,
    /// AWS ids known at plan time, by resource id.
    pub outputs: Outputs,
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl Plan {
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::Noop)
    }
    pub fn pending(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action != Action::Noop)
    }
}
