//! An adopted HTTP or WebSocket API's stage without auto-deploy serves a deployment made
//! outside idrv5-gw. When the API's routes, integrations and authorizers already match the
//! stack, that deployment serves what the stack declares: it is adopted (its description
//! gains the fingerprint, its id stays) instead of a new one being made — the v2 analogue of
//! the REST `adopt_deployment` in `diff.rs`, per stage since each v2 stage has its own.

use super::{Action, AttrDiff, Change};
use crate::model::kinds::{ApiDeployment, Typed};
use crate::model::owner::ADOPTED;
use crate::model::{is_unknown, Kind, LiveState, Outputs, Resource};
use serde_json::json;

/// Props whose change to an API or its items does not change what a stage serves: the
/// ownership tags adoption adds and the descriptions it names integrations by.
const NOT_SERVED: &[&str] = &["description"];

pub(super) fn adopt_deployment(
    c: &mut Change,
    r: &Resource,
    changes: &[Change],
    live: &LiveState,
    outputs: &mut Outputs,
) {
    if c.action != Action::Create {
        return;
    }
    let Some(api) = r.parent.as_deref() else {
        return;
    };
    if !live
        .resources
        .get(api)
        .is_some_and(|l| l.outputs.contains_key(ADOPTED))
    {
        return;
    }
    let served = |x: &&Change| {
        x.id == api
            || x.parent.as_deref() == Some(api)
                && matches!(
                    x.kind,
                    Kind::ApiRoute | Kind::ApiIntegration | Kind::ApiAuthorizer
                )
    };
    let unchanged = |x: &Change| {
        x.action == Action::Noop
            || x.action == Action::Update
                && x.diffs
                    .iter()
                    .all(|d| d.key.starts_with("tags[") || NOT_SERVED.contains(&d.key.as_str()))
    };
    if !changes.iter().filter(served).all(unchanged) {
        return;
    }
    let Some(fp) = c
        .after
        .as_ref()
        .and_then(|a| ApiDeployment::from_props(a).ok())
        .map(|d| d.fingerprint)
        .filter(|f| !is_unknown(&json!(f)))
    else {
        return;
    };
    let stage_id = r.id.replacen("api_deployment.", "api_stage.", 1);
    let Some(id) = live
        .resources
        .get(&stage_id)
        .and_then(|s| s.outputs.get("deployment_id"))
        .filter(|d| !d.is_empty())
    else {
        return;
    };
    let before = ApiDeployment {
        fingerprint: format!("unmanaged deployment {id}"),
    }
    .to_props();
    c.action = Action::Update;
    c.adopt = true;
    c.diffs = vec![AttrDiff {
        key: "fingerprint".into(),
        before: json!(format!("unmanaged deployment {id}")),
        after: json!(fp),
        forces_replace: false,
    }];
    c.before = Some(before);
    c.live_outputs = [("id".to_string(), id.clone())].into();
    outputs.insert(
        r.id.clone(),
        [
            ("id".to_string(), id.clone()),
            ("fingerprint".to_string(), fp),
        ]
        .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LiveResource;
    use crate::plan::diff::{plan, PlanInput};

    const API: &str = "http_api.items";
    const DEP: &str = "api_deployment.items.prod";

    fn desired(route_target: &str) -> Vec<Resource> {
        let api = Resource::new(API.into(), Kind::HttpApi, "items".into()).prop("name", "items");
        let mut route = Resource::new(
            "api_route.items.GET /a".into(),
            Kind::ApiRoute,
            "GET /a".into(),
        )
        .prop("target", route_target);
        route.parent = Some(API.into());
        route.deps.insert(API.into());
        let mut stage = Resource::new("api_stage.items.prod".into(), Kind::ApiStage, "prod".into())
            .prop("auto_deploy", false);
        stage.parent = Some(API.into());
        stage.deps.insert(API.into());
        let mut dep = Resource::typed(
            DEP.into(),
            "items/prod".into(),
            &ApiDeployment {
                fingerprint: "abc123".into(),
            },
        );
        dep.parent = Some(API.into());
        dep.deps
            .extend(["api_stage.items.prod".into(), route.id.clone()]);
        vec![api, route, stage, dep]
    }

    /// The hand-made API as `import` adopts it: its stage serves deployment `d-1`.
    fn live(adopted: bool) -> LiveState {
        let mut l = LiveState::default();
        let mut outputs = std::collections::BTreeMap::from([("id".to_string(), "a1".to_string())]);
        if adopted {
            outputs.insert(ADOPTED.into(), "true".into());
        }
        let props = |k: &str, v: serde_json::Value| [(k.to_string(), v)].into();
        l.insert(LiveResource::new(
            API.into(),
            Kind::HttpApi,
            "items".into(),
            props("name", json!("items")),
            outputs,
        ));
        for (id, kind, name, p, out) in [
            (
                "api_route.items.GET /a",
                Kind::ApiRoute,
                "GET /a",
                props("target", json!("t1")),
                vec![],
            ),
            (
                "api_stage.items.prod",
                Kind::ApiStage,
                "prod",
                props("auto_deploy", json!(false)),
                vec![("deployment_id", "d-1")],
            ),
        ] {
            let out = out
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            let mut r = LiveResource::new(id.into(), kind, name.into(), p, out);
            r.parent = Some(API.into());
            l.insert(r);
        }
        l
    }

    fn change_of(desired: Vec<Resource>, live: &LiveState) -> Change {
        let p = plan(PlanInput {
            stack: "s",
            environment: "prod",
            region: "us-east-1",
            desired,
            fingerprints: Default::default(),
            live,
            allow_destroy_protected: false,
        })
        .unwrap();
        p.changes
            .into_iter()
            .find(|c| c.id == DEP)
            .expect("the deployment's change")
    }

    /// Matching routes: the deployment the stage serves is adopted (no new one); a route
    /// that differs, or an API the stack made itself, gets a new deployment.
    #[test]
    fn an_adopted_stage_keeps_its_deployment_when_the_routes_match() {
        let c = change_of(desired("t1"), &live(true));
        assert_eq!((c.action, c.adopt), (Action::Update, true), "{c:?}");
        assert_eq!(c.live_outputs["id"], "d-1");
        assert_eq!(c.diffs[0].before, json!("unmanaged deployment d-1"));
        assert_eq!(c.diffs[0].after, json!("abc123"));

        assert_eq!(change_of(desired("t2"), &live(true)).action, Action::Create);
        assert_eq!(
            change_of(desired("t1"), &live(false)).action,
            Action::Create
        );
    }
}
