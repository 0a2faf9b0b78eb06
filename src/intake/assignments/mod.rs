//! Assigning a questionnaire to one participant, and what happens through their private link:
//! opening it, saving drafts, submitting. Answers are sealed with the data key; scores and
//! flags are computed on submission and kept beside them for the staff lists.
//!
//! [`assign`] hands a questionnaire out, [`link`] is what the partner's private link does,
//! [`read`] is what staff see.

mod assign;
mod link;
mod read;

pub use assign::*;
pub use link::*;
pub use read::*;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{
    intake_assignment::{self, IntakeStatus},
    questionnaire_version,
};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Answers, Flag, questionnaires::QuestionnaireError};
use crate::{crypto::DataKeys, scheduling::notify::NotifyError, validation::FieldError};

/// Intake links start with this.
pub const TOKEN_PREFIX: &str = "ati_";

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no such intake")]
    NotFound,
    #[error("no such client")]
    UnknownClient,
    #[error("the participant is not one of the client's")]
    UnknownParticipant,
    /// The questionnaire to assign does not exist.
    #[error("no such questionnaire")]
    UnknownQuestionnaire,
    #[error("the appointment is not one of the client's")]
    UnknownAppointment,
    /// The access policy refused (a private link asked for by someone who may not have it).
    #[error(transparent)]
    Denied(#[from] crate::policy::Denied),
    #[error("the link has expired")]
    Expired,
    #[error("the answers were already submitted")]
    Submitted,
    #[error("the answers are not valid")]
    Invalid(Vec<FieldError>),
    #[error("the stored answers cannot be decrypted with the configured keys")]
    Unreadable,
    /// A stored response no longer matches its integrity tag.
    #[error(transparent)]
    Integrity(#[from] crate::integrity::Failure),
    #[error(transparent)]
    Questionnaire(#[from] QuestionnaireError),
    #[error(transparent)]
    Mail(#[from] NotifyError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Where an assignment stands, with expiry worked out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Sent,
    Opened,
    InProgress,
    Submitted,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sent => "sent",
            Status::Opened => "opened",
            Status::InProgress => "in_progress",
            Status::Submitted => "submitted",
            Status::Expired => "expired",
        }
    }
}

pub fn status(a: &intake_assignment::Model, now: DateTime<Utc>) -> Status {
    match a.status {
        IntakeStatus::Submitted => Status::Submitted,
        _ if now >= a.expires_at => Status::Expired,
        IntakeStatus::Sent => Status::Sent,
        IntakeStatus::Opened => Status::Opened,
        IntakeStatus::InProgress => Status::InProgress,
    }
}

/// What is sealed: the answers, and when each consent item was agreed to.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sealed {
    pub answers: Answers,
    #[serde(default)]
    pub consents: BTreeMap<String, DateTime<Utc>>,
}

pub fn answers_context(id: Uuid) -> String {
    format!("intake.answers:{id}")
}

pub fn open_sealed(keys: &DataKeys, a: &intake_assignment::Model) -> Result<Sealed, IntakeError> {
    match &a.answers_sealed {
        None => Ok(Sealed::default()),
        Some(sealed) => {
            let json = keys
                .open(sealed, &answers_context(a.id))
                .map_err(|_| IntakeError::Unreadable)?;
            serde_json::from_str(&json).map_err(|_| IntakeError::Unreadable)
        }
    }
}

fn seal(keys: &DataKeys, id: Uuid, sealed: &Sealed) -> String {
    let json = serde_json::to_string(sealed).expect("answers serialise");
    keys.seal(&json, &answers_context(id))
}

pub(super) async fn version_of(
    db: &impl ConnectionTrait,
    row: &intake_assignment::Model,
) -> Result<(questionnaire_version::Model, String), DbErr> {
    let version = questionnaire_version::Entity::find_by_id(row.questionnaire_version_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("questionnaire version".into()))?;
    let q = entity::questionnaire::Entity::find_by_id(version.questionnaire_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("questionnaire".into()))?;
    Ok((version, q.slug))
}

/// The flags stored on an assignment.
pub fn flags_of(a: &intake_assignment::Model) -> Vec<Flag> {
    serde_json::from_value(a.flags.clone()).unwrap_or_default()
}
