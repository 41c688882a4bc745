//! Config → CloudWatch alarms and dashboards generated from what the stack declares.

use super::Resource;
use crate::config::Config;
use crate::diag::Diagnostic;

pub fn desire(_cfg: &Config, _region: &str, _others: &[Resource]) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    Ok(Vec::new())
}
