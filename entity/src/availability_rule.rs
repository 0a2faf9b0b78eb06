use sea_orm::entity::prelude::*;

/// Weekly opening hours: on `weekday` (1 Monday … 7 Sunday), from `start_time` to `end_time`
/// in the practitioner's zone, optionally only between two dates.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub weekday: i32,
    pub start_time: Time,
    pub end_time: Time,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
