//! Probes for orchestrators: `/healthz` says the process serves HTTP, `/readyz` that it can
//! also reach its database, so a load balancer sends traffic only where it can be answered.

use std::time::Duration;

use poem::{IntoResponse, Response, handler, web::Data};

use crate::{AppState, db, http::problem::ApiError};

#[handler]
pub async fn healthz() -> Response {
    ok_json()
}

#[handler]
pub async fn readyz(Data(state): Data<&AppState>) -> Response {
    match db::ping(&state.db, Duration::from_secs(2)).await {
        Ok(()) => ok_json(),
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed: database unreachable");
            ApiError::unavailable("The database is not answering.").into_response()
        }
    }
}

fn ok_json() -> Response {
    Response::builder()
        .content_type("application/json")
        .header("cache-control", "no-store")
        .body(r#"{"status":"ok"}"#)
}
