//! v2 routes and, on WebSocket APIs, their route responses (`respond: true`). Updates send
//! every field the stack manages (v2 updates are not patches).

use crate::model::kinds::ApiRoute;
use crate::model::Outputs;
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError};
use crate::providers::pages;

use crate::providers::kit::{after, before, ignore_missing, live_id, parent_id, typed};
use crate::providers::kit::{id_out, Out};
use aws_sdk_apigatewayv2::types::{AuthorizationType, RouteResponse};

pub(super) fn target_of(integration_id: Option<&str>) -> Option<String> {
    integration_id
        .filter(|i| !i.is_empty())
        .map(|i| format!("integrations/{i}"))
}

pub(super) async fn put_route(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    create: bool,
) -> Result<Out, AwsError> {
    let p: ApiRoute = typed(after(ch))?;
    let api_id = parent_id(ch, outputs)?;
    let route_key = p.route_key;
    let target = target_of(p.integration_id.as_deref());
    let auth = AuthorizationType::from(p.authorization_type.as_str());
    let (authorizer, scopes, response) =
        (p.authorizer_id, p.authorization_scopes, p.route_response);
    if create {
        let created = aws
            .create(
                || {
                    aws.apigwv2
                        .create_route()
                        .api_id(&api_id)
                        .route_key(&route_key)
                        .set_target(target.clone())
                        .authorization_type(auth.clone())
                        .set_authorizer_id(authorizer.clone())
                        .set_authorization_scopes((!scopes.is_empty()).then(|| scopes.clone()))
                        .set_route_response_selection_expression(response.clone())
                        .send()
                },
                || super::read::find_child(aws, ch, &api_id),
            )
            .await?;
        let route_id = created.out(|r| id_out(r.route_id()))["id"].clone();
        if let Some(key) = &response {
            create_route_response(aws, &api_id, &route_id, key).await?;
        }
        return Ok(id_out(Some(&route_id)));
    }
    let id = live_id(ch, outputs)?;
    let b: ApiRoute = typed(before(ch))?;
    let had_response = b.route_response.is_some();
    // Scopes only where there are (or were) some: routes without a JWT authorizer take none.
    let had_scopes = !b.authorization_scopes.is_empty();
    let scopes = (!scopes.is_empty() || had_scopes).then_some(scopes);
    // Empty strings clear a target, an authorizer, a route response selection expression.
    let clear = |now: &Option<String>, was: Option<&str>| match (now, was) {
        (Some(v), _) => Some(v.clone()),
        (None, Some(_)) => Some(String::new()),
        (None, None) => None,
    };
    let target = clear(&target, b.integration_id.as_deref());
    let authorizer = clear(&authorizer, b.authorizer_id.as_deref());
    let expression = clear(&response, b.route_response.as_deref());
    aws.call(|| {
        aws.apigwv2
            .update_route()
            .api_id(&api_id)
            .route_id(&id)
            .route_key(&route_key)
            .set_target(target.clone())
            .authorization_type(auth.clone())
            .set_authorizer_id(authorizer.clone())
            .set_authorization_scopes(scopes.clone())
            .set_route_response_selection_expression(expression.clone())
            .send()
    })
    .await?;
    match (&response, had_response) {
        (Some(key), _) => ensure_route_response(aws, &api_id, &id, key).await?,
        (None, true) => delete_route_responses(aws, &api_id, &id).await?,
        (None, false) => {}
    }
    Ok(id_out(Some(&id)))
}

async fn create_route_response(
    aws: &Aws,
    api_id: &str,
    route_id: &str,
    key: &str,
) -> Result<(), AwsError> {
    let made = aws
        .call(|| {
            aws.apigwv2
                .create_route_response()
                .api_id(api_id)
                .route_id(route_id)
                .route_response_key(key)
                .send()
        })
        .await;
    // It exists already (an earlier, interrupted apply).
    crate::providers::kit::ignore_conflict(made)
}

/// Create the route response unless it is there. Where the endpoint cannot list route
/// responses (moto), it is created and a conflict accepted.
async fn ensure_route_response(
    aws: &Aws,
    api_id: &str,
    route_id: &str,
    key: &str,
) -> Result<(), AwsError> {
    if let Some(keys) = route_responses(aws, api_id, route_id).await? {
        if keys.iter().any(|(_, k)| k == key) {
            return Ok(());
        }
    }
    create_route_response(aws, api_id, route_id, key).await
}

/// (id, key) of a route's responses; None when the endpoint lacks GetRouteResponses.
async fn route_responses(
    aws: &Aws,
    api_id: &str,
    route_id: &str,
) -> Result<Option<Vec<(String, String)>>, AwsError> {
    let all: Option<Vec<RouteResponse>> = pages::all_if_supported(aws, |t| {
        aws.apigwv2
            .get_route_responses()
            .api_id(api_id)
            .route_id(route_id)
            .set_next_token(t)
            .send()
    })
    .await?;
    Ok(all.map(|v| {
        v.iter()
            .map(|r| {
                (
                    r.route_response_id().unwrap_or_default().to_string(),
                    r.route_response_key().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }))
}

/// After the selection expression was cleared. Where the endpoint cannot list route
/// responses (moto), they stay: inert without the expression (docs/EMULATOR.md).
async fn delete_route_responses(aws: &Aws, api_id: &str, route_id: &str) -> Result<(), AwsError> {
    let Some(responses) = route_responses(aws, api_id, route_id).await? else {
        return Ok(());
    };
    for (rid, _) in responses {
        ignore_missing(
            aws.call(|| {
                aws.apigwv2
                    .delete_route_response()
                    .api_id(api_id)
                    .route_id(route_id)
                    .route_response_id(&rid)
                    .send()
            })
            .await,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_integrations() {
        assert_eq!(target_of(Some("abc")), Some("integrations/abc".to_string()));
        assert_eq!(target_of(Some("")), None);
        assert_eq!(target_of(None), None);
    }
}
