//! `/admin/settings`: weekly hours with a preview of the coming week, and the calendar feed.

use chrono::{Datelike, Duration, NaiveTime, Weekday};
use entity::{calendar_feed::FeedDetail, practitioner};
use poem::{
    Response, handler,
    http::{StatusCode, header},
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Admin, Form, Notice, Section, done, fixable, form_errors, render_status};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    calendar::{busy, feed},
    error::{ApiError, FieldErrors},
    http::{api::calendars::may_manage, guard},
    scheduling::{
        availability::{self, RuleFields},
        slots,
    },
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

/// `GET /admin/settings`.
#[handler]
pub async fn index(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
) -> poem::Result<Response> {
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Settings,
        "pages/admin/settings",
        "Settings",
        json!({}),
    )
}

#[derive(Deserialize)]
pub struct WhoQuery {
    practitioner: Option<String>,
    done: Option<String>,
}

/// The practitioners to choose from, and the one chosen: the one asked for, else the
/// signed-in person's own, else the first.
async fn choose(
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
async fn posted(
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

fn choices(all: &[practitioner::Model], chosen: Uuid) -> Vec<Value> {
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
) -> poem::Result<Response> {
    admin
        .staff
        .require(Permission::Schedule)
        .map_err(ApiError::from)?;
    let (all, p) = choose(state, admin, query.practitioner.as_deref()).await?;
    let notice = Notice::from_query(query.done.as_deref());
    hours_page(state, admin, &all, &p, StatusCode::OK, notice, json!({})).await
}

async fn hours_page(
    state: &AppState,
    admin: &Admin,
    all: &[practitioner::Model],
    p: &practitioner::Model,
    status: StatusCode,
    notice: Option<&str>,
    form: Value,
) -> poem::Result<Response> {
    let rules = availability::rules(&state.db, p.id)
        .await
        .map_err(ApiError::from)?;
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
    let from = crate::http::api::booking::start_of_day(tz, today);
    let to = from + Duration::days(8);
    let schedule = availability::schedule(&state.db, p, from, to, None)
        .await
        .map_err(ApiError::from)?;
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
        }),
    )
}

/// `POST /admin/settings/hours`: replaces the practitioner's weekly hours (rules limited to
/// a date range, set through the API, are kept).
#[handler]
pub async fn save_hours(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> poem::Result<Response> {
    admin
        .staff
        .require(Permission::Schedule)
        .map_err(ApiError::from)?;
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
        .await
        .map_err(ApiError::from)?
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
    let outcome = match errors.into_result() {
        Ok(()) => {
            availability::replace_rules(&state.db, p.id, new_rules, &admin.audit(state, origin))
                .await
                .map(|_| ())
                .map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(done(
            &format!("/admin/settings/hours?practitioner={}", p.id),
            Notice::HoursSaved,
        )),
        Err(failure) if fixable(&failure) => {
            let shown = form_errors(&failure, form);
            hours_page(state, admin, &all, &p, failure.status(), None, shown).await
        }
        Err(failure) => Err(failure.into()),
    }
}

/// `GET /admin/settings/calendar?practitioner=`.
#[handler]
pub async fn calendar(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<WhoQuery>,
    req: &poem::Request,
) -> poem::Result<Response> {
    let (all, p) = choose(state, admin, query.practitioner.as_deref()).await?;
    may_manage(&admin.staff, p.id)?;
    let current = feed::find(&state.db, p.id).await.map_err(ApiError::from)?;
    // A link just made is shown once, from a cookie that lives for one look.
    let fresh = guard::session_cookie(req, FRESH_FEED_COOKIE)
        .filter(|s| s.starts_with(crate::calendar::feed::TOKEN_PREFIX));
    let links = fresh.map(|secret| {
        let path = format!("/calendar/{secret}.ics");
        json!({ "url": state.public_url.link(&path), "webcal": state.public_url.webcal_link(&path) })
    });
    let calendars = busy::list(&state.db, p.id)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|c| {
            json!({
                "label": c.label,
                "status": format!("{:?}", c.status).to_lowercase(),
                "error": c.last_error,
                "last_success": c.last_success_at.map(|at| when::short(at, admin.tz)),
                "events": c.event_count,
            })
        })
        .collect::<Vec<_>>();
    let detail = current.as_ref().map(|f| feed::detail_name(f.detail));
    let details: Vec<Value> = [
        ("minimal", "The appointment type and a short reference: no names"),
        ("initials", "Also the partners' initials"),
        ("full", "Also the partners' names (owner only)"),
    ]
    .into_iter()
    .filter(|(value, _)| {
        *value != "full" || admin.staff.require(Permission::FullCalendarDetail).is_ok()
    })
    .map(|(value, label)| {
        json!({ "value": value, "label": label, "selected": Some(value) == detail.or(Some("minimal")) })
    })
    .collect();
    let mut response = render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Settings,
        "pages/admin/calendar",
        "Calendar feed",
        json!({
            "notice": Notice::from_query(query.done.as_deref()),
            "practitioner": p.name,
            "practitioner_id": p.id,
            "practitioners": choices(&all, p.id),
            "several": all.len() > 1,
            "exists": current.is_some(),
            "include_time_off": current.as_ref().is_some_and(|f| f.include_time_off),
            "last_fetched": current.as_ref().and_then(|f| f.last_fetched_at).map(|at| when::short(at, admin.tz)),
            "details": details,
            "links": links,
            "busy": calendars,
        }),
    )?;
    if fresh.is_some() {
        response.headers_mut().append(
            header::SET_COOKIE,
            fresh_cookie(state, None)
                .parse()
                .map_err(ApiError::internal)?,
        );
    }
    Ok(response)
}

