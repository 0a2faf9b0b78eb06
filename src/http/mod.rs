//! The HTTP surface: the JSON API (poem-openapi), server-rendered pages, health probes, and
//! the middleware every request passes through.
//!
//! Handlers here parse and check input, call a capability, and turn its result or error into a
//! response; they build no queries themselves.

pub mod api;
mod assets;
mod calendar_feed;
mod client;
mod guard;
mod health;
mod middleware;
pub mod pages;
pub mod problem;
pub mod request_id;

use std::collections::HashMap;

use poem::{
    Endpoint, EndpointExt, IntoEndpoint, Response, Route, endpoint::BoxEndpoint, get, post,
};

use crate::AppState;

/// Largest request body any route reads. Generous for every JSON form Attune has, small
/// enough that a burst of oversized uploads cannot exhaust memory.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Largest body of a calendar file sent to be imported: the 5 MiB a fetched calendar may
/// have, plus room for its escaping inside JSON.
pub const UPLOAD_LIMIT: usize = 7 * 1024 * 1024;

/// `POST /api/v1/practitioners/{id}/busy-calendars`, which may carry a calendar file. (Seen
/// with or without the `/api/v1` the API is nested under.)
fn is_upload(path: &str) -> bool {
    let path = path.strip_prefix(API_PREFIX).unwrap_or(path);
    path.strip_prefix("/practitioners/")
        .and_then(|rest| rest.strip_suffix("/busy-calendars"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Extra routes mounted beside Attune's own, behind the same middleware (used by tests).
pub type ExtraRoutes = Vec<(String, BoxEndpoint<'static>)>;

/// Every route of the application, wrapped in the middleware that gives each request an id, a
/// log span, a body limit, and turns every failure into problem+json.
pub fn app(state: AppState, extra: ExtraRoutes) -> impl Endpoint<Output = Response> {
    let api = api::service();
    // Everything outside the JSON API answers GET (and so HEAD) only.
    let pages: Vec<(&str, BoxEndpoint<'static>)> = vec![
        ("/", get(pages::home).boxed()),
        ("/problems", get(pages::problems).boxed()),
        ("/problems/:slug", get(pages::problem).boxed()),
        ("/assets/:file", get(assets::serve).boxed()),
        ("/healthz", get(health::healthz).boxed()),
        ("/readyz", get(health::readyz).boxed()),
        (
            "/api/openapi.json",
            api.spec_endpoint().map_to_response().boxed(),
        ),
    ];
    // The booking pages, behind the same per-address ceiling as the public API.
    let forms: Vec<(&str, BoxEndpoint<'static>)> = vec![
        ("/book", get(pages::booking::choose_type).boxed()),
        (
            "/book/:slug",
            get(pages::booking::choose_time)
                .post(pages::booking::submit)
                .boxed(),
        ),
        ("/book/:slug/details", get(pages::booking::details).boxed()),
        ("/booking/:token", get(pages::booking::manage).boxed()),
        // Calendar apps: a bearer secret in the path, so the same ceiling as the pages.
        ("/calendar/:file", get(calendar_feed::serve).boxed()),
        (
            "/booking/:token/cancel",
            get(pages::booking::cancel_confirm)
                .post(pages::booking::cancel)
                .boxed(),
        ),
        (
            "/booking/:token/reschedule",
            get(pages::booking::reschedule_times)
                .post(pages::booking::reschedule)
                .boxed(),
        ),
        (
            "/intake/:token",
            get(pages::intake::form).post(pages::intake::save).boxed(),
        ),
        (
            "/consent/:token",
            get(pages::consent::show).post(pages::consent::sign).boxed(),
        ),
        (
            "/consent/:token/copy.pdf",
            get(pages::consent::copy_pdf).boxed(),
        ),
        (
            "/join/:token",
            get(pages::join::open).post(pages::join::join).boxed(),
        ),
        (
            "/portal",
            get(pages::portal::home).post(pages::portal::ask).boxed(),
        ),
        (
            "/portal/in/:token",
            get(pages::portal::link)
                .post(pages::portal::use_link)
                .boxed(),
        ),
        ("/portal/contact", post(pages::portal::save_contact).boxed()),
        (
            "/portal/questionnaires/:id",
            post(pages::portal::open_questionnaire).boxed(),
        ),
        ("/portal/sign-out", post(pages::portal::sign_out).boxed()),
        (
            "/portal/estimates/:id",
            post(pages::portal::estimate_pdf).boxed(),
        ),
        (
            "/portal/superbill",
            post(pages::portal::superbill_pdf).boxed(),
        ),
        // Sign-in is rate limited per address like the public pages.
        (
            "/admin/login",
            get(pages::admin::sign_in::login_form)
                .post(pages::admin::sign_in::login_submit)
                .boxed(),
        ),
    ];
    let mut routes = api_routes(&api.spec(), API_PREFIX);
    let mut route = Route::new().nest("/api/docs", api.swagger_ui());
    for (path, endpoint) in pages {
        routes.insert(path.to_owned(), middleware::RouteInfo::get_only());
        route = route.at(path, endpoint);
    }
    for (path, endpoint) in forms {
        let info = if path.ends_with("/details")
            || path == "/book"
            || path == "/booking/:token"
            || path == "/calendar/:file"
            || path.ends_with(".pdf")
        {
            middleware::RouteInfo::get_only()
        } else if path.starts_with("/portal/") && !path.starts_with("/portal/in/") {
            middleware::RouteInfo {
                allow: "POST".to_owned(),
                path_params: Vec::new(),
            }
        } else {
            middleware::RouteInfo::get_and_post()
        };
        routes.insert(path.to_owned(), info);
        route = route.at(path, endpoint.with(guard::PublicCeiling).boxed());
    }
    // The dashboard, behind its sign-in gate.
    for (path, endpoint, allow) in pages::admin::routes() {
        routes.insert(
            path.to_owned(),
            middleware::RouteInfo {
                allow: allow.to_owned(),
                path_params: Vec::new(),
            },
        );
        route = route.at(path, endpoint);
    }
    for (path, endpoint) in extra {
        route = route.nest(path, endpoint);
    }
    route
        .nest(
            API_PREFIX,
            api.into_endpoint()
                // A file is read only once the caller is known to be staff: the gate runs
                // first, so no one else can make the server hold megabytes.
                .with(middleware::BodyLimit::new(UPLOAD_LIMIT).only(is_upload))
                .with(guard::ApiGuard),
        )
        .with(middleware::BodyLimit::new(BODY_LIMIT).except(is_upload))
        .with(middleware::RequestContext::new(routes))
        .data(state)
}

const API_PREFIX: &str = "/api/v1";

/// Route pattern as poem matches it → `Allow` value and path parameter names, from an
/// OpenAPI document. poem-openapi registers `/staff/{id}` with poem as `/staff/:param0`, and
/// names the parameter `param0` in its parse errors; the names let a 400 say `id` instead.
fn api_routes(spec: &str, prefix: &str) -> HashMap<String, middleware::RouteInfo> {
    let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
    let Some(paths) = spec["paths"].as_object() else {
        return HashMap::new();
    };
    paths
        .iter()
        .map(|(path, operations)| {
            let mut names = Vec::new();
            let pattern: String = path
                .split('/')
                .map(
                    |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => {
                            names.push(name.to_owned());
                            format!(":param{}", names.len() - 1)
                        }
                        None => segment.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/");
            let mut methods: Vec<String> = operations
                .as_object()
                .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                .unwrap_or_default();
            if methods.iter().any(|m| m == "GET") {
                methods.push("HEAD".to_owned());
            }
            let info = middleware::RouteInfo {
                allow: methods.join(", "),
                path_params: names,
            };
            (format!("{prefix}{pattern}"), info)
        })
        .collect()
}
