//! WAFv2: IP sets, the web ACL and its stage associations.
//!
//! Updates fetch the lock token and retry WAFOptimisticLockException; associating retries
//! WAFUnavailableEntityException (a new stage is not visible to WAF at once). WAF writes are
//! paced at 1/s by the rate limiter.

mod read;
mod shared;
mod write;

pub use read::{on_stage, read, stage_arn, tags_of};
pub use write::{delete, put};
