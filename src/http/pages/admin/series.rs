//! Series of sessions in the dashboard: booking one from the client record (checked first,
//! if asked), its page listing every session, and the words for sessions that cannot be had.

use entity::appointment::AppointmentStatus;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Admin, DoneQuery, Form, Notice, Section, agenda::status_label, clients, done, parse_id,
    render_status, settle,
};
use crate::{
    AppState,
    audit::Origin,
    http::{pages::PageResult, problem::ApiError},
    scheduling::{
        SchedulingError,
        appointments::Checked,
        availability, clients as client_records,
        recurring::{self, Scope, SeriesInput},
        slots::Rejection,
        types,
    },
    when,
};

/// The form's names for the fields the shared rules name.
const FIELD_NAMES: [(&str, &str); 4] = [
    ("first_start", "series_start_local"),
    ("start", "series_start_local"),
    ("appointment_type_id", "series_type_id"),
    ("practitioner_id", "series_practitioner_id"),
];

/// `POST /admin/clients/{id}/series`: `intent=preview` shows each session as checked;
/// otherwise the series is booked, or shown with the sessions that cannot be had.
#[handler]
pub async fn book(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let id = parse_id(&id)?;
    let audit = admin.audit(state, origin);
    let again = |status, shown| clients::page(state, origin, admin, id, status, None, shown);
    let request = match input(form, id, admin) {
        Ok(request) => request,
        Err(failure) => return settle(Err(failure), form, again).await,
    };
    let (checked, status, summary) = if form.get("intent") == "preview" {
        match recurring::preview(&state.db, &state.schedule, &request, audit.now).await {
            Ok(checked) => (checked, StatusCode::OK, None),
            Err(e) => return settle(Err(failure(e)), form, again).await,
        }
    } else {
        match recurring::create(
            &state.db,
            &state.schedule,
            state.notifier(),
            &state.followups(),
            request,
            &audit,
        )
        .await
        {
            Ok(record) => {
                return Ok(done(
                    &format!("/admin/series/{}", record.series.id),
                    Notice::SeriesBooked,
                ));
            }
            Err(SchedulingError::SeriesConflicts(checked)) => {
                let summary = refused_summary(&checked);
                (checked, StatusCode::CONFLICT, Some(summary))
            }
            Err(e) => return settle(Err(failure(e)), form, again).await,
        }
    };
    let preview: Vec<Value> = checked
        .iter()
        .map(|c| {
            json!({
                "when": when::full(c.start, admin.tz),
                "ok": c.refused.is_none(),
                "reason": c.refused.map(reason_words),
            })
        })
        .collect();
    let shown =
        json!({ "summary": summary, "fields": {}, "values": form.values(), "preview": preview });
    again(status, shown).await
}

/// The form read into the shared series input; a typed time is in the dashboard's zone,
/// which the series then keeps.
fn input(
    form: &Form,
    client_id: Uuid,
    admin: &Admin,
) -> Result<recurring::SeriesRequest, ApiError> {
    let mut errors = crate::validation::FieldErrors::default();
    let mut id_of = |field: &str, message: &str| {
        errors.check(
            field,
            form.get(field)
                .parse::<Uuid>()
                .map_err(|_| message.to_owned()),
        )
    };
    let ty = id_of("series_type_id", "Choose the kind of session");
    let practitioner = id_of("series_practitioner_id", "Choose who sees them");
    let first = super::typed_time::typed(
        &mut errors,
        "series_start_local",
        form.get("series_start_local"),
        "Give the first session's date and time",
        admin.tz,
    );
    let every_weeks = errors.check(
        "every_weeks",
        form.get("every_weeks")
            .parse::<i64>()
            .map_err(|_| "Choose how often"),
    );
    let (count, until) = if form.get("ends") == "until" {
        (None, Some(form.get("until").to_owned()))
    } else {
        let count = errors.check(
            "count",
            form.get("count")
                .parse::<i64>()
                .map_err(|_| "Give how many sessions, 1 to 52"),
        );
        (count, None)
    };
    if form.get("ends") == "until" && form.get("until").is_empty() {
        errors.add("until", "Give the last date");
    }
    errors.into_result()?;
    let (Some(ty), Some(practitioner), Some(first), Some(every_weeks)) =
        (ty, practitioner, first, every_weeks)
    else {
        return Err(ApiError::internal(anyhow::anyhow!(
            "checked fields missing"
        )));
    };
    SeriesInput {
        client_id,
        appointment_type_id: ty,
        practitioner_id: practitioner,
        first_start: first.to_rfc3339(),
        tz: admin.tz.name().to_owned(),
        every_weeks,
        count,
        until,
        outside_hours: form.has("series_outside_hours"),
        skip_conflicts: form.has("skip_conflicts"),
    }
    .check()
    .map_err(|invalid| renamed(ApiError::from(invalid)))
}

