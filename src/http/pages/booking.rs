//! The booking pages: `/book` (choose a type, a time, then leave your details) and
//! `/booking/{token}` (see, cancel or move a booking). Every step is a plain link or form, so
//! it all works without JavaScript; a small script only preselects the visitor's zone.

use crate::http::pages::PageResult;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::appointment_type;
use poem::{
    Response, handler,
    http::{StatusCode, header},
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::page;
use crate::when;
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    crypto,
    http::problem::{ApiError, ProblemKind},
    practice,
    scheduling::{
        SchedulingError,
        appointments::{self, Booker, CancelledBy},
        booking::{self, BookingRequest, ManagedBooking},
        booking_input::{self, BookingInput, IdempotencyKey},
        slots::Rejection,
        types,
    },
    types::TimeZone,
};

/// Days shown on one page of free times.
const WEEK: i64 = 7;

/// Zones offered in the selector (plus the practice's and the visitor's own, if different):
/// where clients of an English-speaking couples practice are likely to be.
const ZONES: &[&str] = &[
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Phoenix",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Athens",
    "Europe/Helsinki",
    "Africa/Johannesburg",
    "Asia/Jerusalem",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// Query strings are read leniently: a page with an odd parameter still shows.
#[derive(Deserialize, Default)]
pub struct PageQuery {
    tz: Option<String>,
    week: Option<String>,
    start: Option<String>,
    new: Option<String>,
    moved: Option<String>,
    /// Why the last attempt to move a booking failed.
    problem: Option<String>,
}

/// `GET /book`: the bookable types, or straight to the only one.
#[handler]
pub async fn choose_type(Data(state): Data<&AppState>) -> PageResult {
    let types = types::list_public(&state.db).await?;
    if let [only] = types.as_slice() {
        return Ok(see_other(&format!("/book/{}", only.slug)));
    }
    let items: Vec<Value> = types.iter().map(type_context).collect();
    page(
        state,
        StatusCode::OK,
        "pages/book_types",
        "Book",
        json!({ "types": items }),
    )
    .await
}

/// `GET /book/{slug}`: a week of free times in the visitor's zone.
#[handler]
pub async fn choose_time(
    Data(state): Data<&AppState>,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let ty = public_type(state, &slug).await?;
    let tz = zone(state, q.tz.as_deref()).await?;
    let week = week_start(state, tz, q.week.as_deref());
    let days = free_days(state, &ty, tz, week, None).await?;
    let base = format!("/book/{}", ty.slug);
    let context = json!({
        "type": type_context(&ty),
        "single_type": types::list_public(&state.db).await?.len() == 1,
        "tz": tz.name(),
        "zones": zone_options(tz, practice::time_zone(&state.db).await?),
        "form_action": base,
        "days": days_context(&days, tz, |start| {
            format!("{base}/details?start={}&tz={}", enc(&start.to_rfc3339()), enc(tz.name()))
        }),
        "navigation": navigation(state, &ty, tz, week, &base),
        "picking_for": Value::Null,
    });
    page(state, StatusCode::OK, "pages/book_times", &ty.name, context).await
}

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
    match booking::book(&state.db, state.notifier(), request, &audit).await {
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

/// `GET /booking/{token}`: the booking, with what can still be done with it.
#[handler]
pub async fn manage(
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let managed = managed(state, &token).await?;
    let practice_tz = practice::time_zone(&state.db).await?;
    let client_tz = q.tz.as_deref().and_then(|t| TimeZone::parse(t).ok());
    let a = &managed.appointment;
    let status = appointments::status_name(a.status);
    let can_change = a.status == entity::appointment::AppointmentStatus::Confirmed
        && state.clock.now() <= managed.cutoff();
    let tz_query = client_tz
        .map(|t| format!("?tz={}", enc(t.name())))
        .unwrap_or_default();
    let context = json!({
        "is_new": q.new.is_some(),
        "is_moved": q.moved.is_some(),
        "status": status,
        "is_cancelled": status == "cancelled",
        "can_change": can_change,
        "change_until": when::full(managed.cutoff(), practice_tz),
        "type": type_context(&managed.appointment_type),
        "practitioner": managed.practitioner.name,
        "when_practice": when::full(a.starts_at, practice_tz),
        "practice_zone": practice_tz.name(),
        "when_client": client_tz.filter(|t| *t != practice_tz).map(|t| when::full(a.starts_at, t)),
        "client_zone": client_tz.map(|t| t.name()),
        "manage_url": state.public_url.link(&format!("/booking/{token}")),
        "ics_url": state.public_url.link(&format!("/api/v1/public/bookings/{token}/ics")),
        "cancel_href": format!("/booking/{token}/cancel{tz_query}"),
        "reschedule_href": format!("/booking/{token}/reschedule{tz_query}"),
    });
    let title = if q.new.is_some() {
        "You're booked"
    } else {
        "Your booking"
    };
    page(state, StatusCode::OK, "pages/booking", title, context).await
}

/// `GET /booking/{token}/cancel`: are you sure?
#[handler]
pub async fn cancel_confirm(
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let managed = managed(state, &token).await?;
    let practice_tz = practice::time_zone(&state.db).await?;
    let context = json!({
        "type": type_context(&managed.appointment_type),
        "when_practice": when::full(managed.appointment.starts_at, practice_tz),
        "action": format!("/booking/{token}/cancel"),
        "back_href": format!("/booking/{token}{}", q.tz.as_deref().map(|t| format!("?tz={}", enc(t))).unwrap_or_default()),
        "tz": q.tz.unwrap_or_default(),
    });
    page(
        state,
        StatusCode::OK,
        "pages/booking_cancel",
        "Cancel your booking",
        context,
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    tz: String,
}

/// `POST /booking/{token}/cancel`.
#[handler]
pub async fn cancel(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
    Form(form): Form<CancelForm>,
) -> PageResult {
    let managed = managed(state, &token).await?;
    let reason =
        Some(form.reason.trim().chars().take(2000).collect::<String>()).filter(|r| !r.is_empty());
    let audit = AuditContext::new(
        Actor::client_link(managed.appointment.id),
        origin.clone(),
        state.clock.now(),
    );
    appointments::cancel(
        &state.db,
        state.notifier(),
        managed.appointment.id,
        reason,
        CancelledBy::Client,
        &audit,
    )
    .await?;
    Ok(see_other(&format!(
        "/booking/{token}{}",
        tz_suffix(&form.tz, "?")
    )))
}

/// `GET /booking/{token}/reschedule`: free times of the same type with the same practitioner.
#[handler]
pub async fn reschedule_times(
    Data(state): Data<&AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let managed = managed(state, &token).await?;
    let ty = &managed.appointment_type;
    let tz = zone(state, q.tz.as_deref()).await?;
    let week = week_start(state, tz, q.week.as_deref());
    let days = free_days(state, ty, tz, week, Some(managed.practitioner.id)).await?;
    let base = format!("/booking/{token}/reschedule");
    let practice_tz = practice::time_zone(&state.db).await?;
    let context = json!({
        "type": type_context(ty),
        "single_type": true,
        "tz": tz.name(),
        "zones": zone_options(tz, practice_tz),
        "form_action": base,
        "days": days_context(&days, tz, |_| String::new()),
        "navigation": navigation(state, ty, tz, week, &base),
        "picking_for": {
            "action": base,
            "current": when::full(managed.appointment.starts_at, tz),
            "back_href": format!("/booking/{token}?tz={}", enc(tz.name())),
        },
        "notice": q.problem.as_deref().and_then(move_problem),
    });
    page(
        state,
        StatusCode::OK,
        "pages/book_times",
        "Choose a new time",
        context,
    )
    .await
}

/// What to tell someone whose new time could not be had.
fn move_problem(slug: &str) -> Option<&'static str> {
    Some(match slug {
        "taken" => {
            "Sorry, that time has just been taken. Your booking is unchanged; please choose another time."
        }
        "too_soon" => {
            "That time is too soon to book now. Your booking is unchanged; please choose a later time."
        }
        "not_offered" => {
            "That time is no longer offered. Your booking is unchanged; please choose another time."
        }
        _ => return None,
    })
}

#[derive(Deserialize, Default)]
pub struct MoveForm {
    #[serde(default)]
    start: String,
    #[serde(default)]
    tz: String,
}

/// `POST /booking/{token}/reschedule`.
#[handler]
pub async fn reschedule(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Path(token): Path<String>,
    Form(form): Form<MoveForm>,
) -> PageResult {
    let managed = managed(state, &token).await?;
    let start = booking_input::parse_start(&form.start)?;
    let audit = AuditContext::new(
        Actor::client_link(managed.appointment.id),
        origin.clone(),
        state.clock.now(),
    );
    match appointments::reschedule(
        &state.db,
        state.notifier(),
        managed.appointment.id,
        start,
        Booker::Online,
        &audit,
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/booking/{token}?moved=1{}",
            tz_suffix(&form.tz, "&")
        ))),
        Err(SchedulingError::Slot(rejection)) => {
            // Taken meanwhile, or no longer offered: the times again, saying why.
            let problem = match rejection {
                Rejection::Taken => "taken",
                Rejection::InPast | Rejection::BeforeNotice => "too_soon",
                Rejection::BeyondHorizon | Rejection::OutsideHours => "not_offered",
            };
            Ok(see_other(&format!(
                "/booking/{token}/reschedule?problem={problem}{}",
                tz_suffix(&form.tz, "&")
            )))
        }
        Err(e) => Err(ApiError::from(e)),
    }
}

