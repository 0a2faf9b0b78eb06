//! The one gate in front of the whole JSON API.
//!
//! Every path under `/api/v1` needs a signed-in staff member unless it is on the short public
//! list below, so a staff operation added later is protected without anyone remembering to
//! protect it: the mistake that is possible is making too much private, not too much public.
//! The gate also enforces CSRF for cookie sessions and the per-IP ceiling on public paths.

use poem::{
    Endpoint, Middleware, Request,
    http::{Method, StatusCode},
};
use serde_json::json;

use crate::{
    AppState,
    audit::{Action, AuditContext, Event, Origin, Outcome},
    auth::{self, Credential, Presented, Staff},
    crypto,
    http::problem::{ApiError, ProblemKind},
};

/// The session cookie's name over plain http (development, a LAN)…
pub const SESSION_COOKIE: &str = "attune_session";
/// …and over https, where the `__Host-` prefix makes browsers refuse the cookie unless it
/// was set by this host itself, with `Secure` and `Path=/`: a sibling subdomain cannot plant
/// a session of its own choosing.
pub const SESSION_COOKIE_HTTPS: &str = "__Host-attune_session";

pub fn cookie_name(https: bool) -> &'static str {
    if https {
        SESSION_COOKIE_HTTPS
    } else {
        SESSION_COOKIE
    }
}

/// The `Set-Cookie` value that sets the session cookie, or clears it (`None`).
/// `SameSite=Lax` keeps it off cross-site form posts.
pub fn session_set_cookie(
    https: bool,
    token: Option<&str>,
    max_age: std::time::Duration,
) -> String {
    let name = cookie_name(https);
    let secure = if https { "; Secure" } else { "" };
    match token {
        Some(token) => format!(
            "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            max_age.as_secs()
        ),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}
/// The `Set-Cookie` value for this deployment (https or not, the session's lifetime).
pub fn session_cookie_for(state: &AppState, token: Option<&str>) -> String {
    session_set_cookie(
        state.public_url.is_https(),
        token,
        state.config.auth.session_max_age,
    )
}

/// The header a cookie session sends its CSRF token in…
pub const CSRF_HEADER: &str = "x-csrf-token";
/// …or, from an HTML form, this field.
pub const CSRF_FORM_FIELD: &str = "csrf_token";

#[derive(Debug, PartialEq, Eq)]
enum Access {
    /// Anyone; counted against the per-IP ceiling.
    Public,
    /// The sign-in operation, which has limits of its own.
    SignIn,
    /// Staff only.
    Staff,
}

/// Paths as seen below `/api/v1`.
fn access(path: &str) -> Access {
    if path.starts_with("/public/") || path.starts_with("/intake/") {
        Access::Public
    } else if path == "/auth/login" {
        Access::SignIn
    } else {
        Access::Staff
    }
}

pub struct ApiGuard;

impl<E: Endpoint> Middleware<E> for ApiGuard {
    type Output = ApiGuardEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ApiGuardEndpoint { inner }
    }
}

pub struct ApiGuardEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for ApiGuardEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let state = req
            .data::<AppState>()
            .cloned()
            .expect("AppState is set outside");
        let now = state.clock.now();
        match access(req.uri().path()) {
            Access::SignIn => {}
            Access::Public => public_ceiling(&state, &req)?,
            Access::Staff => {
                let staff = {
                    let presented = presented_credential(&req).ok_or_else(|| {
                        unauthorized("Sign in, or send an API token as a bearer token.")
                    })?;
                    auth::authenticate(&state.db, presented, &state.config.auth, now)
                        .await
                        .map_err(ApiError::from)?
                        .ok_or_else(|| {
                            unauthorized(
                                "Your session has ended or the token is not valid; sign in again.",
                            )
                        })?
                };
                if let Credential::Session {
                    via_cookie: true,
                    csrf_token,
                    ..
                } = &staff.credential
                    && changes_state(req.method())
                {
                    let sent = match req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
                        Some(header) => header.to_owned(),
                        None => csrf_form_field(&mut req).await.unwrap_or_default(),
                    };
                    if !crypto::secrets_equal(&sent, csrf_token) {
                        record_denied(&state, &req, &staff, "csrf").await;
                        return Err(ApiError::new(
                            ProblemKind::Forbidden,
                            "This change needs the X-CSRF-Token header from sign-in or auth/me.",
                        )
                        .into());
                    }
                }
                req.set_data(staff.clone());
                let audit_req = (req.method().clone(), req.data::<Origin>().cloned());
                let outcome = self.inner.call(req).await;
                if let Err(err) = &outcome
                    && err.status() == StatusCode::FORBIDDEN
                {
                    record_refusal(&state, &staff, audit_req, err).await;
                }
                return outcome;
            }
        }
        self.inner.call(req).await
    }
}

