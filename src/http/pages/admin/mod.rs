//! `/admin`: the staff's pages.
//!
//! Every page but sign-in sits behind [`Gate`]: signed out, a GET is sent to `/admin/login`
//! and back afterwards; every POST must carry the session's CSRF token in its form, and ends
//! in a redirect so reloading never repeats it. Pages decide what to render from the role:
//! clinical content is never put in an assistant's HTML, not merely hidden.
//!
//! Paths carry only ids, and page titles only generic words, so neither browser history nor
//! the request log holds anything clinical.

mod agenda;
mod appointments;
mod audit_log;
mod billing;
mod billing_settings;
mod calendar;
mod client_edit;
mod clients;
mod consent;
mod diagnoses;
mod emails;
mod fields;
mod listing;
mod measures;
mod notes;
mod notice;
mod plan;
mod practice;
mod responses;
mod routes;
mod series;
mod settings;
pub mod sign_in;
mod staff;
mod time_off;
mod typed_time;
mod types;

pub use notice::{DoneQuery, Notice, done};
pub use routes::routes;

use crate::http::pages::PageResult;
use poem::{
    Endpoint, IntoResponse, Middleware, Request, Response,
    http::{Method, StatusCode},
};
use serde_json::{Value, json};

use super::booking::see_other;
use crate::{
    AppState,
    audit::{AuditContext, Origin},
    auth::{self, Credential, Permission, Presented, Staff},
    crypto,
    http::guard,
    http::problem::{ApiError, ProblemKind},
    types::TimeZone,
    validation::FieldError,
};

/// Who is signed in, as every dashboard handler sees it.
#[derive(Clone)]
pub struct Admin {
    pub staff: Staff,
    /// The token this session's forms carry.
    pub csrf: String,
    pub practice_name: String,
    pub tz: TimeZone,
}

impl Admin {
    pub fn audit(&self, state: &AppState, origin: &Origin) -> AuditContext {
        AuditContext::new(self.staff.actor(), origin.clone(), state.clock.now())
    }
}

/// A posted form's fields, in order (a field may repeat).
#[derive(Clone, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The field's first value, trimmed; empty if absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The field's value as typed (long text keeps its own spacing).
    pub fn raw(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Every field, for a form shown again with what was typed: `name` holds its first
    /// value and `name[]` all of them (a group of checkboxes).
    pub fn values(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (k, v) in self.0.iter().filter(|(k, _)| k != guard::CSRF_FORM_FIELD) {
            map.entry(k.clone())
                .or_insert_with(|| Value::String(v.clone()));
            let list = map
                .entry(format!("{k}[]"))
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = list {
                list.push(Value::String(v.clone()));
            }
        }
        Value::Object(map)
    }
}

/// The staff member behind the request's session cookie, if any.
pub(super) async fn signed_in(state: &AppState, req: &Request) -> Result<Option<Staff>, ApiError> {
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

fn to_login(req: &Request) -> Response {
    let here = req.uri().path_and_query().map_or("/admin", |p| p.as_str());
    let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
    see_other(&format!("/admin/login?next={next}"))
}

/// Signed-in staff only; POSTs carry the CSRF token. Puts [`Admin`] (and a POST's [`Form`])
/// in the request for the handler.
pub struct Gate;

impl<E: Endpoint> Middleware<E> for Gate {
    type Output = GateEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        GateEndpoint { inner }
    }
}

pub struct GateEndpoint<E> {
    inner: E,
}

impl<E: Endpoint> Endpoint for GateEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let state = req
            .data::<AppState>()
            .cloned()
            .expect("AppState is set outside");
        let Some(staff) = signed_in(&state, &req).await? else {
            return Ok(if req.method() == Method::POST {
                see_other("/admin/login")
            } else {
                to_login(&req)
            });
        };
        let Credential::Session { csrf_token, .. } = &staff.credential else {
            return Ok(to_login(&req));
        };
        let csrf = csrf_token.clone();
        if req.method() == Method::POST {
            let body = req.take_body().into_bytes().await?;
            let form = Form::parse(&body);
            if !crypto::secrets_equal(form.get(guard::CSRF_FORM_FIELD), &csrf) {
                return Err(ApiError::new(
                    ProblemKind::Forbidden,
                    "This form has expired; go back, reload the page and try again.",
                )
                .into());
            }
            req.set_data(form);
        }
        let practice = crate::practice::settings(&state.db)
            .await
            .map_err(ApiError::from)?;
        req.set_data(Admin {
            tz: crate::practice::zone_of(&practice),
            practice_name: practice.name,
            staff,
            csrf,
        });
        Ok(self.inner.call(req).await?.into_response())
    }
}

