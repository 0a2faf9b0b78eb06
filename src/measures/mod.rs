//! Measurement-based care for couples, built on the intake questionnaires: which scored
//! measures each couple is sent and how often, each partner's series of scores with the
//! measure's cut-off and reliable change marked, and the export. Scores are clinical:
//! owners and the couple's own clinician only, each read audited.

pub mod alerts;
pub mod catalogue;
pub mod chart;
pub mod export;
pub mod phases;
pub mod schedule;
pub mod series;
pub mod view;

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum MeasuresError {
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] crate::validation::Invalid),
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),
    #[error(transparent)]
    Intake(#[from] crate::intake::assignments::IntakeError),
    #[error(transparent)]
    Db(#[from] DbErr),
}
