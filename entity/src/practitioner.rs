use sea_orm::entity::prelude::*;

/// A person clients can book with.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "practitioners")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The name shown to clients, e.g. "Emily DiPalma, LMFT".
    pub name: String,
    pub email: String,
    /// IANA zone name the practitioner's weekly hours are written in.
    pub time_zone: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
