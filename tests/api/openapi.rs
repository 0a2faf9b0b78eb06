//! The OpenAPI document is valid OpenAPI 3 and honest about errors: every operation declares
//! the problem+json responses it can return.

use openapiv3::{OpenAPI, ReferenceOr, StatusCode as OaStatus};
use reqwest::StatusCode;

use crate::common::{assert_status, spawn_app};

async fn document() -> (serde_json::Value, OpenAPI) {
    let app = spawn_app().await;
    let raw = assert_status(app.get("/api/openapi.json").await, StatusCode::OK).await;
    let parsed: OpenAPI = serde_json::from_value(raw.clone())
        .unwrap_or_else(|e| panic!("not an OpenAPI 3 document: {e}\n{raw:#}"));
    (raw, parsed)
}

#[tokio::test]
async fn the_document_is_openapi_3_with_the_public_practice_operation() {
    let (_, doc) = document().await;
    assert!(doc.openapi.starts_with("3."), "{}", doc.openapi);
    assert_eq!(doc.info.title, "Attune API");
    assert_eq!(doc.servers[0].url, "/api/v1");
    let item = match doc.paths.paths.get("/public/practice") {
        Some(ReferenceOr::Item(item)) => item,
        other => panic!("no /public/practice path: {other:?}"),
    };
    let get = item.get.as_ref().expect("GET /public/practice");
    assert_eq!(get.operation_id.as_deref(), Some("getPublicPractice"));
    assert!(get.summary.is_some(), "operations carry their doc comments");
    let statuses: Vec<u16> = get
        .responses
        .responses
        .keys()
        .filter_map(|s| match s {
            OaStatus::Code(c) => Some(*c),
            OaStatus::Range(_) => None,
        })
        .collect();
    assert_eq!(statuses, [200, 429, 500, 503]);
}

#[tokio::test]
async fn every_error_response_of_every_operation_is_problem_json() {
    let (raw, doc) = document().await;
    let mut operations = 0;
    for (path, item) in doc.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            operations += 1;
            let has_500 = op.responses.responses.contains_key(&OaStatus::Code(500));
            assert!(has_500, "{method} {path} does not declare 500");
            for (status, response) in &op.responses.responses {
                let OaStatus::Code(code) = status else {
                    continue;
                };
                if *code < 400 {
                    continue;
                }
                let ReferenceOr::Item(response) = response else {
                    panic!("{method} {path} {code}: unexpected $ref");
                };
                let media = response
                    .content
                    .get("application/problem+json")
                    .unwrap_or_else(|| panic!("{method} {path} {code} is not problem+json"));
                let schema = media.schema.as_ref().expect("a schema");
                assert!(
                    matches!(schema, ReferenceOr::Reference { reference } if reference == "#/components/schemas/Problem"),
                    "{method} {path} {code}: {schema:?}"
                );
            }
        }
    }
    assert!(operations >= 1);
    let problem = &raw["components"]["schemas"]["Problem"];
    let required: Vec<&str> = problem["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for member in ["type", "title", "status", "detail"] {
        assert!(
            required.contains(&member),
            "Problem.{member} must be required"
        );
    }
    assert!(problem["properties"]["errors"].is_object());
}

/// The statuses the shared machinery produces before a handler runs must be declared too:
/// a JSON body can be malformed (400), too large (413), of the wrong type (415) or of the
/// wrong shape (422); a query parameter can be mistyped (422); a path segment malformed (400).
#[tokio::test]
async fn operations_declare_the_errors_their_inputs_can_cause() {
    let (_, doc) = document().await;
    for (path, item) in doc.paths.paths.iter() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let declared = |code: u16| op.responses.responses.contains_key(&OaStatus::Code(code));
            let mut needed = Vec::new();
            if op.request_body.is_some() {
                needed.extend([400, 413, 415, 422]);
            }
            for param in &op.parameters {
                let ReferenceOr::Item(param) = param else {
                    continue;
                };
                match param {
                    openapiv3::Parameter::Query { .. } => needed.push(422),
                    // A path segment read as plain text cannot fail to parse.
                    openapiv3::Parameter::Path { parameter_data, .. }
                        if !is_plain_string(parameter_data) =>
                    {
                        needed.push(400)
                    }
                    _ => {}
                }
            }
            for code in needed {
                assert!(
                    declared(code),
                    "{method} {path} can answer {code} but does not declare it"
                );
            }
        }
    }
}

#[tokio::test]
async fn the_interactive_docs_page_is_served_without_any_cdn() {
    let app = spawn_app().await;
    let response = app.get("/api/docs").await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("SwaggerUIBundle"));
    assert!(!html.contains("cdn.jsdelivr") && !html.contains("unpkg.com"));
}

fn is_plain_string(data: &openapiv3::ParameterData) -> bool {
    use openapiv3::{
        ParameterSchemaOrContent, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
    };
    let ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) = &data.format else {
        return false;
    };
    matches!(&schema.schema_kind, SchemaKind::Type(Type::String(s))
        if matches!(s.format, VariantOrUnknownOrEmpty::Empty) || matches!(s.format, VariantOrUnknownOrEmpty::Item(StringFormat::Password)))
}
