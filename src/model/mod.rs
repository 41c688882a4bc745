//! The resource graph: what the stack wants (desired) and what the account has (live),
//! in one shape so the diff can be generic.
//!
//! Values not known before apply (an id AWS assigns) are written as `{{ref:<id>.<attr>}}`
//! inside string props; `refs()` finds them, `resolve()` fills them in from outputs.

pub mod desire;
pub mod edge;
pub mod graph;
pub mod import;
pub mod import_edge;
pub mod import_monitoring;
pub mod import_v2;
pub mod kind;
pub mod kinds;
pub mod monitoring;
pub mod monitoring_metrics;
pub mod owner;
pub mod routes;
pub mod terraform;
pub mod usage;
pub mod v2;
pub mod v2_document;

pub use crate::refs::{is_unknown, ref_placeholder, refs, resolve, resolve_in_place};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

pub use crate::refs::Outputs;
pub use kind::{Kind, Props};

/// A resource the stack declares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    /// Stable id, e.g. `route.main.GET /api/v1/rate-cards`.
    pub id: String,
    pub kind: Kind,
    /// Short human name used in plans, e.g. `GET /api/v1/rate-cards`.
    pub name: String,
    pub props: Props,
    /// Resources this one needs first (besides those its refs name).
    pub deps: BTreeSet<String>,
    /// The owning REST API's id for its children: deleting the API deletes them.
    pub parent: Option<String>,
    pub protect: bool,
    /// Extra data the provider needs but the diff ignores (e.g. the rendered document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
}

impl Resource {
    pub fn new(id: String, kind: Kind, name: String) -> Self {
        Self {
            id,
            kind,
            name,
            props: Props::new(),
            deps: BTreeSet::new(),
            parent: None,
            protect: false,
            payload: None,
        }
    }
    /// A resource whose props are a kind's typed struct.
    pub fn typed<T: kinds::Typed>(id: String, name: String, props: &T) -> Self {
        let mut r = Resource::new(id, T::KIND, name);
        r.props = props.to_props();
        r
    }
    pub fn prop(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.props.insert(key.to_string(), value.into());
        self
    }
    /// Declared deps plus every resource named by a ref in props.
    pub fn all_deps(&self) -> BTreeSet<String> {
        let mut deps = self.deps.clone();
        for v in self.props.values() {
            for (id, _) in refs(v) {
                if id != self.id {
                    deps.insert(id);
                }
            }
        }
        deps
    }
}

/// A resource found in the account, owned by this stack (or a child of one that is).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveResource {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub props: Props,
    pub outputs: BTreeMap<String, String>,
    /// Live resources that must go after this one is deleted (it refers to them).
    pub deps: BTreeSet<String>,
    pub parent: Option<String>,
    pub protect: bool,
}

impl LiveResource {
    /// An item read from AWS, with no dependencies, no parent and not protected.
    pub fn new(
        id: String,
        kind: Kind,
        name: String,
        props: Props,
        outputs: BTreeMap<String, String>,
    ) -> Self {
        LiveResource {
            id,
            kind,
            name,
            props,
            outputs,
            deps: BTreeSet::new(),
            parent: None,
            protect: false,
        }
    }
    /// Live resources that must go after this one is deleted (it refers to them).
    pub fn with_deps(mut self, deps: BTreeSet<String>) -> Self {
        self.deps = deps;
        self
    }
    /// A child of an API (its routes, stages, ...): deleting the API deletes it.
    pub fn under(mut self, parent: String) -> Self {
        self.parent = Some(parent);
        self
    }
    pub fn with_parent(mut self, parent: Option<String>) -> Self {
        self.parent = parent;
        self
    }
    pub fn protected(mut self, protect: bool) -> Self {
        self.protect = protect;
        self
    }
}

/// Live state of one stack: what `plan` compares against.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LiveState {
    pub resources: BTreeMap<String, LiveResource>,
}

/// Marks a second live item claiming an id already read: `<id>~dup2`, `<id>~dup3`, ...
pub const DUP: &str = "~dup";

/// The first `<id>~dupN` (N from 2) that `taken` says is free.
pub fn dup_id(id: &str, taken: impl Fn(&str) -> bool) -> String {
    (2..)
        .map(|n| format!("{id}{DUP}{n}"))
        .find(|c| !taken(c))
        .expect("a free duplicate id")
}

