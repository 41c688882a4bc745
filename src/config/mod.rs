//! Stack files: schema, loading with overlays and variables, semantic checks.

mod check;
pub mod contract;
pub mod edge;
pub mod file;
pub mod load;
pub mod monitoring;
pub mod schema;
pub mod source;
pub mod swagger;
mod templates;
pub mod v2;

pub use load::{load, Config, LoadOptions};