// --- Pieces ---------------------------------------------------------------------------------

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

fn rejection_notice(r: Rejection) -> &'static str {
    match r {
        Rejection::Taken => "Sorry, that time has just been taken. Please choose another.",
        Rejection::InPast | Rejection::BeforeNotice => {
            "That time is now too soon to book. Please choose a later one."
        }
        Rejection::BeyondHorizon | Rejection::OutsideHours => {
            "That time is no longer offered. Please choose another."
        }
    }
}

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
    super::sentence(label, message)
}

async fn public_type(state: &AppState, slug: &str) -> PageResult<appointment_type::Model> {
    Ok(types::find_public(&state.db, slug).await?)
}

async fn managed(state: &AppState, token: &str) -> PageResult<ManagedBooking> {
    Ok(booking::by_token(&state.db, token).await?)
}

async fn zone(state: &AppState, tz: Option<&str>) -> PageResult<TimeZone> {
    match tz.and_then(|t| TimeZone::parse(t).ok()) {
        Some(tz) => Ok(tz),
        None => Ok(practice::time_zone(&state.db).await?),
    }
}

/// The first day shown: the `week` asked for, but never before today.
fn week_start(state: &AppState, tz: TimeZone, week: Option<&str>) -> NaiveDate {
    let today = state.clock.now().with_timezone(&tz.tz()).date_naive();
    week.and_then(|w| NaiveDate::parse_from_str(w, "%Y-%m-%d").ok())
        .filter(|w| *w >= today && *w <= today + Duration::days(800))
        .unwrap_or(today)
}