/// A staff member refused by their role (403) leaves an event with the route they tried.
async fn record_refusal(
    state: &AppState,
    staff: &Staff,
    (method, origin): (Method, Option<Origin>),
    err: &poem::Error,
) {
    let route = err
        .data::<poem::PathPattern>()
        .map(|p| p.0.to_string())
        .unwrap_or_default();
    let event = Event::new(Action::AccessDenied)
        .outcome(Outcome::Denied)
        .details(json!({ "method": method.as_str(), "route": route, "reason": "role" }));
    write_denial(state, staff, origin.unwrap_or_default(), event).await;
}

/// A cookie session's change without the CSRF token: most likely a forged cross-site
/// request, worth a line in the audit log.
async fn record_denied(state: &AppState, req: &Request, staff: &Staff, reason: &str) {
    let event = Event::new(Action::AccessDenied)
        .outcome(Outcome::Denied)
        .details(json!({ "method": req.method().as_str(), "reason": reason }));
    let origin = req.data::<Origin>().cloned().unwrap_or_default();
    write_denial(state, staff, origin, event).await;
}

async fn write_denial(state: &AppState, staff: &Staff, origin: Origin, event: Event) {
    let audit = AuditContext::new(staff.actor(), origin, state.clock.now());
    if let Err(e) = audit.record(&state.db, event).await {
        // The refusal itself stands; only its record failed.
        tracing::warn!(error = %e, "could not record a refused request in the audit log");
    }
}

/// The per-address ceiling on everything the public can reach.
fn public_ceiling(state: &AppState, req: &Request) -> Result<(), ApiError> {
    let Some(ip) = req.data::<Origin>().and_then(|o| o.ip.clone()) else {
        return Ok(());
    };
    state
        .limiters
        .public
        .hit(&auth::rate_limit::client_key(&ip), state.clock.now())
        .map_err(|exceeded| {
            ApiError::new(
                ProblemKind::TooManyRequests,
                "Too many requests from your address; please wait a moment.",
            )
            .with_retry_after(exceeded.retry_after_secs())
        })
}

/// The public ceiling in front of the booking pages.
pub struct PublicCeiling;

impl<E: Endpoint> Middleware<E> for PublicCeiling {
    type Output = PublicCeilingEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        PublicCeilingEndpoint { inner }
    }
}

pub struct PublicCeilingEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for PublicCeilingEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, req: Request) -> poem::Result<Self::Output> {
        let state = req
            .data::<AppState>()
            .cloned()
            .expect("AppState is set outside");
        public_ceiling(&state, &req)?;
        self.inner.call(req).await
    }
}

/// The `csrf_token` field of an HTML form post. The body was already read into memory by the
/// body limit, so it is parsed and put back for the handler.
async fn csrf_form_field(req: &mut Request) -> Option<String> {
    let is_form = req
        .content_type()
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return None;
    }
    let bytes = req.take_body().into_vec().await.ok()?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FORM_FIELD)
        .map(|(_, value)| value.into_owned());
    req.set_body(bytes);
    token
}

fn unauthorized(detail: &str) -> ApiError {
    ApiError::new(ProblemKind::Unauthorized, detail)
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A bearer token wins over the cookie: it is what a script deliberately sent.
fn presented_credential(req: &Request) -> Option<Presented<'_>> {
    if let Some(value) = req
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let (scheme, token) = value.trim().split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| Presented::Bearer(token.trim()));
    }
    let https = req
        .data::<AppState>()
        .is_some_and(|s| s.public_url.is_https());
    session_cookie(req, cookie_name(https)).map(Presented::Cookie)
}

/// The value of cookie `name`, read from the `Cookie` header(s).
pub fn session_cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(poem::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::{Access, access};

    #[test]
    fn only_the_listed_paths_are_open() {
        assert_eq!(access("/public/practice"), Access::Public);
        assert_eq!(access("/intake/abc/submit"), Access::Public);
        assert_eq!(access("/auth/login"), Access::SignIn);
        for staff in [
            "/auth/logout",
            "/auth/me",
            "/auth/login/extra",
            "/staff",
            "/audit-events",
            "/publicity",
            "/public",
            "//public/practice",
            "/",
        ] {
            assert_eq!(access(staff), Access::Staff, "{staff}");
        }
    }
}
