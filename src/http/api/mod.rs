//! The JSON API under `/api/v1`, described by one OpenAPI document.
//!
//! One `#[OpenApi]` struct per capability, combined as a tuple into a single service. Every
//! operation returns `ApiResult<T, S>`, where `S` lists the problem statuses that operation
//! can really produce, so the document declares each of them and nothing else.

mod appointment_types;
mod appointments;
mod audit_log;
mod auth;
mod availability;
mod booking;
mod calendars;
mod clients;
mod consent;
mod emails;
mod errors;
mod estimates;
mod fees;
mod intake_public;
mod intakes;
mod invoices;
mod json;
mod measures;
mod notes;
mod plans;
mod practice;
mod practitioners;
mod questionnaires;
mod record;
mod security;
mod series;
mod staff;

use poem_openapi::{Object, OpenApiService, Tags, types::ToJSON};

pub use errors::{ApiResult, ErrorSet, Failure, errors_set};
pub use json::{JsonBody, OptionalJsonBody, parse_json};

use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    pagination::Page,
};

#[derive(Tags)]
pub enum ApiTag {
    /// What anyone may read or do without signing in: the practice's profile, free times,
    /// booking and managing a booking by its link, and a partner's intake by theirs.
    Public,
    /// Signing in and out, the signed-in user, API tokens.
    Auth,
    /// Staff accounts (owner only).
    Staff,
    /// Practice settings.
    Settings,
    /// The audit log (owner only).
    Audit,
    /// Practitioners, their hours, appointment types and appointments.
    Scheduling,
    /// Couples and individuals, and the people in them.
    Clients,
    /// The outbox of queued and sent email, and the email templates.
    Email,
    /// Questionnaires, intake assignments and their responses.
    Intake,
    /// Session notes, addenda and psychotherapy notes.
    Notes,
    /// Fees, claim codes and diagnosis codes.
    Billing,
    /// Measurement-based care: scheduled measures and each partner's scores.
    Measures,
}

/// Every capability's API.
pub type Apis = (
    practice::PracticeApi,
    booking::BookingApi,
    auth::AuthApi,
    staff::StaffApi,
    (
        practitioners::PractitionersApi,
        availability::AvailabilityApi,
    ),
    calendars::CalendarsApi,
    appointment_types::AppointmentTypesApi,
    clients::ClientsApi,
    (appointments::AppointmentsApi, series::SeriesApi),
    audit_log::AuditApi,
    emails::EmailsApi,
    (
        questionnaires::QuestionnairesApi,
        consent::ConsentApi,
        consent::ClientConsentsApi,
    ),
    intakes::IntakesApi,
    intake_public::IntakePublicApi,
    // The clinical record; nested, since a tuple of APIs holds at most 16.
    (
        notes::NotesApi,
        plans::PlansApi,
        record::RecordApi,
        measures::MeasuresApi,
    ),
    (
        fees::FeesApi,
        fees::DiagnosesApi,
        invoices::InvoicesApi,
        estimates::EstimatesApi,
    ),
);

pub fn service() -> OpenApiService<Apis, ()> {
    OpenApiService::new(
        (
            practice::PracticeApi,
            booking::BookingApi,
            auth::AuthApi,
            staff::StaffApi,
            (
                practitioners::PractitionersApi,
                availability::AvailabilityApi,
            ),
            calendars::CalendarsApi,
            appointment_types::AppointmentTypesApi,
            clients::ClientsApi,
            (appointments::AppointmentsApi, series::SeriesApi),
            audit_log::AuditApi,
            emails::EmailsApi,
            (
                questionnaires::QuestionnairesApi,
                consent::ConsentApi,
                consent::ClientConsentsApi,
            ),
            intakes::IntakesApi,
            intake_public::IntakePublicApi,
            (
                notes::NotesApi,
                plans::PlansApi,
                record::RecordApi,
                measures::MeasuresApi,
            ),
            (
                fees::FeesApi,
                fees::DiagnosesApi,
                invoices::InvoicesApi,
                estimates::EstimatesApi,
            ),
        ),
        "Attune API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Practice management for couples therapists. Every error is application/problem+json \
         (RFC 9457) with `type`, `title`, `status`, `detail`, and for validation an `errors` \
         list of `{field, message}`. Lists are paginated with `?limit=&cursor=` and return \
         `{items, next_cursor}`. Staff operations need the session cookie (plus the \
         `X-CSRF-Token` header on changes) or a bearer token.",
    )
    // Relative, so the document works on whatever host and port Attune is reached through.
    .server("/api/v1")
}

// The problem statuses each kind of operation can answer with. The API gate adds 401 and
// 403 (CSRF) to every staff operation and 429 to public ones before a handler runs.
errors_set!(
    /// A public read without input.
    pub PublicRead = [TooManyRequests, Internal, Unavailable]
);
errors_set!(
    /// A staff read without input.
    pub StaffRead = [Unauthorized, Forbidden, Internal, Unavailable]
);
errors_set!(
    /// A staff read of one thing by id.
    pub StaffReadOne = [BadRequest, Unauthorized, Forbidden, NotFound, Internal, Unavailable]
);
errors_set!(
    /// A staff read of a list, with `limit`, `cursor` and filters in the query.
    pub StaffList = [Unauthorized, Forbidden, Validation, Internal, Unavailable]
);
errors_set!(
    /// A staff read of one thing by id, shaped by a query.
    pub StaffReadQuery = [BadRequest, Unauthorized, Forbidden, NotFound, Validation, Internal, Unavailable]
);
errors_set!(
    /// A staff action on one thing by id, without a body (POST or DELETE).
    pub StaffAction = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, Internal, Unavailable]
);
errors_set!(
    /// A staff change with a JSON body.
    pub StaffWrite = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Validation, Internal, Unavailable]
);

/// The audit context of a request made by `actor`.
pub fn audit_context(state: &AppState, origin: &Origin, actor: Actor) -> AuditContext {
    AuditContext::new(actor, origin.clone(), state.clock.now())
}

/// `{items, next_cursor}`: one page of any list.
#[derive(Object)]
pub struct PageBody<T: poem_openapi::types::Type + ToJSON + poem_openapi::types::ParseFromJSON> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

impl<T: poem_openapi::types::Type + ToJSON + poem_openapi::types::ParseFromJSON> PageBody<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> Self {
        let page = page.map(f);
        Self {
            items: page.items,
            next_cursor: page.next_cursor,
        }
    }
}
