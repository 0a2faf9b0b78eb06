use reqwest::StatusCode;

use crate::common::{assert_problem, spawn_app};

fn request_id(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("x-request-id")
        .expect("every response carries x-request-id")
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn every_response_gets_a_fresh_request_id_when_none_is_sent() {
    let app = spawn_app().await;
    let a = app.get("/healthz").await;
    let b = app.get("/api/v1/public/practice").await;
    let c = app.get("/does-not-exist").await;
    let ids = [request_id(&a), request_id(&b), request_id(&c)];
    for id in &ids {
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
}

#[tokio::test]
async fn a_request_id_sent_by_the_client_is_kept_on_success_and_in_problems() {
    let app = spawn_app().await;
    let ok = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "lb-4711.abc")
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&ok), "lb-4711.abc");

    let missing = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&missing), "trace-42");
    let problem = assert_problem(missing, StatusCode::NOT_FOUND).await;
    assert_eq!(problem["request_id"], "trace-42");
}

#[tokio::test]
async fn an_unreasonable_request_id_is_replaced() {
    let app = spawn_app().await;
    for bad in ["x".repeat(500), "has spaces".into(), "<script>".into()] {
        let response = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", &bad)
            .send()
            .await
            .unwrap();
        let id = request_id(&response);
        assert_ne!(id, bad);
        assert!(uuid::Uuid::parse_str(&id).is_ok());
    }
}
