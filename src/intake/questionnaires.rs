//! Questionnaires and their versions: the built-in ones seeded on start, the practice's own
//! created and changed by staff. A change is always a new version; old versions stay, since
//! responses point at the one they answered.

use chrono::{DateTime, Utc};
use entity::{questionnaire, questionnaire_version};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionSession, TransactionTrait, sea_query::OnConflict,
};
use uuid::Uuid;

use super::{Definition, builtin};
use crate::{
    audit::{Action, AuditContext, Event},
    db,
    validation::FieldError,
};

#[derive(Debug, thiserror::Error)]
pub enum QuestionnaireError {
    #[error("no such questionnaire")]
    NotFound,
    #[error("no such version")]
    NoSuchVersion,
    #[error("built-in questionnaires are read-only; copy it to change it")]
    ReadOnly,
    #[error("another questionnaire already has that slug")]
    SlugTaken,
    #[error("the definition is not valid")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A questionnaire at one version, its definition read.
#[derive(Clone, Debug)]
pub struct Versioned {
    pub questionnaire: questionnaire::Model,
    pub version: questionnaire_version::Model,
    pub definition: Definition,
}

/// Adds the built-in questionnaires that are missing, and a new version of one whose shipped
/// definition changed. Safe to run on every start, and from several instances at once.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn seed_builtins<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for b in &builtin::ALL {
        let definition = b.definition();
        let txn = db::begin_write(db).await?;
        let id = Uuid::new_v4();
        questionnaire::Entity::insert(questionnaire::ActiveModel {
            id: Set(id),
            slug: Set(b.slug.to_owned()),
            title: Set(definition.title.clone()),
            builtin: Set(true),
            latest_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(questionnaire::Column::Slug)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        let q = questionnaire::Entity::find()
            .filter(questionnaire::Column::Slug.eq(b.slug))
            .one(&txn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(b.slug.to_owned()))?;
        let shipped = serde_json::to_value(&definition).expect("a definition serialises");
        let current = latest_version(&txn, &q).await?;
        if current.is_none_or(|v| v.definition != shipped) {
            add_version(&txn, &q, shipped, &definition.title, None, now).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

async fn latest_version(
    db: &impl ConnectionTrait,
    q: &questionnaire::Model,
) -> Result<Option<questionnaire_version::Model>, DbErr> {
    questionnaire_version::Entity::find()
        .filter(questionnaire_version::Column::QuestionnaireId.eq(q.id))
        .filter(questionnaire_version::Column::Version.eq(q.latest_version))
        .one(db)
        .await
}

async fn add_version(
    db: &impl ConnectionTrait,
    q: &questionnaire::Model,
    definition: serde_json::Value,
    title: &str,
    created_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<questionnaire_version::Model, DbErr> {
    let version = q.latest_version + 1;
    let row = questionnaire_version::Entity::insert(questionnaire_version::ActiveModel {
        id: Set(Uuid::new_v4()),
        questionnaire_id: Set(q.id),
        version: Set(version),
        definition: Set(definition),
        created_by: Set(created_by),
        created_at: Set(now),
    })
    .exec_with_returning(db)
    .await?;
    questionnaire::Entity::update_many()
        .col_expr(questionnaire::Column::LatestVersion, version.into())
        .col_expr(questionnaire::Column::Title, title.into())
        .col_expr(questionnaire::Column::UpdatedAt, now.into())
        .filter(questionnaire::Column::Id.eq(q.id))
        .exec(db)
        .await?;
    Ok(row)
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<questionnaire::Model>, DbErr> {
    questionnaire::Entity::find()
        .order_by_asc(questionnaire::Column::Title)
        .order_by_asc(questionnaire::Column::Id)
        .all(db)
        .await
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<questionnaire::Model, QuestionnaireError> {
    questionnaire::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(QuestionnaireError::NotFound)
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<questionnaire::Model>, DbErr> {
    questionnaire::Entity::find()
        .filter(questionnaire::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The questionnaire at `version` (the latest if `None`).
pub async fn at_version(
    db: &impl ConnectionTrait,
    id: Uuid,
    version: Option<i32>,
) -> Result<Versioned, QuestionnaireError> {
    let questionnaire = find(db, id).await?;
    let n = version.unwrap_or(questionnaire.latest_version);
    let version = questionnaire_version::Entity::find()
        .filter(questionnaire_version::Column::QuestionnaireId.eq(id))
        .filter(questionnaire_version::Column::Version.eq(n))
        .one(db)
        .await?
        .ok_or(QuestionnaireError::NoSuchVersion)?;
    let definition = read_definition(&version)?;
    Ok(Versioned {
        questionnaire,
        version,
        definition,
    })
}

/// The definition stored in `version`.
pub fn read_definition(
    version: &questionnaire_version::Model,
) -> Result<Definition, QuestionnaireError> {
    serde_json::from_value(version.definition.clone()).map_err(|e| {
        QuestionnaireError::Db(DbErr::Custom(format!(
            "questionnaire version {} is unreadable: {e}",
            version.id
        )))
    })
}

/// A new questionnaire of the practice's own, at version 1.
#[tracing::instrument(skip_all, err(level = "info"))]
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    slug: &str,
    definition: Definition,
    audit: &AuditContext,
) -> Result<Versioned, QuestionnaireError> {
    let txn = db::begin_write(db).await?;
    if find_by_slug(&txn, slug).await?.is_some() {
        return Err(QuestionnaireError::SlugTaken);
    }
    let q = questionnaire::Entity::insert(questionnaire::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(slug.to_owned()),
        title: Set(definition.title.clone()),
        builtin: Set(false),
        latest_version: Set(0),
        created_at: Set(audit.now),
        updated_at: Set(audit.now),
    })
    .exec_with_returning(&txn)
    .await
    .map_err(|e| {
        if db::violates(&e, "slug") {
            QuestionnaireError::SlugTaken
        } else {
            e.into()
        }
    })?;
    let versioned = save_version(&txn, q, definition, Action::QuestionnaireCreate, audit).await?;
    txn.commit().await?;
    Ok(versioned)
}

/// A new version of one of the practice's own questionnaires.
#[tracing::instrument(skip_all, fields(id = %id), err(level = "info"))]
pub async fn revise<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    id: Uuid,
    definition: Definition,
    audit: &AuditContext,
) -> Result<Versioned, QuestionnaireError> {
    let txn = db::begin_write(db).await?;
    let q = find(&txn, id).await?;
    if q.builtin {
        return Err(QuestionnaireError::ReadOnly);
    }
    let versioned = save_version(&txn, q, definition, Action::QuestionnaireRevise, audit).await?;
    txn.commit().await?;
    Ok(versioned)
}

async fn save_version(
    db: &impl ConnectionTrait,
    q: questionnaire::Model,
    definition: Definition,
    action: Action,
    audit: &AuditContext,
) -> Result<Versioned, QuestionnaireError> {
    let json = serde_json::to_value(&definition).expect("a definition serialises");
    let version = add_version(db, &q, json, &definition.title, audit.actor.id, audit.now).await?;
    audit
        .record(
            db,
            Event::new(action)
                .entity("questionnaire", q.id)
                .details(serde_json::json!({ "version": version.version })),
        )
        .await?;
    let questionnaire = find(db, q.id).await?;
    Ok(Versioned {
        questionnaire,
        version,
        definition,
    })
}
