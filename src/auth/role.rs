//! Who may do what. Roles are coarse on purpose: a small practice has an owner, perhaps a
//! clinician or two, and a front-desk assistant.

use entity::staff_user::StaffRole;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Everything, including staff, settings and the audit log.
    Owner,
    /// Scheduling, clients, and the clinical content of their own clients.
    Clinician,
    /// Front desk: scheduling, clients' contact details, the email outbox; never clinical
    /// content.
    Assistant,
}

/// A kind of action, checked against the caller's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    ManageStaff,
    ManageSettings,
    ReadAuditLog,
    /// Appointments, availability, appointment types.
    Schedule,
    /// Client records and contact details.
    ManageClients,
    /// Intake answers, scores, notes, treatment plans.
    ReadClinical,
    ManageOutbox,
    /// Any practitioner's calendar feed and busy calendars (everyone manages their own).
    ManageAnyCalendar,
    /// A calendar feed that names clients in full.
    FullCalendarDetail,
    /// Clients' fees, invoices and payments: the front desk's work as well as the owner's.
    Bill,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Clinician, Role::Assistant];

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Clinician => matches!(permission, Schedule | ManageClients | ReadClinical),
            Role::Assistant => {
                matches!(permission, Schedule | ManageClients | ManageOutbox | Bill)
            }
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Clinician => "clinician",
            Role::Assistant => "assistant",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Self {
        match role {
            StaffRole::Owner => Role::Owner,
            StaffRole::Clinician => Role::Clinician,
            StaffRole::Assistant => Role::Assistant,
        }
    }
}

impl From<Role> for StaffRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => StaffRole::Owner,
            Role::Clinician => StaffRole::Clinician,
            Role::Assistant => StaffRole::Assistant,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Permission::*, Role};

    #[test]
    fn the_assistant_never_reaches_clinical_content() {
        assert!(!Role::Assistant.allows(ReadClinical));
        assert!(Role::Assistant.allows(Schedule));
        assert!(Role::Assistant.allows(ManageOutbox));
        assert!(Role::Assistant.allows(Bill));
        assert!(!Role::Clinician.allows(Bill));
    }

    #[test]
    fn only_the_owner_manages_staff_settings_and_reads_the_audit_log() {
        for permission in [
            ManageStaff,
            ManageSettings,
            ReadAuditLog,
            ManageAnyCalendar,
            FullCalendarDetail,
        ] {
            assert!(Role::Owner.allows(permission));
            assert!(!Role::Clinician.allows(permission));
            assert!(!Role::Assistant.allows(permission));
        }
        assert!(Role::Clinician.allows(ReadClinical));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
