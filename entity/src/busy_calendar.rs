use sea_orm::entity::prelude::*;

/// An outside calendar whose busy times keep online booking away.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "busy_calendars")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub practitioner_id: Uuid,
    pub label: String,
    pub source_kind: BusySourceKind,
    /// The address to fetch, encrypted.
    pub url_sealed: Option<String>,
    /// Scheme and host only, for showing.
    pub url_display: Option<String>,
    /// Validators from the last successful fetch, for a conditional request.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The last good parse: times and recurrence rules, no titles.
    pub series: Option<Json>,
    pub status: BusyStatus,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub next_refresh_at: DateTimeUtc,
    pub event_count: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum BusySourceKind {
    /// Fetched from an address, again and again.
    #[sea_orm(string_value = "url")]
    Url,
    /// A file sent once.
    #[sea_orm(string_value = "upload")]
    Upload,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum BusyStatus {
    /// Not fetched yet.
    #[sea_orm(string_value = "pending")]
    Pending,
    #[sea_orm(string_value = "ok")]
    Ok,
    /// The last attempt failed; the last good busy times still count.
    #[sea_orm(string_value = "error")]
    Error,
}
