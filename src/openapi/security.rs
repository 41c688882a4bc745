//! Which authorizer, scopes and API-key requirement each operation gets, and the
//! `securitySchemes` the import document declares for them.

use crate::config::contract::{Contract, Operation};
use crate::config::schema::{AuthorizerType, RestApi};
use crate::diag::Diagnostic;
use serde_json::{json, Map, Value};

/// Reserved `security_schemes` targets.
pub const API_KEY: &str = "API_KEY";
pub const NONE: &str = "NONE";
/// IAM (SigV4) authorization: a `security_schemes` target and an authorizer name.
pub const AWS_IAM: &str = "AWS_IAM";
/// The scheme name the document uses for IAM authorization, as AWS's export writes it.
pub const IAM_SCHEME: &str = "sigv4";
/// The scheme name the document uses for API keys.
pub const API_KEY_SCHEME: &str = "api_key";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct OpSecurity {
    /// Authorizer key, None for no authorizer.
    pub authorizer: Option<String>,
    pub scopes: Vec<String>,
    pub api_key_required: bool,
    /// AWS_IAM authorization (no authorizer).
    pub iam: bool,
}

/// The operation's security as the contract states it: op-level, else root-level.
pub fn contract_requirements<'a>(contract: &'a Contract, op: &Operation) -> Option<&'a Value> {
    let pointer = format!("{}/security", op.pointer());
    contract
        .doc
        .pointer(&pointer)
        .or_else(|| contract.doc.get("security"))
}

/// The contract's own authorizers: `securitySchemes` carrying an
/// `x-amazon-apigateway-authorizer`, by scheme name.
pub fn contract_authorizers(contract: &Contract) -> Map<String, Value> {
    contract
        .doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, s)| s.get("x-amazon-apigateway-authorizer").is_some())
        .map(|(k, s)| (k.clone(), contract.deref(s).clone()))
        .collect()
}

