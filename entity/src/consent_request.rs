use sea_orm::entity::prelude::*;

/// One version of a consent document given to one partner to sign through their own link;
/// once signed, the signature.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub client_id: Uuid,
    pub participant_id: Uuid,
    pub document_id: Uuid,
    /// The exact version given.
    pub version_id: Uuid,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub token_sealed: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// When the partner first opened it.
    pub viewed_at: Option<DateTimeUtc>,
    pub signed_at: Option<DateTimeUtc>,
    /// `{name, ip, user_agent}` as signed, sealed.
    pub signature_sealed: Option<String>,
    /// SHA-256 of the exact text shown when they signed.
    pub text_sha256: Option<String>,
    /// Binds who, which version, when and the text's hash to the row.
    pub integrity: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
