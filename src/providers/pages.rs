//! One pager for every paged list: `pages::all(aws, |token| request.set_next_token(token).send())`
//! sends each page through the paced, counted call path (`Aws::call`) and gathers the items.
//! API Gateway's `position`, v2's and the other services' `NextToken`/`NextMarker` are all
//! one `Page::next`.

use crate::providers::aws::{Aws, AwsError};
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response;
use std::future::Future;

/// An SDK list answer: the items of one page and the token of the next.
pub trait Page {
    type Item: Clone;
    fn items(&self) -> &[Self::Item];
    fn next(&self) -> Option<&str>;
}

/// `Page` for SDK outputs: `Output => Item: items accessor, next-token accessor;`.
macro_rules! page {
    ($($out:ty => $item:ty : $items:ident, $next:ident;)*) => {$(
        impl Page for $out {
            type Item = $item;
            fn items(&self) -> &[$item] {
                self.$items()
            }
            fn next(&self) -> Option<&str> {
                self.$next()
            }
        }
    )*};
}

use aws_sdk_apigateway::operation as v1;
use aws_sdk_apigatewayv2::operation as v2;
page! {
    v1::get_api_keys::GetApiKeysOutput => aws_sdk_apigateway::types::ApiKey: items, position;
    v1::get_deployments::GetDeploymentsOutput => aws_sdk_apigateway::types::Deployment: items, position;
    v1::get_domain_names::GetDomainNamesOutput => aws_sdk_apigateway::types::DomainName: items, position;
    v1::get_resources::GetResourcesOutput => aws_sdk_apigateway::types::Resource: items, position;
    v1::get_rest_apis::GetRestApisOutput => aws_sdk_apigateway::types::RestApi: items, position;
    v1::get_usage_plan_keys::GetUsagePlanKeysOutput => aws_sdk_apigateway::types::UsagePlanKey: items, position;
    v1::get_usage_plans::GetUsagePlansOutput => aws_sdk_apigateway::types::UsagePlan: items, position;
    v1::get_vpc_links::GetVpcLinksOutput => aws_sdk_apigateway::types::VpcLink: items, position;
    v2::get_api_mappings::GetApiMappingsOutput => aws_sdk_apigatewayv2::types::ApiMapping: items, next_token;
    v2::get_deployments::GetDeploymentsOutput => aws_sdk_apigatewayv2::types::Deployment: items, next_token;
    v2::get_apis::GetApisOutput => aws_sdk_apigatewayv2::types::Api: items, next_token;
    v2::get_authorizers::GetAuthorizersOutput => aws_sdk_apigatewayv2::types::Authorizer: items, next_token;
    v2::get_integrations::GetIntegrationsOutput => aws_sdk_apigatewayv2::types::Integration: items, next_token;
    v2::get_route_responses::GetRouteResponsesOutput => aws_sdk_apigatewayv2::types::RouteResponse: items, next_token;
    v2::get_routes::GetRoutesOutput => aws_sdk_apigatewayv2::types::Route: items, next_token;
    v2::get_stages::GetStagesOutput => aws_sdk_apigatewayv2::types::Stage: items, next_token;
    v2::get_vpc_links::GetVpcLinksOutput => aws_sdk_apigatewayv2::types::VpcLink: items, next_token;
    aws_sdk_acm::operation::list_certificates::ListCertificatesOutput
        => aws_sdk_acm::types::CertificateSummary: certificate_summary_list, next_token;
    aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsOutput
        => aws_sdk_cloudwatch::types::MetricAlarm: metric_alarms, next_token;
    aws_sdk_resourcegroupstagging::operation::get_resources::GetResourcesOutput
        => aws_sdk_resourcegroupstagging::types::ResourceTagMapping: resource_tag_mapping_list, pagination_token;
    aws_sdk_wafv2::operation::list_ip_sets::ListIpSetsOutput
        => aws_sdk_wafv2::types::IpSetSummary: ip_sets, next_marker;
    aws_sdk_wafv2::operation::list_web_acls::ListWebAcLsOutput
        => aws_sdk_wafv2::types::WebAclSummary: web_acls, next_marker;
}

/// Every item of a paged list; `send(token)` sends the request for one page.
pub async fn all<O, E, F, Fut>(aws: &Aws, mut send: F) -> Result<Vec<O::Item>, AwsError>
where
    O: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, Response>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (mut out, mut token) = (Vec::new(), None);
    loop {
        let page = aws.call(|| send(token.clone())).await?;
        if !gather(&page, &mut out, &mut token) {
            return Ok(out);
        }
    }
}

/// `all` where the endpoint may lack the operation (`Aws::call_if_supported`): None then.
pub async fn all_if_supported<O, E, F, Fut>(
    aws: &Aws,
    mut send: F,
) -> Result<Option<Vec<O::Item>>, AwsError>
where
    O: Page,
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, Response>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (mut out, mut token) = (Vec::new(), None);
    loop {
        let Some(page) = aws.call_if_supported(|| send(token.clone())).await? else {
            return Ok(None);
        };
        if !gather(&page, &mut out, &mut token) {
            return Ok(Some(out));
        }
    }
}

/// Take a page's items; true when there is a next page to ask for. An empty page ends the
/// list even with a token (some endpoints hand one back forever).
fn gather<O: Page>(page: &O, out: &mut Vec<O::Item>, token: &mut Option<String>) -> bool {
    let items = page.items();
    out.extend_from_slice(items);
    match page.next() {
        Some(t) if !items.is_empty() => {
            *token = Some(t.to_string());
            true
        }
        _ => false,
    }
}
