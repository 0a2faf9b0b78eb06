//! The email templates: for each kind a subject, a text body and an HTML body, sharing a
//! layout. HTML is escaped; subjects and text bodies are not (they are not HTML). Strict mode,
//! compiled at start-up, each file replaceable under `ATTUNE_TEMPLATES_DIR`.

use handlebars::Handlebars;
use serde::Serialize;

use super::Kind;
use crate::{
    embedded_template,
    templates::{Embedded, Overrides, TemplateLoadError, strict_registry},
};

/// Shared by the HTML bodies and the text bodies, as partials.
const LAYOUTS: [Embedded; 2] = [
    embedded_template!("email/layout.html", "email/layout.html.hbs"),
    embedded_template!("email/layout.txt", "email/layout.txt.hbs"),
];

macro_rules! kind_templates {
    ($($kind:literal),* $(,)?) => {
        [$(
            [
                kind_template!($kind, "/subject", "/subject.hbs"),
                kind_template!($kind, "/body.txt", "/body.txt.hbs"),
                kind_template!($kind, "/body.html", "/body.html.hbs"),
            ],
        )*]
    };
}

macro_rules! kind_template {
    ($kind:literal, $name:literal, $file:literal) => {
        Embedded {
            name: concat!($kind, $name),
            path: concat!("email/", $kind, $file),
            source: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/templates/email/",
                $kind,
                $file
            )),
        }
    };
}

/// Per kind, in the order of [`Kind::ALL`]: subject, text body, HTML body.
const KINDS: [[Embedded; 3]; 14] = kind_templates!(
    "booking_confirmed",
    "booking_rescheduled",
    "booking_cancelled",
    "new_booking",
    "reminder",
    "intake_invitation",
    "intake_reminder",
    "intake_ready",
    "series_booked",
    "series_changed",
    "consent_request",
    "consent_reminder",
    "portal_link",
    "estimate_ready",
);

/// A message's rendered words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct EmailTemplates {
    /// Text bodies and subjects, unescaped.
    text: Handlebars<'static>,
    html: Handlebars<'static>,
}

impl EmailTemplates {
    pub fn load(overrides: &Overrides) -> Result<Self, TemplateLoadError> {
        let mut text = strict_registry();
        text.register_escape_fn(handlebars::no_escape);
        let mut html = strict_registry();
        overrides.register(&mut html, &LAYOUTS[0], true)?;
        overrides.register(&mut text, &LAYOUTS[1], true)?;
        for [subject, body_text, body_html] in &KINDS {
            overrides.register(&mut text, subject, false)?;
            overrides.register(&mut text, body_text, false)?;
            overrides.register(&mut html, body_html, false)?;
        }
        Ok(Self { text, html })
    }

    pub fn render(
        &self,
        kind: Kind,
        context: &MessageContext,
    ) -> Result<Rendered, handlebars::RenderError> {
        let name = kind.as_str();
        let subject = self.text.render(&format!("{name}/subject"), context)?;
        Ok(Rendered {
            // One line whatever the template does: a header cannot hold a line break.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: tidy(&self.text.render(&format!("{name}/body.txt"), context)?),
            html: self.html.render(&format!("{name}/body.html"), context)?,
        })
    }
}

/// Trims the blank lines a template leaves where an `{{#if}}` was empty, keeping paragraphs.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out.push('\n');
    out
}

/// What every template can use. Every key is always present (strict mode), `null` where a
/// message has no such thing.
#[derive(Clone, Debug, Serialize)]
pub struct MessageContext {
    pub practice: PracticeView,
    pub recipient: RecipientView,
    pub appointment: Option<AppointmentView>,
    /// Where to book another time.
    pub booking_url: String,
    pub intake: Option<IntakeView>,
    pub series: Option<SeriesView>,
    pub consent: Option<ConsentView>,
    pub portal: Option<PortalView>,
    pub estimate: Option<EstimateView>,
}

/// A Good Faith Estimate waiting on the recipient's page: its total, never its services or
/// diagnoses.
#[derive(Clone, Debug, Serialize)]
pub struct EstimateView {
    /// Expected charges over the estimate's twelve months, e.g. `$2,100.00`.
    pub total: String,
    /// Where to sign in to read and keep it.
    pub url: String,
    /// A new version of one given before.
    pub revised: bool,
}

