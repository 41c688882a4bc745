//! Config → the edge: WAF IP sets and web ACLs with their stage associations, ACM
//! certificates with DNS validation records, custom domains, base path mappings, DNS records.
//! Not implemented yet (issue 4): the stack schema has no keys for them, so this yields none.

use super::Resource;
use crate::config::Config;
use crate::diag::Diagnostic;

pub fn desire(_cfg: &Config, _region: &str) -> Result<Vec<Resource>, Vec<Diagnostic>> {
    Ok(Vec::new())
}
