//! What each capability's failure means over HTTP: the one place its errors become problems,
//! so the JSON API and the dashboard answer alike and `?` works in both.

use super::{ApiError, ProblemKind};
use crate::validation::FieldError;

impl From<crate::auth::Forbidden> for ApiError {
    fn from(_: crate::auth::Forbidden) -> Self {
        Self::new(ProblemKind::Forbidden, "Your role does not allow this.")
    }
}

impl From<crate::policy::Denied> for ApiError {
    fn from(d: crate::policy::Denied) -> Self {
        use crate::policy::Denied as D;
        let detail = match d {
            D::NotClinical => "Your role does not allow clinical content.",
            D::NotYourClient => {
                "This client is another practitioner's; only they and owners see its clinical record."
            }
            D::TransferIsForOwners => "Only an owner may change who treats a client.",
            D::AssignOnlyToSelf => {
                "A clinician may take on a client nobody treats yet only as their own practitioner."
            }
            D::Role => "Your role does not allow this.",
        };
        Self::new(ProblemKind::Forbidden, detail)
    }
}

impl From<crate::auth::staff::StaffError> for ApiError {
    fn from(err: crate::auth::staff::StaffError) -> Self {
        use crate::auth::staff::StaffError;
        match err {
            StaffError::NotFound => Self::not_found("There is no staff account with that id."),
            StaffError::EmailTaken => {
                Self::conflict("A staff account with that email already exists.").with_errors(vec![
                    FieldError::new("email", "is already used by another account"),
                ])
            }
            StaffError::LastOwner => Self::conflict(
                "The practice must keep at least one active owner: make someone else an owner first.",
            ),
            StaffError::UnknownPractitioner => {
                Self::invalid("practitioner_id", "is not a practitioner of this practice")
            }
            StaffError::Db(db) => db.into(),
        }
    }
}

impl From<crate::auth::token::TokenError> for ApiError {
    fn from(err: crate::auth::token::TokenError) -> Self {
        use crate::auth::token::{MAX_ACTIVE, TokenError};
        match err {
            TokenError::TooMany => Self::conflict(format!(
                "You already have {MAX_ACTIVE} active API tokens; revoke one you no longer use."
            )),
            TokenError::Disabled => {
                Self::new(ProblemKind::Unauthorized, "This account has been disabled.")
            }
            TokenError::Db(db) => db.into(),
        }
    }
}

impl From<crate::auth::login::LoginError> for ApiError {
    fn from(err: crate::auth::login::LoginError) -> Self {
        use crate::auth::login::LoginError;
        match err {
            LoginError::InvalidCredentials => Self::new(
                ProblemKind::Unauthorized,
                "The email or password is not right.",
            ),
            LoginError::TooManyAttempts { retry_after } => Self::new(
                ProblemKind::TooManyRequests,
                "Too many sign-in attempts; please wait before trying again.",
            )
            .with_retry_after((retry_after.as_secs_f64().ceil() as u64).max(1)),
            LoginError::Db(db) => db.into(),
        }
    }
}

