use sea_orm::entity::prelude::*;

/// One scored questionnaire a couple is sent: to one partner or (`participant_id` null) to
/// each, and how often.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "measure_schedules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// The questionnaire's slug.
    pub questionnaire: String,
    pub participant_id: Option<Uuid>,
    /// `every_session`, `every_n_sessions`, `every_n_weeks` or `phase_change`.
    pub cadence: String,
    /// N, for the two cadences that take one.
    pub every: Option<i32>,
    pub position: i32,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
