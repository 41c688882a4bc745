//! One place per resource kind: its label, the props keys that force a replacement or are
//! compared only where declared, the PATCH path of each prop it updates in place, and the
//! API Gateway calls a create, update or delete costs (the bulk cost model). Kinds with a
//! file here also have their props as a typed struct, which the desired builder, the live
//! reader and the writer all go through, so a misspelt key is a compile error; the diff and
//! the JSON plan stay generic over the serialized form.
//!
//! Adding a kind: a `Kind` variant, a file here with its `SPEC` (and props struct), and one
//! line in `spec` below (the match is exhaustive, so the compiler asks for it).

pub mod alarm;
mod api_authorizer;
mod api_integration;
mod api_key;
mod api_mapping;
mod api_route;
pub mod api_stage;
mod authorizer;
mod base_path_mapping;
mod certificate;
mod dashboard;
mod deployment;
mod dns_record;
mod domain_name;
mod gateway_response;
mod ip_set;
mod lambda_permission;
mod log_group;
mod model_schema;
mod path;
mod rest_api;
pub mod route;
mod spec;
pub mod stage;
pub mod usage_plan;
mod usage_plan_key;
mod v2_api;
mod validator;
mod vpc_link;
mod vpc_link_v2;
pub mod web_acl;
mod web_acl_association;
pub mod whole;

pub use alarm::Alarm;
pub use api_authorizer::ApiAuthorizer;
pub use api_integration::ApiIntegration;
pub use api_key::ApiKey;
pub use api_mapping::ApiMapping;
pub use api_route::ApiRoute;
pub use api_stage::ApiStage;
pub use authorizer::Authorizer;
pub use base_path_mapping::BasePathMapping;
pub use certificate::Certificate;
pub use dashboard::Dashboard;
pub use deployment::{ApiDeployment, Deployment};
pub use dns_record::{Alias, DnsRecord};
pub use domain_name::DomainName;
pub use gateway_response::GatewayResponse;
pub use ip_set::IpSet;
pub use lambda_permission::LambdaPermission;
pub use log_group::LogGroup;
pub use model_schema::ModelSchema;
pub use path::Path;
pub use rest_api::{parse_policy, policy_text, RestApi};
pub use route::Route;
pub use stage::Stage;
pub use usage_plan::UsagePlan;
pub use usage_plan_key::UsagePlanKey;
pub use v2_api::{Cors as V2Cors, V2Api};
pub use validator::Validator;
pub use vpc_link::VpcLink;
pub use vpc_link_v2::VpcLinkV2;
pub use web_acl::WebAcl;
pub use web_acl_association::WebAclAssociation;

pub use spec::{Calls, Spec, Typed};

use super::kind::Kind;

pub fn spec(kind: Kind) -> &'static Spec {
    match kind {
        Kind::VpcLink => &vpc_link::SPEC,
        Kind::Authorizer => &authorizer::SPEC,
        Kind::Validator => &validator::SPEC,
        Kind::Model => &model_schema::SPEC,
        Kind::GatewayResponse => &gateway_response::SPEC,
        Kind::LogGroup => &log_group::SPEC,
        Kind::RestApi => &rest_api::SPEC,
        Kind::Path => &path::SPEC,
        Kind::Route => &route::SPEC,
        Kind::Deployment => &deployment::SPEC,
        Kind::Stage => &stage::SPEC,
        Kind::ApiKey => &api_key::SPEC,
        Kind::UsagePlan => &usage_plan::SPEC,
        Kind::UsagePlanKey => &usage_plan_key::SPEC,
        Kind::LambdaPermission => &lambda_permission::SPEC,
        Kind::VpcLinkV2 => &vpc_link_v2::SPEC,
        Kind::HttpApi => &v2_api::HTTP_API,
        Kind::WebSocketApi => &v2_api::WEBSOCKET_API,
        Kind::ApiAuthorizer => &api_authorizer::SPEC,
        Kind::ApiIntegration => &api_integration::SPEC,
        Kind::ApiRoute => &api_route::SPEC,
        Kind::ApiStage => &api_stage::SPEC,
        Kind::ApiDeployment => &deployment::SPEC,
        Kind::IpSet => &ip_set::SPEC,
        Kind::WebAcl => &web_acl::SPEC,
        Kind::WebAclAssociation => &web_acl_association::SPEC,
        Kind::Certificate => &certificate::SPEC,
        Kind::DnsRecord => &dns_record::SPEC,
        Kind::DomainName => &domain_name::SPEC,
        Kind::BasePathMapping => &base_path_mapping::SPEC,
        Kind::ApiMapping => &api_mapping::SPEC,
        Kind::Alarm => &alarm::SPEC,
        Kind::Dashboard => &dashboard::SPEC,
    }
}

