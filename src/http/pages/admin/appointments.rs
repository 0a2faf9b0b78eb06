//! `/admin/appointments/{id}`: one appointment, and moving, cancelling or closing it.

use crate::http::pages::PageResult;
use chrono::{DateTime, Duration, Utc};
use entity::appointment::{self, AppointmentStatus};
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde_json::{Value, json};

use super::{
    Admin, DoneQuery, Form, Notice, Section, agenda::status_label, done, parse_id, render_status,
    settle,
};
use crate::{
    AppState,
    audit::Origin,
    http::problem::ApiError,
    policy,
    scheduling::{
        SchedulingError,
        appointments::{self, CancelReason},
        availability, booking, clients,
        recurring::{self, Scope},
        slots, types,
    },
    types::TimeZone,
    when,
};

/// How far ahead the reschedule list offers free times.
const OFFER_DAYS: i64 = 21;
/// And how many it lists at most.
const OFFER_MAX: usize = 60;

/// `GET /admin/appointments/{id}`.
#[handler]
pub async fn show(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let notice = query.notice();
    page(state, origin, admin, id, StatusCode::OK, notice, json!({})).await
}

/// The page, with a failed form's errors and values in `form` (`{}` when none).
async fn page(
    state: &AppState,
    origin: &Origin,
    admin: &Admin,
    id: uuid::Uuid,
    status: StatusCode,
    notice: Option<&str>,
    form: Value,
) -> PageResult {
    let db = &state.db;
    let a = appointments::find(db, id).await?;
    let record = clients::find(db, a.client_id).await?;
    let ty = types::find(db, a.appointment_type_id).await?;
    let p = availability::practitioner(db, a.practitioner_id).await?;
    let tz = admin.tz;
    let treats = policy::treats(&admin.staff, &record.client);
    let now = state.clock.now();

    // What the client wrote when booking: clinical, so only for those who treat them.
    let message = match booking::read_message(
        db,
        &state.keys,
        &admin.staff,
        &a,
        &admin.audit(state, origin),
    )
    .await?
    {
        booking::BookingMessage::Text(text) => Some(text),
        _ => None,
    };

    let live = a.status == AppointmentStatus::Confirmed;
    let mut offers = Vec::new();
    if live {
        let to = now + Duration::days(OFFER_DAYS);
        let schedule = availability::schedule(db, &p, now, to, Some(a.id)).await?;
        let rules = types::slot_rules(&ty);
        let chosen = form["values"]["slot"].as_str().unwrap_or_default();
        offers = slots::free_slots(&schedule, &rules, now, to, now)
            .into_iter()
            .filter(|s| s.start != a.starts_at)
            .take(OFFER_MAX)
            .map(|s| {
                let value = s.start.to_rfc3339();
                json!({ "label": when::full(s.start, tz), "selected": value == chosen, "value": value })
            })
            .collect();
    }
    let note = if treats {
        crate::notes::of_appointment(db, a.id).await?
    } else {
        None
    };
    let note_link = treats.then(|| match &note {
        Some(n) => {
            json!({ "href": format!("/admin/notes/{}", n.id), "label": "Open the session note" })
        }
        None => json!({
            "href": format!("/admin/clients/{}/notes?appointment={}", record.client.id, a.id),
            "label": "Write the session note",
        }),
    });
    let series = match a.series_id {
        Some(series_id) => {
            let s = recurring::find(db, series_id).await?;
            let position = s.sessions.iter().position(|x| x.id == a.id).unwrap_or(0) + 1;
            Some(json!({
                "href": format!("/admin/series/{series_id}"),
                "label": format!(
                    "Session {position} of {}, {}",
                    s.sessions.len(),
                    recurring::cadence(s.series.every_weeks)
                ),
            }))
        }
        None => None,
    };
    let video = if a.video_room_sealed.is_some() {
        let room = crate::scheduling::video::room_shown(
            db,
            &state.keys,
            &admin.staff,
            &a,
            &admin.audit(state, origin),
        )
        .await?;
        let joined: Vec<Value> = crate::scheduling::video::joined(db, a.id)
            .await?
            .into_iter()
            .map(|j| {
                let who = record
                    .participants
                    .iter()
                    .find(|p| p.id == j.participant_id)
                    .map(|p| crate::types::joined(&p.first_name, &p.last_name));
                json!({
                    "who": who,
                    "place": j.place.label(),
                    "at": when::full(j.at, tz),
                    "outside": j.outside_licence,
                })
            })
            .collect();
        Some(json!({ "room": room, "treats": treats, "joined": joined }))
    } else {
        None
    };
    let people: Vec<Value> = record
        .participants
        .iter()
        .map(|p| json!({ "name": crate::types::joined(&p.first_name, &p.last_name), "email": p.email, "phone": p.phone }))
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Agenda,
        "pages/admin/appointment",
        "Appointment",
        json!({
            "notice": notice,
            "id": a.id,
            "when": when::full(a.starts_at, tz),
            "until": when::time(a.ends_at, tz),
            "agenda": format!("/admin?from={}", a.starts_at.with_timezone(&tz.tz()).date_naive()),
            "type": ty.name,
            "practitioner": p.name,
            "client": record.client.display_name,
            "client_href": format!("/admin/clients/{}", record.client.id),
            "people": people,
            "status": status_label(a.status),
            "online": a.source == appointment::AppointmentSource::Online,
            "outside_hours": a.outside_hours,
            "series": series,
            "video": video,
            "message": message,
            "live": live,
            "closable": live && a.starts_at <= now,
            "offers": offers,
            "note": note_link,
            "form": form,
            "start_local": a.starts_at.with_timezone(&tz.tz()).format("%Y-%m-%dT%H:%M").to_string(),
        }),
    )
}

