//! `/admin/settings/emails` (every message Attune sends, previewed with made-up people) and
//! `/admin/settings/outbox` (what went, what waits, what failed: retry or cancel), for owners
//! and assistants as in the API.

use crate::http::pages::PageResult;
use entity::email_outbox::EmailStatus;
use poem::{
    Response, handler,
    http::StatusCode,
    web::{Data, Path, Query},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    Admin, Form, Notice, Section, done,
    listing::{Cell, TablePage, select},
    parse_id, render_status,
};
use crate::{
    AppState,
    audit::Origin,
    auth::Permission,
    http::problem::ApiError,
    mail::{
        Kind,
        outbox::{self, Filter},
        preview,
    },
    pagination::{DEFAULT_LIMIT, PageRequest},
    when,
};

fn manages_outbox(admin: &Admin) -> Result<(), ApiError> {
    Ok(admin.staff.require(Permission::ManageOutbox)?)
}

/// The message as a person would name it.
fn label(kind: Kind) -> &'static str {
    match kind {
        Kind::BookingConfirmed => "Booking confirmed (to the client)",
        Kind::BookingRescheduled => "Appointment moved (to the client)",
        Kind::BookingCancelled => "Appointment cancelled (to the client)",
        Kind::NewBooking => "New booking (to the practitioner)",
        Kind::Reminder => "Reminder (to the client)",
        Kind::IntakeInvitation => "Questionnaire to fill in (to the client)",
        Kind::IntakeReminder => "Questionnaire reminder (to the client)",
        Kind::IntakeReady => "Questionnaire submitted (to the practitioner)",
        Kind::SeriesBooked => "Series of sessions booked (to the client)",
        Kind::SeriesChanged => "Sessions of a series moved or cancelled (to the client)",
        Kind::ConsentRequest => "A consent document to sign (to one partner)",
        Kind::ConsentReminder => "Documents still to sign before an appointment (to one partner)",
        Kind::PortalLink => "Sign-in link to the portal (to one partner)",
        Kind::EstimateReady => "A Good Faith Estimate is ready (to each partner)",
    }
}

/// `GET /admin/settings/emails`.
#[handler]
pub async fn templates(Data(state): Data<&AppState>, Data(admin): Data<&Admin>) -> PageResult {
    manages_outbox(admin)?;
    let rows = Kind::ALL
        .into_iter()
        .map(|kind| {
            let (files, overridden) =
                preview::template_files(state.config.templates_dir.as_deref(), kind);
            vec![
                Cell::link(
                    label(kind),
                    format!("/admin/settings/emails/{}", kind.as_str()),
                ),
                Cell::text(if overridden {
                    "The practice's own"
                } else {
                    "Built in"
                })
                .quiet(files.join(", ")),
            ]
        })
        .collect();
    TablePage {
        title: "Email templates",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some(
            "Each message, previewed with made-up people. To change the words, put your own copy of a file in the templates directory (ATTUNE_TEMPLATES_DIR) and restart; the README explains the fields."
                .into(),
        ),
        notice: None,
        create: None,
        filters: None,
        columns: &["Message", "Template"],
        rows,
        empty: "",
        more: None,
    }
    .render(state, admin)
}

/// `GET /admin/settings/emails/{name}`: subject, text and HTML as a client would get them.
#[handler]
pub async fn show_template(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(name): Path<String>,
) -> PageResult {
    manages_outbox(admin)?;
    let kind = name
        .parse::<Kind>()
        .map_err(|()| ApiError::not_found("There is no email template of that name."))?;
    let rendered = preview::render(&state.db, &state.mail, &state.public_url, kind).await?;
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Settings,
        "pages/admin/email_preview",
        "Email preview",
        json!({
            "label": label(kind),
            "subject": rendered.subject,
            "text": rendered.text,
            "html_href": format!("/admin/settings/emails/{}/html", kind.as_str()),
        }),
    )
}

/// `GET /admin/settings/emails/{name}/html`: the HTML body alone, for the preview's frame
/// (its own content policy lets its inline style work and nothing else).
#[handler]
pub async fn template_html(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Path(name): Path<String>,
) -> PageResult {
    manages_outbox(admin)?;
    let kind = name
        .parse::<Kind>()
        .map_err(|()| ApiError::not_found("There is no email template of that name."))?;
    let rendered = preview::render(&state.db, &state.mail, &state.public_url, kind).await?;
    Ok(Response::builder()
        .content_type("text/html; charset=utf-8")
        .body(rendered.html))
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
    cursor: Option<String>,
    done: Option<String>,
}

