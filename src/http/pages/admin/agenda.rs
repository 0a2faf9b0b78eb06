//! `/admin`: the agenda, a day or a week at a time, with what needs attention.

use crate::http::pages::PageResult;
use std::{borrow::Cow, collections::HashMap};

use chrono::{Duration, NaiveDate};
use entity::appointment::AppointmentStatus;
use poem::{
    handler,
    web::{Data, Query},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Admin, Notice, Section, render};
use crate::{
    AppState,
    audit::Origin,
    http::problem::ApiError,
    intake::definition::Flag,
    read_models::agenda::{Attention, between},
    scheduling::{availability, types},
    when,
};

#[derive(Deserialize)]
pub struct AgendaQuery {
    /// The first day shown, `YYYY-MM-DD` in the practice's zone; default today.
    from: Option<String>,
    /// `day` or `week` (the default).
    view: Option<String>,
    /// One practitioner's appointments only.
    practitioner: Option<String>,
    done: Option<String>,
}

/// `GET /admin`: appointments day by day in the practice's zone. Six queries for the whole
/// range, however full it is.
#[handler]
pub async fn agenda(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Query(query): Query<AgendaQuery>,
) -> PageResult {
    let tz = admin.tz;
    let now = state.clock.now();
    let today = now.with_timezone(&tz.tz()).date_naive();
    let first = query
        .from
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(crate::types::plausible_date)
        .unwrap_or(today);
    let day_view = query.view.as_deref() == Some("day");
    let days = if day_view { 1 } else { 7 };
    let only: Option<Uuid> = query.practitioner.as_deref().and_then(|p| p.parse().ok());
    let start = tz.start_of(first);
    let end = tz.start_of(first + Duration::days(days));
    let db = &state.db;
    let audit = admin.audit(state, origin);
    let items = between(db, &state.keys, &admin.staff, start, end, only, &audit).await?;
    let types = names(state).await?;
    let practitioners = availability::all_practitioners(db).await?;
    let people: HashMap<_, _> = practitioners.iter().map(|p| (p.id, &p.name)).collect();

    let day_views: Vec<serde_json::Value> = (0..days)
        .map(|n| {
            let day = first + Duration::days(n);
            let rows: Vec<serde_json::Value> = items
                .iter()
                .filter(|item| {
                    item.appointment
                        .starts_at
                        .with_timezone(&tz.tz())
                        .date_naive()
                        == day
                })
                .map(|item| {
                    let a = &item.appointment;
                    let badges: Vec<_> = item.attention.iter().map(|need| badge(*need)).collect();
                    json!({
                        "href": format!("/admin/appointments/{}", a.id),
                        "time": when::time(a.starts_at, tz),
                        "end": when::time(a.ends_at, tz),
                        "practitioner": people.get(&a.practitioner_id),
                        "type": types.get(&a.appointment_type_id),
                        "client": item.client.as_ref().map(|c| c.display_name.as_str()),
                        "status": status_label(a.status),
                        "cancelled": a.status == AppointmentStatus::Cancelled,
                        "series": a.series_id.map(|id| format!("/admin/series/{id}")),
                        "badges": badges,
                    })
                })
                .collect();
            json!({ "label": when::day(day), "is_today": day == today, "items": rows })
        })
        .collect();

    let link = |from: NaiveDate, view: &str| {
        let mut href = format!("/admin?from={from}&view={view}");
        if let Some(p) = only {
            href.push_str(&format!("&practitioner={p}"));
        }
        href
    };
    let view = if day_view { "day" } else { "week" };
    let step = Duration::days(days);
    let practitioner_choices: Vec<_> = practitioners
        .iter()
        .map(|p| json!({ "id": p.id, "name": p.name, "selected": Some(p.id) == only }))
        .collect();
    render(
        state,
        admin,
        Section::Agenda,
        "pages/admin/agenda",
        "Agenda",
        json!({
            "notice": Notice::from_query(query.done.as_deref()),
            "days": day_views,
            "day_view": day_view,
            "view": view,
            "from": first.to_string(),
            "practitioners": practitioner_choices,
            "several_practitioners": practitioners.len() > 1,
            "previous": link(first - step, view),
            "next": link(first + step, view),
            "today": link(today, view),
            "as_day": link(first, "day"),
            "as_week": link(first, "week"),
        }),
    )
}

/// An appointment's status as the agenda shows it.
pub fn status_label(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Confirmed => "Confirmed",
        AppointmentStatus::Cancelled => "Cancelled",
        AppointmentStatus::Completed => "Completed",
        AppointmentStatus::NoShow => "No-show",
    }
}

/// A badge for what needs attention: its words and how loud it is.
fn badge(need: Attention) -> serde_json::Value {
    let (text, kind): (Cow<str>, &str) = match need {
        Attention::IntakeNotSubmitted => ("Intake not submitted".into(), "wait"),
        Attention::Flagged(Flag::Safety) => ("Safety flag".into(), "alert"),
        Attention::Flagged(Flag::Urgent) => ("Urgent flag".into(), "alert"),
        Attention::NoteNotWritten => ("Note not written".into(), "wait"),
        Attention::NoteNotSigned => ("Note not signed".into(), "wait"),
        Attention::IntegrityFailure => ("Record failed its integrity check".into(), "alert"),
        Attention::OutsideLicence => ("Joined from outside licensed jurisdictions".into(), "alert"),
        Attention::ConsentUnsigned(1) => ("1 consent document unsigned".into(), "wait"),
        Attention::ConsentUnsigned(n) => (format!("{n} consent documents unsigned").into(), "wait"),
        Attention::MeasureAlerts(1) => ("1 measure alert".into(), "alert"),
        Attention::MeasureAlerts(n) => (format!("{n} measure alerts").into(), "alert"),
    };
    json!({ "text": text, "kind": kind })
}

/// Appointment types' names by id, for lists that show many appointments.
async fn names(state: &AppState) -> Result<HashMap<Uuid, String>, ApiError> {
    Ok(types::list_all(&state.db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}