/// `POST /admin/appointments/{id}/{reschedule|cancel|complete|no-show}`.
#[handler]
pub async fn act(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    let id = parse_id(&id)?;
    let audit = admin.audit(state, origin);
    let db = &state.db;
    let here = format!("/admin/appointments/{id}");
    let outcome = match action.as_str() {
        "reschedule" => match (start_of(form, admin.tz), super::series::scope_of(form)) {
            (Ok((start, outside_hours)), Ok(scope)) => recurring::reschedule(
                db,
                &state.schedule,
                state.notifier(),
                id,
                start,
                outside_hours,
                scope,
                &audit,
            )
            .await
            .map(|_| match scope {
                Scope::This => Notice::Rescheduled,
                _ => Notice::SeriesChanged,
            })
            .map_err(|e| changed_failure(e, admin)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        "cancel" => match (
            CancelReason::parse(Some(form.raw("reason"))),
            super::series::scope_of(form),
        ) {
            (Ok(reason), Ok(scope)) => recurring::cancel(
                db,
                &state.schedule,
                state.notifier(),
                id,
                reason,
                scope,
                &audit,
            )
            .await
            .map(|_| match scope {
                Scope::This => Notice::Cancelled,
                _ => Notice::SeriesCancelled,
            })
            .map_err(|e| changed_failure(e, admin)),
            (Err(e), _) => Err(e.into()),
            (_, Err(e)) => Err(e),
        },
        "complete" | "no-show" => {
            let (status, notice) = if action == "complete" {
                (AppointmentStatus::Completed, Notice::Completed)
            } else {
                (AppointmentStatus::NoShow, Notice::NoShow)
            };
            appointments::close(db, state.notifier(), id, status, &audit)
                .await
                .map(|_| notice)
                .map_err(ApiError::from)
        }
        _ => return Err(ApiError::not_found("There is nothing at this address.")),
    };
    let outcome = outcome
        .map(|notice| done(&here, notice))
        .map_err(|mut failure| {
            // The domain names the time `start`; the form's typed field is `start_local`.
            failure.rename_fields(|f| (f == "start").then(|| "start_local".to_owned()));
            failure
        });
    settle(outcome, form, |status, shown| {
        page(state, origin, admin, id, status, None, shown)
    })
    .await
}

/// A change that failed, sessions of a series that cannot move listed by their times.
fn changed_failure(e: SchedulingError, admin: &Admin) -> ApiError {
    match e {
        SchedulingError::SeriesConflicts(checked) => {
            super::series::conflicts_failure(&checked, admin)
        }
        other => other.into(),
    }
}

/// The new start: a free time picked from the list, or a date and time typed in the
/// practice's zone (with "outside hours" if it need not fit them).
fn start_of(form: &Form, tz: TimeZone) -> Result<(DateTime<Utc>, bool), ApiError> {
    let slot = form.get("slot");
    if !slot.is_empty() {
        let at = DateTime::parse_from_rfc3339(slot)
            .map_err(|_| ApiError::invalid("slot", "is not one of the times offered"))?;
        return Ok((at.with_timezone(&Utc), false));
    }
    let typed = form.get("start_local");
    if typed.is_empty() {
        return Err(ApiError::invalid(
            "slot",
            "Choose a free time, or type a date and time below",
        ));
    }
    Ok((
        super::typed_time::local_time("start_local", typed, tz)?,
        form.has("outside_hours"),
    ))
}