/// Whether the contract's scheme `name` is IAM authorization (`x-amazon-apigateway-authtype:
/// awsSigv4`).
fn contract_iam(contract: &Contract, name: &str) -> bool {
    contract
        .doc
        .pointer(&format!("/components/securitySchemes/{name}"))
        .map(|s| contract.deref(s))
        .and_then(|s| s.get("x-amazon-apigateway-authtype"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4"))
}

/// The operation's `x-amazon-apigateway-auth` type (AWS_IAM or NONE), upper-cased.
fn contract_auth(contract: &Contract, op: &Operation) -> Option<String> {
    let pointer = format!("{}/x-amazon-apigateway-auth/type", op.pointer());
    let t = contract.doc.pointer(&pointer)?.as_str()?;
    Some(t.to_uppercase())
}

/// Whether the contract's scheme `name` is API Gateway's API key: an `apiKey` in the
/// `x-api-key` header with no authorizer.
fn contract_api_key(contract: &Contract, name: &str) -> bool {
    let Some(s) = contract
        .doc
        .pointer(&format!("/components/securitySchemes/{name}"))
    else {
        return false;
    };
    let s = contract.deref(s);
    s.get("x-amazon-apigateway-authorizer").is_none()
        && s.get("type").and_then(Value::as_str) == Some("apiKey")
        && s.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
}

pub fn resolve(
    api_key: &str,
    api: &RestApi,
    contract: &Contract,
    op: &Operation,
    override_: Option<&crate::config::schema::Operation>,
    declared: &Map<String, Value>,
) -> Result<OpSecurity, Diagnostic> {
    let what = format!("{} {}", op.method, op.path);
    let mut sec = OpSecurity {
        api_key_required: api.api_key_required.unwrap_or(false),
        ..Default::default()
    };
    let mut from_contract = false;
    match contract_requirements(contract, op).and_then(Value::as_array) {
        Some(reqs) if reqs.is_empty() => from_contract = true, // `security: []`: open
        Some(reqs) => {
            from_contract = true;
            // API Gateway takes one authorizer per method: the first requirement decides.
            let first = reqs
                .first()
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (scheme, scopes) in first {
                // The stack's mapping, its authorizer of that name, then the contract's own.
                let target = api.security_schemes.get(&scheme).cloned().or_else(|| {
                    if api.authorizers.contains_key(&scheme) || declared.contains_key(&scheme) {
                        Some(scheme.clone())
                    } else if contract_api_key(contract, &scheme) {
                        Some(API_KEY.to_string())
                    } else if contract_iam(contract, &scheme) {
                        Some(AWS_IAM.to_string())
                    } else {
                        None
                    }
                });
                match target.as_deref() {
                    Some(API_KEY) => sec.api_key_required = true,
                    Some(AWS_IAM) => sec.iam = true,
                    Some(NONE) => {}
                    Some(a) if api.authorizers.contains_key(a) || declared.contains_key(a) => {
                        sec.authorizer = Some(a.to_string());
                        sec.scopes = scopes.as_array().into_iter().flatten().filter_map(|s| s.as_str().map(str::to_string)).collect();
                    }
                    Some(other) => {
                        return Err(Diagnostic::error("reference", format!("rest_apis.{api_key}.security_schemes.{scheme} names `{other}`, which is not an authorizer"))
                            .hint("use a key of `authorizers`, `API_KEY`, `AWS_IAM` or `NONE`"))
                    }
                    None => {
                        return Err(Diagnostic::error("security", format!("{what}: the contract requires security scheme `{scheme}`, which the stack does not map"))
                            .hint(format!("add `security_schemes: {{{scheme}: <authorizer key>}}` (or API_KEY, or NONE to leave it open on purpose) under rest_apis.{api_key}")))
                    }
                }
            }
        }
        None => {}
    }
    // The operation's own `x-amazon-apigateway-auth` (AWS_IAM or NONE) sets its type.
    if let Some(t) = contract_auth(contract, op) {
        from_contract = true;
        sec.iam = t == AWS_IAM;
        if sec.iam || t == NONE {
            sec.authorizer = None;
        }
    }
    if !from_contract {
        sec.authorizer = api.default_authorizer.clone().filter(|a| a != NONE);
    }
    if let Some(o) = override_ {
        if let Some(a) = &o.authorizer {
            sec.authorizer = (a != NONE).then(|| a.clone());
            sec.iam = false;
            sec.scopes.clear();
        }
        if let Some(s) = &o.scopes {
            sec.scopes = s.clone();
        }
        if let Some(k) = o.api_key_required {
            sec.api_key_required = k;
        }
    }
    if sec.authorizer.as_deref() == Some(AWS_IAM) {
        sec.authorizer = None;
        sec.iam = true;
    }
    if let Some(a) = sec
        .authorizer
        .clone()
        .filter(|a| !api.authorizers.contains_key(a))
    {
        if let Some(scheme) = declared.get(&a) {
            // The contract's own: scopes count for Cognito only.
            let t = scheme
                .pointer("/x-amazon-apigateway-authorizer/type")
                .and_then(Value::as_str);
            if !t.is_some_and(|t| t.eq_ignore_ascii_case("cognito_user_pools")) {
                sec.scopes.clear();
            }
            return Ok(sec);
        }
    }
    if let Some(a) = &sec.authorizer {
        let Some(def) = api.authorizers.get(a) else {
            return Err(Diagnostic::error("reference", format!("{what}: authorizer `{a}` is not declared under rest_apis.{api_key}.authorizers")).hint("declare it, or use NONE"));
        };
        if sec.scopes.is_empty() {
            sec.scopes = def.scopes.clone();
        }
        if def.kind != Some(AuthorizerType::CognitoUserPools) {
            sec.scopes.clear(); // scopes apply to Cognito authorizers only
        }
    }
    Ok(sec)
}

/// The operation's `security` entry in the import document.
pub fn requirement(sec: &OpSecurity) -> Value {
    let mut req = Map::new();
    if let Some(a) = &sec.authorizer {
        req.insert(a.clone(), json!(sec.scopes));
    }
    if sec.iam {
        req.insert(IAM_SCHEME.into(), json!([]));
    }
    if sec.api_key_required {
        req.insert(API_KEY_SCHEME.into(), json!([]));
    }
    if req.is_empty() {
        json!([])
    } else {
        json!([Value::Object(req)])
    }
}

/// `components.securitySchemes`: the contract's own authorizers, one per authorizer of the
/// stack (the stack's wins on a name both declare), plus the API key header.
pub fn schemes(api: &RestApi, contract: &Contract, region: &str) -> Map<String, Value> {
    let mut out = contract_authorizers(contract);
    out.retain(|name, _| !api.security_schemes.contains_key(name));
    for (key, a) in &api.authorizers {
        let kind = a.kind.unwrap_or(AuthorizerType::Token);
        let identity = a
            .identity_source
            .clone()
            .unwrap_or_else(|| "method.request.header.Authorization".into());
        let mut x = json!({
            "type": match kind { AuthorizerType::Token => "token", AuthorizerType::Request => "request", AuthorizerType::CognitoUserPools => "cognito_user_pools" },
            "identitySource": identity,
            "authorizerResultTtlInSeconds": a.ttl_seconds.unwrap_or(300),
        });
        if let Some(l) = &a.lambda_arn {
            x["authorizerUri"] = json!(lambda_invoke_uri(region, l));
        }
        if let Some(c) = &a.credentials {
            x["authorizerCredentials"] = json!(c);
        }
        if let Some(r) = &a.validation_regex {
            x["identityValidationExpression"] = json!(r);
        }
        if !a.provider_arns.is_empty() {
            x["providerARNs"] = json!(a.provider_arns);
        }
        let header = identity
            .strip_prefix("method.request.header.")
            .unwrap_or("Authorization")
            .to_string();
        out.insert(
            key.clone(),
            json!({
                "type": "apiKey", "name": header, "in": "header",
                "x-amazon-apigateway-authtype": if kind == AuthorizerType::CognitoUserPools { "cognito_user_pools" } else { "custom" },
                "x-amazon-apigateway-authorizer": x,
            }),
        );
    }
    out.insert(
        API_KEY_SCHEME.into(),
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
    );
    out
}

/// The scheme IAM-authorized operations name, as AWS's export writes it.
pub fn iam_scheme() -> Value {
    json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"})
}

pub fn lambda_invoke_uri(region: &str, lambda_arn: &str) -> String {
    format!("arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{lambda_arn}/invocations")
}
