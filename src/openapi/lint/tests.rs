//! Tests of the import-compat lint, one per rule.

use super::*;
use crate::diag::Severity::{self, Error, Warning};
use serde_json::json;
use std::path::Path;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openapi/");

/// YAML to JSON as the contract loader does it: integer keys (`200:`) become strings.
fn json(y: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match y {
        Y::Mapping(m) => Value::Object(m.into_iter().map(|(k, v)| (key(k), json(v))).collect()),
        Y::Sequence(s) => s.into_iter().map(json).collect(),
        Y::Tagged(t) => json(t.value),
        other => serde_json::to_value(other).unwrap(),
    }
}

fn key(k: serde_yaml::Value) -> String {
    k.as_str().map_or_else(
        || serde_yaml::to_string(&k).unwrap().trim().into(),
        Into::into,
    )
}

fn run(yaml: &str) -> Vec<Diagnostic> {
    let src = SourceText::new(Path::new("api.yaml"), yaml.into());
    lint(&json(serde_yaml::from_str(yaml).unwrap()), &src)
}

/// A valid two-line head (lines 1–2), so the body starts at line 3.
fn api(body: &str) -> String {
    format!("openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\n{body}")
}

fn fixture(name: &str) -> (Value, SourceText) {
    let path = format!("{FIXTURES}{name}");
    let text = std::fs::read_to_string(&path).unwrap();
    (
        serde_json::from_str(&text).unwrap(),
        SourceText::new(Path::new(&path), text),
    )
}

/// `name`: linting `yaml` gives exactly these (severity @ line) diagnostics of `code`.
macro_rules! finds {
        ($name:ident: $yaml:expr => $code:literal $($sev:ident @ $line:literal),*) => {
            #[test]
            fn $name() {
                let ds = run(&$yaml);
                let at = |d: &Diagnostic| (d.severity, d.location.as_ref().map_or(0, |l| l.line));
                let got: Vec<(Severity, usize)> = ds.iter().filter(|d| d.code == $code).map(at).collect();
                assert_eq!(got, vec![$(($sev, $line)),*], "{ds:#?}");
                assert!(ds.iter().all(|d| d.hint.as_ref().is_some_and(|h| !h.is_empty())));
            }
        };
    }

finds!(v1_openapi_31_is_rejected: "openapi: 3.1.0\npaths: {}\n" => "V1" Error @ 1);
finds!(v1_swagger_2_must_be_converted: "info: {}\nswagger: '2.0'\n" => "V1" Error @ 2);
finds!(v1_missing_version: "info: {title: t}\npaths: {}\n" => "V1" Error @ 1);
finds!(v1_accepts_30_written_as_a_number: "openapi: 3.0\n" => "V1");

