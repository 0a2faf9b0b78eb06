use sea_orm::entity::prelude::*;

/// One version of a client's treatment plan; the highest version is the current plan.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "treatment_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub version: i32,
    pub template: Option<String>,
    /// Presenting problems, goals and interventions, encrypted.
    pub content_sealed: String,
    /// Phase names in order; empty for a plan without phases.
    pub phases: Json,
    pub phase: Option<String>,
    pub phase_since: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    /// Keyed tag over the row's identity and its clear clinical fields (`attune::integrity`).
    pub integrity: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
