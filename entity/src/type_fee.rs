use sea_orm::entity::prelude::*;

/// What an appointment type costs and how it is coded on a claim.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "type_fees")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_type_id: Uuid,
    /// In the currency's minor unit (cents).
    pub fee_minor: i64,
    /// CPT, e.g. `90847`.
    pub cpt_code: Option<String>,
    /// CMS place of service, e.g. `02`, `10`, `11`.
    pub place_of_service: Option<String>,
    /// e.g. `95` for a synchronous video session.
    pub modifier: Option<String>,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
