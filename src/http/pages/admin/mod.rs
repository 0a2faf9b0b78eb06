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
mod calendar;
mod client_edit;
mod clients;
mod emails;
mod fields;
mod listing;
mod notes;
mod plan;
mod practice;
mod responses;
mod settings;
pub mod sign_in;
mod staff;
mod time_off;
mod types;

use crate::http::pages::PageResult;
use poem::{
    Endpoint, EndpointExt, IntoResponse, Middleware, Request, Response,
    endpoint::BoxEndpoint,
    get,
    http::{Method, StatusCode},
    post,
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

const GET: &str = "GET, HEAD";
const POST: &str = "POST";
const GET_POST: &str = "GET, HEAD, POST";

/// The dashboard's routes, each handler behind the gate: (path, endpoint, `Allow`).
pub fn routes() -> Vec<(&'static str, BoxEndpoint<'static>, &'static str)> {
    vec![
        ("/admin", get(g(agenda::agenda)).boxed(), GET),
        ("/admin/logout", post(g(sign_in::logout)).boxed(), POST),
        (
            "/admin/appointments/:id",
            get(g(appointments::show)).boxed(),
            GET,
        ),
        (
            "/admin/appointments/:id/:action",
            post(g(appointments::act)).boxed(),
            POST,
        ),
        ("/admin/clients", get(g(clients::list)).boxed(), GET),
        ("/admin/clients/:id", get(g(clients::show)).boxed(), GET),
        (
            "/admin/clients/:id/edit",
            get(g(client_edit::edit)).post(g(client_edit::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/plan",
            get(g(plan::edit)).post(g(plan::save)).boxed(),
            GET_POST,
        ),
        ("/admin/intakes/:id", get(g(responses::show)).boxed(), GET),
        (
            "/admin/clients/:id/appointments",
            post(g(clients::book)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/intakes",
            post(g(clients::send_intake)).boxed(),
            POST,
        ),
        (
            "/admin/clients/:id/notes",
            get(g(notes::new_form)).post(g(notes::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/clients/:id/psychotherapy-notes",
            get(g(notes::psychotherapy_notes))
                .post(g(notes::add_psychotherapy_note))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id",
            get(g(notes::editor)).post(g(notes::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id/sign",
            get(g(notes::sign_confirm)).post(g(notes::sign)).boxed(),
            GET_POST,
        ),
        (
            "/admin/notes/:id/addenda",
            post(g(notes::addendum)).boxed(),
            POST,
        ),
        ("/admin/settings", get(g(settings::index)).boxed(), GET),
        (
            "/admin/settings/hours",
            get(g(settings::hours))
                .post(g(settings::save_hours))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/hours/overrides",
            post(g(time_off::set_override)).boxed(),
            POST,
        ),
        (
            "/admin/settings/hours/time-off",
            post(g(time_off::add_time_off)).boxed(),
            POST,
        ),
        (
            "/admin/settings/hours/:kind/:id/remove",
            post(g(time_off::remove)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar",
            get(g(calendar::calendar)).boxed(),
            GET,
        ),
        (
            "/admin/settings/calendar/busy",
            post(g(calendar::add_busy)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar/busy/:id/remove",
            post(g(calendar::remove_busy)).boxed(),
            POST,
        ),
        (
            "/admin/settings/calendar/:action",
            post(g(calendar::calendar_action)).boxed(),
            POST,
        ),
        (
            "/admin/settings/practice",
            get(g(practice::details))
                .post(g(practice::save_details))
                .boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/practitioners",
            get(g(practice::list)).boxed(),
            GET,
        ),
        (
            "/admin/settings/practitioners/new",
            get(g(practice::new_form)).post(g(practice::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/practitioners/:id",
            get(g(practice::edit)).post(g(practice::save)).boxed(),
            GET_POST,
        ),
        ("/admin/settings/types", get(g(types::list)).boxed(), GET),
        (
            "/admin/settings/types/new",
            get(g(types::new_form)).post(g(types::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/types/:id",
            get(g(types::edit)).post(g(types::save)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/emails",
            get(g(emails::templates)).boxed(),
            GET,
        ),
        (
            "/admin/settings/emails/:name",
            get(g(emails::show_template)).boxed(),
            GET,
        ),
        (
            "/admin/settings/emails/:name/html",
            get(g(emails::template_html)).boxed(),
            GET,
        ),
        (
            "/admin/settings/outbox",
            get(g(emails::outbox_list)).boxed(),
            GET,
        ),
        (
            "/admin/settings/outbox/:id/:action",
            post(g(emails::outbox_action)).boxed(),
            POST,
        ),
        ("/admin/settings/staff", get(g(staff::list)).boxed(), GET),
        (
            "/admin/settings/staff/new",
            get(g(staff::new_form)).post(g(staff::create)).boxed(),
            GET_POST,
        ),
        (
            "/admin/settings/staff/:id",
            get(g(staff::edit)).post(g(staff::save)).boxed(),
            GET_POST,
        ),
        ("/admin/audit", get(g(audit_log::list)).boxed(), GET),
    ]
}

/// Puts a handler behind the gate. The gate sits inside the method routing, so a wrong
/// method is answered 405 before anyone is asked to sign in.
fn g<E: Endpoint + 'static>(e: E) -> impl Endpoint {
    e.with(Gate)
}

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

/// Back to `location` after a change, with a one-line notice to show there.
pub fn done(location: &str, notice: Notice) -> Response {
    let sep = if location.contains('?') { '&' } else { '?' };
    see_other(&format!("{location}{sep}done={}", notice.code()))
}

/// What a change just did, shown once at the top of the page it leads to. Codes, not text,
/// travel in the URL, so nothing typed ever lands in history or logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Booked,
    Cancelled,
    Rescheduled,
    Completed,
    NoShow,
    IntakeSent,
    NoteSaved,
    NoteSigned,
    AddendumAdded,
    PrivateNoteAdded,
    HoursSaved,
    FeedCreated,
    FeedRevoked,
    FeedSettingsSaved,
    Saved,
    PractitionerAdded,
    TypeAdded,
    OverrideSaved,
    TimeOffAdded,
    Removed,
    BusyAdded,
    EmailRetried,
    EmailCancelled,
    StaffAdded,
    PlanSaved,
    PhaseMoved,
}

impl Notice {
    const ALL: [Notice; 26] = [
        Notice::Booked,
        Notice::Cancelled,
        Notice::Rescheduled,
        Notice::Completed,
        Notice::NoShow,
        Notice::IntakeSent,
        Notice::NoteSaved,
        Notice::NoteSigned,
        Notice::AddendumAdded,
        Notice::PrivateNoteAdded,
        Notice::HoursSaved,
        Notice::FeedCreated,
        Notice::FeedRevoked,
        Notice::FeedSettingsSaved,
        Notice::Saved,
        Notice::PractitionerAdded,
        Notice::TypeAdded,
        Notice::OverrideSaved,
        Notice::TimeOffAdded,
        Notice::Removed,
        Notice::BusyAdded,
        Notice::EmailRetried,
        Notice::EmailCancelled,
        Notice::StaffAdded,
        Notice::PlanSaved,
        Notice::PhaseMoved,
    ];

    fn code(self) -> &'static str {
        match self {
            Notice::Booked => "booked",
            Notice::Cancelled => "cancelled",
            Notice::Rescheduled => "rescheduled",
            Notice::Completed => "completed",
            Notice::NoShow => "no-show",
            Notice::IntakeSent => "intake-sent",
            Notice::NoteSaved => "note-saved",
            Notice::NoteSigned => "note-signed",
            Notice::AddendumAdded => "addendum-added",
            Notice::PrivateNoteAdded => "private-note-added",
            Notice::HoursSaved => "hours-saved",
            Notice::FeedCreated => "feed-created",
            Notice::FeedRevoked => "feed-revoked",
            Notice::FeedSettingsSaved => "feed-saved",
            Notice::Saved => "saved",
            Notice::PractitionerAdded => "practitioner-added",
            Notice::TypeAdded => "type-added",
            Notice::OverrideSaved => "override-saved",
            Notice::TimeOffAdded => "time-off-added",
            Notice::Removed => "removed",
            Notice::BusyAdded => "busy-added",
            Notice::EmailRetried => "email-retried",
            Notice::EmailCancelled => "email-cancelled",
            Notice::StaffAdded => "staff-added",
            Notice::PlanSaved => "plan-saved",
            Notice::PhaseMoved => "phase-moved",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Notice::Booked => "Booked; the clients are told by email.",
            Notice::Cancelled => "The appointment is cancelled; the clients are told by email.",
            Notice::Rescheduled => "The appointment is moved; the clients are told by email.",
            Notice::Completed => "Marked as completed.",
            Notice::NoShow => "Marked as a no-show.",
            Notice::IntakeSent => "The questionnaire is on its way.",
            Notice::NoteSaved => "Draft saved.",
            Notice::NoteSigned => "The note is signed and locked.",
            Notice::AddendumAdded => "Addendum added.",
            Notice::PrivateNoteAdded => "Psychotherapy note added.",
            Notice::HoursSaved => "Weekly hours saved.",
            Notice::FeedCreated => {
                "A new calendar link is ready. The previous one, if any, stops working."
            }
            Notice::FeedRevoked => "The calendar link no longer works.",
            Notice::FeedSettingsSaved => "Calendar privacy saved.",
            Notice::Saved => "Saved.",
            Notice::PractitionerAdded => {
                "Practitioner added. Set their weekly hours below so clients can book them."
            }
            Notice::TypeAdded => "Appointment type added.",
            Notice::OverrideSaved => "That date's hours are saved.",
            Notice::TimeOffAdded => "Time off added; booking no longer offers those times.",
            Notice::Removed => "Removed.",
            Notice::BusyAdded => {
                "Busy calendar added; its times are read now and every few minutes."
            }
            Notice::EmailRetried => "The email will be sent again shortly.",
            Notice::EmailCancelled => "The email will not be sent.",
            Notice::StaffAdded => {
                "Account created. Give them their first password in person; they can change it."
            }
            Notice::PlanSaved => "Treatment plan saved.",
            Notice::PhaseMoved => "The plan moved to its new phase.",
        }
    }

    /// The notice named by `?done=`, if it is one.
    pub fn from_query(code: Option<&str>) -> Option<&'static str> {
        let code = code?;
        Notice::ALL
            .into_iter()
            .find(|n| n.code() == code)
            .map(Notice::text)
    }
}

/// A page's `?done=` parameter, the notice a change left for it.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    pub fn notice(&self) -> Option<&'static str> {
        Notice::from_query(self.done.as_deref())
    }
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
