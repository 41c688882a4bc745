//! OpenAPI contracts: the import document the stack implies, import-compat lint.

pub mod adopt;
pub mod compat;
pub mod cors;
pub mod integration;
pub mod lint;
pub mod models;
pub mod render;
pub mod security;
pub mod yaml;

/// The contract loader lives in `config` (stack files name contracts); re-exported here.
pub use crate::config::contract;
