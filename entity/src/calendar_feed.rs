use sea_orm::entity::prelude::*;

/// A practitioner's secret iCalendar subscription.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub practitioner_id: Uuid,
    /// SHA-256 of the secret in the feed's address.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub detail: FeedDetail,
    /// Time off appears as busy blocks.
    pub include_time_off: bool,
    /// The `ETag` of the last body served.
    pub etag: Option<String>,
    /// When the served body last changed.
    pub content_modified_at: DateTimeUtc,
    pub last_fetched_at: Option<DateTimeUtc>,
    /// What the last body was made from (the schedule's version and the feed's settings):
    /// while that is unchanged, `etag` still names the body, without rendering it again.
    pub rendered_key: Option<String>,
    pub rendered_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

/// How much an event in the feed says about the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum FeedDetail {
    /// The appointment type and a short client reference.
    #[sea_orm(string_value = "minimal")]
    Minimal,
    /// Plus the participants' initials.
    #[sea_orm(string_value = "initials")]
    Initials,
    /// Plus the participants' names.
    #[sea_orm(string_value = "full")]
    Full,
}
