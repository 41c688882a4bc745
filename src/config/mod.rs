//! Stack files: schema, loading with overlays and variables, semantic checks.

pub mod edge;
pub mod load;
pub mod monitoring;
pub mod schema;

pub use load::{load, Config, LoadOptions};