finds!(p1_bad_characters_and_partial_parameters: api("paths:
  /files/{id}.json: {}
  /a{b}: {}
  /ok/{id}/a_b-c.d,e:f: {}
  /bad/le$ds: {}
  /x//y: {}
  nope: {}
  x-extension: {}
") => "P1" Error @ 4, Error @ 5, Error @ 7, Error @ 8, Error @ 9);
finds!(p5_fragment_or_query_in_path: api("paths:
  /files/{file_id}#add_shared_link: {}
  /search?q: {}
") => "P5" Error @ 4, Error @ 5);
// A YAML complex key: the finding is on the `? key` line, not the paths line.
finds!(p5_on_a_complex_key_points_at_the_key: api("paths:
  /ok: {}
  ? /files/{file_id}#add_shared_link
  : put:
      responses: {200: {description: ok}}
") => "P5" Error @ 5);
finds!(p2_one_variable_child_per_parent: api("paths:
  /user/{bizId}/complaint: {}
  /user/{userId}/fans: {}
  /user/{userId}/likes: {}
  /user/{bizId}: {}
") => "P2" Error @ 5);
finds!(p3_greedy_parameter_must_be_last: api("paths:
  /{proxy+}: {}
  /a/{proxy+}/b: {}
") => "P3" Error @ 5);
finds!(p4_ping_at_root_is_reserved: api("paths:
  /ping: {}
  /ping/x: {}
  /v1/ping: {}
") => "P4" Warning @ 4);

finds!(m1_model_names_are_alphanumeric: api("components:
  schemas:
    Comment--Base: {type: object}
    body_1: {type: object}
    Good1: {type: object}
") => "M1" Error @ 5, Error @ 6);

const LATER: &str = "components:
  schemas:
    Pet:
      $id: pet
      type: object
      properties:
        if: {type: string}
        kind: {const: cat}
        age: {type: integer, exclusiveMinimum: 0}
      example: {const: 1}
    Note: {type: object, examples: [{a: 1}]}
";
finds!(m2_later_draft_keywords_one_error_per_schema: api(LATER) => "M2" Error @ 6, Error @ 13);

#[test]
fn m2_names_every_keyword_but_not_property_names_or_example_data() {
    let ds = run(&api(LATER));
    let pet = &ds.iter().find(|d| d.code == "M2").unwrap().summary;
    assert!(pet.contains("`$id`, `const`, `exclusiveMinimum`"), "{pet}");
    assert!(
        !pet.contains("`if`") && pet.contains("schema 'Pet' at $id"),
        "{pet}"
    );
}

const DROPPED: &str = "components:
  schemas:
    A:
      discriminator: {propertyName: kind}
      properties:
        n: {type: number, format: int32, default: 1, example: 2}
        id: {type: string, readOnly: true, exclusiveMaximum: true, maximum: 3}
    B: {type: object, example: {a: 1}}
";
finds!(m3_discriminator: api(DROPPED) => "M3" Warning @ 6);
finds!(m6_read_only: api(DROPPED) => "M6" Warning @ 9);
finds!(m7_example_once_per_document: api(DROPPED) => "M7" Warning @ 8);
finds!(m8_boolean_exclusive_bound: api(DROPPED) => "M8" Warning @ 9);
finds!(m10_integer_format_on_number: api(DROPPED) => "M10" Warning @ 8);
finds!(m11_default: api(DROPPED) => "M11" Warning @ 8);

const RESPONSES: &str = "paths:
  /a:
    get:
      responses:
        200: {description: ok, content: {text/plain: {schema: {type: string}}}}
        201: {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/S'}}}}
        500: {description: e, content: {application/json: {schema: {oneOf: [{type: string}]}}}}
components: {schemas: {S: {type: string}}}
";
finds!(m13_inline_primitive_response_with_integer_key: api(RESPONSES) => "M13" Warning @ 7);
finds!(m4_inline_composed_response: api(RESPONSES) => "M4" Warning @ 9);
finds!(m4_inline_composed_request_body: api("paths:
  /a:
    put:
      requestBody:
        content:
          application/json:
            schema: {anyOf: [{$ref: '#/components/schemas/S'}, {type: object}]}
      responses: {200: {description: ok}}
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/S'}}}}
      responses: {200: {description: ok}}
components: {schemas: {S: {type: object}}}
") => "M4" Warning @ 9);

finds!(a1_only_api_key_schemes_map_to_authorizers: api("components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    oauth: {type: oauth2, flows: {}}
    oidc: {type: openIdConnect, openIdConnectUrl: x}
    key: {type: apiKey, name: x-api-key, in: header}
") => "A1" Warning @ 5, Warning @ 6, Warning @ 7);
finds!(a2_root_security_only: api("security: [{key: []}]
paths:
  /a: {get: {responses: {'200': {description: ok}}}}
  /b: {get: {security: [], responses: {'200': {description: ok}}}}
") => "A2" Warning @ 3);
finds!(a2_not_when_every_operation_has_security: api("security: [{key: []}]
paths:
  /b: {get: {security: [{key: []}], responses: {'200': {description: ok}}}}
") => "A2");
finds!(a3_alternative_requirements: api("paths:
  /a:
    get:
      security: [{a: []}, {b: []}]
      responses: {'200': {description: ok}}
") => "A3" Warning @ 6);

const REFS: &str = "components:
  schemas:
    A: {$ref: 'common.yaml#/A'}
    B: {$ref: 'common.yaml#/B'}
    C: {$ref: 'https://example.com/c.json'}
    D: {$ref: '#/components/schemas/Nope'}
    E: {$ref: '#/components/schemas/A'}
";
finds!(d1_external_refs_one_error_per_document: api(REFS) => "D1" Error @ 5, Error @ 7);
finds!(ref_unresolved_internal_ref: api(REFS) => "ref" Error @ 8);

#[test]
fn resolve_ref_follows_json_pointer_escapes() {
    let doc = json!({"paths": {"/a/{id}": {"get": 1}}, "c": {"a~b": 2, "": 3}});
    assert_eq!(resolve_ref(&doc, "#/paths/~1a~1{id}/get"), Some(&json!(1)));
    assert_eq!(
        resolve_ref(&doc, "#/paths/~1a~1%7Bid%7D/get"),
        Some(&json!(1))
    );
    assert_eq!(resolve_ref(&doc, "#/c/a~0b"), Some(&json!(2)));
    assert_eq!(resolve_ref(&doc, "#"), Some(&doc));
    for bad in ["#/c/missing", "other.yaml#/c", "#/c/%zz", "#/paths/%", "c"] {
        assert_eq!(resolve_ref(&doc, bad), None, "{bad}");
    }
}

finds!(d4_intrinsic_objects: api("paths:
  /a:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        uri: {'Fn::Sub': 'arn:aws:apigateway:${AWS::Region}:lambda:path/${Fn.Arn}'}
        credentials: {Ref: Role}
        type: aws_proxy
components: {schemas: {S: {type: object, properties: {Ref: {type: string}}}}}
") => "D4" Error @ 8, Error @ 9);
finds!(d4_unrendered_template_in_extensions: api("paths:
  /a:
    get:
      description: ${not.an.extension}
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        uri: 'arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${LambdaArn}/invocations'
        connectionId: '${stageVariables.vpcLink}'
        requestTemplates: {application/json: '{\"a\": \"${input.body}\"}'}
") => "D4" Warning @ 9);

const MAPPINGS: &str = "paths:
  /a:
    get:
      responses: {'200': {description: ok}}
      x-amazon-apigateway-integration:
        type: http_proxy
        payloadFormatVersion: '1.0'
        requestParameters: {integration.request.header.X-Flag: true, integration.request.header.Y: \"'y'\"}
        responses:
          default: {statusCode: '200', responseParameters: {method.response.header.Max: 5}}
";
finds!(i1_integration_mappings_that_are_not_strings: api(MAPPINGS) => "I1" Warning @ 10, Warning @ 12);
finds!(i2_http_api_keys_in_a_rest_integration: api(MAPPINGS) => "I2" Warning @ 9);
finds!(s3_operation_without_responses: api("paths:
  /a:
    get: {description: no responses}
    post: {responses: {}}
    x-amazon-apigateway-any-method: {}
") => "S3" Warning @ 5, Warning @ 6, Warning @ 7);
finds!(s1_response_given_as_ref_once_per_target: api("paths:
  /a:
    get:
      responses:
        '500': {$ref: '#/components/responses/Err'}
    put:
      responses: {'500': {$ref: '#/components/responses/Err'}}
components: {responses: {Err: {description: e}}}
") => "S1" Warning @ 7);

finds!(r2_cookie_parameters_are_dropped: api("paths:
  /a:
    parameters: [{name: sid, in: cookie}]
    get:
      parameters: [{$ref: '#/components/parameters/Session'}, {name: q, in: query}]
      responses: {'200': {description: ok}}
components: {parameters: {Session: {name: session, in: cookie}}}
") => "R2" Warning @ 5, Warning @ 7);

#[test]
fn size_over_6_mb_is_an_error() {
    let src = SourceText::new(Path::new("big.json"), "{}".into());
    let doc = json!({"openapi": "3.0.3", "info": {"description": "x".repeat(7 << 20)}});
    let ds = lint(&doc, &src);
    assert_eq!(
        ds.iter()
            .map(|d| (d.code.as_str(), d.severity))
            .collect::<Vec<_>>(),
        [("size", Error)]
    );
    assert!(lint(
        &json!({"openapi": "3.0.3", "info": {"description": "small"}}),
        &src
    )
    .is_empty());
}

#[test]
fn odd_shapes_do_not_panic() {
    let ds = run("openapi: 3.0
info: 5
paths:
  /a: 7
  /b: [1, 2]
  /c: {parameters: 3, get: [], post: {responses: 7, parameters: {in: cookie}}, put: {responses: {'200': 5, '201': {content: 3}, '202': {content: {a: 4}}}}}
components: {schemas: [1], securitySchemes: {a: 5, b: {type: {Ref: X}}}, parameters: 4}
security: 5
x: {$ref: 7, y: {'Fn::Sub': [1, {Ref: 2}]}}
");
    assert!(ds.iter().any(|d| d.code == "S3"), "{ds:#?}");
    for doc in [
        json!(5),
        json!([]),
        json!({"paths": {"/": {"get": {"responses": {"200": {"content": {"a": {"schema": {"properties": 1, "items": [1]}}}}}}}}}),
    ] {
        lint(&doc, &SourceText::new(Path::new("x.json"), String::new()));
    }
}

#[test]
fn box_fixture_fragments_model_names_and_siblings() {
    let (doc, src) = fixture("box__box-openapi__openapi.json");
    let ds = lint(&doc, &src);
    let of = |code: &str| ds.iter().filter(|d| d.code == code).collect::<Vec<_>>();
    let fragment = of("P5")
        .into_iter()
        .find(|d| d.summary.contains("/files/{file_id}#add_shared_link"));
    assert_eq!(
        fragment.and_then(|d| d.location.as_ref()).map(|l| l.line),
        Some(11691)
    );
    assert_eq!(of("P5").len(), 19);
    assert_eq!(of("M1").len(), 43);
    assert!(of("M1")
        .iter()
        .any(|d| d.summary.contains("'Comment--Base'")));
    assert!(of("P1")[0].summary.contains("thumbnail.{extension}"));
    assert_eq!(of("P2").len(), 2);
    assert!(of("ref").is_empty() && of("D1").is_empty());
}

#[test]
fn circular_refs_are_fine() {
    let (doc, src) =
        fixture("localstack__localstack__openapi.spec.circular-ref-with-request-body.json");
    let ds = lint(&doc, &src);
    assert!(ds.iter().all(|d| !d.is_error()), "{ds:#?}");
}

/// Every key path of `v` (arrays are passed through, as the lint's paths do).
fn key_paths<'a>(v: &'a Value, at: &mut Vec<&'a str>, out: &mut Vec<Vec<&'a str>>) {
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            at.push(k);
            out.push(at.clone());
            key_paths(x, at, out);
            at.pop();
        }),
        Value::Array(a) => a.iter().for_each(|x| key_paths(x, at, out)),
        _ => {}
    }
}

#[test]
fn locator_agrees_with_source_text() {
    let mut docs = vec![fixture(
        "localstack__localstack__petstore-authorizer.swagger.json",
    )];
    let s12d = format!("{FIXTURES}aws-samples__sessions-with-aws-sam__s12d-server-api.yaml");
    let text = std::fs::read_to_string(&s12d).unwrap();
    docs.push((
        json(serde_yaml::from_str(&text).unwrap()),
        SourceText::new(Path::new(&s12d), text),
    ));
    docs.push(fixture("box__box-openapi__openapi.json"));
    for (doc, src) in &docs {
        let mut paths = Vec::new();
        key_paths(doc, &mut Vec::new(), &mut paths);
        // src.locate rescans the file per call: sample the big one.
        let step = if src.text.len() > 100_000 {
            paths.len() / 40
        } else {
            1
        };
        let mut locator = Locator::new(src);
        for path in paths.iter().step_by(step) {
            let missing = [&path[..], &["no-such-key"]].concat();
            assert_eq!(locator.locate(path), src.locate(path), "{path:?}");
            assert_eq!(
                locator.locate(&missing),
                src.locate(&missing),
                "{missing:?}"
            );
        }
    }
}

#[test]
fn a_path_fix_names_its_variable_as_the_level_already_does() {
    let found = run(&api("paths:
  /files/{file_id}: {get: {responses: {200: {description: ok}}}}
  /files/{id}.json: {get: {responses: {200: {description: ok}}}}
  /files/{id}#add_shared_link: {put: {responses: {200: {description: ok}}}}
  /files/{file_id}/thumbnail.{extension}: {get: {responses: {200: {description: ok}}}}
"));
    let hints: Vec<String> = found
        .iter()
        .filter(|d| d.code == "P1" || d.code == "P5")
        .filter_map(|d| d.hint.clone())
        .collect();
    assert_eq!(hints.len(), 3, "{found:?}");
    assert!(hints[0].contains("`/files/{file_id}`"), "{}", hints[0]);
    assert!(hints[1].contains("`/files/{file_id}`"), "{}", hints[1]);
    assert!(
        hints[2].contains("`/files/{file_id}/thumbnail/{extension}`"),
        "{}",
        hints[2]
    );
}
