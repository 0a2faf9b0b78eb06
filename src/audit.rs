//! The audit log: who did what to which record, when, from where, and how it went.
//!
//! Rows are only ever inserted; there is no update or delete path here, and the database
//! rejects both with a trigger. Recording is one call on an [`AuditContext`], which every
//! handler already has, and happens in the same transaction as the change it describes, so
//! there is never a change without its event.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use entity::audit_event;
pub use entity::audit_event::{ActorKind, Outcome};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::Value;
use uuid::Uuid;

use crate::pagination::{Page, PageRequest};

/// Longest user agent kept; browsers send a few hundred characters, abuse sends megabytes.
const MAX_USER_AGENT: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
}

impl Actor {
    pub fn staff(id: Uuid) -> Self {
        Self {
            kind: ActorKind::Staff,
            id: Some(id),
        }
    }

    pub fn client_link(id: Uuid) -> Self {
        Self {
            kind: ActorKind::ClientLink,
            id: Some(id),
        }
    }

    pub const SYSTEM: Actor = Actor {
        kind: ActorKind::System,
        id: None,
    };

    pub const ANONYMOUS: Actor = Actor {
        kind: ActorKind::Anonymous,
        id: None,
    };
}

/// Where a request came from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// What was read, and of which record.
type ReadKey = (Action, Option<(&'static str, String)>);

/// Everything an event needs besides what happened: who, from where, and when.
#[derive(Clone, Debug)]
pub struct AuditContext {
    pub actor: Actor,
    pub origin: Origin,
    pub now: DateTime<Utc>,
    /// The reads already recorded for this request: a page that shows the same record in two
    /// places (the client page's intake list and its timeline) is one read, not two.
    reads: Arc<Mutex<HashSet<ReadKey>>>,
}

/// What is recorded. Actions are named `<area>.<verb>`, e.g. `auth.login`, `staff.update`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Login,
    Logout,
    AccountLocked,
    PasswordChange,
    PasswordReset,
    TokenCreate,
    TokenRevoke,
    StaffCreate,
    StaffUpdate,
    SettingsUpdate,
    /// A signed-in request refused: the role does not allow it, or the CSRF token is missing.
    AccessDenied,
    /// A clinical record failed its integrity check when read: changed outside Attune.
    IntegrityFailure,
    PractitionerCreate,
    PractitionerUpdate,
    AppointmentTypeCreate,
    AppointmentTypeUpdate,
    AvailabilityUpdate,
    TimeOffCreate,
    TimeOffDelete,
    ClientCreate,
    ClientUpdate,
    AppointmentCreate,
    AppointmentReschedule,
    AppointmentCancel,
    AppointmentComplete,
    AppointmentNoShow,
    /// Staff booked a series of sessions (each occurrence also has its own create event).
    SeriesCreate,
    /// A client booked online.
    BookingCreate,
    BookingReschedule,
    BookingCancel,
    /// A partner opened their join link in its window and said where they are.
    VideoJoin,
    /// A video appointment's room address was shown to staff.
    VideoRoomShown,
    /// A consent document was added.
    ConsentDocumentCreate,
    /// A consent document got a new version.
    ConsentVersionCreate,
    /// Which appointment types require a consent document changed.
    ConsentDocumentRequirements,
    /// A consent document was given to a partner to sign.
    ConsentAssign,
    /// A partner's consent document (or its signed copy) was opened.
    ConsentView,
    /// A partner signed a consent document.
    ConsentSign,
    /// A portal sign-in link was sent to a partner.
    PortalLinkSent,
    /// A partner signed in to their portal.
    PortalSignIn,
    PortalSignOut,
    /// A partner changed how they are contacted, from the portal.
    PortalContact,
    /// A fee, a type's claim codes, a client's own fee or the currency changed.
    FeeUpdate,
    /// A diagnosis code was added to a client's record.
    DiagnosisAdd,
    DiagnosisRemove,
    /// A client's diagnosis codes were read.
    DiagnosisRead,
    InvoiceCreate,
    InvoiceIssue,
    InvoiceVoid,
    InvoiceDelete,
    /// A payment, refund or credit was recorded.
    PaymentRecord,
    /// A superbill was made (it carries diagnoses).
    SuperbillCreate,
    /// A late-cancellation or no-show fee was confirmed, so it can be invoiced.
    FeeConfirm,
    FeeWaive,
    /// A Good Faith Estimate was delivered (email and portal).
    EstimateDeliver,
    /// A Good Faith Estimate was read (it carries diagnoses and dates of birth).
    EstimateRead,
    /// A couple's measure scores were read (a chart, a series, the export).
    MeasuresRead,
    MeasureScheduleUpdate,
    /// Staff read what a client wrote when booking.
    BookingMessageRead,
    CalendarFeedCreate,
    /// A new secret address; the old one stops working.
    CalendarFeedRotate,
    CalendarFeedUpdate,
    CalendarFeedRevoke,
    BusyCalendarCreate,
    BusyCalendarDelete,
    /// Staff opened a queued email's bodies (they hold the client's private links).
    EmailRead,
    EmailRetry,
    EmailCancel,
    QuestionnaireCreate,
    /// A new version of a questionnaire.
    QuestionnaireRevise,
    IntakeAssign,
    /// Staff read a response's answers.
    IntakeRead,
    IntakeExport,
    /// A participant submitted their answers through their link.
    IntakeSubmit,
    NoteCreate,
    /// Staff read a note's content.
    NoteRead,
    NoteUpdate,
    NoteSign,
    NoteAddendum,
    NoteDelete,
    PsychotherapyNoteCreate,
    PsychotherapyNoteRead,
    TreatmentPlanRead,
    TreatmentPlanUpdate,
    /// The couple moved to another phase of their plan.
    TreatmentPlanPhase,
    /// The whole clinical record of a client, exported.
    ClientExport,
    /// A client nobody treated was given a practitioner.
    ClientAssign,
    /// A client moved to another practitioner, or to none.
    ClientTransfer,
    /// Staff asked for a partner's private intake link, to pass on by hand.
    IntakeLinkShown,
    /// A partner's private links were replaced (their address changed).
    PrivateLinksRotated,
}

impl Action {
    pub const ALL: [Action; 90] = [
        Action::Login,
        Action::Logout,
        Action::AccountLocked,
        Action::PasswordChange,
        Action::PasswordReset,
        Action::TokenCreate,
        Action::TokenRevoke,
        Action::StaffCreate,
        Action::StaffUpdate,
        Action::SettingsUpdate,
        Action::AccessDenied,
        Action::IntegrityFailure,
        Action::PractitionerCreate,
        Action::PractitionerUpdate,
        Action::AppointmentTypeCreate,
        Action::AppointmentTypeUpdate,
        Action::AvailabilityUpdate,
        Action::TimeOffCreate,
        Action::TimeOffDelete,
        Action::ClientCreate,
        Action::ClientUpdate,
        Action::AppointmentCreate,
        Action::AppointmentReschedule,
        Action::AppointmentCancel,
        Action::AppointmentComplete,
        Action::AppointmentNoShow,
        Action::SeriesCreate,
        Action::BookingCreate,
        Action::BookingReschedule,
        Action::BookingCancel,
        Action::VideoJoin,
        Action::VideoRoomShown,
        Action::ConsentDocumentCreate,
        Action::ConsentVersionCreate,
        Action::ConsentDocumentRequirements,
        Action::ConsentAssign,
        Action::ConsentView,
        Action::ConsentSign,
        Action::PortalLinkSent,
        Action::PortalSignIn,
        Action::PortalSignOut,
        Action::PortalContact,
        Action::FeeUpdate,
        Action::DiagnosisAdd,
        Action::DiagnosisRemove,
        Action::DiagnosisRead,
        Action::InvoiceCreate,
        Action::InvoiceIssue,
        Action::InvoiceVoid,
        Action::InvoiceDelete,
        Action::PaymentRecord,
        Action::SuperbillCreate,
        Action::FeeConfirm,
        Action::FeeWaive,
        Action::EstimateDeliver,
        Action::EstimateRead,
        Action::MeasuresRead,
        Action::MeasureScheduleUpdate,
        Action::BookingMessageRead,
        Action::CalendarFeedCreate,
        Action::CalendarFeedRotate,
        Action::CalendarFeedUpdate,
        Action::CalendarFeedRevoke,
        Action::BusyCalendarCreate,
        Action::BusyCalendarDelete,
        Action::EmailRead,
        Action::EmailRetry,
        Action::EmailCancel,
        Action::QuestionnaireCreate,
        Action::QuestionnaireRevise,
        Action::IntakeAssign,
        Action::IntakeRead,
        Action::IntakeExport,
        Action::IntakeSubmit,
        Action::NoteCreate,
        Action::NoteRead,
        Action::NoteUpdate,
        Action::NoteSign,
        Action::NoteAddendum,
        Action::NoteDelete,
        Action::PsychotherapyNoteCreate,
        Action::PsychotherapyNoteRead,
        Action::TreatmentPlanRead,
        Action::TreatmentPlanUpdate,
        Action::TreatmentPlanPhase,
        Action::ClientExport,
        Action::ClientAssign,
        Action::ClientTransfer,
        Action::IntakeLinkShown,
        Action::PrivateLinksRotated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "auth.login",
            Action::Logout => "auth.logout",
            Action::AccountLocked => "auth.account_locked",
            Action::PasswordChange => "auth.password_change",
            Action::PasswordReset => "auth.password_reset",
            Action::TokenCreate => "auth.token_create",
            Action::TokenRevoke => "auth.token_revoke",
            Action::StaffCreate => "staff.create",
            Action::StaffUpdate => "staff.update",
            Action::SettingsUpdate => "settings.update",
            Action::AccessDenied => "access.denied",
            Action::IntegrityFailure => "integrity.failure",
            Action::PractitionerCreate => "practitioner.create",
            Action::PractitionerUpdate => "practitioner.update",
            Action::AppointmentTypeCreate => "appointment_type.create",
            Action::AppointmentTypeUpdate => "appointment_type.update",
            Action::AvailabilityUpdate => "availability.update",
            Action::TimeOffCreate => "time_off.create",
            Action::TimeOffDelete => "time_off.delete",
            Action::ClientCreate => "client.create",
            Action::ClientUpdate => "client.update",
            Action::AppointmentCreate => "appointment.create",
            Action::AppointmentReschedule => "appointment.reschedule",
            Action::AppointmentCancel => "appointment.cancel",
            Action::AppointmentComplete => "appointment.complete",
            Action::AppointmentNoShow => "appointment.no_show",
            Action::SeriesCreate => "appointment_series.create",
            Action::BookingCreate => "booking.create",
            Action::BookingReschedule => "booking.reschedule",
            Action::BookingCancel => "booking.cancel",
            Action::VideoJoin => "video.join",
            Action::VideoRoomShown => "video.room_shown",
            Action::ConsentDocumentCreate => "consent_document.create",
            Action::ConsentVersionCreate => "consent_document.version",
            Action::ConsentDocumentRequirements => "consent_document.requirements",
            Action::ConsentAssign => "consent.assign",
            Action::ConsentView => "consent.view",
            Action::ConsentSign => "consent.sign",
            Action::PortalLinkSent => "portal.link_sent",
            Action::PortalSignIn => "portal.sign_in",
            Action::PortalSignOut => "portal.sign_out",
            Action::PortalContact => "portal.contact",
            Action::FeeUpdate => "fee.update",
            Action::DiagnosisAdd => "diagnosis.add",
            Action::DiagnosisRemove => "diagnosis.remove",
            Action::DiagnosisRead => "diagnosis.read",
            Action::InvoiceCreate => "invoice.create",
            Action::InvoiceIssue => "invoice.issue",
            Action::InvoiceVoid => "invoice.void",
            Action::InvoiceDelete => "invoice.delete",
            Action::PaymentRecord => "payment.record",
            Action::SuperbillCreate => "superbill.create",
            Action::FeeConfirm => "fee.confirm",
            Action::FeeWaive => "fee.waive",
            Action::EstimateDeliver => "estimate.deliver",
            Action::EstimateRead => "estimate.read",
            Action::MeasuresRead => "measures.read",
            Action::MeasureScheduleUpdate => "measure_schedule.update",
            Action::BookingMessageRead => "booking.message_read",
            Action::CalendarFeedCreate => "calendar_feed.create",
            Action::CalendarFeedRotate => "calendar_feed.rotate",
            Action::CalendarFeedUpdate => "calendar_feed.update",
            Action::CalendarFeedRevoke => "calendar_feed.revoke",
            Action::BusyCalendarCreate => "busy_calendar.create",
            Action::BusyCalendarDelete => "busy_calendar.delete",
            Action::EmailRead => "email.read",
            Action::EmailRetry => "email.retry",
            Action::EmailCancel => "email.cancel",
            Action::QuestionnaireCreate => "questionnaire.create",
            Action::QuestionnaireRevise => "questionnaire.revise",
            Action::IntakeAssign => "intake.assign",
            Action::IntakeRead => "intake.read",
            Action::IntakeExport => "intake.export",
            Action::IntakeSubmit => "intake.submit",
            Action::NoteCreate => "note.create",
            Action::NoteRead => "note.read",
            Action::NoteUpdate => "note.update",
            Action::NoteSign => "note.sign",
            Action::NoteAddendum => "note.addendum",
            Action::NoteDelete => "note.delete",
            Action::PsychotherapyNoteCreate => "psychotherapy_note.create",
            Action::PsychotherapyNoteRead => "psychotherapy_note.read",
            Action::TreatmentPlanRead => "treatment_plan.read",
            Action::TreatmentPlanUpdate => "treatment_plan.update",
            Action::TreatmentPlanPhase => "treatment_plan.phase",
            Action::ClientExport => "client.export",
            Action::ClientAssign => "client.assign",
            Action::ClientTransfer => "client.transfer",
            Action::IntakeLinkShown => "intake.link_shown",
            Action::PrivateLinksRotated => "client.private_links_rotated",
        }
    }
}

