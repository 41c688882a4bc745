//! A REST API: its settings; its tree, methods and stages are kinds of their own.

use super::spec::{Calls, Spec, Typed};
use crate::model::kind::Kind;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestApi {
    pub name: String,
    /// The contract's `info.description` (or the stack's).
    pub description: String,
    /// REGIONAL (default), EDGE or PRIVATE.
    pub endpoint_type: String,
    /// Sorted; added and removed one by one.
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    /// HEADER (default) or AUTHORIZER.
    pub api_key_source: String,
    /// The resource policy as `policy_text` writes it; "" for none.
    #[serde(default)]
    pub policy: String,
}

impl Typed for RestApi {
    const KIND: Kind = Kind::RestApi;
}

pub const SPEC: Spec = Spec {
    api: true,
    // binary_media_types are added and removed one by one (providers::apigateway::write).
    patch: &[
        ("name", "/name"),
        ("description", "/description"),
        ("api_key_source", "/apiKeySource"),
        ("minimum_compression_size", "/minimumCompressionSize"),
        ("endpoint_type", "/endpointConfiguration/types/0"),
        // "" removes the policy.
        ("policy", "/policy"),
    ],
    calls: Calls {
        create: &["CreateRestApi"],
        update: &["UpdateRestApi"],
        delete: &["DeleteRestApi"],
    },
    ..Spec::new("rest_api")
};

/// A resource policy as JSON, however it came: an object, JSON text, or the text AWS's
/// GetRestApi answers, which has its quotes escaped once more (`{\"Version\":...}`).
pub fn parse_policy(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => serde_json::from_str(s).ok().or_else(|| {
            let unescaped: String = serde_json::from_str(&format!("\"{s}\"")).ok()?;
            serde_json::from_str(&unescaped).ok()
        }),
        Value::Null => None,
        other => Some(other.clone()),
    }
}

/// A resource policy in the one form plans compare: keys sorted, a one-element list as its
/// element (AWS stores `["x"]` as `"x"`), and the API's own ARN prefix, which AWS writes in
/// place of `execute-api:/`, written back as `execute-api:/` (`api_id` is the live API's).
/// Pretty-printed, so a plan shows the line that changed.
pub fn policy_text(policy: Option<&Value>, api_id: Option<&str>) -> String {
    fn norm(v: &Value, api_id: Option<&str>) -> Value {
        match v {
            Value::Object(o) => {
                let mut keys: Vec<&String> = o.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), norm(&o[k], api_id)))
                        .collect::<Map<_, _>>(),
                )
            }
            Value::Array(a) if a.len() == 1 => norm(&a[0], api_id),
            Value::Array(a) => Value::Array(a.iter().map(|x| norm(x, api_id)).collect()),
            Value::String(s) => Value::String(own_arn(s, api_id).unwrap_or_else(|| s.clone())),
            other => other.clone(),
        }
    }
    policy.map_or_else(String::new, |p| {
        serde_json::to_string_pretty(&norm(p, api_id)).unwrap_or_default()
    })
}

/// `arn:aws:execute-api:us-east-1:123:abc123/*` → `execute-api:/*` when `abc123` is `api_id`.
fn own_arn(s: &str, api_id: Option<&str>) -> Option<String> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [_, _, "execute-api", _, _, rest] = parts.as_slice() else {
        return None;
    };
    let tail = rest.strip_prefix(api_id?)?.strip_prefix('/')?;
    Some(format!("execute-api:/{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_policy_aws_answers_reads_as_the_one_the_stack_wrote() {
        let wrote = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": "*", "Action": "execute-api:Invoke", "Resource": ["execute-api:/*"]}]});
        // GetRestApi's answer on AWS (recorded in test_apigateway_integrations): escaped,
        // the resource list a string, the ARN expanded.
        let answered = json!(
            r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:us-east-1:111111111111:abc123/*\"}]}"#
        );
        let live = parse_policy(&answered).expect("parsed");
        assert_eq!(
            policy_text(Some(&live), Some("abc123")),
            policy_text(Some(&wrote), None)
        );
        // Another API's ARN stays as it is.
        assert_ne!(
            policy_text(Some(&live), Some("other")),
            policy_text(Some(&wrote), None)
        );
        assert_eq!(policy_text(parse_policy(&json!("")).as_ref(), None), "");
    }
}
