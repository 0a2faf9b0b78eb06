//! The one error type of the HTTP surface, rendered as RFC 9457 `application/problem+json`.
//!
//! Capabilities report failures in their own words (a `thiserror` enum each); `From` impls here
//! turn those into an [`ApiError`], and every response that is not a success goes through
//! [`ApiError::into_response`]: handler errors, poem's own routing and parsing failures, and
//! panics. Internal causes are logged with the request id and never sent to the client.

use poem::{
    IntoResponse, Response,
    http::{StatusCode, header},
};
use serde::Serialize;

use crate::http::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation. `field` is the JSON path (`partner.email`), the query
/// parameter or the path segment the client sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, poem_openapi::Object)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects every field that fails while a request is checked, so one answer names them all.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// The value, or `None` after noting the field's message.
    pub fn check<T, M: Into<String>>(&mut self, field: &str, result: Result<T, M>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    /// Notes a failure found by other means.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// 422 naming every field noted, or nothing if none was.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(self.0))
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
    pub errors: Option<Vec<FieldError>>,
    /// Where a problem type covers several cases, which one: e.g. for a booking,
    /// `slot_taken`, `in_past`, `before_notice`, `beyond_horizon`, `outside_hours`,
    /// `past_cutoff`.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The request's `x-request-id`, to quote when reporting a problem.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl ApiError {
    pub fn body(&self) -> ProblemBody {
        ProblemBody {
            type_: self.kind.type_uri(),
            title: self.kind.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.detail.clone(),
            errors: (!self.errors.is_empty()).then(|| self.errors.clone()),
            reason: self.reason.map(str::to_owned),
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

impl From<crate::auth::Forbidden> for ApiError {
    fn from(_: crate::auth::Forbidden) -> Self {
        Self::new(ProblemKind::Forbidden, "Your role does not allow this.")
    }
}

impl From<crate::policy::Denied> for ApiError {
    fn from(d: crate::policy::Denied) -> Self {
        use crate::policy::Denied as D;
        let detail = match d {
            D::NotClinical => "Your role does not allow clinical content.",
            D::NotYourClient => {
                "This client is another practitioner's; only they and owners see its clinical record."
            }
            D::TransferIsForOwners => "Only an owner may change who treats a client.",
            D::AssignOnlyToSelf => {
                "A clinician may take on a client nobody treats yet only as their own practitioner."
            }
            D::Role => "Your role does not allow this.",
        };
        Self::new(ProblemKind::Forbidden, detail)
    }
}

impl From<crate::auth::staff::StaffError> for ApiError {
    fn from(err: crate::auth::staff::StaffError) -> Self {
        use crate::auth::staff::StaffError;
        match err {
            StaffError::NotFound => Self::not_found("There is no staff account with that id."),
            StaffError::EmailTaken => {
                Self::conflict("A staff account with that email already exists.").with_errors(vec![
                    FieldError::new("email", "is already used by another account"),
                ])
            }
            StaffError::LastOwner => Self::conflict(
                "The practice must keep at least one active owner: make someone else an owner first.",
            ),
            StaffError::UnknownPractitioner => {
                Self::invalid("practitioner_id", "is not a practitioner of this practice")
            }
            StaffError::Db(db) => db.into(),
        }
    }
}

impl From<crate::auth::token::TokenError> for ApiError {
    fn from(err: crate::auth::token::TokenError) -> Self {
        use crate::auth::token::{MAX_ACTIVE, TokenError};
        match err {
            TokenError::TooMany => Self::conflict(format!(
                "You already have {MAX_ACTIVE} active API tokens; revoke one you no longer use."
            )),
            TokenError::Disabled => {
                Self::new(ProblemKind::Unauthorized, "This account has been disabled.")
            }
            TokenError::Db(db) => db.into(),
        }
    }
}

impl From<crate::auth::login::LoginError> for ApiError {
    fn from(err: crate::auth::login::LoginError) -> Self {
        use crate::auth::login::LoginError;
        match err {
            LoginError::InvalidCredentials => Self::new(
                ProblemKind::Unauthorized,
                "The email or password is not right.",
            ),
            LoginError::TooManyAttempts { retry_after } => Self::new(
                ProblemKind::TooManyRequests,
                "Too many sign-in attempts; please wait before trying again.",
            )
            .with_retry_after((retry_after.as_secs_f64().ceil() as u64).max(1)),
            LoginError::Db(db) => db.into(),
        }
    }
}

impl From<crate::scheduling::SchedulingError> for ApiError {
    fn from(err: crate::scheduling::SchedulingError) -> Self {
        use crate::scheduling::{Rejection, SchedulingError as E};
        let start = |message: &str, reason| Self::invalid("start", message).with_reason(reason);
        match err {
            E::UnknownType => Self::not_found("There is no such appointment type."),
            E::UnknownPractitioner => Self::not_found("There is no such practitioner."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::UnknownAppointment | E::NotFound => {
                Self::not_found("Nothing exists at this address.")
            }
            E::SlugTaken => Self::conflict("Another appointment type already has that slug.")
                .with_errors(vec![FieldError::new("slug", "is already used")]),
            E::TooManyParticipants => Self::conflict(
                "A couple has two participants and an individual one; this client is full.",
            ),
            E::NotOffered => {
                Self::invalid("practitioner_id", "does not offer this appointment type")
            }
            E::Slot(Rejection::Taken) => {
                Self::conflict("That time has just been taken. Please choose another.")
                    .with_reason("slot_taken")
            }
            E::Slot(Rejection::InPast) => start("is in the past", "in_past"),
            E::Slot(Rejection::BeforeNotice) => start(
                "is too soon: this appointment type needs more notice",
                "before_notice",
            ),
            E::Slot(Rejection::BeyondHorizon) => start(
                "is further ahead than bookings are open for",
                "beyond_horizon",
            ),
            E::Slot(Rejection::OutsideHours) => start(
                "is not one of the times offered; pick one from the list of free times",
                "outside_hours",
            ),
            E::PastCutoff { cutoff } => Self::conflict(format!(
                "Changes online were possible until {}; please contact the practice.",
                cutoff.to_rfc3339()
            ))
            .with_reason("past_cutoff"),
            E::NotLive => {
                Self::conflict("This appointment was cancelled or has already taken place.")
                    .with_reason("not_live")
            }
            E::IdempotencyMismatch => Self::invalid(
                "Idempotency-Key",
                "was already used with a different request",
            )
            .with_reason("idempotency_key_reused"),
            E::Denied(d) => d.into(),
            E::Mail(e) => Self::internal(e),
            E::Intake(e) => Self::internal(*e),
            E::UnknownQuestionnaire => {
                Self::invalid("intake_questionnaire_id", "is not a questionnaire")
            }
            E::Db(db) => db.into(),
        }
    }
}

impl From<crate::calendar::CalendarError> for ApiError {
    fn from(err: crate::calendar::CalendarError) -> Self {
        use crate::calendar::CalendarError as E;
        match err {
            E::UnknownPractitioner => Self::not_found("There is no such practitioner."),
            E::NoFeed => Self::not_found("This practitioner has no calendar feed."),
            E::UnknownBusyCalendar => Self::not_found("There is no such busy calendar."),
            E::FullDetailIsForOwners { already: false } => {
                Self::invalid("detail", "full is for the owner to choose")
            }
            E::FullDetailIsForOwners { already: true } => Self::invalid(
                "detail",
                "this feed names clients in full, so only the owner may issue its address; \
                 send minimal or initials",
            ),
            E::Denied(d) => d.into(),
            E::TooManyBusyCalendars => Self::conflict(
                "This practitioner already has as many busy calendars as allowed; remove one first.",
            ),
            E::BadCalendar(reason) => Self::invalid("ics", reason),
            E::Render(_) => Self::internal(err),
            E::Practice(e) => e.into(),
            E::Db(db) => db.into(),
        }
    }
}

impl From<crate::intake::questionnaires::QuestionnaireError> for ApiError {
    fn from(e: crate::intake::questionnaires::QuestionnaireError) -> Self {
        use crate::intake::questionnaires::QuestionnaireError as E;
        match e {
            E::NotFound => Self::not_found("There is no such questionnaire."),
            E::NoSuchVersion => Self::not_found("The questionnaire has no such version."),
            E::ReadOnly => Self::conflict(
                "Built-in questionnaires are read-only. Copy it (create a questionnaire with its \
                 definition and a slug of your own) to change it.",
            )
            .with_reason("builtin_read_only"),
            E::SlugTaken => Self::conflict("Another questionnaire already has that slug.")
                .with_errors(vec![FieldError::new("slug", "is taken")]),
            E::Invalid(errors) => Self::validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("definition.{}", e.field), e.message))
                    .collect(),
            ),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::intake::assignments::IntakeError> for ApiError {
    fn from(e: crate::intake::assignments::IntakeError) -> Self {
        use crate::intake::assignments::IntakeError as E;
        match e {
            E::NotFound => Self::not_found("There is no such intake."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::UnknownParticipant => {
                Self::invalid("participant_id", "is not one of this client's participants")
            }
            E::UnknownAppointment => {
                Self::invalid("appointment_id", "is not one of this client's appointments")
            }
            E::Denied(d) => d.into(),
            E::Expired => Self::new(
                ProblemKind::Gone,
                "This link has expired. Please ask the practice for a new one.",
            ),
            E::Submitted => {
                Self::conflict("These answers were already sent, and cannot be changed. Thank you.")
                    .with_reason("intake_submitted")
            }
            // Each problem is named by the item's id, as the form knows it.
            E::Invalid(errors) => Self::validation(errors),
            E::Unreadable => Self::internal(anyhow::anyhow!(
                "intake answers cannot be decrypted with the configured data keys"
            )),
            E::Integrity(f) => f.into(),
            E::Questionnaire(e) => e.into(),
            E::Mail(e) => Self::internal(e),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::notes::NoteError> for ApiError {
    fn from(e: crate::notes::NoteError) -> Self {
        use crate::notes::NoteError as E;
        match e {
            E::NotFound => Self::not_found("There is no such note."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::Forbidden => Self::new(
                ProblemKind::Forbidden,
                "Your role does not allow clinical content.",
            ),
            E::NotYourClient => Self::new(
                ProblemKind::Forbidden,
                "This client is another practitioner's; only they and owners see its clinical record.",
            ),
            E::NotAuthor => Self::new(
                ProblemKind::Forbidden,
                "Only the note's author or an owner may sign it.",
            ),
            E::Invalid(errors) => Self::validation(errors),
            E::Signed => Self::conflict(
                "The note is signed: it is part of the record and cannot be changed or deleted. \
                 Add an addendum instead.",
            )
            .with_reason("note_signed"),
            E::NotSigned => {
                Self::conflict("The note is a draft: sign it before adding an addendum.")
                    .with_reason("note_not_signed")
            }
            E::AppointmentHasNote => Self::conflict("That appointment already has a note.")
                .with_reason("appointment_has_note")
                .with_errors(vec![FieldError::new(
                    "appointment_id",
                    "already has a note",
                )]),
            E::NoPlan => Self::not_found("The client has no treatment plan yet; PUT one first."),
            E::AlreadyInPhase => Self::conflict("The couple is in that phase already.")
                .with_reason("already_in_phase"),
            E::Unreadable => Self::internal(anyhow::anyhow!(
                "note content cannot be decrypted with the configured data keys"
            )),
            E::Integrity(f) => f.into(),
            E::Db(e) => e.into(),
        }
    }
}

/// Not the generic "something went wrong": whoever reads the record must know that what is
/// stored was changed, and must not be shown the changed value.
impl From<crate::integrity::Failure> for ApiError {
    fn from(f: crate::integrity::Failure) -> Self {
        Self::new(
            ProblemKind::Internal,
            format!(
                "This record ({} {}) failed its integrity check: what is stored was changed \
                 outside Attune, so it is not shown. The event is in the audit log; restore \
                 the record from a backup.",
                f.kind.replace('_', " "),
                f.id
            ),
        )
        .with_reason("integrity_failure")
    }
}

impl From<crate::pagination::BadPageParam> for ApiError {
    fn from(err: crate::pagination::BadPageParam) -> Self {
        Self::invalid(err.field, err.message)
    }
}

impl From<crate::practice::PracticeError> for ApiError {
    fn from(err: crate::practice::PracticeError) -> Self {
        use crate::practice::PracticeError;
        match err {
            PracticeError::NotSetUp => Self::internal(err),
            PracticeError::Db(db) => db.into(),
        }
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
