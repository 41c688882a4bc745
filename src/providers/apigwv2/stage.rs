//! v2 stages (every setting in CreateStage / UpdateStage) and deployments for stages without
//! auto-deploy (CreateDeployment with the stage name moves the stage to it).

use super::shared::{is_websocket, key_of};
use crate::model::kinds::api_stage::RouteSettings as RouteSettingsProps;
use crate::model::kinds::{ApiDeployment, ApiStage};
use crate::model::owner::DEPLOYMENT_PREFIX;
use crate::model::Outputs;
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::{after, before, ignore_missing, parent_id};
use crate::providers::kit::{tags, typed, Out};
use aws_sdk_apigatewayv2::types::{AccessLogSettings, LoggingLevel, RouteSettings};
use std::collections::HashMap;

/// The stage's route settings as the SDK's; logging fields only for WebSocket APIs (HTTP
/// APIs refuse them).
pub(super) fn route_settings_of(v: &RouteSettingsProps, websocket: bool) -> RouteSettings {
    RouteSettings::builder()
        .set_throttling_burst_limit(v.throttling_burst_limit.map(|n| n as i32))
        .set_throttling_rate_limit(v.throttling_rate_limit)
        .set_detailed_metrics_enabled(v.detailed_metrics_enabled)
        .set_logging_level(
            v.logging_level
                .as_deref()
                .filter(|_| websocket)
                .map(LoggingLevel::from),
        )
        .set_data_trace_enabled(v.data_trace_enabled.filter(|_| websocket))
        .build()
}

fn route_settings_map(p: &ApiStage, websocket: bool) -> Option<HashMap<String, RouteSettings>> {
    let m: HashMap<String, RouteSettings> = p
        .route_settings
        .iter()
        .map(|(k, v)| (k.clone(), route_settings_of(v, websocket)))
        .collect();
    (!m.is_empty()).then_some(m)
}

fn access_log(p: &ApiStage) -> Option<AccessLogSettings> {
    Some(
        AccessLogSettings::builder()
            .destination_arn(p.access_log_destination.as_deref()?)
            .set_format(p.access_log_format.clone())
            .build(),
    )
}

/// Stage variables to send: the wanted ones, and "" for each one removed (how UpdateStage
/// removes a variable).
pub(super) fn variables(b: &ApiStage, a: &ApiStage) -> Option<HashMap<String, String>> {
    let mut out: HashMap<String, String> = b
        .stage_variables
        .keys()
        .map(|k| (k.clone(), String::new()))
        .collect();
    out.extend(a.stage_variables.clone());
    (!out.is_empty()).then_some(out)
}

fn stage_out(name: &str, deployment: Option<&str>) -> Out {
    let mut out: Out = [("id".to_string(), name.to_string())].into();
    if let Some(d) = deployment.filter(|d| !d.is_empty()) {
        out.insert("deployment_id".into(), d.to_string());
    }
    out
}

/// The settings CreateStage and UpdateStage both send, from the stage's props.
macro_rules! settings {
    ($q:expr, $a:expr, $websocket:expr) => {
        $q.auto_deploy($a.auto_deploy)
            .default_route_settings(route_settings_of(&$a.default_route_settings, $websocket))
            .set_route_settings(route_settings_map(&$a, $websocket))
            .set_access_log_settings(access_log(&$a))
    };
}

pub(super) async fn create_stage(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
) -> Result<Out, AwsError> {
    let a: ApiStage = typed(after(ch))?;
    let api_id = parent_id(ch, outputs)?;
    let websocket = ch.parent.as_deref().is_some_and(is_websocket);
    let name = &a.stage_name;
    let created = aws
        .create(
            || {
                settings!(aws.apigwv2.create_stage(), a, websocket)
                    .api_id(&api_id)
                    .stage_name(name)
                    .set_description(a.description.clone())
                    .set_stage_variables(variables(&ApiStage::default(), &a))
                    .set_tags(Some(tags(ch, owner)))
                    .send()
            },
            // Stage names are unique per API, and the API is the stack's.
            || async {
                let got = aws
                    .call(|| {
                        aws.apigwv2
                            .get_stage()
                            .api_id(&api_id)
                            .stage_name(name)
                            .send()
                    })
                    .await;
                match got {
                    Ok(s) => Ok(Some(stage_out(name, s.deployment_id()))),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                }
            },
        )
        .await?;
    Ok(created.out(|s| stage_out(name, s.deployment_id())))
}

