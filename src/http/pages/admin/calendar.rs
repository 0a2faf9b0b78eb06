//! `/admin/settings/calendar`: the calendar feed (made, rotated, revoked, shown once) and
//! the busy calendars that keep booking off other commitments.

use crate::http::pages::PageResult;
use entity::{calendar_feed::FeedDetail, practitioner};
use poem::{
    handler,
    http::{StatusCode, header},
    web::{Data, Path, Query},
};
use serde_json::{Value, json};

use super::{
    Admin, Form, Notice, Section, done, parse_id, render_status,
    settings::{WhoQuery, choices, choose, posted},
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    calendar::{
        busy::{
            self,
            input::{BusyCalendarInput, add_checked},
        },
        feed,
    },
    http::guard,
    http::problem::ApiError,
    policy, when,
};

/// `GET /admin/settings/calendar?practitioner=`.
#[handler]
pub async fn calendar(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<WhoQuery>,
    req: &poem::Request,
) -> PageResult {
    let (all, p) = choose(state, admin, query.practitioner.as_deref()).await?;
    policy::calendar(&admin.staff, p.id)?;
    // A link just made is shown once, from a cookie that lives for one look.
    let fresh = guard::session_cookie(req, FRESH_FEED_COOKIE)
        .filter(|s| s.starts_with(crate::calendar::feed::TOKEN_PREFIX));
    let notice = Notice::from_query(query.done.as_deref());
    let mut response = calendar_page(
        state,
        admin,
        &all,
        &p,
        fresh,
        StatusCode::OK,
        notice,
        json!({}),
    )
    .await?;
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

#[allow(clippy::too_many_arguments)]
async fn calendar_page(
    state: &AppState,
    admin: &Admin,
    all: &[practitioner::Model],
    p: &practitioner::Model,
    fresh: Option<&str>,
    status: StatusCode,
    notice: Option<&'static str>,
    busy_form: Value,
) -> PageResult {
    let current = feed::find(&state.db, p.id).await?;
    let links = fresh.map(|secret| {
        let path = format!("/calendar/{secret}.ics");
        json!({ "url": state.public_url.link(&path), "webcal": state.public_url.webcal_link(&path) })
    });
    let calendars = busy::list(&state.db, p.id)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id,
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
    render_status(
        state,
        admin,
        status,
        Section::Settings,
        "pages/admin/calendar",
        "Calendar feed",
        json!({
            "notice": notice,
            "practitioner": p.name,
            "practitioner_id": p.id,
            "practitioners": choices(all, p.id),
            "several": all.len() > 1,
            "exists": current.is_some(),
            "include_time_off": current.as_ref().is_some_and(|f| f.include_time_off),
            "last_fetched": current.as_ref().and_then(|f| f.last_fetched_at).map(|at| when::short(at, admin.tz)),
            "details": details,
            "links": links,
            "busy": calendars,
            "busy_form": busy_form,
        }),
    )
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
) -> PageResult {
    let (_, p) = posted(state, form).await?;
    policy::calendar(&admin.staff, p.id)?;
    let audit = admin.audit(state, origin);
    let here = format!("/admin/settings/calendar?practitioner={}", p.id);
    let detail = match form.get("detail") {
        "" => None,
        "minimal" => Some(FeedDetail::Minimal),
        "initials" => Some(FeedDetail::Initials),
        "full" => Some(FeedDetail::Full),
        _ => return Err(ApiError::invalid("detail", "is not one of the choices")),
    };
    // The settings form carries the checkbox; the bare "new address" button carries neither
    // field, and keeps the settings as they are.
    let settings_form = action == "save" || detail.is_some();
    let changes = feed::FeedChanges {
        detail,
        include_time_off: settings_form.then(|| form.has("include_time_off")),
    };
    match action.as_str() {
        "create" => {
            let (_, secret, _) =
                feed::create_or_rotate(&state.db, &admin.staff, p.id, changes, &audit).await?;
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
            feed::update(&state.db, &admin.staff, p.id, changes, &audit).await?;
            Ok(done(&here, Notice::FeedSettingsSaved))
        }
        "revoke" => {
            feed::revoke(&state.db, p.id, &audit).await?;
            Ok(done(&here, Notice::FeedRevoked))
        }
        _ => Err(ApiError::not_found("There is nothing at this address.")),
    }
}

/// `POST /admin/settings/calendar/busy`: subscribes to another calendar's busy times.
#[handler]
pub async fn add_busy(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
) -> PageResult {
    let (all, p) = posted(state, form).await?;
    policy::calendar(&admin.staff, p.id)?;
    let label = Some(form.get("label")).filter(|l| !l.is_empty());
    let new = BusyCalendarInput {
        label,
        url: Some(form.get("url")),
        ics: None,
    };
    let outcome = add_checked(
        &state.db,
        &state.busy,
        p.id,
        new,
        &admin.audit(state, origin),
    )
    .await
    .map_err(ApiError::from)
    .map(|_| {
        done(
            &format!("/admin/settings/calendar?practitioner={}", p.id),
            Notice::BusyAdded,
        )
    });
    super::settle(outcome, form, |status, shown| {
        calendar_page(state, admin, &all, &p, None, status, None, shown)
    })
    .await
}

/// `POST /admin/settings/calendar/busy/{id}/remove`: forgets it and its busy times.
#[handler]
pub async fn remove_busy(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(form): Data<&Form>,
    Path(id): Path<String>,
) -> PageResult {
    let (_, p) = posted(state, form).await?;
    policy::calendar(&admin.staff, p.id)?;
    busy::delete(&state.db, p.id, parse_id(&id)?, &admin.audit(state, origin)).await?;
    Ok(done(
        &format!("/admin/settings/calendar?practitioner={}", p.id),
        Notice::Removed,
    ))
}
