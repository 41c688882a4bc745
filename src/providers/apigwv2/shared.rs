//! Names and shapes the v2 reader and writers share.

/// Page size of the v2 lists.
pub const PAGE: &str = "500";

/// `http_api.main` → `main`.
pub fn key_of(api_resource_id: &str) -> &str {
    api_resource_id
        .split_once('.')
        .map(|(_, k)| k)
        .unwrap_or(api_resource_id)
}

pub fn is_websocket(api_resource_id: &str) -> bool {
    api_resource_id.starts_with("websocket_api.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_kinds_come_off_the_parent_id() {
        assert_eq!(key_of("http_api.main"), "main");
        assert_eq!(key_of("websocket_api.chat.v2"), "chat.v2");
        assert!(is_websocket("websocket_api.chat"));
        assert!(!is_websocket("http_api.chat"));
    }
}
