//! Which documents an appointment type requires before its first appointment, and who
//! still has to sign them: a booking of the type gives them out, and the agenda, the client
//! record and the reminder pass ask after the ones still unsigned.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::{
    appointment, appointment_type, consent_document, consent_request, consent_requirement,
    participant,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession,
    TransactionTrait,
};
use uuid::Uuid;

use super::ConsentError;
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    validation::{FieldError, Invalid},
};

/// The appointment types each of `documents` is required for.
pub async fn types_of(
    db: &impl ConnectionTrait,
    documents: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Vec<Uuid>>, ConsentError> {
    let rows = consent_requirement::Entity::find()
        .filter(consent_requirement::Column::DocumentId.is_in(documents))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for row in rows {
        out.entry(row.document_id)
            .or_default()
            .push(row.appointment_type_id);
    }
    for types in out.values_mut() {
        types.sort();
    }
    Ok(out)
}

/// The documents a booking of `type_id` requires.
pub async fn documents_for(
    db: &impl ConnectionTrait,
    type_id: Uuid,
) -> Result<Vec<Uuid>, ConsentError> {
    Ok(consent_requirement::Entity::find()
        .filter(consent_requirement::Column::AppointmentTypeId.eq(type_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.document_id)
        .collect())
}

/// Makes document `id` required for exactly `types` (none: required for no booking).
/// `field` names the list in the caller's input, for the error.
pub async fn set<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    types: &[Uuid],
    field: &str,
    audit: &AuditContext,
) -> Result<Vec<Uuid>, ConsentError> {
    let wanted: BTreeSet<Uuid> = types.iter().copied().collect();
    let txn = db::begin_write(db).await?;
    consent_document::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(ConsentError::NotFound)?;
    let known = appointment_type::Entity::find()
        .filter(appointment_type::Column::Id.is_in(wanted.iter().copied()))
        .all(&txn)
        .await?;
    if known.len() != wanted.len() {
        return Err(ConsentError::Invalid(Invalid(vec![FieldError::new(
            field,
            "names an appointment type that does not exist",
        )])));
    }
    consent_requirement::Entity::delete_many()
        .filter(consent_requirement::Column::DocumentId.eq(id))
        .exec(&txn)
        .await?;
    if !wanted.is_empty() {
        consent_requirement::Entity::insert_many(wanted.iter().map(|t| {
            consent_requirement::ActiveModel {
                document_id: Set(id),
                appointment_type_id: Set(*t),
            }
        }))
        .exec(&txn)
        .await?;
    }
    audit
        .record(
            &txn,
            Event::new(Action::ConsentDocumentRequirements)
                .entity("consent_document", id)
                .details(serde_json::json!({ "appointment_type_ids": wanted })),
        )
        .await?;
    txn.commit().await?;
    Ok(wanted.into_iter().collect())
}

/// One required document one partner has not signed, before one appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Missing {
    pub appointment_id: Uuid,
    pub participant_id: Uuid,
    pub document_id: Uuid,
}

/// For each of `appointments`, each document its type requires that a partner of the
/// couple has no standing signature of (a signature a later version asked again for does
/// not stand). One query when no type of theirs requires anything.
pub async fn missing(
    db: &impl ConnectionTrait,
    appointments: &[&appointment::Model],
) -> Result<Vec<Missing>, ConsentError> {
    let types: BTreeSet<Uuid> = appointments.iter().map(|a| a.appointment_type_id).collect();
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let required = consent_requirement::Entity::find()
        .filter(consent_requirement::Column::AppointmentTypeId.is_in(types))
        .all(db)
        .await?;
    if required.is_empty() {
        return Ok(Vec::new());
    }
    let people = participant::Entity::find()
        .filter(participant::Column::ClientId.is_in(appointments.iter().map(|a| a.client_id)))
        .all(db)
        .await?;
    let ids: BTreeSet<Uuid> = people.iter().map(|p| p.id).collect();
    let signed = current_signatures(db, &ids, required.iter().map(|r| r.document_id)).await?;
    let mut out = Vec::new();
    for a in appointments {
        for r in required
            .iter()
            .filter(|r| r.appointment_type_id == a.appointment_type_id)
        {
            for p in people.iter().filter(|p| p.client_id == a.client_id) {
                if !signed.contains(&(p.id, r.document_id)) {
                    out.push(Missing {
                        appointment_id: a.id,
                        participant_id: p.id,
                        document_id: r.document_id,
                    });
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// [`missing`] counted per appointment; appointments with none are left out.
pub async fn unsigned(
    db: &impl ConnectionTrait,
    appointments: &[&appointment::Model],
) -> Result<BTreeMap<Uuid, usize>, ConsentError> {
    let mut out = BTreeMap::new();
    for m in missing(db, appointments).await? {
        *out.entry(m.appointment_id).or_insert(0) += 1;
    }
    Ok(out)
}

/// The (participant, document) pairs with a signature that still stands.
pub async fn current_signatures(
    db: &impl ConnectionTrait,
    people: &BTreeSet<Uuid>,
    documents: impl IntoIterator<Item = Uuid>,
) -> Result<BTreeSet<(Uuid, Uuid)>, ConsentError> {
    let documents: BTreeSet<Uuid> = documents.into_iter().collect();
    let requests = consent_request::Entity::find()
        .filter(consent_request::Column::ParticipantId.is_in(people.iter().copied()))
        .filter(consent_request::Column::DocumentId.is_in(documents.iter().copied()))
        .filter(consent_request::Column::SignedAt.is_not_null())
        .all(db)
        .await?;
    if requests.is_empty() {
        return Ok(BTreeSet::new());
    }
    let floors = super::revision::reconsent_floors(db, documents).await?;
    let signed_versions = super::revision::version_numbers(
        db,
        requests.iter().map(|r| r.version_id).collect::<Vec<_>>(),
    )
    .await?;
    Ok(requests
        .into_iter()
        .filter(|r| {
            let number = signed_versions.get(&r.version_id).copied().unwrap_or(0);
            number >= floors.get(&r.document_id).copied().unwrap_or(1)
        })
        .map(|r| (r.participant_id, r.document_id))
        .collect())
}
