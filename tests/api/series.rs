//! Recurring sessions: each occurrence of a weekly series checked as a single staff booking
//! would be, with its wall-clock time kept across a change of the clocks.

use attune::scheduling::{
    appointments::check_each,
    series::{Ends, Recurrence},
    slots::Rejection,
};
use attune::types::TimeZone;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{
    Caller, TestApp, assert_problem, assert_status, error_fields, independent, smtp::SmtpServer,
};

#[tokio::test]
async fn each_session_of_a_weekly_series_is_checked_like_a_single_booking() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let staff = &couple.owner;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(staff, "couples-session").await;
    // The third Tuesday is the practitioner's day off.
    assert_status(
        app.send_as(
            staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-22T00:00:00Z", "ends_at": "2026-12-23T00:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let state = &app.state;
    let now = clock.now();
    let snapshot = state.schedule.current(&state.db, now).await.unwrap();
    let ty = snapshot
        .appointment_type(session.parse::<Uuid>().unwrap())
        .unwrap()
        .clone();
    let practitioner = snapshot.practitioner(p.parse().unwrap()).unwrap().clone();
    let weekly = |first: &str, count| {
        Recurrence::from_first(first.parse().unwrap(), TimeZone::UTC, 1, Ends::After(count))
            .starts()
            .unwrap()
    };
    let check = |starts: Vec<_>, outside_hours| {
        let (snapshot, ty, practitioner) = (snapshot.clone(), ty.clone(), practitioner.clone());
        async move {
            check_each(
                &state.db,
                &snapshot,
                &practitioner,
                &ty,
                &starts,
                outside_hours,
                now,
            )
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.refused)
            .collect::<Vec<_>>()
        }
    };

    // The first Tuesday at 14:00 is the couple's own session already; the third is time off.
    let starts = weekly("2026-12-08T14:00:00Z", 4);
    assert_eq!(
        check(starts.clone(), false).await,
        [Some(Rejection::Taken), None, Some(Rejection::Taken), None]
    );
    // Outside hours the practitioner may book over her own time off, never over a session.
    assert_eq!(
        check(starts, true).await,
        [Some(Rejection::Taken), None, None, None]
    );
    // Late evenings are outside her hours unless staff say so.
    let evenings = weekly("2026-12-09T21:00:00Z", 2);
    assert_eq!(
        check(evenings.clone(), false).await,
        [Some(Rejection::OutsideHours), Some(Rejection::OutsideHours)]
    );
    assert_eq!(check(evenings, true).await, [None, None]);
}

