//! `/admin`: the agenda, a day or a week at a time, with what needs attention.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, client, intake_assignment,
    intake_assignment::IntakeStatus,
    practitioner,
    session_note::{self, NoteStatus},
};
use poem::{
    Response, handler,
    web::{Data, Query},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{Admin, Notice, Section, render};
use crate::{
    AppState,
    error::ApiError,
    http::api::booking::start_of_day,
    intake::{assignments::flags_of, definition::Flag},
    notes::access::may_treat,
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
    Data(admin): Data<&Admin>,
    Query(query): Query<AgendaQuery>,
) -> poem::Result<Response> {
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
    let start = start_of_day(tz, first);
    let end = start_of_day(tz, first + Duration::days(days));
    let db = &state.db;
    let mut find = appointment::Entity::find()
        .filter(appointment::Column::StartsAt.gte(start))
        .filter(appointment::Column::StartsAt.lt(end));
    if let Some(p) = only {
        find = find.filter(appointment::Column::PractitionerId.eq(p));
    }
    let appointments = find
        .order_by_asc(appointment::Column::StartsAt)
        .all(db)
        .await
        .map_err(ApiError::from)?;
    let types: HashMap<_, _> = appointment_type::Entity::find()
        .all(db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let practitioners = practitioner::Entity::find()
        .order_by_asc(practitioner::Column::Name)
        .all(db)
        .await
        .map_err(ApiError::from)?;
    let client_ids: Vec<_> = appointments.iter().map(|a| a.client_id).collect();
    let clients: HashMap<_, _> = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids.clone()))
        .all(db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let intakes = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.is_in(client_ids))
        .all(db)
        .await
        .map_err(ApiError::from)?;
    let notes: HashMap<Uuid, NoteStatus> = session_note::Entity::find()
        .filter(session_note::Column::AppointmentId.is_in(appointments.iter().map(|a| a.id)))
        .all(db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .filter_map(|n| Some((n.appointment_id?, n.status)))
        .fold(HashMap::new(), |mut seen, (id, status)| {
            // A signed note settles it, whatever drafts there are besides.
            let entry = seen.entry(id).or_insert(status);
            if status == NoteStatus::Signed {
                *entry = status;
            }
            seen
        });
    let waiting: HashSet<Uuid> = intakes
        .iter()
        .filter(|i| i.status != IntakeStatus::Submitted)
        .map(|i| i.client_id)
        .collect();
    let flagged: HashMap<Uuid, Vec<Flag>> = intakes.iter().fold(HashMap::new(), |mut found, i| {
        let flags = flags_of(i);
        if !flags.is_empty() {
            let all = found.entry(i.client_id).or_insert_with(Vec::new);
            for flag in flags {
                if !all.contains(&flag) {
                    all.push(flag);
                }
            }
        }
        found
    });
    let names: HashMap<_, _> = practitioners.iter().map(|p| (p.id, &p.name)).collect();

    let day_views: Vec<serde_json::Value> = (0..days)
        .map(|n| {
            let day = first + Duration::days(n);
            let items: Vec<serde_json::Value> = appointments
                .iter()
                .filter(|a| a.starts_at.with_timezone(&tz.tz()).date_naive() == day)
                .map(|a| {
                    let client = clients.get(&a.client_id);
                    let treats = client.is_some_and(|c| may_treat(&admin.staff, c));
                    let mut badges = Vec::new();
                    let live = a.status == AppointmentStatus::Confirmed;
                    if live && a.starts_at > now && waiting.contains(&a.client_id) {
                        badges.push(json!({ "text": "Intake not submitted", "kind": "wait" }));
                    }
                    if treats {
                        for flag in flagged.get(&a.client_id).into_iter().flatten() {
                            badges.push(match flag {
                                Flag::Safety => json!({ "text": "Safety flag", "kind": "alert" }),
                                Flag::Urgent => json!({ "text": "Urgent flag", "kind": "alert" }),
                            });
                        }
                        let held = matches!(
                            a.status,
                            AppointmentStatus::Confirmed | AppointmentStatus::Completed
                        );
                        if held && a.ends_at <= now {
                            match notes.get(&a.id) {
                                None => badges
                                    .push(json!({ "text": "Note not written", "kind": "wait" })),
                                Some(NoteStatus::Draft) => badges
                                    .push(json!({ "text": "Note not signed", "kind": "wait" })),
                                Some(NoteStatus::Signed) => {}
                            }
                        }
                    }
                    json!({
                        "href": format!("/admin/appointments/{}", a.id),
                        "time": when::time(a.starts_at, tz),
                        "end": when::time(a.ends_at, tz),
                        "practitioner": names.get(&a.practitioner_id),
                        "type": types.get(&a.appointment_type_id),
                        "client": client.map(|c| c.display_name.as_str()),
                        "status": status_label(a.status),
                        "cancelled": a.status == AppointmentStatus::Cancelled,
                        "badges": badges,
                    })
                })
                .collect();
            json!({ "label": when::day(day), "is_today": day == today, "items": items })
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
