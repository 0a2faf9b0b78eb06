//! Leaving one's details for a chosen time, and booking it.

use crate::http::pages::PageResult;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::appointment_type;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::*;
use crate::http::pages::page;
use crate::when;
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    crypto,
    http::problem::{ApiError, ProblemKind},
    practice,
    scheduling::{
        SchedulingError,
        booking::{self, BookingRequest},
        booking_input::{BookingInput, IdempotencyKey},
    },
    types::TimeZone,
};

/// `GET /book/{slug}/details`: the form for a chosen time.
#[handler]
pub async fn details(
    Data(state): Data<&AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ty = public_type(state, &slug).await?;
    let tz = zone(state, q.tz.as_deref()).await?;
    let Some(start) = q
        .start
        .as_deref()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
    else {
        return Ok(see_other(&format!(
            "/book/{}?tz={}",
            ty.slug,
            enc(tz.name())
        )));
    };
    let form = BookForm {
        start: start.to_rfc3339(),
        tz: tz.name().to_owned(),
        idempotency_key: crypto::Secret::generate("form_").into_string(),
        ..BookForm::default()
    };
    details_page(state, &ty, &form, HashMap::new(), None, StatusCode::OK).await
}

/// The booking form's fields, kept as typed so an error can show them again.
#[derive(Deserialize, Default, Clone)]
pub struct BookForm {
    #[serde(default)]
    start: String,
    #[serde(default)]
    tz: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    partner_name: String,
    #[serde(default)]
    partner_email: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    consent: Option<String>,
    #[serde(default)]
    idempotency_key: String,
}

/// `POST /book/{slug}`: book, then go to the booking's own page.
#[handler]
pub async fn submit(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(slug): Path<String>,
    Form(form): Form<BookForm>,
) -> PageResult {
    let ty = public_type(state, &slug).await?;
    let some = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let input = BookingInput {
        type_slug: ty.slug.clone(),
        start: form.start.clone(),
        practitioner_id: None,
        name: form.name.clone(),
        email: form.email.clone(),
        phone: some(&form.phone),
        partner_name: some(&form.partner_name),
        partner_email: some(&form.partner_email),
        message: some(&form.message),
        tz: some(&form.tz),
    };
    // The form carries its own retry key, so a double submission books once.
    let key = IdempotencyKey::parse(&form.idempotency_key)
        .map_err(|m| ApiError::invalid("idempotency_key", m))?;
    let mut errors: HashMap<String, String> = HashMap::new();
    let checked = input
        .check(practice::time_zone(&state.db).await?)
        .map_err(ApiError::from);
    if form.consent.as_deref() != Some("yes") {
        errors.insert(
            "consent".into(),
            "Please agree to be contacted about your booking.".into(),
        );
    }
    let (request, tz) = match checked {
        Ok(ok) if errors.is_empty() => ok,
        Ok(_) => {
            return details_page(
                state,
                &ty,
                &form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        // Only a form problem re-renders the form; a database that is down is a 503.
        Err(problem) if problem.kind() != ProblemKind::Validation => return Err(problem),
        Err(problem) => {
            for e in problem.errors() {
                errors.insert(e.field.clone(), field_sentence(&e.field, &e.message));
            }
            return details_page(
                state,
                &ty,
                &form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let request = BookingRequest {
        idempotency: Some((key.into_inner(), input.fingerprint())),
        ..request
    };
    let audit = AuditContext::new(Actor::ANONYMOUS, origin.clone(), state.clock.now());
    match booking::book(
        &state.db,
        &state.schedule,
        state.notifier(),
        &state.followups(),
        request,
        &audit,
    )
    .await
    {
        Ok(booked) => Ok(see_other(&format!(
            "/booking/{}?new=1&tz={}",
            booked.manage_token,
            enc(tz.name())
        ))),
        Err(SchedulingError::Slot(rejection)) => {
            let notice = rejection_notice(rejection);
            details_page(
                state,
                &ty,
                &form,
                errors,
                Some(notice),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(SchedulingError::IdempotencyMismatch) => {
            // The same form sent again with other details: treat it as a fresh form.
            let fresh = BookForm {
                idempotency_key: crypto::Secret::generate("form_").into_string(),
                ..form
            };
            let notice =
                "This form was already used to book. Check your details and send it again.";
            details_page(
                state,
                &ty,
                &fresh,
                errors,
                Some(notice),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(other) => Err(ApiError::from(other)),
    }
}

async fn details_page(
    state: &AppState,
    ty: &appointment_type::Model,
    form: &BookForm,
    errors: HashMap<String, String>,
    notice: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let tz = TimeZone::parse(&form.tz).unwrap_or(practice::time_zone(&state.db).await?);
    let practice_tz = practice::time_zone(&state.db).await?;
    let start = DateTime::parse_from_rfc3339(&form.start)
        .ok()
        .map(|s| s.with_timezone(&Utc));
    let summary: Vec<Value> = FIELDS
        .iter()
        .filter_map(|f| errors.get(*f).map(|m| json!({ "field": f, "message": m })))
        .collect();
    // Every field is named in the context (null when fine): the templates are strict.
    let errors: serde_json::Map<String, Value> = FIELDS
        .iter()
        .map(|f| {
            (
                f.to_string(),
                errors
                    .get(*f)
                    .map_or(Value::Null, |m| Value::String(m.clone())),
            )
        })
        .collect();
    let context = json!({
        "notices": client_notices(state).await?,
        "type": type_context(ty),
        "action": format!("/book/{}", ty.slug),
        "times_href": format!("/book/{}?tz={}", ty.slug, enc(tz.name())),
        "when_client": start.map(|s| when::full(s, tz)),
        "when_practice": start.filter(|_| tz != practice_tz).map(|s| when::full(s, practice_tz)),
        "values": {
            "start": form.start,
            "tz": form.tz,
            "name": form.name,
            "email": form.email,
            "phone": form.phone,
            "partner_name": form.partner_name,
            "partner_email": form.partner_email,
            "message": form.message,
            "consent": form.consent.is_some(),
            "idempotency_key": form.idempotency_key,
        },
        "errors": errors,
        "error_summary": summary,
        "notice": notice,
    });
    page(state, status, "pages/book_details", "Your details", context).await
}

/// The booking form's fields, in the order errors are listed.
const FIELDS: [&str; 9] = [
    "name",
    "email",
    "phone",
    "partner_name",
    "partner_email",
    "message",
    "consent",
    "start",
    "tz",
];

/// A field error as a sentence for the page ("Email must be an email address…").
fn field_sentence(field: &str, message: &str) -> String {
    let label = match field {
        "name" => "Your name",
        "email" => "Your email",
        "phone" => "Phone",
        "partner_name" => "Your partner's name",
        "partner_email" => "Your partner's email",
        "message" => "Your message",
        "start" => "The time",
        "tz" => "The time zone",
        _ => "This",
    };
    crate::http::pages::sentence(label, message)
}
