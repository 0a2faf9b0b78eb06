use sea_orm::entity::prelude::*;

/// One version of a consent document, exactly as signed: never changed once written.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub document_id: Uuid,
    /// 1, 2, …
    pub version: i32,
    pub title: String,
    /// Markdown.
    pub body: String,
    /// For a confidentiality policy: `no_secrets` or `limited_secrets`.
    pub secrets_policy: Option<String>,
    /// Those who signed an earlier version are asked to sign this one.
    pub requires_reconsent: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
