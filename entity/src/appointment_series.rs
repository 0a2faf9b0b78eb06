use sea_orm::entity::prelude::*;

/// Sessions booked together: the same local time every one to four weeks. Its occurrences
/// are appointments naming it; each is booked, moved and cancelled as an appointment.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "appointment_series")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub practitioner_id: Uuid,
    pub appointment_type_id: Uuid,
    /// IANA zone whose wall-clock time the series keeps.
    pub time_zone: String,
    pub first_start: DateTimeUtc,
    pub every_weeks: i32,
    /// Exactly one of `count` and `until` is set.
    pub count: Option<i32>,
    pub until: Option<Date>,
    pub outside_hours: bool,
    /// The sessions left out because they could not be booked: `[{start, reason}]`.
    pub skipped: Json,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
