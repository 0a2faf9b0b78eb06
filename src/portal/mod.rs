//! Each partner's own page, `/portal`: signed in by a one-time link sent to their own
//! address, for a short session on one device. It shows that partner alone: the couple's
//! sessions to come (join, move, cancel through the links they already have), the
//! documents given to them to sign and their signed copies, the questionnaires given to
//! them, their own invoices, receipts and superbills, the couple's Good Faith Estimates, and
//! how they want to be contacted. Nothing the other partner wrote is reachable
//! from it.

pub mod contact;
pub mod money;
pub mod overview;
pub mod sign_in;

use chrono::Duration;

/// Portal sign-in links start with this.
pub const LINK_PREFIX: &str = "atp_";
/// Portal sessions start with this.
pub const SESSION_PREFIX: &str = "aps_";

/// How long a sign-in link works.
pub const LINK_TTL: Duration = Duration::minutes(15);
/// A session ends after this long unused...
pub const SESSION_IDLE: Duration = Duration::minutes(30);
/// ...and after this long in any case.
pub const SESSION_MAX: Duration = Duration::hours(4);
/// Links one partner may be sent in an hour, whoever asks.
pub const LINKS_PER_HOUR: u64 = 3;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    #[error(transparent)]
    Scheduling(#[from] crate::scheduling::SchedulingError),
    #[error(transparent)]
    Mail(#[from] crate::scheduling::notify::NotifyError),
    #[error(transparent)]
    Consent(#[from] crate::consent::ConsentError),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}
