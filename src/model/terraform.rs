//! `import --from-terraform-state`: which resources of a Terraform state idrv5-gw takes
//! over. The state names the REST, HTTP and WebSocket APIs; `import` reads each live, as for
//! `--rest-api`/`--http-api`/`--websocket-api`; what
//! that import carried (`Took`) decides which Terraform addresses are handed over (to
//! `terraform state rm`) and which stay in Terraform, each with the reason.

use serde_json::Value;

/// One resource instance of a state: its address and its attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    pub address: String,
    pub kind: String,
    pub values: Value,
}

impl TfResource {
    fn text(&self, key: &str) -> &str {
        self.values[key].as_str().unwrap_or_default()
    }
}

/// The managed resources of a `terraform show -json` document or of a raw `.tfstate`.
pub fn resources(state: &Value) -> Result<Vec<TfResource>, String> {
    let mut out = Vec::new();
    if let Some(root) = state.pointer("/values/root_module") {
        shown_module(root, &mut out);
    } else if let Some(rs) = state.get("resources").and_then(Value::as_array) {
        for r in rs {
            if r["mode"] != "managed" {
                continue;
            }
            let kind = r["type"].as_str().unwrap_or_default();
            let base = match r["module"].as_str() {
                Some(m) => format!("{m}.{kind}.{}", r["name"].as_str().unwrap_or_default()),
                None => format!("{kind}.{}", r["name"].as_str().unwrap_or_default()),
            };
            for i in r["instances"].as_array().into_iter().flatten() {
                let address = match &i["index_key"] {
                    Value::Null => base.clone(),
                    Value::String(k) => format!("{base}[\"{k}\"]"),
                    k => format!("{base}[{k}]"),
                };
                out.push(TfResource {
                    address,
                    kind: kind.to_string(),
                    values: i["attributes"].clone(),
                });
            }
        }
    } else {
        return Err(
            "neither `terraform show -json` output (values.root_module) nor a .tfstate (resources)"
                .into(),
        );
    }
    Ok(out)
}

fn shown_module(m: &Value, out: &mut Vec<TfResource>) {
    for r in m["resources"].as_array().into_iter().flatten() {
        if r["mode"] != "managed" {
            continue;
        }
        out.push(TfResource {
            address: r["address"].as_str().unwrap_or_default().to_string(),
            kind: r["type"].as_str().unwrap_or_default().to_string(),
            values: r["values"].clone(),
        });
    }
    for c in m["child_modules"].as_array().into_iter().flatten() {
        shown_module(c, out);
    }
}

/// The REST API ids the state holds, with their addresses.
pub fn rest_apis(rs: &[TfResource]) -> Vec<(&str, &str)> {
    rs.iter()
        .filter(|r| r.kind == "aws_api_gateway_rest_api")
        .map(|r| (r.address.as_str(), r.text("id")))
        .collect()
}

/// The HTTP and WebSocket API ids the state holds, with their addresses and whether each is
/// a WebSocket API.
pub fn v2_apis(rs: &[TfResource]) -> Vec<(&str, &str, bool)> {
    rs.iter()
        .filter(|r| r.kind == "aws_apigatewayv2_api")
        .map(|r| {
            let ws = r.text("protocol_type").eq_ignore_ascii_case("WEBSOCKET");
            (r.address.as_str(), r.text("id"), ws)
        })
        .collect()
}

/// What the live imports carried: the ids and names the stack files now hold.
#[derive(Debug, Default)]
pub struct Took {
    pub rest_apis: Vec<String>,
    /// HTTP and WebSocket APIs.
    pub v2_apis: Vec<String>,
    pub usage_plans: Vec<String>,
    pub api_keys: Vec<String>,
    pub vpc_links: Vec<String>,
    pub log_groups: Vec<String>,
    /// Alarm names.
    pub alarms: Vec<String>,
    /// Ids of the web ACL and IP sets.
    pub waf: Vec<String>,
    /// Custom domain names.
    pub domains: Vec<String>,
    /// Certificate ARNs.
    pub certificates: Vec<String>,
    /// DNS records as `<fqdn> <type>`, the name lower-case with its final dot.
    pub records: Vec<String>,
}

impl Took {
    pub fn add(&mut self, t: Took) {
        self.rest_apis.extend(t.rest_apis);
        self.v2_apis.extend(t.v2_apis);
        self.usage_plans.extend(t.usage_plans);
        self.api_keys.extend(t.api_keys);
        self.vpc_links.extend(t.vpc_links);
        self.log_groups.extend(t.log_groups);
        self.alarms.extend(t.alarms);
        self.waf.extend(t.waf);
        self.domains.extend(t.domains);
        self.certificates.extend(t.certificates);
        self.records.extend(t.records);
    }
}

