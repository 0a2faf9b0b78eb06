use sea_orm::entity::prelude::*;

/// A kind of appointment: how long it lasts, how it books, where it happens.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_types")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: i32,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub slot_step_minutes: i32,
    pub min_notice_minutes: i32,
    pub horizon_days: i32,
    pub cancellation_cutoff_minutes: i32,
    /// Bookable online by anyone.
    pub public: bool,
    pub location_kind: LocationKind,
    /// An address, a video link, or phone instructions.
    pub location_details: Option<String>,
    pub active: bool,
    /// Minutes before the start that reminders go out, e.g. `[1440, 120]`.
    pub reminder_minutes: Json,
    /// Assigned to each partner with an email when this type is booked.
    pub intake_questionnaire_id: Option<Uuid>,
    /// What clients' calendar files call it (`{practitioner}` is replaced); none: the
    /// neutral "Appointment with {practitioner}".
    pub client_title: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum LocationKind {
    #[sea_orm(string_value = "in_person")]
    InPerson,
    #[sea_orm(string_value = "video")]
    Video,
    #[sea_orm(string_value = "phone")]
    Phone,
}
