//! Signing in to the dashboard and out of it.

use crate::http::pages::PageResult;
use std::collections::HashMap;

use poem::{
    handler,
    http::{StatusCode, header},
    web::{Data, Query},
};
use serde::Deserialize;
use serde_json::json;

use super::Admin;
use crate::{
    AppState,
    audit::{Actor, AuditContext, Origin},
    auth::{login, session},
    http::problem::ApiError,
    http::{
        guard,
        pages::{booking::see_other, page},
    },
    types::EmailAddress,
};

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

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /admin/login`.
#[handler]
pub async fn login_form(
    Data(state): Data<&AppState>,
    Query(query): Query<NextQuery>,
) -> PageResult {
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
) -> PageResult {
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
) -> PageResult {
    let fields: HashMap<String, String> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let email = fields.get("email").map(|e| e.trim()).unwrap_or_default();
    let password = fields.get("password").cloned().unwrap_or_default();
    let next = safe_next(fields.get("next").map(String::as_str));
    // Checked as the API checks it, before anything reaches the rate limiter; what was typed
    // is shown again only when it could be an address.
    let parsed = EmailAddress::parse(email);
    let Ok(address) = parsed else {
        let shown = if email.chars().count() <= EmailAddress::MAX_LEN {
            email
        } else {
            ""
        };
        return login_page(
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
            shown,
            &next,
            Some("Please enter your email address and your password."),
        )
        .await;
    };
    if password.is_empty() || password.chars().count() > crate::auth::password::MAX_LEN {
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
        &address,
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
        Err(login::LoginError::Db(e)) => Err(ApiError::from(e)),
    }
}

/// `POST /admin/logout`: ends the session (the gate has checked its CSRF token) and clears
/// the cookie.
#[handler]
pub async fn logout(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
) -> PageResult {
    if let Some(id) = admin.staff.session_id() {
        session::end(&state.db, id, &admin.audit(state, origin)).await?;
    }
    let mut response = see_other("/admin/login");
    let cookie = guard::session_cookie_for(state, None);
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookie.parse().map_err(ApiError::internal)?,
    );
    Ok(response)
}
