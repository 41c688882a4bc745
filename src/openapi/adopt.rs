//! The contract's own API-wide `x-amazon-apigateway-*` extensions, carried into the document
//! beside the stack's: request validators, gateway responses, API key source, binary media
//! types, minimum compression size and endpoint configuration. The stack wins where both
//! say something different, with a warning naming both places.

use crate::config::contract::Contract;
use crate::diag::Diagnostic;
use serde_json::{Map, Value};

pub const VALIDATORS: &str = "x-amazon-apigateway-request-validators";
pub const VALIDATOR: &str = "x-amazon-apigateway-request-validator";
const BY_NAME: &[&str] = &[VALIDATORS, "x-amazon-apigateway-gateway-responses"];
const SCALARS: &[&str] = &[
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-endpoint-configuration",
];

/// Lay the contract's API-wide extensions under what the stack put in `doc`.
pub fn contract_extensions(contract: &Contract, api_key: &str, doc: &mut Value) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let at = |keys: &[&str]| {
        contract
            .source
            .find(keys)
            .map(|l| l.to_string())
            .unwrap_or_else(|| contract.source.path.display().to_string())
    };
    let mut differs = |what: String, was: &Value, now: &Value, place: String| {
        warnings.push(
            Diagnostic::warning(
                "override",
                format!("{what}: the contract says {was} ({place}); the stack's rest_apis.{api_key} says {now}, which is applied"),
            )
            .hint("drop one of the two so the contract and the stack agree"),
        );
    };
    for key in BY_NAME {
        let Some(theirs) = contract.doc.get(*key).and_then(Value::as_object) else {
            continue;
        };
        let ours = doc
            .as_object_mut()
            .expect("a document")
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(ours) = ours.as_object_mut() else {
            continue;
        };
        for (name, v) in theirs {
            match ours.get(name) {
                None => {
                    ours.insert(name.clone(), v.clone());
                }
                Some(mine) if mine != v => {
                    differs(format!("{key}.{name}"), v, mine, at(&[key, name]));
                }
                Some(_) => {}
            }
        }
    }
    for key in SCALARS {
        let Some(theirs) = contract.doc.get(*key) else {
            continue;
        };
        match doc.get(*key) {
            None => doc[*key] = theirs.clone(),
            Some(mine) if mine != theirs => {
                differs(key.to_string(), theirs, &mine.clone(), at(&[key]));
            }
            Some(_) => {}
        }
    }
    warnings
}

/// The contract's validator for an operation (its own, else the document's default).
pub fn contract_validator<'a>(
    contract: &'a Contract,
    op_pointer: &str,
) -> (Option<&'a str>, Option<&'a str>) {
    let op = contract
        .doc
        .pointer(&format!("{op_pointer}/{VALIDATOR}"))
        .and_then(Value::as_str);
    (op, contract.doc.get(VALIDATOR).and_then(Value::as_str))
}
