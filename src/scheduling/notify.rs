//! Which messages a change to an appointment causes, queued in the change's own transaction:
//! a booking that rolls back leaves no email, and a move or cancellation replans or cancels
//! the reminders with it.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentSource},
    appointment_type::{self, LocationKind},
    participant, practice, practitioner,
};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::{SchedulingError, availability, manage_link, snapshot::Snapshot, types, video};
use crate::{
    calendar::{
        CalendarError,
        booking_file::{self, BookingParts},
        render::Method,
    },
    mail::{
        Kind, Notifier, RenderFailed,
        compose::{Attachment, Content},
        outbox::{self, NewEmail},
        templates::{AppointmentView, MessageContext, PracticeView, RecipientView, prepare},
    },
    types::{TimeZone, first_name_of, joined},
    when,
};

/// Why the messages could not be queued; the change they belong to is rolled back.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Render(#[from] RenderFailed),
    #[error("the appointment's calendar file: {0}")]
    Calendar(#[from] CalendarError),
    #[error("the practice has not been set up yet")]
    NoPractice,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<crate::practice::PracticeError> for NotifyError {
    fn from(e: crate::practice::PracticeError) -> Self {
        match e {
            crate::practice::PracticeError::NotSetUp => NotifyError::NoPractice,
            crate::practice::PracticeError::Db(e) => NotifyError::Db(e),
        }
    }
}

impl From<SchedulingError> for NotifyError {
    fn from(e: SchedulingError) -> Self {
        match e {
            SchedulingError::Db(e) => NotifyError::Db(e),
            other => NotifyError::Db(DbErr::Custom(other.to_string())),
        }
    }
}

/// What happened to the appointment.
#[derive(Clone, Copy, Debug)]
pub enum Change {
    /// Booked online or by staff.
    Booked,
    Rescheduled {
        from: DateTime<Utc>,
    },
    Cancelled,
    /// Completed or a no-show: nothing more to remind of.
    Closed,
    /// The manage link was replaced (a partner's address changed, and the old address had
    /// it): whatever waits carries the dead link, so it goes, and each partner gets the
    /// booking again with the new link, and new reminders.
    Relinked,
}

/// Queues what `change` to `a` (already written in `db`'s transaction) causes.
pub async fn appointment_changed(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    a: &appointment::Model,
    change: Change,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    if !withdraw_pending(db, a, change, now).await? {
        return Ok(());
    }
    let facts = Facts::load(db, n, a, now).await?;
    let emails = facts.messages(n, change, now)?;
    outbox::enqueue_all(db, n.keys, emails, now).await?;
    Ok(())
}

/// [`appointment_changed`] with the practice, type and practitioner from `snapshot`.
pub async fn appointment_changed_in(
    db: &impl ConnectionTrait,
    n: Notifier<'_>,
    snapshot: &Snapshot,
    a: &appointment::Model,
    change: Change,
    now: DateTime<Utc>,
) -> Result<(), NotifyError> {
    if !withdraw_pending(db, a, change, now).await? {
        return Ok(());
    }
    let facts = Facts::from_snapshot(db, n, snapshot, a, now).await?;
    let emails = facts.messages(n, change, now)?;
    outbox::enqueue_all(db, n.keys, emails, now).await?;
    Ok(())
}

/// Cancels what `change` makes obsolete; answers whether anything new is to be sent.
pub async fn withdraw_pending(
    db: &impl ConnectionTrait,
    a: &appointment::Model,
    change: Change,
    now: DateTime<Utc>,
) -> Result<bool, NotifyError> {
    let obsolete: &[Kind] = match change {
        Change::Booked => &[],
        Change::Rescheduled { .. } => &[
            Kind::Reminder,
            Kind::ConsentReminder,
            Kind::BookingRescheduled,
        ],
        Change::Cancelled | Change::Relinked => &[
            Kind::Reminder,
            Kind::ConsentReminder,
            Kind::BookingConfirmed,
            Kind::BookingRescheduled,
        ],
        Change::Closed => &[Kind::Reminder, Kind::ConsentReminder],
    };
    if !obsolete.is_empty() {
        outbox::cancel_pending(db, a.id, obsolete, now).await?;
    }
    // Nobody needs telling about an appointment that is over, or already past.
    Ok(!matches!(change, Change::Closed) && a.starts_at > now)
}

/// What the messages about one appointment are made from.
pub struct Facts<'a> {
    appointment: &'a appointment::Model,
    appointment_type: appointment_type::Model,
    practitioner: practitioner::Model,
    practice: practice::Model,
    practice_zone: TimeZone,
    participants: Vec<participant::Model>,
    /// Each partner's own `/join/…` address, for a video appointment with a room.
    joins: Vec<(Uuid, String)>,
    manage_url: String,
    dashboard_url: String,
    booking_url: String,
}

