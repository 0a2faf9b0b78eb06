use sea_orm::entity::prelude::*;

/// A person in a client case; a couple has two.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "participants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    #[sea_orm(belongs_to, from = "client_id", to = "id")]
    pub client: BelongsTo<super::client::Entity>,
    /// 1 for the person who booked, 2 for their partner.
    pub position: i32,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub pronouns: Option<String>,
    pub time_zone: Option<String>,
    pub preferred_contact: Option<String>,
    /// Reminder emails wanted; a partner may turn them off from the portal (an inbox is
    /// often shared).
    pub email_reminders: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
