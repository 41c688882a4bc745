//! Items of a REST API besides routes: authorizers, request validators, models and gateway
//! responses. Owned through their REST API; read with one call per kind.

use crate::model::kinds::{self, Typed};
use crate::model::{Kind, LiveResource, Outputs};
use crate::plan::{Action, Change};
use crate::providers::aws::{Aws, AwsError, Made};
use crate::providers::kit;
use crate::providers::kit::{
    after, before, id_out, ignore_missing, out_of, patch, patches, typed, Out,
};
use aws_sdk_apigateway::types::{AuthorizerType, GatewayResponseType, Op};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// AWS creates these two models in every REST API; they are not the stack's.
const DEFAULT_MODELS: &[&str] = &["Empty", "Error"];
/// What the models the tool makes (or takes over from AWS's defaults) are described as.
const OURS: &str = "managed by idrv5-gw";

/// A live item of the REST API `key`, with its typed props.
fn child<T: Typed>(
    id: String,
    name: String,
    key: &str,
    props: &T,
    outputs: &[(&str, &str)],
) -> LiveResource {
    LiveResource::new(
        id,
        T::KIND,
        name,
        props.to_props(),
        outputs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
    .under(format!("rest_api.{key}"))
}

/// A map AWS answers, sorted; None when empty, as the desired side has it.
fn sorted(m: Option<&HashMap<String, String>>) -> Option<BTreeMap<String, String>> {
    m.filter(|m| !m.is_empty())
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
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
    let mut out: Vec<LiveResource> = auths.items().iter().map(|a| authorizer(key, a)).collect();
    out.extend(validators.items().iter().map(|v| validator(key, v)));
    out.extend(models.items().iter().filter_map(|m| model(key, m)));
    out.extend(
        responses
            .items()
            .iter()
            .filter(|r| !r.default_response())
            .map(|r| gateway_response(key, r)),
    );
    Ok(out)
}

pub(super) fn authorizer(key: &str, a: &aws_sdk_apigateway::types::Authorizer) -> LiveResource {
    let name = a.name().unwrap_or_default().to_string();
    let props = kinds::Authorizer {
        name: name.clone(),
        kind: a
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        authorizer_uri: a.authorizer_uri().map(str::to_string),
        credentials: a.authorizer_credentials().map(str::to_string),
        identity_source: a.identity_source().map(str::to_string),
        validation_regex: a.identity_validation_expression().map(str::to_string),
        ttl_seconds: a.authorizer_result_ttl_in_seconds().map(i64::from),
        provider_arns: Some(a.provider_arns().to_vec()).filter(|v| !v.is_empty()),
    };
    let id = format!("authorizer.{key}.{name}");
    child(id, name, key, &props, &[("id", a.id().unwrap_or_default())])
}

pub(super) fn validator(
    key: &str,
    v: &aws_sdk_apigateway::types::RequestValidator,
) -> LiveResource {
    let name = v.name().unwrap_or_default().to_string();
    let props = kinds::Validator {
        name: name.clone(),
        body: Some(v.validate_request_body()),
        params: Some(v.validate_request_parameters()),
    };
    let id = format!("validator.{key}.{name}");
    child(id, name, key, &props, &[("id", v.id().unwrap_or_default())])
}

/// A `$ref` to another model names it by API and model; the host is AWS's own
/// (`https://apigateway.amazonaws.com`). An import on LocalStack writes its own host there
/// (docs/EMULATOR.md): read as AWS writes it, it is the same reference.
fn model_urls(v: &mut Value) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                match x {
                    Value::String(s) if k == "$ref" => {
                        if let Some(rest) = s
                            .strip_prefix("http://")
                            .or_else(|| s.strip_prefix("https://"))
                            .and_then(|r| r.split_once('/'))
                            .map(|(_, path)| path)
                            .filter(|p| p.starts_with("restapis/") && p.contains("/models/"))
                        {
                            *s = format!("https://apigateway.amazonaws.com/{rest}");
                        }
                    }
                    other => model_urls(other),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(model_urls),
        _ => {}
    }
}

/// A model; None for `Empty` and `Error` as AWS makes them with every API ("This is a
/// default ... schema model", titled "Empty Schema" / "Error Schema"), unless the tool took
/// them over (its description) or an import of the stack's document wrote the contract's
/// schema of that name into them. LocalStack's import makes an `Empty` without a description
/// where AWS's makes none (docs/EMULATOR.md).
pub(super) fn model(key: &str, m: &aws_sdk_apigateway::types::Model) -> Option<LiveResource> {
    let name = m.name().unwrap_or_default().to_string();
    let mut schema = m
        .schema()
        .map(|s| serde_json::from_str(s).unwrap_or_else(|_| json!(s)))
        .unwrap_or(Value::Null);
    model_urls(&mut schema);
    let aws_default = match schema.get("title").and_then(Value::as_str) {
        Some(t) => t == format!("{name} Schema"),
        None => schema.is_null() || schema == json!({"type": "object"}),
    };
    if DEFAULT_MODELS.contains(&name.as_str()) && m.description() != Some(OURS) && aws_default {
        return None;
    }
    let props = kinds::ModelSchema {
        name: name.clone(),
        content_type: m.content_type().map(str::to_string),
        schema,
    };
    let id = format!("model.{key}.{name}");
    let outs = [("id", m.id().unwrap_or_default()), ("name", &name)];
    Some(child(id, name.clone(), key, &props, &outs))
}

