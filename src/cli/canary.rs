//! `promote` and `rollback`: end a stage's canary one way or the other. A canary starts when
//! `apply` deploys a changed API to a stage that declares `canary:` (see kinds::stage).

use super::args::{CanaryArgs, Global};
use super::stack::{desired, release_lock, session, take_lock, Session};
use crate::model::kinds::{Stage, Typed};
use crate::providers::{self, apigateway::stages};
use crate::util::command;
use anyhow::{bail, Context, Result};

#[derive(Clone, Copy, PartialEq)]
pub enum Verb {
    Promote,
    Rollback,
}

pub async fn run(g: &Global, a: &CanaryArgs, verb: Verb) -> Result<i32> {
    let s = session(g).await?;
    let name = if verb == Verb::Promote {
        "promote"
    } else {
        "rollback"
    };
    let lock = take_lock(&s, name, a.lock_wait).await?;
    let result = locked(&s, a, verb).await;
    release_lock(&s, lock).await;
    result
}

async fn locked(s: &Session, a: &CanaryArgs, verb: Verb) -> Result<i32> {
    let api = api_key(s, a)?;
    let owner = s.cfg.owner();
    let live = providers::read_live(&s.aws, &owner, &desired(s)?)
        .await?
        .state;
    let stage_id = format!("stage.{api}.{}", a.stage);
    let (Some(api_live), Some(stage_live)) = (
        live.resources.get(&format!("rest_api.{api}")),
        live.resources.get(&stage_id),
    ) else {
        bail!(
            "stage {} of REST API {api} does not exist in the account (as {owner}): run `{}` first",
            a.stage,
            command("apply")
        );
    };
    let api_id = &api_live.outputs["id"];
    let stage = Stage::from_props(&stage_live.props).map_err(anyhow::Error::msg)?;
    let (Some(canary), Some(canary_id)) = (
        stage.canary.as_ref(),
        stage_live.outputs.get("canary_deployment_id"),
    ) else {
        bail!(
            "stage {} of REST API {api} has no canary: nothing to {}. A canary starts when \
             `{}` deploys a changed API to a stage that declares `canary:`",
            a.stage,
            if verb == Verb::Promote {
                "promote"
            } else {
                "roll back"
            },
            command("apply")
        );
    };
    let aws = &s.aws;
    match verb {
        Verb::Promote => stages::promote_canary(aws, api_id, &a.stage, canary_id).await,
        Verb::Rollback => stages::remove_canary(aws, api_id, &a.stage).await,
    }
    .with_context(|| format!("updating stage {} of REST API {api}", a.stage))?;
    // Said done only once the account reads back so.
    let (serving, left) = stages::served(aws, api_id, &a.stage).await?;
    let want = if verb == Verb::Promote {
        canary_id.as_str()
    } else {
        stage_live
            .outputs
            .get("deployment_id")
            .map_or("", String::as_str)
    };
    if left.is_some() || (!want.is_empty() && serving != want) {
        bail!(
            "stage {} of REST API {api} reads back serving deployment {serving}{}: the update \
             did not take; run `{}` to see its state",
            a.stage,
            left.map(|c| format!(" with a canary on {c}"))
                .unwrap_or_default(),
            command("plan")
        );
    }
    match verb {
        Verb::Promote => println!(
            "Promoted: stage {} of {api} serves deployment {serving} ({}) to every request; \
             the canary ({}%) is gone.",
            a.stage,
            short(&canary.deployment),
            canary.percent
        ),
        Verb::Rollback => println!(
            "Rolled back: stage {} of {api} serves deployment {serving} ({}) to every request; \
             the canary on {} is gone. The stack still declares that API: revert the change, \
             or the next `{}` starts a canary with it again.",
            a.stage,
            short(&stage.deployment),
            short(&canary.deployment),
            command("apply")
        ),
    }
    Ok(0)
}

/// The REST API whose stage is meant: `--api`, or the one stack API with that stage.
fn api_key(s: &Session, a: &CanaryArgs) -> Result<String> {
    let apis = &s.cfg.file.rest_apis;
    if let Some(k) = &a.api {
        return match apis.get(k) {
            Some(api) if api.stages.contains_key(&a.stage) => Ok(k.clone()),
            Some(_) => bail!("REST API {k} declares no stage {}", a.stage),
            None => bail!(
                "the stack declares no REST API {k}; it declares: {}",
                apis.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        };
    }
    let with: Vec<&String> = apis
        .iter()
        .filter(|(_, api)| api.stages.contains_key(&a.stage))
        .map(|(k, _)| k)
        .collect();
    match with.as_slice() {
        [k] => Ok((*k).clone()),
        [] => bail!("no REST API of the stack declares a stage {}", a.stage),
        many => bail!(
            "REST APIs {} all declare stage {}: name one with --api",
            many.iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            a.stage
        ),
    }
}

/// `sha256:0123456789ab` of a fingerprint, for a line a person reads.
fn short(fingerprint: &str) -> &str {
    fingerprint.get(..19).unwrap_or(fingerprint)
}
