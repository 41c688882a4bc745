//! The import document as `desire` renders it for the example stack.

use super::documents;
use crate::config::{load, LoadOptions};
use serde_json::Value;
use std::path::Path;

/// What export-openapi writes for the example is strict OpenAPI 3.0 with an integration
/// on every operation, under the base path.
#[test]
fn the_example_renders_to_strict_openapi_with_integrations() {
    let stack = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/idrv5/prod.yaml");
    let cfg = load(&stack, &LoadOptions::default()).expect("example loads");
    let (docs, _) = documents(&cfg, "ap-southeast-2").expect("renders");
    let doc = &docs["main"];
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()).expect("strict OpenAPI 3.0");
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|p| p.starts_with("/api/v1/")),
        "{:?}",
        paths.keys()
    );
    let ops: Vec<(&String, &Value)> = paths
        .values()
        .flat_map(|i| i.as_object().unwrap().iter())
        .collect();
    assert_eq!(
        ops.len(),
        25 + paths.len(),
        "25 operations and one CORS preflight per path"
    );
    for (method, op) in ops {
        let x = &op["x-amazon-apigateway-integration"];
        if method == "options" {
            assert_eq!(x["type"], "mock");
            let headers = &x["responses"]["default"]["responseParameters"];
            assert_eq!(
                headers["method.response.header.Access-Control-Allow-Origin"],
                "'https://portal.idrv5.example.com'"
            );
            assert_eq!(op["security"], serde_json::json!([]), "preflights are open");
        } else {
            assert_eq!(x["type"], "http_proxy");
            assert_eq!(x["connectionType"], "VPC_LINK");
            assert_eq!(
                op["security"][0]["jwt"],
                serde_json::json!([]),
                "bearerAuth maps to the jwt authorizer"
            );
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["jwt"]["x-amazon-apigateway-authorizer"]["type"],
        "token"
    );
    let quote = &paths["/api/v1/quotes"]["post"];
    assert_eq!(quote["x-amazon-apigateway-request-validator"], "all");
    assert_eq!(
        quote["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/QuoteRequest"
    );
    assert_eq!(
        doc["components"]["schemas"]["QuoteRequest"]["$schema"],
        "http://json-schema.org/draft-04/schema#"
    );
    assert_eq!(
        doc["x-amazon-apigateway-gateway-responses"]["MISSING_AUTHENTICATION_TOKEN"]["statusCode"],
        "404"
    );
    let get = &paths["/api/v1/zones/{id}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(
        get["requestParameters"]["integration.request.path.id"],
        "method.request.path.id"
    );
    assert_eq!(
        get["requestParameters"]["integration.request.header.X-Forwarded-For"],
        "context.identity.sourceIp"
    );
}
