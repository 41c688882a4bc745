//! The integration tests: one test binary (each binary links the whole AWS SDK, so one link
//! instead of fourteen). `cargo test --test it` runs them all, `cargo test --test it faults::`
//! one group. Most tests start their own `moto_server` (see `common`).

mod common;

mod adopt;
mod adopt_edge;
mod bulk;
mod canary;
mod e2e;
mod edge;
mod emulator_harness;
mod errors;
mod faults;
mod fuzz;
mod gate;
mod grounds;
mod integrations;
mod lambda;
mod lifecycle;
mod lock;
mod models;
mod monitoring;
mod pipeline;
mod protect;
mod snapshots;
mod terraform;
mod usage;
mod v2;
