//! WAFv2, ACM, custom domains and Route53 (issue 4): not implemented yet. No stack key
//! produces these kinds today, so nothing reaches `put`/`delete`; they refuse plainly if it
//! ever does, rather than pretend.

use super::apigateway_write::Out;
use super::aws::{Aws, AwsError};
use crate::model::{LiveState, Outputs, Resource};
use crate::plan::{Action, Change};

pub async fn read(
    _aws: &Aws,
    _owner: &str,
    _desired: &[Resource],
    _live: &mut LiveState,
) -> Result<(), AwsError> {
    Ok(())
}

pub async fn put(
    _aws: &Aws,
    ch: &Change,
    _outputs: &Outputs,
    _owner: &str,
    _action: Action,
) -> Result<Out, AwsError> {
    Err(AwsError::Service {
        op: "apply".into(),
        code: "Unsupported".into(),
        message: format!(
            "{}: WAF, certificates and custom domains are not implemented yet (issue 4)",
            ch.id
        ),
    })
}

pub async fn delete(_aws: &Aws, ch: &Change, _outputs: &Outputs) -> Result<(), AwsError> {
    Err(AwsError::Service {
        op: "apply".into(),
        code: "Unsupported".into(),
        message: format!(
            "{}: WAF, certificates and custom domains are not implemented yet (issue 4)",
            ch.id
        ),
    })
}
