//! The one-line notices a change leaves for the page it leads to, as codes in the URL.

use poem::Response;

use crate::http::pages::booking::see_other;

/// Back to `location` after a change, with a one-line notice to show there.
pub fn done(location: &str, notice: Notice) -> Response {
    let sep = if location.contains('?') { '&' } else { '?' };
    see_other(&format!("{location}{sep}done={}", notice.code()))
}

/// What a change just did, shown once at the top of the page it leads to. Codes, not text,
/// travel in the URL, so nothing typed ever lands in history or logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    Booked,
    Cancelled,
    Rescheduled,
    Completed,
    NoShow,
    IntakeSent,
    NoteSaved,
    NoteSigned,
    AddendumAdded,
    PrivateNoteAdded,
    HoursSaved,
    FeedCreated,
    FeedRevoked,
    FeedSettingsSaved,
    Saved,
    PractitionerAdded,
    TypeAdded,
    OverrideSaved,
    TimeOffAdded,
    Removed,
    BusyAdded,
    EmailRetried,
    EmailCancelled,
    StaffAdded,
    PlanSaved,
    PhaseMoved,
    SeriesBooked,
    SeriesChanged,
    SeriesCancelled,
    ConsentSent,
    DocumentAdded,
    VersionSaved,
}

impl Notice {
    const ALL: [Notice; 32] = [
        Notice::Booked,
        Notice::Cancelled,
        Notice::Rescheduled,
        Notice::Completed,
        Notice::NoShow,
        Notice::IntakeSent,
        Notice::NoteSaved,
        Notice::NoteSigned,
        Notice::AddendumAdded,
        Notice::PrivateNoteAdded,
        Notice::HoursSaved,
        Notice::FeedCreated,
        Notice::FeedRevoked,
        Notice::FeedSettingsSaved,
        Notice::Saved,
        Notice::PractitionerAdded,
        Notice::TypeAdded,
        Notice::OverrideSaved,
        Notice::TimeOffAdded,
        Notice::Removed,
        Notice::BusyAdded,
        Notice::EmailRetried,
        Notice::EmailCancelled,
        Notice::StaffAdded,
        Notice::PlanSaved,
        Notice::PhaseMoved,
        Notice::SeriesBooked,
        Notice::SeriesChanged,
        Notice::SeriesCancelled,
        Notice::ConsentSent,
        Notice::DocumentAdded,
        Notice::VersionSaved,
    ];

    fn code(self) -> &'static str {
        match self {
            Notice::Booked => "booked",
            Notice::Cancelled => "cancelled",
            Notice::Rescheduled => "rescheduled",
            Notice::Completed => "completed",
            Notice::NoShow => "no-show",
            Notice::IntakeSent => "intake-sent",
            Notice::NoteSaved => "note-saved",
            Notice::NoteSigned => "note-signed",
            Notice::AddendumAdded => "addendum-added",
            Notice::PrivateNoteAdded => "private-note-added",
            Notice::HoursSaved => "hours-saved",
            Notice::FeedCreated => "feed-created",
            Notice::FeedRevoked => "feed-revoked",
            Notice::FeedSettingsSaved => "feed-saved",
            Notice::Saved => "saved",
            Notice::PractitionerAdded => "practitioner-added",
            Notice::TypeAdded => "type-added",
            Notice::OverrideSaved => "override-saved",
            Notice::TimeOffAdded => "time-off-added",
            Notice::Removed => "removed",
            Notice::BusyAdded => "busy-added",
            Notice::EmailRetried => "email-retried",
            Notice::EmailCancelled => "email-cancelled",
            Notice::StaffAdded => "staff-added",
            Notice::PlanSaved => "plan-saved",
            Notice::PhaseMoved => "phase-moved",
            Notice::SeriesBooked => "series-booked",
            Notice::SeriesChanged => "series-moved",
            Notice::SeriesCancelled => "series-cancelled",
            Notice::ConsentSent => "consent-sent",
            Notice::DocumentAdded => "document-added",
            Notice::VersionSaved => "version-saved",
        }
    }

    fn text(self) -> &'static str {
        match self {
            Notice::Booked => "Booked; the clients are told by email.",
            Notice::Cancelled => "The appointment is cancelled; the clients are told by email.",
            Notice::Rescheduled => "The appointment is moved; the clients are told by email.",
            Notice::Completed => "Marked as completed.",
            Notice::NoShow => "Marked as a no-show.",
            Notice::IntakeSent => "The questionnaire is on its way.",
            Notice::NoteSaved => "Draft saved.",
            Notice::NoteSigned => "The note is signed and locked.",
            Notice::AddendumAdded => "Addendum added.",
            Notice::PrivateNoteAdded => "Psychotherapy note added.",
            Notice::HoursSaved => "Weekly hours saved.",
            Notice::FeedCreated => {
                "A new calendar link is ready. The previous one, if any, stops working."
            }
            Notice::FeedRevoked => "The calendar link no longer works.",
            Notice::FeedSettingsSaved => "Calendar privacy saved.",
            Notice::Saved => "Saved.",
            Notice::PractitionerAdded => {
                "Practitioner added. Set their weekly hours below so clients can book them."
            }
            Notice::TypeAdded => "Appointment type added.",
            Notice::OverrideSaved => "That date's hours are saved.",
            Notice::TimeOffAdded => "Time off added; booking no longer offers those times.",
            Notice::Removed => "Removed.",
            Notice::BusyAdded => {
                "Busy calendar added; its times are read now and every few minutes."
            }
            Notice::EmailRetried => "The email will be sent again shortly.",
            Notice::EmailCancelled => "The email will not be sent.",
            Notice::StaffAdded => {
                "Account created. Give them their first password in person; they can change it."
            }
            Notice::PlanSaved => "Treatment plan saved.",
            Notice::SeriesBooked => {
                "The series is booked; each partner gets one email listing the sessions."
            }
            Notice::SeriesChanged => "The sessions are moved; the clients are told in one email.",
            Notice::DocumentAdded => "Document added.",
            Notice::VersionSaved => {
                "A new version is saved; the earlier ones are kept as they were signed."
            }
            Notice::ConsentSent => {
                "Sent: each partner signs through their own link (one who already has it is left as is)."
            }
            Notice::SeriesCancelled => {
                "The sessions are cancelled; the clients are told in one email."
            }
            Notice::PhaseMoved => "The plan moved to its new phase.",
        }
    }

    /// The notice named by `?done=`, if it is one.
    pub fn from_query(code: Option<&str>) -> Option<&'static str> {
        let code = code?;
        Notice::ALL
            .into_iter()
            .find(|n| n.code() == code)
            .map(Notice::text)
    }
}

/// A page's `?done=` parameter, the notice a change left for it.
#[derive(serde::Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

impl DoneQuery {
    pub fn notice(&self) -> Option<&'static str> {
        Notice::from_query(self.done.as_deref())
    }
}
