//! What every request passes through, outermost first:
//!
//! 1. [`RequestContext`]: assigns the request id, opens the request's log span, catches panics,
//!    turns every error (ours, poem's, poem-openapi's) into problem+json, and logs one line
//!    per request with method, route pattern, status and latency.
//! 2. [`BodyLimit`]: refuses bodies over the limit with 413 before any handler sees them.

use std::{any::Any, panic::AssertUnwindSafe, time::Instant};

use futures_util::{FutureExt, StreamExt};
use poem::{
    Body, Endpoint, IntoResponse, Middleware, PathPattern, Request, Response, http::HeaderValue,
};
use tracing::{Instrument, field::Empty};

use crate::{
    error::{ApiError, ProblemKind},
    http::request_id,
};

pub struct RequestContext;

impl<E: Endpoint> Middleware<E> for RequestContext {
    type Output = RequestContextEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestContextEndpoint { inner }
    }
}

pub struct RequestContextEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for RequestContextEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let id = request_id::from_request(&req);
        let method = req.method().clone();
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
                    (ApiError::from(err).into_response(), route)
                }
                Err(panic) => {
                    let message = panic_message(&*panic);
                    let err = ApiError::internal(anyhow::anyhow!("handler panicked: {message}"));
                    (err.into_response(), None)
                }
            };
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
            response
        };
        Ok(request_id::scope(id, handled.instrument(span)).await)
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// Reads the whole request body, up to `limit` bytes, before the handler runs.
///
/// poem's own `SizeLimit` trusts `Content-Length` and refuses requests without one, which
/// would turn away every plain GET; this reads chunked bodies too. An oversized body is
/// drained (up to a bound) before answering 413, so the client reads our answer instead of a
/// connection reset while it is still sending.
pub struct BodyLimit {
    limit: usize,
}

impl BodyLimit {
    pub fn new(limit: usize) -> Self {
        Self { limit }
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
        }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
}

impl<E: Endpoint> Endpoint for BodyLimitEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let too_large = || {
            ApiError::new(
                ProblemKind::PayloadTooLarge,
                format!("The request body is larger than {} KiB.", self.limit / 1024),
            )
        };
        let declared = req
            .headers()
            .get(poem::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > (self.limit + DRAIN_LIMIT) as u64) {
            return Err(too_large().into());
        }

        let mut stream = req.take_body().into_bytes_stream();
        let mut data = Vec::new();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::bad_request("The request body could not be read."))?;
            total += chunk.len();
            if total <= self.limit {
                data.extend_from_slice(&chunk);
            } else if total > self.limit + DRAIN_LIMIT {
                break;
            }
        }
        if total > self.limit {
            return Err(too_large().into());
        }
        req.set_body(Body::from_vec(data));
        self.inner.call(req).await
    }
}
