//! Saving a new version of a consent document, and asking again everyone who signed an
//! earlier one when the version says so, in one transaction.

use std::collections::HashMap;

use entity::{consent_request, consent_version, participant};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{
    ConsentError,
    documents::{self, Document, VersionInput},
    requests,
};
use crate::{audit::AuditContext, db, mail::Notifier};

pub async fn save<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    n: Notifier<'_>,
    id: Uuid,
    input: &VersionInput,
    audit: &AuditContext,
) -> Result<Document, ConsentError> {
    let txn = db::begin_write(db).await?;
    let saved = documents::add_version_in(&txn, id, input, audit).await?;
    if input.requires_reconsent {
        let signers: Vec<Uuid> = consent_request::Entity::find()
            .filter(consent_request::Column::DocumentId.eq(id))
            .filter(consent_request::Column::SignedAt.is_not_null())
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| r.participant_id)
            .collect();
        let people = participant::Entity::find()
            .filter(participant::Column::Id.is_in(signers))
            .all(&txn)
            .await?;
        requests::give(
            &txn,
            n,
            &saved.document,
            &saved.current,
            &people,
            true,
            audit,
        )
        .await?;
    }
    txn.commit().await?;
    n.mailer.wake();
    Ok(saved)
}

/// For each document, the earliest version a signature must be of to still stand: the
/// latest that asked everyone again, or 1.
pub async fn reconsent_floors(
    db: &impl ConnectionTrait,
    documents: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, i32>, ConsentError> {
    let asking = consent_version::Entity::find()
        .filter(consent_version::Column::DocumentId.is_in(documents))
        .filter(consent_version::Column::RequiresReconsent.eq(true))
        .all(db)
        .await?;
    let mut floors: HashMap<Uuid, i32> = HashMap::new();
    for v in asking {
        let floor = floors.entry(v.document_id).or_insert(1);
        *floor = (*floor).max(v.version);
    }
    Ok(floors)
}

/// The version number of each of `versions`.
pub async fn version_numbers(
    db: &impl ConnectionTrait,
    versions: Vec<Uuid>,
) -> Result<HashMap<Uuid, i32>, ConsentError> {
    Ok(consent_version::Entity::find()
        .filter(consent_version::Column::Id.is_in(versions))
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect())
}
