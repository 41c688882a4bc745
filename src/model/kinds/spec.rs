//! The shape of a kind's entry: its `Spec` row and, for typed kinds, the `Typed` trait.

use crate::model::kind::{Kind, Props};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What the engine knows of a kind.
#[derive(Debug)]
pub struct Spec {
    /// The word plans use: `+ authorizer jwt`.
    pub label: &'static str,
    /// Props whose change cannot be made in place: the resource is replaced.
    pub replace: &'static [&'static str],
    /// Objects under these keys are compared only on the fields the stack declares: AWS
    /// fills the rest with defaults that differ between AWS and emulators.
    pub sparse: &'static [&'static str],
    /// Objects under these keys read field by field in a plan even as they come or go
    /// (`canary.percent: none → 10`), not as one line holding the whole object.
    pub fields: &'static [&'static str],
    /// An API whose children (routes, stages, ...) go with it when it is deleted.
    pub api: bool,
    /// (prop, API Gateway PATCH path) of the props an update replaces in place.
    pub patch: &'static [(&'static str, &'static str)],
    /// The API Gateway write calls each action makes, for the bulk cost model. Kinds whose
    /// cost depends on their props (routes) are counted in `apply::bulk`.
    pub calls: Calls,
    /// (prop, JSON value) a ground may fill in where nothing was sent: read back against a
    /// stack that says nothing, it is no change.
    pub filled: &'static [(&'static str, &'static str)],
}

#[derive(Debug)]
pub struct Calls {
    pub create: &'static [&'static str],
    pub update: &'static [&'static str],
    pub delete: &'static [&'static str],
}

impl Spec {
    /// Whether `live` is what a ground fills into `key` when the stack sends nothing.
    pub fn is_filled(&self, key: &str, live: &serde_json::Value) -> bool {
        self.filled.iter().any(|(k, v)| {
            *k == key && serde_json::from_str::<serde_json::Value>(v).ok().as_ref() == Some(live)
        })
    }
}

impl Calls {
    pub const NONE: Calls = Calls {
        create: &[],
        update: &[],
        delete: &[],
    };
}

impl Spec {
    pub const fn new(label: &'static str) -> Spec {
        Spec {
            label,
            replace: &[],
            sparse: &[],
            fields: &[],
            api: false,
            patch: &[],
            calls: Calls::NONE,
            filled: &[],
        }
    }
}

/// A kind's props as a struct. Serialized, it is the `Props` map the diff compares.
pub trait Typed: Serialize + DeserializeOwned + Default {
    const KIND: Kind;
    fn to_props(&self) -> Props {
        props_of(self)
    }
    /// The struct back from props (a plan's `before`/`after`); names the kind on a mismatch.
    fn from_props(p: &Props) -> Result<Self, String> {
        struct_of(p, Self::KIND)
    }
}

/// A props struct as the `Props` map (for structs that serve more than one kind).
pub fn props_of<T: Serialize>(t: &T) -> Props {
    match serde_json::to_value(t) {
        Ok(serde_json::Value::Object(o)) => o.into_iter().collect(),
        _ => Props::new(),
    }
}

/// A props struct back from the map; an error names `kind`.
pub fn struct_of<T: DeserializeOwned>(p: &Props, kind: Kind) -> Result<T, String> {
    let value = serde_json::Value::Object(p.clone().into_iter().collect());
    serde_json::from_value(value).map_err(|e| {
        let kind = serde_json::to_value(kind).unwrap_or_default();
        format!(
            "{} props do not fit: {e}",
            kind.as_str().unwrap_or("resource")
        )
    })
}
