//! Video sessions: each appointment its own room, each partner their own join link that
//! opens 15 minutes before, asks once where they are and sends them on; the place kept, and
//! flagged when it is outside where the practitioner is licensed.

use attune::auth::Role;
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, assert_problem, assert_status,
    calendar::{parse_calendar, prop},
    error_fields,
    scheduling::{couple_booking, monday_morning},
    smtp::SmtpServer,
};

/// Tuesday 8 December 2026, 14:00 UTC: the (video) consultation.
const START: &str = "2026-12-08T14:00:00Z";
const TEMPLATE: &str = "https://meet.example.org/{room}";

async fn video_app(smtp: Option<&SmtpServer>) -> (TestApp, attune::clock::Clock, Caller) {
    let clock = attune::clock::Clock::manual(monday_morning());
    let mut builder = TestApp::builder()
        .clock(clock.clone())
        .configure(|c| c.auth.session_idle = std::time::Duration::from_secs(14 * 86_400));
    if let Some(smtp) = smtp {
        builder = builder.smtp(smtp);
    }
    let app = builder.spawn().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            "/api/v1/practice",
            json!({"video_room_template": TEMPLATE}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    (app, clock, owner)
}

async fn appointment(app: &TestApp, caller: &Caller, id: &str) -> Value {
    assert_status(
        app.get_as(caller, &format!("/api/v1/appointments/{id}"))
            .await,
        StatusCode::OK,
    )
    .await
}

/// Every `/join/…` address in `text`, in order, each once.
fn join_links(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices("/join/atj_") {
        let token: String = text[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !out.contains(&token) {
            out.push(token);
        }
    }
    out
}

/// The manage page's join links: Jane's, then Sam's.
async fn partner_links(app: &TestApp, booked: &Value) -> Vec<String> {
    let token = booked["manage_token"].as_str().unwrap();
    let page = app
        .get_html(&format!("/booking/{token}"), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Join as Jane") && page.contains("Join as Sam"),
        "{page}"
    );
    join_links(&page)
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn each_video_appointment_has_its_own_room_and_each_partner_their_own_link() {
    let smtp = SmtpServer::start().await;
    let (app, _, owner) = video_app(Some(&smtp)).await;
    let first = app.book_ok(&couple_booking(START)).await;
    let mut other = couple_booking("2026-12-09T14:00:00Z");
    other["email"] = json!("alex@example.org");
    other["partner_email"] = json!("robin@example.org");
    let second = app.book_ok(&other).await;

    let a = appointment(&app, &owner, first["id"].as_str().unwrap()).await;
    let b = appointment(&app, &owner, second["id"].as_str().unwrap()).await;
    let room_a = a["video_room_url"].as_str().unwrap().to_owned();
    let room_b = b["video_room_url"].as_str().unwrap().to_owned();
    assert_ne!(room_a, room_b, "never one room for every client");
    let name = room_a.strip_prefix("https://meet.example.org/").unwrap();
    assert!(
        name.len() >= 32 && name.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    assert!(!room_a.to_lowercase().contains("jane"));
    assert_eq!(app.audit_events(&owner, "video.room_shown").await.len(), 2);
    // The front desk sees the appointment, not its room.
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    assert_eq!(
        appointment(&app, &assistant, first["id"].as_str().unwrap()).await["video_room_url"],
        Value::Null
    );

    // Each partner's own link, on the manage page and in their own confirmation.
    let links = partner_links(&app, &first).await;
    assert_eq!(links.len(), 2);
    app.dispatch_pending_emails().await;
    for (address, own, theirs) in [
        ("jane@example.org", &links[0], &links[1]),
        ("sam@example.org", &links[1], &links[0]),
    ] {
        let mail = smtp
            .received_by(address)
            .into_iter()
            .find(|m| m.raw.contains("is booked"))
            .unwrap();
        let parsed = mailparse::parse_mail(mail.raw.as_bytes()).unwrap();
        let text = part(&parsed, "text/plain").unwrap();
        assert!(text.contains(&format!("/join/{own}")), "{text}");
        assert!(!text.contains(theirs.as_str()));
        assert!(
            !text.contains("meet.example.org"),
            "the room is reached through the link"
        );
        let calendar = parse_calendar(&part(&parsed, "text/calendar").unwrap());
        let event = &calendar.events[0];
        assert!(
            prop(&event.properties, "LOCATION")
                .unwrap()
                .ends_with(&format!("/join/{own}")),
            "{:?}",
            prop(&event.properties, "LOCATION")
        );
    }
    // Their reminders carry the same link.
    let reminders = assert_status(
        app.get_as(
            &owner,
            &format!(
                "/api/v1/emails?kind=reminder&appointment_id={}",
                first["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let janes = reminders["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["recipient"] == "jane@example.org")
        .unwrap();
    let body = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/emails/{}", janes["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/join/{}", links[0]))
    );

    // The practitioner's feed says "video", never the room or a join link.
    let p = a["practitioner_id"].as_str().unwrap();
    let feed = app.issue_feed(&owner, p, json!({})).await;
    let text = app.feed_text(feed["url"].as_str().unwrap()).await;
    assert!(
        !text.contains("meet.example.org") && !text.contains("/join/"),
        "{text}"
    );
}

/// The MIME part of `mail` with type `mime`, decoded.
fn part(mail: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
    if mail.subparts.is_empty() {
        return (mail.ctype.mimetype == mime).then(|| mail.get_body().unwrap());
    }
    mail.subparts.iter().find_map(|p| part(p, mime))
}

#[tokio::test]
async fn the_join_link_opens_in_its_window_asks_once_where_and_sends_them_to_the_room() {
    let (app, clock, owner) = video_app(None).await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let id = booked["id"].as_str().unwrap();
    let links = partner_links(&app, &booked).await;
    let jane = format!("/join/{}", links[0]);
    let room = appointment(&app, &owner, id).await["video_room_url"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = |path: String| {
        let app = &app;
        async move { app.get_html(&path, None).await }
    };

    // A day early: when it is, and nothing of the room.
    let early = page(jane.clone()).await;
    assert_eq!(early.status(), StatusCode::OK);
    let text = early.text().await.unwrap();
    assert!(
        text.contains("Tuesday 8 December 2026") && text.contains("15 minutes before"),
        "{text}"
    );
    assert!(!text.contains("meet.example.org"));
    assert!(!text.contains("Where are you"));
    let refused = app
        .post_html(&jane, None, &[("country", "US"), ("region", "US-NY")])
        .await;
    assert_eq!(refused.status(), StatusCode::OK);
    assert!(appointment(&app, &owner, id).await["joined"] == json!([]));

    // Ten minutes before: where are you?
    let start: DateTime<Utc> = START.parse().unwrap();
    clock.set(start - Duration::minutes(10));
    let ask = page(jane.clone()).await.text().await.unwrap();
    assert!(ask.contains("Where are you right now?"), "{ask}");
    assert!(ask.contains("<option value=\"US-NY\">New York</option>"));
    for (fields, field) in [
        (vec![("country", "US"), ("region", "")], "region"),
        (vec![("country", "US"), ("region", "CA-ON")], "region"),
        (vec![("country", "Atlantis"), ("region", "")], "country"),
        (vec![], "country"),
    ] {
        let r = app.post_html(&jane, None, &fields).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!("id=\"{field}-error\"")),
            "{fields:?}: {html}"
        );
        assert!(!html.contains("meet.example.org"));
    }
    let joined = app
        .post_html(&jane, None, &[("country", "US"), ("region", "US-NY")])
        .await;
    assert_eq!(joined.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&joined), room);
    // Asked once: back again, straight to the room.
    let again = page(jane.clone()).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), room);

    let got = appointment(&app, &owner, id).await;
    let recorded = &got["joined"][0];
    assert_eq!(recorded["country"], "US");
    assert_eq!(recorded["region"], "US-NY");
    assert_eq!(recorded["place"], "New York, United States");
    assert_eq!(recorded["outside_licence"], false);
    assert_eq!(
        recorded["joined_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        start - Duration::minutes(10)
    );
    assert_eq!(
        got["joined"].as_array().unwrap().len(),
        1,
        "Sam has not joined"
    );
    assert_eq!(app.audit_events(&owner, "video.join").await.len(), 1);

    // Once it is over: when it was, and nothing of the room.
    clock.set(start + Duration::hours(1));
    let over = page(format!("/join/{}", links[1]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        over.contains("has ended") && !over.contains("meet.example.org"),
        "{over}"
    );
    let unknown = page("/join/atj_nothing".to_owned()).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_partner_joining_from_outside_the_practitioners_licence_is_flagged() {
    let (app, clock, owner) = video_app(None).await;
    let couple = app.couple_in_care(START).await;
    let p = app.first_practitioner_id().await;
    let path = format!("/api/v1/practitioners/{p}");
    for (body, field) in [
        (json!({"licensed_in": ["US-ZZ"]}), "licensed_in"),
        (json!({"licensed_in": ["Narnia"]}), "licensed_in"),
        (json!({"video_link": "http://doxy.me/x"}), "video_link"),
    ] {
        let problem = assert_problem(
            app.send_as(&owner, Method::PATCH, &path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let problem = assert_problem(
        app.send_as(
            &owner,
            Method::PATCH,
            "/api/v1/practice",
            json!({"video_room_template": "https://meet.example.org/shared"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["video_room_template"]);
    let saved = assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"licensed_in": ["us-ny", "CA-ON"]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["licensed_in"], json!(["CA-ON", "US-NY"]));

    let booked = app
        .get_as(
            &owner,
            &format!("/api/v1/appointments/{}", couple.appointment),
        )
        .await;
    assert_eq!(booked.status(), StatusCode::OK);
    let token = {
        // The couple's manage link, read back the way the confirmation carries it.
        let emails = assert_status(
            app.get_as(&owner, "/api/v1/emails?kind=booking_confirmed")
                .await,
            StatusCode::OK,
        )
        .await;
        let id = emails["items"][0]["id"].as_str().unwrap().to_owned();
        let body = assert_status(
            app.get_as(&owner, &format!("/api/v1/emails/{id}")).await,
            StatusCode::OK,
        )
        .await;
        let text = body["text"].as_str().unwrap().to_owned();
        let i = text.find("/booking/atm_").unwrap();
        text[i + 9..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect::<String>()
    };
    let links = partner_links(&app, &json!({ "manage_token": token })).await;
    let start: DateTime<Utc> = START.parse().unwrap();
    clock.set(start - Duration::minutes(5));
    // Jane is in New York, where the practitioner is licensed; Sam is across the river.
    for (link, region) in [(&links[0], "US-NY"), (&links[1], "US-NJ")] {
        let r = app
            .post_html(
                &format!("/join/{link}"),
                None,
                &[("country", "US"), ("region", region)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let got = appointment(&app, &owner, &couple.appointment).await;
    let outside: Vec<(String, bool)> = got["joined"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            (
                j["region"].as_str().unwrap().to_owned(),
                j["outside_licence"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        outside.contains(&("US-NY".to_owned(), false)),
        "{outside:?}"
    );
    assert!(outside.contains(&("US-NJ".to_owned(), true)), "{outside:?}");

    let flag = "Joined from outside licensed jurisdictions";
    let agenda = app
        .page(&couple.clinician, "/admin?from=2026-12-08")
        .await
        .text()
        .await
        .unwrap();
    assert!(agenda.contains(flag), "{agenda}");
    let page = app
        .page(
            &couple.clinician,
            &format!("/admin/appointments/{}", couple.appointment),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("New Jersey, United States") && page.contains("Outside licensed"),
        "{page}"
    );
    assert!(page.contains("Open the video room"));

    // The telehealth note's header shows where each partner was.
    clock.set(start + Duration::minutes(20));
    let note = assert_status(
        app.write_note(
            &couple.clinician,
            &couple.client,
            json!({"format": "free", "appointment_id": couple.appointment, "content": {"text": "First call."}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let editor = app
        .page(
            &couple.clinician,
            &format!("/admin/notes/{}", note["id"].as_str().unwrap()),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        editor.contains("joined from <strong>New York, United States</strong>"),
        "{editor}"
    );
    assert!(editor.contains("joined from <strong>New Jersey, United States</strong>"));

    // A practitioner's fixed link takes the place of the template for their sessions.
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"video_link": "https://doxy.me/dr-levin"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        appointment(&app, &owner, &couple.appointment).await["video_room_url"],
        "https://doxy.me/dr-levin"
    );
}

#[tokio::test]
async fn the_owner_sets_rooms_and_licences_from_the_dashboard() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let practice = [
        ("name", "My Practice"),
        ("time_zone", "UTC"),
        ("contact_email", ""),
        (
            "video_room_template",
            "https://meet.example.org/shared-room",
        ),
    ];
    let r = app
        .submit(&owner, "/admin/settings/practice", &practice)
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("{room}"));
    let mut practice = practice;
    practice[3].1 = TEMPLATE;
    let r = app
        .submit(&owner, "/admin/settings/practice", &practice)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let settings =
        assert_status(app.get_as(&owner, "/api/v1/practice").await, StatusCode::OK).await;
    assert_eq!(settings["video_room_template"], TEMPLATE);

    let path = format!("/admin/settings/practitioners/{p}");
    let mut fields = vec![
        ("name", "Practitioner"),
        ("email", "practitioner@example.org"),
        ("time_zone", "UTC"),
        ("active", "1"),
        ("video_link", ""),
        ("licensed_in", "US-NY, Atlantis"),
    ];
    let r = app.submit(&owner, &path, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("ATLANTIS") && html.contains("is not a country code"),
        "{html}"
    );
    fields[5].1 = "US-NY, ca-on";
    let r = app.submit(&owner, &path, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let saved = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{p}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["licensed_in"], json!(["CA-ON", "US-NY"]));
    assert_eq!(saved["video_link"], Value::Null);
}