impl Kind {
    /// Everything the engine knows of the kind, from its row in `kinds`.
    pub fn spec(self) -> &'static Spec {
        spec(self)
    }
    pub fn as_str(self) -> &'static str {
        self.spec().label
    }
    /// Props whose change cannot be made in place: the resource is replaced.
    pub fn replace_keys(self) -> &'static [&'static str] {
        self.spec().replace
    }
    /// An API whose children (routes, stages, ...) go with it when it is deleted.
    pub fn is_api(self) -> bool {
        self.spec().api
    }
    /// Objects under these keys are compared only on the fields the stack declares.
    pub fn sparse_keys(self) -> &'static [&'static str] {
        self.spec().sparse
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::kind::Props;

    /// Every key a spec names is a field of the kind's props (as `sample` has them, its
    /// optional fields set): a typo fails here.
    fn keys_are_fields<T: Typed>(sample: T) {
        let fields = sample.to_props();
        let s = spec(T::KIND);
        let named = s
            .replace
            .iter()
            .chain(s.sparse)
            .chain(s.patch.iter().map(|(k, _)| k))
            .chain(s.filled.iter().map(|(k, _)| k));
        for key in named {
            assert!(
                fields.contains_key(*key),
                "{}: `{key}` is not a field",
                s.label
            );
        }
        assert_eq!(T::from_props(&fields).map(|t| t.to_props()), Ok(fields));
    }

    #[test]
    fn specs_name_only_fields_of_their_props() {
        keys_are_fields(VpcLink::default());
        keys_are_fields(Authorizer::default());
        keys_are_fields(Validator::default());
        keys_are_fields(ModelSchema::default());
        keys_are_fields(GatewayResponse::default());
        keys_are_fields(LogGroup::default());
        keys_are_fields(IpSet::default());
        keys_are_fields(LambdaPermission::default());
        keys_are_fields(UsagePlanKey::default());
        keys_are_fields(BasePathMapping::default());
        keys_are_fields(Certificate::default());
        keys_are_fields(DomainName::default());
        keys_are_fields(ApiMapping::default());
        keys_are_fields(WebAclAssociation::default());
        keys_are_fields(VpcLinkV2::default());
        keys_are_fields(Path::default());
        keys_are_fields(ApiRoute::default());
        keys_are_fields(ApiIntegration::default());
        keys_are_fields(ApiAuthorizer::default());
        keys_are_fields(RestApi::default());
        keys_are_fields(Deployment::default());
        keys_are_fields(ApiDeployment::default());
        keys_are_fields(DnsRecord {
            ttl: Some(300),
            values: Some(vec![]),
            alias: Some(Alias::default()),
            ..DnsRecord::default()
        });
        keys_are_fields(ApiKey {
            value_sha256: Some("digest".into()),
            ..ApiKey::default()
        });
    }

    #[test]
    fn v2_api_specs_name_only_its_fields() {
        let fields = V2Api {
            cors: Some(V2Cors::default()),
            ..V2Api::default()
        }
        .to_props();
        for s in [spec(Kind::HttpApi), spec(Kind::WebSocketApi)] {
            for key in s.replace.iter().chain(s.sparse) {
                assert!(fields.contains_key(*key), "{}: `{key}`", s.label);
            }
        }
    }

    #[test]
    fn props_that_do_not_fit_are_an_error_naming_the_kind() {
        let p: Props = [("body".to_string(), serde_json::json!("yes"))].into();
        let e = Validator::from_props(&p).unwrap_err();
        assert!(e.starts_with("validator props do not fit"), "{e}");
    }
}
