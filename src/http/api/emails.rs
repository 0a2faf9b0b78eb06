//! `/emails` (the outbox: what was sent, what waits, what failed; retry or cancel one) and
//! `/email-templates` (the messages, previewed with made-up data). Owners and assistants.

use chrono::{DateTime, Utc};
use entity::email_outbox::{self, EmailStatus};
use poem::web::Data;
use poem_openapi::{
    Enum, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
};
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, PageBody, StaffAction, StaffList, StaffRead, StaffReadOne, audit_context,
};
use crate::{
    AppState,
    audit::{Action, Event, Origin},
    auth::{Permission, Staff},
    http::problem::ApiError,
    mail::{
        Kind,
        outbox::{self, Filter},
        preview,
    },
    pagination::PageRequest,
    policy,
    scheduling::clients,
    types::plausible_instant,
};

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
pub enum EmailKind {
    BookingConfirmed,
    BookingRescheduled,
    BookingCancelled,
    NewBooking,
    Reminder,
    IntakeInvitation,
    IntakeReminder,
    IntakeReady,
    SeriesBooked,
    SeriesChanged,
    ConsentRequest,
    ConsentReminder,
    PortalLink,
    EstimateReady,
}

impl From<EmailKind> for Kind {
    fn from(k: EmailKind) -> Self {
        match k {
            EmailKind::BookingConfirmed => Kind::BookingConfirmed,
            EmailKind::BookingRescheduled => Kind::BookingRescheduled,
            EmailKind::BookingCancelled => Kind::BookingCancelled,
            EmailKind::NewBooking => Kind::NewBooking,
            EmailKind::Reminder => Kind::Reminder,
            EmailKind::IntakeInvitation => Kind::IntakeInvitation,
            EmailKind::IntakeReminder => Kind::IntakeReminder,
            EmailKind::IntakeReady => Kind::IntakeReady,
            EmailKind::SeriesBooked => Kind::SeriesBooked,
            EmailKind::SeriesChanged => Kind::SeriesChanged,
            EmailKind::ConsentRequest => Kind::ConsentRequest,
            EmailKind::ConsentReminder => Kind::ConsentReminder,
            EmailKind::PortalLink => Kind::PortalLink,
            EmailKind::EstimateReady => Kind::EstimateReady,
        }
    }
}

impl From<Kind> for EmailKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::BookingConfirmed => EmailKind::BookingConfirmed,
            Kind::BookingRescheduled => EmailKind::BookingRescheduled,
            Kind::BookingCancelled => EmailKind::BookingCancelled,
            Kind::NewBooking => EmailKind::NewBooking,
            Kind::Reminder => EmailKind::Reminder,
            Kind::IntakeInvitation => EmailKind::IntakeInvitation,
            Kind::IntakeReminder => EmailKind::IntakeReminder,
            Kind::IntakeReady => EmailKind::IntakeReady,
            Kind::SeriesBooked => EmailKind::SeriesBooked,
            Kind::SeriesChanged => EmailKind::SeriesChanged,
            Kind::ConsentRequest => EmailKind::ConsentRequest,
            Kind::ConsentReminder => EmailKind::ConsentReminder,
            Kind::PortalLink => EmailKind::PortalLink,
            Kind::EstimateReady => EmailKind::EstimateReady,
        }
    }
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum EmailStatusName {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
    Dead,
}

impl From<EmailStatusName> for EmailStatus {
    fn from(s: EmailStatusName) -> Self {
        match s {
            EmailStatusName::Pending => EmailStatus::Pending,
            EmailStatusName::Sending => EmailStatus::Sending,
            EmailStatusName::Sent => EmailStatus::Sent,
            EmailStatusName::Failed => EmailStatus::Failed,
            EmailStatusName::Cancelled => EmailStatus::Cancelled,
            EmailStatusName::Dead => EmailStatus::Dead,
        }
    }
}