fn gateway_response(key: &str, r: &aws_sdk_apigateway::types::GatewayResponse) -> LiveResource {
    let kind = r
        .response_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let props = kinds::GatewayResponse {
        // LocalStack answers "" for no status; AWS leaves it out.
        status: r
            .status_code()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        response_parameters: sorted(r.response_parameters()),
        response_templates: sorted(r.response_templates()),
    };
    child(
        format!("gateway_response.{key}.{kind}"),
        kind,
        key,
        &props,
        &[],
    )
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
    a: &kinds::ModelSchema,
    schema: &str,
    in_loop: bool,
) -> Result<String, AwsError> {
    let name = a.name.as_str();
    let create = |schema: &str| {
        let schema = schema.to_string();
        async move {
            aws.create(
                || {
                    aws.apigw
                        .create_model()
                        .rest_api_id(api_id)
                        .name(name)
                        .content_type(a.content_type.as_deref().unwrap_or("application/json"))
                        .schema(&schema)
                        .description(OURS)
                        .send()
                },
                || find_model(aws, api_id, name),
            )
            .await
        }
    };
    let (made, sent) = match create(schema).await {
        Err(e) if in_loop && e.has_code("BadRequestException") => {
            (create(PLACEHOLDER_SCHEMA).await, PLACEHOLDER_SCHEMA)
        }
        other => (other, schema),
    };
    match made? {
        Made::Sent(m) => Ok(m.id().unwrap_or_default().to_string()),
        // Ours from a lost answer, or AWS's own default model of that name (Empty, Error):
        // either way it gets the contract's schema.
        Made::Found(out) => {
            if sent == schema && out.get("schema").map(String::as_str) != Some(schema) {
                set_schema(aws, api_id, name, schema).await?;
            }
            if DEFAULT_MODELS.contains(&name) {
                // AWS's own: the reader would go on skipping it by its description.
                aws.call(|| {
                    aws.apigw
                        .update_model()
                        .rest_api_id(api_id)
                        .model_name(name)
                        .patch_operations(patch(Op::Replace, "/description", Some(OURS.into())))
                        .send()
                })
                .await?;
            }
            Ok(out.get("id").cloned().unwrap_or_default())
        }
    }
}

