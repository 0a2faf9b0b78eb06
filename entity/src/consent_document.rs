use sea_orm::entity::prelude::*;

/// A document clients sign (informed consent, the confidentiality policy, telehealth
/// consent, practice policies): its text is in its versions, all kept.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_documents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `informed_consent`, `confidentiality`, `telehealth`, `practice_policies`, `other`.
    pub kind: String,
    /// The latest version's title.
    pub title: String,
    /// Which starting text it began as, for the ones Attune ships.
    #[sea_orm(unique)]
    pub builtin_slug: Option<String>,
    pub latest_version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