/// `POST /api/v1/appointments/series` for `client`: couples sessions with the first
/// practitioner, weekly from `first`, with `extra` fields merged in.
async fn post_series(
    app: &TestApp,
    staff: &Caller,
    client: &str,
    first: &str,
    extra: Value,
) -> reqwest::Response {
    let mut body = json!({
        "client_id": client,
        "appointment_type_id": app.type_id(staff, "couples-session").await,
        "practitioner_id": app.first_practitioner_id().await,
        "first_start": first,
        "tz": "UTC",
        "every_weeks": 1,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    app.send_as(staff, Method::POST, "/api/v1/appointments/series", body)
        .await
}

async fn day_off(app: &TestApp, staff: &Caller, from: &str, to: &str) {
    let p = app.first_practitioner_id().await;
    assert_status(
        app.send_as(
            staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": from, "ends_at": to}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

fn starts(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            o["start"]
                .as_str()
                .unwrap()
                .parse::<DateTime<Utc>>()
                .unwrap()
                .to_rfc3339()
        })
        .collect()
}

fn at(s: &str) -> String {
    s.parse::<DateTime<Utc>>().unwrap().to_rfc3339()
}

async fn client_appointments(app: &TestApp, staff: &Caller, client: &str) -> Vec<Value> {
    let page = assert_status(
        app.get_as(
            staff,
            &format!("/api/v1/appointments?client_id={client}&limit=100"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn outbox(app: &TestApp, staff: &Caller, query: &str) -> Vec<Value> {
    let page = assert_status(
        app.get_as(staff, &format!("/api/v1/emails?limit=200&{query}"))
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_series_is_previewed_refused_whole_or_booked_around_its_conflicts() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    // The couple's consultation is on the first Tuesday at 14:00; the third is a day off.
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let staff = &couple.owner;
    day_off(&app, staff, "2026-12-22T00:00:00Z", "2026-12-23T00:00:00Z").await;
    let first = "2026-12-08T14:00:00Z";

    let preview = assert_status(
        post_series(
            &app,
            staff,
            &couple.client,
            first,
            json!({"count": 4, "dry_run": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let occurrences = &preview["occurrences"];
    assert_eq!(
        starts(occurrences),
        [
            at("2026-12-08T14:00:00Z"),
            at("2026-12-15T14:00:00Z"),
            at("2026-12-22T14:00:00Z"),
            at("2026-12-29T14:00:00Z")
        ]
    );
    let oks: Vec<_> = occurrences
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["ok"].clone())
        .collect();
    assert_eq!(oks, [json!(false), json!(true), json!(false), json!(true)]);
    assert_eq!(occurrences[0]["reason"], "slot_taken");
    assert_eq!(occurrences[2]["reason"], "slot_taken");
    // Each session ends after the type's 50 minutes.
    assert_eq!(
        at(occurrences[1]["end"].as_str().unwrap()),
        at("2026-12-15T14:50:00Z")
    );
    assert_eq!(
        client_appointments(&app, staff, &couple.client).await.len(),
        1,
        "a dry run books nothing"
    );

    // Without skip_conflicts, any conflict refuses the whole series, listing each.
    let refused = assert_problem(
        post_series(&app, staff, &couple.client, first, json!({"count": 4})).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["reason"], "series_conflict");
    assert_eq!(
        starts(&refused["conflicts"]),
        [at("2026-12-08T14:00:00Z"), at("2026-12-22T14:00:00Z")]
    );
    assert_eq!(refused["conflicts"][1]["reason"], "slot_taken");
    assert_eq!(
        client_appointments(&app, staff, &couple.client).await.len(),
        1
    );

    // With it, the rest are booked and the skipped dates recorded.
    let booked = assert_status(
        post_series(
            &app,
            staff,
            &couple.client,
            first,
            json!({"count": 4, "skip_conflicts": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let series = booked["id"].as_str().unwrap();
    assert_eq!(
        starts(&booked["occurrences"]),
        [at("2026-12-15T14:00:00Z"), at("2026-12-29T14:00:00Z")]
    );
    assert_eq!(
        starts(&booked["skipped"]),
        [at("2026-12-08T14:00:00Z"), at("2026-12-22T14:00:00Z")]
    );
    assert_eq!(booked["count"], 4);
    assert_eq!(booked["tz"], "UTC");
    for o in booked["occurrences"].as_array().unwrap() {
        assert_eq!(o["series_id"], series);
        assert_eq!(o["status"], "confirmed");
    }
    let got = assert_status(
        app.get_as(staff, &format!("/api/v1/appointments/series/{series}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(got, booked);
    assert_eq!(
        client_appointments(&app, staff, &couple.client).await.len(),
        3
    );
    assert_eq!(
        app.audit_events(staff, "appointment_series.create")
            .await
            .len(),
        1
    );

    // Each session has its own reminders, to each partner, before it.
    for o in booked["occurrences"].as_array().unwrap() {
        let id = o["id"].as_str().unwrap();
        let reminders = outbox(&app, staff, &format!("kind=reminder&appointment_id={id}")).await;
        let start: DateTime<Utc> = o["start"].as_str().unwrap().parse().unwrap();
        for address in ["jane@example.org", "sam@example.org"] {
            let theirs: Vec<_> = reminders
                .iter()
                .filter(|r| r["recipient"] == address)
                .collect();
            assert!(!theirs.is_empty(), "{address} has no reminder for {id}");
            for r in theirs {
                let due: DateTime<Utc> = r["scheduled_at"].as_str().unwrap().parse().unwrap();
                assert!(due < start);
            }
        }
    }
    // And the couple one confirmation each for the series, not one per session.
    assert_eq!(outbox(&app, staff, "kind=series_booked").await.len(), 2);
    assert!(
        outbox(&app, staff, "kind=booking_confirmed").await.len() == 2,
        "only the consultation's"
    );

    app.dispatch_pending_emails().await;
    let mail = smtp
        .received_by("sam@example.org")
        .into_iter()
        .find(|m| m.raw.contains("are booked"))
        .expect("the series confirmation");
    let parsed = mailparse::parse_mail(mail.raw.as_bytes()).unwrap();
    let text = part(&parsed, "text/plain").unwrap();
    assert!(text.contains("Tuesday 15 December 2026"), "{text}");
    assert!(text.contains("could not be booked"), "{text}");
    assert!(text.contains("Tuesday 22 December 2026"), "{text}");
    assert!(!text.contains("jane@example.org"));
    // The calendar file holds exactly the booked sessions, each under its feed UID.
    let ics = part(&parsed, "text/calendar").unwrap();
    let calendar = independent::Calendar::parse(&ics);
    assert_eq!(calendar.method.as_deref(), Some("PUBLISH"));
    let mut expected: Vec<(String, String)> = booked["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                format!("{}@", o["id"].as_str().unwrap()),
                at(o["start"].as_str().unwrap()),
            )
        })
        .collect();
    expected.sort();
    let mut found: Vec<(String, String)> = calendar
        .events
        .iter()
        .map(|e| {
            (
                e.uid.split('@').next().unwrap().to_owned() + "@",
                e.start.to_rfc3339(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(found, expected);
    assert!(calendar.events.iter().all(|e| e.rrule.is_none()));
}

/// The MIME part of `mail` with type `mime`, decoded.
fn part(mail: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
    if mail.subparts.is_empty() {
        return (mail.ctype.mimetype == mime).then(|| mail.get_body().unwrap());
    }
    mail.subparts.iter().find_map(|p| part(p, mime))
}

#[tokio::test]
async fn a_series_keeps_its_wall_clock_time_across_the_change_of_the_clocks() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(attune::auth::Role::Owner).await;
    let client = app.create_couple_client(&staff).await;
    // Tuesdays at 10:00 in New York; the clocks go forward on Sunday 14 March 2027.
    let ny = assert_status(
        post_series(
            &app,
            &staff,
            &client,
            "2027-03-09T10:00:00-05:00",
            json!({"tz": "America/New_York", "count": 3}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        starts(&ny["occurrences"]),
        [
            at("2027-03-09T15:00:00Z"),
            at("2027-03-16T14:00:00Z"),
            at("2027-03-23T14:00:00Z")
        ]
    );
    // Tuesdays at 10:00 in London, every other week until 6 April; BST from 28 March.
    let london = assert_status(
        post_series(
            &app,
            &staff,
            &client,
            "2027-03-23T10:00:00Z",
            json!({"tz": "Europe/London", "every_weeks": 2, "until": "2027-04-06"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        starts(&london["occurrences"]),
        [at("2027-03-23T10:00:00Z"), at("2027-04-06T09:00:00Z")]
    );
    assert_eq!(london["until"], "2027-04-06");
    assert_eq!(london["count"], Value::Null);
}

#[tokio::test]
async fn bad_series_requests_name_their_field() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(attune::auth::Role::Owner).await;
    let client = app.create_couple_client(&staff).await;
    let first = "2026-12-15T14:00:00Z";
    for (extra, field) in [
        (json!({"count": 3, "every_weeks": 5}), "every_weeks"),
        (json!({"count": 3, "every_weeks": 0}), "every_weeks"),
        (json!({"count": 3, "every_weeks": "weekly"}), "every_weeks"),
        (json!({"count": 0}), "count"),
        (json!({"count": 53}), "count"),
        (json!({"count": -1}), "count"),
        (json!({}), "count"),
        (json!({"count": 3, "until": "2027-01-01"}), "until"),
        (json!({"until": "2026-12-01"}), "until"),
        (json!({"until": "2028-06-01"}), "until"),
        (json!({"until": "next spring"}), "until"),
        (json!({"count": 3, "tz": "Mars/Olympus"}), "tz"),
        (
            json!({"count": 3, "first_start": "2026-12-15 14:00"}),
            "first_start",
        ),
        (
            json!({"count": 3, "first_start": "2026-12-01T14:00:00Z"}),
            "first_start",
        ),
        (
            json!({"count": 3, "client_id": Uuid::new_v4()}),
            "client_id",
        ),
        (
            json!({"count": 3, "appointment_type_id": Uuid::new_v4()}),
            "appointment_type_id",
        ),
    ] {
        let problem = assert_problem(
            post_series(&app, &staff, &client, first, extra.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{extra}: {problem}"
        );
    }
    assert!(client_appointments(&app, &staff, &client).await.is_empty());
    assert_problem(
        app.get_as(
            &staff,
            &format!("/api/v1/appointments/series/{}", Uuid::new_v4()),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // A clinician may not book for another practitioner's client, nor an anonymous caller.
    let anonymous = app
        .client
        .post(app.url("/api/v1/appointments/series"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn session_starts(app: &TestApp, staff: &Caller, series: &str) -> Vec<(String, String)> {
    let got = assert_status(
        app.get_as(staff, &format!("/api/v1/appointments/series/{series}"))
            .await,
        StatusCode::OK,
    )
    .await;
    got["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                at(o["start"].as_str().unwrap()),
                o["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn changes_apply_to_this_the_following_or_all_future_sessions() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .configure(|c| c.auth.session_idle = std::time::Duration::from_secs(14 * 86_400))
        .spawn()
        .await;
    let (_, staff) = app.signed_in(attune::auth::Role::Owner).await;
    let client = app.create_couple_client(&staff).await;
    let booked = assert_status(
        post_series(
            &app,
            &staff,
            &client,
            "2026-12-08T14:00:00Z",
            json!({"count": 4}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let series = booked["id"].as_str().unwrap().to_owned();
    let ids: Vec<String> = booked["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let confirmed = |s: &str| (at(s), "confirmed".to_owned());
    let reschedule = |id: &str, body: Value| {
        let path = format!("/api/v1/appointments/{id}/reschedule");
        let app = &app;
        let staff = &staff;
        async move { app.send_as(staff, Method::POST, &path, body).await }
    };

    // This one alone.
    let moved = assert_status(
        reschedule(
            &ids[1],
            json!({"start": "2026-12-15T15:00:00Z", "scope": "this"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["sequence"], 1);
    assert_eq!(
        session_starts(&app, &staff, &series).await,
        [
            confirmed("2026-12-08T14:00:00Z"),
            confirmed("2026-12-15T15:00:00Z"),
            confirmed("2026-12-22T14:00:00Z"),
            confirmed("2026-12-29T14:00:00Z")
        ]
    );

    // The third and after, an hour later; but the fourth's new time is taken, so nothing moves.
    let other = app.create_couple_client(&staff).await;
    assert_status(
        app.send_as(
            &staff,
            Method::POST,
            "/api/v1/appointments",
            json!({
                "client_id": other,
                "appointment_type_id": app.type_id(&staff, "couples-session").await,
                "practitioner_id": app.first_practitioner_id().await,
                "start": "2026-12-29T15:30:00Z",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let refused = assert_problem(
        reschedule(
            &ids[2],
            json!({"start": "2026-12-22T15:00:00Z", "scope": "following"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(refused["reason"], "series_conflict");
    assert_eq!(starts(&refused["conflicts"]), [at("2026-12-29T15:00:00Z")]);
    assert_eq!(
        session_starts(&app, &staff, &series).await[2],
        confirmed("2026-12-22T14:00:00Z")
    );

    // Half an hour earlier instead: the third and fourth move, each re-checked, the rest stay.
    let moved = assert_status(
        reschedule(
            &ids[2],
            json!({"start": "2026-12-22T13:30:00Z", "scope": "following"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["id"], ids[2].as_str());
    assert_eq!(
        session_starts(&app, &staff, &series).await,
        [
            confirmed("2026-12-08T14:00:00Z"),
            confirmed("2026-12-15T15:00:00Z"),
            confirmed("2026-12-22T13:30:00Z"),
            confirmed("2026-12-29T13:30:00Z")
        ]
    );
    let events = app.audit_events(&staff, "appointment.reschedule").await;
    assert_eq!(events.len(), 3, "one per session moved");
    // The moved sessions' old reminders are withdrawn and new ones planned.
    let fourth = outbox(
        &app,
        &staff,
        &format!("kind=reminder&appointment_id={}", ids[3]),
    )
    .await;
    assert!(fourth.iter().any(|r| r["status"] == "cancelled"));
    assert!(fourth.iter().any(|r| r["status"] == "pending"));
    assert_eq!(
        outbox(&app, &staff, "kind=series_changed").await.len(),
        1,
        "Ana alone has an address"
    );
    let calendar = |subject_has: &str| {
        let mail = smtp
            .received_by("ana@example.org")
            .into_iter()
            .rev()
            .find(|m| m.raw.contains(subject_has))
            .expect("the change's message");
        let parsed = mailparse::parse_mail(mail.raw.as_bytes()).unwrap();
        independent::Calendar::parse(&part(&parsed, "text/calendar").unwrap())
    };
    app.dispatch_pending_emails().await;
    let changed = calendar("have changed");
    let mut seen: Vec<_> = changed
        .events
        .iter()
        .map(|e| {
            (
                e.uid.starts_with(&ids[2]) || e.uid.starts_with(&ids[3]),
                e.start.to_rfc3339(),
                e.sequence,
                e.status.clone(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (
                true,
                at("2026-12-22T13:30:00Z"),
                Some(1),
                Some("CONFIRMED".to_owned())
            ),
            (
                true,
                at("2026-12-29T13:30:00Z"),
                Some(1),
                Some("CONFIRMED".to_owned())
            )
        ]
    );

    // Cancelling "all" once the first session is past: the future ones only.
    clock.set("2026-12-09T08:00:00Z".parse().unwrap());
    let cancelled = assert_status(
        app.send_as(
            &staff,
            Method::POST,
            &format!("/api/v1/appointments/{}/cancel", ids[0]),
            json!({"scope": "all", "reason": "They are taking a break."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        cancelled["status"], "confirmed",
        "the past session stays on the record"
    );
    assert_eq!(
        session_starts(&app, &staff, &series).await,
        [
            confirmed("2026-12-08T14:00:00Z"),
            (at("2026-12-15T15:00:00Z"), "cancelled".to_owned()),
            (at("2026-12-22T13:30:00Z"), "cancelled".to_owned()),
            (at("2026-12-29T13:30:00Z"), "cancelled".to_owned())
        ]
    );
    let pending = outbox(
        &app,
        &staff,
        &format!("kind=reminder&status=pending&appointment_id={}", ids[3]),
    )
    .await;
    assert!(pending.is_empty(), "{pending:?}");
    assert_eq!(outbox(&app, &staff, "kind=series_changed").await.len(), 2);
    app.dispatch_pending_emails().await;
    let cancelled = calendar("Cancelled:");
    assert_eq!(cancelled.events.len(), 3);
    assert!(
        cancelled
            .events
            .iter()
            .all(|e| e.status.as_deref() == Some("CANCELLED")),
        "{cancelled:?}"
    );

    // A scope on an appointment outside any series names the field.
    let single = client_appointments(&app, &staff, &other).await;
    let problem = assert_problem(
        app.send_as(
            &staff,
            Method::POST,
            &format!(
                "/api/v1/appointments/{}/cancel",
                single[0]["id"].as_str().unwrap()
            ),
            json!({"scope": "following"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["scope"]);
    let problem = assert_problem(
        reschedule(
            &ids[3],
            json!({"start": "2026-12-29T13:30:00Z", "scope": "some"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["scope"]);
}

#[tokio::test]
async fn staff_book_check_and_end_a_series_from_the_dashboard() {
    use crate::common::admin::{html, location};
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(attune::auth::Role::Owner).await;
    let client = app.create_couple_client(&staff).await;
    day_off(&app, &staff, "2026-12-22T00:00:00Z", "2026-12-23T00:00:00Z").await;
    let ty = app.type_id(&staff, "couples-session").await;
    let p = app.first_practitioner_id().await;
    let path = format!("/admin/clients/{client}/series");
    // The dashboard's zone is the practice's (UTC in the tests).
    let fields = |intent: &'static str, skip: bool| {
        let mut f = vec![
            ("series_type_id", ty.clone()),
            ("series_practitioner_id", p.clone()),
            ("series_start_local", "2026-12-15T14:00".to_owned()),
            ("every_weeks", "1".to_owned()),
            ("ends", "count".to_owned()),
            ("count", "3".to_owned()),
            ("intent", intent.to_owned()),
        ];
        if skip {
            f.push(("skip_conflicts", "1".to_owned()));
        }
        f
    };
    let as_refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };

    // Checking the dates shows each, and books nothing.
    let f = as_refs(&fields("preview", false));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = html(app.submit(&staff, &path, &refs).await, StatusCode::OK).await;
    assert!(page.contains("id=\"series-preview\""), "{page}");
    assert!(page.contains("Tuesday 15 December 2026"), "{page}");
    assert!(page.contains("taken (another appointment, time off or a busy time)"));
    assert!(client_appointments(&app, &staff, &client).await.is_empty());

    // Booking it as it is names the conflict and books nothing.
    let f = fields("book", false);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = html(app.submit(&staff, &path, &refs).await, StatusCode::CONFLICT).await;
    assert!(page.contains("nothing was booked"), "{page}");
    assert!(client_appointments(&app, &staff, &client).await.is_empty());

    // A bad count is named beside its field.
    let mut f = fields("book", false);
    f.retain(|(k, _)| *k != "count");
    f.push(("count", "60".to_owned()));
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let page = html(
        app.submit(&staff, &path, &refs).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(page.contains("id=\"count-error\""), "{page}");

    // Skipping the day off books the other two and opens the series page.
    let f = fields("book", true);
    let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = app.submit(&staff, &path, &refs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let series_page = location(&r);
    assert!(series_page.starts_with("/admin/series/"), "{series_page}");
    let page = html(app.page(&staff, &series_page).await, StatusCode::OK).await;
    assert!(page.contains("Tuesday 15 December 2026"), "{page}");
    assert!(page.contains("Tuesday 29 December 2026"), "{page}");
    assert!(page.contains("Skipped when booked"), "{page}");
    assert_eq!(client_appointments(&app, &staff, &client).await.len(), 2);

    // The agenda and the client record mark the sessions as a series.
    let series_href = series_page.split('?').next().unwrap().to_owned();
    let agenda = html(
        app.page(&staff, "/admin?from=2026-12-14&view=week").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        agenda.contains(&format!("href=\"{series_href}\"")),
        "{agenda}"
    );
    let record = html(
        app.page(&staff, &format!("/admin/clients/{client}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(record.contains(&format!("href=\"{series_href}\"")));

    // Ending it from the series page cancels every session still to come.
    let sessions = client_appointments(&app, &staff, &client).await;
    let first = sessions[0]["id"].as_str().unwrap();
    let appointment_page = html(
        app.page(&staff, &format!("/admin/appointments/{first}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        appointment_page.contains("Session 1 of 2, every week"),
        "{appointment_page}"
    );
    assert!(appointment_page.contains("value=\"following\""));
    let r = app
        .submit(
            &staff,
            &format!("/admin/appointments/{first}/cancel"),
            &[("scope", "all")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for a in client_appointments(&app, &staff, &client).await {
        assert_eq!(a["status"], "cancelled");
    }
}