impl From<EmailStatus> for EmailStatusName {
    fn from(s: EmailStatus) -> Self {
        match s {
            EmailStatus::Pending => EmailStatusName::Pending,
            EmailStatus::Sending => EmailStatusName::Sending,
            EmailStatus::Sent => EmailStatusName::Sent,
            EmailStatus::Failed => EmailStatusName::Failed,
            EmailStatus::Cancelled => EmailStatusName::Cancelled,
            EmailStatus::Dead => EmailStatusName::Dead,
        }
    }
}

/// One message in the outbox.
#[derive(Object)]
pub struct EmailView {
    id: Uuid,
    kind: EmailKind,
    status: EmailStatusName,
    recipient: String,
    subject: String,
    /// When it is (or was) due to go.
    scheduled_at: DateTime<Utc>,
    /// When the next attempt is due, while it is pending.
    next_attempt_at: Option<DateTime<Utc>>,
    attempts: i32,
    /// The mail server's answer (or the reason) when the last attempt failed.
    last_error: Option<String>,
    sent_at: Option<DateTime<Utc>>,
    /// The `Message-ID` it was sent with.
    message_id: Option<String>,
    appointment_id: Option<Uuid>,
    intake_id: Option<Uuid>,
    created_at: DateTime<Utc>,
}

#[derive(Object)]
pub struct AttachmentView {
    filename: String,
    content_type: String,
}

/// One message with its bodies.
#[derive(Object)]
pub struct EmailDetail {
    #[oai(flatten)]
    email: EmailView,
    /// The text body; null where hidden (intake messages, for assistants) or unreadable.
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<AttachmentView>,
    /// The bodies carry the client's private links or clinical facts, and are only for owners
    /// and the client's own clinician.
    body_hidden: bool,
}

#[derive(Object)]
pub struct TemplateView {
    name: EmailKind,
    /// Its files, under `templates/` or the override directory.
    files: Vec<String>,
    /// Whether the practice's own files replace any of them (`ATTUNE_TEMPLATES_DIR`).
    overridden: bool,
}

#[derive(Object)]
pub struct TemplateList {
    items: Vec<TemplateView>,
}

/// A template rendered with made-up data.
#[derive(Object)]
pub struct Preview {
    subject: String,
    text: String,
    html: String,
}

pub struct EmailsApi;

