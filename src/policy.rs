//! Who may see or do what to a client: the one place that decides it, for the JSON API and
//! the dashboard alike. Handlers and services ask here; none of them re-implements a rule.
//!
//! The promise behind every answer: a client's clinical content (intake answers, scores and
//! flags, notes, treatment plans, booking messages, email bodies carrying private links or
//! clinical text, the export and the clinical timeline) is seen by owners and by the client's
//! own clinician (the account linked to the client's primary practitioner), and by nobody else.
//! Because every clinical check keys on the primary practitioner, changing who treats a client
//! is itself guarded here and never happens as a side effect of another change.

use entity::client;
use uuid::Uuid;

use crate::auth::{Permission, Role, Staff};

/// Why the policy said no, in words a person can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The role never sees clinical content (assistants).
    #[error("your role does not allow clinical content")]
    NotClinical,
    /// A clinician asking about another practitioner's client.
    #[error("the client is another practitioner's")]
    NotYourClient,
    /// Only owners move a client from one practitioner to another.
    #[error("only an owner may change who treats a client")]
    TransferIsForOwners,
    /// A clinician may take on an unassigned client only for themselves.
    #[error("a clinician may assign a client only to their own practitioner")]
    AssignOnlyToSelf,
    /// The role may not do this at all.
    #[error("your role does not allow this")]
    Role,
}

/// The client's own clinician, or an owner: who may read and write its clinical content.
pub fn treats(staff: &Staff, client: &client::Model) -> bool {
    match staff.role {
        Role::Owner => true,
        Role::Clinician => {
            staff.practitioner_id.is_some()
                && staff.practitioner_id == client.primary_practitioner_id
        }
        Role::Assistant => false,
    }
}

/// May `staff`'s role see clinical content at all? Asked before a client is looked up, so a
/// role that never may learns nothing of which clients exist.
pub fn clinical_role(staff: &Staff) -> Result<(), Denied> {
    if staff.role.allows(Permission::ReadClinical) {
        Ok(())
    } else {
        Err(Denied::NotClinical)
    }
}

/// May `staff` read or write this client's clinical content?
pub fn clinical(staff: &Staff, client: &client::Model) -> Result<(), Denied> {
    clinical_role(staff)?;
    if treats(staff, client) {
        Ok(())
    } else {
        Err(Denied::NotYourClient)
    }
}

/// May `staff` be shown a private link of this client's (an intake link, to pass on by hand)?
/// The link is the partner's credential to their own answers, so it is as private as the
/// answers themselves.
pub fn private_link(staff: &Staff, client: &client::Model) -> Result<(), Denied> {
    clinical(staff, client)
}

/// May `staff` read an email's bodies? Every message to a client carries a private link (the
/// manage link, an intake link) or clinical facts, so the bodies are the client's clinical
/// content; a message tied to no client is for owners alone.
pub fn email_body(staff: &Staff, client: Option<&client::Model>) -> Result<(), Denied> {
    match client {
        Some(client) => clinical(staff, client),
        None if staff.role == Role::Owner => Ok(()),
        None => Err(Denied::Role),
    }
}

/// What a change of practitioner is, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assignment {
    /// A client nobody treated gets a practitioner.
    Assign,
    /// A client moves from one practitioner to another, or to nobody.
    Transfer,
    /// Nothing changes.
    Unchanged,
}

/// May `staff` make `to` the practitioner who treats a client treated by `from` (`None`: a
/// new client, or one nobody treats)? Owners may always. For a client nobody treats yet, an
/// assistant (the front desk routes new couples) or the clinician who will treat them may
/// assign; nobody else moves a client, since moving one is how a clinician would reach
/// another's record.
pub fn assign(staff: &Staff, from: Option<Uuid>, to: Option<Uuid>) -> Result<Assignment, Denied> {
    let kind = match (from, to) {
        (current, to) if current == to => return Ok(Assignment::Unchanged),
        (None, Some(_)) => Assignment::Assign,
        _ => Assignment::Transfer,
    };
    if !staff.role.allows(Permission::ManageClients) {
        return Err(Denied::Role);
    }
    match (staff.role, kind) {
        (Role::Owner, _) => Ok(kind),
        (_, Assignment::Transfer) => Err(Denied::TransferIsForOwners),
        (Role::Assistant, _) => Ok(kind),
        (Role::Clinician, _) if staff.practitioner_id.is_some() && staff.practitioner_id == to => {
            Ok(kind)
        }
        (Role::Clinician, _) => Err(Denied::AssignOnlyToSelf),
    }
}

/// May `staff` manage this practitioner's calendar feed and busy calendars? Everyone with
/// scheduling rights manages their own; owners, anyone's.
pub fn calendar(staff: &Staff, practitioner_id: Uuid) -> Result<(), Denied> {
    if !staff.role.allows(Permission::Schedule) {
        return Err(Denied::Role);
    }
    if staff.practitioner_id == Some(practitioner_id)
        || staff.role.allows(Permission::ManageAnyCalendar)
    {
        Ok(())
    } else {
        Err(Denied::Role)
    }
}

