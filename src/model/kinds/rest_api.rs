//! A REST API: its settings; its tree, methods and stages are kinds of their own.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub name: String,
    /// The contract's `info.description` (or the stack's).
    pub description: String,
    /// REGIONAL (default), EDGE or PRIVATE.
    pub endpoint_type: String,
    /// Sorted; added and removed one by one.
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    /// HEADER (default) or AUTHORIZER.
    pub api_key_source: String,
}

impl Typed for RestApi {
    const KIND: Kind = Kind::RestApi;
}

pub const SPEC: Spec = Spec {
    api: true,
    // binary_media_types are added and removed one by one (providers::apigateway::write).
    patch: &[
        ("name", "/name"),
        ("description", "/description"),
        ("api_key_source", "/apiKeySource"),
        ("minimum_compression_size", "/minimumCompressionSize"),
        ("endpoint_type", "/endpointConfiguration/types/0"),
    ],
    calls: Calls {
        create: &["CreateRestApi"],
        update: &["UpdateRestApi"],
        delete: &["DeleteRestApi"],
    },
    ..Spec::new("rest_api")
};
