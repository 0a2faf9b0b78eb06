//! A small API mounted only in tests, at `/api/probe`, behind the same middleware as the real
//! one. It exercises the shared machinery (the JSON body extractor, query parsing, error sets,
//! panics, a request held open) before the capabilities that use it exist.

use std::sync::Arc;

use attune::{
    http::problem::ApiError,
    http::{
        ExtraRoutes,
        api::{ApiResult, JsonBody, errors_set},
    },
};
use poem::Route;
use poem::{EndpointExt, IntoEndpoint};
use poem_openapi::{
    Object, OpenApi, OpenApiService,
    param::{Path, Query},
    payload::Json,
};
use serde::Deserialize;
use tokio::sync::{Notify, Semaphore};

errors_set!(pub ProbeErrors = [BadRequest, PayloadTooLarge, UnsupportedMediaType, Validation, Internal]);

#[derive(Object, Deserialize)]
pub struct Booking {
    name: String,
    seats: u8,
    partner: Option<Partner>,
}

#[derive(Object, Deserialize)]
pub struct Partner {
    email: String,
}

#[derive(Object)]
pub struct Echo {
    name: String,
    seats: u8,
    partner_email: Option<String>,
}

/// Lets a test hold a request inside its handler: `entered` is signalled when the handler
/// starts, and the handler returns only after the test adds a permit to `release`.
pub struct Gate {
    pub entered: Notify,
    pub release: Semaphore,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            entered: Notify::new(),
            release: Semaphore::new(0),
        }
    }
}

pub struct ProbeApi {
    gate: Arc<Gate>,
}

#[OpenApi(prefix_path = "/probe")]
impl ProbeApi {
    /// Echoes a parsed body.
    #[oai(path = "/echo", method = "post")]
    async fn echo(&self, body: JsonBody<Booking>) -> ApiResult<Json<Echo>, ProbeErrors> {
        let b = body.0;
        Ok(Json(Echo {
            name: b.name,
            seats: b.seats,
            partner_email: b.partner.map(|p| p.email),
        }))
    }

    /// Takes a typed query parameter.
    #[oai(path = "/search", method = "get")]
    async fn search(&self, limit: Query<Option<u32>>) -> ApiResult<Json<u32>, ProbeErrors> {
        Ok(Json(limit.0.unwrap_or(50)))
    }

    /// Fails with an internal error whose cause must stay out of the response.
    #[oai(path = "/fail", method = "get")]
    async fn fail(&self) -> ApiResult<Json<u32>, ProbeErrors> {
        Err(ApiError::internal(anyhow::anyhow!(
            "connection string postgres://attune:hunter2@db exploded"
        ))
        .into())
    }

    /// Panics.
    #[oai(path = "/panic", method = "get")]
    async fn panic(&self) -> ApiResult<Json<u32>, ProbeErrors> {
        panic!("the probe panicked on purpose")
    }

    /// Takes a UUID path segment.
    #[oai(path = "/items/:id", method = "get")]
    async fn item(&self, id: Path<uuid::Uuid>) -> ApiResult<Json<String>, ProbeErrors> {
        Ok(Json(id.0.to_string()))
    }

    /// Waits at the gate, then answers 200.
    #[oai(path = "/held", method = "get")]
    async fn held(&self) -> ApiResult<Json<u32>, ProbeErrors> {
        self.gate.entered.notify_one();
        let permit = self.gate.release.acquire().await.expect("gate closed");
        permit.forget();
        Ok(Json(1))
    }
}

/// The probe under `/api/probe`, with its own document at `/api/probe/openapi.json`, and a
/// page that panics at `/probe-page/panic`.
pub fn routes(gate: Arc<Gate>) -> ExtraRoutes {
    let service = OpenApiService::new(ProbeApi { gate }, "probe", "1");
    let route = Route::new()
        .at("/openapi.json", service.spec_endpoint())
        .nest("/", service.into_endpoint());
    let page = Route::new().at("/panic", poem::get(panicking_page));
    vec![
        ("/api/probe".to_owned(), route.boxed()),
        ("/probe-page".to_owned(), page.boxed()),
    ]
}

#[poem::handler]
fn panicking_page() -> &'static str {
    panic!("the page panicked on purpose")
}