/// One event, built fluently: `Event::new(Action::StaffUpdate).entity("staff_user", id)`.
#[derive(Clone, Debug)]
pub struct Event {
    action: Action,
    entity: Option<(&'static str, String)>,
    outcome: Outcome,
    details: Option<Value>,
}

impl Event {
    /// A successful read with nothing more to say than what was read.
    fn is_plain_read(&self) -> bool {
        self.action.as_str().ends_with("read")
            && self.outcome == Outcome::Success
            && self.details.is_none()
    }

    pub fn new(action: Action) -> Self {
        Self {
            action,
            entity: None,
            outcome: Outcome::Success,
            details: None,
        }
    }

    pub fn entity(mut self, kind: &'static str, id: impl ToString) -> Self {
        self.entity = Some((kind, id.to_string()));
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Extra facts about the event. Never names, emails of clients, or clinical text.
    pub fn details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
}

impl AuditContext {
    pub fn new(actor: Actor, origin: Origin, now: DateTime<Utc>) -> Self {
        Self {
            actor,
            origin,
            now,
            reads: Arc::default(),
        }
    }

    /// The same request, acting as someone else (e.g. the account a sign-in was for).
    pub fn as_actor(&self, actor: Actor) -> Self {
        Self {
            actor,
            ..self.clone()
        }
    }

