use sea_orm::entity::prelude::*;

/// How the practice bills: one row (`id` 1), made when first saved; until then the defaults.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "billing_profile")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// ISO 4217, e.g. `USD`; every amount is in its minor unit.
    pub currency: String,
    pub updated_at: DateTimeUtc,
    /// The treating provider or practice as a claim names it.
    pub provider_name: Option<String>,
    /// National Provider Identifier: ten digits.
    pub npi: Option<String>,
    /// The tax id (an EIN, or a social security number for a solo provider), sealed.
    pub tin_sealed: Option<String>,
    pub license: Option<String>,
    pub address: Option<String>,
    /// What a cancellation inside the type's cutoff costs, in percent of the session's fee;
    /// `None`: nothing, and clients cannot cancel inside the cutoff.
    pub late_cancel_percent: Option<i32>,
    /// What a missed session costs, in percent of its fee; `None`: nothing.
    pub no_show_percent: Option<i32>,
    /// Whether self-pay clients get Good Faith Estimates (a US rule).
    pub good_faith_estimates: bool,
    /// How many sessions an estimate expects over its twelve months, unless a client's says
    /// otherwise.
    pub expected_sessions: i32,
}

impl ActiveModelBehavior for ActiveModel {}
