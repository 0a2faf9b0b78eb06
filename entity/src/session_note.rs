use sea_orm::entity::prelude::*;

/// A session note; once signed, part of the legal record and locked.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "session_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub appointment_id: Option<Uuid>,
    pub author_id: Uuid,
    pub format: String,
    pub title: String,
    /// The format's fields as JSON, encrypted.
    pub content_sealed: String,
    pub goal_ids: Json,
    pub status: NoteStatus,
    pub signed_at: Option<DateTimeUtc>,
    pub signed_by: Option<Uuid>,
    /// SHA-256 of the content as signed.
    pub content_hash: Option<String>,
    /// Keyed tag over the row's identity and its clear clinical fields (`attune::integrity`).
    pub integrity: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum NoteStatus {
    #[sea_orm(string_value = "draft")]
    Draft,
    #[sea_orm(string_value = "signed")]
    Signed,
}