impl<'a> Facts<'a> {
    /// What `change` sends, planned in memory: for each partner with an address, the
    /// confirmation, move or cancellation with its calendar file and the reminders; for a
    /// booking made online, the practitioner's notice.
    pub fn messages(
        &self,
        n: Notifier<'_>,
        change: Change,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEmail>, NotifyError> {
        let a = self.appointment;
        let mut out = Vec::new();
        for person in &self.participants {
            let Some(address) = person.email.as_deref() else {
                continue;
            };
            let tz = self.zone_of(person);
            let (kind, method, key) = match change {
                Change::Booked => (
                    Kind::BookingConfirmed,
                    Method::Request,
                    format!("booking_confirmed:{}:{}", a.id, person.id),
                ),
                Change::Rescheduled { .. } => (
                    Kind::BookingRescheduled,
                    Method::Request,
                    format!("booking_rescheduled:{}:{}:{}", a.id, a.sequence, person.id),
                ),
                Change::Cancelled => (
                    Kind::BookingCancelled,
                    Method::Cancel,
                    format!("booking_cancelled:{}:{}", a.id, person.id),
                ),
                Change::Relinked => (
                    Kind::BookingConfirmed,
                    Method::Request,
                    format!("booking_relinked:{}:{}:{}", a.id, a.sequence, person.id),
                ),
                Change::Closed => return Ok(out),
            };
            let previous = match change {
                Change::Rescheduled { from } => Some(from),
                _ => None,
            };
            let context = self.context(person, tz, previous);
            let invitation = self.invitation(n, person, address, method, now);
            out.push(self.message(n, kind, person, &context, vec![invitation], now, key, None)?);
            if !matches!(change, Change::Cancelled) {
                self.plan_reminders(n, person, &context, now, &mut out)?;
            }
        }
        if matches!(change, Change::Booked) && a.source == AppointmentSource::Online {
            out.push(self.practitioner_notice(n, now)?);
        }
        Ok(out)
    }

    /// The reminders of every partner with an address, alone: a series tells of its
    /// sessions in one message, and each session still reminds of itself.
    pub fn reminders(
        &self,
        n: Notifier<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewEmail>, NotifyError> {
        let mut out = Vec::new();
        for person in &self.participants {
            if person.email.is_none() {
                continue;
            }
            let context = self.context(person, self.zone_of(person), None);
            self.plan_reminders(n, person, &context, now, &mut out)?;
        }
        Ok(out)
    }

    /// The appointment as `person`'s calendar file shows it, with the couple's manage link
    /// and their own join link.
    pub fn booking_parts(&self, person: Uuid) -> BookingParts<'_> {
        BookingParts {
            appointment: self.appointment,
            appointment_type: &self.appointment_type,
            practitioner: &self.practitioner,
            manage_url: Some(self.manage_url.clone()),
            join_url: self.join_url(person).map(str::to_owned),
            attendee: None,
        }
    }

    pub fn manage_url(&self) -> &str {
        &self.manage_url
    }

    pub fn practice(&self) -> &practice::Model {
        &self.practice
    }

    pub async fn load(
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        a: &'a appointment::Model,
        now: DateTime<Utc>,
    ) -> Result<Self, NotifyError> {
        let appointment_type = types::find(db, a.appointment_type_id).await?;
        let practitioner = availability::practitioner(db, a.practitioner_id).await?;
        let practice = crate::practice::settings(db).await?;
        let participants = participants_of(db, a.client_id).await?;
        let token = manage_link::current(db, n.keys, a, now).await?;
        Ok(Self::assemble(
            db,
            n,
            a,
            (appointment_type, practitioner, practice),
            participants,
            &token,
            video::Written::Before,
            now,
        )
        .await?)
    }

    /// [`Self::load`], with the practice, the type and the practitioner taken from
    /// `snapshot`: only the participants are read.
    pub async fn from_snapshot(
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        snapshot: &Snapshot,
        a: &'a appointment::Model,
        now: DateTime<Utc>,
    ) -> Result<Self, NotifyError> {
        let appointment_type = snapshot.type_or_read(db, a.appointment_type_id).await?;
        let practitioner = snapshot.practitioner_or_read(db, a.practitioner_id).await?;
        let participants = participants_of(db, a.client_id).await?;
        let token = manage_link::current(db, n.keys, a, now).await?;
        Ok(Self::assemble(
            db,
            n,
            a,
            (appointment_type, practitioner, snapshot.practice.clone()),
            participants,
            &token,
            video::Written::Before,
            now,
        )
        .await?)
    }

    #[allow(clippy::too_many_arguments)]
    /// [`Self::new`] for the couple, with each partner's join link (made now for a video
    /// appointment whose partners have none yet).
    pub async fn assemble(
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        a: &'a appointment::Model,
        (appointment_type, practitioner, practice): (
            appointment_type::Model,
            practitioner::Model,
            practice::Model,
        ),
        participants: Vec<participant::Model>,
        manage_token: &str,
        written: video::Written,
        now: DateTime<Utc>,
    ) -> Result<Self, DbErr> {
        let joins = video::join_tokens(db, n.keys, a, &participants, written, now).await?;
        let mut facts = Self::new(
            n,
            a,
            appointment_type,
            practitioner,
            practice,
            participants,
            manage_token,
        );
        facts.joins = joins
            .into_iter()
            .map(|(person, token)| (person, n.public_url.link(&format!("/join/{token}"))))
            .collect();
        Ok(facts)
    }

    /// `person`'s own join address, for a video appointment with a room.
    pub fn join_url(&self, person: Uuid) -> Option<&str> {
        self.joins
            .iter()
            .find(|(p, _)| *p == person)
            .map(|(_, url)| url.as_str())
    }

    /// The room's address, for those who run the session (never for the couple's messages).
    pub fn room_url(&self, n: Notifier<'_>) -> Option<String> {
        video::room_url(n.keys, self.appointment, &self.practice, &self.practitioner)
    }

    /// The facts a message to staff about `a` needs, from `snapshot`: no participants and
    /// no manage link (staff open the appointment in the dashboard, which is where its
    /// manage address points here).
    pub async fn for_staff(
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        snapshot: &Snapshot,
        a: &'a appointment::Model,
    ) -> Result<Self, NotifyError> {
        let appointment_type = snapshot.type_or_read(db, a.appointment_type_id).await?;
        let practitioner = snapshot.practitioner_or_read(db, a.practitioner_id).await?;
        let mut facts = Self::new(
            n,
            a,
            appointment_type,
            practitioner,
            snapshot.practice.clone(),
            Vec::new(),
            "",
        );
        facts.manage_url = facts.dashboard_url.clone();
        Ok(facts)
    }

    /// Facts a change already holds (a booking has just read or written every one).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n: Notifier<'_>,
        a: &'a appointment::Model,
        appointment_type: appointment_type::Model,
        practitioner: practitioner::Model,
        practice: practice::Model,
        participants: Vec<participant::Model>,
        manage_token: &str,
    ) -> Self {
        let practice_zone = crate::practice::zone_of(&practice);
        Self {
            appointment: a,
            appointment_type,
            practitioner,
            practice,
            practice_zone,
            participants,
            joins: Vec::new(),
            manage_url: n.public_url.link(&format!("/booking/{manage_token}")),
            dashboard_url: n.public_url.link(&format!("/admin/appointments/{}", a.id)),
            booking_url: n.public_url.link("/book"),
        }
    }

