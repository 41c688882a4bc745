//! `#[serde(with = "whole")]` for an `Option<f64>` prop: whole numbers are written without
//! a fraction, so a plan reads `rate_limit: 50`, not `50.0`, and the live side (which AWS
//! gives as a double) compares equal to what the stack wrote.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A number as JSON: whole numbers without a fraction.
pub fn number(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        serde_json::json!(x as i64)
    } else {
        serde_json::json!(x)
    }
}

pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    v.map(number).serialize(s)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}

/// `#[serde(serialize_with = "whole::plain")]` for an `f64` prop.
pub fn plain<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    number(*v).serialize(s)
}
