//! Stack files: schema, loading with overlays and variables, semantic checks.

pub mod edge;
pub mod load;
pub mod monitoring;
pub mod schema;
pub mod v2;

pub use load::{load, Config, LoadOptions};