fn failure(e: SchedulingError) -> ApiError {
    renamed(ApiError::from(e))
}

fn renamed(mut failure: ApiError) -> ApiError {
    failure.rename_fields(|f| {
        FIELD_NAMES
            .iter()
            .find(|(from, _)| *from == f)
            .map(|(_, to)| (*to).to_owned())
    });
    failure
}

/// A refused series or change in a sentence.
fn refused_summary(checked: &[Checked]) -> String {
    let refused = checked.iter().filter(|c| c.refused.is_some()).count();
    match refused {
        1 => "One of the sessions cannot be at its time (marked below); nothing was booked. \
              Tick \"skip the others\" to book the rest."
            .to_owned(),
        n => format!(
            "{n} of the sessions cannot be at their times (marked below); nothing was booked. \
             Tick \"skip the others\" to book the rest."
        ),
    }
}

/// Why a time cannot be had, in a person's words.
pub(super) fn reason_words(r: Rejection) -> &'static str {
    match r {
        Rejection::Taken => "taken (another appointment, time off or a busy time)",
        Rejection::OutsideHours => "outside the practitioner's hours",
        Rejection::InPast => "in the past",
        Rejection::BeforeNotice => "too soon",
        Rejection::BeyondHorizon => "too far ahead",
    }
}

/// A move of several sessions that cannot be made, each named with its time in `admin`'s zone.
pub(super) fn conflicts_failure(checked: &[Checked], admin: &Admin) -> ApiError {
    let listed: Vec<String> = checked
        .iter()
        .filter_map(|c| {
            Some(format!(
                "{}: {}",
                when::full(c.start, admin.tz),
                reason_words(c.refused?)
            ))
        })
        .collect();
    ApiError::conflict(format!(
        "Nothing was moved: {} cannot be at the new time ({}).",
        if listed.len() == 1 {
            "one session"
        } else {
            "some sessions"
        },
        listed.join("; ")
    ))
}

/// The scope a change form asks for; `this` when the form has none.
pub(super) fn scope_of(form: &Form) -> Result<Scope, ApiError> {
    match form.get("scope") {
        "" | "this" => Ok(Scope::This),
        "following" => Ok(Scope::Following),
        "all" => Ok(Scope::All),
        _ => Err(ApiError::invalid("scope", "Choose which sessions")),
    }
}

/// `GET /admin/series/{id}`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let db = &state.db;
    let record = recurring::find(db, id)
        .await
        .map_err(|_| ApiError::not_found("There is no such series."))?;
    let client = client_records::find(db, record.series.client_id).await?;
    let ty = types::find(db, record.series.appointment_type_id).await?;
    let p = availability::practitioner(db, record.series.practitioner_id).await?;
    let now = state.clock.now();
    let sessions: Vec<Value> = record
        .sessions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "position": i + 1,
                "href": format!("/admin/appointments/{}", a.id),
                "when": when::full(a.starts_at, admin.tz),
                "status": status_label(a.status),
                "cancelled": a.status == AppointmentStatus::Cancelled,
                "past": a.starts_at <= now,
            })
        })
        .collect();
    let skipped: Vec<Value> = record
        .skipped()
        .iter()
        .map(|s| json!({ "when": when::full(s.start, admin.tz), "reason": reason_of(&s.reason) }))
        .collect();
    // The first session still to come and live: cancelling "all" from it ends the series.
    let next = record
        .sessions
        .iter()
        .find(|a| a.status == AppointmentStatus::Confirmed && a.starts_at > now)
        .map(|a| a.id);
    let s = &record.series;
    let ends = match (s.count, s.until) {
        (Some(n), _) => format!("{n} sessions"),
        (None, Some(until)) => format!("until {}", when::day(until)),
        (None, None) => String::new(),
    };
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Clients,
        "pages/admin/series",
        "Series",
        json!({
            "notice": query.notice(),
            "client": client.client.display_name,
            "client_href": format!("/admin/clients/{}", client.client.id),
            "type": ty.name,
            "practitioner": p.name,
            "cadence": recurring::cadence(s.every_weeks),
            "ends": ends,
            "kept_zone": s.time_zone,
            "sessions": sessions,
            "skipped": skipped,
            "next": next,
        }),
    )
}

fn reason_of(name: &str) -> &'static str {
    [
        Rejection::Taken,
        Rejection::OutsideHours,
        Rejection::InPast,
        Rejection::BeforeNotice,
        Rejection::BeyondHorizon,
    ]
    .into_iter()
    .find(|r| r.name() == name)
    .map_or("could not be booked", reason_words)
}
