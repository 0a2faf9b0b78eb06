use sea_orm::entity::prelude::*;

/// Money received against an invoice (or, negative, given back).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    /// Positive received, negative refunded.
    pub amount_minor: i64,
    /// `card_terminal`, `cash`, `check`, `transfer`, `credit`, `other`.
    pub method: String,
    pub received_on: Date,
    pub reference: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