/// Free start times of a week, by local date.
async fn free_days(
    state: &AppState,
    ty: &appointment_type::Model,
    tz: TimeZone,
    week: NaiveDate,
    practitioner: Option<uuid::Uuid>,
) -> PageResult<BTreeMap<NaiveDate, Vec<DateTime<Utc>>>> {
    let (from, to) = (tz.start_of(week), tz.start_of(week + Duration::days(WEEK)));
    let free = booking::free_times(&state.db, ty, from, to, state.clock.now()).await?;
    let mut days: BTreeMap<NaiveDate, Vec<DateTime<Utc>>> = BTreeMap::new();
    for (slot, p) in free {
        if practitioner.is_some_and(|only| only != p) {
            continue;
        }
        let times = days
            .entry(slot.start.with_timezone(&tz.tz()).date_naive())
            .or_default();
        // Several practitioners free at once show as one time.
        if times.last() != Some(&slot.start) {
            times.push(slot.start);
        }
    }
    Ok(days)
}

fn days_context(
    days: &BTreeMap<NaiveDate, Vec<DateTime<Utc>>>,
    tz: TimeZone,
    href: impl Fn(DateTime<Utc>) -> String,
) -> Vec<Value> {
    days.iter()
        .map(|(date, times)| {
            json!({
                "label": when::day(*date),
                "id": format!("day-{date}"),
                "times": times.iter().map(|t| json!({
                    "label": when::time(*t, tz),
                    "start": t.to_rfc3339(),
                    "href": href(*t),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

fn navigation(
    state: &AppState,
    ty: &appointment_type::Model,
    tz: TimeZone,
    week: NaiveDate,
    base: &str,
) -> Value {
    let today = state.clock.now().with_timezone(&tz.tz()).date_naive();
    let last_day = (state.clock.now() + types::slot_rules(ty).horizon)
        .with_timezone(&tz.tz())
        .date_naive();
    let link = |day: NaiveDate| format!("{base}?tz={}&week={day}", enc(tz.name()));
    let earlier = week - Duration::days(WEEK);
    let later = week + Duration::days(WEEK);
    json!({
        "range": format!("{} – {}", when::day(week), when::day(week + Duration::days(WEEK - 1))),
        "earlier_href": (week > today).then(|| link(earlier.max(today))),
        "later_href": (later <= last_day).then(|| link(later)),
    })
}

fn zone_options(selected: TimeZone, practice: TimeZone) -> Vec<Value> {
    let mut names: Vec<&str> = ZONES.to_vec();
    for extra in [selected.name(), practice.name()] {
        if !names.contains(&extra) {
            names.push(extra);
        }
    }
    names
        .into_iter()
        .map(|name| {
            json!({
                "name": name,
                "label": name.replace('_', " "),
                "selected": name == selected.name(),
            })
        })
        .collect()
}

fn type_context(t: &appointment_type::Model) -> Value {
    use entity::appointment_type::LocationKind;
    json!({
        "slug": t.slug,
        "name": t.name,
        "description": t.description,
        "duration_minutes": t.duration_minutes,
        "location": match t.location_kind {
            LocationKind::InPerson => "In person",
            LocationKind::Video => "Video call",
            LocationKind::Phone => "Phone call",
        },
        "location_details": t.location_details,
    })
}

pub(crate) fn see_other(location: &str) -> Response {
    Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::LOCATION, location)
        .finish()
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn tz_suffix(tz: &str, sep: &str) -> String {
    TimeZone::parse(tz)
        .map(|t| format!("{sep}tz={}", enc(t.name())))
        .unwrap_or_default()
}