    fn reads_seen(&self) -> std::sync::MutexGuard<'_, HashSet<ReadKey>> {
        self.reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends `event`. Call it with the transaction that makes the change.
    pub async fn record(&self, db: &impl ConnectionTrait, event: Event) -> Result<(), DbErr> {
        self.record_all(db, vec![event]).await
    }

    /// [`Self::record`] for several events of one change, in one statement.
    pub async fn record_all(
        &self,
        db: &impl ConnectionTrait,
        events: Vec<Event>,
    ) -> Result<(), DbErr> {
        let mut reads = Vec::new();
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let read = event
                .is_plain_read()
                .then(|| (event.action, event.entity.clone()));
            if let Some(key) = read {
                if self.reads_seen().contains(&key) || reads.contains(&key) {
                    continue;
                }
                reads.push(key);
            }
            let (entity_type, entity_id) = match event.entity {
                Some((kind, id)) => (Some(kind.to_owned()), Some(id)),
                None => (None, None),
            };
            rows.push(audit_event::ActiveModel {
                id: Set(Uuid::now_v7()),
                occurred_at: Set(self.now),
                actor_kind: Set(self.actor.kind),
                actor_id: Set(self.actor.id),
                action: Set(event.action.as_str().to_owned()),
                entity_type: Set(entity_type),
                entity_id: Set(entity_id),
                outcome: Set(event.outcome),
                ip: Set(self.origin.ip.clone()),
                user_agent: Set(self
                    .origin
                    .user_agent
                    .as_ref()
                    .map(|ua| ua.chars().take(MAX_USER_AGENT).collect())),
                request_id: Set(self.origin.request_id.clone()),
                details: Set(event.details),
            });
        }
        audit_event::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        // Remembered once written, so a read whose record failed is recorded by the next.
        self.reads_seen().extend(reads);
        Ok(())
    }
}

/// What the audit log can be narrowed to.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// The sort key: newest first, ties broken by id.
pub type Cursor = (DateTime<Utc>, Uuid);

/// Events matching `filter`, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &Filter,
    page: &PageRequest<Cursor>,
) -> Result<Page<audit_event::Model>, DbErr> {
    use audit_event::Column as C;
    let mut query = audit_event::Entity::find();
    if let Some(actor) = filter.actor_id {
        query = query.filter(C::ActorId.eq(actor));
    }
    if let Some(action) = &filter.action {
        query = query.filter(C::Action.eq(action.as_str()));
    }
    if let Some(kind) = &filter.entity_type {
        query = query.filter(C::EntityType.eq(kind.as_str()));
    }
    if let Some(id) = &filter.entity_id {
        query = query.filter(C::EntityId.eq(id.as_str()));
    }
    if let Some(from) = filter.from {
        query = query.filter(C::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(C::OccurredAt.lt(to));
    }
    if let Some((at, id)) = page.after {
        query = query.filter(
            Condition::any()
                .add(C::OccurredAt.lt(at))
                .add(Condition::all().add(C::OccurredAt.eq(at)).add(C::Id.lt(id))),
        );
    }
    let rows = query
        .order_by_desc(C::OccurredAt)
        .order_by_desc(C::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, page.limit, |e| {
        (e.occurred_at, e.id)
    }))
}
