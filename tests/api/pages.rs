use reqwest::StatusCode;

use crate::common::{TestApp, assert_problem, spawn_app};

#[tokio::test]
async fn the_front_page_names_the_practice_and_links_the_api_docs() {
    let app = TestApp::builder()
        .configure(|c| c.seed.practice_name = "Harbor & Co <Couples>".into())
        .spawn()
        .await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    // Escaped, not injected.
    assert!(html.contains("Harbor &amp; Co &lt;Couples&gt;"), "{html}");
    assert!(html.contains(r#"href="/api/docs""#));
    assert!(html.contains(r#"href="/assets/attune.css""#));
}

#[tokio::test]
async fn the_stylesheet_is_served_from_the_binary() {
    let app = spawn_app().await;
    let response = app.get("/assets/attune.css").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/css; charset=utf-8"
    );
    assert!(response.text().await.unwrap().contains("--accent"));
    assert_problem(app.get("/assets/missing.css").await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn the_problem_reference_lists_every_type() {
    let app = spawn_app().await;
    let html = app.get("/problems").await.text().await.unwrap();
    for slug in [
        "bad-request",
        "not-found",
        "method-not-allowed",
        "payload-too-large",
        "unsupported-media-type",
        "validation-error",
        "too-many-requests",
        "internal-error",
        "unavailable",
    ] {
        assert!(html.contains(&format!("id=\"{slug}\"")), "{slug} missing");
    }
}
