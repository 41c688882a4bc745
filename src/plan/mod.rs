//! The plan: what must change, as data. Renderers turn it into text, JSON or Markdown;
//! the JSON form is the saved plan file.

mod adopt_v2;
pub mod cost;
pub mod diff;
pub mod markdown;
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
    /// `plan --baseline`: the baseline stack would make this very change too, so it undoes
    /// something changed outside idrv5-gw rather than carrying out the edit under review.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub drift: bool,
    /// Takes over an existing item the stack names (`adopt:`): tagged as the stack's, then
    /// changed like any update.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adopt: bool,
}

/// The plan's cost: one item per change with a fixed monthly cost, and the request prices.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Cost {
    pub currency: String,
    /// The price table's region and date, and where it comes from.
    pub prices: String,
    /// Sum of the items' deltas, per month.
    pub monthly_delta: f64,
    pub items: Vec<CostItem>,
    /// Per million requests, for the API types the plan creates (and WAF when it makes a
    /// web ACL).
    pub per_million_requests: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CostItem {
    pub id: String,
    /// `cache cluster 0.5 GB, 730 h`, `web ACL with 6 rules`.
    pub what: String,
    pub monthly_before: f64,
    pub monthly_after: f64,
    pub delta: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    /// Of the updates, those that adopt an existing item.
    #[serde(default)]
    pub adopt: usize,
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
    /// The stack file the plan was made from, as given: `apply PLANFILE` reads it.
    #[serde(default)]
    pub stack_file: String,
    /// sha256 of each stack file and contract it read, by path: `apply PLANFILE` refuses a
    /// plan whose inputs changed since, as it refuses one whose live state moved.
    #[serde(default)]
    pub inputs: std::collections::BTreeMap<String, String>,
    /// What the plan changes in the monthly bill (the cost module), set by `plan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
}

impl Change {
    /// Why this change cannot be carried out as written, if it cannot: its props must fit
    /// its action (an update needs what is there and what is wanted).
    pub fn misfit(&self) -> Option<String> {
        let (before, after) = (self.before.is_some(), self.after.is_some());
        let fits = match self.action {
            Action::Noop => true,
            Action::Create => after,
            Action::Update | Action::Replace => before && after,
            Action::Delete => before && !after,
        };
        (!fits).then(|| {
            let has = |b: bool| if b { "set" } else { "null" };
            format!(
                "change {} is `{}` with before: {} and after: {}",
                self.id,
                serde_json::to_value(self.action)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                has(before),
                has(after)
            )
        })
    }
}

