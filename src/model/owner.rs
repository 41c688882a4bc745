//! Ownership: the tags every created item carries and the one filter every reader uses.
//! What carries no `idrv5-gw:stack` tag naming this stack is never modified or deleted.

use std::collections::HashMap;

/// `<stack>/<environment>` of the stack that owns the item.
pub const TAG_STACK: &str = "idrv5-gw:stack";
/// The resource id in the stack, e.g. `usage_plan.standard`.
pub const TAG_ID: &str = "idrv5-gw:id";
/// `true` where deleting or replacing needs `--allow-destroy-protected`.
pub const TAG_PROTECT: &str = "idrv5-gw:protect";
/// The hosted zone a domain's or certificate's records live in.
pub const TAG_ZONE: &str = "idrv5-gw:zone";
/// A domain created with base path mappings (see docs/EMULATOR.md).
pub const TAG_MAPPED: &str = "idrv5-gw:mapped";
/// Set on API keys created with a stack-given value: only those are compared by digest.
pub const TAG_VALUE_SOURCE: &str = "idrv5-gw:value-source";
/// Deployment descriptions carry the document fingerprint: `idrv5-gw sha256:<hex>`.
pub const DEPLOYMENT_PREFIX: &str = "idrv5-gw ";
/// The payload key of an item the stack names to take over (`adopt:`): its AWS id, or
/// `true` for one known by name (a log group).
pub const ADOPT: &str = "adopt";
/// The live output that marks an item the stack adopts (`adopt:`), not tagged as its own
/// yet: its change tags it (`~ adopt`).
pub const ADOPTED: &str = "adopted";
/// Marks a live value the emulator does not report; the diff treats it as matching.
pub const UNREADABLE: &str = "{{unreadable}}";

/// `Some((resource id, protect))` when the tags name `owner` as the stack and carry an id.
pub fn owned<K, V>(tags: impl IntoIterator<Item = (K, V)>, owner: &str) -> Option<(String, bool)>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let (mut stack, mut id, mut protect) = (None, None, false);
    for (k, v) in tags {
        match k.as_ref() {
            TAG_STACK => stack = Some(v.as_ref() == owner),
            TAG_ID => id = Some(v.as_ref().to_string()),
            TAG_PROTECT => protect = v.as_ref() == "true",
            _ => {}
        }
    }
    match (stack, id) {
        (Some(true), Some(id)) => Some((id, protect)),
        _ => None,
    }
}

/// `owned` for the tag maps API Gateway (v1 and v2) answers with.
pub fn owned_map(tags: Option<&HashMap<String, String>>, owner: &str) -> Option<(String, bool)> {
    owned(tags?, owner)
}

/// The protect tag of a child (a stage) whose ownership comes through its API.
pub fn protected(tags: Option<&HashMap<String, String>>) -> bool {
    tags.and_then(|t| t.get(TAG_PROTECT))
        .is_some_and(|v| v == "true")
}

/// The stack tag's value when another stack owns the item (for "owned by …" conflicts).
pub fn other_owner<K, V>(tags: impl IntoIterator<Item = (K, V)>, owner: &str) -> Option<String>
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    tags.into_iter()
        .find(|(k, _)| k.as_ref() == TAG_STACK)
        .map(|(_, v)| v.as_ref().to_string())
        .filter(|v| v != owner)
}

/// The tags a create writes: the user's own, then the ownership tags (which win).
pub fn tags_for(
    user: impl IntoIterator<Item = (String, String)>,
    owner: &str,
    id: &str,
    protect: bool,
) -> HashMap<String, String> {
    let mut t: HashMap<String, String> = user.into_iter().collect();
    t.insert(TAG_STACK.into(), owner.into());
    t.insert(TAG_ID.into(), id.into());
    if protect {
        t.insert(TAG_PROTECT.into(), "true".into());
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_tags_naming_this_stack_and_an_id_are_ownership() {
        let t = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let mine = t(&[(TAG_STACK, "s/dev"), (TAG_ID, "rest_api.main")]);
        assert_eq!(
            owned(mine.clone(), "s/dev"),
            Some(("rest_api.main".to_string(), false))
        );
        assert_eq!(owned(mine.clone(), "s/prod"), None);
        assert_eq!(other_owner(mine, "s/prod").as_deref(), Some("s/dev"));
        assert_eq!(owned(t(&[(TAG_STACK, "s/dev")]), "s/dev"), None);
        let protected = t(&[(TAG_PROTECT, "true"), (TAG_STACK, "s/dev"), (TAG_ID, "x")]);
        assert!(owned(protected, "s/dev").unwrap().1);
        let written = tags_for(
            t(&[(TAG_STACK, "spoofed"), ("team", "a")]),
            "s/dev",
            "x",
            true,
        );
        assert_eq!(written[TAG_STACK], "s/dev");
        assert_eq!(written["team"], "a");
        assert_eq!(written[TAG_PROTECT], "true");
    }
}