    pub fn appointment(&self) -> &appointment::Model {
        self.appointment
    }

    pub fn appointment_type(&self) -> &appointment_type::Model {
        &self.appointment_type
    }

    pub fn participants(&self) -> &[participant::Model] {
        &self.participants
    }

    /// The name and address the practice's messages go out as: its contact address, else
    /// the practitioner's.
    pub fn sender(&self) -> (String, String) {
        sender_of(&self.practice, &self.practitioner.email)
    }

    /// The practitioner's zone, else the practice's.
    pub fn practitioner_zone(&self) -> TimeZone {
        TimeZone::parse(&self.practitioner.time_zone).unwrap_or(self.practice_zone)
    }

    /// The participant's own zone if they gave one, else the practice's.
    pub fn zone_of(&self, person: &participant::Model) -> TimeZone {
        person
            .time_zone
            .as_deref()
            .and_then(|z| TimeZone::parse(z).ok())
            .unwrap_or(self.practice_zone)
    }

    /// What a message to `person` says: for a video appointment, "where" is their own
    /// join link.
    pub fn context(
        &self,
        person: &participant::Model,
        tz: TimeZone,
        previous: Option<DateTime<Utc>>,
    ) -> MessageContext {
        let mut context = self.context_for(person.first_name.clone(), tz, previous);
        if let (Some(view), Some(join)) = (context.appointment.as_mut(), self.join_url(person.id)) {
            view.location = Some(join.to_owned());
        }
        context
    }