impl Plan {
    /// A saved plan the executor can carry out: every change fits its action and waits
    /// only for changes in the plan. Checked when a plan file is loaded, before anything runs.
    pub fn check(&self) -> Result<(), Vec<String>> {
        let ids: BTreeSet<&str> = self.changes.iter().map(|c| c.id.as_str()).collect();
        let mut errors: Vec<String> = self.changes.iter().filter_map(Change::misfit).collect();
        for c in &self.changes {
            for w in c.waits_for.iter().filter(|w| !ids.contains(w.as_str())) {
                errors.push(format!(
                    "change {} waits for {w}, which is not in the plan",
                    c.id
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::Noop)
    }
    pub fn pending(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.action != Action::Noop)
    }
}

#[cfg(test)]
impl Plan {
    /// A plan of these changes, for the planner's and the executor's unit tests.
    pub(crate) fn of(changes: Vec<Change>) -> Plan {
        Plan {
            format_version: FORMAT_VERSION,
            tool_version: "test".into(),
            stack: "s".into(),
            environment: "dev".into(),
            region: "eu-west-1".into(),
            live_digest: String::new(),
            summary: Summary::default(),
            changes,
            outputs: Outputs::new(),
            warnings: Vec::new(),
            stack_file: String::new(),
            inputs: Default::default(),
            cost: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(id: &str, action: Action, before: bool, after: bool) -> Change {
        Change {
            id: id.into(),
            kind: Kind::Route,
            name: id.into(),
            action,
            before: before.then(Props::new),
            after: after.then(Props::new),
            diffs: Vec::new(),
            waits_for: BTreeSet::new(),
            parent: None,
            covered_by: None,
            live_outputs: BTreeMap::new(),
            payload: None,
            protect: false,
            drift: false,
            adopt: false,
        }
    }

    fn plan(changes: Vec<Change>) -> Plan {
        Plan::of(changes)
    }

    #[test]
    fn a_change_that_does_not_fit_its_action_is_named() {
        let ok = plan(vec![
            change("a", Action::Create, false, true),
            change("b", Action::Update, true, true),
            change("c", Action::Delete, true, false),
        ]);
        assert_eq!(ok.check(), Ok(()));
        let edited = plan(vec![change(
            "route.main.GET /x",
            Action::Update,
            false,
            true,
        )]);
        assert_eq!(
            edited.check(),
            Err(vec![
                "change route.main.GET /x is `update` with before: null and after: set".into()
            ])
        );
        let mut orphan = change("b", Action::Create, false, true);
        orphan.waits_for.insert("gone".into());
        assert_eq!(
            plan(vec![orphan]).check(),
            Err(vec![
                "change b waits for gone, which is not in the plan".into()
            ])
        );
    }
}

/// `--target`: the changes whose id is one of `targets` or starts with one, and every change
/// they wait for; the summary counts only those. Returns how many pending changes were left
/// out; an error names a target that matches nothing.
pub fn target(plan: &mut Plan, targets: &[String]) -> Result<usize, String> {
    if targets.is_empty() {
        return Ok(0);
    }
    let hit = |id: &str, t: &str| id == t || id.starts_with(t);
    for t in targets {
        if !plan.changes.iter().any(|c| hit(&c.id, t)) {
            return Err(format!("--target {t}: no resource of the stack has that id (ids as in `plan --json --full`, e.g. stage.main.prod, route.main.)"));
        }
    }
    let mut keep: BTreeSet<String> = plan
        .changes
        .iter()
        .filter(|c| targets.iter().any(|t| hit(&c.id, t)))
        .map(|c| c.id.clone())
        .collect();
    // What they wait for, transitively.
    let by_id: BTreeMap<&str, &Change> = plan.changes.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut todo: Vec<String> = keep.iter().cloned().collect();
    while let Some(id) = todo.pop() {
        for w in by_id
            .get(id.as_str())
            .map(|c| &c.waits_for)
            .into_iter()
            .flatten()
        {
            if keep.insert(w.clone()) {
                todo.push(w.clone());
            }
        }
    }
    let before = plan.pending().count();
    plan.changes.retain(|c| keep.contains(&c.id));
    for c in &mut plan.changes {
        c.waits_for.retain(|w| keep.contains(w));
    }
    plan.summary = Summary::of(&plan.changes);
    Ok(before - plan.pending().count())
}

/// Marks the changes of `plan` that `baseline` (the plan of the stack as it was, against the
/// same read of the account) makes too: same resource, same action, same wanted props.
pub fn mark_drift(plan: &mut Plan, baseline: &Plan) {
    let theirs: BTreeMap<&str, &Change> = baseline
        .changes
        .iter()
        .filter(|c| c.action != Action::Noop)
        .map(|c| (c.id.as_str(), c))
        .collect();
    for c in plan.changes.iter_mut().filter(|c| c.action != Action::Noop) {
        c.drift = theirs
            .get(c.id.as_str())
            .is_some_and(|b| b.action == c.action && b.after == c.after);
    }
}

#[cfg(test)]
mod schema_tests {
    use crate::model::Kind;

    /// docs/plan.schema.json names every kind a plan can hold, as the JSON spells it.
    #[test]
    fn the_plan_schema_lists_every_kind() {
        let text = include_str!("../../docs/plan.schema.json");
        let schema: serde_json::Value = serde_json::from_str(text).unwrap();
        let listed = schema["$defs"]["change"]["properties"]["kind"]["enum"]
            .as_array()
            .unwrap();
        use Kind::*;
        let all = [
            VpcLink,
            LogGroup,
            RestApi,
            Authorizer,
            Validator,
            Model,
            GatewayResponse,
            Path,
            Route,
            Deployment,
            Stage,
            ApiKey,
            UsagePlan,
            UsagePlanKey,
            LambdaPermission,
            VpcLinkV2,
            HttpApi,
            WebSocketApi,
            ApiAuthorizer,
            ApiIntegration,
            ApiRoute,
            ApiStage,
            ApiDeployment,
            IpSet,
            WebAcl,
            WebAclAssociation,
            Certificate,
            DnsRecord,
            DomainName,
            BasePathMapping,
            ApiMapping,
            Alarm,
            Dashboard,
        ];
        // A new variant makes this match non-exhaustive: add it above and to the schema.
        for k in all {
            match k {
                VpcLink | LogGroup | RestApi | Authorizer | Validator | Model | GatewayResponse
                | Path | Route | Deployment | Stage | ApiKey | UsagePlan | UsagePlanKey
                | LambdaPermission | VpcLinkV2 | HttpApi | WebSocketApi | ApiAuthorizer
                | ApiIntegration | ApiRoute | ApiStage | ApiDeployment | IpSet | WebAcl
                | WebAclAssociation | Certificate | DnsRecord | DomainName | BasePathMapping
                | ApiMapping | Alarm | Dashboard => {}
            }
            let name = serde_json::to_value(k).unwrap();
            assert!(
                listed.contains(&name),
                "{name} is not in docs/plan.schema.json"
            );
        }
        assert_eq!(listed.len(), all.len());
    }
}
