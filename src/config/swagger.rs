//! Swagger 2.0, which AWS imports, read as the OpenAPI 3.0 document it stands for: the rest
//! of the tool (lint, render, routes) then sees one shape. `definitions`, `parameters`,
//! `responses` and `securityDefinitions` move under `components`; body and form parameters
//! become `requestBody`, a response `schema` its `content`, typed parameters and headers get
//! a `schema`. `x-amazon-apigateway-*` extensions are kept where they are.

use serde_json::{json, Map, Value};

pub fn is_swagger(doc: &Value) -> bool {
    doc.get("swagger")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with('2'))
}

pub fn to_openapi3(doc: &Value) -> Value {
    let text = doc
        .to_string()
        .replace("\"#/definitions/", "\"#/components/schemas/")
        .replace("\"#/parameters/", "\"#/components/parameters/")
        .replace("\"#/responses/", "\"#/components/responses/");
    let doc: Value = serde_json::from_str(&text).unwrap_or_else(|_| doc.clone());
    let Some(src) = doc.as_object() else {
        return doc;
    };
    let consumes = media(src.get("consumes"));
    let produces = media(src.get("produces"));
    let mut out = Map::new();
    let mut components = Map::new();
    for (k, v) in src {
        match k.as_str() {
            "swagger" => {
                out.insert("openapi".into(), json!("3.0.1"));
            }
            "definitions" => {
                components.insert("schemas".into(), v.clone());
            }
            "securityDefinitions" => {
                components.insert("securitySchemes".into(), v.clone());
            }
            "parameters" => {
                let p = v.as_object().into_iter().flatten();
                components.insert(
                    "parameters".into(),
                    Value::Object(p.map(|(n, p)| (n.clone(), parameter(p))).collect()),
                );
            }
            "responses" => {
                let r = v.as_object().into_iter().flatten();
                components.insert(
                    "responses".into(),
                    Value::Object(
                        r.map(|(n, r)| (n.clone(), response(r, &produces)))
                            .collect(),
                    ),
                );
            }
            "paths" => {
                out.insert("paths".into(), paths(v, &consumes, &produces));
            }
            "host" | "basePath" | "schemes" | "consumes" | "produces" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(base) = src.get("basePath").and_then(Value::as_str) {
        out.insert("servers".into(), json!([{"url": base}]));
    }
    if !components.is_empty() {
        out.insert("components".into(), Value::Object(components));
    }
    Value::Object(out)
}

fn media(v: Option<&Value>) -> Vec<String> {
    let list: Vec<String> = v
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().map(str::to_string))
        .collect();
    if list.is_empty() {
        vec!["application/json".into()]
    } else {
        list
    }
}

/// A typed parameter or header: its type keywords move under `schema`.
fn typed(p: &Value, keep: &[&str]) -> Value {
    let Some(o) = p.as_object() else {
        return p.clone();
    };
    if o.contains_key("$ref") || o.contains_key("schema") {
        return p.clone();
    }
    let mut out = Map::new();
    let mut schema = Map::new();
    for (k, v) in o {
        if keep.contains(&k.as_str()) || k.starts_with("x-") {
            out.insert(k.clone(), v.clone());
        } else {
            schema.insert(k.clone(), v.clone());
        }
    }
    if !schema.is_empty() {
        out.insert("schema".into(), Value::Object(schema));
    }
    Value::Object(out)
}

fn parameter(p: &Value) -> Value {
    typed(
        p,
        &["name", "in", "required", "description", "allowEmptyValue"],
    )
}

fn response(r: &Value, produces: &[String]) -> Value {
    let Some(o) = r.as_object() else {
        return r.clone();
    };
    let mut out = Map::new();
    for (k, v) in o {
        match k.as_str() {
            "schema" => {
                let content: Map<String, Value> = produces
                    .iter()
                    .map(|m| (m.clone(), json!({"schema": v})))
                    .collect();
                out.insert("content".into(), Value::Object(content));
            }
            "headers" => {
                let h = v.as_object().into_iter().flatten();
                out.insert(
                    "headers".into(),
                    Value::Object(
                        h.map(|(n, h)| (n.clone(), typed(h, &["description"])))
                            .collect(),
                    ),
                );
            }
            "examples" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

fn paths(v: &Value, consumes: &[String], produces: &[String]) -> Value {
    let mut out = Map::new();
    for (path, item) in v.as_object().into_iter().flatten() {
        let mut item_out = Map::new();
        for (k, op) in item.as_object().into_iter().flatten() {
            let converted = if k == "parameters" {
                Value::Array(op.as_array().into_iter().flatten().map(parameter).collect())
            } else if op.is_object() && !k.starts_with("x-")
                || k == "x-amazon-apigateway-any-method"
            {
                operation(op, consumes, produces)
            } else {
                op.clone()
            };
            item_out.insert(k.clone(), converted);
        }
        out.insert(path.clone(), Value::Object(item_out));
    }
    Value::Object(out)
}

fn operation(op: &Value, consumes: &[String], produces: &[String]) -> Value {
    let Some(o) = op.as_object() else {
        return op.clone();
    };
    let consumes = o
        .get("consumes")
        .map_or_else(|| consumes.to_vec(), |c| media(Some(c)));
    let produces = o
        .get("produces")
        .map_or_else(|| produces.to_vec(), |p| media(Some(p)));
    let mut out = Map::new();
    let mut form = Map::new();
    for (k, v) in o {
        match k.as_str() {
            "parameters" => {
                let mut params = Vec::new();
                for p in v.as_array().into_iter().flatten() {
                    match p.get("in").and_then(Value::as_str) {
                        Some("body") => {
                            let schema = p.get("schema").cloned().unwrap_or(json!({}));
                            let content: Map<String, Value> = consumes
                                .iter()
                                .map(|m| (m.clone(), json!({"schema": schema})))
                                .collect();
                            let mut body = json!({"content": content});
                            if let Some(r) = p.get("required") {
                                body["required"] = r.clone();
                            }
                            out.insert("requestBody".into(), body);
                        }
                        Some("formData") => {
                            let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
                            form.insert(name.to_string(), parameter(p)["schema"].clone());
                        }
                        _ => params.push(parameter(p)),
                    }
                }
                if !params.is_empty() {
                    out.insert("parameters".into(), Value::Array(params));
                }
            }
            "responses" => {
                let r = v.as_object().into_iter().flatten();
                out.insert(
                    "responses".into(),
                    Value::Object(
                        r.map(|(c, r)| (c.clone(), response(r, &produces)))
                            .collect(),
                    ),
                );
            }
            "consumes" | "produces" | "schemes" => {}
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    if !form.is_empty() && !out.contains_key("requestBody") {
        out.insert(
            "requestBody".into(),
            json!({"content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "properties": form}}}}),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_swagger_operation_reads_as_openapi_3() {
        let doc = json!({
            "swagger": "2.0", "basePath": "/v1", "produces": ["application/json"],
            "securityDefinitions": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}},
            "definitions": {"Pet": {"type": "object"}},
            "paths": {"/pets/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
                "post": {
                    "parameters": [{"name": "body", "in": "body", "schema": {"$ref": "#/definitions/Pet"}},
                                   {"name": "q", "in": "query", "type": "integer"}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/Pet"},
                                          "headers": {"X-Id": {"type": "string"}}}},
                    "x-amazon-apigateway-integration": {"type": "mock"}
                }
            }}
        });
        let o = to_openapi3(&doc);
        assert_eq!(o["openapi"], "3.0.1");
        assert_eq!(o["servers"][0]["url"], "/v1");
        assert_eq!(o["components"]["schemas"]["Pet"]["type"], "object");
        assert_eq!(
            o["components"]["securitySchemes"]["api_key"]["name"],
            "x-api-key"
        );
        let item = &o["paths"]["/pets/{id}"];
        assert_eq!(item["parameters"][0]["schema"], json!({"type": "string"}));
        let post = &item["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(
            post["parameters"],
            json!([{"name": "q", "in": "query", "schema": {"type": "integer"}}])
        );
        let ok = &post["responses"]["200"];
        assert_eq!(
            ok["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Pet"
        );
        assert_eq!(ok["headers"]["X-Id"], json!({"schema": {"type": "string"}}));
        assert_eq!(post["x-amazon-apigateway-integration"]["type"], "mock");
    }
}
