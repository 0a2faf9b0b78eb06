use sea_orm::entity::prelude::*;

/// A client's own fee per session, in place of the types' fees.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_fees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    /// In the currency's minor unit.
    pub fee_minor: i64,
    /// `custom` or `sliding_scale`.
    pub kind: String,
    pub note: Option<String>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
