//! `/admin/settings`: the index, and weekly hours with a preview of the coming week.

use crate::http::pages::PageResult;
use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Weekday};
use entity::practitioner;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Admin, Form, Notice, Section, done, render_status};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    http::problem::ApiError,
    scheduling::{
        availability::{self, RuleFields},
        slots,
    },
    validation::FieldErrors,
    when,
};

/// The weekdays as the hours form lists them.
const DAYS: [(Weekday, &str); 7] = [
    (Weekday::Mon, "Monday"),
    (Weekday::Tue, "Tuesday"),
    (Weekday::Wed, "Wednesday"),
    (Weekday::Thu, "Thursday"),
    (Weekday::Fri, "Friday"),
    (Weekday::Sat, "Saturday"),
    (Weekday::Sun, "Sunday"),
];
/// Windows a day can have in the form (a lunch break makes two).
const WINDOWS: usize = 2;

/// `GET /admin/settings`: the pages this person may use.
#[handler]
pub async fn index(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    let may = |p: Permission| admin.staff.require(p).is_ok();
    let owner = may(Permission::ManageSettings);
    let cards: Vec<Value> = [
        (
            owner,
            "/admin/settings/practice",
            "Practice details",
            "Name, time zone and contact address.",
        ),
        (
            owner,
            "/admin/settings/practitioners",
            "Practitioners",
            "The people clients book.",
        ),
        (
            owner,
            "/admin/settings/billing",
            "Billing",
            "Fees and claim codes, the cancellation policy, Good Faith Estimates, the provider on superbills.",
        ),
        (
            owner,
            "/admin/settings/consent",
            "Consent documents",
            "Informed consent, confidentiality, telehealth and policies each partner signs.",
        ),
        (
            may(Permission::Schedule),
            "/admin/settings/types",
            "Appointment types",
            "Length, buffers, notice, how far ahead, cancellation, reminders, online or not.",
        ),
        (
            may(Permission::Schedule),
            "/admin/settings/hours",
            "Hours and time off",
            "Weekly hours, a date's own hours and time off, with the coming week.",
        ),
        (
            owner || admin.staff.practitioner_id.is_some(),
            "/admin/settings/calendar",
            "Calendar feed",
            "Appointments in Google, Apple or Outlook calendar; busy calendars.",
        ),
        (
            may(Permission::ManageOutbox),
            "/admin/settings/emails",
            "Email templates",
            "Every message clients and practitioners get, previewed.",
        ),
        (
            may(Permission::ManageOutbox),
            "/admin/settings/outbox",
            "Outbox",
            "What was sent, what waits, what failed: send again or cancel.",
        ),
        (
            may(Permission::ManageStaff),
            "/admin/settings/staff",
            "Staff accounts",
            "Who can sign in, and their role.",
        ),
        (
            may(Permission::ReadAuditLog),
            "/admin/audit",
            "Audit log",
            "Every sign-in, change and read of clinical content.",
        ),
    ]
    .into_iter()
    .filter(|(shown, ..)| *shown)
    .map(|(_, href, title, text)| json!({ "href": href, "title": title, "text": text }))
    .collect();
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Settings,
        "pages/admin/settings",
        "Settings",
        json!({ "cards": cards }),
    )
}

#[derive(Deserialize)]
pub struct WhoQuery {
    pub(super) practitioner: Option<String>,
    pub(super) done: Option<String>,
}

/// The practitioners to choose from, and the one chosen: the one asked for, else the
/// signed-in person's own, else the first.
pub(super) async fn choose(
    state: &AppState,
    admin: &Admin,
    asked: Option<&str>,
) -> Result<(Vec<practitioner::Model>, practitioner::Model), ApiError> {
    let all = availability::all_practitioners(&state.db).await?;
    let wanted: Option<Uuid> = asked
        .and_then(|p| p.parse().ok())
        .or(admin.staff.practitioner_id);
    let chosen = wanted
        .and_then(|w| all.iter().find(|p| p.id == w))
        .or(all.first())
        .cloned()
        .ok_or_else(|| ApiError::not_found("The practice has no practitioners yet."))?;
    Ok((all, chosen))
}

