//! Scheduling and online booking: opening hours, the slot engine, appointment types,
//! clients, appointments.

pub mod appointments;
pub mod availability;
pub mod booking;
pub mod booking_input;
pub mod clients;
pub mod followups;
pub mod manage_link;
pub mod notify;
pub mod person_input;
pub mod practitioners;
pub mod readdress;
pub mod recurring;
pub mod series;
pub mod slots;
pub mod snapshot;
pub mod type_input;
pub mod types;
pub mod video;

use chrono::{DateTime, Utc};
use sea_orm::DbErr;

pub use slots::Rejection;

/// What went wrong, in scheduling's words.
#[derive(Debug, thiserror::Error)]
pub enum SchedulingError {
    #[error("no such appointment type")]
    UnknownType,
    #[error("no such practitioner")]
    UnknownPractitioner,
    #[error("no such client")]
    UnknownClient,
    #[error("no such appointment")]
    UnknownAppointment,
    #[error("no such questionnaire")]
    UnknownQuestionnaire,
    #[error("not found")]
    NotFound,
    #[error("another appointment type already has that slug")]
    SlugTaken,
    #[error("the client already has as many participants as its kind holds")]
    TooManyParticipants,
    #[error("the practitioner does not offer this appointment type")]
    NotOffered,
    #[error("the time cannot be booked: {0:?}")]
    Slot(Rejection),
    /// Too close to the start for the client to change it themselves.
    #[error("the cancellation cutoff has passed")]
    PastCutoff { cutoff: DateTime<Utc> },
    /// Cancelled, completed or a no-show: no longer open to change.
    #[error("the appointment is no longer open to changes")]
    NotLive,
    /// Sessions of a series that cannot be booked (or moved) as asked; nothing was written.
    #[error("{} sessions of the series cannot be booked", .0.iter().filter(|c| c.refused.is_some()).count())]
    SeriesConflicts(Vec<appointments::Checked>),
    /// The series asked for has no valid shape.
    #[error(transparent)]
    Recurrence(#[from] series::RecurrenceError),
    /// A change for `following` or `all` sessions of an appointment that is not in a series.
    #[error("the appointment is not part of a series")]
    NotInSeries,
    #[error("the idempotency key was used with a different request")]
    IdempotencyMismatch,
    /// The change's emails could not be queued, so the change was not made.
    #[error(transparent)]
    Mail(#[from] notify::NotifyError),
    /// What the change sets off elsewhere (a booking's intake questionnaires) failed.
    #[error("{0}")]
    Followup(followups::FollowupError),

    /// The access policy refused the change.
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),

    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<Rejection> for SchedulingError {
    fn from(r: Rejection) -> Self {
        SchedulingError::Slot(r)
    }
}
