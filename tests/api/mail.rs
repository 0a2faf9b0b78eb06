//! Email: what clients and practitioners receive, read off a real SMTP server on loopback,
//! and the outbox's promises: sent once, retried when the server is away, never lost to a
//! crashed worker, never doubled by two workers.

use std::time::Duration;

use attune::{
    clock::Clock,
    mail::{self, worker},
};
use chrono::{DateTime, TimeDelta, Utc};
use mailparse::{MailHeaderMap, ParsedMail};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::common::{
    TestApp, assert_problem, assert_status,
    calendar::{parse_calendar, prop},
    scheduling::{couple_booking, monday_morning},
    smtp::{Mode, SmtpServer, queue_plain},
};

/// Tuesday 8 December 2026, 14:00 UTC: 9:00 am in New York, where the couple lives.
const START: &str = "2026-12-08T14:00:00Z";

async fn mail_app(smtp: &SmtpServer) -> (TestApp, Clock) {
    let clock = Clock::manual(monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(smtp)
        .spawn()
        .await;
    without_intakes(&app).await;
    (app, clock)
}

/// The consultation sends the couples intake when booked; these tests count booking mail
/// alone (the intake tests cover the rest).
async fn without_intakes(app: &TestApp) {
    let db = app.db.connect().await;
    db.execute_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        "UPDATE appointment_types SET intake_questionnaire_id = NULL",
    ))
    .await
    .unwrap();
}

/// The outbox as the owner sees it, filtered by the query.
async fn emails(app: &TestApp, query: &str) -> Vec<Value> {
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let body = assert_status(
        app.get_as(&owner, &format!("/api/v1/emails?limit=200&{query}"))
            .await,
        StatusCode::OK,
    )
    .await;
    body["items"].as_array().unwrap().clone()
}

fn instant(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

fn parse(raw: &str) -> ParsedMail<'_> {
    mailparse::parse_mail(raw.as_bytes()).expect("a well-formed message")
}

fn header(mail: &ParsedMail<'_>, name: &str) -> String {
    mail.headers.get_first_value(name).unwrap_or_default()
}

/// Every leaf part, depth first.
fn leaves<'a>(mail: &'a ParsedMail<'a>) -> Vec<&'a ParsedMail<'a>> {
    if mail.subparts.is_empty() {
        vec![mail]
    } else {
        mail.subparts.iter().flat_map(leaves).collect()
    }
}

fn part(mail: &ParsedMail<'_>, mime: &str) -> Option<String> {
    leaves(mail)
        .into_iter()
        .find(|p| p.ctype.mimetype == mime)
        .map(|p| p.get_body().unwrap())
}

