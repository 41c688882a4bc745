//! A REST API authorizer: Lambda TOKEN/REQUEST or Cognito user pools.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Authorizer {
    pub name: String,
    /// TOKEN, REQUEST or COGNITO_USER_POOLS.
    #[serde(rename = "type")]
    pub kind: String,
    pub authorizer_uri: Option<String>,
    pub credentials: Option<String>,
    pub identity_source: Option<String>,
    pub validation_regex: Option<String>,
    pub ttl_seconds: Option<i64>,
    /// Cognito user pools; None rather than empty, as AWS reports it.
    pub provider_arns: Option<Vec<String>>,
}

impl Typed for Authorizer {
    const KIND: Kind = Kind::Authorizer;
}

pub const SPEC: Spec = Spec {
    replace: &["type"],
    // provider_arns are added and removed one by one (providers::apigateway::items).
    patch: &[
        ("name", "/name"),
        ("authorizer_uri", "/authorizerUri"),
        ("credentials", "/authorizerCredentials"),
        ("identity_source", "/identitySource"),
        ("validation_regex", "/identityValidationExpression"),
        ("ttl_seconds", "/authorizerResultTtlInSeconds"),
    ],
    calls: Calls {
        // A regex is set by a patch after the create (moto drops it at create).
        create: &["CreateAuthorizer"],
        update: &["UpdateAuthorizer"],
        delete: &["DeleteAuthorizer"],
    },
    // An authorizer created without a TTL: AWS reads back none (recorded import of
    // petstore-authorizer.swagger.json) and caches for 300 s; LocalStack reads back 300.
    filled: &[("ttl_seconds", "300")],
    ..Spec::new("authorizer")
};