    pub fn context_for(
        &self,
        first_name: String,
        tz: TimeZone,
        previous: Option<DateTime<Utc>>,
    ) -> MessageContext {
        let a = self.appointment;
        let ty = &self.appointment_type;
        MessageContext {
            practice: PracticeView::from(&self.practice),
            recipient: RecipientView { first_name },
            appointment: Some(AppointmentView {
                when: when::with_zone(a.starts_at, tz),
                when_short: when::short(a.starts_at, tz),
                previous_when: previous.map(|at| when::with_zone(at, tz)),
                type_name: ty.name.clone(),
                duration_minutes: ty.duration_minutes,
                practitioner: self.practitioner.name.clone(),
                // A video appointment with its own room is never at a shared address: each
                // partner's message carries their own join link instead.
                location: if a.video_room_sealed.is_some() {
                    Some("Video call".to_owned())
                } else {
                    ty.location_details.clone()
                },
                is_video: ty.location_kind == LocationKind::Video,
                prepare: prepare(ty.location_kind).to_owned(),
                manage_url: self.manage_url.clone(),
                change_until: when::full(types::cutoff(ty, a.starts_at), tz),
                dashboard_url: self.dashboard_url.clone(),
                source: match a.source {
                    AppointmentSource::Online => "online",
                    AppointmentSource::Staff => "by staff",
                }
                .to_owned(),
            }),
            booking_url: self.booking_url.clone(),
            intake: None,
            series: None,
            consent: None,
            portal: None,
            estimate: None,
        }
    }

    /// The calendar invitation (or its withdrawal) for one attendee.
    fn invitation(
        &self,
        n: Notifier<'_>,
        person: &participant::Model,
        address: &str,
        method: Method,
        now: DateTime<Utc>,
    ) -> Attachment {
        let body = booking_file::compose(
            n.public_url,
            &BookingParts {
                appointment: self.appointment,
                appointment_type: &self.appointment_type,
                practitioner: &self.practitioner,
                manage_url: Some(self.manage_url.clone()),
                join_url: self.join_url(person.id).map(str::to_owned),
                attendee: Some(address),
            },
            &self.practice,
            &self.participants,
            method,
            now,
        );
        let (filename, method) = match method {
            Method::Cancel => ("cancel.ics", "CANCEL"),
            _ => ("invite.ics", "REQUEST"),
        };
        Attachment {
            filename: filename.into(),
            content_type: format!("text/calendar; charset=utf-8; method={method}"),
            body,
        }
    }

