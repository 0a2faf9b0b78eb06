//! Every kind of bad input gets problem+json with the right status, never a 500 or a panic.

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, assert_problem, assert_status, error_fields, probe, spawn_app};

async fn app_with_probe() -> TestApp {
    TestApp::builder()
        .extra_routes(probe::routes(Arc::new(probe::Gate::default())))
        .spawn()
        .await
}

/// POSTs `body` to the probe's echo operation with the given `Content-Type` (none if `None`).
async fn echo(
    app: &TestApp,
    content_type: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    let mut request = app.client.post(app.url("/api/probe/probe/echo"));
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    request.body(body).send().await.unwrap()
}

const JSON: Option<&str> = Some("application/json");

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    for path in ["/nope", "/api/nope", "/api/v1/public/practice/extra"] {
        let problem = assert_problem(app.get(path).await, StatusCode::NOT_FOUND).await;
        assert_eq!(problem["type"], "/problems/not-found");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    for method in [Method::POST, Method::DELETE, Method::PUT] {
        let response = app
            .client
            .request(method, app.url("/api/v1/public/practice"))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
        assert_eq!(problem["type"], "/problems/method-not-allowed");
    }
}

#[tokio::test]
async fn a_405_says_which_methods_the_address_allows() {
    let app = spawn_app().await;
    for (path, allowed) in [
        ("/api/v1/public/practice", "GET, HEAD"),
        ("/healthz", "GET, HEAD"),
    ] {
        let response = app.client.delete(app.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some(allowed),
            "{path}"
        );
        assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
    }
    // HEAD is answered wherever GET is.
    let head = app
        .client
        .head(app.url("/api/v1/public/practice"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_malformed_path_segment_is_a_400_naming_it() {
    let app = app_with_probe().await;
    let ok = app
        .get(&format!("/api/probe/probe/items/{}", uuid::Uuid::new_v4()))
        .await;
    assert_status(ok, StatusCode::OK).await;
    let problem = assert_problem(
        app.get("/api/probe/probe/items/not-a-uuid").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    // The probe is outside Attune's own document, so its parameter keeps poem-openapi's
    // positional name; Attune's own operations name it (see the staff tests).
    assert_eq!(error_fields(&problem).len(), 1);
}

#[tokio::test]
async fn a_body_sent_with_a_get_is_ignored_however_large() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/public/practice"))
        .body(vec![b'x'; 512 * 1024])
        .send()
        .await
        .unwrap();
    assert_status(response, StatusCode::OK).await;
}

#[tokio::test]
async fn a_well_formed_body_is_accepted() {
    let app = app_with_probe().await;
    let body = json!({"name": "A", "seats": 2, "partner": {"email": "b@example.org"}});
    let response = echo(&app, JSON, body.to_string()).await;
    let body = assert_status(response, StatusCode::OK).await;
    assert_eq!(body["partner_email"], "b@example.org");
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_with_its_position() {
    let app = app_with_probe().await;
    for body in ["{\"name\": ", "nonsense", "", "{\"name\": \"A\",}"] {
        let response = echo(&app, JSON, body).await;
        let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem["type"], "/problems/bad-request", "{body:?}");
    }
}

#[tokio::test]
async fn wrongly_typed_json_is_a_422_naming_the_field() {
    let app = app_with_probe().await;
    let cases = [
        (json!({"seats": 2}), "name"),
        (json!({"name": 7, "seats": 2}), "name"),
        (json!({"name": "A", "seats": "two"}), "seats"),
        (json!({"name": "A", "seats": -1}), "seats"),
        (
            json!({"name": "A", "seats": 1, "partner": {"email": false}}),
            "partner.email",
        ),
        (json!([1, 2]), "body"),
    ];
    for (body, field) in cases {
        let response = echo(&app, JSON, body.to_string()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(problem["type"], "/problems/validation-error");
        assert_eq!(error_fields(&problem), [field], "{body}");
        assert!(problem["errors"][0]["message"].is_string());
    }
}

#[tokio::test]
async fn a_missing_or_wrong_content_type_is_a_415_problem() {
    let app = app_with_probe().await;
    let body = r#"{"name":"A","seats":1}"#;
    let missing = echo(&app, None, body).await;
    let problem = assert_problem(missing, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(problem["type"], "/problems/unsupported-media-type");

    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "not a mime",
    ] {
        let wrong = echo(&app, Some(content_type), body).await;
        assert_problem(wrong, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }

    // JSON with a charset parameter or a +json subtype is still JSON.
    for content_type in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let ok = echo(&app, Some(content_type), body).await;
        assert_status(ok, StatusCode::OK).await;
    }
}

#[tokio::test]
async fn a_body_over_256_kib_is_a_413_problem_with_or_without_content_length() {
    let app = app_with_probe().await;
    let name = "x".repeat(300 * 1024);
    let oversized = json!({"name": name, "seats": 1}).to_string();

    let sized = echo(&app, JSON, oversized.clone()).await;
    let problem = assert_problem(sized, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(problem["type"], "/problems/payload-too-large");

    // Chunked, so the server cannot know the size until it reads.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = oversized
        .into_bytes()
        .chunks(16 * 1024)
        .map(|c| Ok(c.to_vec()))
        .collect();
    let chunked = echo(
        &app,
        JSON,
        reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)),
    )
    .await;
    assert_problem(chunked, StatusCode::PAYLOAD_TOO_LARGE).await;

    // Just under the limit is fine.
    let fits = json!({"name": "x".repeat(250 * 1024), "seats": 1});
    let ok = echo(&app, JSON, fits.to_string()).await;
    assert_status(ok, StatusCode::OK).await;
}

#[tokio::test]
async fn a_body_far_over_the_limit_is_refused_before_it_is_read() {
    let app = app_with_probe().await;
    let response = app
        .client
        .post(app.url("/api/probe/probe/echo"))
        .header("content-type", "application/json")
        .body(vec![b' '; 64 * 1024 * 1024])
        .send()
        .await;
    // The server answers 413 and closes the connection without reading 64 MiB; depending on
    // timing the client sees the answer or a closed connection, but never a success.
    if let Ok(response) = response {
        assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
    }
    // And the server is still fine.
    assert_status(app.get("/healthz").await, StatusCode::OK).await;
}

#[tokio::test]
async fn a_wrongly_typed_query_parameter_is_a_422_naming_it() {
    let app = app_with_probe().await;
    assert_status(
        app.get("/api/probe/probe/search?limit=5").await,
        StatusCode::OK,
    )
    .await;
    for query in ["limit=abc", "limit=-3", "limit=1.5"] {
        let response = app.get(&format!("/api/probe/probe/search?{query}")).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(error_fields(&problem), ["limit"], "{query}");
    }
}

#[tokio::test]
async fn an_internal_error_is_a_generic_500_that_hides_its_cause() {
    let app = app_with_probe().await;
    let problem = assert_problem(
        app.get("/api/probe/probe/fail").await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert_eq!(problem["type"], "/problems/internal-error");
    let text = problem.to_string();
    assert!(
        !text.contains("hunter2") && !text.contains("postgres"),
        "{text}"
    );
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_problem_and_the_server_carries_on() {
    let app = app_with_probe().await;
    let problem = assert_problem(
        app.get("/api/probe/probe/panic").await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(!problem.to_string().contains("on purpose"));
    assert_status(app.get("/healthz").await, StatusCode::OK).await;

    // A browser asking for a page gets a page, not JSON.
    let page = app
        .client
        .get(app.url("/probe-page/panic"))
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<html") && !html.contains("on purpose"),
        "{html}"
    );
}

#[tokio::test]
async fn problem_types_are_documented_at_their_address() {
    let app = spawn_app().await;
    let problem = assert_problem(app.get("/nope").await, StatusCode::NOT_FOUND).await;
    let page = app.get(problem["type"].as_str().unwrap()).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("404 Not found"), "{html}");

    let unknown = app.get("/problems/no-such-problem").await;
    assert_problem(unknown, StatusCode::NOT_FOUND).await;
}
