//! The starting texts every practice gets, once: plain-language informed consent, a couples
//! confidentiality policy (no-secrets by default, a setting), telehealth consent and practice
//! policies. They are the practice's to edit; a new start never changes an edited text.

use chrono::{DateTime, Utc};
use entity::{consent_document, consent_version};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::{Kind, SecretsPolicy};
use crate::db;

pub struct Builtin {
    pub slug: &'static str,
    pub kind: Kind,
    pub title: &'static str,
    pub body: &'static str,
}

pub const ALL: [Builtin; 4] = [
    Builtin {
        slug: "informed-consent",
        kind: Kind::InformedConsent,
        title: "Informed consent for couples therapy",
        body: include_str!("builtin/informed-consent.md"),
    },
    Builtin {
        slug: "confidentiality",
        kind: Kind::Confidentiality,
        title: "Confidentiality policy for couples",
        body: include_str!("builtin/confidentiality.md"),
    },
    Builtin {
        slug: "telehealth",
        kind: Kind::Telehealth,
        title: "Consent to video sessions",
        body: include_str!("builtin/telehealth.md"),
    },
    Builtin {
        slug: "practice-policies",
        kind: Kind::PracticePolicies,
        title: "Practice policies",
        body: include_str!("builtin/practice-policies.md"),
    },
];

/// Where a confidentiality policy's text puts the paragraph of the practice's choice.
pub const SECRETS_MARKER: &str = "{secrets_policy}";

/// The paragraph each choice puts at [`SECRETS_MARKER`].
pub fn secrets_paragraph(policy: SecretsPolicy) -> &'static str {
    match policy {
        SecretsPolicy::NoSecrets => {
            "**Our policy: no secrets.** Your therapist will not keep secrets between you. \
             Anything one of you shares alone that bears on the relationship may be brought \
             into a joint session. Your therapist will usually give the partner who shared it \
             the chance to raise it themselves first."
        }
        SecretsPolicy::LimitedSecrets => {
            "**Our policy: limited secrets.** What one of you shares alone is not repeated to \
             the other without permission, and your therapist will use judgement about \
             whether it can stay private. If holding it would make the couples work \
             impossible (for instance an ongoing affair), your therapist will ask the partner \
             to share it in a session within a reasonable time, or to end the couples work."
        }
    }
}

/// Adds each starting text not yet in the database (by its slug). Safe on every start and
/// from several instances at once.
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for b in &ALL {
        let txn = db::begin_write(db).await?;
        let exists = consent_document::Entity::find()
            .filter(consent_document::Column::BuiltinSlug.eq(b.slug))
            .one(&txn)
            .await?
            .is_some();
        if exists {
            txn.rollback().await?;
            continue;
        }
        let id = Uuid::new_v4();
        consent_document::Entity::insert(consent_document::ActiveModel {
            id: Set(id),
            kind: Set(b.kind.as_str().to_owned()),
            title: Set(b.title.to_owned()),
            builtin_slug: Set(Some(b.slug.to_owned())),
            latest_version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        consent_version::Entity::insert(consent_version::ActiveModel {
            id: Set(Uuid::new_v4()),
            document_id: Set(id),
            version: Set(1),
            title: Set(b.title.to_owned()),
            body: Set(b.body.to_owned()),
            secrets_policy: Set((b.kind == Kind::Confidentiality)
                .then(|| SecretsPolicy::NoSecrets.as_str().to_owned())),
            requires_reconsent: Set(false),
            created_by: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
    }
    Ok(())
}