/// Which part of the dashboard a page belongs to, for the navigation.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Agenda,
    Clients,
    Billing,
    Settings,
    Audit,
}

/// Renders a dashboard page: `context` plus the navigation, the signed-in name, the CSRF
/// token and the practice's name.
pub fn render(
    state: &AppState,
    admin: &Admin,
    section: Section,
    template: &str,
    title: &str,
    context: Value,
) -> PageResult {
    render_status(
        state,
        admin,
        StatusCode::OK,
        section,
        template,
        title,
        context,
    )
}

pub fn render_status(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    section: Section,
    template: &str,
    title: &str,
    context: Value,
) -> PageResult {
    let owner = admin.staff.role.allows(Permission::ManageSettings);
    let nav = [
        (Section::Agenda, "Agenda", "/admin", true),
        (Section::Clients, "Clients", "/admin/clients", true),
        (
            Section::Billing,
            "Billing",
            "/admin/billing",
            admin.staff.role.allows(Permission::Bill),
        ),
        (Section::Settings, "Settings", "/admin/settings", true),
        (
            Section::Audit,
            "Audit log",
            "/admin/audit",
            admin.staff.role.allows(Permission::ReadAuditLog),
        ),
    ]
    .into_iter()
    .filter(|(_, _, _, shown)| *shown)
    .map(|(s, label, href, _)| json!({ "label": label, "href": href, "current": s == section }))
    .collect::<Vec<_>>();
    let mut context = context;
    if let Value::Object(map) = &mut context {
        map.insert("practice_name".into(), admin.practice_name.clone().into());
        map.insert("page_title".into(), title.into());
        map.insert("staff_name".into(), admin.staff.name.clone().into());
        map.insert("role".into(), admin.staff.role.as_str().into());
        map.insert("csrf_token".into(), admin.csrf.clone().into());
        map.insert("nav".into(), nav.into());
        map.insert("is_owner".into(), owner.into());
        map.insert("zone".into(), admin.tz.name().into());
    }
    super::render_html(state, status, template, &context)
}

/// A form shown again after `failure`: the summary, each field's message, and what was typed.
fn form_errors(failure: &ApiError, form: &Form) -> Value {
    let fields: serde_json::Map<String, Value> = failure
        .errors()
        .iter()
        .map(|FieldError { field, message }| (field.clone(), Value::String(message.clone())))
        .collect();
    let summary = if fields.is_empty() {
        failure.detail()
    } else {
        "Please check the fields marked below."
    };
    json!({ "summary": summary, "fields": fields, "values": form.values() })
}

/// A failure the person can fix by changing the form (a 4xx other than sign-in and
/// permission), as opposed to one that ends on the error page.
fn fixable(failure: &ApiError) -> bool {
    matches!(
        failure.kind(),
        ProblemKind::Validation | ProblemKind::Conflict | ProblemKind::BadRequest
    )
}

/// Ends a form's POST: the redirect on success; on a mistake the person can fix, the form
/// again (`again(status, form)`) with the messages and what was typed; anything else, the
/// error page.
pub async fn settle<Fut>(
    outcome: Result<Response, ApiError>,
    form: &Form,
    again: impl FnOnce(StatusCode, Value) -> Fut,
) -> PageResult
where
    Fut: std::future::Future<Output = PageResult>,
{
    match outcome {
        Ok(response) => Ok(response),
        Err(failure) if fixable(&failure) => {
            again(failure.status(), form_errors(&failure, form)).await
        }
        Err(failure) => Err(failure),
    }
}

/// The path's id, or 404 (a mistyped address is not a server error).
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found("There is nothing at this address."))
}
