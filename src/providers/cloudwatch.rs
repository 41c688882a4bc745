//! CloudWatch alarms (owned by tag) and dashboards (owned by name prefix).

use super::apigateway_write::Out;
use super::aws::{Aws, AwsError};
use crate::model::{LiveState, Resource};
use crate::plan::Change;

pub async fn read(_aws: &Aws, _owner: &str, _desired: &[Resource], _live: &mut LiveState) -> Result<(), AwsError> {
    Ok(())
}

pub async fn put(_aws: &Aws, ch: &Change, _owner: &str) -> Result<Out, AwsError> {
    Err(AwsError::Service { op: "apply".into(), code: "Unsupported".into(), message: format!("{} cannot be applied yet", ch.id) })
}

pub async fn delete(_aws: &Aws, ch: &Change) -> Result<(), AwsError> {
    Err(AwsError::Service { op: "apply".into(), code: "Unsupported".into(), message: format!("{} cannot be deleted yet", ch.id) })
}
