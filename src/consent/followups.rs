//! Consent's part in a scheduling change: a booking gives each partner the documents its
//! type requires, and a partner's new address gets new signing links.

use chrono::{DateTime, Utc};
use entity::participant;
use sea_orm::ConnectionTrait;

use super::{requests, requirements};
use crate::{
    audit::AuditContext,
    mail::Notifier,
    scheduling::{
        followups::{FollowupError, Followups, Plan},
        notify::Facts,
    },
};

#[derive(Clone, Copy)]
pub struct ConsentFollowups;

impl Followups for ConsentFollowups {
    async fn booked(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        facts: &Facts<'_>,
        audit: &AuditContext,
        _plan: &mut Plan,
    ) -> Result<(), FollowupError> {
        if facts.appointment().starts_at <= audit.now {
            return Ok(());
        }
        let required = requirements::documents_for(db, facts.appointment_type().id).await?;
        requests::give_latest(db, n, &required, facts.participants(), audit).await?;
        Ok(())
    }

    async fn readdressed(
        &self,
        db: &impl ConnectionTrait,
        n: Notifier<'_>,
        person: &participant::Model,
        now: DateTime<Utc>,
    ) -> Result<usize, FollowupError> {
        Ok(requests::relink(db, n, person, now).await?)
    }
}
