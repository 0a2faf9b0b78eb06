use sea_orm::entity::prelude::*;

/// One partner's own link to a video appointment (`/join/{secret}`), and where they said
/// they were when they joined through it.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "join_links")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub participant_id: Uuid,
    /// SHA-256 of the secret, as found by.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The secret, sealed: every message about the appointment carries it.
    pub token_sealed: String,
    /// ISO 3166-1 alpha-2, e.g. `US`.
    pub country: Option<String>,
    /// For the US and Canada, the state or province: ISO 3166-2, e.g. `US-NY`.
    pub region: Option<String>,
    pub located_at: Option<DateTimeUtc>,
    /// The place was outside every jurisdiction the practitioner was licensed in when they
    /// joined.
    pub outside_licence: bool,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
