//! OpenAPI contracts: loading, the import document the stack implies, import-compat lint.

pub mod contract;
pub mod cors;
pub mod lint;
pub mod models;
pub mod render;
pub mod render_v2;
pub mod security;
