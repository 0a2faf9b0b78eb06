use sea_orm::entity::prelude::*;

/// A diagnosis code on a client's record, for the couple or for one partner. Clinical, so
/// the code and its words are sealed.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "client_diagnoses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    /// One partner's; none: the couple's (Z63.0).
    pub participant_id: Option<Uuid>,
    /// `{"code": "F43.23", "description": "…"}`, sealed.
    pub code_sealed: String,
    /// Order on a claim: 1 is the primary diagnosis.
    pub position: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
