//! The one error type of the HTTP surface, rendered as RFC 9457 `application/problem+json`.
//!
//! Capabilities report failures in their own words (a `thiserror` enum each, and
//! [`crate::validation::Invalid`] for input that breaks a rule); [`domain`] turns each into an
//! [`ApiError`], for the JSON API and the dashboard alike. Every response that is not a success
//! goes through [`ApiError::into_response`]: handler errors, poem's own routing and parsing
//! failures, and panics. Internal causes are logged with the request id and never sent to the
//! client.

mod domain;

use poem::{
    IntoResponse, Response,
    http::{StatusCode, header},
};
use serde::Serialize;

use crate::{
    http::request_id,
    validation::{FieldError, Invalid},
};

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation. `field` is the JSON path (`partner.email`), the query
/// parameter or the path segment the client sent.
// The wire form of `validation::FieldError`, which stays free of poem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, poem_openapi::Object)]
#[oai(rename = "FieldError")]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl From<&FieldError> for FieldErrorBody {
    fn from(e: &FieldError) -> Self {
        Self {
            field: e.field.clone(),
            message: e.message.clone(),
        }
    }
}

/// The kinds of problem Attune reports. Each has a stable `type` URI (documented at
/// `/problems/<slug>`) and a fixed title; the `detail` says what happened this time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProblemKind {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Gone,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    TooManyRequests,
    Internal,
    Unavailable,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 13] = [
        Self::BadRequest,
        Self::Unauthorized,
        Self::Forbidden,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::Conflict,
        Self::Gone,
        Self::PayloadTooLarge,
        Self::UnsupportedMediaType,
        Self::Validation,
        Self::TooManyRequests,
        Self::Internal,
        Self::Unavailable,
    ];

    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::Gone => StatusCode::GONE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::BadRequest => "bad-request",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict => "conflict",
            Self::Gone => "gone",
            Self::PayloadTooLarge => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::Validation => "validation-error",
            Self::TooManyRequests => "too-many-requests",
            Self::Internal => "internal-error",
            Self::Unavailable => "unavailable",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::BadRequest => "The request could not be read",
            Self::Unauthorized => "Sign-in required",
            Self::Forbidden => "Not allowed",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict => "Conflict with the current state",
            Self::Gone => "No longer available",
            Self::PayloadTooLarge => "Request body too large",
            Self::UnsupportedMediaType => "Unsupported content type",
            Self::Validation => "Some fields are not valid",
            Self::TooManyRequests => "Too many requests",
            Self::Internal => "Internal error",
            Self::Unavailable => "Service unavailable",
        }
    }

    /// What a client should understand by this type; shown on the `/problems` page.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::BadRequest => {
                "The request is malformed: for example its JSON does not parse, or a path segment has the wrong form. Fix the request; sending it again unchanged will fail again."
            }
            Self::Unauthorized => {
                "The operation needs a signed-in staff session or an API token, and none (or an expired one) was sent."
            }
            Self::Forbidden => {
                "The caller is known but may not do this, for example because of their role, or a CSRF token is missing."
            }
            Self::NotFound => {
                "Nothing exists at this address, or the link's secret is unknown. Secret links that are wrong and ones that never existed look the same."
            }
            Self::MethodNotAllowed => "The address exists but does not accept this HTTP method.",
            Self::Conflict => {
                "The request is well-formed but clashes with what is already there, for example a time that has just been taken."
            }
            Self::Gone => "The thing existed but has expired.",
            Self::PayloadTooLarge => {
                "The request body is larger than the server accepts (256 KiB for the JSON API)."
            }
            Self::UnsupportedMediaType => {
                "The body was sent without a Content-Type, or with one this operation does not read. The JSON API reads application/json."
            }
            Self::Validation => {
                "The request was understood but some values are not acceptable. The `errors` list names each field and what is wrong with it."
            }
            Self::TooManyRequests => {
                "Too many requests from this client in a short time. Wait for the number of seconds in the Retry-After header."
            }
            Self::Internal => {
                "Something went wrong on the server. Nothing about the cause is sent; quote the request_id when reporting it."
            }
            Self::Unavailable => {
                "The server cannot answer right now, for example because its database is unreachable. Try again shortly."
            }
        }
    }

    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.slug())
    }
}

/// A failure that becomes a problem+json response.
#[derive(Debug)]
pub struct ApiError {
    kind: ProblemKind,
    detail: String,
    errors: Vec<FieldError>,
    retry_after_secs: Option<u64>,
    /// A machine-readable word for what happened within the type, e.g. `slot_taken`.
    reason: Option<&'static str>,
    /// For a series that cannot be booked or moved as asked: each session that cannot.
    conflicts: Vec<ConflictBody>,
    /// Only for internal errors; goes to the log, never to the client.
    cause: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            reason: None,
            conflicts: Vec::new(),
            cause: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::BadRequest, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::NotFound, detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::Conflict, detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::Unavailable, detail)
    }

    /// 422 with one entry per field that failed.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = match errors.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are not valid.", errors.len()),
        };
        Self {
            errors,
            ..Self::new(ProblemKind::Validation, detail)
        }
    }

    /// 422 for a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    /// 500 whose cause is logged, not shown.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                ProblemKind::Internal,
                "Something went wrong on our side. It has been logged; please try again, and quote the request id if it keeps happening.",
            )
        }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_conflicts(mut self, conflicts: Vec<ConflictBody>) -> Self {
        self.conflicts = conflicts;
        self
    }

    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.reason = Some(reason);
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Renames fields (and the detail's mention of them) where `rename` returns a new name.
    pub fn rename_fields(&mut self, rename: impl Fn(&str) -> Option<String>) {
        for error in &mut self.errors {
            if let Some(name) = rename(&error.field) {
                self.detail = self
                    .detail
                    .replace(&format!("`{}`", error.field), &format!("`{name}`"));
                error.field = name;
            }
        }
    }

    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    pub fn status(&self) -> StatusCode {
        self.kind.status()
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.kind.title(),
            self.status().as_u16(),
            self.detail
        )
    }
}

