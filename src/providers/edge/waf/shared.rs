//! What the WAF reader and writer share.

use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::err;
use crate::providers::kit::Out;
use aws_sdk_wafv2::Client;

pub const BODY_KEY: &str = "blocked";

pub fn client<'a>(aws: &'a Aws, scope: &str) -> &'a Client {
    if scope == "CLOUDFRONT" {
        &aws.wafv2_us_east_1
    } else {
        &aws.wafv2
    }
}

pub fn build_err(e: impl std::fmt::Display) -> AwsError {
    err("WAF", "InvalidDefinition", e.to_string())
}

pub fn ids(id: &str, arn: &str, name: &str, scope: &str) -> Out {
    [
        ("id".to_string(), id.to_string()),
        ("arn".to_string(), arn.to_string()),
        ("name".to_string(), name.to_string()),
        ("scope".to_string(), scope.to_string()),
    ]
    .into()
}