/// A sign-in link to the recipient's own portal.
#[derive(Clone, Debug, Serialize)]
pub struct PortalView {
    pub url: String,
    /// How long it works.
    pub minutes: i64,
}

impl MessageContext {
    /// A message about no appointment: the practice and who it is to.
    pub fn of_practice(
        practice: &entity::practice::Model,
        first_name: &str,
        booking_url: String,
    ) -> Self {
        MessageContext {
            practice: PracticeView::from(practice),
            recipient: RecipientView {
                first_name: first_name.to_owned(),
            },
            appointment: None,
            booking_url,
            intake: None,
            series: None,
            consent: None,
            portal: None,
            estimate: None,
        }
    }
}

/// A consent document for the recipient to sign.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentView {
    /// Their own signing link. The document's title stays out of the message: an inbox is
    /// often shared, and titles name the therapy.
    pub url: String,
    /// A new version of one they signed before.
    pub again: bool,
    /// For a reminder: every link still waiting, `url` first.
    pub links: Vec<ConsentLink>,
    /// For a reminder: when the appointment is, in the recipient's zone.
    pub before: Option<String>,
}

/// One of several signing links, numbered from 1 (a title would name the therapy).
#[derive(Clone, Debug, Serialize)]
pub struct ConsentLink {
    pub number: usize,
    pub url: String,
}