/// Each address handed over to idrv5-gw, and each that stays in Terraform with why.
#[derive(Debug, Default, PartialEq)]
pub struct Handover {
    pub handed: Vec<String>,
    pub kept: Vec<(String, String)>,
}

/// Parts of a REST API that the stack files carry, found by their `rest_api_id`.
const API_PARTS: &[&str] = &[
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_integration",
    "aws_api_gateway_method_response",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_deployment",
    "aws_api_gateway_stage",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_authorizer",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_model",
    "aws_api_gateway_gateway_response",
    "aws_api_gateway_rest_api_policy",
];

/// Parts of an HTTP or WebSocket API that the stack files carry, found by their `api_id`.
const V2_PARTS: &[&str] = &[
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_authorizer",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_deployment",
    "aws_apigatewayv2_route_response",
];

/// The families the migration covers; what `import` does not carry yet stays, named.
const LATER: &[&str] = &[
    "aws_api_gateway_",
    "aws_apigatewayv2_",
    "aws_cloudwatch_dashboard",
];

/// What the edge of an imported API is made of, found by name, ARN or record.
const EDGE: &[&str] = &[
    "aws_api_gateway_domain_name",
    "aws_api_gateway_base_path_mapping",
    "aws_apigatewayv2_domain_name",
    "aws_apigatewayv2_api_mapping",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_route53_record",
];

