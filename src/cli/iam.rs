//! `idrv5-gw iam-policy`: the IAM policy the stack's plan and apply need, from the kinds it
//! declares, scoped to its own names where AWS allows (log groups, alarms, dashboards, web
//! ACLs, functions, roles, the lock table) and to the region's API Gateway paths otherwise
//! (API Gateway ids are not known before they are made).

use super::args::Global;
use super::stack::load_config;
use crate::diag::Diagnostics;
use crate::model::{desire, Kind, Resource};
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::BTreeSet;

pub fn run(g: &Global) -> Result<i32> {
    let cfg = load_config(g)?;
    let region = g.offline_region(&cfg);
    let desired = desire::desire(&cfg, &region).map_err(Diagnostics)?;
    let table = cfg.file.lock.as_ref().map(|l| l.dynamodb_table.clone());
    let policy = policy(&region, &desired, table.as_deref());
    println!("{}", serde_json::to_string_pretty(&policy)?);
    Ok(super::exit::EXIT_OK)
}

/// The policy document for `desired` in `region`.
pub fn policy(region: &str, desired: &[Resource], lock_table: Option<&str>) -> Value {
    let has = |kinds: &[Kind]| desired.iter().any(|r| kinds.contains(&r.kind));
    let names = |kind: Kind| -> BTreeSet<&str> {
        desired
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.name.as_str())
            .collect()
    };
    let gw = |path: &str| format!("arn:aws:apigateway:{region}::{path}");
    let mut statements = Vec::new();

    // Every plan lists what the stack may own in API Gateway: reads are region-wide.
    let mut read = vec![
        "/restapis",
        "/restapis/*",
        "/vpclinks",
        "/vpclinks/*",
        "/usageplans",
        "/usageplans/*",
        "/apikeys",
        "/apikeys/*",
        "/domainnames",
        "/domainnames/*",
        "/apis",
        "/apis/*",
        "/tags/*",
    ];
    read.sort();
    statements.push(json!({
        "Sid": "ApiGatewayRead",
        "Effect": "Allow",
        "Action": ["apigateway:GET"],
        "Resource": read.iter().map(|p| gw(p)).collect::<Vec<_>>(),
    }));
    let mut write: BTreeSet<String> = BTreeSet::new();
    if has(&[Kind::RestApi]) {
        write.extend(["/restapis", "/restapis/*", "/tags/*"].map(gw));
    }
    if has(&[Kind::VpcLink, Kind::VpcLinkV2]) {
        write.extend(["/vpclinks", "/vpclinks/*", "/tags/*"].map(gw));
    }
    if has(&[Kind::UsagePlan, Kind::ApiKey, Kind::UsagePlanKey]) {
        write.extend(
            [
                "/usageplans",
                "/usageplans/*",
                "/apikeys",
                "/apikeys/*",
                "/tags/*",
            ]
            .map(gw),
        );
    }
    if has(&[Kind::DomainName, Kind::BasePathMapping, Kind::ApiMapping]) {
        write.extend(["/domainnames", "/domainnames/*", "/tags/*"].map(gw));
    }
    if has(&[Kind::HttpApi, Kind::WebSocketApi]) {
        write.extend(["/apis", "/apis/*", "/tags/*"].map(gw));
    }
    if !write.is_empty() {
        statements.push(json!({
            "Sid": "ApiGatewayWrite",
            "Effect": "Allow",
            "Action": ["apigateway:DELETE", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT"],
            "Resource": write,
        }));
    }
    if has(&[Kind::WebAclAssociation]) {
        statements.push(json!({
            "Sid": "ApiGatewayWebAcl",
            "Effect": "Allow",
            "Action": ["apigateway:SetWebACL"],
            "Resource": [gw("/restapis/*/stages/*")],
        }));
    }

    let groups = names(Kind::LogGroup);
    if !groups.is_empty() {
        statements.push(json!({
            "Sid": "LogGroups",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy", "logs:ListTagsForResource", "logs:PutRetentionPolicy", "logs:TagResource"],
            "Resource": groups.iter().map(|n| format!("arn:aws:logs:{region}:*:log-group:{n}:*")).collect::<Vec<_>>(),
        }));
        statements.push(json!({
            "Sid": "LogGroupsList",
            "Effect": "Allow",
            "Action": ["logs:DescribeLogGroups"],
            "Resource": "*",
        }));
    }

    let functions: BTreeSet<String> = desired
        .iter()
        .filter(|r| r.kind == Kind::LambdaPermission)
        .filter_map(|r| r.props.get("function")?.as_str().map(str::to_string))
        .collect();
    if !functions.is_empty() {
        statements.push(json!({
            "Sid": "LambdaInvokePermissions",
            "Effect": "Allow",
            "Action": ["lambda:AddPermission", "lambda:GetPolicy", "lambda:RemovePermission"],
            "Resource": functions,
        }));
    }

    let roles = roles(desired);
    if !roles.is_empty() {
        statements.push(json!({
            "Sid": "PassIntegrationRoles",
            "Effect": "Allow",
            "Action": ["iam:PassRole"],
            "Resource": roles,
            "Condition": {"StringEquals": {"iam:PassedToService": "apigateway.amazonaws.com"}},
        }));
    }

    if has(&[Kind::Certificate]) {
        statements.push(json!({
            "Sid": "Certificates",
            "Effect": "Allow",
            "Action": ["acm:AddTagsToCertificate", "acm:DeleteCertificate", "acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate", "acm:RequestCertificate"],
            // Requested certificates have no ARN before they exist; EDGE ones live in us-east-1.
            "Resource": "*",
        }));
    }
    if has(&[Kind::DnsRecord, Kind::Certificate]) {
        statements.push(json!({
            "Sid": "DnsRecords",
            "Effect": "Allow",
            "Action": ["route53:ChangeResourceRecordSets", "route53:GetHostedZone", "route53:ListResourceRecordSets"],
            "Resource": "arn:aws:route53:::hostedzone/*",
        }));
        statements.push(json!({
            "Sid": "DnsZonesList",
            "Effect": "Allow",
            "Action": ["route53:ListHostedZonesByName"],
            "Resource": "*",
        }));
    }

    let (acls, sets) = (names(Kind::WebAcl), names(Kind::IpSet));
    if !acls.is_empty() || has(&[Kind::WebAclAssociation]) {
        let mut resources: Vec<String> = Vec::new();
        // CLOUDFRONT-scoped ACLs (EDGE APIs) are global, made in us-east-1.
        for scope in ["regional", "global"] {
            resources.extend(
                acls.iter()
                    .map(|n| format!("arn:aws:wafv2:*:*:{scope}/webacl/{n}/*")),
            );
            resources.extend(
                sets.iter()
                    .map(|n| format!("arn:aws:wafv2:*:*:{scope}/ipset/{n}/*")),
            );
        }
        resources.push(gw("/restapis/*/stages/*"));
        statements.push(json!({
            "Sid": "WebAcls",
            "Effect": "Allow",
            "Action": ["wafv2:AssociateWebACL", "wafv2:CreateIPSet", "wafv2:CreateWebACL", "wafv2:DeleteIPSet", "wafv2:DeleteWebACL", "wafv2:DisassociateWebACL", "wafv2:GetIPSet", "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:ListTagsForResource", "wafv2:TagResource", "wafv2:UpdateIPSet", "wafv2:UpdateWebACL"],
            "Resource": resources,
        }));
        statements.push(json!({
            "Sid": "WebAclsList",
            "Effect": "Allow",
            "Action": ["wafv2:ListIPSets", "wafv2:ListWebACLs"],
            "Resource": "*",
        }));
    }

    let (alarms, dashboards) = (names(Kind::Alarm), names(Kind::Dashboard));
    if !alarms.is_empty() || !dashboards.is_empty() {
        let mut resources: Vec<String> = alarms
            .iter()
            .map(|n| format!("arn:aws:cloudwatch:{region}:*:alarm:{n}"))
            .collect();
        resources.extend(
            dashboards
                .iter()
                .map(|n| format!("arn:aws:cloudwatch::*:dashboard/{n}")),
        );
        statements.push(json!({
            "Sid": "AlarmsAndDashboards",
            "Effect": "Allow",
            "Action": ["cloudwatch:DeleteAlarms", "cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource", "cloudwatch:PutDashboard", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
            "Resource": resources,
        }));
        statements.push(json!({
            "Sid": "AlarmsAndDashboardsList",
            "Effect": "Allow",
            "Action": ["cloudwatch:DescribeAlarms", "cloudwatch:ListDashboards", "tag:GetResources"],
            "Resource": "*",
        }));
    }

    if let Some(t) = lock_table {
        statements.push(json!({
            "Sid": "ApplyLock",
            "Effect": "Allow",
            "Action": ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
            "Resource": format!("arn:aws:dynamodb:{region}:*:table/{t}"),
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Every IAM role ARN the stack's resources name (integration and authorizer credentials,
/// the account's CloudWatch role): API Gateway is handed them, which takes iam:PassRole.
fn roles(desired: &[Resource]) -> BTreeSet<String> {
    fn walk(v: &Value, out: &mut BTreeSet<String>) {
        match v {
            Value::String(s) if s.starts_with("arn:aws:iam::") && s.contains(":role/") => {
                out.insert(s.clone());
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for v in desired.iter().flat_map(|r| r.props.values()) {
        walk(v, &mut out);
    }
    out
}
