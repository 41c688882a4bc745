//! Items of a REST API besides routes: authorizers, request validators, models and gateway
//! responses. Owned through their REST API; read with one call per kind.

use crate::model::{Kind, LiveResource, Outputs, Props};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError};
use crate::providers::kit::{changed, ignore_missing, out_of, patch, s, string_map, strings, Out};
use aws_sdk_apigateway::types::{AuthorizerType, GatewayResponseType, Op, PatchOperation};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};

/// AWS creates these two models in every REST API; they are not the stack's.
const DEFAULT_MODELS: &[&str] = &["Empty", "Error"];
const DEFAULT_MODEL_DESCRIPTION: &str = "This is a default";

fn live(
    kind: Kind,
    id: String,
    name: String,
    key: &str,
    props: Props,
    outputs: &[(&str, &str)],
) -> LiveResource {
    LiveResource {
        id,
        kind,
        name,
        props,
        outputs: outputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        deps: BTreeSet::new(),
        parent: Some(format!("rest_api.{key}")),
        protect: false,
    }
}

fn map_or_null(m: Option<&HashMap<String, String>>) -> Value {
    match m {
        Some(m) if !m.is_empty() => json!(m.iter().collect::<std::collections::BTreeMap<_, _>>()),
        _ => Value::Null,
    }
}

