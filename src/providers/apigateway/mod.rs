//! REST APIs (API Gateway v1): the APIs, their paths, routes, deployments and stages
//! (`read.rs`, `write.rs`, `stages.rs`), their authorizers, validators, models and gateway
//! responses (`items.rs`), and API keys with usage plans (`usage.rs`).

#[cfg(test)]
mod fidelity;
pub mod items;
pub mod read;
#[cfg(test)]
mod recorded;
pub mod stages;
pub mod usage;
pub mod write;
