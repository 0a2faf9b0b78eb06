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
    /// A fixed video link, for a provider that gives each practitioner one room (it takes
    /// the place of the practice's room template for their appointments).
    pub video_link: Option<String>,
    /// Where they may practise: `["US-NY", "US-NJ", "CA-ON", "GB"]` (a country, or a US
    /// state or Canadian province). Empty: not set, and nobody is flagged.
    pub licensed_in: Json,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