/// The body of every error response, as the OpenAPI document describes it.
#[derive(Clone, Debug, Serialize, poem_openapi::Object)]
#[oai(rename = "Problem")]
pub struct ProblemBody {
    /// A URI reference naming the kind of problem; `GET` it for an explanation.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary that is the same for every problem of this type.
    pub title: String,
    /// The HTTP status code, repeated for convenience.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// For validation problems: each field that failed and why.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldErrorBody>>,
    /// Where a problem type covers several cases, which one: e.g. for a booking,
    /// `slot_taken`, `in_past`, `before_notice`, `beyond_horizon`, `outside_hours`,
    /// `past_cutoff`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For a series that cannot be booked or moved as asked (`series_conflict`): each
    /// session that cannot, and why.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<ConflictBody>>,
    /// The request's `x-request-id`, to quote when reporting a problem.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One session of a series that cannot be booked at its time.
#[derive(Clone, Debug, Serialize, poem_openapi::Object)]
#[oai(rename = "SeriesConflict")]
pub struct ConflictBody {
    pub start: chrono::DateTime<chrono::Utc>,
    pub end: chrono::DateTime<chrono::Utc>,
    /// `slot_taken` (another appointment, time off or a busy time), `outside_hours`, …
    pub reason: String,
}

impl ApiError {
    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            type_: self.kind.type_uri(),
            title: self.kind.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.detail.clone(),
            errors: (!self.errors.is_empty()).then(|| self.errors.iter().map(Into::into).collect()),
            reason: self.reason.map(str::to_owned),
            conflicts: (!self.conflicts.is_empty()).then(|| self.conflicts.clone()),
            request_id: request_id::current(),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.as_ref().map(|c| c.as_ref() as _)
    }
}

/// Lets handlers use `?` on an `ApiError` where poem expects `poem::Error`; the middleware
/// finds it again by downcasting.
impl poem::error::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        self.kind.status()
    }

    fn as_response(&self) -> Response {
        if let Some(cause) = &self.cause {
            // `{:#}` prints the whole context chain on one line.
            tracing::error!(error = format!("{cause:#}"), "internal error");
        }
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut response = Response::builder()
            .status(self.status())
            .header(header::CONTENT_TYPE, PROBLEM_JSON);
        if let Some(secs) = self.retry_after_secs {
            response = response.header(header::RETRY_AFTER, secs);
        }
        if self.kind == ProblemKind::Unauthorized {
            response = response.header(header::WWW_AUTHENTICATE, r#"Bearer realm="attune""#);
        }
        response.body(body)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        poem::error::ResponseError::as_response(&self)
    }
}

/// A database that cannot be reached is a 503 (try again soon); anything else it reports is a
/// bug or a broken invariant, so a 500.
impl From<sea_orm::DbErr> for ApiError {
    fn from(err: sea_orm::DbErr) -> Self {
        if crate::db::is_unavailable(&err) {
            tracing::warn!(error = %err, "database unreachable");
            Self::unavailable("The database is not answering; please try again shortly.")
        } else if crate::db::is_bad_value(&err) {
            // The edge checks should have caught it; log it so they can be improved.
            tracing::warn!(error = %err, "the database refused a value the API accepted");
            Self::new(
                ProblemKind::Validation,
                "A value in the request cannot be stored.",
            )
        } else {
            Self::internal(err)
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::validation(errors)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> Self {
        Self::internal(err)
    }
}

/// Turns any error poem produced (routing, extractors, body reading) into a problem.
impl From<poem::Error> for ApiError {
    fn from(err: poem::Error) -> Self {
        use poem::error::{MethodNotAllowedError, NotFoundError};

        let err = match err.downcast::<ApiError>() {
            Ok(api) => return api,
            Err(other) => other,
        };
        use poem_openapi::error::{
            ContentTypeError, ParseParamError, ParsePathError, ParseRequestPayloadError,
        };

        if err.is::<NotFoundError>() {
            return Self::not_found("Nothing exists at this address.");
        }
        if err.is::<MethodNotAllowedError>() {
            return Self::new(
                ProblemKind::MethodNotAllowed,
                "This address does not accept that HTTP method.",
            );
        }
        if let Some(e) = err.downcast_ref::<ParseParamError>() {
            return Self::invalid(e.name, e.reason.clone());
        }
        if let Some(e) = err.downcast_ref::<ParsePathError>() {
            return Self::bad_request(format!(
                "The path segment `{}` is not valid: {}",
                e.name, e.reason
            ))
            .with_errors(vec![FieldError::new(e.name, e.reason.clone())]);
        }
        if let Some(e) = err.downcast_ref::<ContentTypeError>() {
            let detail = match e {
                ContentTypeError::ExpectContentType => {
                    "The request has a body but no Content-Type header; send application/json."
                        .to_owned()
                }
                ContentTypeError::NotSupported { content_type } => {
                    format!("This operation does not read {content_type:?}; send application/json.")
                }
            };
            return Self::new(ProblemKind::UnsupportedMediaType, detail);
        }
        if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
            return Self::bad_request(format!("The request body could not be read: {}", e.reason));
        }
        let status = err.status();
        match ProblemKind::ALL.into_iter().find(|k| k.status() == status) {
            Some(kind) if status.is_client_error() => Self::new(kind, err.to_string()),
            _ if status.is_client_error() => Self::bad_request(err.to_string()),
            _ => Self::internal(anyhow::anyhow!("{err}")),
        }
    }
}
