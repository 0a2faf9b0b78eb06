//! Getting paid. So far: what each appointment type costs and how it is coded on a claim, a
//! client's own (custom or sliding-scale) fee, the practice's currency, and each client's
//! diagnosis codes. Every amount is a whole number of the currency's minor unit (cents):
//! never a float.

pub mod codes;
pub mod diagnoses;
pub mod fees;
pub mod money;

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error("not found")]
    NotFound,
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