#[tokio::test]
async fn each_partner_gets_their_own_confirmation_with_an_invitation_and_the_practitioner_a_notice()
{
    let smtp = SmtpServer::start().await;
    let (app, _) = mail_app(&smtp).await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let token = booked["manage_token"].as_str().unwrap();

    let report = app.dispatch_pending_emails().await;
    assert_eq!(report.sent, 3, "{report:?}");

    let practitioner = app.state.config.seed.practitioner_email.to_string();
    let notice = smtp.received_by(&practitioner);
    assert_eq!(notice.len(), 1);
    for (address, name, other) in [
        ("jane@example.org", "Jane Doe", "sam@example.org"),
        ("sam@example.org", "Sam Roe", "jane@example.org"),
    ] {
        let got = smtp.received_by(address);
        assert_eq!(got.len(), 1, "{address}");
        // One recipient per message: neither partner sees the other's address.
        assert_eq!(got[0].to, vec![address.to_owned()]);
        assert!(
            !got[0].raw.contains(other),
            "{address}'s copy names {other}"
        );
        let mail = parse(&got[0].raw);
        let practice = app.state.config.seed.practice_name.clone();
        assert_eq!(
            header(&mail, "Subject"),
            format!("Your appointment with {practice} is booked")
        );
        assert!(
            header(&mail, "To").contains(name),
            "{}",
            header(&mail, "To")
        );
        assert!(header(&mail, "From").contains(&practice));
        assert!(header(&mail, "Message-ID").starts_with('<'));
        assert_eq!(mail.ctype.mimetype, "multipart/mixed");
        let alternative = &mail.subparts[0];
        assert_eq!(alternative.ctype.mimetype, "multipart/alternative");
        let text = part(&mail, "text/plain").unwrap();
        let html = part(&mail, "text/html").unwrap();
        for body in [&text, &html] {
            // In the couple's own zone, named.
            assert!(
                body.contains("Tuesday 8 December 2026, 9:00 am EST (America/New York)"),
                "{body}"
            );
            assert!(body.contains(&format!("/booking/{token}")), "{body}");
            // Nothing of what the couple wrote, and no word of what the practice does.
            assert!(!body.contains("affair"));
            assert!(!body.to_lowercase().contains("therap"));
        }
        assert!(text.starts_with("Hello "), "{text}");

        let ics = part(&mail, "text/calendar").unwrap();
        let calendar = parse_calendar(&ics);
        assert_eq!(prop(&calendar.properties, "METHOD"), Some("REQUEST"));
        let event = &calendar.events[0];
        assert_eq!(
            prop(&event.properties, "UID"),
            Some(format!("{}@127.0.0.1", booked["id"].as_str().unwrap()).as_str())
        );
        assert_eq!(prop(&event.properties, "SEQUENCE"), Some("0"));
        let attendees: Vec<&str> = event
            .properties
            .iter()
            .filter(|p| p.name == "ATTENDEE")
            .filter_map(|p| p.value.as_deref())
            .collect();
        assert_eq!(attendees, vec![format!("mailto:{address}").as_str()]);
    }

    let notice = parse(&notice[0].raw);
    let text = part(&notice, "text/plain").unwrap();
    assert!(text.contains("/admin/appointments/"), "{text}");
    for private in ["Jane", "Sam", "affair", "jane@example.org"] {
        assert!(
            !notice_raw_contains(&smtp, &practitioner, private),
            "{private}"
        );
    }

    // Sending again sends nothing more.
    assert!(app.dispatch_pending_emails().await.is_empty());
    assert_eq!(smtp.received().len(), 3);
}

fn notice_raw_contains(smtp: &SmtpServer, to: &str, needle: &str) -> bool {
    smtp.received_by(to).iter().any(|m| m.raw.contains(needle))
}

#[tokio::test]
async fn reminders_go_at_their_offsets_and_never_twice() {
    let smtp = SmtpServer::start().await;
    let (app, clock) = mail_app(&smtp).await;
    app.book_ok(&couple_booking(START)).await;
    app.dispatch_pending_emails().await;
    let start: DateTime<Utc> = START.parse().unwrap();
    let reminders = |smtp: &SmtpServer| {
        smtp.received()
            .into_iter()
            .filter(|m| {
                parse(&m.raw)
                    .headers
                    .get_first_value("Subject")
                    .unwrap()
                    .starts_with("Reminder")
            })
            .count()
    };
    assert_eq!(reminders(&smtp), 0);

    clock.set(start - TimeDelta::hours(24) - TimeDelta::minutes(1));
    app.dispatch_pending_emails().await;
    assert_eq!(reminders(&smtp), 0, "not a minute early");

    clock.set(start - TimeDelta::hours(24));
    assert_eq!(app.dispatch_pending_emails().await.sent, 2);
    assert_eq!(reminders(&smtp), 2, "one for each partner");
    let jane = smtp.received_by("jane@example.org");
    let reminder = parse(&jane.last().unwrap().raw);
    assert_eq!(
        header(&reminder, "Subject"),
        format!(
            "Reminder: your appointment with {}, Tue 8 Dec, 9:00 am EST",
            app.state.config.seed.practice_name
        )
    );
    assert!(part(&reminder, "text/calendar").is_none());

    clock.set(start - TimeDelta::hours(2));
    app.dispatch_pending_emails().await;
    assert_eq!(reminders(&smtp), 4);
    clock.set(start + TimeDelta::hours(1));
    assert!(app.dispatch_pending_emails().await.is_empty());
    assert_eq!(reminders(&smtp), 4);
}

