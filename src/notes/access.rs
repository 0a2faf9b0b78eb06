//! Loading a client for its clinical content, with [`crate::policy`] deciding who may.

use entity::client;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::NoteError;
use crate::{auth::Staff, policy};

/// The client, if `staff` may see its clinical content.
pub async fn clinical_client(
    db: &impl ConnectionTrait,
    staff: &Staff,
    client_id: Uuid,
) -> Result<client::Model, NoteError> {
    policy::clinical_role(staff)?;
    let client = client::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .ok_or(NoteError::UnknownClient)?;
    policy::clinical(staff, &client)?;
    Ok(client)
}

impl From<policy::Denied> for NoteError {
    fn from(d: policy::Denied) -> Self {
        match d {
            policy::Denied::NotYourClient => NoteError::NotYourClient,
            _ => NoteError::Forbidden,
        }
    }
}
