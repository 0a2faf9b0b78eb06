use sea_orm::entity::prelude::*;

/// The practice's own settings. There is exactly one row: its `id` is always 1, which the
/// migration enforces with a check, so "the practice" needs no lookup key.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "practice")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub name: String,
    /// IANA zone name, e.g. `America/New_York`.
    pub time_zone: String,
    pub contact_email: Option<String>,
    /// Where each video appointment's own room is: a URL with `{room}` in it, filled with
    /// the appointment's unguessable room name (`https://meet.example.org/{room}`).
    pub video_room_template: Option<String>,
    /// The late-cancellation and no-show fee policy as clients read it at booking and in
    /// reminders; written with billing's policy.
    pub fee_policy: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// The one id the practice row may have.
pub const PRACTICE_ID: i32 = 1;