    /// Reminders at the type's offsets before the start; one whose time has passed is
    /// skipped. Keyed by the appointment's sequence, so a move plans a fresh set.
    fn plan_reminders(
        &self,
        n: Notifier<'_>,
        person: &participant::Model,
        context: &MessageContext,
        now: DateTime<Utc>,
        out: &mut Vec<NewEmail>,
    ) -> Result<(), NotifyError> {
        // Turned off from the portal: an inbox is often shared.
        if !person.email_reminders {
            return Ok(());
        }
        let a = self.appointment;
        for minutes in types::reminder_minutes(&self.appointment_type) {
            let at = a.starts_at - chrono::Duration::minutes(minutes.into());
            if at <= now {
                continue;
            }
            let key = reminder_key(a.id, minutes, a.sequence, person.id);
            out.push(self.message(
                n,
                Kind::Reminder,
                person,
                context,
                Vec::new(),
                at,
                key,
                Some(a.starts_at),
            )?);
        }
        Ok(())
    }

    /// The practitioner's neutral notice of a booking made online.
    fn practitioner_notice(
        &self,
        n: Notifier<'_>,
        now: DateTime<Utc>,
    ) -> Result<NewEmail, NotifyError> {
        let p = &self.practitioner;
        let tz = self.practitioner_zone();
        let context = self.context_for(first_name_of(&p.name), tz, None);
        let rendered = n.render(Kind::NewBooking, &context)?;
        Ok(NewEmail {
            kind: Kind::NewBooking,
            recipient: p.email.clone(),
            subject: rendered.subject,
            content: self.content(
                Some(p.name.clone()),
                rendered.text,
                rendered.html,
                Vec::new(),
                None,
            ),
            scheduled_at: now,
            key: format!("new_booking:{}", self.appointment.id),
            appointment_id: Some(self.appointment.id),
            intake_id: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn message(
        &self,
        n: Notifier<'_>,
        kind: Kind,
        person: &participant::Model,
        context: &MessageContext,
        attachments: Vec<Attachment>,
        at: DateTime<Utc>,
        key: String,
        not_after: Option<DateTime<Utc>>,
    ) -> Result<NewEmail, NotifyError> {
        let rendered = n.render(kind, context)?;
        let name = joined(&person.first_name, &person.last_name);
        Ok(NewEmail {
            kind,
            recipient: person.email.clone().unwrap_or_default(),
            subject: rendered.subject,
            content: self.content(
                Some(name),
                rendered.text,
                rendered.html,
                attachments,
                not_after,
            ),
            scheduled_at: at,
            key,
            appointment_id: Some(self.appointment.id),
            intake_id: None,
        })
    }

    pub fn content(
        &self,
        to_name: Option<String>,
        text: String,
        html: String,
        attachments: Vec<Attachment>,
        not_after: Option<DateTime<Utc>>,
    ) -> Content {
        let (from_name, from_address) = self.sender();
        Content {
            to_name,
            from_name,
            from_address,
            text,
            html,
            attachments,
            not_after,
        }
    }
}

/// A client's participants, in order.
pub async fn participants_of(
    db: &impl ConnectionTrait,
    client_id: Uuid,
) -> Result<Vec<participant::Model>, DbErr> {
    participant::Entity::find()
        .filter(participant::Column::ClientId.eq(client_id))
        .order_by_asc(participant::Column::Position)
        .all(db)
        .await
}

/// The name and address a practice's messages go out as: its contact address, else
/// `practitioner`'s.
pub fn sender_of(practice: &practice::Model, practitioner: &str) -> (String, String) {
    (
        practice.name.clone(),
        practice
            .contact_email
            .clone()
            .unwrap_or_else(|| practitioner.to_owned()),
    )
}

/// The key of one participant's reminder at `minutes` before the start.
pub fn reminder_key(appointment: Uuid, minutes: i32, sequence: i32, participant: Uuid) -> String {
    format!("reminder:{appointment}:{minutes}:{sequence}:{participant}")
}
