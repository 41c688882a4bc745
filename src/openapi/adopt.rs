//! The contract's own API-wide `x-amazon-apigateway-*` extensions, carried into the document
//! beside the stack's: request validators, gateway responses, API key source, binary media
//! types, minimum compression size, endpoint configuration and the resource policy. The stack wins where both
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
    "x-amazon-apigateway-policy",
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

/// Extensions carried where they stand: the document's, a path item's, an operation's, a
/// security scheme's.
const CARRIED_DOC: &[&str] = &[
    VALIDATORS,
    VALIDATOR,
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-policy",
];
const CARRIED_PATH: &[&str] = &[crate::config::contract::ANY_METHOD];
const CARRIED_OP: &[&str] = &[
    "x-amazon-apigateway-integration",
    VALIDATOR,
    "x-amazon-apigateway-auth",
];
const CARRIED_SCHEME: &[&str] = &[
    "x-amazon-apigateway-authorizer",
    "x-amazon-apigateway-authtype",
];

/// A warning (`X1`) for each `x-amazon-apigateway-*` extension of the contract that the
/// stack does not carry, naming it and its file:line: nothing the user wrote is dropped
/// without a word.
pub fn not_carried(contract: &Contract) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut check = |obj: Option<&Value>, carried: &[&str], at: &[&str]| {
        for key in obj
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            if !key.starts_with("x-amazon-apigateway-") || carried.contains(&key.as_str()) {
                continue;
            }
            let mut keys = at.to_vec();
            keys.push(key);
            let why = match key.as_str() {
                "x-amazon-apigateway-documentation" => "documentation parts are not managed by idrv5-gw; import them with `aws apigateway import-documentation-parts`, or remove the extension",
                "x-amazon-apigateway-cors"
                | "x-amazon-apigateway-integrations"
                | "x-amazon-apigateway-importexport-version"
                | "x-amazon-apigateway-route-selection-expression" => "an HTTP or WebSocket API extension, which a REST API's import ignores too; remove it, or declare the API under http_apis",
                _ => "not an extension API Gateway's REST import reads at this place; remove it",
            };
            let place = contract
                .source
                .find(&keys)
                .unwrap_or_else(|| contract.source.at_line(1, 1));
            out.push(
                Diagnostic::warning(
                    "X1",
                    format!("{} is not carried into the API", keys.join(".")),
                )
                .hint(why)
                .at(Some(place)),
            );
        }
    };
    let doc = &contract.doc;
    check(Some(doc), CARRIED_DOC, &[]);
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        check(Some(item), CARRIED_PATH, &["paths", path]);
        for (method, op) in item.as_object().into_iter().flatten() {
            if op.is_object() && !method.starts_with("x-")
                || method == crate::config::contract::ANY_METHOD
            {
                check(Some(op), CARRIED_OP, &["paths", path, method]);
            }
        }
    }
    let schemes = doc.pointer("/components/securitySchemes");
    for (name, s) in schemes.and_then(Value::as_object).into_iter().flatten() {
        check(
            Some(s),
            CARRIED_SCHEME,
            &["components", "securitySchemes", name],
        );
    }
    out
}
