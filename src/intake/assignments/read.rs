//! What staff see of a couple's intakes: the list with scores and flags, and one response.

use entity::{client, intake_assignment, questionnaire_version};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::*;
use crate::{
    audit::{Action, AuditContext, Event},
    crypto::DataKeys,
    integrity,
};

/// The client's intakes with their questionnaire versions and slugs, each checked against
/// its integrity tag. With `results` the caller shows the scores and flags (to whom
/// [`crate::policy::treats`] allows), and that read is recorded.
pub async fn list_for_client(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
    results: bool,
    audit: &AuditContext,
) -> Result<
    Vec<(
        intake_assignment::Model,
        questionnaire_version::Model,
        String,
    )>,
    IntakeError,
> {
    let rows = intake_assignment::Entity::find()
        .filter(intake_assignment::Column::ClientId.eq(client_id))
        .order_by_asc(intake_assignment::Column::CreatedAt)
        .order_by_asc(intake_assignment::Column::Id)
        .all(db)
        .await?;
    integrity::check_all::<_, IntakeError>(db, keys, audit, &rows).await?;
    if results
        && rows
            .iter()
            .any(|a| a.score_total.is_some() || !flags_of(a).is_empty())
    {
        audit
            .record(
                db,
                Event::new(Action::IntakeRead).entity("client", client_id),
            )
            .await?;
    }
    // The versions and questionnaires of the whole list in two queries.
    let versions: std::collections::HashMap<Uuid, questionnaire_version::Model> =
        questionnaire_version::Entity::find()
            .filter(
                questionnaire_version::Column::Id
                    .is_in(rows.iter().map(|r| r.questionnaire_version_id)),
            )
            .all(db)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
    let slugs: std::collections::HashMap<Uuid, String> = entity::questionnaire::Entity::find()
        .filter(
            entity::questionnaire::Column::Id.is_in(versions.values().map(|v| v.questionnaire_id)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.slug))
        .collect();
    rows.into_iter()
        .map(|row| {
            let version = versions
                .get(&row.questionnaire_version_id)
                .cloned()
                .ok_or_else(|| DbErr::RecordNotFound("questionnaire version".into()))?;
            let slug = slugs
                .get(&version.questionnaire_id)
                .cloned()
                .ok_or_else(|| DbErr::RecordNotFound("questionnaire".into()))?;
            Ok((row, version, slug))
        })
        .collect()
}

/// One response for staff, with its answers; the read is recorded.
pub struct Response {
    pub assignment: intake_assignment::Model,
    pub slug: String,
    pub version: i32,
    pub sealed: Sealed,
    pub status: Status,
}

pub async fn read(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &crate::auth::Staff,
    id: Uuid,
    action: Action,
    audit: &AuditContext,
) -> Result<Response, IntakeError> {
    let a = intake_assignment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(IntakeError::NotFound)?;
    let client = client::Entity::find_by_id(a.client_id)
        .one(db)
        .await?
        .ok_or(IntakeError::UnknownClient)?;
    crate::policy::clinical(staff, &client)?;
    integrity::check::<_, IntakeError>(db, keys, audit, &a).await?;
    let (version, slug) = version_of(db, &a).await?;
    let sealed = open_sealed(keys, &a)?;
    audit
        .record(db, Event::new(action).entity("intake", id))
        .await?;
    Ok(Response {
        status: status(&a, audit.now),
        assignment: a,
        slug,
        version: version.version,
        sealed,
    })
}
