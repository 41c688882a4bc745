//! The reader against what real AWS answered (tests/fixtures/aws-recorded, from LocalStack's
//! AWS-validated snapshots): what AWS fills in on a write must read back as what the stack's
//! side makes of the same request, or every plan would show it as drift.

use super::read::route_props;
use aws_sdk_apigateway::types::{ConnectionType, Integration, IntegrationType, Method};
use serde_json::Value;

/// The recorded answer as the SDK would hand it to the reader.
fn sdk_integration(a: &Value) -> Integration {
    let s = |k: &str| a[k].as_str().map(str::to_string);
    Integration::builder()
        .set_type(s("type").map(|t| IntegrationType::from(t.as_str())))
        .set_uri(s("uri"))
        .set_http_method(s("httpMethod"))
        .set_connection_type(s("connectionType").map(|t| ConnectionType::from(t.as_str())))
        .set_connection_id(s("connectionId"))
        .set_passthrough_behavior(s("passthroughBehavior"))
        .set_timeout_in_millis(a["timeoutInMillis"].as_i64().map(|t| t as i32))
        .set_cache_namespace(s("cacheNamespace"))
        .set_cache_key_parameters(Some(Vec::new()))
        .build()
}

/// PutIntegration: AWS fills in the passthrough behaviour, the timeout and the cache
/// namespace; the stack's side (`model::routes::integration`, from the same request as an
/// `x-amazon-apigateway-integration`) and the reader agree on all of it.
#[test]
fn what_aws_filled_into_an_integration_reads_back_as_the_stacks_side_of_the_request() {
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/integrations.json"
    ))
    .unwrap();
    for case in recorded["put_integration"].as_array().unwrap() {
        let desired = crate::model::routes::integration(&case["request"]);
        let method = Method::builder()
            .http_method("GET")
            .method_integration(sdk_integration(&case["answer"]))
            .build();
        // AWS's default cache namespace is the resource's id (the recording masks both).
        let resource_id = case["answer"]["cacheNamespace"].as_str().unwrap();
        let read = route_props(&method, resource_id)
            .integration
            .expect("an integration");
        assert_eq!(read, desired, "{}", case["case"]);
    }
}

/// UpdateStage with a burst limit (and caching on) under `*/*` and `test/GET`: AWS answers
/// every method setting filled in (rate 10000, TTL 300, metrics off, ...). Only what the
/// stack declares is compared, so that reads back as no change.
#[test]
fn method_settings_aws_filled_in_are_no_change() {
    use crate::model::kinds::stage::MethodSetting;
    use aws_sdk_apigateway::types::{MethodSetting as Sdk, Stage};
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/stages.json"
    ))
    .unwrap();
    let answer = &recorded["update_stage"]["answer"];
    let mut stage = Stage::builder()
        .stage_name(answer["stageName"].as_str().unwrap())
        .description(answer["description"].as_str().unwrap())
        .tracing_enabled(answer["tracingEnabled"].as_bool().unwrap());
    for (k, m) in answer["methodSettings"].as_object().unwrap() {
        let f = |k: &str| m[k].as_bool().unwrap();
        let sdk = Sdk::builder()
            .throttling_burst_limit(m["throttlingBurstLimit"].as_i64().unwrap() as i32)
            .throttling_rate_limit(m["throttlingRateLimit"].as_f64().unwrap())
            .caching_enabled(f("cachingEnabled"))
            .cache_ttl_in_seconds(m["cacheTtlInSeconds"].as_i64().unwrap() as i32)
            .cache_data_encrypted(f("cacheDataEncrypted"))
            .data_trace_enabled(f("dataTraceEnabled"))
            .metrics_enabled(f("metricsEnabled"))
            .build();
        stage = stage.method_settings(k, sdk);
    }
    let live = super::read::stage_props(&stage.build(), "");
    let declared = |burst: i64, caching: Option<bool>| MethodSetting {
        throttling_burst_limit: Some(burst),
        caching_enabled: caching,
        ..Default::default()
    };
    let want: crate::model::Props = [(
        "method_settings".to_string(),
        serde_json::json!({
            "*/*": declared(123, Some(true)),
            "test/GET": declared(124, None),
        }),
    )]
    .into();
    let diffs = crate::plan::diff::diff_props(crate::model::Kind::Stage, &live, &want);
    let settings: Vec<_> = diffs
        .iter()
        .filter(|d| d.key.starts_with("method_settings"))
        .collect();
    assert!(settings.is_empty(), "{settings:?}");
}

/// Every new REST API gets AWS's Empty and Error models: not the stack's, so not read
/// (a stack that does not name them plans nothing for them).
#[test]
fn the_models_aws_makes_with_every_api_are_not_read_as_the_stacks() {
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/models.json"
    ))
    .unwrap();
    let defaults = recorded["default_models"].as_array().unwrap();
    assert_eq!(defaults.len(), 2);
    for m in defaults {
        let s = |k: &str| m[k].as_str().map(str::to_string);
        let model = aws_sdk_apigateway::types::Model::builder()
            .set_name(s("name"))
            .set_description(s("description"))
            .set_content_type(s("contentType"))
            .schema(m["schema"].to_string())
            .build();
        assert!(super::items::model("main", &model).is_none(), "{m}");
    }
}
