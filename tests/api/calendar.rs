//! Calendar apps as users: the subscription feed, the booking's event file, and busy times
//! imported from the practitioner's other calendars.

use attune::auth::Role;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, assert_problem, assert_status,
    calendar::{
        CalendarServer, assert_well_formed, parse_calendar, practitioner_user, prop, unescape,
    },
    error_fields,
    scheduling::couple_booking,
};

/// An app at Monday morning with the owner signed in, a feed for the first practitioner, and
/// one couple booked on Tuesday 09:00 UTC.
async fn with_feed(settings: Value) -> (TestApp, Caller, String, Value, Value) {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let feed = app.issue_feed(&owner, &p, settings).await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    (app, owner, p, feed, booked)
}

fn feed_url(feed: &Value) -> String {
    feed["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_feed_is_a_calendar_with_every_property_a_subscriber_needs() {
    let (app, _, _, feed, booked) = with_feed(json!({})).await;
    let url = feed_url(&feed);
    assert!(
        url.starts_with(&app.url("/calendar/acf_")) && url.ends_with(".ics"),
        "{url}"
    );
    assert_eq!(feed["webcal_url"], url.replacen("http://", "webcal://", 1));
    assert_eq!(feed["detail"], "minimal");
    assert_eq!(feed["rotated"], false);

    let response = app.fetch_feed(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(headers["cache-control"], "private, max-age=300");
    assert!(headers.contains_key("etag") && headers.contains_key("last-modified"));
    let text = response.text().await.unwrap();
    assert_well_formed(&text);

    let cal = parse_calendar(&text);
    let head = &cal.properties;
    assert_eq!(prop(head, "VERSION"), Some("2.0"));
    assert!(prop(head, "PRODID").unwrap().contains("Attune"));
    assert_eq!(prop(head, "CALSCALE"), Some("GREGORIAN"));
    assert_eq!(prop(head, "METHOD"), Some("PUBLISH"));
    assert_eq!(
        prop(head, "X-WR-CALNAME"),
        Some("My Practice — Practitioner")
    );
    assert_eq!(prop(head, "X-WR-TIMEZONE"), Some("UTC"));
    assert_eq!(prop(head, "REFRESH-INTERVAL"), Some("PT15M"));
    assert!(text.contains("\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n"));
    assert_eq!(prop(head, "X-PUBLISHED-TTL"), Some("PT15M"));

    assert_eq!(cal.events.len(), 1);
    let e = &cal.events[0].properties;
    let id = booked["id"].as_str().unwrap();
    assert_eq!(prop(e, "UID"), Some(format!("{id}@127.0.0.1").as_str()));
    assert_eq!(prop(e, "DTSTART"), Some("20261208T090000Z"));
    assert_eq!(prop(e, "DTEND"), Some("20261208T091500Z"));
    assert_eq!(prop(e, "DTSTAMP"), Some("20261207T080000Z"));
    assert_eq!(prop(e, "CREATED"), Some("20261207T080000Z"));
    assert_eq!(prop(e, "LAST-MODIFIED"), Some("20261207T080000Z"));
    assert_eq!(prop(e, "SEQUENCE"), Some("0"));
    assert_eq!(prop(e, "STATUS"), Some("CONFIRMED"));
    assert_eq!(prop(e, "TRANSP"), Some("OPAQUE"));
    assert_eq!(prop(e, "LOCATION"), Some("Video call"));
    let dashboard = app.url(&format!("/admin/appointments/{id}"));
    assert_eq!(prop(e, "DESCRIPTION").map(unescape), Some(dashboard));
    let summary = unescape(prop(e, "SUMMARY").unwrap());
    assert!(
        summary.starts_with("Free 15-minute consultation — C-"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_minimal_feed_names_no_one_and_initials_name_only_initials() {
    let (app, owner, p, feed, _) = with_feed(json!({})).await;
    let text = app.feed_text(&feed_url(&feed)).await;
    let private = [
        "Jane",
        "Doe",
        "Sam",
        "Roe",
        "jane@example.org",
        "sam@example.org",
        "010 0199",
        "affair",
    ];
    for word in private {
        assert!(
            !text.contains(word),
            "the minimal feed says {word:?}:\n{text}"
        );
    }
    // The reference leads staff to the client.
    let summary = unescape(prop(&parse_calendar(&text).events[0].properties, "SUMMARY").unwrap());
    let reference = summary.rsplit(' ').next().unwrap();
    let found = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients?q={reference}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(found["items"][0]["reference"], reference);
    assert_eq!(found["items"][0]["name"], "Jane Doe & Sam Roe");

    let changed = assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &format!("/api/v1/practitioners/{p}/calendar-feed"),
            json!({"detail": "initials"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["detail"], "initials");
    // The same address, now with initials.
    let text = app.feed_text(&feed_url(&feed)).await;
    let summary = unescape(prop(&parse_calendar(&text).events[0].properties, "SUMMARY").unwrap());
    assert_eq!(summary, "Free 15-minute consultation — J. D. & S. R.");
    for word in private {
        assert!(!text.contains(word), "the initials feed says {word:?}");
    }
}

#[tokio::test]
async fn full_names_are_for_the_owner_to_turn_on_and_are_audited() {
    let (app, owner, p, feed, _) = with_feed(json!({})).await;
    let clinician = practitioner_user(&app, &owner, &p).await;
    let path = format!("/api/v1/practitioners/{p}/calendar-feed");
    let refused = assert_problem(
        app.send_as(&clinician, Method::PATCH, &path, json!({"detail": "full"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&refused), ["detail"]);
    // The clinician may still use the other levels of their own feed.
    assert_status(
        app.send_as(
            &clinician,
            Method::PATCH,
            &path,
            json!({"detail": "initials"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    assert_status(
        app.send_as(&owner, Method::PATCH, &path, json!({"detail": "full"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let text = app.feed_text(&feed_url(&feed)).await;
    let summary = unescape(prop(&parse_calendar(&text).events[0].properties, "SUMMARY").unwrap());
    assert_eq!(summary, "Free 15-minute consultation — Jane Doe & Sam Roe");
    // Still no contact details or anything clinical.
    assert!(!text.contains("jane@example.org") && !text.contains("affair"));

    let events = app.audit_events(&owner, "calendar_feed.update").await;
    assert!(
        events.iter().any(|e| e["details"]["detail"] == "full"),
        "{events:?}"
    );
}

#[tokio::test]
async fn either_validator_answers_304_and_a_change_gives_a_new_etag() {
    let (app, _, _, feed, _) = with_feed(json!({})).await;
    let url = feed_url(&feed);
    let first = app.fetch_feed(&url).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = first.text().await.unwrap();

    let again = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.text().await.unwrap().is_empty());

    let since = app
        .client
        .get(&url)
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(since.status(), StatusCode::NOT_MODIFIED);
    assert!(since.text().await.unwrap().is_empty());

    // HEAD: the headers, no body.
    let head = app.client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["etag"].to_str().unwrap(), etag);
    assert!(head.text().await.unwrap().is_empty());

    // Unchanged content renders the same bytes.
    assert_eq!(app.feed_text(&url).await, body);

    // A new booking: the old validators no longer match.
    let mut other = couple_booking("2026-12-09T10:00:00Z");
    other["email"] = json!("other@example.org");
    app.book_ok(&other).await;
    let changed = app
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        parse_calendar(&changed.text().await.unwrap()).events.len(),
        2
    );
}

#[tokio::test]
async fn a_deleted_time_off_changes_last_modified_too() {
    let (app, owner, p, feed, _) = with_feed(json!({"include_time_off": true})).await;
    let url = feed_url(&feed);
    let added = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-10T00:00:00Z", "ends_at": "2026-12-11T00:00:00Z", "note": "Surgery"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let first = app.fetch_feed(&url).await;
    let modified = first.headers()["last-modified"]
        .to_str()
        .unwrap()
        .to_owned();
    let text = first.text().await.unwrap();
    assert!(text.contains("SUMMARY:Time off\r\n"));
    assert!(!text.contains("Surgery"), "the note is for staff only");

    // Removing a row leaves no newer timestamp behind; the feed must still not answer 304.
    assert_status(
        app.delete_as(
            &owner,
            &format!(
                "/api/v1/practitioners/{p}/time-off/{}",
                added["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    // The clock has not moved: within the same second, Last-Modified must still advance.
    let after = app
        .client
        .get(&url)
        .header("if-modified-since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::OK);
    assert!(!after.text().await.unwrap().contains("Time off"));
}

#[tokio::test]
async fn rotating_kills_the_old_address_and_revoking_the_new_one() {
    let (app, owner, p, feed, _) = with_feed(json!({"detail": "initials"})).await;
    let old = feed_url(&feed);
    assert_eq!(app.fetch_feed(&old).await.status(), StatusCode::OK);

    let rotated = app.issue_feed(&owner, &p, json!({})).await;
    assert_eq!(rotated["rotated"], true);
    assert_eq!(rotated["detail"], "initials", "settings survive a rotation");
    let new = feed_url(&rotated);
    assert_ne!(new, old);
    let gone = app.fetch_feed(&old).await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let gone_body = gone.text().await.unwrap();
    assert_eq!(app.fetch_feed(&new).await.status(), StatusCode::OK);

    // An address that never existed looks exactly the same.
    let never = app
        .fetch_feed(&app.url(&format!("/calendar/acf_{}.ics", "x".repeat(43))))
        .await;
    assert_eq!(never.status(), StatusCode::NOT_FOUND);
    let never_body: Value = serde_json::from_str(&never.text().await.unwrap()).unwrap();
    let gone_body: Value = serde_json::from_str(&gone_body).unwrap();
    assert_eq!(never_body["detail"], gone_body["detail"]);
    assert_eq!(never_body["type"], gone_body["type"]);
    for odd in ["/calendar/nothing", "/calendar/acf_x", "/calendar/.ics"] {
        assert_eq!(
            app.fetch_feed(&app.url(odd)).await.status(),
            StatusCode::NOT_FOUND,
            "{odd}"
        );
    }

    let state = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{p}/calendar-feed"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(state["exists"], true);
    assert!(state["last_fetched_at"].is_string());
    assert!(state.get("url").is_none(), "the address is shown only once");

    assert_status(
        app.delete_as(&owner, &format!("/api/v1/practitioners/{p}/calendar-feed"))
            .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(app.fetch_feed(&new).await.status(), StatusCode::NOT_FOUND);
    let state = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{p}/calendar-feed"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(state["exists"], false);
    assert_problem(
        app.delete_as(&owner, &format!("/api/v1/practitioners/{p}/calendar-feed"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for action in [
        "calendar_feed.create",
        "calendar_feed.rotate",
        "calendar_feed.revoke",
    ] {
        assert_eq!(app.audit_events(&owner, action).await.len(), 1, "{action}");
    }
}

#[tokio::test]
async fn a_reschedule_raises_sequence_and_keeps_uid_and_a_cancellation_shows() {
    let (app, _, _, feed, booked) = with_feed(json!({})).await;
    let url = feed_url(&feed);
    let token = booked["manage_token"].as_str().unwrap();
    let event = |text: &str| parse_calendar(text).events[0].properties.clone();
    let before = event(&app.feed_text(&url).await);

    assert_status(
        app.reschedule_booking(token, "2026-12-09T11:00:00Z").await,
        StatusCode::OK,
    )
    .await;
    let moved = event(&app.feed_text(&url).await);
    assert_eq!(prop(&moved, "UID"), prop(&before, "UID"));
    assert_eq!(prop(&moved, "DTSTART"), Some("20261209T110000Z"));
    assert_eq!(prop(&moved, "SEQUENCE"), Some("1"));

    assert_status(app.cancel_booking(token).await, StatusCode::OK).await;
    let cancelled = event(&app.feed_text(&url).await);
    assert_eq!(prop(&cancelled, "UID"), prop(&before, "UID"));
    assert_eq!(prop(&cancelled, "STATUS"), Some("CANCELLED"));
    assert_eq!(prop(&cancelled, "SEQUENCE"), Some("2"));
}

#[tokio::test]
async fn cancelled_appointments_leave_the_feed_after_thirty_days() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let url = feed_url(&app.issue_feed(&owner, &p, json!({})).await);
    // Booked well ahead, cancelled at once.
    let booked = app.book_ok(&couple_booking("2027-01-26T09:00:00Z")).await;
    let token = booked["manage_token"].as_str().unwrap();
    app.cancel_booking(token).await;
    clock.advance(TimeDelta::days(29));
    assert_eq!(parse_calendar(&app.feed_text(&url).await).events.len(), 1);
    clock.advance(TimeDelta::days(2));
    assert_eq!(parse_calendar(&app.feed_text(&url).await).events.len(), 0);
}

#[tokio::test]
async fn long_names_with_commas_and_emoji_fold_and_read_back() {
    let (app, owner, _, feed, _) = with_feed(json!({})).await;
    let types = assert_status(
        app.get_as(&owner, "/api/v1/appointment-types").await,
        StatusCode::OK,
    )
    .await;
    let ty = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "free-consultation")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = "Free consultation, first visit; bring questions 💬👩‍❤️‍👨 — réservée, très bien";
    let place = "Suite 3, 12 Harbor Street; ring twice 🔔 — the café on the corner, then left";
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &format!("/api/v1/appointment-types/{ty}"),
            json!({"name": name, "location_details": place}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let text = app.feed_text(&feed_url(&feed)).await;
    assert_well_formed(&text);
    assert!(
        text.lines().filter(|l| l.starts_with(' ')).count() >= 2,
        "folded"
    );
    let e = &parse_calendar(&text).events[0].properties;
    assert!(unescape(prop(e, "SUMMARY").unwrap()).starts_with(&format!("{name} — C-")));
    assert_eq!(unescape(prop(e, "LOCATION").unwrap()), place);
    assert!(text.contains(r"Free consultation\, first visit\; bring"));
}

#[tokio::test]
async fn the_booking_file_is_one_event_with_the_feeds_uid_and_the_manage_link() {
    let (app, _, _, feed, booked) = with_feed(json!({})).await;
    let token = booked["manage_token"].as_str().unwrap();
    let url = booked["ics_url"].as_str().unwrap();
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("appointment.ics")
    );
    let text = response.text().await.unwrap();
    assert_well_formed(&text);
    let cal = parse_calendar(&text);
    assert_eq!(prop(&cal.properties, "METHOD"), Some("PUBLISH"));
    assert_eq!(cal.events.len(), 1);
    let e = &cal.events[0].properties;
    let in_feed = parse_calendar(&app.feed_text(&feed_url(&feed)).await);
    assert_eq!(prop(e, "UID"), prop(&in_feed.events[0].properties, "UID"));
    let organizer = e.iter().find(|p| p.name == "ORGANIZER").unwrap();
    assert_eq!(
        organizer.value.as_deref(),
        Some("mailto:practitioner@example.org")
    );
    assert!(text.contains("ORGANIZER;CN=\"My Practice\":mailto:"));
    assert_eq!(prop(e, "LOCATION"), Some("Video call"));
    let description = unescape(prop(e, "DESCRIPTION").unwrap());
    assert!(
        description.contains(&app.url(&format!("/booking/{token}"))),
        "{description}"
    );
    assert_eq!(
        prop(e, "URL"),
        Some(app.url(&format!("/booking/{token}")).as_str())
    );
    assert!(!text.contains("ATTENDEE"), "a downloaded file lists no one");
    assert!(!text.contains("affair"));

    assert_problem(
        app.get(&format!(
            "/api/v1/public/bookings/atm_{}/ics",
            "x".repeat(43)
        ))
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn only_the_owner_or_the_practitioners_own_account_manage_a_feed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let path = format!("/api/v1/practitioners/{p}/calendar-feed");
    for role in [Role::Assistant, Role::Clinician] {
        let (_, other) = app.signed_in(role).await;
        assert_problem(
            app.send_as(&other, Method::POST, &path, json!({})).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(app.get_as(&other, &path).await, StatusCode::FORBIDDEN).await;
    }
    let own = practitioner_user(&app, &owner, &p).await;
    assert_status(
        app.send_as(&own, Method::POST, &path, json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!(
                "/api/v1/practitioners/{}/calendar-feed",
                uuid::Uuid::new_v4()
            ),
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let bad = assert_problem(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"detail": "everything"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["detail"]);
}

// --- Busy times from other calendars -------------------------------------------------------

/// Tuesday 8 December 2026, 13:00–15:00 UTC busy elsewhere.
const TUESDAY_AFTERNOON: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:dentist@example.com\r\nDTSTART:20261208T130000Z\r\nDTEND:20261208T150000Z\r\n\
SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

/// Wednesday 9 December 2026, 10:00–11:00 UTC instead.
const WEDNESDAY_MORNING: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n\
BEGIN:VEVENT\r\nUID:school@example.com\r\nDTSTART:20261209T100000Z\r\nDTEND:20261209T110000Z\r\n\
SUMMARY:School play\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn offered(app: &TestApp, day: &str) -> Vec<String> {
    app.slots("free-consultation", day, day, Some("UTC"))
        .await
        .iter()
        .map(|s| s["start"].as_str().unwrap()[11..16].to_owned())
        .collect()
}

async fn add_busy(app: &TestApp, caller: &Caller, p: &str, body: Value) -> reqwest::Response {
    app.send_as(
        caller,
        Method::POST,
        &format!("/api/v1/practitioners/{p}/busy-calendars"),
        body,
    )
    .await
}

#[tokio::test]
async fn an_uploaded_calendar_takes_its_busy_times_out_of_the_offer() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let before = offered(&app, "2026-12-08").await;
    assert!(before.contains(&"13:00".to_owned()) && before.contains(&"14:45".to_owned()));

    let added = assert_status(
        add_busy(
            &app,
            &owner,
            &p,
            json!({"ics": TUESDAY_AFTERNOON, "label": "Personal"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["status"], "ok");
    assert_eq!(added["kind"], "upload");
    assert_eq!(added["label"], "Personal");
    assert_eq!(added["busy_blocks"], 1);
    let after = offered(&app, "2026-12-08").await;
    for gone in ["13:00", "13:30", "14:45"] {
        assert!(
            !after.contains(&gone.to_owned()),
            "{gone} still offered: {after:?}"
        );
    }
    // Up to the busy time and from its end, as with any appointment.
    assert!(after.contains(&"12:45".to_owned()) && after.contains(&"15:00".to_owned()));
    // A booking of a blocked time is refused too, as taken (saying nothing of why).
    let refused = assert_problem(
        app.book(&couple_booking("2026-12-08T13:30:00Z")).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["reason"], "slot_taken");
    // The event's title is not kept anywhere.
    let listed = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{p}/busy-calendars"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains("Dentist"));

    // Removed: the times come back.
    let id = added["id"].as_str().unwrap();
    assert_status(
        app.delete_as(
            &owner,
            &format!("/api/v1/practitioners/{p}/busy-calendars/{id}"),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_eq!(offered(&app, "2026-12-08").await, before);
    assert_eq!(
        app.audit_events(&owner, "busy_calendar.create").await.len(),
        1
    );
    assert_eq!(
        app.audit_events(&owner, "busy_calendar.delete").await.len(),
        1
    );
}

/// An app that may fetch from loopback, where the test's calendar server runs.
async fn fetching_app() -> (TestApp, Caller, String) {
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock)
        .configure(|c| {
            c.calendar.busy_allow_private = true;
            c.calendar.busy_fetch_timeout = std::time::Duration::from_secs(2);
        })
        .spawn()
        .await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    (app, owner, p)
}

#[tokio::test]
async fn a_subscribed_calendar_is_fetched_conditionally_and_keeps_its_last_good_copy() {
    let (app, owner, p) = fetching_app().await;
    let server = CalendarServer::start(TUESDAY_AFTERNOON).await;
    let added = assert_status(
        add_busy(&app, &owner, &p, json!({"url": server.url})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["status"], "ok", "{added}");
    assert_eq!(added["kind"], "url");
    assert_eq!(added["busy_blocks"], 1);
    assert_eq!(added["url_display"], "http://127.0.0.1/…");
    assert!(
        !added.to_string().contains("calendar.ics"),
        "the address is not shown"
    );
    assert!(
        !offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );
    let refresh = format!(
        "/api/v1/practitioners/{p}/busy-calendars/{}/refresh",
        added["id"].as_str().unwrap()
    );
    let refresh_now =
        || async { assert_status(app.post_empty_as(&owner, &refresh).await, StatusCode::OK).await };

    // Unchanged: a conditional request, answered 304.
    let again = refresh_now().await;
    assert_eq!(again["status"], "ok");
    assert_eq!(server.requests(), [None, Some("\"v1\"".to_owned())]);
    assert_eq!(again["busy_blocks"], 1);

    // A broken file: the error shows, the last good busy times still count.
    server.publish("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", "\"v2\"");
    let broken = refresh_now().await;
    assert_eq!(broken["status"], "error");
    assert!(
        broken["last_error"]
            .as_str()
            .unwrap()
            .contains("not valid iCalendar"),
        "{broken}"
    );
    assert!(broken["last_attempt_at"].is_string() && broken["last_success_at"].is_string());
    assert!(
        !offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );

    // A server error: the same.
    server.fail_with(503);
    let failed = refresh_now().await;
    assert_eq!(failed["status"], "error");
    assert!(
        failed["last_error"].as_str().unwrap().contains("503"),
        "{failed}"
    );
    assert!(
        !offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );

    // A new good version replaces the busy times.
    server.publish(WEDNESDAY_MORNING, "\"v3\"");
    let fixed = refresh_now().await;
    assert_eq!(fixed["status"], "ok");
    assert_eq!(fixed["last_error"], Value::Null);
    assert!(
        offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );
    assert!(
        !offered(&app, "2026-12-09")
            .await
            .contains(&"10:15".to_owned())
    );
}

#[tokio::test]
async fn the_background_refresh_fetches_sources_that_are_due() {
    let (app, owner, p) = fetching_app().await;
    let server = CalendarServer::start(TUESDAY_AFTERNOON).await;
    assert_status(
        add_busy(&app, &owner, &p, json!({"url": server.url})).await,
        StatusCode::CREATED,
    )
    .await;
    server.publish(WEDNESDAY_MORNING, "\"v2\"");
    // Not due yet.
    let now = app.state.clock.now();
    let done = attune::calendar::busy::refresh_due(&app.state.db, &app.state.busy, now)
        .await
        .unwrap();
    assert_eq!(done, 0);
    // Fifteen minutes on, it is.
    let later = now + TimeDelta::minutes(16);
    let done = attune::calendar::busy::refresh_due(&app.state.db, &app.state.busy, later)
        .await
        .unwrap();
    assert_eq!(done, 1);
    assert_eq!(server.requests().len(), 2);
    assert!(
        offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );
}

#[tokio::test]
async fn addresses_inside_the_servers_network_are_refused_by_default() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let server = CalendarServer::start(TUESDAY_AFTERNOON).await;
    let added = assert_status(
        add_busy(&app, &owner, &p, json!({"url": server.url})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["status"], "error");
    assert!(
        added["last_error"].as_str().unwrap().contains("private"),
        "{added}"
    );
    assert!(
        server.requests().is_empty(),
        "no request reached the server"
    );
    let named = assert_status(
        add_busy(&app, &owner, &p, json!({"url": "http://localhost:9/x.ics"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(named["status"], "error");
}

#[tokio::test]
async fn busy_calendar_input_is_checked_field_by_field() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    for (body, field) in [
        (json!({}), "url"),
        (
            json!({"url": "https://example.org/a.ics", "ics": TUESDAY_AFTERNOON}),
            "url",
        ),
        (json!({"url": "ftp://example.org/a.ics"}), "url"),
        (json!({"url": "not an address"}), "url"),
        (
            json!({"url": "https://user:secret@example.org/a.ics"}),
            "url",
        ),
        (json!({"ics": ""}), "ics"),
        (json!({"ics": "<html>Sign in</html>"}), "ics"),
        (json!({"ics": "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n"}), "ics"),
        (
            json!({"ics": TUESDAY_AFTERNOON, "label": "x".repeat(101)}),
            "label",
        ),
        (json!({"url": 42}), "url"),
    ] {
        let problem = assert_problem(
            add_busy(&app, &owner, &p, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_problem(
        add_busy(
            &app,
            &owner,
            &uuid::Uuid::new_v4().to_string(),
            json!({"ics": TUESDAY_AFTERNOON}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Ten at most.
    for _ in 0..10 {
        assert_status(
            add_busy(&app, &owner, &p, json!({"ics": TUESDAY_AFTERNOON})).await,
            StatusCode::CREATED,
        )
        .await;
    }
    assert_problem(
        add_busy(&app, &owner, &p, json!({"ics": TUESDAY_AFTERNOON})).await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn a_large_calendar_file_may_be_uploaded_but_not_an_enormous_one() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    // About 1.5 MiB: over the usual body limit, well within a calendar's.
    let mut big = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for i in 0..10_000 {
        big.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{i}@example.com\r\nDTSTART:20261208T130000Z\r\n\
             DTEND:20261208T150000Z\r\nSUMMARY:Meeting number {i} about the quarterly plans\r\nEND:VEVENT\r\n"
        ));
    }
    big.push_str("END:VCALENDAR\r\n");
    assert!(big.len() > 1_000_000);
    let added = assert_status(
        add_busy(&app, &owner, &p, json!({"ics": big})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(added["status"], "ok");
    let enormous = "X".repeat(8 * 1024 * 1024);
    assert_problem(
        add_busy(&app, &owner, &p, json!({"ics": enormous})).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
}

#[tokio::test]
async fn the_emailed_invitation_names_the_couple_and_its_withdrawal_cancels_it() {
    use attune::calendar::{
        booking_file::{BookingParts, render},
        render::Method as Ics,
    };
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let token = booked["manage_token"].as_str().unwrap();
    let file = |method| {
        let app = &app;
        async move {
            let m = attune::scheduling::booking::by_token(&app.state.db, token)
                .await
                .unwrap();
            render(
                &app.state.db,
                &app.state.public_url,
                &BookingParts {
                    appointment: &m.appointment,
                    appointment_type: &m.appointment_type,
                    practitioner: &m.practitioner,
                    manage_url: Some(app.url(&format!("/booking/{token}"))),
                    join_url: None,
                    attendee: None,
                },
                method,
                app.state.clock.now(),
            )
            .await
            .unwrap()
        }
    };
    let request = file(Ics::Request).await;
    assert_well_formed(&request);
    let cal = parse_calendar(&request);
    assert_eq!(prop(&cal.properties, "METHOD"), Some("REQUEST"));
    let attendees: Vec<_> = cal.events[0]
        .properties
        .iter()
        .filter(|p| p.name == "ATTENDEE")
        .map(|p| p.value.clone().unwrap())
        .collect();
    assert_eq!(
        attendees,
        ["mailto:jane@example.org", "mailto:sam@example.org"]
    );
    assert_eq!(prop(&cal.events[0].properties, "SEQUENCE"), Some("0"));

    app.cancel_booking(token).await;
    let cancel = parse_calendar(&file(Ics::Cancel).await);
    assert_eq!(prop(&cancel.properties, "METHOD"), Some("CANCEL"));
    let e = &cancel.events[0].properties;
    assert_eq!(prop(e, "STATUS"), Some("CANCELLED"));
    assert_eq!(prop(e, "SEQUENCE"), Some("1"));
    assert_eq!(
        prop(e, "UID"),
        prop(&cal.events[0].properties, "UID"),
        "the same event, withdrawn"
    );
}

#[tokio::test]
async fn fetches_are_bounded_in_time_and_size_and_follow_only_web_redirects() {
    let (app, owner, p) = fetching_app().await;
    let server = CalendarServer::start(TUESDAY_AFTERNOON).await;
    let added = assert_status(
        add_busy(&app, &owner, &p, json!({"url": server.url})).await,
        StatusCode::CREATED,
    )
    .await;
    let refresh = format!(
        "/api/v1/practitioners/{p}/busy-calendars/{}/refresh",
        added["id"].as_str().unwrap()
    );
    let refresh_now =
        || async { assert_status(app.post_empty_as(&owner, &refresh).await, StatusCode::OK).await };

    // A server that does not answer in time.
    server.set(|s| s.delay = std::time::Duration::from_secs(5));
    let slow = refresh_now().await;
    assert_eq!(slow["status"], "error");
    assert!(
        slow["last_error"].as_str().unwrap().contains("too long"),
        "{slow}"
    );
    server.set(|s| s.delay = std::time::Duration::ZERO);

    // A file over 5 MiB, announced or not.
    let huge = format!(
        "BEGIN:VCALENDAR\r\nX-PADDING:{}\r\nEND:VCALENDAR\r\n",
        "x".repeat(6 * 1024 * 1024)
    );
    for chunked in [false, true] {
        server.publish(&huge, &format!("\"big-{chunked}\""));
        server.set(|s| s.chunked = chunked);
        let big = refresh_now().await;
        assert_eq!(big["status"], "error", "chunked: {chunked}");
        assert!(
            big["last_error"].as_str().unwrap().contains("5 MiB"),
            "{big}"
        );
    }
    // Through all of it the last good busy times held.
    assert!(
        !offered(&app, "2026-12-08")
            .await
            .contains(&"13:30".to_owned())
    );

    // A redirect to another web address is followed; to anything else, not.
    server.set(|s| s.chunked = false);
    server.publish(WEDNESDAY_MORNING, "\"v9\"");
    let moved = server.url.replace("/calendar.ics", "/moved.ics");
    server.set(|s| s.redirect_to = Some(moved));
    let followed = refresh_now().await;
    assert_eq!(followed["status"], "ok", "{followed}");
    assert!(
        !offered(&app, "2026-12-09")
            .await
            .contains(&"10:15".to_owned())
    );
    server.set(|s| s.redirect_to = Some("file:///etc/passwd".into()));
    let refused = refresh_now().await;
    assert_eq!(refused["status"], "error", "{refused}");
}

#[tokio::test]
async fn a_calendar_upload_is_not_read_before_the_caller_is_known() {
    let (app, _) = TestApp::at_monday_morning().await;
    let p = app.first_practitioner_id().await;
    // Two megabytes from no one: refused at the gate, never held.
    let body = json!({"ics": "x".repeat(2 * 1024 * 1024)});
    assert_problem(
        app.client
            .post(app.url(&format!("/api/v1/practitioners/{p}/busy-calendars")))
            .json(&body)
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    // Elsewhere the usual limit stands.
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"note": "x".repeat(300 * 1024)}),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
}

#[tokio::test]
async fn a_feed_that_names_clients_gets_a_new_address_only_from_the_owner() {
    let (app, owner, p, _, _) = with_feed(json!({"detail": "full"})).await;
    let own = practitioner_user(&app, &owner, &p).await;
    let refused = assert_problem(
        app.send_as(
            &own,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/calendar-feed"),
            json!({}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&refused), ["detail"]);
    // Asking for less detail is fine.
    let issued = app
        .issue_feed(&own, &p, json!({"detail": "initials"}))
        .await;
    assert_eq!(issued["detail"], "initials");
}
