use sea_orm::entity::prelude::*;

/// A later addition to a signed note, signed as it is written.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "note_addenda")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub note_id: Uuid,
    /// 1, 2, 3 … under its note.
    pub position: i32,
    pub author_id: Uuid,
    pub text_sealed: String,
    pub content_hash: String,
    /// Keyed tag over the row's identity and its clear clinical fields (`attune::integrity`).
    pub integrity: Option<String>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
