//! Calendars: the practitioner's subscription feed, the one-event files clients get, and the
//! import of busy times from her other calendars.
//!
//! `ics` makes the `ical` crate's output correct; `render` turns plain values into calendar
//! text; `feed`, `booking_file` and `busy` read and write the database around them.

pub mod booking_file;
pub mod busy;
pub mod events;
pub mod feed;
pub mod ics;
pub mod render;

use sea_orm::DbErr;

/// What went wrong, in the calendar's words.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    #[error("no such practitioner")]
    UnknownPractitioner,
    #[error("the practitioner has no calendar feed")]
    NoFeed,
    #[error("no such busy calendar")]
    UnknownBusyCalendar,
    /// A feed that names clients in full was asked for, or its address asked to be handed
    /// out, by someone who is not an owner.
    #[error("full calendar detail is the owner's to choose")]
    FullDetailIsForOwners {
        /// The feed is full already (a new address was asked for), rather than asked to be.
        already: bool,
    },
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),
    #[error("the practitioner already has as many busy calendars as allowed")]
    TooManyBusyCalendars,
    /// The calendar file sent cannot be used; the message says why, without its content.
    #[error("{0}")]
    BadCalendar(String),
    /// Rendering stopped short (a panic in a worker thread).
    #[error("rendering the calendar failed: {0}")]
    Render(String),
    #[error(transparent)]
    Practice(#[from] crate::practice::PracticeError),
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    #[error(transparent)]
    Db(#[from] DbErr),
}
