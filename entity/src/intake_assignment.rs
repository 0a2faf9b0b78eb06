use sea_orm::entity::prelude::*;

/// One questionnaire for one participant, reached through a private link.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "intake_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub participant_id: Uuid,
    pub questionnaire_version_id: Uuid,
    /// SHA-256 of the link's secret.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub status: IntakeStatus,
    pub expires_at: DateTimeUtc,
    pub due_at: Option<DateTimeUtc>,
    pub appointment_id: Option<Uuid>,
    /// The answers and consent times, encrypted: clinical content.
    pub answers_sealed: Option<String>,
    pub score_total: Option<i32>,
    pub score_band: Option<String>,
    /// `["urgent", "safety"]`, as raised on submission.
    pub flags: Json,
    pub opened_at: Option<DateTimeUtc>,
    pub submitted_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    /// Keyed tag over the row's identity and its clear clinical fields (`attune::integrity`).
    pub integrity: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// Where the person is with it. `expired` is not stored: it is a `sent`, `opened` or
/// `in_progress` assignment past `expires_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum IntakeStatus {
    #[sea_orm(string_value = "sent")]
    Sent,
    #[sea_orm(string_value = "opened")]
    Opened,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "submitted")]
    Submitted,
}
