//! Lambda invoke permissions for API Gateway: one statement per function and REST API, owned
//! by its statement id (`idrv5-gw-<stack>-<environment>-<api>`).

use super::aws::{Aws, AwsError};
use crate::model::desire::function_of_uri;
use crate::model::kinds::{LambdaPermission, Typed};
use crate::model::{Kind, LiveResource, LiveState};
use crate::plan::Change;
use crate::providers::kit::{self, Out};
use serde_json::Value;
use std::collections::BTreeSet;

/// Read our statements on the functions the stack names or owned APIs invoke today.
pub async fn read(
    aws: &Aws,
    owner: &str,
    desired_functions: &BTreeSet<String>,
    rest: &LiveState,
    live: &mut LiveState,
) -> Result<(), AwsError> {
    let mut functions = desired_functions.clone();
    for r in rest.resources.values() {
        let uri = match r.kind {
            Kind::Route => r
                .props
                .get("integration")
                .and_then(|i| i.get("uri"))
                .and_then(Value::as_str),
            Kind::Authorizer => r.props.get("authorizer_uri").and_then(Value::as_str),
            _ => None,
        };
        functions.extend(uri.and_then(function_of_uri).map(str::to_string));
    }
    let prefix = crate::model::desire::statement_id(owner, "");
    for f in functions {
        let policy = match aws
            .call(|| aws.lambda.get_policy().function_name(&f).send())
            .await
        {
            Ok(p) => p.policy().unwrap_or_default().to_string(),
            Err(e) if e.is_not_found() => continue, // no policy, or no such function
            // Not a function name at all (an imported document's `function-name` example):
            // it holds no statement of ours.
            Err(e) if e.has_code("ValidationException") => continue,
            Err(e) => return Err(e),
        };
        let doc: Value = serde_json::from_str(&policy).unwrap_or(Value::Null);
        for st in doc["Statement"].as_array().into_iter().flatten() {
            let Some(sid) = st["Sid"].as_str().filter(|s| s.starts_with(&prefix)) else {
                continue;
            };
            let api = &sid[prefix.len()..];
            let name = f.rsplit(':').next().unwrap_or_default();
            let props = LambdaPermission {
                function: f.clone(),
                statement_id: sid.to_string(),
                source_arn: st["Condition"]["ArnLike"]["AWS:SourceArn"]
                    .as_str()
                    .map(str::to_string),
            }
            .to_props();
            live.insert(LiveResource::new(
                format!("lambda_permission.{api}.{name}"),
                Kind::LambdaPermission,
                format!("{name} ← {api}"),
                props,
                Default::default(),
            ));
        }
    }
    Ok(())
}

pub async fn put(aws: &Aws, ch: &Change) -> Result<Out, AwsError> {
    if ch.before.is_some() {
        delete(aws, ch).await?;
    }
    let a: LambdaPermission = kit::typed(kit::after(ch))?;
    let (function, sid) = (&a.function, &a.statement_id);
    let source = a.source_arn.clone().unwrap_or_default();
    let r = aws
        .call(|| {
            aws.lambda
                .add_permission()
                .function_name(function)
                .statement_id(sid)
                .action("lambda:InvokeFunction")
                .principal("apigateway.amazonaws.com")
                .source_arn(&source)
                .send()
        })
        .await;
    match r {
        // Left by an interrupted apply: the statement is there.
        Err(AwsError::Service { code, .. }) if code == "ResourceConflictException" => {
            Ok(Out::new())
        }
        r => r.map(|_| Out::new()),
    }
}

pub async fn delete(aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    let b: LambdaPermission = kit::typed(kit::before(ch))?;
    let (function, sid) = (&b.function, &b.statement_id);
    match aws
        .call(|| {
            aws.lambda
                .remove_permission()
                .function_name(function)
                .statement_id(sid)
                .send()
        })
        .await
    {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}
