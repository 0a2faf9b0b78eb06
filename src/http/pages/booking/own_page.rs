//! A booking's own page: see it, cancel it or move it, by its private link.

use crate::http::pages::PageResult;

use poem::{
    handler,
    http::StatusCode,
    web::{Data, Form, Path, Query},
};
use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::http::pages::{client_notices, page};
use crate::when;
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    http::problem::ApiError,
    practice,
    scheduling::{
        SchedulingError,
        appointments::{self, Booker, CancelReason, CancelledBy},
        booking_input::{self},
        slots::Rejection,
    },
    types::TimeZone,
};

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
    let live = a.status == entity::appointment::AppointmentStatus::Confirmed;
    let can_change = live && state.clock.now() <= managed.cutoff();
    // After the cutoff a client may still cancel where the practice charges for it.
    let can_cancel_late = live
        && !can_change
        && state.clock.now() < a.starts_at
        && crate::billing::policy::after_cutoff(&state.db).await?
            == appointments::AfterCutoff::Allow;
    let tz_query = client_tz
        .map(|t| format!("?tz={}", enc(t.name())))
        .unwrap_or_default();
    // A video session: each partner's own way in.
    let participants = crate::scheduling::notify::participants_of(&state.db, a.client_id).await?;
    let tokens = crate::scheduling::video::join_tokens(
        &state.db,
        &state.keys,
        a,
        &participants,
        crate::scheduling::video::Written::Before,
        state.clock.now(),
    )
    .await?;
    let joins: Vec<serde_json::Value> = tokens
        .iter()
        .filter_map(|(person, token)| {
            let p = participants.iter().find(|p| p.id == *person)?;
            Some(json!({
                "name": p.first_name,
                "url": state.public_url.link(&format!("/join/{token}")),
            }))
        })
        .collect();
    let context = json!({
        "joins": if status == "confirmed" { joins } else { Vec::new() },
        "is_new": q.new.is_some(),
        "is_moved": q.moved.is_some(),
        "status": status,
        "is_cancelled": status == "cancelled",
        "can_change": can_change,
        "can_cancel_late": can_cancel_late,
        "notices": client_notices(state).await?,
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
        "late": state.clock.now() > managed.cutoff()
            && crate::billing::policy::after_cutoff(&state.db).await?
                == appointments::AfterCutoff::Allow,
        "notices": client_notices(state).await?,
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
    let reason = CancelReason::parse(Some(&form.reason))?;
    let audit = AuditContext::new(
        Actor::client_link(managed.appointment.id),
        origin.clone(),
        state.clock.now(),
    );
    appointments::cancel(
        &state.db,
        &state.schedule,
        state.notifier(),
        managed.appointment.id,
        reason,
        CancelledBy::Client,
        crate::billing::policy::client_may_cancel(&state.db, audit.now, managed.cutoff()).await?,
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
        "notices": client_notices(state).await?,
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
    let start = booking_input::SlotStart::parse(&form.start)?.instant();
    let audit = AuditContext::new(
        Actor::client_link(managed.appointment.id),
        origin.clone(),
        state.clock.now(),
    );
    match appointments::reschedule(
        &state.db,
        &state.schedule,
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
