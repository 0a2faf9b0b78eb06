//! The JSON API under `/api/v1`, described by one OpenAPI document.
//!
//! One `#[OpenApi]` struct per capability, combined as a tuple into a single service. Every
//! operation returns `ApiResult<T, S>`, where `S` lists the problem statuses that operation
//! can really produce, so the document declares each of them and nothing else.

mod errors;
mod json;
mod practice;

use poem_openapi::{OpenApiService, Tags};

pub use errors::{ApiResult, ErrorSet, Failure, errors_set};
pub use json::{JsonBody, parse_json};

#[derive(Tags)]
pub enum ApiTag {
    /// What anyone may read or do without signing in: the practice's profile, and later
    /// booking and intake.
    Public,
}

/// Every capability's API; grows into a tuple as capabilities arrive.
pub type Apis = practice::PracticeApi;

pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        practice::PracticeApi,
        "Attune API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Practice management for couples therapists. Every error is application/problem+json \
         (RFC 9457) with `type`, `title`, `status`, `detail`, and for validation an `errors` \
         list of `{field, message}`. Lists are paginated with `?limit=&cursor=` and return \
         `{items, next_cursor}`.",
    )
    // Relative, so the document works on whatever host and port Attune is reached through.
    .server("/api/v1")
}
