//! Getting paid. So far: what each appointment type costs and how it is coded on a claim, a
//! client's own (custom or sliding-scale) fee, the practice's currency, each client's
//! diagnosis codes, how a couple splits what they owe, invoices and payments. Every amount is a whole number of the currency's minor unit (cents):
//! never a float.

pub mod codes;
pub mod diagnoses;
pub mod estimates;
pub mod fees;
pub mod identity;
pub mod invoices;
pub mod money;
pub mod payments;
pub mod pending;
pub mod policy;
pub mod processor;
pub mod split;
pub mod statement;
pub mod superbill;

use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

/// Who reads a document that names diagnoses (a superbill, a Good Faith Estimate): staff by
/// the clinical policy, or a partner of the couple, to whom the practice gives it.
pub enum Reader<'a> {
    Staff(&'a crate::auth::Staff),
    /// The caller has established that this partner is one of the couple's.
    Partner(Uuid),
}

impl Reader<'_> {
    pub async fn may_read(
        &self,
        db: &impl ConnectionTrait,
        client_id: Uuid,
    ) -> Result<(), BillingError> {
        match self {
            Reader::Staff(staff) => {
                // A role that never sees clinical content learns nothing of which clients
                // exist.
                crate::policy::clinical_role(staff)?;
                let client = entity::client::Entity::find_by_id(client_id)
                    .one(db)
                    .await?
                    .ok_or(BillingError::NotFound)?;
                crate::policy::clinical(staff, &client)?;
            }
            Reader::Partner(person) => {
                entity::participant::Entity::find_by_id(*person)
                    .one(db)
                    .await?
                    .filter(|p| p.client_id == client_id)
                    .ok_or(BillingError::NotFound)?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("not found")]
    NotFound,
    /// The record is not in a state that allows this.
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),
    /// Sealed text the configured keys cannot open.
    #[error("a stored diagnosis cannot be decrypted with the configured keys")]
    Unreadable,
    #[error(transparent)]
    Db(#[from] DbErr),
}
