//! API keys, usage plans and usage-plan keys: read what the stack owns, write changes.
//!
//! Reads: GetApiKeys (values included, only to hash them), GetUsagePlans, and GetUsagePlanKeys
//! per owned plan. Key values are read at apply time from the source the payload names and
//! never leave this module: props carry their digest, errors are scrubbed of them.
//!
//! UpdateUsagePlan is allowed once per 20 s per account, so every change to one plan goes in
//! one call.

mod read;
mod write;

pub use read::read;
pub use read::{attached_ids, plan_resource};
pub use write::{delete, plan_patch, put};
