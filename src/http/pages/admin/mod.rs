//! `/admin`: the staff's pages. Signed out, every page sends you to `/admin/login` and back
//! afterwards. Every change is a POST carrying the session's CSRF token, answered with a
//! redirect.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::{appointment, appointment_type, client, practitioner};
use poem::{
    Request, Response, handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use super::{booking::see_other, page};
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    auth::{self, Credential, Presented, Staff, login, session},
    crypto,
    error::ApiError,
    http::guard,
    when,
};

/// The signed-in staff member behind the request's session cookie, if any.
async fn signed_in(state: &AppState, req: &Request) -> Result<Option<Staff>, ApiError> {
    let name = guard::cookie_name(state.public_url.is_https());
    let Some(token) = guard::session_cookie(req, name) else {
        return Ok(None);
    };
    Ok(auth::authenticate(
        &state.db,
        Presented::Cookie(token),
        &state.config.auth,
        state.clock.now(),
    )
    .await?)
}

/// Where to go after signing in: only a page of the dashboard.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with("/admin") && !n.starts_with("/admin/login") && !n.contains("//") =>
        {
            n.to_owned()
        }
        _ => "/admin".to_owned(),
    }
}

fn to_login(req: &Request) -> Response {
    let here = req.uri().path_and_query().map_or("/admin", |p| p.as_str());
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    see_other(&format!("/admin/login?next={next}"))
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /admin/login`.
#[handler]
pub async fn login_form(
    Data(state): Data<&AppState>,
    Query(query): Query<NextQuery>,
) -> poem::Result<Response> {
    login_page(
        state,
        StatusCode::OK,
        "",
        &safe_next(query.next.as_deref()),
        None,
    )
    .await
}

async fn login_page(
    state: &AppState,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<&str>,
) -> poem::Result<Response> {
    page(
        state,
        status,
        "pages/admin/login",
        "Sign in",
        json!({ "email": email, "next": next, "error": error }),
    )
    .await
}

/// `POST /admin/login`: a session cookie and back to the page asked for, or the form again
/// saying the sign-in failed (never which part was wrong).
#[handler]
pub async fn login_submit(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    body: String,
) -> poem::Result<Response> {
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let email = fields.get("email").map(|e| e.trim()).unwrap_or_default();
    let password = fields.get("password").cloned().unwrap_or_default();
    let next = safe_next(fields.get("next").map(String::as_str));
    if email.is_empty() || password.is_empty() || password.chars().count() > 256 {
        return login_page(
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            email,
            &next,
            Some("Please enter your email and your password."),
        )
        .await;
    }
    let audit = AuditContext::new(Actor::ANONYMOUS, origin.clone(), state.clock.now());
    match login::login(
        &state.db,
        &state.limiters.login,
        &state.config.auth,
        email,
        password,
        &audit,
    )
    .await
    {
        Ok(signed_in) => {
            let cookie = guard::session_cookie_for(state, Some(signed_in.session.token.expose()));
            let mut response = see_other(&next);
            response.headers_mut().insert(
                header::SET_COOKIE,
                cookie.parse().map_err(ApiError::internal)?,
            );
            Ok(response)
        }
        Err(login::LoginError::InvalidCredentials) => {
            login_page(
                state,
                StatusCode::UNAUTHORIZED,
                email,
                &next,
                Some("That email and password do not match an account that can sign in."),
            )
            .await
        }
        Err(login::LoginError::TooManyAttempts { .. }) => {
            login_page(
                state,
                StatusCode::TOO_MANY_REQUESTS,
                email,
                &next,
                Some("Too many attempts. Please wait a few minutes before trying again."),
            )
            .await
        }
        Err(login::LoginError::Db(e)) => Err(ApiError::from(e).into()),
    }
}

/// `POST /admin/logout`: ends the session (with its CSRF token) and clears the cookie.
#[handler]
pub async fn logout(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    req: &Request,
    body: String,
) -> poem::Result<Response> {
    let Some(staff) = signed_in(state, req).await? else {
        return Ok(see_other("/admin/login"));
    };
    let sent: String = url::form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == guard::CSRF_FORM_FIELD)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let Credential::Session { id, csrf_token, .. } = &staff.credential else {
        return Ok(see_other("/admin/login"));
    };
    if !crypto::secrets_equal(&sent, csrf_token) {
        return Err(ApiError::new(
            crate::error::ProblemKind::Forbidden,
            "This form has expired; go back, reload the page and try again.",
        )
        .into());
    }
    let audit = AuditContext::new(staff.actor(), origin.clone(), state.clock.now());
    session::end(&state.db, *id, &audit)
        .await
        .map_err(ApiError::from)?;
    let mut response = see_other("/admin/login");
    let cookie = guard::session_cookie_for(state, None);
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie.parse().map_err(ApiError::internal)?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct AgendaQuery {
    /// The first day shown, `YYYY-MM-DD` in the practice's zone; default today.
    from: Option<String>,
}

/// `GET /admin`: the coming week's appointments, day by day, in the practice's zone.
#[handler]
pub async fn agenda(
    Data(state): Data<&AppState>,
    req: &Request,
    Query(query): Query<AgendaQuery>,
) -> poem::Result<Response> {
    let Some(staff) = signed_in(state, req).await? else {
        return Ok(to_login(req));
    };
    let tz = crate::practice::time_zone(&state.db)
        .await
        .map_err(ApiError::from)?;
    let today = state.clock.now().with_timezone(&tz.tz()).date_naive();
    let first = query
        .from
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(crate::types::plausible_date)
        .unwrap_or(today);
    let days = 7;
    let start = crate::http::api::booking::start_of_day(tz, first);
    let end = crate::http::api::booking::start_of_day(tz, first + Duration::days(days));
    // Four queries for the whole week, whatever its size.
    let appointments = appointment::Entity::find()
        .filter(appointment::Column::StartsAt.gte(start))
        .filter(appointment::Column::StartsAt.lt(end))
        .order_by_asc(appointment::Column::StartsAt)
        .all(&state.db)
        .await
        .map_err(ApiError::from)?;
    let types: HashMap<_, _> = appointment_type::Entity::find()
        .all(&state.db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let practitioners: HashMap<_, _> = practitioner::Entity::find()
        .all(&state.db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let client_ids: Vec<_> = appointments.iter().map(|a| a.client_id).collect();
    let clients: HashMap<_, _> = client::Entity::find()
        .filter(client::Column::Id.is_in(client_ids))
        .all(&state.db)
        .await
        .map_err(ApiError::from)?
        .into_iter()
        .map(|c| (c.id, c.display_name))
        .collect();
    let day_views: Vec<serde_json::Value> = (0..days)
        .map(|n| {
            let day = first + Duration::days(n);
            let items: Vec<serde_json::Value> = appointments
                .iter()
                .filter(|a| a.starts_at.with_timezone(&tz.tz()).date_naive() == day)
                .map(|a| {
                    json!({
                        "href": format!("/admin/appointments/{}", a.id),
                        "time": when::time(a.starts_at, tz),
                        "practitioner": practitioners.get(&a.practitioner_id),
                        "type": types.get(&a.appointment_type_id),
                        "client": clients.get(&a.client_id),
                        "status": sea_orm::ActiveEnum::to_value(&a.status),
                    })
                })
                .collect();
            json!({ "label": when::day(day), "is_today": day == today, "items": items })
        })
        .collect();
    let csrf = match &staff.credential {
        Credential::Session { csrf_token, .. } => csrf_token.clone(),
        Credential::ApiToken { .. } => String::new(),
    };
    page(
        state,
        StatusCode::OK,
        "pages/admin/agenda",
        "Agenda",
        json!({
            "staff_name": staff.name,
            "csrf_token": csrf,
            "days": day_views,
            "zone": tz.name(),
            "previous": format!("/admin?from={}", first - Duration::days(days)),
            "next": format!("/admin?from={}", first + Duration::days(days)),
            "today": format!("/admin?from={today}"),
        }),
    )
    .await
}
