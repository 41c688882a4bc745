//! Specs of the kinds whose props are still a string-keyed map (see docs/ARCHITECTURE.md,
//! "Typed kinds"): moving one to a typed struct moves its row into a file of its own.

use super::spec::Spec;

pub const WEB_ACL: Spec = Spec {
    replace: &["name", "scope"],
    ..Spec::new("web_acl")
};
