//! Intake's part in a scheduling change: a booking hands out its type's questionnaire, and a
//! partner's new address gets new intake links.

use chrono::{DateTime, Utc};
use entity::participant;
use sea_orm::ConnectionTrait;

use super::assignments::{self, Timings};
use crate::{
    audit::AuditContext,
    mail::Notifier,
    scheduling::{
        followups::{FollowupError, Followups, Plan},
        notify::Facts,
    },
};

/// The follow-ups a running practice has, with its intake timings.
#[derive(Clone, Copy)]
pub struct IntakeFollowups {
    pub timings: Timings,
}

impl Followups for IntakeFollowups {
    async fn booked(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        facts: &Facts<'_>,
        audit: &AuditContext,
        plan: &mut Plan,
    ) -> Result<(), FollowupError> {
        assignments::for_booking(db, n, self.timings, facts, audit, plan).await?;
        Ok(())
    }

    async fn readdressed(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        person: &participant::Model,
        now: DateTime<Utc>,
    ) -> Result<usize, FollowupError> {
        Ok(assignments::relink(db, n, self.timings, person, now).await?)
    }
}
