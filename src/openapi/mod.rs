//! OpenAPI contracts: loading, the import document the stack implies, import-compat lint.

pub mod contract;
pub mod lint;
pub mod render;