const STATUSES: [(&str, &str); 7] = [
    ("", "All"),
    ("pending", "Waiting"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("failed", "Failed, trying again"),
    ("dead", "Given up"),
    ("cancelled", "Cancelled"),
];

fn status_of(name: &str) -> Option<EmailStatus> {
    [
        EmailStatus::Pending,
        EmailStatus::Sending,
        EmailStatus::Sent,
        EmailStatus::Failed,
        EmailStatus::Dead,
        EmailStatus::Cancelled,
    ]
    .into_iter()
    .find(|s| outbox::status_name(*s) == name)
}

/// `GET /admin/settings/outbox?status=`.
#[handler]
pub async fn outbox_list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<OutboxQuery>,
) -> PageResult {
    manages_outbox(admin)?;
    let wanted = query.status.as_deref().unwrap_or_default();
    let filter = Filter {
        status: status_of(wanted),
        ..Filter::default()
    };
    // A cursor that does not decode starts from the top rather than failing the page.
    let page: PageRequest<outbox::Cursor> = PageRequest::parse(None, query.cursor.as_deref())
        .unwrap_or(PageRequest {
            limit: DEFAULT_LIMIT,
            after: None,
        });
    let found = outbox::list(&state.db, filter, &page).await?;
    let rows = found
        .items
        .iter()
        .map(|e| {
            let kind = e.kind.parse::<Kind>().ok();
            let status = outbox::status_name(e.status);
            let mut buttons = Vec::new();
            let base = format!("/admin/settings/outbox/{}", e.id);
            if matches!(
                e.status,
                EmailStatus::Failed | EmailStatus::Dead | EmailStatus::Cancelled
            ) {
                buttons.push((format!("{base}/retry"), "Send again", None));
            }
            if e.status == EmailStatus::Pending {
                buttons.push((
                    format!("{base}/cancel"),
                    "Cancel",
                    Some("Cancel this email? It will not be sent."),
                ));
            }
            let when_line = match e.sent_at {
                Some(at) => format!("sent {}", when::short(at, admin.tz)),
                None => format!("due {}", when::short(e.scheduled_at, admin.tz)),
            };
            let mut status_cell = Cell::text(status);
            if let Some(error) = &e.last_error {
                status_cell = status_cell.quiet(error);
            }
            vec![
                Cell::text(when_line),
                Cell::text(kind.map_or_else(|| e.kind.clone(), |k| label(k).to_owned())),
                Cell::text(&e.recipient),
                status_cell.quiet(format!("{} attempt(s)", e.attempts)),
                Cell::text("").buttons(buttons),
            ]
        })
        .collect();
    let more = found.next_cursor.map(|c| {
        let mut params = url::form_urlencoded::Serializer::new(String::new());
        if !wanted.is_empty() {
            params.append_pair("status", wanted);
        }
        params.append_pair("cursor", &c);
        format!("/admin/settings/outbox?{}", params.finish())
    });
    TablePage {
        title: "Outbox",
        section: Section::Settings,
        back: ("/admin/settings", "Settings"),
        intro: Some("Every email, latest first. A failed one is tried again on its own for a while; send it again here once the cause is fixed.".into()),
        notice: super::Notice::from_query(query.done.as_deref()),
        create: None,
        filters: Some(json!({
            "action": "/admin/settings/outbox",
            "selects": [select("status", "Status", &STATUSES, wanted)],
        })),
        columns: &["When", "Message", "To", "Status", ""],
        rows,
        empty: "No emails here.",
        more,
    }
    .render(state, admin)
}

/// `POST /admin/settings/outbox/{id}/{retry|cancel}`.
#[handler]
pub async fn outbox_action(
    Data(state): Data<&AppState>,
    Data(origin): Data<&Origin>,
    Data(admin): Data<&Admin>,
    Data(_form): Data<&Form>,
    Path((id, action)): Path<(String, String)>,
) -> PageResult {
    manages_outbox(admin)?;
    let id = parse_id(&id)?;
    let audit = admin.audit(state, origin);
    let notice = match action.as_str() {
        "retry" => {
            outbox::retry(&state.db, id, &audit).await?;
            // Due now: the sender should not wait for its next round to try it.
            state.mail.wake();
            Notice::EmailRetried
        }
        "cancel" => {
            outbox::cancel(&state.db, id, &audit).await?;
            Notice::EmailCancelled
        }
        _ => return Err(ApiError::not_found("There is nothing at this address.")),
    };
    Ok(done("/admin/settings/outbox", notice))
}
