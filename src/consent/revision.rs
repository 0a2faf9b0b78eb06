//! Saving a new version of a consent document, and asking again everyone who signed an
//! earlier one when the version says so, in one transaction.

use entity::{consent_request, participant};
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