/// May `staff` choose a calendar feed that names clients in full? Owners only: the feed
/// leaves Attune for a calendar provider.
pub fn full_feed_detail(staff: &Staff) -> Result<(), Denied> {
    if staff.role.allows(Permission::FullCalendarDetail) {
        Ok(())
    } else {
        Err(Denied::Role)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use entity::client::{ClientKind, ClientStatus};

    use super::*;
    use crate::auth::Credential;

    fn staff(role: Role, practitioner: Option<Uuid>) -> Staff {
        Staff {
            id: Uuid::new_v4(),
            email: String::new(),
            name: String::new(),
            role,
            practitioner_id: practitioner,
            credential: Credential::ApiToken {
                id: Uuid::new_v4(),
                expires_at: None,
            },
        }
    }

    fn client(practitioner: Option<Uuid>) -> client::Model {
        client::Model {
            id: Uuid::new_v4(),
            display_name: String::new(),
            kind: ClientKind::Couple,
            status: ClientStatus::Active,
            source: String::new(),
            primary_practitioner_id: practitioner,
            search_text: String::new(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn clinical_content_is_for_owners_and_the_clients_own_clinician() {
        let (mine, theirs) = (Uuid::new_v4(), Uuid::new_v4());
        let c = client(Some(mine));
        assert_eq!(clinical(&staff(Role::Owner, None), &c), Ok(()));
        assert_eq!(clinical(&staff(Role::Clinician, Some(mine)), &c), Ok(()));
        assert_eq!(
            clinical(&staff(Role::Clinician, Some(theirs)), &c),
            Err(Denied::NotYourClient)
        );
        assert_eq!(
            clinical(&staff(Role::Clinician, None), &client(None)),
            Err(Denied::NotYourClient),
            "an unlinked clinician does not treat an unassigned client"
        );
        assert_eq!(
            clinical(&staff(Role::Assistant, Some(mine)), &c),
            Err(Denied::NotClinical)
        );
        assert_eq!(
            private_link(&staff(Role::Assistant, None), &c),
            Err(Denied::NotClinical)
        );
        assert_eq!(
            email_body(&staff(Role::Assistant, None), Some(&c)),
            Err(Denied::NotClinical)
        );
        assert_eq!(email_body(&staff(Role::Owner, None), None), Ok(()));
        assert_eq!(
            email_body(&staff(Role::Clinician, Some(mine)), None),
            Err(Denied::Role)
        );
    }

    #[test]
    fn only_owners_move_a_client_between_practitioners() {
        let (mine, theirs) = (Uuid::new_v4(), Uuid::new_v4());
        for s in [
            staff(Role::Clinician, Some(mine)),
            staff(Role::Clinician, Some(theirs)),
            staff(Role::Assistant, None),
        ] {
            assert_eq!(
                assign(&s, Some(theirs), Some(mine)),
                Err(Denied::TransferIsForOwners)
            );
            assert_eq!(
                assign(&s, Some(theirs), None),
                Err(Denied::TransferIsForOwners)
            );
        }
        assert_eq!(
            assign(&staff(Role::Owner, None), Some(theirs), Some(mine)),
            Ok(Assignment::Transfer)
        );
        assert_eq!(
            assign(
                &staff(Role::Clinician, Some(mine)),
                Some(theirs),
                Some(theirs)
            ),
            Ok(Assignment::Unchanged)
        );
    }

    #[test]
    fn an_unassigned_client_is_assigned_by_the_front_desk_or_to_oneself() {
        let (mine, theirs) = (Uuid::new_v4(), Uuid::new_v4());
        assert_eq!(
            assign(&staff(Role::Assistant, None), None, Some(theirs)),
            Ok(Assignment::Assign)
        );
        assert_eq!(
            assign(&staff(Role::Clinician, Some(mine)), None, Some(mine)),
            Ok(Assignment::Assign)
        );
        assert_eq!(
            assign(&staff(Role::Clinician, Some(mine)), None, Some(theirs)),
            Err(Denied::AssignOnlyToSelf)
        );
        assert_eq!(
            assign(&staff(Role::Clinician, None), None, Some(theirs)),
            Err(Denied::AssignOnlyToSelf)
        );
    }

    #[test]
    fn calendars_are_ones_own_and_full_detail_is_the_owners() {
        let mine = Uuid::new_v4();
        assert_eq!(calendar(&staff(Role::Clinician, Some(mine)), mine), Ok(()));
        assert_eq!(
            calendar(&staff(Role::Clinician, Some(mine)), Uuid::new_v4()),
            Err(Denied::Role)
        );
        assert_eq!(calendar(&staff(Role::Owner, None), mine), Ok(()));
        assert_eq!(
            full_feed_detail(&staff(Role::Clinician, Some(mine))),
            Err(Denied::Role)
        );
        assert_eq!(full_feed_detail(&staff(Role::Owner, None)), Ok(()));
    }
}
