//! contract-diff's rules, on small documents and on the fixtures' real contracts.

use super::*;
use crate::diag::SourceText;
use std::path::Path;

fn contract(yaml: &str) -> Contract {
    Contract::from_source(SourceText::new(Path::new("c.yaml"), yaml.into())).unwrap()
}

const OLD: &str = r##"openapi: 3.0.3
info: {title: t, version: "1"}
security: [{jwt: []}]
paths:
  /users/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: fields, in: query, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/User"}
        "404": {description: gone}
    put:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, maxLength: 100}
                role: {type: string, enum: [admin, user, guest]}
      responses: {"204": {description: done}}
  /health:
    get:
      security: []
      responses: {"200": {description: ok}}
components:
  schemas:
    User:
      type: object
      required: [id, email]
      properties:
        id: {type: string}
        email: {type: string}
        friends: {type: array, items: {$ref: "#/components/schemas/User"}}
"##;

fn rules(old: &str, new: &str) -> Vec<(Level, &'static str, String)> {
    diff(&contract(old), &contract(new))
        .into_iter()
        .map(|f| (f.level, f.rule, format!("{}: {}", f.route, f.text)))
        .collect()
}

#[test]
fn the_same_contract_has_no_differences_even_with_a_recursive_schema() {
    assert!(rules(OLD, OLD).is_empty());
}

#[test]
fn a_renamed_path_parameter_is_no_change() {
    let new = OLD
        .replace("{id}", "{userId}")
        .replace("name: id, in: path", "name: userId, in: path");
    assert_eq!(rules(OLD, &new), vec![]);
}

#[test]
fn each_breaking_rule_is_named_on_its_route() {
    let new = OLD
        // a new required query parameter
        .replace("- {name: fields, in: query, schema: {type: string}}", "- {name: fields, in: query, schema: {type: string}}\n        - {name: tenant, in: query, required: true, schema: {type: string}}")
        // a narrowed limit and enum on what clients send
        .replace("maxLength: 100", "maxLength: 50")
        .replace("enum: [admin, user, guest]", "enum: [admin, user]")
        // a response field removed, another no longer guaranteed
        .replace("required: [id, email]", "required: [id]")
        .replace("        friends: {type: array, items: {$ref: \"#/components/schemas/User\"}}\n", "")
        // the health check now needs the token
        .replace("      security: []\n", "");
    let got = rules(OLD, &new);
    let want = [
        (Level::Breaking, "request-parameter-added-required", "GET /users/{id}: new required query parameter `tenant`"),
        (Level::Breaking, "request-limit-narrowed", "PUT /users/{id}: request body `application/json`.name: maxLength 100 → 50"),
        (Level::Breaking, "request-enum-value-removed", "PUT /users/{id}: request body `application/json`.role: no longer accepts \"guest\""),
        (Level::Breaking, "response-property-removed", "GET /users/{id}: response 200 `application/json`: property `friends` removed"),
        (Level::Breaking, "response-property-became-optional", "GET /users/{id}: response 200 `application/json`: property `email` is no longer always sent"),
        (Level::Breaking, "security-changed", "GET /health: security none → jwt"),
    ];
    for (level, rule, text) in want {
        assert!(
            got.iter()
                .any(|(l, r, t)| *l == level && *r == rule && t == text),
            "missing {rule}: {text}\n{got:#?}"
        );
    }
    assert!(
        got.iter().all(|(l, _, _)| *l == Level::Breaking),
        "{got:#?}"
    );
}

#[test]
fn removals_clients_do_not_rely_on_and_additions_are_compatible() {
    let new = OLD
        .replace("        \"404\": {description: gone}\n", "")
        .replace(
            "        - {name: fields, in: query, schema: {type: string}}\n",
            "",
        )
        .replace(
            "  /health:",
            "  /version:\n    get:\n      responses: {\"200\": {description: ok}}\n  /health:",
        );
    let got = rules(OLD, &new);
    let rules: Vec<&str> = got.iter().map(|(_, r, _)| *r).collect();
    assert!(
        got.iter().all(|(l, _, _)| *l == Level::Compatible),
        "{got:#?}"
    );
    for r in [
        "response-error-status-removed",
        "request-parameter-removed",
        "route-added",
    ] {
        assert!(rules.contains(&r), "{r}: {got:#?}");
    }
}

#[test]
fn a_removed_route_and_a_removed_success_status_break_clients() {
    let new = OLD.replace("    put:", "    patch:").replace(
        "responses: {\"204\": {description: done}}",
        "responses: {\"200\": {description: done}}",
    );
    let got = rules(OLD, &new);
    assert!(
        got.contains(&(
            Level::Breaking,
            "route-removed",
            "PUT /users/{id}: the operation is gone".into()
        )),
        "{got:#?}"
    );
    assert!(
        got.contains(&(
            Level::Compatible,
            "route-added",
            "PATCH /users/{id}: a new operation".into()
        )),
        "{got:#?}"
    );
}

#[test]
fn the_fixtures_real_contracts_against_themselves_and_a_trimmed_box() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openapi/");
    let load = |name: &str| Contract::load(&Path::new(root).join(name)).unwrap();
    for name in [
        "box__box-openapi__openapi.json",
        "localstack__localstack__petstore-authorizer.swagger.json",
        "localstack__localstack__openapi.spec.circular-ref-with-request-body.json",
        "aws-samples__sessions-with-aws-sam__s12d-server-api.yaml",
    ] {
        let c = load(name);
        assert!(diff(&c, &c).is_empty(), "{name}");
    }
    // Box without its DELETE operations: each is a removed route, and nothing else moved.
    let old = load("box__box-openapi__openapi.json");
    let mut new = old.clone();
    let mut deletes = 0;
    for item in new.doc["paths"].as_object_mut().unwrap().values_mut() {
        if item.as_object_mut().unwrap().remove("delete").is_some() {
            deletes += 1;
        }
    }
    let got = diff(&old, &new);
    assert!(deletes > 20, "{deletes}");
    assert_eq!(got.len(), deletes, "{got:#?}");
    assert!(got
        .iter()
        .all(|f| f.rule == "route-removed" && f.route.starts_with("DELETE ")));
}