#[tokio::test]
async fn a_reminder_whose_time_has_passed_when_booked_is_not_queued() {
    let (app, clock) = TestApp::at_monday_morning().await;
    // Booked 23 hours ahead: the day-before reminder's time is already gone.
    clock.set("2026-12-07T15:00:00Z".parse().unwrap());
    app.book_ok(&couple_booking(START)).await;
    let reminders = emails(&app, "kind=reminder").await;
    assert_eq!(reminders.len(), 2, "{reminders:?}");
    for r in &reminders {
        assert_eq!(
            instant(&r["scheduled_at"]),
            "2026-12-08T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(r["status"], "pending");
    }
}

#[tokio::test]
async fn cancelling_cancels_pending_reminders_and_withdraws_the_invitation() {
    let smtp = SmtpServer::start().await;
    let (app, _) = mail_app(&smtp).await;
    let booked = app.book_ok(&couple_booking(START)).await;
    app.dispatch_pending_emails().await;
    let token = booked["manage_token"].as_str().unwrap();
    assert_status(app.cancel_booking(token).await, StatusCode::OK).await;

    let reminders = emails(&app, "kind=reminder").await;
    assert_eq!(reminders.len(), 4);
    assert!(
        reminders.iter().all(|r| r["status"] == "cancelled"),
        "{reminders:?}"
    );

    app.dispatch_pending_emails().await;
    let jane = smtp.received_by("jane@example.org");
    let cancelled = parse(&jane.last().unwrap().raw);
    assert!(header(&cancelled, "Subject").ends_with("is cancelled"));
    let calendar = parse_calendar(&part(&cancelled, "text/calendar").unwrap());
    assert_eq!(prop(&calendar.properties, "METHOD"), Some("CANCEL"));
    assert_eq!(prop(&calendar.events[0].properties, "SEQUENCE"), Some("1"));
    assert_eq!(
        prop(&calendar.events[0].properties, "STATUS"),
        Some("CANCELLED")
    );
}

#[tokio::test]
async fn moving_replans_the_reminders_and_sends_a_newer_invitation() {
    let smtp = SmtpServer::start().await;
    let (app, _) = mail_app(&smtp).await;
    let booked = app.book_ok(&couple_booking(START)).await;
    app.dispatch_pending_emails().await;
    let token = booked["manage_token"].as_str().unwrap();
    assert_status(
        app.reschedule_booking(token, "2026-12-09T15:00:00Z").await,
        StatusCode::OK,
    )
    .await;

    let reminders = emails(&app, "kind=reminder").await;
    let pending: Vec<DateTime<Utc>> = reminders
        .iter()
        .filter(|r| r["status"] == "pending")
        .map(|r| instant(&r["scheduled_at"]))
        .collect();
    assert_eq!(pending.len(), 4);
    for at in ["2026-12-08T15:00:00Z", "2026-12-09T13:00:00Z"] {
        let at: DateTime<Utc> = at.parse().unwrap();
        assert_eq!(
            pending.iter().filter(|p| **p == at).count(),
            2,
            "{pending:?}"
        );
    }
    assert_eq!(
        reminders
            .iter()
            .filter(|r| r["status"] == "cancelled")
            .count(),
        4
    );

    app.dispatch_pending_emails().await;
    let sam = smtp.received_by("sam@example.org");
    let moved = parse(&sam.last().unwrap().raw);
    assert!(header(&moved, "Subject").ends_with("has moved"));
    let text = part(&moved, "text/plain").unwrap();
    assert!(
        text.contains("Wednesday 9 December 2026, 10:00 am EST"),
        "{text}"
    );
    assert!(
        text.contains("Tuesday 8 December 2026, 9:00 am EST"),
        "{text}"
    );
    let calendar = parse_calendar(&part(&moved, "text/calendar").unwrap());
    assert_eq!(prop(&calendar.properties, "METHOD"), Some("REQUEST"));
    assert_eq!(prop(&calendar.events[0].properties, "SEQUENCE"), Some("1"));
}

#[tokio::test]
async fn a_server_that_is_down_at_first_gets_each_message_once_it_is_up() {
    let mut smtp = SmtpServer::down().await;
    let (app, clock) = mail_app(&smtp).await;
    app.book_ok(&couple_booking(START)).await;

    let report = app.dispatch_pending_emails().await;
    assert_eq!((report.sent, report.retrying), (0, 3), "{report:?}");
    let queued = emails(&app, "kind=booking_confirmed").await;
    for e in &queued {
        assert_eq!(e["status"], "pending");
        assert_eq!(e["attempts"], 1);
        assert!(
            e["last_error"].as_str().is_some_and(|m| !m.is_empty()),
            "{e}"
        );
    }
    // Not again before the backoff has passed.
    assert!(app.dispatch_pending_emails().await.is_empty());
    clock.advance(TimeDelta::minutes(1));
    assert_eq!(app.dispatch_pending_emails().await.retrying, 3);

    smtp.come_up().await;
    clock.advance(TimeDelta::minutes(2));
    assert_eq!(app.dispatch_pending_emails().await.sent, 3);
    assert_eq!(smtp.received().len(), 3);
    for e in emails(&app, "kind=booking_confirmed").await {
        assert_eq!(e["status"], "sent");
        assert_eq!(e["attempts"], 3);
        assert!(e["sent_at"].is_string() && e["message_id"].is_string());
    }
}

#[tokio::test]
async fn a_busy_server_is_retried_until_the_attempts_run_out() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::Busy);
    let clock = Clock::manual(monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .configure(|c| c.mail.max_attempts = 3)
        .spawn()
        .await;
    without_intakes(&app).await;
    app.book_ok(&couple_booking(START)).await;
    let mut dead = 0;
    for _ in 0..3 {
        dead += app.dispatch_pending_emails().await.dead;
        clock.advance(TimeDelta::hours(1));
    }
    assert_eq!(dead, 3);
    for e in emails(&app, "kind=booking_confirmed").await {
        assert_eq!(e["status"], "dead");
        assert!(e["last_error"].as_str().unwrap().contains("421"), "{e}");
    }
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn a_permanent_refusal_fails_at_once_and_staff_can_send_it_again() {
    let smtp = SmtpServer::start().await;
    smtp.set_mode(Mode::RejectRecipients);
    let (app, _) = mail_app(&smtp).await;
    app.book_ok(&couple_booking(START)).await;
    assert_eq!(app.dispatch_pending_emails().await.failed, 3);
    let failed = emails(&app, "status=failed").await;
    assert_eq!(failed.len(), 3);
    assert!(failed[0]["last_error"].as_str().unwrap().contains("550"));
    assert_eq!(failed[0]["attempts"], 1);

    smtp.set_mode(Mode::Accept);
    let (_, assistant) = app.signed_in(attune::auth::Role::Assistant).await;
    let id = failed[0]["id"].as_str().unwrap();
    let retried = assert_status(
        app.post_empty_as(&assistant, &format!("/api/v1/emails/{id}/retry"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 0);
    assert_eq!(app.dispatch_pending_emails().await.sent, 1);
    assert_eq!(smtp.received().len(), 1);
    // Sent is sent: neither retried nor cancelled again.
    for action in ["retry", "cancel"] {
        let p = assert_problem(
            app.post_empty_as(&assistant, &format!("/api/v1/emails/{id}/{action}"))
                .await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(p["detail"].as_str().unwrap().contains("sent"), "{p}");
    }
}

#[tokio::test]
async fn messages_held_by_a_worker_that_died_are_sent_after_the_lease_and_only_once() {
    let smtp = SmtpServer::start().await;
    let (app, clock) = mail_app(&smtp).await;
    app.book_ok(&couple_booking(START)).await;
    // A worker claims the batch and dies before sending any of it.
    let lease = TimeDelta::minutes(5);
    let claimed = worker::claim(&app.state.db, clock.now(), lease, worker::BATCH)
        .await
        .unwrap();
    assert_eq!(claimed.rows.len(), 3);
    drop(claimed);

    assert!(
        app.dispatch_pending_emails().await.is_empty(),
        "still leased"
    );
    clock.advance(lease + TimeDelta::seconds(1));
    assert_eq!(app.dispatch_pending_emails().await.sent, 3);
    clock.advance(TimeDelta::hours(1));
    app.dispatch_pending_emails().await;
    let confirmations = smtp
        .received()
        .into_iter()
        .filter(|m| {
            !parse(&m.raw)
                .headers
                .get_first_value("Subject")
                .unwrap()
                .starts_with("Reminder")
        })
        .count();
    assert_eq!(confirmations, 3);
}

#[tokio::test]
async fn two_workers_racing_over_200_due_messages_send_each_exactly_once() {
    let smtp = SmtpServer::start().await;
    let (app, clock) = mail_app(&smtp).await;
    // A second instance on the same database, as a second server would be.
    let key = app.state.config.data_key.clone();
    let other = TestApp::builder()
        .database(app.db.clone())
        .configure(move |c| c.data_key = key)
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let now = clock.now();
    for i in 0..200 {
        queue_plain(
            &app.state,
            mail::Kind::NewBooking,
            &format!("person{i}@example.org"),
            &format!("race:{i}"),
            &format!("Body {i}"),
            now,
        )
        .await;
    }
    let (a, b) = tokio::join!(worker::run_once(&app.state), worker::run_once(&other.state));
    let (a, b) = (a.unwrap(), b.unwrap());
    let failed = emails(&app, "status=failed").await;
    assert!(failed.is_empty(), "{:?}", failed.first());
    assert_eq!(a.sent + b.sent, 200, "{a:?} {b:?}");
    let received = smtp.received();
    assert_eq!(received.len(), 200);
    let mut recipients: Vec<String> = received.iter().map(|m| m.to[0].clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 200, "each address exactly once");
    let sent = emails(&app, "status=sent").await;
    assert_eq!(sent.len(), 200);
}

/// An app whose template directory holds one file of the practice's own, at `path`.
async fn with_template(
    smtp: &SmtpServer,
    path: &str,
    source: &str,
) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, source).unwrap();
    let templates = dir.path().to_owned();
    let app = TestApp::builder()
        .clock(Clock::manual(monday_morning()))
        .smtp(smtp)
        .configure(move |c| c.templates_dir = Some(templates))
        .spawn()
        .await;
    without_intakes(&app).await;
    (app, dir)
}

#[tokio::test]
async fn a_booking_whose_email_cannot_be_made_is_not_made_and_sends_nothing() {
    let smtp = SmtpServer::start().await;
    // Compiles, but names a value no message has: strict mode refuses it when rendering.
    let (app, _dir) = with_template(
        &smtp,
        "email/booking_confirmed/body.txt.hbs",
        "Hello {{recipient.nickname}}",
    )
    .await;
    assert_problem(
        app.book(&couple_booking(START)).await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    // Rolled back whole: no appointment, no client, nothing queued or sent.
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
    assert!(emails(&app, "").await.is_empty());
    assert!(app.dispatch_pending_emails().await.is_empty());
    assert!(smtp.received().is_empty());
}

#[tokio::test]
async fn the_practices_own_template_replaces_the_built_in_one() {
    let smtp = SmtpServer::start().await;
    let (app, _dir) = with_template(
        &smtp,
        "email/booking_confirmed/subject.hbs",
        "See you soon, {{recipient.first_name}}",
    )
    .await;
    app.book_ok(&couple_booking(START)).await;
    app.dispatch_pending_emails().await;
    let jane = parse(&smtp.received_by("jane@example.org")[0].raw)
        .headers
        .get_first_value("Subject");
    assert_eq!(jane.as_deref(), Some("See you soon, Jane"));

    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, "/api/v1/email-templates").await,
        StatusCode::OK,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), attune::mail::Kind::ALL.len());
    let confirmed = items
        .iter()
        .find(|t| t["name"] == "booking_confirmed")
        .unwrap();
    assert_eq!(confirmed["overridden"], true);
    assert!(items.iter().filter(|t| t["overridden"] == true).count() == 1);
    let preview = assert_status(
        app.get_as(&owner, "/api/v1/email-templates/booking_confirmed/preview")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(preview["subject"], "See you soon, Alex");
    assert!(
        preview["html"]
            .as_str()
            .unwrap()
            .contains("<!doctype html>")
    );
}

#[tokio::test]
async fn previews_render_every_template_and_unknown_names_are_404() {
    let app = crate::common::spawn_app().await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    for kind in mail::Kind::ALL {
        let preview = assert_status(
            app.get_as(
                &owner,
                &format!("/api/v1/email-templates/{}/preview", kind.as_str()),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        for part in ["subject", "text", "html"] {
            assert!(
                !preview[part].as_str().unwrap().is_empty(),
                "{kind:?} {part}"
            );
        }
    }
    assert_problem(
        app.get_as(&owner, "/api/v1/email-templates/newsletter/preview")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn the_outbox_is_for_owners_and_assistants_and_its_bodies_for_those_who_treat() {
    let (app, clock) = TestApp::at_monday_morning().await;
    without_intakes(&app).await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let now = clock.now();
    queue_plain(
        &app.state,
        mail::Kind::IntakeReady,
        "dana@example.org",
        "intake-ready:test",
        "intake text",
        now,
    )
    .await;

    let (_, clinician) = app.signed_in(attune::auth::Role::Clinician).await;
    assert_problem(
        app.get_as(&clinician, "/api/v1/emails").await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let (_, assistant) = app.signed_in(attune::auth::Role::Assistant).await;
    let by_appointment = assert_status(
        app.get_as(
            &assistant,
            &format!(
                "/api/v1/emails?appointment_id={}",
                booked["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Two confirmations, the practitioner's notice, four reminders.
    assert_eq!(by_appointment["items"].as_array().unwrap().len(), 7);
    let confirmation = &by_appointment["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "booking_confirmed")
        .unwrap()["id"];
    // The front desk sees who and when, not the bodies: they carry the couple's manage link.
    let path = format!("/api/v1/emails/{}", confirmation.as_str().unwrap());
    let meta = assert_status(app.get_as(&assistant, &path).await, StatusCode::OK).await;
    assert_eq!(meta["body_hidden"], true);
    assert!(meta["text"].is_null() && meta["html"].is_null());
    assert_eq!(meta["attachments"], json!([]));
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let one = assert_status(app.get_as(&owner, &path).await, StatusCode::OK).await;
    assert!(one["text"].as_str().unwrap().contains("/booking/atm_"));
    assert_eq!(one["attachments"][0]["filename"], "invite.ics");

    let intake = emails(&app, "kind=intake_ready").await;
    let intake_id = intake[0]["id"].as_str().unwrap();
    let hidden = assert_status(
        app.get_as(&assistant, &format!("/api/v1/emails/{intake_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hidden["body_hidden"], true);
    assert!(hidden["text"].is_null() && hidden["html"].is_null());
    let shown = assert_status(
        app.get_as(&owner, &format!("/api/v1/emails/{intake_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shown["text"], "intake text");
    assert_eq!(app.audit_events(&owner, "email.read").await.len(), 2);

    // Cancel a pending one; then it is no longer pending.
    let path = format!("/api/v1/emails/{intake_id}/cancel");
    let cancelled = assert_status(app.post_empty_as(&assistant, &path).await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_problem(
        app.post_empty_as(&assistant, &path).await,
        StatusCode::CONFLICT,
    )
    .await;

    for bad in [
        "status=lost",
        "kind=newsletter",
        "cursor=nonsense",
        "limit=0",
    ] {
        let p = assert_problem(
            app.get_as(&owner, &format!("/api/v1/emails?{bad}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        let field = bad.split('=').next().unwrap();
        assert!(p.to_string().contains(field), "{bad}: {p}");
    }
    assert_problem(
        app.get_as(&owner, &format!("/api/v1/emails/{}", uuid::Uuid::new_v4()))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn booking_through_the_pages_leaves_eml_files_when_mail_goes_to_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let target = mail_dir.clone();
    let app = TestApp::builder()
        .clock(Clock::manual(monday_morning()))
        .configure(move |c| c.mail.transport = attune::config::MailTransport::File(target))
        .mail_worker()
        .spawn()
        .await;
    // Booked through the form a client uses; the sender in the background writes the files.
    let fields = crate::book_pages::form("2026-12-08T09:00:00+00:00", "form-key-1");
    let r = crate::book_pages::post_form(&app, "/book/free-consultation", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The confirmation and the couples intake to Jane (the partner left no email), and the
    // practitioner's notice.
    let files = wait_for_files(&mail_dir, 3).await;
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert!(
        texts.iter().any(|t| t.contains("/intake/ati_")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("is booked")
            && t.contains("To: \"Jane Doe\" <jane@example.org>")
            || t.contains("is booked") && t.contains("Jane Doe <jane@example.org>")),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t.contains("New booking")), "{texts:?}");
}

async fn wait_for_files(dir: &std::path::Path, at_least: usize) -> Vec<std::path::PathBuf> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "eml"))
                    .collect()
            })
            .unwrap_or_default();
        if files.len() >= at_least || std::time::Instant::now() > deadline {
            return files;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn each_appointment_type_sets_its_own_reminder_times() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let types = assert_status(
        app.get_as(&owner, "/api/v1/appointment-types").await,
        StatusCode::OK,
    )
    .await;
    let consultation = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "free-consultation")
        .unwrap();
    assert_eq!(
        consultation["reminder_minutes"],
        serde_json::json!([1440, 120])
    );
    let path = format!(
        "/api/v1/appointment-types/{}",
        consultation["id"].as_str().unwrap()
    );
    for (bad, why) in [
        (serde_json::json!([1]), "too soon"),
        (serde_json::json!([20161]), "too far"),
        (serde_json::json!([60, 120, 180, 240, 300, 360]), "too many"),
    ] {
        let p = assert_problem(
            app.send_as(
                &owner,
                reqwest::Method::PATCH,
                &path,
                serde_json::json!({"reminder_minutes": bad}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            crate::common::error_fields(&p),
            vec!["reminder_minutes"],
            "{why}: {p}"
        );
    }
    let changed = assert_status(
        app.send_as(
            &owner,
            reqwest::Method::PATCH,
            &path,
            serde_json::json!({"reminder_minutes": [30, 180, 30]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["reminder_minutes"], serde_json::json!([180, 30]));

    app.book_ok(&couple_booking(START)).await;
    let mut at: Vec<DateTime<Utc>> = emails(&app, "kind=reminder")
        .await
        .iter()
        .map(|r| instant(&r["scheduled_at"]))
        .collect();
    at.sort();
    at.dedup();
    let start: DateTime<Utc> = START.parse().unwrap();
    assert_eq!(
        at,
        vec![start - TimeDelta::hours(3), start - TimeDelta::minutes(30)]
    );
}
