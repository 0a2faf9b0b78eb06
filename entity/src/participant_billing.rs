use sea_orm::entity::prelude::*;

/// What a superbill says of the partner who pays: date of birth and address, sealed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participant_billing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub participant_id: Uuid,
    /// `{"date_of_birth": "1988-04-02", "address": "…"}`, sealed.
    pub details_sealed: String,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
