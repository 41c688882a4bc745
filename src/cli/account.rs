//! What the CLI checks of the AWS setup before the first call, so a typo is named as one:
//! a profile that no config file defines, a region name that is not one.

use anyhow::{bail, Result};
use std::path::PathBuf;

/// Regions this build knows (2026). A name of the right shape that is missing here is only
/// warned about: AWS adds regions.
const REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];

/// The profile `--profile` / `AWS_PROFILE` names must be defined in the AWS config or
/// credentials file; otherwise the SDK only says it found no credentials.
pub fn check_profile(profile: Option<&str>) -> Result<()> {
    let Some(profile) = profile.filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default))
    };
    let mut known = Vec::new();
    for (path, prefixed) in [
        (file("AWS_CONFIG_FILE", "config"), true),
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
    ] {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for line in text.lines().map(str::trim) {
            let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) else {
                continue;
            };
            let name = name.trim();
            let name = match (prefixed, name.strip_prefix("profile ")) {
                (true, Some(n)) => n.trim(),
                (true, None) if name == "default" => name,
                (true, None) => continue, // [sso-session x], [services x]
                (false, _) => name,
            };
            known.push(name.to_string());
        }
    }
    if known.iter().any(|k| k == profile) {
        return Ok(());
    }
    known.sort();
    known.dedup();
    let listed = if known.is_empty() {
        "none is defined there".to_string()
    } else {
        format!("defined: {}", known.join(", "))
    };
    bail!("AWS profile `{profile}` (from --profile or AWS_PROFILE) is not in ~/.aws/config or ~/.aws/credentials ({listed}): fix the name, or set it up with `aws configure --profile {profile}` (or `aws configure sso`)")
}

/// A region name must look like one (`eu-west-1`); one this build does not know is a
/// warning, unless an endpoint override (an emulator) makes any name work.
pub fn check_region(region: &str, endpoint: bool) -> Result<Option<String>> {
    let parts: Vec<&str> = region.split('-').collect();
    let shaped = parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()));
    if !shaped {
        bail!("`{region}` is not an AWS region name (like eu-west-1): fix --region, the stack's `region:` or AWS_REGION");
    }
    if REGIONS.contains(&region) || endpoint {
        return Ok(None);
    }
    Ok(Some(format!("region `{region}` is not one this idrv5-gw knows (is it a typo?); calls to it are tried all the same")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_checked_by_shape_and_known_ones() {
        assert!(check_region("ap-southeast-2", false).unwrap().is_none());
        assert!(check_region("us-gov-west-1", false).unwrap().is_none());
        assert!(check_region("eu-west", false).is_err());
        assert!(check_region("EU-WEST-1", false).is_err());
        assert!(check_region("us-east-3", false).unwrap().is_some());
        assert!(check_region("us-east-3", true).unwrap().is_none());
    }
}
