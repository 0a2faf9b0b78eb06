//! What the rest of the practice does, in the same transaction, when scheduling books an
//! appointment or a partner's address changes: the intake questionnaires and consent
//! documents a booking hands out, and the private links an address change replaces.
//!
//! Scheduling knows these only through [`Followups`], which the capability above it
//! implements, so scheduling stays below intake and consent, and a booking that rolls back
//! takes what it handed out with it.

use std::future::Future;

use chrono::{DateTime, Utc};
use entity::participant;
use sea_orm::{ConnectionTrait, DbErr};

use super::notify::Facts;
use crate::{
    audit::{AuditContext, Event},
    mail::{
        Notifier,
        outbox::{self, NewEmail},
    },
};

/// What a change will write besides its own rows, planned in memory and written at the end
/// in one statement each: the messages it sends and its audit events.
#[derive(Default)]
pub struct Plan {
    pub emails: Vec<NewEmail>,
    pub events: Vec<Event>,
}

impl Plan {
    pub async fn write(
        self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        audit: &AuditContext,
    ) -> Result<(), DbErr> {
        outbox::enqueue_all(db, n.keys, self.emails, audit.now).await?;
        audit.record_all(db, self.events).await
    }
}

/// Why a follow-up failed; the change is rolled back and the caller sees an internal error.
pub type FollowupError = Box<dyn std::error::Error + Send + Sync>;

pub trait Followups: Sync {
    /// The appointment `facts` tell of was just written in `db`'s transaction; what this
    /// sends and records goes into `plan`.
    fn booked(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        facts: &Facts<'_>,
        audit: &AuditContext,
        plan: &mut Plan,
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

/// Two capabilities' follow-ups, one after the other, in the same transaction.
impl<A: Followups, B: Followups> Followups for (A, B) {
    async fn booked(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        facts: &Facts<'_>,
        audit: &AuditContext,
        plan: &mut Plan,
    ) -> Result<(), FollowupError> {
        self.0.booked(db, n, facts, audit, plan).await?;
        self.1.booked(db, n, facts, audit, plan).await
    }

    async fn readdressed(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        person: &participant::Model,
        now: DateTime<Utc>,
    ) -> Result<usize, FollowupError> {
        Ok(self.0.readdressed(db, n, person, now).await?
            + self.1.readdressed(db, n, person, now).await?)
    }
}
