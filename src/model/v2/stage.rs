//! v2 stages, their access-log groups and (without auto-deploy) deployments.

use super::spec::*;
use crate::config::v2::Stage;
use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::kinds::{self, api_stage::RouteSettings};
use crate::model::{ref_placeholder, Resource};
use indexmap::IndexMap;
use serde_json::json;

/// Seed 000's access-log fields in v2's `$context` names.
pub fn default_format(websocket: bool) -> IndexMap<String, String> {
    let mut f: Vec<(&str, &str)> = vec![
        ("requestId", "$context.requestId"),
        ("ip", "$context.identity.sourceIp"),
        ("requestTime", "$context.requestTime"),
        ("routeKey", "$context.routeKey"),
        ("status", "$context.status"),
    ];
    if websocket {
        f.extend([
            ("eventType", "$context.eventType"),
            ("connectionId", "$context.connectionId"),
        ]);
    } else {
        f.extend([
            ("httpMethod", "$context.httpMethod"),
            ("protocol", "$context.protocol"),
            ("responseLength", "$context.responseLength"),
            ("latency", "$context.responseLatency"),
        ]);
    }
    f.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn stage_resources(
    cfg: &Config,
    spec: &ApiSpec,
    name: &str,
    stage: &Stage,
    protect: bool,
) -> Result<Vec<Resource>, Diagnostic> {
    check(spec, name, stage)?;
    let key = spec.key;
    let api_id = spec.id();
    let sprotect = stage.protect.unwrap_or(protect);
    let mut out = Vec::new();
    let (dest, format) = match access_logs(spec, name, stage) {
        Some((mut lg, format)) => {
            let dest = ref_placeholder(&lg.id, "arn");
            lg.protect = sprotect;
            out.push(lg);
            (Some(dest), Some(format))
        }
        None => (None, None),
    };
    let route_settings = stage
        .routes
        .iter()
        .map(|(k, t)| (k.clone(), throttle(Some(t))))
        .collect();
    let auto_deploy = stage.auto_deploy.unwrap_or(true);
    let stage_id = format!("api_stage.{key}.{name}");
    let props = kinds::ApiStage {
        stage_name: name.to_string(),
        description: stage.description.clone(),
        auto_deploy,
        default_route_settings: default_settings(spec, stage),
        route_settings,
        access_log_destination: dest,
        access_log_format: format,
        stage_variables: stage.variables.clone().into_iter().collect(),
    };
    let mut s = Resource::typed(stage_id.clone(), name.to_string(), &props);
    s.parent = Some(api_id.clone());
    s.deps.insert(api_id.clone());
    s.protect = sprotect;
    s.payload = Some(json!({"tags": cfg.file.tags}));
    out.push(s);
    if !auto_deploy {
        let mut d = Resource::typed(
            format!("api_deployment.{key}.{name}"),
            format!("{key}/{name}"),
            &crate::model::kinds::ApiDeployment::default(),
        );
        d.parent = Some(api_id.clone());
        d.deps.insert(stage_id);
        d.protect = sprotect;
        out.push(d);
    }
    Ok(out)
}

/// The stage's name and logging level, as the API's protocol allows them.
fn check(spec: &ApiSpec, name: &str, stage: &Stage) -> Result<(), Diagnostic> {
    let name_ok = name == "$default"
        || !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err(Diagnostic::error(
            "schema",
            format!(
                "stage name `{name}` may hold only letters, digits, - and _ (or be `$default`)"
            ),
        )
        .hint("rename the stage"));
    }
    if !spec.websocket && stage.logging_level.is_some() {
        return Err(Diagnostic::error(
            "schema",
            format!("stage {name}: HTTP APIs have no execution logging level"),
        )
        .hint("remove `logging_level`; use `access_logs`"));
    }
    if let Some(l) = &stage.logging_level {
        if !["OFF", "ERROR", "INFO"].contains(&l.as_str()) {
            return Err(
                Diagnostic::error("schema", format!("stage {name}: logging_level `{l}`"))
                    .hint("use OFF, ERROR or INFO"),
            );
        }
    }
    Ok(())
}

/// The throttle fields of a route's settings.
fn throttle(t: Option<&crate::config::schema::Throttling>) -> RouteSettings {
    RouteSettings {
        throttling_burst_limit: t.and_then(|t| t.burst_limit).map(i64::from),
        throttling_rate_limit: t.and_then(|t| t.rate_limit),
        ..Default::default()
    }
}

/// The stage's default route settings; WebSocket stages add the execution log settings.
fn default_settings(spec: &ApiSpec, stage: &Stage) -> RouteSettings {
    let ws = spec.websocket;
    RouteSettings {
        detailed_metrics_enabled: Some(stage.metrics.unwrap_or(false)),
        logging_level: ws.then(|| stage.logging_level.clone().unwrap_or_else(|| "OFF".into())),
        data_trace_enabled: ws.then_some(false),
        ..throttle(stage.throttling.as_ref())
    }
}

/// The access-log group and the format string, when the stage logs.
fn access_logs(spec: &ApiSpec, name: &str, stage: &Stage) -> Option<(Resource, String)> {
    let a = stage
        .access_logs
        .as_ref()
        .filter(|a| a.enabled != Some(false))?;
    let lg_name = a.log_group.clone().unwrap_or_else(|| {
        format!(
            "/aws/api-gateway/{}/{}",
            spec.name,
            name.trim_start_matches('$')
        )
    });
    let props = crate::model::kinds::LogGroup {
        name: lg_name.clone(),
        retention_days: a.retention_days,
    };
    let lg = Resource::typed(format!("log_group.{}.{name}", spec.key), lg_name, &props);
    let fmt = a
        .format
        .clone()
        .unwrap_or_else(|| default_format(spec.websocket));
    Some((lg, serde_json::to_string(&fmt).unwrap_or_default()))
}
