//! The reader against what real AWS answered (tests/fixtures/aws-recorded, from LocalStack's
//! AWS-validated snapshots): what AWS fills in on a write must read back as what the stack's
//! side makes of the same request, or every plan would show it as drift.

use super::read::route_props;
use aws_sdk_apigateway::types::{
    ConnectionType, ContentHandlingStrategy, Integration, IntegrationResponse, IntegrationType,
    Method, MethodResponse, TlsConfig,
};
use serde_json::Value;
use std::collections::HashMap;

fn strs(v: &Value) -> Option<HashMap<String, String>> {
    let o = v.as_object()?;
    Some(
        o.iter()
            .map(|(k, v)| {
                // LocalStack's snapshots parse JSON templates into objects: give them back as text.
                let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k.clone(), s)
            })
            .collect(),
    )
}

fn flags(v: &Value) -> Option<HashMap<String, bool>> {
    let o = v.as_object()?;
    Some(
        o.iter()
            .map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false)))
            .collect(),
    )
}

/// A recorded GetMethod answer as the SDK hands it to the reader.
pub(super) fn sdk_method(m: &Value) -> Method {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    let integration = m.get("methodIntegration").map(|i| {
        let responses = i
            .get("integrationResponses")
            .and_then(Value::as_object)
            .map(|rs| {
                rs.iter()
                    .map(|(code, r)| {
                        let r = IntegrationResponse::builder()
                            .set_status_code(s(r, "statusCode"))
                            .set_selection_pattern(s(r, "selectionPattern"))
                            .set_response_parameters(r.get("responseParameters").and_then(strs))
                            .set_response_templates(r.get("responseTemplates").and_then(strs))
                            .set_content_handling(
                                s(r, "contentHandling")
                                    .map(|c| ContentHandlingStrategy::from(c.as_str())),
                            )
                            .build();
                        (code.clone(), r)
                    })
                    .collect()
            });
        Integration::builder()
            .set_type(s(i, "type").map(|t| IntegrationType::from(t.as_str())))
            .set_http_method(s(i, "httpMethod"))
            .set_uri(s(i, "uri"))
            .set_connection_type(s(i, "connectionType").map(|t| ConnectionType::from(t.as_str())))
            .set_connection_id(s(i, "connectionId"))
            .set_credentials(s(i, "credentials"))
            .set_request_parameters(i.get("requestParameters").and_then(strs))
            .set_request_templates(i.get("requestTemplates").and_then(strs))
            .set_passthrough_behavior(s(i, "passthroughBehavior"))
            .set_content_handling(
                s(i, "contentHandling").map(|c| ContentHandlingStrategy::from(c.as_str())),
            )
            .set_timeout_in_millis(
                i.get("timeoutInMillis")
                    .and_then(Value::as_i64)
                    .map(|t| t as i32),
            )
            .set_cache_namespace(s(i, "cacheNamespace"))
            .set_cache_key_parameters(i.get("cacheKeyParameters").and_then(Value::as_array).map(
                |a| {
                    a.iter()
                        .filter_map(|v| Some(v.as_str()?.to_string()))
                        .collect()
                },
            ))
            .set_tls_config(i.pointer("/tlsConfig/insecureSkipVerification").map(|b| {
                TlsConfig::builder()
                    .insecure_skip_verification(b.as_bool().unwrap_or(false))
                    .build()
            }))
            .set_integration_responses(responses)
            .build()
    });
    let method_responses = m
        .get("methodResponses")
        .and_then(Value::as_object)
        .map(|rs| {
            rs.iter()
                .map(|(code, r)| {
                    let r = MethodResponse::builder()
                        .set_status_code(s(r, "statusCode"))
                        .set_response_parameters(r.get("responseParameters").and_then(flags))
                        .set_response_models(r.get("responseModels").and_then(strs))
                        .build();
                    (code.clone(), r)
                })
                .collect()
        });
    Method::builder()
        .set_http_method(s(m, "httpMethod"))
        .set_authorization_type(s(m, "authorizationType"))
        .set_authorizer_id(s(m, "authorizerId"))
        .set_authorization_scopes(
            m.get("authorizationScopes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| Some(v.as_str()?.to_string()))
                        .collect()
                }),
        )
        .set_api_key_required(m.get("apiKeyRequired").and_then(Value::as_bool))
        .set_request_parameters(m.get("requestParameters").and_then(flags))
        .set_request_validator_id(s(m, "requestValidatorId"))
        .set_request_models(m.get("requestModels").and_then(strs))
        .set_method_integration(integration)
        .set_method_responses(method_responses)
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
        let method = sdk_method(
            &serde_json::json!({"httpMethod": "GET", "methodIntegration": case["answer"]}),
        );
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

