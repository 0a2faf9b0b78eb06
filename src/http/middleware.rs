//! What every request passes through, outermost first:
//!
//! 1. [`RequestContext`]: assigns the request id, notes where the request comes from, opens
//!    the request's log span, catches panics, turns every error (ours, poem's,
//!    poem-openapi's) into problem+json, adds the security headers, and logs one line per
//!    request with method, route pattern, status and latency.
//! 2. [`BodyLimit`]: refuses bodies over the limit with 413 before any handler sees them.

use std::{collections::HashMap, panic::AssertUnwindSafe, sync::Arc, time::Instant};

use futures_util::{FutureExt, StreamExt};
use poem::{
    Body, Endpoint, IntoResponse, Middleware, PathPattern, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use tracing::{Instrument, field::Empty};

use crate::{
    AppState,
    http::problem::{ApiError, ProblemKind},
    http::{client, request_id},
};

pub struct RequestContext {
    routes: Arc<HashMap<String, RouteInfo>>,
}

/// What the middleware knows of a route pattern.
pub struct RouteInfo {
    /// The methods it answers, for the `Allow` header of a 405.
    pub allow: String,
    /// Its path parameters' names, in order.
    pub path_params: Vec<String>,
}

impl RouteInfo {
    pub fn get_only() -> Self {
        Self {
            allow: "GET, HEAD".to_owned(),
            path_params: Vec::new(),
        }
    }

    pub fn get_and_post() -> Self {
        Self {
            allow: "GET, HEAD, POST".to_owned(),
            path_params: Vec::new(),
        }
    }
}

/// A browser asking for a page gets errors as a page; everything else gets problem+json.
fn wants_html(req: &Request) -> bool {
    !req.uri().path().starts_with("/api/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

impl RequestContext {
    pub fn new(routes: HashMap<String, RouteInfo>) -> Self {
        Self {
            routes: Arc::new(routes),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RequestContext {
    type Output = RequestContextEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestContextEndpoint {
            inner,
            routes: self.routes.clone(),
        }
    }
}

pub struct RequestContextEndpoint<E> {
    inner: E,
    routes: Arc<HashMap<String, RouteInfo>>,
}

impl<E: Endpoint> Endpoint for RequestContextEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let id = request_id::from_request(&req);
        let method = req.method().clone();
        let state = req
            .data::<AppState>()
            .cloned()
            .expect("AppState is set outside");
        req.set_data(client::origin(&req, state.config.auth.trust_proxy, &id));
        let policy = Policy::of(req.uri().path());
        let html_errors = wants_html(&req);
        // The span records the route *pattern*, never the path: paths carry booking and
        // intake secrets, and query strings carry names typed into search boxes.
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            method = %method,
            route = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        let started = Instant::now();
        let header_id = HeaderValue::from_str(&id).ok();
        let handled = async {
            let outcome = AssertUnwindSafe(self.inner.call(req)).catch_unwind().await;
            let (mut response, route) = match outcome {
                Ok(Ok(resp)) => {
                    let resp = resp.into_response();
                    let route = resp.data::<PathPattern>().map(|p| p.0.clone());
                    (resp, route)
                }
                Ok(Err(err)) => {
                    let route = err.data::<PathPattern>().map(|p| p.0.clone());
                    let mut problem = ApiError::from(err);
                    if let Some(info) = route.as_ref().and_then(|r| self.routes.get(&**r)) {
                        problem.rename_fields(|field| {
                            let index = field.strip_prefix("param")?.parse::<usize>().ok()?;
                            info.path_params.get(index).cloned()
                        });
                    }
                    let response = if html_errors {
                        crate::http::pages::error_page(&state, &problem).await
                    } else {
                        problem.into_response()
                    };
                    (response, route)
                }
                Err(_) => {
                    // The panic hook has logged where; the message may carry data, so it
                    // stays out of the log.
                    let err = ApiError::internal(anyhow::anyhow!("a handler panicked"));
                    let response = if html_errors {
                        crate::http::pages::error_page(&state, &err).await
                    } else {
                        err.into_response()
                    };
                    (response, None)
                }
            };
            if response.status() == StatusCode::METHOD_NOT_ALLOWED
                && let Some(info) = route.as_ref().and_then(|r| self.routes.get(&**r))
                && let Ok(value) = HeaderValue::from_str(&info.allow)
            {
                response.headers_mut().insert(header::ALLOW, value);
            }
            let status = response.status().as_u16();
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let route = route.as_deref().unwrap_or("(no route)").to_owned();
            let span = tracing::Span::current();
            span.record("route", route.as_str());
            span.record("status", status);
            span.record("latency_ms", latency_ms);
            // Probes poll every few seconds; their successes would drown everything else.
            if status == 200 && matches!(route.as_str(), "/healthz" | "/readyz") {
                tracing::debug!("finished");
            } else {
                tracing::info!("finished");
            }
            if let Some(value) = header_id {
                response.headers_mut().insert(request_id::HEADER, value);
            }
            security_headers(&mut response, policy, state.public_url.is_https());
            response
        };
        Ok(request_id::scope(id, handled.instrument(span)).await)
    }
}

/// Which pages loosen the content policy, and how.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Policy {
    /// The embedded API explorer: one page of inline script and style.
    Docs,
    /// An email's HTML shown in the dashboard's preview frame: inline style only, no script,
    /// framed by Attune's own pages alone.
    EmailPreview,
    Normal,
}

impl Policy {
    fn of(path: &str) -> Self {
        if path.starts_with("/api/docs") {
            Policy::Docs
        } else if path.starts_with("/admin/settings/emails/") && path.ends_with("/html") {
            Policy::EmailPreview
        } else {
            Policy::Normal
        }
    }
}

/// Headers every response carries. Booking and intake links carry secrets in their URLs, so
/// no page may leak its address through `Referer`, be framed, or be cached by a shared
/// cache; HTML pages may load nothing but Attune's own files.
fn security_headers(response: &mut Response, policy: Policy, https: bool) {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let csp = if policy == Policy::Docs {
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    } else if policy == Policy::EmailPreview {
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; \
         form-action 'none'; sandbox; frame-ancestors 'self'"
    } else if is_html {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    let headers = response.headers_mut();
    let mut set = |name: header::HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::REFERRER_POLICY, "no-referrer");
    set(
        header::X_FRAME_OPTIONS,
        if policy == Policy::EmailPreview {
            "SAMEORIGIN"
        } else {
            "DENY"
        },
    );
    set(header::CONTENT_SECURITY_POLICY, csp);
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000");
    }
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Reads the whole request body of a POST, PUT or PATCH, up to `limit` bytes, before the
/// handler runs; other methods carry no body in this API, so theirs is dropped unread.
///
/// poem's own `SizeLimit` trusts `Content-Length` and refuses requests without one; this
/// reads chunked bodies too. An oversized body is drained (up to a bound) before answering
/// 413, so the client reads our answer instead of a connection reset while still sending.
/// Which paths a limit covers.
#[derive(Clone, Copy)]
enum Scope {
    All,
    Except(fn(&str) -> bool),
    Only(fn(&str) -> bool),
}

impl Scope {
    fn covers(self, path: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Except(picks) => !picks(path),
            Scope::Only(picks) => picks(path),
        }
    }
}

pub struct BodyLimit {
    limit: usize,
    scope: Scope,
}

impl BodyLimit {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            scope: Scope::All,
        }
    }

    /// Leaves the paths `picks` chooses to another limit further in.
    pub fn except(mut self, picks: fn(&str) -> bool) -> Self {
        self.scope = Scope::Except(picks);
        self
    }

    /// Applies only to the paths `picks` chooses.
    pub fn only(mut self, picks: fn(&str) -> bool) -> Self {
        self.scope = Scope::Only(picks);
        self
    }
}