impl LiveState {
    /// Stores `r` under its id. A second item claiming an id already stored (a create that
    /// AWS carried out but answered with an error, then retried; two applies racing) is
    /// kept under `<id>~dupN`, unprotected, so the plan shows it and deletes it instead of
    /// one copy silently hiding the other. The name stays: deletes address some kinds by
    /// name. Returns the id it was stored under.
    pub fn insert(&mut self, mut r: LiveResource) -> String {
        if self.resources.contains_key(&r.id) {
            r.id = dup_id(&r.id, |c| self.resources.contains_key(c));
        }
        // So is whatever is named after one (a duplicate key's attachment to a plan).
        if r.id.contains(DUP) {
            r.protect = false;
        }
        let id = r.id.clone();
        self.resources.insert(id.clone(), r);
        id
    }
    pub fn outputs(&self) -> Outputs {
        self.resources
            .iter()
            .map(|(id, r)| (id.clone(), r.outputs.clone()))
            .collect()
    }
    /// sha256 of everything read: a saved plan is refused when this moved. Canonical JSON:
    /// readers fill some maps from AWS's unordered answers (method settings, responses),
    /// and the same state must always hash the same.
    ///
    /// Hashed resource by resource (the bytes of the whole map's canonical JSON, ids in
    /// order), never the whole state as one value: at 1,000 operations that copy and its
    /// string were the largest thing an apply held (40 MB).
    pub fn digest(&self) -> String {
        use crate::util::{write_canonical, HashWriter};
        use std::io::Write;
        let mut h = HashWriter::default();
        let mut write = || -> std::io::Result<()> {
            h.write_all(b"{")?;
            for (i, (id, r)) in self.resources.iter().enumerate() {
                if i > 0 {
                    h.write_all(b",")?;
                }
                serde_json::to_writer(&mut h, id)?;
                h.write_all(b":")?;
                write_canonical(&serde_json::to_value(r).unwrap_or_default(), &mut h)?;
            }
            h.write_all(b"}")
        };
        // Writing into a hash cannot fail; serde_json's errors here would be a bug.
        let _ = write();
        h.hex()
    }
}

pub fn resolve_props(props: &Props, outputs: &Outputs) -> Props {
    props
        .iter()
        .map(|(k, v)| (k.clone(), resolve(v, outputs)))
        .collect()
}

/// What the stack adopts (`adopt: <AWS id or name>` in a payload) among its items of
/// `kinds`, to their ids.
pub fn adopt_ids(
    desired: &[Resource],
    kinds: &[Kind],
) -> std::collections::HashMap<String, String> {
    desired
        .iter()
        .filter(|r| kinds.contains(&r.kind))
        .filter_map(|r| {
            let id = r.payload.as_ref()?.get(owner::ADOPT)?.as_str()?;
            Some((id.to_string(), r.id.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_second_item_with_an_id_already_read_is_kept_apart_and_unprotected() {
        let item = |aws_id: &str| LiveResource {
            id: "usage_plan.standard".into(),
            kind: Kind::UsagePlan,
            name: "standard".into(),
            props: Props::new(),
            outputs: [("id".to_string(), aws_id.to_string())].into(),
            deps: BTreeSet::new(),
            parent: None,
            protect: true,
        };
        let mut live = LiveState::default();
        assert_eq!(live.insert(item("a")), "usage_plan.standard");
        assert_eq!(live.insert(item("b")), "usage_plan.standard~dup2");
        assert_eq!(live.insert(item("c")), "usage_plan.standard~dup3");
        assert_eq!(live.resources["usage_plan.standard"].outputs["id"], "a");
        assert!(live.resources["usage_plan.standard"].protect);
        let dup = &live.resources["usage_plan.standard~dup2"];
        assert_eq!((dup.outputs["id"].as_str(), dup.protect), ("b", false));
    }

    #[test]
    fn the_digest_does_not_depend_on_the_order_maps_were_filled_in() {
        let state = |keys: &[&str]| {
            let mut settings = serde_json::Map::new();
            for k in keys {
                settings.insert(k.to_string(), json!({"throttling_rate_limit": 10}));
            }
            let mut live = LiveState::default();
            live.insert(LiveResource {
                id: "stage.main.prod".into(),
                kind: Kind::Stage,
                name: "prod".into(),
                props: [("method_settings".to_string(), Value::Object(settings))].into(),
                outputs: BTreeMap::new(),
                deps: BTreeSet::new(),
                parent: None,
                protect: false,
            });
            live
        };
        let digest = |keys: &[&str]| state(keys).digest();
        assert_eq!(digest(&["*/*", "GET /a"]), digest(&["GET /a", "*/*"]));
        assert_ne!(digest(&["*/*"]), digest(&["GET /a"]));
        // Streamed, it is the hash of the whole state's canonical JSON (saved plans made
        // before it was streamed still match), escapes and all.
        let mut live = state(&["GET /b", "*/*"]);
        let mut other = live.resources["stage.main.prod"].clone();
        other.id = "stage.main.ä \"q\"".into();
        other.outputs.insert("n".into(), "1.5e3\n".into());
        live.insert(other);
        let whole = serde_json::to_value(&live.resources).unwrap();
        assert_eq!(
            live.digest(),
            crate::util::sha256_hex(crate::util::canonical_json(&whole).as_bytes())
        );
    }

    #[test]
    fn refs_are_found_and_resolved() {
        let v = json!({"a": format!("x-{}", ref_placeholder("vpc_link.internal", "id"))});
        assert_eq!(
            refs(&v),
            vec![("vpc_link.internal".to_string(), "id".to_string())]
        );
        let mut out = Outputs::new();
        out.insert(
            "vpc_link.internal".into(),
            [("id".to_string(), "abc".to_string())].into(),
        );
        assert_eq!(resolve(&v, &out), json!({"a": "x-abc"}));
        assert!(!is_unknown(&resolve(&v, &out)));
        // In place, the same, and a ref with no output yet stays a placeholder.
        let mut w = json!([v.clone(), {"b": ref_placeholder("vpc_link.other", "id")}, 1]);
        resolve_in_place(&mut w, &out);
        assert_eq!(w[0], json!({"a": "x-abc"}));
        assert!(is_unknown(&w[1]));
        assert_eq!(w[2], 1);
    }
}
