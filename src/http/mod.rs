//! The HTTP surface: the JSON API (poem-openapi), server-rendered pages, health probes, and
//! the middleware every request passes through.
//!
//! Handlers here parse and check input, call a capability, and turn its result or error into a
//! response; they build no queries themselves.

pub mod api;
mod assets;
mod health;
mod middleware;
mod pages;
pub mod request_id;

use poem::{Endpoint, EndpointExt, IntoEndpoint, Response, Route, endpoint::BoxEndpoint, get};

use crate::AppState;

/// Largest request body any route reads. Generous for every JSON form Attune has, small
/// enough that a burst of oversized uploads cannot exhaust memory.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Extra routes mounted beside Attune's own, behind the same middleware (used by tests).
pub type ExtraRoutes = Vec<(String, BoxEndpoint<'static>)>;

/// Every route of the application, wrapped in the middleware that gives each request an id, a
/// log span, a body limit, and turns every failure into problem+json.
pub fn app(state: AppState, extra: ExtraRoutes) -> impl Endpoint<Output = Response> {
    let api = api::service();
    let mut route = Route::new()
        .at("/", get(pages::home))
        .at("/problems", get(pages::problems))
        .at("/problems/:slug", get(pages::problem))
        .at("/assets/:file", get(assets::serve))
        .at("/healthz", get(health::healthz))
        .at("/readyz", get(health::readyz))
        .at("/api/openapi.json", api.spec_endpoint())
        .nest("/api/docs", api.swagger_ui());
    for (path, endpoint) in extra {
        route = route.nest(path, endpoint);
    }
    let api = api.into_endpoint();
    route
        .nest("/api/v1", api)
        .data(state)
        .with(middleware::BodyLimit::new(BODY_LIMIT))
        .with(middleware::RequestContext)
}
