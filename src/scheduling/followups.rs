//! What the rest of the practice does, in the same transaction, when scheduling books an
//! appointment or a partner's address changes: today, the intake questionnaires a booking
//! hands out and the private intake links an address change replaces.
//!
//! Scheduling knows these only through [`Followups`], which the capability above it
//! implements, so scheduling stays below intake and a booking that rolls back takes its
//! intakes with it.

use std::future::Future;

use chrono::{DateTime, Utc};
use entity::{appointment, appointment_type, participant};
use sea_orm::ConnectionTrait;

use crate::{audit::AuditContext, mail::Notifier};

/// Why a follow-up failed; the change is rolled back and the caller sees an internal error.
pub type FollowupError = Box<dyn std::error::Error + Send + Sync>;

pub trait Followups: Sync {
    /// `appointment` of type `ty` was just written in `db`'s transaction.
    fn booked(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        appointment: &appointment::Model,
        ty: &appointment_type::Model,
        audit: &AuditContext,
    ) -> impl Future<Output = Result<(), FollowupError>> + Send;

    /// `person`'s address changed; answers how many of their private links were replaced.
    fn readdressed(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        person: &participant::Model,
        now: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, FollowupError>> + Send;
}
