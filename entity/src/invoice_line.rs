use sea_orm::entity::prelude::*;

/// One charge on an invoice: a session, a no-show or late-cancellation fee, or another item.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub position: i32,
    pub appointment_id: Option<Uuid>,
    /// `session`, `no_show`, `late_cancellation` or `other`.
    pub kind: String,
    pub description: String,
    pub service_date: Date,
    pub cpt_code: Option<String>,
    pub place_of_service: Option<String>,
    pub modifier: Option<String>,
    pub units: i32,
    /// This payer's share, in the currency's minor unit.
    pub amount_minor: i64,
}

impl ActiveModelBehavior for ActiveModel {}
