use sea_orm::entity::prelude::*;

/// One version of a couple's Good Faith Estimate as it was delivered: the PDF (sealed, since
/// it names diagnoses and dates of birth), its digest, and a tag binding the digest, the
/// version and the delivery time to the row, so a changed copy is noticed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "good_faith_estimates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub version: i32,
    /// `scheduled` (the first paid session), `requested`, or `changed` (fees or the plan).
    pub reason: String,
    /// The version in force; earlier ones are kept as delivered.
    pub current: bool,
    /// When the session, or the request, that called for it was made: the clock the
    /// delivery deadline runs from.
    pub scheduled_at: DateTimeUtc,
    pub due_by: DateTimeUtc,
    pub currency: String,
    pub total_minor: i64,
    /// Digest of what the estimate says, without its delivery time: a change means re-issue.
    pub content_sha256: String,
    pub pdf_sealed: String,
    pub pdf_sha256: String,
    pub tag: String,
    pub delivered_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
}

impl ActiveModelBehavior for ActiveModel {}
