use sea_orm::entity::prelude::*;

/// A booked time with a practitioner.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub appointment_type_id: Uuid,
    pub client_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// Start and end widened by the type's buffers: the time no other live appointment of this
    /// practitioner may touch.
    pub blocked_from: DateTimeUtc,
    pub blocked_until: DateTimeUtc,
    pub status: AppointmentStatus,
    pub source: AppointmentSource,
    /// SHA-256 of the client's manage-link secret.
    #[sea_orm(unique)]
    pub manage_token_hash: Option<String>,
    /// The secret itself, encrypted, kept only for a day so a retried online booking with the
    /// same idempotency key can be answered again.
    pub manage_token_sealed: Option<String>,
    /// Raised on every change, for calendar apps.
    pub sequence: i32,
    /// The client's message at booking, encrypted.
    pub message_sealed: Option<String>,
    pub cancellation_reason_sealed: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    /// `client` or `staff`.
    pub cancelled_by: Option<String>,
    #[sea_orm(unique)]
    pub idempotency_key: Option<String>,
    pub idempotency_fingerprint: Option<String>,
    pub outside_hours: bool,
    /// The series it belongs to, if it was booked as one.
    pub series_id: Option<Uuid>,
    /// The video room's name, sealed; only for a video appointment.
    pub video_room_sealed: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AppointmentStatus {
    #[sea_orm(string_value = "confirmed")]
    Confirmed,
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "completed")]
    Completed,
    #[sea_orm(string_value = "no_show")]
    NoShow,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum AppointmentSource {
    #[sea_orm(string_value = "online")]
    Online,
    #[sea_orm(string_value = "staff")]
    Staff,
}
