use sea_orm::entity::prelude::*;

/// A partner signed in to the portal on one device, for a short while. Only the secret's
/// SHA-256 is stored.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "portal_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub participant_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    /// The latest it may last, however active.
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
