//! After a run that reported no failure: does the account match what the run promised? The
//! caller reads the account again and plans against the same goal; this decides what of
//! that second plan is the run's business. A create whose answer was lost and was sent
//! again leaves a second copy, which the reader names `<id>~dupN`: those are deleted in the
//! same run. Anything else left means the run is not complete, whatever its calls answered.

use crate::model::DUP;
use crate::plan::{Action, Change, Plan};
use std::collections::BTreeSet;

/// The changes of `now` (a plan made after `ran` was carried out) that `ran` should have
/// left nothing of: its own resources, and duplicates of anything.
pub fn left_over<'a>(ran: &BTreeSet<String>, now: &'a Plan) -> Vec<&'a Change> {
    now.pending()
        .filter(|c| c.covered_by.is_none())
        .filter(|c| is_duplicate(c) || ran.contains(&c.id))
        .collect()
}

/// The ids of a plan's changes: all `left_over` needs of the plan that ran, so the plan
/// itself (every route's props, the documents) can be freed before the account is read again.
pub fn ids(p: &Plan) -> BTreeSet<String> {
    p.changes.iter().map(|c| c.id.clone()).collect()
}

fn is_duplicate(c: &Change) -> bool {
    c.id.contains(DUP) && c.action == Action::Delete
}

/// When all that is left is duplicates to delete: a plan of just those deletes.
pub fn duplicates_only(now: &Plan, left: &[&Change]) -> Option<Plan> {
    if left.is_empty() || !left.iter().all(|c| is_duplicate(c)) {
        return None;
    }
    let keep: BTreeSet<&str> = left.iter().map(|c| c.id.as_str()).collect();
    let mut p = now.clone();
    p.changes.retain(|c| keep.contains(c.id.as_str()));
    for c in &mut p.changes {
        c.waits_for.retain(|w| keep.contains(w.as_str()));
    }
    p.summary = crate::plan::Summary::of(&p.changes);
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn change(id: &str, action: Action) -> Change {
        Change {
            id: id.into(),
            kind: Kind::UsagePlan,
            name: id.into(),
            action,
            before: None,
            after: None,
            diffs: Vec::new(),
            waits_for: Default::default(),
            parent: None,
            covered_by: None,
            live_outputs: Default::default(),
            payload: None,
            protect: false,
            drift: false,
            adopt: false,
        }
    }

    #[test]
    fn duplicates_are_cleaned_up_and_anything_else_left_is_reported() {
        let ran = Plan::of(vec![
            change("usage_plan.standard", Action::Create),
            change("api_key.partner", Action::Create),
        ]);
        let mut dup = change("usage_plan.standard~dup2", Action::Delete);
        dup.waits_for
            .insert("usage_plan_key.standard.partner".into());
        let now = Plan::of(vec![
            change("usage_plan.standard", Action::Noop),
            dup,
            // Not this run's: a resource added to the stack file since a saved plan.
            change("usage_plan.gold", Action::Create),
        ]);
        let left = left_over(&ids(&ran), &now);
        assert_eq!(left.len(), 1);
        let cleanup = duplicates_only(&now, &left).expect("only duplicates");
        assert_eq!(cleanup.changes.len(), 1);
        assert!(cleanup.changes[0].waits_for.is_empty());
        assert_eq!(cleanup.summary.delete, 1);

        let now = Plan::of(vec![change("api_key.partner", Action::Update)]);
        let left = left_over(&ids(&ran), &now);
        assert_eq!(left.len(), 1);
        assert!(duplicates_only(&now, &left).is_none());
        assert!(left_over(&ids(&ran), &Plan::of(Vec::new())).is_empty());
    }
}
