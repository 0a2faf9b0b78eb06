//! The treatment plan's phases (Atone / Attune / Attach …) over time, for the charts' shading.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::MeasuresError;
use crate::{audit::AuditContext, crypto::DataKeys};

/// A phase of the treatment plan, from when it began to when the next one did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// The treatment plan's phases over time, from its versions: each phase from when it began
/// to when the next did. The plan's rows are checked against their tags first.
pub async fn plan_phases(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Vec<Phase>, MeasuresError> {
    let versions = entity::treatment_plan::Entity::find()
        .filter(entity::treatment_plan::Column::ClientId.eq(client_id))
        .order_by_asc(entity::treatment_plan::Column::Version)
        .all(db)
        .await?;
    crate::integrity::check_all::<_, crate::intake::assignments::IntakeError>(
        db, keys, audit, &versions,
    )
    .await?;
    let mut phases: Vec<Phase> = Vec::new();
    for v in versions {
        let (Some(name), Some(since)) = (v.phase, v.phase_since) else {
            continue;
        };
        if phases
            .last()
            .is_some_and(|p| p.name == name && p.from == since)
        {
            continue;
        }
        if let Some(before) = phases.last_mut() {
            before.to = Some(since);
        }
        phases.push(Phase {
            name,
            from: since,
            to: None,
        });
    }
    Ok(phases)
}