/// The API's model `name` (names are unique per API) with its schema, after a CreateModel
/// whose answer was lost.
async fn find_model(aws: &Aws, api_id: &str, name: &str) -> Result<Option<Out>, AwsError> {
    let got = aws
        .call(|| {
            aws.apigw
                .get_model()
                .rest_api_id(api_id)
                .model_name(name)
                .send()
        })
        .await;
    match got {
        Ok(m) => {
            let mut out = id_out(m.id());
            out.insert("schema".into(), m.schema().unwrap_or_default().into());
            Ok(Some(out))
        }
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The API's authorizer or validator `ch` stands for, as `read` names it, after a create
/// whose answer was lost (names are unique per API for both).
async fn find_named(aws: &Aws, api_id: &str, ch: &Change) -> Result<Option<Out>, AwsError> {
    let items = if ch.kind == Kind::Authorizer {
        let got = aws
            .call(|| {
                aws.apigw
                    .get_authorizers()
                    .rest_api_id(api_id)
                    .limit(500)
                    .send()
            })
            .await?;
        got.items()
            .iter()
            .map(|a| authorizer("", a))
            .collect::<Vec<_>>()
    } else {
        let got = aws
            .call(|| {
                aws.apigw
                    .get_request_validators()
                    .rest_api_id(api_id)
                    .limit(500)
                    .send()
            })
            .await?;
        got.items().iter().map(|v| validator("", v)).collect()
    };
    let name = after(ch).get("name");
    Ok(items
        .into_iter()
        .find(|r| r.props.get("name") == name)
        .map(|r| r.outputs))
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
    let create = action == Action::Create;
    let id = ch.live_outputs.get("id").cloned().unwrap_or_default();
    match ch.kind {
        Kind::Authorizer if create => create_authorizer(aws, ch, &api_id).await,
        Kind::Authorizer => update_authorizer(aws, ch, &api_id, &id).await,
        Kind::Validator if create => {
            let a: kinds::Validator = typed(after(ch))?;
            let made = aws
                .create(
                    || {
                        aws.apigw
                            .create_request_validator()
                            .rest_api_id(&api_id)
                            .name(&a.name)
                            .validate_request_body(a.body.unwrap_or(false))
                            .validate_request_parameters(a.params.unwrap_or(false))
                            .send()
                    },
                    || find_named(aws, &api_id, ch),
                )
                .await?;
            Ok(made.out(|r| id_out(r.id())))
        }
        Kind::Validator => {
            let ops = patches(ch);
            kit::send_patch(aws, ops, |ops| {
                aws.apigw
                    .update_request_validator()
                    .rest_api_id(&api_id)
                    .request_validator_id(&id)
                    .set_patch_operations(ops)
                    .send()
            })
            .await?;
            Ok(ch.live_outputs.clone())
        }
        Kind::Model => {
            let a: kinds::ModelSchema = typed(after(ch))?;
            let schema = serde_json::to_string(&a.schema).unwrap_or_default();
            let payload = |k: &str| ch.payload.as_ref().and_then(|p| p.get(k));
            let created = if create {
                let in_loop = payload("placeholder_schema").is_some();
                create_model(aws, &api_id, &a, &schema, in_loop).await?
            } else {
                set_schema(aws, &api_id, &a.name, &schema).await?;
                id.clone()
            };
            set_peer_schemas(aws, &api_id, payload("then_set_schemas"), outputs).await?;
            Ok([("id".to_string(), created), ("name".to_string(), a.name)].into())
        }
        Kind::GatewayResponse => put_gateway_response(aws, ch, &api_id).await,
        _ => Err(kit::not_here(ch, "REST API")),
    }
}

/// One UpdateAuthorizer: the spec's PATCH table, plus provider ARNs added and removed
/// one by one (a list AWS patches per element).
async fn update_authorizer(
    aws: &Aws,
    ch: &Change,
    api_id: &str,
    id: &str,
) -> Result<Out, AwsError> {
    let (b, a): (kinds::Authorizer, kinds::Authorizer) = (typed(before(ch))?, typed(after(ch))?);
    let mut ops = patches(ch);
    let (old, new) = (
        b.provider_arns.unwrap_or_default(),
        a.provider_arns.unwrap_or_default(),
    );
    for arn in new.iter().filter(|x| !old.contains(x)) {
        ops.push(patch(Op::Add, "/providerARNs", Some(arn.clone())));
    }
    for arn in old.iter().filter(|x| !new.contains(x)) {
        ops.push(patch(Op::Remove, "/providerARNs", Some(arn.clone())));
    }
    kit::send_patch(aws, ops, |ops| {
        aws.apigw
            .update_authorizer()
            .rest_api_id(api_id)
            .authorizer_id(id)
            .set_patch_operations(ops)
            .send()
    })
    .await?;
    Ok(ch.live_outputs.clone())
}

async fn put_gateway_response(aws: &Aws, ch: &Change, api_id: &str) -> Result<Out, AwsError> {
    let a: kinds::GatewayResponse = typed(after(ch))?;
    let map = |m: &Option<BTreeMap<String, String>>| {
        m.as_ref()
            .map(|m| m.clone().into_iter().collect::<HashMap<_, _>>())
    };
    aws.call(|| {
        aws.apigw
            .put_gateway_response()
            .rest_api_id(api_id)
            .response_type(GatewayResponseType::from(ch.name.as_str()))
            .set_status_code(a.status.clone())
            .set_response_parameters(map(&a.response_parameters))
            .set_response_templates(map(&a.response_templates))
            .send()
    })
    .await?;
    Ok(Out::new())
}

async fn create_authorizer(aws: &Aws, ch: &Change, api_id: &str) -> Result<Out, AwsError> {
    let a: kinds::Authorizer = typed(after(ch))?;
    let made = aws
        .create(
            || {
                aws.apigw
                    .create_authorizer()
                    .rest_api_id(api_id)
                    .name(&a.name)
                    .r#type(AuthorizerType::from(a.kind.as_str()))
                    .set_authorizer_uri(a.authorizer_uri.clone())
                    .set_authorizer_credentials(a.credentials.clone())
                    .set_identity_source(a.identity_source.clone())
                    .set_identity_validation_expression(a.validation_regex.clone())
                    .set_authorizer_result_ttl_in_seconds(a.ttl_seconds.map(|n| n as i32))
                    .set_provider_arns(a.provider_arns.clone().filter(|v| !v.is_empty()))
                    .send()
            },
            || find_named(aws, api_id, ch),
        )
        .await?;
    let id = made.out(|r| id_out(r.id()))["id"].clone();
    // moto drops the regex given at create (a typo in its handler); a patch stores it there
    // and is equally valid on AWS.
    if let Some(regex) = &a.validation_regex {
        let op = patch(
            Op::Replace,
            "/identityValidationExpression",
            Some(regex.clone()),
        );
        aws.call(|| {
            aws.apigw
                .update_authorizer()
                .rest_api_id(api_id)
                .authorizer_id(&id)
                .patch_operations(op.clone())
                .send()
        })
        .await?;
    }
    Ok(id_out(Some(&id)))
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