pub async fn read(aws: &Aws, key: &str, api_id: &str) -> Result<Vec<LiveResource>, AwsError> {
    let (auths, validators, models, responses) = tokio::try_join!(
        aws.call(|| aws
            .apigw
            .get_authorizers()
            .rest_api_id(api_id)
            .limit(500)
            .send()),
        aws.call(|| aws
            .apigw
            .get_request_validators()
            .rest_api_id(api_id)
            .limit(500)
            .send()),
        aws.call(|| aws.apigw.get_models().rest_api_id(api_id).limit(500).send()),
        aws.call(|| aws
            .apigw
            .get_gateway_responses()
            .rest_api_id(api_id)
            .limit(500)
            .send()),
    )?;
    let mut out = Vec::new();
    for a in auths.items() {
        let name = a.name().unwrap_or_default().to_string();
        let props: Props = [
            ("name".to_string(), json!(name)),
            ("type".to_string(), json!(a.r#type().map(|t| t.as_str()))),
            ("authorizer_uri".to_string(), json!(a.authorizer_uri())),
            ("credentials".to_string(), json!(a.authorizer_credentials())),
            ("identity_source".to_string(), json!(a.identity_source())),
            (
                "validation_regex".to_string(),
                json!(a.identity_validation_expression()),
            ),
            (
                "ttl_seconds".to_string(),
                json!(a.authorizer_result_ttl_in_seconds()),
            ),
            (
                "provider_arns".to_string(),
                if a.provider_arns().is_empty() {
                    Value::Null
                } else {
                    json!(a.provider_arns())
                },
            ),
        ]
        .into();
        out.push(live(
            Kind::Authorizer,
            format!("authorizer.{key}.{name}"),
            name,
            key,
            props,
            &[("id", a.id().unwrap_or_default())],
        ));
    }
    for v in validators.items() {
        let name = v.name().unwrap_or_default().to_string();
        let props: Props = [
            ("name".to_string(), json!(name)),
            ("body".to_string(), json!(v.validate_request_body())),
            ("params".to_string(), json!(v.validate_request_parameters())),
        ]
        .into();
        out.push(live(
            Kind::Validator,
            format!("validator.{key}.{name}"),
            name,
            key,
            props,
            &[("id", v.id().unwrap_or_default())],
        ));
    }
    for m in models.items() {
        let name = m.name().unwrap_or_default().to_string();
        if DEFAULT_MODELS.contains(&name.as_str())
            && m.description()
                .is_some_and(|d| d.starts_with(DEFAULT_MODEL_DESCRIPTION))
        {
            continue;
        }
        let schema = m
            .schema()
            .map(|s| serde_json::from_str(s).unwrap_or_else(|_| json!(s)))
            .unwrap_or(Value::Null);
        let props: Props = [
            ("name".to_string(), json!(name)),
            ("content_type".to_string(), json!(m.content_type())),
            ("schema".to_string(), schema),
        ]
        .into();
        out.push(live(
            Kind::Model,
            format!("model.{key}.{name}"),
            name.clone(),
            key,
            props,
            &[("id", m.id().unwrap_or_default()), ("name", &name)],
        ));
    }
    for r in responses.items().iter().filter(|r| !r.default_response()) {
        let kind = r
            .response_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default();
        let props: Props = [
            ("status".to_string(), json!(r.status_code())),
            (
                "response_parameters".to_string(),
                map_or_null(r.response_parameters()),
            ),
            (
                "response_templates".to_string(),
                map_or_null(r.response_templates()),
            ),
        ]
        .into();
        out.push(live(
            Kind::GatewayResponse,
            format!("gateway_response.{key}.{kind}"),
            kind,
            key,
            props,
            &[],
        ));
    }
    Ok(out)
}

/// A model schema that names no other model.
const PLACEHOLDER_SCHEMA: &str = r#"{"type":"object"}"#;

async fn set_schema(aws: &Aws, api_id: &str, name: &str, schema: &str) -> Result<(), AwsError> {
    aws.call(|| {
        aws.apigw
            .update_model()
            .rest_api_id(api_id)
            .model_name(name)
            .patch_operations(patch(Op::Replace, "/schema", Some(schema.to_string())))
            .send()
    })
    .await
    .map(|_| ())
}

/// CreateModel; its id. A model in a loop whose schema AWS refuses (a `$ref` to a model not
/// created yet) is created with a placeholder: the loop's last model sets the real schema.
async fn create_model(
    aws: &Aws,
    api_id: &str,
    name: &str,
    a: &Props,
    schema: &str,
    in_loop: bool,
) -> Result<String, AwsError> {
    let create = |schema: &str| {
        let schema = schema.to_string();
        async move {
            aws.call(|| {
                aws.apigw
                    .create_model()
                    .rest_api_id(api_id)
                    .name(name)
                    .content_type(s(a, "content_type").unwrap_or("application/json"))
                    .schema(&schema)
                    .description("managed by idrv5-gw")
                    .send()
            })
            .await
        }
    };
    let made = match create(schema).await {
        Err(e) if in_loop && e.has_code("BadRequestException") => create(PLACEHOLDER_SCHEMA).await,
        other => other,
    };
    match made {
        // AWS's own default model of that name (Empty, Error): the contract's replaces it.
        Err(e) if e.has_code("ConflictException") => {
            set_schema(aws, api_id, name, schema).await?;
            Ok(name.to_string())
        }
        r => Ok(r?.id().unwrap_or_default().to_string()),
    }
}

/// The real schemas of a loop's other models, where one still has the placeholder.
async fn set_peer_schemas(
    aws: &Aws,
    api_id: &str,
    schemas: Option<&Value>,
    outputs: &Outputs,
) -> Result<(), AwsError> {
    for (name, schema) in schemas.and_then(Value::as_object).into_iter().flatten() {
        let live = aws
            .call(|| {
                aws.apigw
                    .get_model()
                    .rest_api_id(api_id)
                    .model_name(name)
                    .send()
            })
            .await?;
        let placeholder: Value = serde_json::from_str(PLACEHOLDER_SCHEMA).unwrap_or_default();
        let now: Value = serde_json::from_str(live.schema().unwrap_or("{}")).unwrap_or_default();
        if now == placeholder {
            let schema = crate::model::resolve(schema, outputs);
            set_schema(
                aws,
                api_id,
                name,
                &serde_json::to_string(&schema).unwrap_or_default(),
            )
            .await?;
        }
    }
    Ok(())
}

pub async fn put(
    aws: &Aws,
    ch: &Change,
    outputs: &Outputs,
    action: Action,
) -> Result<Out, AwsError> {
    let api_id = out_of(outputs, ch.parent.as_deref().unwrap_or_default(), "id")?;
    let a = ch.after.as_ref().expect("put has after");
    let create = action == Action::Create;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    match ch.kind {
        Kind::Authorizer if create => {
            let r = aws
                .call(|| {
                    aws.apigw
                        .create_authorizer()
                        .rest_api_id(&api_id)
                        .name(s(a, "name").unwrap_or_default())
                        .r#type(AuthorizerType::from(s(a, "type").unwrap_or("TOKEN")))
                        .set_authorizer_uri(s(a, "authorizer_uri").map(str::to_string))
                        .set_authorizer_credentials(s(a, "credentials").map(str::to_string))
                        .set_identity_source(s(a, "identity_source").map(str::to_string))
                        .set_identity_validation_expression(
                            s(a, "validation_regex").map(str::to_string),
                        )
                        .set_authorizer_result_ttl_in_seconds(
                            a.get("ttl_seconds")
                                .and_then(Value::as_i64)
                                .map(|n| n as i32),
                        )
                        .set_provider_arns(
                            Some(strings(a.get("provider_arns"))).filter(|v| !v.is_empty()),
                        )
                        .send()
                })
                .await?;
            let id = r.id().unwrap_or_default().to_string();
            // moto drops the regex given at create (a typo in its handler); a patch stores it
            // there and is equally valid on AWS.
            if let Some(regex) = s(a, "validation_regex") {
                let op = patch(
                    Op::Replace,
                    "/identityValidationExpression",
                    Some(regex.to_string()),
                );
                aws.call(|| {
                    aws.apigw
                        .update_authorizer()
                        .rest_api_id(&api_id)
                        .authorizer_id(&id)
                        .patch_operations(op.clone())
                        .send()
                })
                .await?;
            }
            Ok([("id".to_string(), id)].into())
        }
        Kind::Authorizer => {
            let b = ch.before.as_ref().expect("update has before");
            let mut ops = changed(
                b,
                a,
                &[
                    ("name", "/name"),
                    ("authorizer_uri", "/authorizerUri"),
                    ("credentials", "/authorizerCredentials"),
                    ("identity_source", "/identitySource"),
                    ("validation_regex", "/identityValidationExpression"),
                    ("ttl_seconds", "/authorizerResultTtlInSeconds"),
                ],
            );
            let (old, new) = (
                strings(b.get("provider_arns")),
                strings(a.get("provider_arns")),
            );
            for arn in new.iter().filter(|x| !old.contains(x)) {
                ops.push(
                    PatchOperation::builder()
                        .op(Op::Add)
                        .path("/providerARNs")
                        .value(arn)
                        .build(),
                );
            }
            for arn in old.iter().filter(|x| !new.contains(x)) {
                ops.push(
                    PatchOperation::builder()
                        .op(Op::Remove)
                        .path("/providerARNs")
                        .value(arn)
                        .build(),
                );
            }
            aws.call(|| {
                aws.apigw
                    .update_authorizer()
                    .rest_api_id(&api_id)
                    .authorizer_id(&id)
                    .set_patch_operations(Some(ops.clone()))
                    .send()
            })
            .await?;
            Ok(ch.live_outputs.clone())
        }
        Kind::Validator if create => {
            let r = aws
                .call(|| {
                    aws.apigw
                        .create_request_validator()
                        .rest_api_id(&api_id)
                        .name(s(a, "name").unwrap_or_default())
                        .validate_request_body(
                            a.get("body").and_then(Value::as_bool).unwrap_or(false),
                        )
                        .validate_request_parameters(
                            a.get("params").and_then(Value::as_bool).unwrap_or(false),
                        )
                        .send()
                })
                .await?;
            Ok([("id".to_string(), r.id().unwrap_or_default().to_string())].into())
        }
        Kind::Validator => {
            let ops = changed(
                ch.before.as_ref().expect("before"),
                a,
                &[
                    ("name", "/name"),
                    ("body", "/validateRequestBody"),
                    ("params", "/validateRequestParameters"),
                ],
            );
            aws.call(|| {
                aws.apigw
                    .update_request_validator()
                    .rest_api_id(&api_id)
                    .request_validator_id(&id)
                    .set_patch_operations(Some(ops.clone()))
                    .send()
            })
            .await?;
            Ok(ch.live_outputs.clone())
        }
        Kind::Model => {
            let name = s(a, "name").unwrap_or_default().to_string();
            let schema =
                serde_json::to_string(a.get("schema").unwrap_or(&Value::Null)).unwrap_or_default();
            let peers = ch.payload.as_ref().and_then(|p| p.get("then_set_schemas"));
            let in_loop = ch
                .payload
                .as_ref()
                .and_then(|p| p.get("placeholder_schema"))
                .is_some();
            let created = if create {
                create_model(aws, &api_id, &name, a, &schema, in_loop).await?
            } else {
                set_schema(aws, &api_id, &name, &schema).await?;
                id.clone()
            };
            set_peer_schemas(aws, &api_id, peers, outputs).await?;
            Ok([("id".to_string(), created), ("name".to_string(), name)].into())
        }
        Kind::GatewayResponse => {
            aws.call(|| {
                aws.apigw
                    .put_gateway_response()
                    .rest_api_id(&api_id)
                    .response_type(GatewayResponseType::from(ch.name.as_str()))
                    .set_status_code(s(a, "status").map(str::to_string))
                    .set_response_parameters(string_map(a.get("response_parameters")))
                    .set_response_templates(string_map(a.get("response_templates")))
                    .send()
            })
            .await?;
            Ok(Out::new())
        }
        _ => unreachable!("api_items::put is only called for its kinds"),
    }
}

pub async fn delete(aws: &Aws, ch: &Change, outputs: &Outputs) -> Result<(), AwsError> {
    let api_id = out_of(outputs, ch.parent.as_deref().unwrap_or_default(), "id")?;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    match ch.kind {
        Kind::Authorizer => ignore_missing(
            aws.call(|| {
                aws.apigw
                    .delete_authorizer()
                    .rest_api_id(&api_id)
                    .authorizer_id(&id)
                    .send()
            })
            .await,
        ),
        Kind::Validator => ignore_missing(
            aws.call(|| {
                aws.apigw
                    .delete_request_validator()
                    .rest_api_id(&api_id)
                    .request_validator_id(&id)
                    .send()
            })
            .await,
        ),
        Kind::Model => ignore_missing(
            aws.call(|| {
                aws.apigw
                    .delete_model()
                    .rest_api_id(&api_id)
                    .model_name(&ch.name)
                    .send()
            })
            .await,
        ),
        Kind::GatewayResponse => ignore_missing(
            aws.call(|| {
                aws.apigw
                    .delete_gateway_response()
                    .rest_api_id(&api_id)
                    .response_type(GatewayResponseType::from(ch.name.as_str()))
                    .send()
            })
            .await,
        ),
        _ => unreachable!("api_items::delete is only called for its kinds"),
    }
}