impl ConsentLink {
    pub fn numbered(urls: Vec<String>) -> Vec<ConsentLink> {
        urls.into_iter()
            .enumerate()
            .map(|(i, url)| ConsentLink { number: i + 1, url })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PracticeView {
    pub name: String,
    pub email: Option<String>,
    /// What a late cancellation or a missed session costs, when anything.
    pub fee_policy: Option<String>,
}

impl From<&entity::practice::Model> for PracticeView {
    fn from(p: &entity::practice::Model) -> Self {
        PracticeView {
            name: p.name.clone(),
            email: p.contact_email.clone(),
            fee_policy: p.fee_policy.clone(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct RecipientView {
    pub first_name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AppointmentView {
    /// In full, in the recipient's zone, the zone named.
    pub when: String,
    /// Short, for a subject line: "Tue 8 Dec, 9:00 am EST".
    pub when_short: String,
    pub previous_when: Option<String>,
    pub type_name: String,
    pub duration_minutes: i32,
    pub practitioner: String,
    /// An address, a video link or phone instructions.
    pub location: Option<String>,
    pub is_video: bool,
    /// How to get ready, from where it happens.
    pub prepare: String,
    pub manage_url: String,
    /// Until when the client may change it online.
    pub change_until: String,
    pub dashboard_url: String,
    /// "online" or "by staff".
    pub source: String,
}

/// A series of sessions, for the one message about all of them.
#[derive(Clone, Debug, Serialize)]
pub struct SeriesView {
    /// "every week", "every 2 weeks".
    pub cadence: String,
    /// The sessions the message is about, earliest first.
    pub sessions: Vec<SessionView>,
    /// Times asked for that could not be booked, for a new series.
    pub skipped: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionView {
    /// In full, in the recipient's zone.
    pub when: String,
    /// For a moved session, when it was.
    pub previous_when: Option<String>,
    pub cancelled: bool,
    /// This session's own link to see, move or cancel it.
    pub manage_url: String,
    /// For a video session, the recipient's own way in.
    pub join_url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IntakeView {
    pub url: String,
    pub minutes: u32,
    pub dashboard_url: String,
}

/// Made-up data to preview every template with.
pub fn sample(practice: PracticeView, base: &str) -> MessageContext {
    MessageContext {
        practice,
        recipient: RecipientView {
            first_name: "Alex".into(),
        },
        appointment: Some(AppointmentView {
            when: "Tuesday 8 December 2026, 9:00 am EST (America/New York)".into(),
            when_short: "Tue 8 Dec, 9:00 am EST".into(),
            previous_when: Some("Monday 7 December 2026, 4:30 pm EST (America/New York)".into()),
            type_name: "Free consultation".into(),
            duration_minutes: 15,
            practitioner: "Dana Whitfield".into(),
            location: Some("https://video.example.org/r/sample".into()),
            is_video: true,
            prepare: prepare(entity::appointment_type::LocationKind::Video).into(),
            manage_url: format!("{base}/booking/atm_sample"),
            change_until: "Monday 7 December 2026, 9:00 am EST".into(),
            dashboard_url: format!(
                "{base}/api/v1/appointments/00000000-0000-0000-0000-000000000000"
            ),
            source: "online".into(),
        }),
        booking_url: format!("{base}/book"),
        intake: Some(IntakeView {
            url: format!("{base}/intake/sample"),
            minutes: 10,
            dashboard_url: format!("{base}/api/v1/intakes/00000000-0000-0000-0000-000000000000"),
        }),
        consent: Some(ConsentView {
            url: format!("{base}/consent/atc_sample"),
            again: false,
            links: ConsentLink::numbered(vec![
                format!("{base}/consent/atc_sample"),
                format!("{base}/consent/atc_sample2"),
            ]),
            before: Some("Tuesday 8 December 2026, 9:00 am EST (America/New York)".into()),
        }),
        portal: Some(PortalView {
            url: format!("{base}/portal/in/atp_sample"),
            minutes: 15,
        }),
        estimate: Some(EstimateView {
            total: "$2,100.00".into(),
            url: format!("{base}/portal"),
            revised: false,
        }),
        series: Some(SeriesView {
            cadence: "every week".into(),
            sessions: vec![
                SessionView {
                    when: "Tuesday 8 December 2026, 9:00 am EST (America/New York)".into(),
                    previous_when: Some(
                        "Tuesday 8 December 2026, 8:00 am EST (America/New York)".into(),
                    ),
                    cancelled: false,
                    manage_url: format!("{base}/booking/atm_sample"),
                    join_url: Some(format!("{base}/join/atj_sample")),
                },
                SessionView {
                    when: "Tuesday 15 December 2026, 9:00 am EST (America/New York)".into(),
                    previous_when: None,
                    cancelled: true,
                    manage_url: format!("{base}/booking/atm_sample2"),
                    join_url: None,
                },
            ],
            skipped: vec!["Tuesday 22 December 2026, 9:00 am EST (America/New York)".into()],
        }),
    }
}

/// How to get ready for an appointment held there.
pub fn prepare(kind: entity::appointment_type::LocationKind) -> &'static str {
    use entity::appointment_type::LocationKind as L;
    match kind {
        L::Video => {
            "Join from a quiet, private place a few minutes early, with headphones if you can; the link opens the call."
        }
        L::InPerson => "Please arrive a few minutes early.",
        L::Phone => "Please be somewhere you can talk privately at that time.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn practice() -> PracticeView {
        PracticeView {
            name: "Riverbend Counseling".into(),
            email: Some("hello@riverbend.example".into()),
            fee_policy: Some("A missed appointment is charged the full session fee.".into()),
        }
    }

    #[test]
    fn every_kind_renders_with_sample_data_and_says_nothing_of_therapy() {
        let templates = EmailTemplates::load(&Overrides::default()).unwrap();
        for kind in Kind::ALL {
            let r = templates
                .render(kind, &sample(practice(), "https://book.example"))
                .unwrap_or_else(|e| panic!("{}: {e}", kind.as_str()));
            assert!(
                !r.subject.is_empty() && !r.subject.contains('\n'),
                "{kind:?}"
            );
            assert!(r.text.contains("Riverbend Counseling"), "{kind:?}");
            assert!(r.html.starts_with("<!doctype html>"), "{kind:?}");
            for part in [&r.subject, &r.text, &r.html] {
                assert!(!part.to_lowercase().contains("therap"), "{kind:?}: {part}");
                assert!(!part.contains("{{"), "{kind:?}: {part}");
            }
        }
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let templates = EmailTemplates::load(&Overrides::default()).unwrap();
        let mut context = sample(practice(), "https://book.example");
        context.practice.name = "Smith & Jones <Practice>".into();
        let r = templates.render(Kind::BookingConfirmed, &context).unwrap();
        assert!(r.subject.contains("Smith & Jones <Practice>"));
        assert!(r.text.contains("Smith & Jones <Practice>"));
        assert!(r.html.contains("Smith &amp; Jones &lt;Practice&gt;"));
        assert!(!r.html.contains("<Practice>"));
    }

    #[test]
    fn blank_runs_collapse_to_one_paragraph_break() {
        assert_eq!(tidy("\n a\n\n\n\nb  \nc\n\n"), "a\n\nb\nc\n");
    }
}
