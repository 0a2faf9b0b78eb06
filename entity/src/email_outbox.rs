use sea_orm::entity::prelude::*;

/// One email, from the moment it is decided until it is sent (or given up).
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    /// The text and HTML bodies and the attachments, encrypted: they carry private links.
    pub content_sealed: String,
    pub scheduled_at: DateTimeUtc,
    pub status: EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_id: Option<Uuid>,
    pub lease_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    pub appointment_id: Option<Uuid>,
    pub intake_id: Option<Uuid>,
    pub sent_at: Option<DateTimeUtc>,
    pub message_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum EmailStatus {
    /// Waiting for its time, or for its next attempt.
    #[sea_orm(string_value = "pending")]
    Pending,
    /// A worker holds it until its lease runs out.
    #[sea_orm(string_value = "sending")]
    Sending,
    #[sea_orm(string_value = "sent")]
    Sent,
    /// Refused for good by the mail server.
    #[sea_orm(string_value = "failed")]
    Failed,
    /// No longer wanted (a reminder for a cancelled appointment).
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    /// Every attempt failed.
    #[sea_orm(string_value = "dead")]
    Dead,
}
