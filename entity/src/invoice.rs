use sea_orm::entity::prelude::*;

/// What one partner owes for some sessions: a draft until issued, then numbered for good.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Given when issued, in order and without gaps; a void invoice keeps it.
    #[sea_orm(unique)]
    pub number: Option<i64>,
    pub client_id: Uuid,
    /// The partner who pays it.
    pub participant_id: Uuid,
    /// `draft`, `issued`, `paid` or `void`.
    pub status: String,
    pub currency: String,
    pub total_minor: i64,
    pub issued_at: Option<DateTimeUtc>,
    pub voided_at: Option<DateTimeUtc>,
    pub void_reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
