//! Config → API keys, usage plans and the keys attached to them.

use super::Resource;
use crate::config::Config;
use crate::diag::Diagnostic;

pub fn desire(_cfg: &Config) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    Ok(Vec::new())
}
