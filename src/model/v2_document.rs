//! The OpenAPI 3.0 document of an HTTP API, with the `x-amazon-apigateway-*` extensions
//! ImportApi / ReimportApi read: integrations, authorizers, CORS. Built from the same desired
//! resources `plan` compares, so the export and the apply cannot disagree.

use super::kinds::{ApiAuthorizer, ApiIntegration, ApiRoute, Typed, V2Api, V2Cors};
use super::{refs, Kind, Resource};
use serde_json::{json, Map, Value};

/// `doc`: the contract the routes came from, if any (its schemas and texts are kept).
pub fn render(api: &Resource, children: &[&Resource], contract: Option<&Value>) -> Value {
    let api = V2Api::from_props(&api.props).unwrap_or_default();
    let mut doc = contract.cloned().unwrap_or_else(
        || json!({"openapi": "3.0.1", "info": {"title": api.name, "version": "1"}, "paths": {}}),
    );
    doc["info"]["title"] = json!(api.name);
    if !api.description.is_empty() {
        doc["info"]["description"] = json!(api.description);
    }
    // Security comes from the routes; a root requirement would apply to routes without one.
    if let Some(o) = doc.as_object_mut() {
        o.remove("security");
    }
    let by_id = |id: &str| children.iter().find(|r| r.id == id).copied();
    let target = |v: &Option<String>| {
        let (id, _) = refs(&json!(v)).into_iter().next()?;
        by_id(&id)
    };

    let mut schemes = Map::new();
    for a in children.iter().filter(|r| r.kind == Kind::ApiAuthorizer) {
        schemes.insert(a.name.clone(), security_scheme(a));
    }
    let mut paths = Map::new();
    for r in children.iter().filter(|r| r.kind == Kind::ApiRoute) {
        let Ok(route) = ApiRoute::from_props(&r.props) else {
            continue;
        };
        let key = route.route_key.as_str();
        let (method, path) = match key.split_once(' ') {
            Some((m, p)) => (m, p),
            None => ("ANY", key), // `$default`
        };
        let method_key = if method == "ANY" {
            crate::config::contract::ANY_METHOD.to_string()
        } else {
            method.to_lowercase()
        };
        let mut op = doc
            .pointer(&format!(
                "/paths/{}/{}",
                path.replace('~', "~0").replace('/', "~1"),
                method_key
            ))
            .cloned()
            .unwrap_or_else(
                || json!({"responses": {"default": {"description": "Default response"}}}),
            );
        if let Some(i) = target(&route.integration_id) {
            op["x-amazon-apigateway-integration"] = integration(i);
        }
        op["security"] = match target(&route.authorizer_id) {
            Some(a) => json!([{ a.name.clone(): route.authorization_scopes }]),
            None => json!([]),
        };
        let item = paths.entry(path.to_string()).or_insert_with(|| {
            let mut item = doc["paths"][path].clone();
            if let Some(o) = item.as_object_mut() {
                o.retain(|k, _| !is_method_key(k)); // only routes the stack has
            }
            if item.is_null() {
                item = json!({});
            }
            item
        });
        item[method_key] = op;
    }
    doc["paths"] = Value::Object(paths);
    if !schemes.is_empty() {
        doc["components"]["securitySchemes"] = Value::Object(schemes);
    } else if let Some(c) = doc.get_mut("components").and_then(Value::as_object_mut) {
        c.remove("securitySchemes");
    }
    match &api.cors {
        Some(c) => doc["x-amazon-apigateway-cors"] = cors(c),
        None => {
            if let Some(o) = doc.as_object_mut() {
                o.remove("x-amazon-apigateway-cors");
            }
        }
    }
    doc
}

fn is_method_key(k: &str) -> bool {
    crate::config::contract::METHODS.contains(&k) || k == crate::config::contract::ANY_METHOD
}

fn integration(i: &Resource) -> Value {
    let p = ApiIntegration::from_props(&i.props).unwrap_or_default();
    let t = p.integration_type.to_lowercase();
    let method = match p.method {
        Some(m) => m,
        None if t == "aws_proxy" => "POST".into(), // Lambda is always invoked with POST
        None => "ANY".into(),
    };
    let mut o = Map::new();
    o.insert("type".into(), json!(t));
    if let Some(u) = p.uri {
        o.insert("uri".into(), json!(u));
    }
    o.insert("httpMethod".into(), json!(method));
    let optional = [
        ("payloadFormatVersion", json!(p.payload_format_version)),
        ("connectionType", json!(p.connection_type)),
        ("connectionId", json!(p.connection_id)),
        ("timeoutInMillis", json!(p.timeout_ms)),
        ("description", json!(p.description)),
    ];
    o.extend(
        optional
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k.to_string(), v)),
    );
    Value::Object(o)
}

fn security_scheme(a: &Resource) -> Value {
    let p = ApiAuthorizer::from_props(&a.props).unwrap_or_default();
    let source = p.identity_source.join(", ");
    if p.authorizer_type == "JWT" {
        return json!({
            "type": "oauth2",
            "flows": {},
            "x-amazon-apigateway-authorizer": {
                "type": "jwt",
                "identitySource": source,
                "jwtConfiguration": {"issuer": p.jwt_issuer, "audience": p.jwt_audience},
            }
        });
    }
    let header = source
        .rsplit('.')
        .next()
        .unwrap_or("Authorization")
        .to_string();
    json!({
        "type": "apiKey",
        "name": header,
        "in": "header",
        "x-amazon-apigateway-authorizer": {
            "type": "request",
            "identitySource": source,
            "authorizerUri": p.authorizer_uri,
            "authorizerPayloadFormatVersion": p.payload_format_version,
            "authorizerResultTtlInSeconds": p.ttl_seconds,
            "enableSimpleResponses": p.enable_simple_responses,
        }
    })
}

fn cors(c: &V2Cors) -> Value {
    let mut o = Map::new();
    for (name, list) in [
        ("allowOrigins", &c.allow_origins),
        ("allowMethods", &c.allow_methods),
        ("allowHeaders", &c.allow_headers),
        ("exposeHeaders", &c.expose_headers),
    ] {
        if !list.is_empty() {
            o.insert(name.into(), json!(list));
        }
    }
    if let Some(age) = c.max_age {
        o.insert("maxAge".into(), json!(age));
    }
    o.insert("allowCredentials".into(), json!(c.allow_credentials));
    Value::Object(o)
}