impl From<crate::scheduling::SchedulingError> for ApiError {
    fn from(err: crate::scheduling::SchedulingError) -> Self {
        use crate::scheduling::{Rejection, SchedulingError as E};
        let start =
            |message: &str, r: Rejection| Self::invalid("start", message).with_reason(r.name());
        match err {
            E::UnknownType => Self::not_found("There is no such appointment type."),
            E::UnknownPractitioner => Self::not_found("There is no such practitioner."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::UnknownAppointment | E::NotFound => {
                Self::not_found("Nothing exists at this address.")
            }
            E::SlugTaken => Self::conflict("Another appointment type already has that slug.")
                .with_errors(vec![FieldError::new("slug", "is already used")]),
            E::TooManyParticipants => Self::conflict(
                "A couple has two participants and an individual one; this client is full.",
            ),
            E::NotOffered => {
                Self::invalid("practitioner_id", "does not offer this appointment type")
            }
            E::Slot(Rejection::Taken) => {
                Self::conflict("That time has just been taken. Please choose another.")
                    .with_reason(Rejection::Taken.name())
            }
            E::Slot(Rejection::InPast) => start("is in the past", Rejection::InPast),
            E::Slot(Rejection::BeforeNotice) => start(
                "is too soon: this appointment type needs more notice",
                Rejection::BeforeNotice,
            ),
            E::Slot(Rejection::BeyondHorizon) => start(
                "is further ahead than bookings are open for",
                Rejection::BeyondHorizon,
            ),
            E::Slot(Rejection::OutsideHours) => start(
                "is not one of the times offered; pick one from the list of free times",
                Rejection::OutsideHours,
            ),
            E::PastCutoff { cutoff } => Self::conflict(format!(
                "Changes online were possible until {}; please contact the practice.",
                cutoff.to_rfc3339()
            ))
            .with_reason("past_cutoff"),
            E::NotLive => {
                Self::conflict("This appointment was cancelled or has already taken place.")
                    .with_reason("not_live")
            }
            E::SeriesConflicts(checked) => {
                let conflicts: Vec<super::ConflictBody> = checked
                    .into_iter()
                    .filter_map(|c| {
                        Some(super::ConflictBody {
                            start: c.start,
                            end: c.end,
                            reason: c.refused?.name().to_owned(),
                        })
                    })
                    .collect();
                Self::conflict(format!(
                    "{} of the sessions cannot be at the times asked for; nothing was changed.",
                    conflicts.len()
                ))
                .with_reason("series_conflict")
                .with_conflicts(conflicts)
            }
            E::Recurrence(e) => Self::invalid(e.field(), e.to_string()),
            E::NotInSeries => Self::invalid("scope", "this appointment is not part of a series"),
            E::IdempotencyMismatch => Self::invalid(
                "Idempotency-Key",
                "was already used with a different request",
            )
            .with_reason("idempotency_key_reused"),
            E::Denied(d) => d.into(),
            E::Mail(e) => Self::internal(e),
            E::Followup(e) => Self::internal(anyhow::anyhow!(e)),
            E::UnknownQuestionnaire => {
                Self::invalid("intake_questionnaire_id", "is not a questionnaire")
            }
            E::Db(db) => db.into(),
        }
    }
}

impl From<crate::calendar::CalendarError> for ApiError {
    fn from(err: crate::calendar::CalendarError) -> Self {
        use crate::calendar::CalendarError as E;
        match err {
            E::UnknownPractitioner => Self::not_found("There is no such practitioner."),
            E::NoFeed => Self::not_found("This practitioner has no calendar feed."),
            E::UnknownBusyCalendar => Self::not_found("There is no such busy calendar."),
            E::FullDetailIsForOwners { already: false } => {
                Self::invalid("detail", "full is for the owner to choose")
            }
            E::FullDetailIsForOwners { already: true } => Self::invalid(
                "detail",
                "this feed names clients in full, so only the owner may issue its address; \
                 send minimal or initials",
            ),
            E::Denied(d) => d.into(),
            E::TooManyBusyCalendars => Self::conflict(
                "This practitioner already has as many busy calendars as allowed; remove one first.",
            ),
            E::BadCalendar(reason) => Self::invalid("ics", reason),
            E::Render(_) => Self::internal(err),
            E::Practice(e) => e.into(),
            E::Invalid(e) => e.into(),
            E::Db(db) => db.into(),
        }
    }
}

impl From<crate::consent::ConsentError> for ApiError {
    fn from(e: crate::consent::ConsentError) -> Self {
        use crate::consent::ConsentError as E;
        match e {
            E::NotFound => Self::not_found("There is no such consent document."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::AlreadySigned => {
                Self::conflict("This document is already signed.").with_reason("already_signed")
            }
            E::Invalid(invalid) => invalid.into(),
            e @ E::Unreadable => Self::internal(e),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::billing::BillingError> for ApiError {
    fn from(e: crate::billing::BillingError) -> Self {
        use crate::billing::BillingError as E;
        match e {
            E::NotFound => Self::not_found("There is nothing at this address."),
            E::Conflict(why) => Self::conflict(format!("Not possible: {why}.")),
            E::Invalid(invalid) => invalid.into(),
            E::Denied(d) => d.into(),
            e @ E::Unreadable => Self::internal(e),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::intake::questionnaires::QuestionnaireError> for ApiError {
    fn from(e: crate::intake::questionnaires::QuestionnaireError) -> Self {
        use crate::intake::questionnaires::QuestionnaireError as E;
        match e {
            E::NotFound => Self::not_found("There is no such questionnaire."),
            E::NoSuchVersion => Self::not_found("The questionnaire has no such version."),
            E::ReadOnly => Self::conflict(
                "Built-in questionnaires are read-only. Copy it (create a questionnaire with its \
                 definition and a slug of your own) to change it.",
            )
            .with_reason("builtin_read_only"),
            E::SlugTaken => Self::conflict("Another questionnaire already has that slug.")
                .with_errors(vec![FieldError::new("slug", "is taken")]),
            E::Invalid(errors) => Self::validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("definition.{}", e.field), e.message))
                    .collect(),
            ),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::intake::assignments::IntakeError> for ApiError {
    fn from(e: crate::intake::assignments::IntakeError) -> Self {
        use crate::intake::assignments::IntakeError as E;
        match e {
            E::NotFound => Self::not_found("There is no such intake."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::UnknownParticipant => {
                Self::invalid("participant_id", "is not one of this client's participants")
            }
            E::UnknownQuestionnaire => Self::invalid("questionnaire_id", "is not a questionnaire"),
            E::UnknownAppointment => {
                Self::invalid("appointment_id", "is not one of this client's appointments")
            }
            E::Denied(d) => d.into(),
            E::Expired => Self::new(
                ProblemKind::Gone,
                "This link has expired. Please ask the practice for a new one.",
            ),
            E::Submitted => {
                Self::conflict("These answers were already sent, and cannot be changed. Thank you.")
                    .with_reason("intake_submitted")
            }
            // Each problem is named by the item's id, as the form knows it.
            E::Invalid(errors) => Self::validation(errors),
            E::Unreadable => Self::internal(anyhow::anyhow!(
                "intake answers cannot be decrypted with the configured data keys"
            )),
            E::Integrity(f) => f.into(),
            E::Questionnaire(e) => e.into(),
            E::Mail(e) => Self::internal(e),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::notes::NoteError> for ApiError {
    fn from(e: crate::notes::NoteError) -> Self {
        use crate::notes::NoteError as E;
        match e {
            E::NotFound => Self::not_found("There is no such note."),
            E::UnknownClient => Self::not_found("There is no such client."),
            E::Forbidden => Self::new(
                ProblemKind::Forbidden,
                "Your role does not allow clinical content.",
            ),
            E::NotYourClient => Self::new(
                ProblemKind::Forbidden,
                "This client is another practitioner's; only they and owners see its clinical record.",
            ),
            E::NotAuthor => Self::new(
                ProblemKind::Forbidden,
                "Only the note's author or an owner may sign it.",
            ),
            E::Invalid(errors) => Self::validation(errors),
            E::Signed => Self::conflict(
                "The note is signed: it is part of the record and cannot be changed or deleted. \
                 Add an addendum instead.",
            )
            .with_reason("note_signed"),
            E::NotSigned => {
                Self::conflict("The note is a draft: sign it before adding an addendum.")
                    .with_reason("note_not_signed")
            }
            E::AppointmentHasNote => Self::conflict("That appointment already has a note.")
                .with_reason("appointment_has_note")
                .with_errors(vec![FieldError::new(
                    "appointment_id",
                    "already has a note",
                )]),
            E::NoPlan => Self::not_found("The client has no treatment plan yet; PUT one first."),
            E::AlreadyInPhase => Self::conflict("The couple is in that phase already.")
                .with_reason("already_in_phase"),
            E::Unreadable => Self::internal(anyhow::anyhow!(
                "note content cannot be decrypted with the configured data keys"
            )),
            E::Integrity(f) => f.into(),
            E::Db(e) => e.into(),
        }
    }
}

/// Not the generic "something went wrong": whoever reads the record must know that what is
/// stored was changed, and must not be shown the changed value.
impl From<crate::integrity::Failure> for ApiError {
    fn from(f: crate::integrity::Failure) -> Self {
        Self::new(
            ProblemKind::Internal,
            format!(
                "This record ({} {}) failed its integrity check: what is stored was changed \
                 outside Attune, so it is not shown. The event is in the audit log; restore \
                 the record from a backup.",
                f.kind.replace('_', " "),
                f.id
            ),
        )
        .with_reason("integrity_failure")
    }
}

impl From<crate::mail::outbox::ActionError> for ApiError {
    fn from(e: crate::mail::outbox::ActionError) -> Self {
        use crate::mail::outbox::ActionError as E;
        match e {
            E::NotFound => Self::not_found("There is no such email."),
            E::WrongStatus(status) => Self::conflict(format!(
                "The email is {status}; that cannot be done to it now."
            ))
            .with_reason("email_status"),
            E::Db(e) => e.into(),
        }
    }
}

impl From<crate::mail::preview::PreviewError> for ApiError {
    fn from(e: crate::mail::preview::PreviewError) -> Self {
        match e {
            crate::mail::preview::PreviewError::Practice(e) => e.into(),
            e @ crate::mail::preview::PreviewError::Render(_) => Self::internal(e),
        }
    }
}

impl From<crate::pagination::BadPageParam> for ApiError {
    fn from(err: crate::pagination::BadPageParam) -> Self {
        Self::invalid(err.field, err.message)
    }
}

impl From<crate::practice::PracticeError> for ApiError {
    fn from(err: crate::practice::PracticeError) -> Self {
        use crate::practice::PracticeError;
        match err {
            PracticeError::NotSetUp => Self::internal(err),
            PracticeError::Db(db) => db.into(),
        }
    }
}

impl From<crate::measures::MeasuresError> for ApiError {
    fn from(e: crate::measures::MeasuresError) -> Self {
        use crate::measures::MeasuresError as E;
        match e {
            E::NotFound => Self::not_found("There is nothing at this address."),
            E::Invalid(invalid) => invalid.into(),
            E::Denied(d) => d.into(),
            E::Intake(e) => e.into(),
            E::Db(e) => e.into(),
        }
    }
}
