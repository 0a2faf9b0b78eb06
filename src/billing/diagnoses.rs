//! Diagnosis codes on a client's record: for the couple (Z63.0, relationship distress) or
//! for one partner. Clinical: owners and the client's own clinician alone, each read in the
//! audit log, each code sealed.

use entity::{client, client_diagnosis, participant};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{BillingError, codes};
use crate::{
    audit::{Action, AuditContext, Event},
    auth::Staff,
    crypto::DataKeys,
    policy,
    validation::FieldErrors,
};

pub fn context(id: Uuid) -> String {
    format!("client_diagnosis.code:{id}")
}

/// What is sealed.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Coded {
    pub code: String,
    pub description: Option<String>,
}

pub struct Diagnosis {
    pub id: Uuid,
    pub participant_id: Option<Uuid>,
    pub coded: Coded,
    pub position: i32,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

async fn client_for(
    db: &impl ConnectionTrait,
    staff: &Staff,
    id: Uuid,
) -> Result<client::Model, BillingError> {
    // A role that never sees clinical content learns nothing of which clients exist.
    policy::clinical_role(staff)?;
    let c = client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(BillingError::NotFound)?;
    policy::clinical(staff, &c)?;
    Ok(c)
}

/// The client's diagnoses, in claim order, the read audited.
pub async fn list(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<Vec<Diagnosis>, BillingError> {
    client_for(db, staff, client_id).await?;
    let found = for_document(db, keys, client_id).await?;
    audit
        .record(
            db,
            Event::new(Action::DiagnosisRead).entity("client", client_id),
        )
        .await?;
    Ok(found)
}

/// The client's diagnoses for a document the practice gives the couple itself (a Good Faith
/// Estimate); the caller audits the read.
pub(super) async fn for_document(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    client_id: Uuid,
) -> Result<Vec<Diagnosis>, BillingError> {
    client_diagnosis::Entity::find()
        .filter(client_diagnosis::Column::ClientId.eq(client_id))
        .order_by_asc(client_diagnosis::Column::Position)
        .order_by_asc(client_diagnosis::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|r| opened(keys, r))
        .collect()
}

fn opened(keys: &DataKeys, r: client_diagnosis::Model) -> Result<Diagnosis, BillingError> {
    let json = keys
        .open(&r.code_sealed, &context(r.id))
        .map_err(|_| BillingError::Unreadable)?;
    let coded: Coded = serde_json::from_str(&json).map_err(|_| BillingError::Unreadable)?;
    Ok(Diagnosis {
        id: r.id,
        participant_id: r.participant_id,
        coded,
        position: r.position,
        created_at: r.created_at,
    })
}

#[derive(Clone, Debug, Default)]
pub struct DiagnosisInput {
    pub code: String,
    pub description: Option<String>,
    pub participant_id: Option<Uuid>,
}

/// Adds a diagnosis after the ones there are.
pub async fn add(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    input: &DiagnosisInput,
    audit: &AuditContext,
) -> Result<Diagnosis, BillingError> {
    client_for(db, staff, client_id).await?;
    let mut errors = FieldErrors::default();
    let code = errors.check("code", codes::icd10(&input.code));
    let description = match input
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) if d.chars().count() > 300 || d.contains('\n') => {
            errors.add("description", "must be one line of at most 300 characters");
            None
        }
        other => other.map(str::to_owned),
    };
    if let Some(p) = input.participant_id {
        let theirs = participant::Entity::find_by_id(p)
            .one(db)
            .await?
            .is_some_and(|p| p.client_id == client_id);
        if !theirs {
            errors.add("participant_id", "is not a partner of this client");
        }
    }
    errors.into_result()?;
    let position = client_diagnosis::Entity::find()
        .filter(client_diagnosis::Column::ClientId.eq(client_id))
        .all(db)
        .await?
        .iter()
        .map(|d| d.position)
        .max()
        .unwrap_or(0)
        + 1;
    let id = Uuid::new_v4();
    let coded = Coded {
        code: code.expect("checked"),
        description,
    };
    let row = client_diagnosis::Entity::insert(client_diagnosis::ActiveModel {
        id: Set(id),
        client_id: Set(client_id),
        participant_id: Set(input.participant_id),
        code_sealed: Set(keys.seal(
            &serde_json::to_string(&coded).expect("plain data serializes"),
            &context(id),
        )),
        position: Set(position),
        created_by: Set(audit.actor.id),
        created_at: Set(audit.now),
    })
    .exec_with_returning(db)
    .await?;
    // The code itself stays out of the log: it is clinical.
    audit
        .record(
            db,
            Event::new(Action::DiagnosisAdd)
                .entity("client", client_id)
                .details(serde_json::json!({ "diagnosis_id": id })),
        )
        .await?;
    opened(keys, row)
}

pub async fn remove(
    db: &impl ConnectionTrait,
    staff: &Staff,
    client_id: Uuid,
    id: Uuid,
    audit: &AuditContext,
) -> Result<(), BillingError> {
    client_for(db, staff, client_id).await?;
    let gone = client_diagnosis::Entity::delete_many()
        .filter(client_diagnosis::Column::Id.eq(id))
        .filter(client_diagnosis::Column::ClientId.eq(client_id))
        .exec(db)
        .await?;
    if gone.rows_affected == 0 {
        return Err(BillingError::NotFound);
    }
    audit
        .record(
            db,
            Event::new(Action::DiagnosisRemove)
                .entity("client", client_id)
                .details(serde_json::json!({ "diagnosis_id": id })),
        )
        .await?;
    Ok(())
}
