//! What every provider shares: reading a change's props, the outputs a write returns, the
//! ownership tags a create sends, and PATCH operations from the plan's diffs (the pager is
//! `pages.rs`).

use crate::model::{Outputs, Props};
use crate::plan::Change;
use crate::providers::aws::{Aws, AwsError};
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_smithy_runtime_api::http::Response;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Attributes a write reports (`id`, `arn`, ...), merged into the plan's outputs.
pub type Out = BTreeMap<String, String>;

static EMPTY: Props = Props::new();

/// The desired props of a change (empty for a delete).
pub fn after(ch: &Change) -> &Props {
    ch.after.as_ref().unwrap_or(&EMPTY)
}

/// The live props of a change (empty for a create).
pub fn before(ch: &Change) -> &Props {
    ch.before.as_ref().unwrap_or(&EMPTY)
}

pub fn s<'a>(p: &'a Props, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

pub fn str_of(p: &Props, k: &str) -> String {
    s(p, k).unwrap_or_default().to_string()
}

pub fn flag(p: &Props, k: &str) -> Option<bool> {
    p.get(k).and_then(Value::as_bool)
}

/// A list of strings (`p.get("k")`); anything else is empty.
pub fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A map of strings (`p.get("k")`), for request/response parameters and templates.
pub fn string_map(v: Option<&Value>) -> Option<HashMap<String, String>> {
    v.and_then(Value::as_object).map(|o| {
        o.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect()
    })
}

/// The fields of a settings struct that are set (serialized, nulls left out): for patches
/// that go field by field.
pub fn set_fields<T: serde::Serialize>(t: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(t) {
        Ok(Value::Object(o)) => o.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => serde_json::Map::new(),
    }
}

/// A resource's AWS attribute from the outputs known so far.
pub fn out_of(outputs: &Outputs, id: &str, attr: &str) -> Result<String, AwsError> {
    outputs
        .get(id)
        .and_then(|o| o.get(attr))
        .cloned()
        .ok_or_else(|| {
            err(
                "apply",
                "MissingDependency",
                format!("{id} has no {attr} yet (was it created?)"),
            )
        })
}

/// The AWS id of the item a change is about, as read or as created.
pub fn live_id(ch: &Change, outputs: &Outputs) -> Result<String, AwsError> {
    if let Some(id) = ch.live_outputs.get("id").filter(|v| !v.is_empty()) {
        return Ok(id.clone());
    }
    out_of(outputs, &ch.id, "id")
}

/// The AWS id of the API a child change belongs to.
pub fn parent_id(ch: &Change, outputs: &Outputs) -> Result<String, AwsError> {
    out_of(outputs, ch.parent.as_deref().unwrap_or_default(), "id")
}

pub fn id_out(id: Option<&str>) -> Out {
    [("id".to_string(), id.unwrap_or_default().to_string())].into()
}

/// The user's tags from the payload plus the ownership tags.
pub fn tags(ch: &Change, owner: &str) -> HashMap<String, String> {
    let user = ch
        .payload
        .as_ref()
        .and_then(|p| p.get("tags"))
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())));
    crate::model::owner::tags_for(user, owner, &ch.id, ch.protect)
}

/// An error of ours in AWS's shape (a missing dependency, an unsupported item).
pub fn err(op: &str, code: &str, message: impl Into<String>) -> AwsError {
    AwsError::Service {
        op: op.into(),
        code: code.into(),
        message: message.into(),
    }
}

/// A delete of something already gone is done.
pub fn ignore_missing<T>(r: Result<T, AwsError>) -> Result<(), AwsError> {
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(e),
    }
}

/// "Already exists" as done: the item was made by an attempt whose answer was lost, or by
/// an interrupted apply; the next plan compares what it holds.
pub fn ignore_conflict<T>(r: Result<T, AwsError>) -> Result<(), AwsError> {
    match r {
        Err(e) if !e.has_code("ConflictException") => Err(e),
        _ => Ok(()),
    }
}

/// The outputs of `id` in what a reader read: what a create whose answer was lost made.
pub fn outputs_in(mut live: crate::model::LiveState, id: &str) -> Option<Out> {
    live.resources.remove(id).map(|r| r.outputs)
}

/// A change routed to a service area that does not write its kind: a bug, said as one.
pub fn not_here(ch: &Change, area: &str) -> AwsError {
    err(
        "apply",
        "NotBuilt",
        format!("{} is a {}, not a {area} item", ch.id, ch.kind.as_str()),
    )
}

/// One API Gateway PATCH operation.
pub fn patch(op: Op, path: &str, value: Option<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value)
        .build()
}

/// A key inside a PATCH path (`/binaryMediaTypes/image~1png`), escaped as JSON Pointer.
pub fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// The PATCH operations of an update: a Replace for each prop the plan found changed (its
/// `diffs`) that the kind's spec maps to a PATCH path, with the wanted value as resolved.
/// Props outside the table (lists added and removed item by item) are the caller's.
pub fn patches(ch: &Change) -> Vec<PatchOperation> {
    let changed: std::collections::BTreeSet<&str> = ch
        .diffs
        .iter()
        .map(|d| d.key.split(['.', '[']).next().unwrap_or_default())
        .collect();
    ch.kind
        .spec()
        .patch
        .iter()
        .filter(|(k, _)| changed.contains(k))
        .map(|(k, path)| {
            let v = match after(ch).get(*k) {
                Some(Value::String(x)) => x.clone(),
                Some(Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            patch(Op::Replace, path, Some(v))
        })
        .collect()
}

/// A change's props as the kind's typed struct (`Typed::from_props`).
pub fn typed<T: crate::model::kinds::Typed>(p: &Props) -> Result<T, AwsError> {
    T::from_props(p).map_err(|e| err("apply", "InvalidPlan", e))
}

/// Send one API Gateway Update* call with these patch operations (`send(ops)` builds and
/// sends it), unless there are none: an update with nothing to change is no call at all.
pub async fn send_patch<T, E, F, Fut>(
    aws: &Aws,
    ops: Vec<PatchOperation>,
    mut send: F,
) -> Result<(), AwsError>
where
    F: FnMut(Option<Vec<PatchOperation>>) -> Fut,
    Fut: std::future::Future<Output = Result<T, SdkError<E, Response>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if ops.is_empty() {
        return Ok(());
    }
    aws.call(|| send(Some(ops.clone()))).await.map(|_| ())
}
