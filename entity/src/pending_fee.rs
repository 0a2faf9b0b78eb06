use sea_orm::entity::prelude::*;

/// The fee a late cancellation or a missed session leaves, until the therapist confirms it
/// (it can then be invoiced) or waives it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_fees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub appointment_id: Uuid,
    pub client_id: Uuid,
    /// `late_cancellation` or `no_show`.
    pub kind: String,
    /// The whole fee for the couple, in the currency's minor unit; split like a session's.
    pub amount_minor: i64,
    /// `pending`, `confirmed` or `waived`.
    pub status: String,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
