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
pub mod split;
pub mod superbill;

use sea_orm::DbErr;

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
