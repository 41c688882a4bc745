//! HTTP and WebSocket APIs (API Gateway v2): read what the stack owns, carry out changes.
//!
//! The props each kind carries are set in src/model/v2.rs; `props.rs` builds the same shapes
//! from what AWS answers, `read.rs` finds what the stack owns, `write.rs` and `stage.rs` carry
//! out changes.
//!
//! Reads: GetVpcLinks (v2) and GetApis (all pages, owned by tags); per owned API, together:
//! GetIntegrations, GetRoutes, GetStages, GetAuthorizers (GetAuthorizer per authorizer a route
//! names when the endpoint lacks GetAuthorizers), and GetDeployment per stage without
//! auto-deploy that has a deployment; GetApiMappings per owned custom domain when there is an
//! owned v2 API.

mod props;
mod read;
mod routes;
mod shared;
mod stage;
mod write;

use crate::model::{Kind, LiveState, Outputs};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::{self, Out};
use std::collections::HashMap;

/// Read owned v2 APIs (with their authorizers, integrations, routes, stages, deployments),
/// the untagged ones the stack adopts (`adopt`: AWS id → resource id), v2 VPC links, and
/// API mappings on the owned custom domains already in `state`. An adopt id not found
/// without an owner is an error in the answer.
pub async fn read(
    aws: &Aws,
    owner: &str,
    adopt: &HashMap<String, String>,
    state: &mut LiveState,
) -> Result<Vec<crate::diag::Diagnostic>, AwsError> {
    read::read(aws, owner, adopt, state).await
}

/// Every HTTP and WebSocket API of the region, owned or not (`import` chooses among them).
pub async fn all_apis(aws: &Aws) -> Result<Vec<aws_sdk_apigatewayv2::types::Api>, AwsError> {
    read::all_apis(aws).await
}

pub async fn put(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    owner: &str,
    action: Action,
) -> Result<Out, AwsError> {
    let create = action == Action::Create;
    match ch.kind {
        Kind::VpcLinkV2 if create => write::create_vpc_link(aws, ch, owner).await,
        Kind::VpcLinkV2 => write::update_vpc_link(aws, ch, owner).await,
        Kind::HttpApi | Kind::WebSocketApi if create => write::create_api(aws, ch, owner).await,
        Kind::HttpApi | Kind::WebSocketApi => write::update_api(aws, ch, owner).await,
        Kind::ApiAuthorizer => write::put_authorizer(aws, ch, outputs, create).await,
        Kind::ApiIntegration => write::put_integration(aws, ch, outputs, create).await,
        Kind::ApiRoute => routes::put_route(aws, ch, outputs, create).await,
        Kind::ApiStage if create => stage::create_stage(aws, ch, outputs, owner).await,
        Kind::ApiStage => stage::update_stage(aws, ch, outputs).await,
        Kind::ApiDeployment if ch.adopt => stage::adopt_deployment(aws, ch, outputs).await,
        Kind::ApiDeployment => stage::create_deployment(aws, ch, outputs).await,
        Kind::ApiMapping => write::put_mapping(aws, ch, create).await,
        _ => Err(kit::not_here(ch, "HTTP or WebSocket API")),
    }
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    match ch.kind {
        Kind::VpcLinkV2 => write::delete_vpc_link(aws, ch).await,
        Kind::HttpApi | Kind::WebSocketApi => write::delete_api(aws, ch).await,
        Kind::ApiAuthorizer | Kind::ApiIntegration | Kind::ApiRoute => {
            write::delete_child(aws, ch, outputs).await
        }
        Kind::ApiStage => stage::delete_stage(aws, ch, outputs).await,
        Kind::ApiDeployment => stage::delete_deployment(aws, ch, outputs).await,
        Kind::ApiMapping => write::delete_mapping(aws, ch).await,
        _ => Err(kit::not_here(ch, "HTTP or WebSocket API")),
    }
}