/// Methods as AWS keeps them: `apiKeyRequired: false` and `authorizationType: NONE` filled
/// in, a method response sent with empty maps answered with empty maps, a header declared
/// required and a response model. The operation saying the same in a document (the stack's
/// side, `model::routes`) reads back as no change.
#[test]
fn methods_and_method_responses_aws_answered_read_back_as_the_operation_that_made_them() {
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/methods.json"
    ))
    .unwrap();
    for case in recorded["cases"].as_array().unwrap() {
        let answer = &case["answer"];
        let method = answer["httpMethod"].as_str().unwrap();
        let key = if method == "ANY" {
            crate::config::contract::ANY_METHOD.to_string()
        } else {
            method.to_lowercase()
        };
        let mut op = case["operation"].clone();
        if op.get("x-amazon-apigateway-integration").is_none() {
            op["x-amazon-apigateway-integration"] = serde_json::json!({"type": "mock"});
        }
        let doc = serde_json::json!({"paths": {"/": {key: op}}});
        let (_, _, desired) = crate::model::routes::routes(&doc, "main").remove(0);
        let cache = answer
            .pointer("/methodIntegration/cacheNamespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut read = route_props(&sdk_method(answer), cache);
        if answer.get("methodIntegration").is_none() {
            // The recording puts no integration; the operation needs one to be a route.
            read.integration = desired.integration.clone();
        }
        assert_eq!(read, desired, "{}", case["case"]);
    }
}

/// UpdateUsagePlan setting a throttle and a quota: the writer's patch for that change is
/// what the recorded request sent (plus the quota offset AWS fills in as 0), and the plan
/// AWS answered (offset 0 filled in, the rate as 200.0) reads back as the stack's plan.
#[test]
fn a_usage_plan_aws_filled_in_reads_back_as_the_stacks_and_the_patch_is_the_recorded_one() {
    use crate::model::kinds::usage_plan::{PlanStage, Quota, Throttle, UsagePlan};
    use crate::model::kinds::Typed;
    use aws_sdk_apigateway::types::{ApiStage, QuotaPeriodType, QuotaSettings, ThrottleSettings};
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/usage_plans.json"
    ))
    .unwrap();
    let req = &recorded["create_request"];
    let stage = PlanStage {
        api_id: "<api-id:1>".into(),
        stage: "dev".into(),
        ..Default::default()
    };
    let before = UsagePlan {
        name: req["name"].as_str().unwrap().into(),
        description: req["description"].as_str().unwrap().into(),
        api_stages: [("main.dev".to_string(), stage)].into(),
        ..Default::default()
    };
    let after = UsagePlan {
        throttle: Throttle::of(Some(200.0), Some(100)),
        quota: Some(Quota {
            limit: Some(5000),
            period: Some("MONTH".into()),
            offset: Some(0),
        }),
        ..before.clone()
    };
    let mut sent: Vec<String> = super::usage::plan_patch(&before, &after)
        .iter()
        .map(|o| {
            // The recording sent `replace` to a plan without throttle or quota; the writer
            // sends `add` there, as Terraform's provider does: AWS takes both.
            let op = o.op().unwrap().as_str();
            assert!(matches!(op, "add" | "replace"), "{op}");
            format!("{} {}", o.path().unwrap(), o.value().unwrap())
        })
        .collect();
    sent.sort();
    let mut want: Vec<String> = recorded["update_request"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{} {}",
                o["path"].as_str().unwrap(),
                o["value"].as_str().unwrap()
            )
        })
        .collect();
    // The stack's quota always says its offset (0 by default), which AWS fills in anyway.
    want.push("/quota/offset 0".into());
    want.sort();
    assert_eq!(sent, want);

    let a = &recorded["answer_after_update"];
    let (t, q) = (&a["throttle"], &a["quota"]);
    let plan = aws_sdk_apigateway::types::UsagePlan::builder()
        .id(a["id"].as_str().unwrap())
        .name(a["name"].as_str().unwrap())
        .description(a["description"].as_str().unwrap())
        .api_stages(
            ApiStage::builder()
                .api_id("<api-id:1>")
                .stage("dev")
                .build(),
        )
        .throttle(
            ThrottleSettings::builder()
                .burst_limit(t["burstLimit"].as_i64().unwrap() as i32)
                .rate_limit(t["rateLimit"].as_f64().unwrap())
                .build(),
        )
        .quota(
            QuotaSettings::builder()
                .limit(q["limit"].as_i64().unwrap() as i32)
                .offset(q["offset"].as_i64().unwrap() as i32)
                .period(QuotaPeriodType::from(q["period"].as_str().unwrap()))
                .build(),
        )
        .build();
    let apis = [("<api-id:1>".to_string(), "main".to_string())].into();
    let live = super::usage::plan_resource("usage_plan.p".into(), false, &plan, &apis);
    assert_eq!(UsagePlan::from_props(&live.props).unwrap(), after);
}

