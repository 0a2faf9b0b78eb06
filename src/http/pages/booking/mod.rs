//! The booking pages: `/book` (choose a type, a time, then leave your details) and
//! `/booking/{token}` (see, cancel or move a booking). Every step is a plain link or form, so
//! it all works without JavaScript; a small script only preselects the visitor's zone.
//!
//! Choosing a type and a time is here; leaving one's details is `details_form.rs`; a
//! booking's own page is `own_page.rs`.

mod details_form;
mod own_page;

pub use details_form::*;
pub use own_page::*;

use crate::http::pages::PageResult;
use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::appointment_type;
use poem::{
    Response, handler,
    http::{StatusCode, header},
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{client_notices, page};
use crate::when;
use crate::{
    AppState, practice,
    scheduling::{
        booking::{self, ManagedBooking},
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
        json!({ "types": items, "notices": client_notices(state).await? }),
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
        "notices": client_notices(state).await?,
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
    let now = state.clock.now();
    let snapshot = state.schedule.current(&state.db, now).await?;
    let free = booking::free_times(&state.db, &snapshot, ty, from, to, now).await?;
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
