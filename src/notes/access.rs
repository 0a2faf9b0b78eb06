//! Who may read and write a client's clinical content: owners for every client; a clinician
//! for the clients whose primary practitioner is the practitioner their account is linked
//! to; assistants never.

use entity::client;
use sea_orm::{ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::NoteError;
use crate::auth::{Permission, Role, Staff};

/// The client, if `staff` may see its clinical content.
pub async fn clinical_client(
    db: &impl ConnectionTrait,
    staff: &Staff,
    client_id: Uuid,
) -> Result<client::Model, NoteError> {
    staff
        .require(Permission::ReadClinical)
        .map_err(|_| NoteError::Forbidden)?;
    let client = client::Entity::find_by_id(client_id)
        .one(db)
        .await?
        .ok_or(NoteError::UnknownClient)?;
    if may_treat(staff, &client) {
        Ok(client)
    } else {
        Err(NoteError::NotYourClient)
    }
}

pub fn may_treat(staff: &Staff, client: &client::Model) -> bool {
    match staff.role {
        Role::Owner => true,
        Role::Clinician => {
            staff.practitioner_id.is_some()
                && staff.practitioner_id == client.primary_practitioner_id
        }
        Role::Assistant => false,
    }
}
