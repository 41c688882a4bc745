//! idrv5-gw: AWS API Gateway stacks as code.
//!
//! Data flow: `config` (load + check) → `model` (desired graph) → `providers` (live read and
//! writes; the only code touching aws-sdk types) → `plan` (diff, renderers) → `apply` (graph
//! walk with rate limits and retries) → `cli`.

pub mod apply;
pub mod cache;
pub mod cli;
pub mod config;
pub mod diag;
pub mod dns;
pub mod model;
pub mod openapi;
pub mod plan;
pub mod providers;
pub mod refs;
pub mod util;

#[cfg(test)]
mod layering;