/// The cookie that carries a just-made feed address to the one page that shows it.
const FRESH_FEED_COOKIE: &str = "attune_new_feed";

fn fresh_cookie(state: &AppState, secret: Option<&str>) -> String {
    let secure = if state.public_url.is_https() {
        "; Secure"
    } else {
        ""
    };
    match secret {
        Some(s) => format!(
            "{FRESH_FEED_COOKIE}={s}; Path=/admin/settings/calendar; HttpOnly; SameSite=Strict; Max-Age=300{secure}"
        ),
        None => format!(
            "{FRESH_FEED_COOKIE}=; Path=/admin/settings/calendar; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
        ),
    }
}

/// `POST /admin/settings/calendar/{create|save|revoke}`.
#[handler]
pub async fn calendar_action(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(action): Path<String>,
) -> poem::Result<Response> {
    let (_, p) = posted(state, form).await?;
    may_manage(&admin.staff, p.id)?;
    let audit = admin.audit(state, origin);
    let here = format!("/admin/settings/calendar?practitioner={}", p.id);
    let detail = match form.get("detail") {
        "" => None,
        "minimal" => Some(FeedDetail::Minimal),
        "initials" => Some(FeedDetail::Initials),
        "full" if admin.staff.require(Permission::FullCalendarDetail).is_ok() => {
            Some(FeedDetail::Full)
        }
        _ => return Err(ApiError::invalid("detail", "is not one of the choices").into()),
    };
    let changes = feed::FeedChanges {
        detail,
        include_time_off: Some(form.has("include_time_off")),
    };
    match action.as_str() {
        "create" => {
            let (_, secret, _) = feed::create_or_rotate(&state.db, p.id, changes, &audit)
                .await
                .map_err(ApiError::from)?;
            let mut response = done(&here, Notice::FeedCreated);
            response.headers_mut().append(
                header::SET_COOKIE,
                fresh_cookie(state, Some(secret.expose()))
                    .parse()
                    .map_err(ApiError::internal)?,
            );
            Ok(response)
        }
        "save" => {
            feed::update(&state.db, p.id, changes, &audit)
                .await
                .map_err(ApiError::from)?;
            Ok(done(&here, Notice::FeedSettingsSaved))
        }
        "revoke" => {
            feed::revoke(&state.db, p.id, &audit)
                .await
                .map_err(ApiError::from)?;
            Ok(done(&here, Notice::FeedRevoked))
        }
        _ => Err(ApiError::not_found("There is nothing at this address.").into()),
    }
}
