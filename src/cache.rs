//! What one run learns for the next, per account and region: small JSON files in the user's
//! cache directory (`$IDRV5_GW_CACHE_DIR`, else `$XDG_CACHE_HOME/idrv5-gw`, else
//! `~/.cache/idrv5-gw`). When the scarce quotas were last spent (providers::limits), how much
//! of an import the endpoint carries (apply::bulk). Losing a file only costs a guess.

use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};

fn dir() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    env("IDRV5_GW_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|d| d.join("idrv5-gw")))
        .or_else(|| env("HOME").map(|d| d.join(".cache").join("idrv5-gw")))
}

/// `<dir>/<name>-<key>.json`; `key` names the account (see `key`).
pub fn file(name: &str, key: &str) -> Option<PathBuf> {
    Some(dir()?.join(format!("{name}-{key}.json")))
}

/// An account and region as seen from here: endpoint, region and access key id (the account
/// id itself needs a call to learn).
pub fn key(endpoint: &str, region: &str, access_key: &str) -> String {
    let h = crate::util::sha256_hex(format!("{endpoint}|{region}|{access_key}").as_bytes());
    h[..16].to_string()
}

/// The file's value, or the default when it is missing or unreadable.
pub fn load<T: DeserializeOwned + Default>(path: &Path) -> T {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Written whole and renamed into place, so a reader never sees half of it.
pub fn save<T: Serialize>(path: &Path, value: &T) {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|_| std::fs::write(&tmp, serde_json::to_vec(value).unwrap_or_default()))
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        tracing::debug!(path = %path.display(), error = %e, "cache file not written");
    }
}
