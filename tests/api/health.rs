use reqwest::StatusCode;

use crate::common::{assert_problem, assert_status, spawn_app};

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app().await;
    let body = assert_status(app.get("/healthz").await, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_answers_ok_while_the_database_answers() {
    let app = spawn_app().await;
    let body = assert_status(app.get("/readyz").await, StatusCode::OK).await;
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn readyz_is_503_problem_when_the_database_is_gone_but_healthz_stays_up() {
    let app = spawn_app().await;
    app.state.db.close_by_ref().await.unwrap();

    let problem = assert_problem(app.get("/readyz").await, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(problem["type"], "/problems/unavailable");
    assert_status(app.get("/healthz").await, StatusCode::OK).await;

    // An API read that needs the database says the same, not a 500.
    assert_problem(
        app.get("/api/v1/public/practice").await,
        StatusCode::SERVICE_UNAVAILABLE,
    )
    .await;
}