/// The practitioner a form names: it must be one (a change never falls back to someone
/// else's hours or feed).
pub(super) async fn posted(
    state: &AppState,
    form: &Form,
) -> Result<(Vec<practitioner::Model>, practitioner::Model), ApiError> {
    let all = availability::all_practitioners(&state.db).await?;
    let chosen = form
        .get("practitioner")
        .parse::<Uuid>()
        .ok()
        .and_then(|id| all.iter().find(|p| p.id == id))
        .cloned()
        .ok_or_else(|| {
            ApiError::invalid("practitioner", "is not one of the practice's practitioners")
        })?;
    Ok((all, chosen))
}

pub(super) fn choices(all: &[practitioner::Model], chosen: Uuid) -> Vec<Value> {
    all.iter()
        .map(|p| json!({ "id": p.id, "name": p.name, "selected": p.id == chosen }))
        .collect()
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// `GET /admin/settings/hours?practitioner=`.
#[handler]
pub async fn hours(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<WhoQuery>,
) -> PageResult {
    admin.staff.require(Permission::Schedule)?;
    let (all, p) = choose(state, admin, query.practitioner.as_deref()).await?;
    let notice = Notice::from_query(query.done.as_deref());
    hours_page(state, admin, &all, &p, StatusCode::OK, notice, json!({})).await
}

/// Ends a POST to one of the hours page's forms (`which`: `week`, `override` or `off`):
/// the redirect, or the page again with that form's messages and typed values.
pub(super) async fn hours_again(
    state: &AppState,
    admin: &Admin,
    all: &[practitioner::Model],
    p: &practitioner::Model,
    form: &Form,
    which: &str,
    outcome: Result<Response, ApiError>,
) -> PageResult {
    super::settle(outcome, form, |status, shown| {
        hours_page(state, admin, all, p, status, None, json!({ which: shown }))
    })
    .await
}

async fn hours_page(
    state: &AppState,
    admin: &Admin,
    all: &[practitioner::Model],
    p: &practitioner::Model,
    status: StatusCode,
    notice: Option<&str>,
    forms: Value,
) -> PageResult {
    let form = &forms["week"];
    let rules = availability::rules(&state.db, p.id).await?;
    let typed = &form["values"];
    let days: Vec<Value> = DAYS
        .iter()
        .enumerate()
        .map(|(d, (weekday, name))| {
            let saved: Vec<_> = rules
                .iter()
                .filter(|r| {
                    r.weekday == weekday.number_from_monday() as i32
                        && r.valid_from.is_none()
                        && r.valid_until.is_none()
                })
                .collect();
            let windows: Vec<Value> = (0..WINDOWS)
                .map(|w| {
                    let start_name = format!("d{d}_w{w}_start");
                    let end_name = format!("d{d}_w{w}_end");
                    let pick = |name: &str, saved: Option<String>| {
                        typed[name]
                            .as_str()
                            .map(str::to_owned)
                            .or(if typed.is_null() { saved } else { None })
                            .unwrap_or_default()
                    };
                    json!({
                        "start_name": start_name,
                        "end_name": end_name,
                        "start": pick(&start_name, saved.get(w).map(|r| hhmm(r.start_time))),
                        "end": pick(&end_name, saved.get(w).map(|r| hhmm(r.end_time))),
                        "error": form["fields"][&start_name],
                        "label": if w == 0 { "Hours" } else { "And" },
                    })
                })
                .collect();
            json!({ "name": name, "windows": windows })
        })
        .collect();
    let dated = rules
        .iter()
        .filter(|r| r.valid_from.is_some() || r.valid_until.is_some())
        .count();

    // The coming week as booking will see it: weekly hours, or a date's own hours.
    let tz = availability::zone_of(p);
    let now = state.clock.now();
    let today = now.with_timezone(&tz.tz()).date_naive();
    let from = tz.start_of(today);
    let to = from + Duration::days(8);
    let schedule = availability::schedule(&state.db, p, from, to, None).await?;
    let preview: Vec<Value> = (0..7)
        .map(|n| {
            let date = today + Duration::days(n);
            let open: Vec<String> = slots::hours_on(&schedule, date)
                .into_iter()
                .map(|(s, e)| format!("{}–{}", hhmm(s), hhmm(e)))
                .collect();
            let overridden = schedule.overrides.iter().any(|o| o.date == date);
            json!({
                "day": when::day(date),
                "hours": if open.is_empty() { "Closed".to_owned() } else { open.join(", ") },
                "overridden": overridden,
                "weekend": matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
            })
        })
        .collect();
    render_status(
        state,
        admin,
        status,
        Section::Settings,
        "pages/admin/hours",
        "Weekly hours",
        json!({
            "notice": notice,
            "practitioner": p.name,
            "practitioner_id": p.id,
            "practitioners": choices(all, p.id),
            "several": all.len() > 1,
            "practitioner_zone": p.time_zone,
            "days": days,
            "dated": dated,
            "preview": preview,
            "form": form,
            "override_form": forms["override"],
            "off_form": forms["off"],
            "dated_hours": dated_sections(state, p, today).await?,
            "today": today.to_string(),
        }),
    )
}

/// The hours page's other two sections: a date's own hours (or closed all day) and time
/// off, each from today on with a remove button.
async fn dated_sections(
    state: &AppState,
    p: &practitioner::Model,
    today: NaiveDate,
) -> Result<Value, ApiError> {
    let tz = availability::zone_of(p);
    let now = state.clock.now();
    let overrides: Vec<Value> = availability::overrides(&state.db, p.id)
        .await?
        .into_iter()
        .filter(|o| o.date >= today)
        .map(|o| {
            let windows = availability::parse_windows(&o.windows);
            let open = if windows.is_empty() {
                "Closed".to_owned()
            } else {
                windows
                    .iter()
                    .map(|(s, e)| format!("{}–{}", s.format("%H:%M"), e.format("%H:%M")))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            json!({ "id": o.id, "day": when::day(o.date), "hours": open })
        })
        .collect();
    let time_off: Vec<Value> = availability::time_off(&state.db, p.id)
        .await?
        .into_iter()
        .filter(|t| t.ends_at > now)
        .map(|t| {
            json!({
                "id": t.id,
                "from": when::short(t.starts_at, tz),
                "until": when::short(t.ends_at, tz),
                "note": t.note,
            })
        })
        .collect();
    Ok(json!({ "overrides": overrides, "time_off": time_off }))
}

/// `POST /admin/settings/hours`: replaces the practitioner's weekly hours (rules limited to
/// a date range, set through the API, are kept).
#[handler]
pub async fn save_hours(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    admin.staff.require(Permission::Schedule)?;
    let (all, p) = posted(state, form).await?;
    let mut errors = FieldErrors::default();
    let mut new_rules = Vec::new();
    for (d, (weekday, _)) in DAYS.iter().enumerate() {
        for w in 0..WINDOWS {
            let start_name = format!("d{d}_w{w}_start");
            let start = form.get(&start_name);
            let end = form.get(&format!("d{d}_w{w}_end"));
            if start.is_empty() && end.is_empty() {
                continue;
            }
            let parse = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").ok();
            match (parse(start), parse(end)) {
                (Some(s), Some(e)) if s < e => new_rules.push(RuleFields {
                    weekday: *weekday,
                    start: s,
                    end: e,
                    valid_from: None,
                    valid_until: None,
                }),
                (Some(_), Some(_)) => errors.add(&start_name, "The start must be before the end."),
                _ => errors.add(
                    &start_name,
                    "Give both a start and an end, like 09:00 and 17:00.",
                ),
            }
        }
    }
    let kept = availability::rules(&state.db, p.id)
        .await?
        .into_iter()
        .filter(|r| r.valid_from.is_some() || r.valid_until.is_some())
        .filter_map(|r| {
            Some(RuleFields {
                weekday: availability::weekday(r.weekday)?,
                start: r.start_time,
                end: r.end_time,
                valid_from: r.valid_from,
                valid_until: r.valid_until,
            })
        });
    new_rules.extend(kept);
    let outcome = async {
        errors.into_result()?;
        availability::replace_rules(&state.db, p.id, new_rules, &admin.audit(state, origin))
            .await?;
        Ok(done(
            &format!("/admin/settings/hours?practitioner={}", p.id),
            Notice::HoursSaved,
        ))
    }
    .await;
    hours_again(state, admin, &all, &p, form, "week", outcome).await
}