#[OpenApi(tag = "ApiTag::Email")]
impl EmailsApi {
    /// Emails
    ///
    /// Latest first by when each is due. Narrow by `status`, `kind` and `appointment_id`.
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/emails", method = "get", operation_id = "listEmails")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        status: Query<Option<EmailStatusName>>,
        kind: Query<Option<EmailKind>>,
        appointment_id: Query<Option<Uuid>>,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<EmailView>>, StaffList> {
        staff.require(Permission::ManageOutbox)?;
        let page: PageRequest<outbox::Cursor> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page.after.is_some_and(|(at, _)| !plausible_instant(&at)) {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let filter = Filter {
            status: status.0.map(Into::into),
            kind: kind.0.map(Into::into),
            appointment_id: appointment_id.0,
        };
        let found = outbox::list(&state.db, filter, &page).await?;
        Ok(Json(PageBody::from_page(found, view)))
    }

    /// One email, with its bodies
    ///
    /// Reading the bodies is recorded in the audit log: they carry the client's private links.
    /// The bodies are shown to owners (and the client's own clinician); to anyone else
    /// `body_hidden` is true and the bodies are null.
    #[oai(path = "/emails/:id", method = "get", operation_id = "getEmail")]
    async fn get(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EmailDetail>, StaffReadOne> {
        staff.require(Permission::ManageOutbox)?;
        let row = outbox::find(&state.db, id.0)
            .await?
            .ok_or_else(|| ApiError::not_found("There is no such email."))?;
        let client = clients::of_email(&state.db, row.appointment_id, row.intake_id).await?;
        let hidden = policy::email_body(&staff, client.as_ref()).is_err();
        let mut detail = EmailDetail {
            text: None,
            html: None,
            attachments: Vec::new(),
            body_hidden: hidden,
            email: view(row.clone()),
        };
        if !hidden {
            match outbox::open(&state.keys, &row) {
                Ok(content) => {
                    audit_context(&state, &origin, staff.actor())
                        .record(
                            &state.db,
                            Event::new(Action::EmailRead).entity("email", row.id),
                        )
                        .await?;
                    detail.text = Some(content.text);
                    detail.html = Some(content.html);
                    detail.attachments = content
                        .attachments
                        .into_iter()
                        .map(|a| AttachmentView {
                            filename: a.filename,
                            content_type: a.content_type,
                        })
                        .collect();
                }
                Err(e) => {
                    tracing::error!(email = %row.id, error = %e, "an email's content cannot be opened")
                }
            }
        }
        Ok(Json(detail))
    }

    /// Send an email again
    ///
    /// For a `failed`, `dead` or `cancelled` message: it is due at once, with its attempts
    /// counted afresh. Any other status is a 409.
    #[oai(
        path = "/emails/:id/retry",
        method = "post",
        operation_id = "retryEmail"
    )]
    async fn retry(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EmailView>, StaffAction> {
        staff.require(Permission::ManageOutbox)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let row = outbox::retry(&state.db, id.0, &audit)
            .await
            .map_err(ApiError::from)?;
        state.mail.wake();
        Ok(Json(view(row)))
    }

    /// Stop an email
    ///
    /// For a `pending` message only (one being sent cannot be called back): 409 otherwise.
    #[oai(
        path = "/emails/:id/cancel",
        method = "post",
        operation_id = "cancelEmail"
    )]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<EmailView>, StaffAction> {
        staff.require(Permission::ManageOutbox)?;
        let audit = audit_context(&state, &origin, staff.actor());
        let row = outbox::cancel(&state.db, id.0, &audit)
            .await
            .map_err(ApiError::from)?;
        Ok(Json(view(row)))
    }

    /// Email templates
    ///
    /// Every message Attune sends, with its template files.
    #[oai(
        path = "/email-templates",
        method = "get",
        operation_id = "listEmailTemplates"
    )]
    async fn templates(
        &self,
        state: Data<&AppState>,
        staff: Staff,
    ) -> ApiResult<Json<TemplateList>, StaffRead> {
        staff.require(Permission::ManageOutbox)?;
        let items = Kind::ALL
            .into_iter()
            .map(|kind| {
                let (files, overridden) =
                    preview::template_files(state.config.templates_dir.as_deref(), kind);
                TemplateView {
                    name: kind.into(),
                    files,
                    overridden,
                }
            })
            .collect();
        Ok(Json(TemplateList { items }))
    }

    /// Preview a template
    ///
    /// The message rendered with made-up data and the practice's own name, as text and HTML.
    #[oai(
        path = "/email-templates/:name/preview",
        method = "get",
        operation_id = "previewEmailTemplate"
    )]
    async fn preview(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        name: Path<String>,
    ) -> ApiResult<Json<Preview>, StaffReadOne> {
        staff.require(Permission::ManageOutbox)?;
        let kind = name
            .0
            .parse::<Kind>()
            .map_err(|()| ApiError::not_found("There is no email template of that name."))?;
        let rendered = preview::render(&state.db, &state.mail, &state.public_url, kind).await?;
        Ok(Json(Preview {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        }))
    }
}

fn view(e: email_outbox::Model) -> EmailView {
    EmailView {
        id: e.id,
        kind: e
            .kind
            .parse::<Kind>()
            .map(Into::into)
            .unwrap_or(EmailKind::NewBooking),
        status: e.status.into(),
        recipient: e.recipient,
        subject: e.subject,
        scheduled_at: e.scheduled_at,
        next_attempt_at: (e.status == EmailStatus::Pending).then_some(e.next_attempt_at),
        attempts: e.attempts,
        last_error: e.last_error,
        sent_at: e.sent_at,
        message_id: e.message_id,
        appointment_id: e.appointment_id,
        intake_id: e.intake_id,
        created_at: e.created_at,
    }
}
