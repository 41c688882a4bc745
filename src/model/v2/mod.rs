//! Config → HTTP and WebSocket APIs (API Gateway v2): the API, its authorizers,
//! integrations, routes, stages and (without auto-deploy) deployments.
//!
//! Ids: `http_api.<key>` / `websocket_api.<key>`, `api_authorizer.<key>.<name>`,
//! `api_integration.<key>.<ikey>`, `api_route.<key>.<route key>`, `api_stage.<key>.<stage>`,
//! `api_deployment.<key>.<stage>`, `log_group.<key>.<stage>`. One integration serves every
//! route with the same settings; its key (`lambda-items`, `http-example.com`) is written in
//! its description, which is how the reader finds it again.

mod props;
mod resources;
mod spec;
mod stage;

pub use props::lambda_uri;
pub use resources::integration_name;
pub use spec::{api_id_of_stage, merge, specs, ApiSpec, RouteSpec, INTEGRATION_PREFIX};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::model::Resource;

pub fn desire(cfg: &Config, region: &str) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    let specs = specs(cfg)?;
    let protect = cfg.default_protect();
    let mut out = Vec::new();
    let mut diags = Vec::new();
    for spec in &specs {
        match resources::api_resources(cfg, spec, region, protect) {
            Ok(r) => out.extend(r),
            Err(d) => diags.extend(d),
        }
    }
    if diags.is_empty() {
        Ok(out)
    } else {
        Err(diags)
    }
}