pub fn handover(rs: &[TfResource], took: &Took) -> Handover {
    let mut h = Handover::default();
    let has = |list: &[String], v: &str| !v.is_empty() && list.iter().any(|x| x == v);
    for r in rs {
        let kind = r.kind.as_str();
        let handed = match kind {
            "aws_api_gateway_rest_api" => has(&took.rest_apis, r.text("id")),
            "aws_api_gateway_usage_plan" => has(&took.usage_plans, r.text("id")),
            "aws_api_gateway_api_key" => has(&took.api_keys, r.text("id")),
            "aws_api_gateway_vpc_link" | "aws_apigatewayv2_vpc_link" => {
                has(&took.vpc_links, r.text("id"))
            }
            "aws_api_gateway_usage_plan_key" => {
                has(&took.usage_plans, r.text("usage_plan_id"))
                    && has(&took.api_keys, r.text("key_id"))
            }
            "aws_cloudwatch_log_group" => has(&took.log_groups, r.text("name")),
            "aws_cloudwatch_metric_alarm" => has(&took.alarms, r.text("alarm_name")),
            "aws_wafv2_web_acl" | "aws_wafv2_ip_set" => has(&took.waf, r.text("id")),
            "aws_wafv2_web_acl_association" => {
                // The ACL's id ends its ARN; the stage's ARN names its REST API.
                let acl = r.text("web_acl_arn").rsplit('/').next().unwrap_or_default();
                let api = r.text("resource_arn").split("/restapis/").nth(1);
                let api = api.and_then(|a| a.split('/').next()).unwrap_or_default();
                has(&took.waf, acl) && has(&took.rest_apis, api)
            }
            "aws_api_gateway_domain_name" | "aws_apigatewayv2_domain_name" => {
                has(&took.domains, r.text("domain_name"))
            }
            "aws_api_gateway_base_path_mapping" => {
                has(&took.domains, r.text("domain_name")) && has(&took.rest_apis, r.text("api_id"))
            }
            "aws_apigatewayv2_api_mapping" => {
                has(&took.domains, r.text("domain_name")) && has(&took.v2_apis, r.text("api_id"))
            }
            "aws_acm_certificate" => has(&took.certificates, r.text("arn")),
            "aws_acm_certificate_validation" => has(&took.certificates, r.text("certificate_arn")),
            "aws_route53_record" => {
                let name = r.text("name").trim_end_matches('.').to_ascii_lowercase();
                has(&took.records, &format!("{name}. {}", r.text("type")))
            }
            k if API_PARTS.contains(&k) => has(&took.rest_apis, r.text("rest_api_id")),
            "aws_apigatewayv2_api" => has(&took.v2_apis, r.text("id")),
            k if V2_PARTS.contains(&k) => has(&took.v2_apis, r.text("api_id")),
            _ => false,
        };
        if handed {
            h.handed.push(r.address.clone());
            continue;
        }
        let why = if kind == "aws_lambda_permission" {
            "stays in Terraform: it lets API Gateway call the function (idrv5-gw adds its own statement only with `lambda_permissions: true`)"
                .to_string()
        } else if API_PARTS.contains(&kind)
            || [
                "aws_api_gateway_rest_api",
                "aws_api_gateway_usage_plan",
                "aws_api_gateway_api_key",
                "aws_api_gateway_usage_plan_key",
                "aws_api_gateway_vpc_link",
            ]
            .contains(&kind)
        {
            "not part of an imported REST API (or its usage plans): stays in Terraform".into()
        } else if V2_PARTS.contains(&kind)
            || ["aws_apigatewayv2_api", "aws_apigatewayv2_vpc_link"].contains(&kind)
        {
            "not part of an imported HTTP or WebSocket API: stays in Terraform".into()
        } else if kind == "aws_cloudwatch_metric_alarm" {
            "not on a stage of an imported API: stays in Terraform".into()
        } else if kind.starts_with("aws_wafv2_") {
            "not on a stage of an imported REST API: stays in Terraform".into()
        } else if EDGE.contains(&kind) {
            "not of a custom domain mapped to an imported API: stays in Terraform".into()
        } else if LATER.iter().any(|p| kind.starts_with(p)) {
            format!("{kind} is not imported yet: stays in Terraform")
        } else {
            "not API Gateway's: stays in Terraform".into()
        };
        h.kept.push((r.address.clone(), why));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Seed 002's layout as `terraform show -json` writes it (ids as LocalStack gave them).
    fn shown() -> Value {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/terraform/seed002.show.json"
        ))
        .unwrap()
    }

    #[test]
    fn both_state_forms_give_the_same_resources() {
        let raw: Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/terraform/seed002.tfstate"
        ))
        .unwrap();
        let (a, b) = (resources(&shown()).unwrap(), resources(&raw).unwrap());
        let addresses = |v: &[TfResource]| {
            let mut a: Vec<String> = v.iter().map(|r| r.address.clone()).collect();
            a.sort();
            a
        };
        assert_eq!(addresses(&a), addresses(&b));
        assert!(a.len() > 8, "{a:?}");
        assert!(resources(&json!({"version": 4})).is_err());
    }

    /// Everything of the imported API and its usage plan is handed over; the Lambda
    /// permission and what is not API Gateway's stay, each with its reason.
    #[test]
    fn what_the_import_carried_is_handed_over_and_the_rest_stays_named() {
        let rs = resources(&shown()).unwrap();
        let ids = |kind: &str, key: &str| -> Vec<String> {
            rs.iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.values[key].as_str().unwrap().to_string())
                .collect()
        };
        let took = Took {
            rest_apis: ids("aws_api_gateway_rest_api", "id"),
            usage_plans: ids("aws_api_gateway_usage_plan", "id"),
            api_keys: ids("aws_api_gateway_api_key", "id"),
            ..Default::default()
        };
        let h = handover(&rs, &took);
        for kind in [
            "aws_api_gateway_rest_api.",
            "aws_api_gateway_resource.",
            "aws_api_gateway_method.",
            "aws_api_gateway_integration.",
            "aws_api_gateway_integration_response.",
            "aws_api_gateway_deployment.",
            "aws_api_gateway_stage.",
            "aws_api_gateway_usage_plan_key.",
        ] {
            assert!(
                h.handed.iter().any(|a| a.starts_with(kind)),
                "{kind}: {h:?}"
            );
        }
        assert!(h.kept.is_empty(), "{:?}", h.kept);
        // What a real layout also holds stays in Terraform, each with its reason.
        let mut more = rs.clone();
        for (address, kind) in [
            (
                "aws_lambda_permission.orca_api_permission",
                "aws_lambda_permission",
            ),
            ("aws_apigatewayv2_api.ws", "aws_apigatewayv2_api"),
            ("aws_lambda_function.orca", "aws_lambda_function"),
            (
                "aws_apigatewayv2_vpc_link.private",
                "aws_apigatewayv2_vpc_link",
            ),
        ] {
            more.push(TfResource {
                address: address.into(),
                kind: kind.into(),
                values: json!({}),
            });
        }
        let h = handover(&more, &took);
        let why: Vec<&str> = h.kept.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(
            why,
            [
                "stays in Terraform: it lets API Gateway call the function (idrv5-gw adds its own statement only with `lambda_permissions: true`)",
                "not part of an imported HTTP or WebSocket API: stays in Terraform",
                "not API Gateway's: stays in Terraform",
                "not part of an imported HTTP or WebSocket API: stays in Terraform",
            ]
        );
        // An imported HTTP API is handed over with its parts, found by `api_id`.
        let v2 = [
            (
                "aws_apigatewayv2_api.items",
                "aws_apigatewayv2_api",
                json!({"id": "h1", "protocol_type": "HTTP"}),
            ),
            (
                "aws_apigatewayv2_route.get",
                "aws_apigatewayv2_route",
                json!({"api_id": "h1"}),
            ),
            (
                "aws_apigatewayv2_stage.default",
                "aws_apigatewayv2_stage",
                json!({"api_id": "h1"}),
            ),
            (
                "aws_apigatewayv2_route.other",
                "aws_apigatewayv2_route",
                json!({"api_id": "h2"}),
            ),
        ]
        .map(|(a, k, v)| TfResource {
            address: a.into(),
            kind: k.into(),
            values: v,
        });
        assert_eq!(v2_apis(&v2), [("aws_apigatewayv2_api.items", "h1", false)]);
        let took = Took {
            v2_apis: vec!["h1".into()],
            ..Default::default()
        };
        let h = handover(&v2, &took);
        assert_eq!(
            h.handed,
            [
                "aws_apigatewayv2_api.items",
                "aws_apigatewayv2_route.get",
                "aws_apigatewayv2_stage.default"
            ]
        );
        assert_eq!(h.kept.len(), 1, "{h:?}");
        // A custom domain is handed over with its certificate and records, found by name,
        // ARN and record; another domain's stay.
        let edge = [
            (
                "aws_api_gateway_domain_name.api",
                "aws_api_gateway_domain_name",
                json!({"domain_name": "api.x.com"}),
            ),
            (
                "aws_acm_certificate.api",
                "aws_acm_certificate",
                json!({"arn": "arn:c1"}),
            ),
            (
                "aws_acm_certificate_validation.api",
                "aws_acm_certificate_validation",
                json!({"certificate_arn": "arn:c1"}),
            ),
            (
                "aws_route53_record.api",
                "aws_route53_record",
                json!({"name": "API.x.com", "type": "A"}),
            ),
            (
                "aws_route53_record.other",
                "aws_route53_record",
                json!({"name": "www.x.com", "type": "A"}),
            ),
        ]
        .map(|(a, k, v)| TfResource {
            address: a.into(),
            kind: k.into(),
            values: v,
        });
        let took = Took {
            domains: vec!["api.x.com".into()],
            certificates: vec!["arn:c1".into()],
            records: vec!["api.x.com. A".into()],
            ..Default::default()
        };
        let h = handover(&edge, &took);
        assert_eq!(h.handed.len(), 4, "{h:?}");
        assert_eq!(
            h.kept,
            [(
                "aws_route53_record.other".to_string(),
                "not of a custom domain mapped to an imported API: stays in Terraform".to_string()
            )]
        );
        // A domain made with the v2 resources goes with its mappings to imported v2 APIs;
        // a mapping to an API not imported stays.
        let v2_edge = [
            (
                "aws_apigatewayv2_domain_name.api",
                "aws_apigatewayv2_domain_name",
                "h1",
            ),
            (
                "aws_apigatewayv2_api_mapping.items",
                "aws_apigatewayv2_api_mapping",
                "h1",
            ),
            (
                "aws_apigatewayv2_api_mapping.other",
                "aws_apigatewayv2_api_mapping",
                "h2",
            ),
        ]
        .map(|(a, k, api)| TfResource {
            address: a.into(),
            kind: k.into(),
            values: json!({"domain_name": "api.x.com", "api_id": api}),
        });
        let took = Took {
            domains: vec!["api.x.com".into()],
            v2_apis: vec!["h1".into()],
            ..Default::default()
        };
        let h = handover(&v2_edge, &took);
        assert_eq!(
            h.handed,
            [
                "aws_apigatewayv2_domain_name.api",
                "aws_apigatewayv2_api_mapping.items"
            ]
        );
        assert_eq!(
            h.kept,
            [(
                "aws_apigatewayv2_api_mapping.other".to_string(),
                "not of a custom domain mapped to an imported API: stays in Terraform".to_string()
            )]
        );
        let none = handover(&rs, &Took::default());
        assert!(none.handed.is_empty());
        assert_eq!(none.kept.len(), rs.len());
        assert!(none
            .kept
            .iter()
            .all(|(_, why)| why.contains("stays in Terraform")));
    }
}