/// How much of an oversized body is read and thrown away so the 413 arrives cleanly; beyond
/// this the connection is simply closed after the answer.
const DRAIN_LIMIT: usize = 4 * 1024 * 1024;

impl<E: Endpoint> Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint {
            inner,
            limit: self.limit,
            scope: self.scope,
        }
    }
}

/// Refuses a path or query string with an encoded NUL character (`%00`): no valid value
/// holds one, and PostgreSQL would fail on it.
pub fn refuse_nul(req: &Request) -> Result<(), ApiError> {
    let raw = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or_default();
    if raw.to_ascii_lowercase().contains("%00") {
        return Err(ApiError::bad_request(
            "The address contains a NUL character (%00), which no value may hold.",
        ));
    }
    Ok(())
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
    scope: Scope,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        refuse_nul(&req)?;
        if !self.scope.covers(req.uri().path()) {
            return self.inner.call(req).await;
        }
        if !matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) {
            req.set_body(Body::empty());
            return self.inner.call(req).await;
        }
        let limit = self.limit;
        let too_large = || {
            ApiError::new(
                ProblemKind::PayloadTooLarge,
                format!("The request body is larger than {} KiB.", limit / 1024),
            )
        };
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > (limit + DRAIN_LIMIT) as u64) {
            return Err(too_large().into());
        }

        let mut stream = req.take_body().into_bytes_stream();
        let mut data = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::bad_request("The request body could not be read."))?;
            total += chunk.len();
            if total <= limit {
                data.extend_from_slice(&chunk);
            } else if total > limit + DRAIN_LIMIT {
                break;
            }
        }
        if total > limit {
            return Err(too_large().into());
        }
        req.set_body(Body::from_vec(data));
        self.inner.call(req).await
    }
}