pub(super) async fn update_stage(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<Out, AwsError> {
    let (b, a): (ApiStage, ApiStage) = (typed(before(ch))?, typed(after(ch))?);
    let api_id = parent_id(ch, outputs)?;
    let websocket = ch.parent.as_deref().is_some_and(is_websocket);
    let name = &a.stage_name;
    let updated = aws
        .call(|| {
            settings!(aws.apigwv2.update_stage(), a, websocket)
                .api_id(&api_id)
                .stage_name(name)
                .description(a.description.clone().unwrap_or_default())
                .set_stage_variables(variables(&b, &a))
                .send()
        })
        .await?;
    for key in b
        .route_settings
        .keys()
        .filter(|k| !a.route_settings.contains_key(*k))
    {
        ignore_missing(
            aws.call(|| {
                aws.apigwv2
                    .delete_route_settings()
                    .api_id(&api_id)
                    .stage_name(name)
                    .route_key(key)
                    .send()
            })
            .await,
        )?;
    }
    if b.access_log_destination.is_some() && a.access_log_destination.is_none() {
        ignore_missing(
            aws.call(|| {
                aws.apigwv2
                    .delete_access_log_settings()
                    .api_id(&api_id)
                    .stage_name(name)
                    .send()
            })
            .await,
        )?;
    }
    let deployment = updated
        .deployment_id()
        .or(ch.live_outputs.get("deployment_id").map(String::as_str));
    Ok(stage_out(name, deployment))
}

pub(super) async fn delete_stage(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<(), AwsError> {
    let name = typed::<ApiStage>(before(ch)).map_or_else(|_| ch.name.clone(), |b| b.stage_name);
    let api_id = parent_id(ch, outputs)?;
    ignore_missing(
        aws.call(|| {
            aws.apigwv2
                .delete_stage()
                .api_id(&api_id)
                .stage_name(&name)
                .send()
        })
        .await,
    )
}

/// `api_deployment.<key>.<stage>` → `<stage>`.
pub(super) fn deployment_stage(ch: &Change) -> String {
    let key = key_of(ch.parent.as_deref().unwrap_or_default());
    let prefix = format!("api_deployment.{key}.");
    ch.id
        .strip_prefix(&prefix)
        .map(str::to_string)
        .unwrap_or_else(|| {
            ch.name
                .rsplit_once('/')
                .map(|(_, s)| s.to_string())
                .unwrap_or_default()
        })
}

pub(super) async fn create_deployment(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<Out, AwsError> {
    let a = after(ch);
    let api_id = parent_id(ch, outputs)?;
    let stage = deployment_stage(ch);
    let fingerprint = typed::<ApiDeployment>(a)?.fingerprint;
    let made = aws
        .create(
            || {
                aws.apigwv2
                    .create_deployment()
                    .api_id(&api_id)
                    .stage_name(&stage)
                    .description(format!("{DEPLOYMENT_PREFIX}{fingerprint}"))
                    .send()
            },
            || super::read::find_child(aws, ch, &api_id),
        )
        .await?;
    Ok(made.out(|d| {
        [
            (
                "id".to_string(),
                d.deployment_id().unwrap_or_default().to_string(),
            ),
            ("fingerprint".to_string(), fingerprint.clone()),
        ]
        .into()
    }))
}

/// A deployment made outside idrv5-gw that an adopted stage serves (`plan::adopt_v2`): its
/// description gains the fingerprint of what it serves, so later plans know it.
pub(super) async fn adopt_deployment(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<Out, AwsError> {
    let api_id = parent_id(ch, outputs)?;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    let fingerprint = typed::<ApiDeployment>(after(ch))?.fingerprint;
    aws.call(|| {
        aws.apigwv2
            .update_deployment()
            .api_id(&api_id)
            .deployment_id(&id)
            .description(format!("{DEPLOYMENT_PREFIX}{fingerprint}"))
            .send()
    })
    .await?;
    Ok([
        ("id".to_string(), id),
        ("fingerprint".to_string(), fingerprint),
    ]
    .into())
}

/// Nothing to do when the stage is gone (AWS removed its deployments with it) or still
/// serves this deployment (it goes with the stage, or is replaced by the stage's next one);
/// otherwise DeleteDeployment.
pub(super) async fn delete_deployment(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
) -> Result<(), AwsError> {
    let Some(dep_id) = ch.live_outputs.get("id").filter(|d| !d.is_empty()).cloned() else {
        return Ok(());
    };
    let api_id = parent_id(ch, outputs)?;
    let stage = deployment_stage(ch);
    let got = aws
        .call(|| {
            aws.apigwv2
                .get_stage()
                .api_id(&api_id)
                .stage_name(&stage)
                .send()
        })
        .await;
    match got {
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e),
        Ok(s) if s.deployment_id() == Some(dep_id.as_str()) => return Ok(()),
        Ok(_) => {}
    }
    ignore_missing(
        aws.call(|| {
            aws.apigwv2
                .delete_deployment()
                .api_id(&api_id)
                .deployment_id(&dep_id)
                .send()
        })
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use crate::plan::Action;

    #[test]
    fn http_route_settings_leave_out_logging() {
        let v = RouteSettingsProps {
            throttling_burst_limit: Some(10),
            throttling_rate_limit: Some(5.5),
            detailed_metrics_enabled: Some(true),
            logging_level: Some("INFO".into()),
            data_trace_enabled: Some(true),
        };
        let http = route_settings_of(&v, false);
        assert_eq!(http.throttling_burst_limit(), Some(10));
        assert_eq!(http.throttling_rate_limit(), Some(5.5));
        assert_eq!(http.detailed_metrics_enabled(), Some(true));
        assert!(http.logging_level().is_none());
        assert!(http.data_trace_enabled().is_none());
        let ws = route_settings_of(&v, true);
        assert_eq!(ws.logging_level(), Some(&LoggingLevel::Info));
        assert_eq!(ws.data_trace_enabled(), Some(true));
        let empty = route_settings_of(&RouteSettingsProps::default(), false);
        assert!(empty.throttling_burst_limit().is_none());
    }

    #[test]
    fn removed_variables_are_sent_empty() {
        let vars = |v: &[(&str, &str)]| ApiStage {
            stage_variables: v
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let v = variables(&vars(&[("a", "1"), ("b", "2")]), &vars(&[("b", "3")])).expect("some");
        assert_eq!(v.get("a").map(String::as_str), Some(""));
        assert_eq!(v.get("b").map(String::as_str), Some("3"));
        assert!(variables(&vars(&[]), &vars(&[])).is_none());
    }

    #[test]
    fn deployment_stage_comes_off_the_id() {
        let ch = Change {
            id: "api_deployment.chat.$default".into(),
            kind: Kind::ApiDeployment,
            name: "chat/$default".into(),
            action: Action::Create,
            before: None,
            after: None,
            diffs: Vec::new(),
            waits_for: Default::default(),
            parent: Some("websocket_api.chat".into()),
            covered_by: None,
            live_outputs: Default::default(),
            payload: None,
            protect: false,
            drift: false,
            adopt: false,
        };
        assert_eq!(deployment_stage(&ch), "$default");
    }
}
