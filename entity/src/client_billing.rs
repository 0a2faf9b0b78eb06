use sea_orm::entity::prelude::*;

/// Who of a couple pays: one partner, a split by percentage, or each session in turn.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_billing")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: Uuid,
    /// `one_payer`, `split` or `alternate`.
    pub mode: String,
    /// For `one_payer`: who.
    pub payer_participant_id: Option<Uuid>,
    /// For `split`: the first partner's share in percent; the second pays the rest.
    pub first_percent: Option<i32>,
    pub updated_at: DateTimeUtc,
    /// Pays without insurance, so is owed a Good Faith Estimate where the practice gives them.
    pub self_pay: bool,
}

impl ActiveModelBehavior for ActiveModel {}
