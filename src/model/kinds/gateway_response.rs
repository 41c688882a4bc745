//! A REST API gateway response (DEFAULT_4XX, UNAUTHORIZED, ...), named by its type.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GatewayResponse {
    pub status: Option<String>,
    pub response_parameters: Option<BTreeMap<String, String>>,
    pub response_templates: Option<BTreeMap<String, String>>,
}

impl Typed for GatewayResponse {
    const KIND: Kind = Kind::GatewayResponse;
}

/// The template AWS stores for a response put without templates (recorded in
/// tests/fixtures/aws-recorded/gateway_responses.json).
pub const AWS_DEFAULT_TEMPLATE: (&str, &str) = (
    "application/json",
    r#"{"message":$context.error.messageString}"#,
);

/// The status AWS stores for a response of this type put without one (the same recording);
/// DEFAULT_4XX and DEFAULT_5XX have none.
pub fn default_status(response_type: &str) -> Option<&'static str> {
    Some(match response_type {
        "BAD_REQUEST_BODY" | "BAD_REQUEST_PARAMETERS" => "400",
        "UNAUTHORIZED" => "401",
        "ACCESS_DENIED"
        | "EXPIRED_TOKEN"
        | "INVALID_API_KEY"
        | "INVALID_SIGNATURE"
        | "MISSING_AUTHENTICATION_TOKEN"
        | "WAF_FILTERED" => "403",
        "RESOURCE_NOT_FOUND" => "404",
        "REQUEST_TOO_LARGE" => "413",
        "UNSUPPORTED_MEDIA_TYPE" => "415",
        "QUOTA_EXCEEDED" | "THROTTLED" => "429",
        "API_CONFIGURATION_ERROR" | "AUTHORIZER_CONFIGURATION_ERROR" | "AUTHORIZER_FAILURE" => {
            "500"
        }
        "INTEGRATION_FAILURE" | "INTEGRATION_TIMEOUT" => "504",
        _ => return None,
    })
}

impl GatewayResponse {
    /// The response as AWS stores it when put as `self`: no templates become AWS's default
    /// template, no status the type's default status. The stack's side is made this way, so
    /// what AWS fills in reads back as no change (and is sent as such: the same on AWS, and
    /// on an emulator that fills nothing in).
    pub fn as_aws_stores(mut self, response_type: &str) -> Self {
        if self
            .response_templates
            .as_ref()
            .is_none_or(|t| t.is_empty())
        {
            let (content_type, template) = AWS_DEFAULT_TEMPLATE;
            self.response_templates = Some([(content_type.into(), template.into())].into());
        }
        if self.status.is_none() {
            self.status = default_status(response_type).map(str::to_string);
        }
        if self
            .response_parameters
            .as_ref()
            .is_some_and(|p| p.is_empty())
        {
            self.response_parameters = None;
        }
        self
    }
}

pub const SPEC: Spec = Spec {
    calls: Calls {
        // PutGatewayResponse creates and replaces alike.
        create: &["PutGatewayResponse"],
        update: &["PutGatewayResponse"],
        delete: &["DeleteGatewayResponse"],
    },
    ..Spec::new("gateway_response")
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn strings(v: &Value) -> Option<BTreeMap<String, String>> {
        let m: BTreeMap<String, String> = v
            .as_object()?
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        (!m.is_empty()).then_some(m)
    }

    /// What the reader makes of an answer: empty maps are absent.
    fn read(v: &Value) -> GatewayResponse {
        GatewayResponse {
            status: v["statusCode"].as_str().map(str::to_string),
            response_parameters: strings(&v["responseParameters"]),
            response_templates: strings(&v["responseTemplates"]),
        }
    }

    /// Each PutGatewayResponse AWS was sent, made as the stack's side makes it, equals what
    /// AWS answered: a stack with headers only (CORS on DEFAULT_4XX) plans no change after
    /// apply on AWS.
    #[test]
    fn what_aws_recorded_for_each_put_reads_back_as_no_change() {
        let recorded: Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/aws-recorded/gateway_responses.json"
        ))
        .unwrap();
        let cases = recorded["put_gateway_response"].as_array().unwrap();
        assert_eq!(cases.len(), 6);
        for case in cases {
            let (req, answer) = (&case["request"], &case["answer"]);
            let kind = req["responseType"].as_str().unwrap();
            let sent = GatewayResponse {
                status: req["statusCode"].as_str().map(str::to_string),
                response_parameters: strings(&req["responseParameters"]),
                response_templates: strings(&req["responseTemplates"]),
            };
            assert_eq!(sent.as_aws_stores(kind), read(answer), "{}", case["case"]);
        }
        for d in recorded["defaults"].as_array().unwrap() {
            let kind = d["responseType"].as_str().unwrap();
            assert_eq!(
                default_status(kind),
                d["statusCode"].as_str(),
                "{kind}'s default status"
            );
        }
    }
}