/// A stage AWS answered with a canary (test_apigateway_canary) reads as the stage's own
/// deployment and the canary's apart, both kept from pruning, the canary's id at hand for
/// `promote`.
#[test]
fn a_recorded_stage_with_a_canary_reads_its_two_deployments_apart() {
    use aws_sdk_apigateway::types::{CanarySettings, Deployment, Stage};
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/canary.json"
    ))
    .unwrap();
    let a = &recorded["stage_with_canary"];
    let c = &a["canarySettings"];
    let stage = Stage::builder()
        .stage_name(a["stageName"].as_str().unwrap())
        .deployment_id(a["deploymentId"].as_str().unwrap())
        .set_variables(strs(&a["variables"]))
        .canary_settings(
            CanarySettings::builder()
                .deployment_id(c["deploymentId"].as_str().unwrap())
                .percent_traffic(c["percentTraffic"].as_f64().unwrap())
                .set_stage_variable_overrides(strs(&c["stageVariableOverrides"]))
                .use_stage_cache(c["useStageCache"].as_bool().unwrap())
                .build(),
        )
        .build();
    let deployment = |id: &str, fp: &str| {
        Deployment::builder()
            .id(id)
            .description(format!("{}{fp}", crate::model::owner::DEPLOYMENT_PREFIX))
            .build()
    };
    let deployments = [
        deployment("<deployment-id:1>", "sha256:one"),
        deployment("<deployment-id:2>", "sha256:two"),
    ];
    let live = super::read::deployments_and_stages("main", &deployments, &[stage]);
    let s = live.iter().find(|r| r.id == "stage.main.dev").unwrap();
    use crate::model::kinds::Typed;
    let props = crate::model::kinds::Stage::from_props(&s.props).unwrap();
    assert_eq!(props.deployment, "sha256:one");
    let canary = props.canary.unwrap();
    assert_eq!(canary.deployment, "sha256:two");
    assert_eq!(canary.percent, 50.0);
    assert_eq!(canary.stage_variable_overrides["testVar"], "override");
    assert!(!canary.use_stage_cache);
    assert_eq!(s.outputs["canary_deployment_id"], "<deployment-id:2>");
    for d in ["<deployment-id:1>", "<deployment-id:2>"] {
        assert!(
            s.deps.contains(&format!("deployment.main@{d}")),
            "{:?}",
            s.deps
        );
    }
}

/// A new canary is made with `replace` only: AWS refuses `add` below /canarySettings (the
/// recorded error), and answers the recorded `replace /canarySettings/deploymentId` with
/// the canary; a canary no longer declared goes with the recorded `remove /canarySettings`.
#[test]
fn the_canary_patch_uses_the_operations_aws_accepted() {
    use crate::model::kinds::stage::{Canary, Stage};
    let recorded: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/aws-recorded/canary.json"
    ))
    .unwrap();
    assert!(recorded["add_is_refused"]["error"]["Message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid add operation"));
    let answered = &recorded["replace_canary_deployment"]["answer"]["canarySettings"];
    assert_eq!(answered["deploymentId"], "<deployment-id:2>");
    let before = Stage {
        deployment: "sha256:one".into(),
        ..Default::default()
    };
    let after = Stage {
        canary: Some(Canary {
            deployment: "sha256:two".into(),
            percent: 10.0,
            stage_variable_overrides: [("testVar".to_string(), "canary".to_string())].into(),
            use_stage_cache: false,
        }),
        ..before.clone()
    };
    let ops = super::stages::canary_patch(&before, &after, "<deployment-id:2>");
    let ops: Vec<(String, String, Option<String>)> = ops
        .iter()
        .map(|o| {
            let op = o.op().map(|o| o.as_str().to_string()).unwrap_or_default();
            (
                op,
                o.path().unwrap_or_default().to_string(),
                o.value().map(str::to_string),
            )
        })
        .collect();
    let recorded_op = &recorded["replace_canary_deployment"]["patch"][0];
    assert_eq!(
        ops[0],
        (
            recorded_op[0].as_str().unwrap().to_string(),
            recorded_op[1].as_str().unwrap().to_string(),
            Some("<deployment-id:2>".to_string())
        )
    );
    assert!(ops
        .iter()
        .all(|(op, path, _)| op == "replace" && path.starts_with("/canarySettings/")));
    assert!(ops.contains(&(
        "replace".into(),
        "/canarySettings/stageVariableOverrides/testVar".into(),
        Some("canary".into())
    )));
    // The answer to a removed canary has none; the patch is the recorded one.
    assert!(recorded["remove_canary"]["answer"]
        .get("canarySettings")
        .is_none());
    let gone = super::stages::canary_patch(&after, &before, "");
    assert_eq!(gone.len(), 1);
    assert_eq!(gone[0].path(), Some("/canarySettings"));
    assert_eq!(gone[0].op().map(|o| o.as_str()), Some("remove"));
}
