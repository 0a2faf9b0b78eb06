//! Email: every message a change in Attune causes is rendered from templates and queued in the
//! `email_outbox` in the same transaction as the change; a worker sends what is due, with
//! leases so a crashed worker's messages still go and several workers never send one twice.
//!
//! This is a lower layer: outbox, templates, transport and worker, touching only
//! `email_outbox`. What a change sends is decided by the capability that makes the change
//! (`scheduling::notify`, `intake::notify`).
//!
//! Privacy: subjects and bodies name the practice, never what kind of care it gives, and
//! nothing clinical; each partner gets a copy of their own; logs name a message's kind and id,
//! never its recipient.

pub mod compose;
pub mod outbox;
pub mod preview;
pub mod templates;
pub mod transport;
pub mod worker;

use std::{str::FromStr, sync::Arc};

use tokio::sync::Notify;

use crate::{config::MailSettings, crypto::DataKeys, templates::Overrides, types::PublicUrl};

pub use templates::EmailTemplates;
pub use transport::Transport;

/// What a message is, which decides its template and who may read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    BookingConfirmed,
    BookingRescheduled,
    BookingCancelled,
    NewBooking,
    Reminder,
    IntakeInvitation,
    IntakeReminder,
    IntakeReady,
    /// A series of sessions booked: one message for all of them.
    SeriesBooked,
    /// Several sessions of a series moved or cancelled at once.
    SeriesChanged,
    /// A consent document for one partner to read and sign.
    ConsentRequest,
    /// Before an appointment: the documents it requires that one partner has not signed.
    ConsentReminder,
    /// A one-time link that signs a partner in to their portal.
    PortalLink,
    /// A Good Faith Estimate is ready on the partner's page (the estimate itself stays there:
    /// it names diagnoses).
    EstimateReady,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::BookingConfirmed,
        Kind::BookingRescheduled,
        Kind::BookingCancelled,
        Kind::NewBooking,
        Kind::Reminder,
        Kind::IntakeInvitation,
        Kind::IntakeReminder,
        Kind::IntakeReady,
        Kind::SeriesBooked,
        Kind::SeriesChanged,
        Kind::ConsentRequest,
        Kind::ConsentReminder,
        Kind::PortalLink,
        Kind::EstimateReady,
    ];

    /// Its name in the outbox, the API and the template directory.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::BookingConfirmed => "booking_confirmed",
            Kind::BookingRescheduled => "booking_rescheduled",
            Kind::BookingCancelled => "booking_cancelled",
            Kind::NewBooking => "new_booking",
            Kind::Reminder => "reminder",
            Kind::IntakeInvitation => "intake_invitation",
            Kind::IntakeReminder => "intake_reminder",
            Kind::IntakeReady => "intake_ready",
            Kind::SeriesBooked => "series_booked",
            Kind::SeriesChanged => "series_changed",
            Kind::ConsentRequest => "consent_request",
            Kind::ConsentReminder => "consent_reminder",
            Kind::PortalLink => "portal_link",
            Kind::EstimateReady => "estimate_ready",
        }
    }
}

impl FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s).ok_or(())
    }
}

/// Everything that sends: templates, transport, settings, and the bell that wakes the worker
/// when a message is queued for now.
pub struct Mailer {
    pub templates: EmailTemplates,
    pub transport: Transport,
    pub settings: MailSettings,
    wake: Notify,
}

impl Mailer {
    /// Compiles the email templates (from `overrides` where the practice has its own) and sets
    /// up the transport.
    pub fn new(settings: MailSettings, overrides: &Overrides) -> anyhow::Result<Self> {
        let templates = EmailTemplates::load(overrides)?;
        let transport = Transport::new(&settings)?;
        Ok(Self {
            templates,
            transport,
            settings,
            wake: Notify::new(),
        })
    }

    /// Tells the worker that something may be due now.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub(crate) async fn woken(&self) {
        self.wake.notified().await;
    }
}

/// What a change that causes email needs to queue it.
#[derive(Clone, Copy)]
pub struct Notifier<'a> {
    pub mailer: &'a Arc<Mailer>,
    pub keys: &'a DataKeys,
    pub public_url: &'a PublicUrl,
}

impl Notifier<'_> {
    /// `kind`'s subject and bodies for `context`.
    pub fn render(
        &self,
        kind: Kind,
        context: &templates::MessageContext,
    ) -> Result<templates::Rendered, RenderFailed> {
        self.mailer
            .templates
            .render(kind, context)
            .map_err(|source| RenderFailed {
                kind: kind.as_str(),
                source,
            })
    }
}

/// A message that could not be rendered; the change it belongs to is rolled back.
#[derive(Debug, thiserror::Error)]
#[error("rendering the {kind} email: {source}")]
pub struct RenderFailed {
    pub kind: &'static str,
    pub source: handlebars::RenderError,
}
