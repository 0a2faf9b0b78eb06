//! The public booking contract: types, free slots, booking, and the manage link.

use attune::auth::Role;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::common::{
    TestApp, assert_problem, assert_status, error_fields, scheduling::couple_booking,
};

#[tokio::test]
async fn the_public_types_are_listed_with_the_contract_fields() {
    let (app, _) = TestApp::at_monday_morning().await;
    let types = app
        .get_json("/api/v1/public/appointment-types", StatusCode::OK)
        .await;
    let types = types.as_array().unwrap();
    // The staff-only couples session is not offered online.
    assert_eq!(types.len(), 1, "{types:?}");
    let t = &types[0];
    assert_eq!(t["slug"], "free-consultation");
    assert_eq!(t["name"], "Free 15-minute consultation");
    assert_eq!(t["duration_minutes"], 15);
    assert_eq!(t["location_kind"], "video");
    assert!(t["id"].is_string() && t["description"].is_string());
}

#[tokio::test]
async fn slots_are_given_in_the_visitors_zone_and_respect_notice() {
    let (app, _) = TestApp::at_monday_morning().await;
    // Monday 08:00 UTC with 12 h notice: nothing on Monday; Tuesday from 09:00 UTC.
    let monday = app
        .slots("free-consultation", "2026-12-07", "2026-12-07", Some("UTC"))
        .await;
    assert!(monday.is_empty(), "{monday:?}");
    let tuesday = app
        .slots("free-consultation", "2026-12-08", "2026-12-08", Some("UTC"))
        .await;
    assert_eq!(tuesday.len(), 32, "09:00–17:00 in quarter hours");
    assert_eq!(tuesday[0]["start"], "2026-12-08T09:00:00+00:00");
    assert_eq!(tuesday[0]["end"], "2026-12-08T09:15:00+00:00");
    assert_eq!(tuesday[31]["start"], "2026-12-08T16:45:00+00:00");

    // The same times, seen from New York: offsets -05:00, and the day is New York's Tuesday.
    let body = app
        .get_json(
            "/api/v1/public/slots?type=free-consultation&from=2026-12-08&to=2026-12-08&tz=America/New_York",
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["type"], "free-consultation");
    assert_eq!(body["tz"], "America/New_York");
    let ny = body["slots"].as_array().unwrap();
    assert_eq!(ny[0]["start"], "2026-12-08T04:00:00-05:00");
    assert!(
        ny.iter()
            .all(|s| s["start"].as_str().unwrap().ends_with("-05:00"))
    );
    assert!(ny[0]["practitioner_id"].is_string());

    // Without tz, the practice's zone (UTC here).
    let default = app
        .get_json(
            "/api/v1/public/slots?type=free-consultation&from=2026-12-08&to=2026-12-08",
            StatusCode::OK,
        )
        .await;
    assert_eq!(default["tz"], "UTC");
}

#[tokio::test]
async fn slot_queries_are_checked() {
    let (app, _) = TestApp::at_monday_morning().await;
    let base = "/api/v1/public/slots?type=free-consultation";
    for (query, field) in [
        ("&from=2026-12-08&to=2027-03-01", "to"),
        ("&from=2026-12-08&to=2026-12-07", "to"),
        ("&from=2026-12-08&to=2026-12-09&tz=Mars/Base", "tz"),
        ("&from=08/12/2026&to=2026-12-09", "from"),
        ("&to=2026-12-09", "from"),
        // Years chrono reads but no practice means: never a panic at the edge of time.
        ("&from=%2B262143-12-30&to=%2B262143-12-30", "from"),
        ("&from=-262144-01-01&to=-262144-01-02", "from"),
        ("&from=2026-12-08&to=10000-01-01", "to"),
    ] {
        let p = assert_problem(
            app.get(&format!("{base}{query}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{query}");
    }
    // 62 days is the most.
    assert_status(
        app.get(&format!("{base}&from=2026-12-08&to=2027-02-07"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get("/api/v1/public/slots?type=couples-session&from=2026-12-08&to=2026-12-08")
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_booking_opens_a_couple_and_answers_with_its_links() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app
        .book_ok(&couple_booking("2026-12-08T04:00:00-05:00"))
        .await;
    assert_eq!(booked["status"], "confirmed");
    // Answered in the zone the visitor asked for.
    assert_eq!(booked["start"], "2026-12-08T04:00:00-05:00");
    assert_eq!(booked["end"], "2026-12-08T04:15:00-05:00");
    let token = TestApp::token_of(&booked);
    assert!(token.starts_with("atm_"));
    assert_eq!(
        booked["manage_url"],
        format!("{}/booking/{token}", app.base)
    );
    assert_eq!(
        booked["ics_url"],
        format!("{}/api/v1/public/bookings/{token}/ics", app.base)
    );

    // The slot is gone.
    let tuesday = app
        .slots("free-consultation", "2026-12-08", "2026-12-08", Some("UTC"))
        .await;
    assert!(
        !tuesday
            .iter()
            .any(|s| s["start"] == "2026-12-08T09:00:00+00:00")
    );

    // Staff find the new lead, a couple of two.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let found = assert_status(
        app.get_as(&owner, "/api/v1/clients?q=SAM@example").await,
        StatusCode::OK,
    )
    .await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "Jane Doe & Sam Roe");
    assert_eq!(items[0]["kind"], "couple");
    assert_eq!(items[0]["status"], "lead");
    let people = items[0]["participants"].as_array().unwrap();
    assert_eq!(people[0]["first_name"], "Jane");
    assert_eq!(people[0]["last_name"], "Doe");
    assert_eq!(people[1]["email"], "sam@example.org");

    // The audit log has it, without names.
    let events = app.audit_events(&owner, "booking.create").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor"]["kind"], "anonymous");
    assert!(!events[0].to_string().contains("Jane"));
}

#[tokio::test]
async fn the_booking_message_is_encrypted_at_rest_and_read_only_by_the_couples_clinician_and_owners()
 {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let id = booked["id"].as_str().unwrap();

    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT * FROM appointments",
        ))
        .await
        .unwrap();
    let raw = format!("{rows:?}");
    assert!(
        !raw.contains("affair"),
        "the message is stored in plain text"
    );
    assert!(
        !raw.contains(&TestApp::token_of(&booked)),
        "the manage secret is stored in plain text"
    );

    let practitioner = app.first_practitioner_id().await.parse().unwrap();
    let theirs = app
        .create_staff_for(Role::Clinician, Some(practitioner))
        .await;
    let clinician = app.login(&theirs).await;
    let seen = assert_status(
        app.get_as(&clinician, &format!("/api/v1/appointments/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["message"], "We are here because of an affair.");
    // Another clinician, and the front desk, see the appointment but not what was written.
    let (_, other) = app.signed_in(Role::Clinician).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    for caller in [&other, &assistant] {
        let seen = assert_status(
            app.get_as(caller, &format!("/api/v1/appointments/{id}"))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(seen["message"], Value::Null);
        assert_eq!(seen["message_unreadable"], false);
    }
    let (_, owner) = app.signed_in(Role::Owner).await;
    let reads = app.audit_events(&owner, "booking.message_read").await;
    assert_eq!(reads.len(), 1, "one read, by the couple's clinician");
}

#[tokio::test]
async fn each_bad_booking_field_is_named() {
    let (app, _) = TestApp::at_monday_morning().await;
    let good = couple_booking("2026-12-08T09:00:00Z");
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    for (body, field) in [
        (with("email", json!("jane")), "email"),
        (with("name", json!("")), "name"),
        (with("name", json!("x".repeat(201))), "name"),
        (with("phone", json!("call me")), "phone"),
        (with("partner_email", json!("nope")), "partner_email"),
        (
            with("partner_email", json!("JANE@example.org")),
            "partner_email",
        ),
        (with("tz", json!("Mars/Base")), "tz"),
        (with("start", json!("2026-12-08T09:00:00")), "start"),
        (with("start", json!("next tuesday")), "start"),
        (with("message", json!("x".repeat(2001))), "message"),
        (with("type", json!("")), "type"),
    ] {
        let p = assert_problem(app.book(&body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(error_fields(&p), [field], "{body}");
    }
    // A partner's email without their name.
    let mut body = good.clone();
    body.as_object_mut().unwrap().remove("partner_name");
    let p = assert_problem(app.book(&body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), ["partner_name"]);
    // Several at once, all named.
    let p = assert_problem(
        app.book(&json!({"type": "free-consultation", "start": "x", "name": "", "email": "y"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["start", "name", "email"]);
    // A missing field is a wrongly shaped body.
    let p = assert_problem(
        app.book(&json!({"type": "free-consultation"})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p).len(), 1);
}

#[tokio::test]
async fn times_that_cannot_be_booked_say_why() {
    let (app, _) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let attempt = |start: &str| {
        let app = &app;
        let mut body = couple_booking(start);
        body["email"] = json!("other@example.org");
        body.as_object_mut().unwrap().remove("partner_email");
        async move { app.book(&body).await }
    };
    let p = assert_problem(attempt("2026-12-08T09:00:00Z").await, StatusCode::CONFLICT).await;
    assert_eq!(p["reason"], "slot_taken");
    for (start, reason) in [
        ("2026-12-01T09:00:00Z", "in_past"),
        ("2026-12-07T15:00:00Z", "before_notice"),
        ("2027-03-01T09:00:00Z", "beyond_horizon"),
        ("2026-12-08T07:00:00Z", "outside_hours"),
        ("2026-12-12T10:00:00Z", "outside_hours"),
        ("2026-12-08T09:05:00Z", "outside_hours"),
    ] {
        let p = assert_problem(attempt(start).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(p["reason"], reason, "{start}");
        assert_eq!(error_fields(&p), ["start"], "{start}");
    }
    let mut unknown = couple_booking("2026-12-08T10:00:00Z");
    unknown["type"] = json!("couples-session");
    assert_problem(app.book(&unknown).await, StatusCode::NOT_FOUND).await;
    let mut stranger = couple_booking("2026-12-08T10:00:00Z");
    stranger["practitioner_id"] = json!(uuid::Uuid::new_v4());
    let p = assert_problem(app.book(&stranger).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&p), ["practitioner_id"]);
}

#[tokio::test]
async fn an_idempotency_key_makes_a_retry_safe() {
    let (app, _) = TestApp::at_monday_morning().await;
    let body = couple_booking("2026-12-08T09:00:00Z");
    let send = |key: &str, body: &Value| {
        let app = &app;
        let (key, body) = (key.to_owned(), body.clone());
        async move {
            app.client
                .post(app.url("/api/v1/public/bookings"))
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let first = assert_status(send("retry-1", &body).await, StatusCode::CREATED).await;
    let again = assert_status(send("retry-1", &body).await, StatusCode::OK).await;
    assert_eq!(first, again, "the same booking, manage link included");

    let mut changed = body.clone();
    changed["name"] = json!("Someone Else");
    let p = assert_problem(
        send("retry-1", &changed).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["Idempotency-Key"]);

    let p = assert_problem(
        send(&"k".repeat(201), &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["Idempotency-Key"]);

    let (_, owner) = app.signed_in(Role::Owner).await;
    let all = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_retry_days_later_still_answers_with_the_same_booking() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let body = couple_booking("2026-12-10T09:00:00Z");
    let send = || {
        app.client
            .post(app.url("/api/v1/public/bookings"))
            .header("idempotency-key", "late-retry")
            .json(&body)
            .send()
    };
    let first = assert_status(send().await.unwrap(), StatusCode::CREATED).await;
    clock.advance(TimeDelta::hours(49));
    attune::housekeeping::run_once(&app.state).await.unwrap();
    let again = assert_status(send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["manage_token"], first["manage_token"]);
}

#[tokio::test]
async fn cancelling_needs_no_body() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-10T09:00:00Z")).await;
    let token = booked["manage_token"].as_str().unwrap();
    let cancelled = assert_status(app.cancel_booking(token).await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    // A body that is there must still be JSON.
    assert_problem(
        app.client
            .post(app.url(&format!("/api/v1/public/bookings/{token}/cancel")))
            .body("reason=x")
            .send()
            .await
            .unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
}

#[tokio::test]
async fn a_message_that_cannot_be_decrypted_leaves_the_appointment_readable() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-10T09:00:00Z")).await;
    let id = booked["id"].as_str().unwrap();
    // As if sealed with a key that was since lost.
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    let literal = crate::common::database::uuid_literal(backend, id.parse().unwrap());
    db.execute_raw(Statement::from_string(
        backend,
        format!("UPDATE appointments SET message_sealed = 'v1.lostkey.AAAA' WHERE id = {literal}"),
    ))
    .await
    .unwrap();
    let (_, owner) = app.signed_in(Role::Owner).await;
    let a = assert_status(
        app.get_as(&owner, &format!("/api/v1/appointments/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(a["message"], Value::Null);
    assert_eq!(a["message_unreadable"], true);
    assert_eq!(a["id"], id);
}

#[tokio::test]
async fn the_manage_link_shows_cancels_and_moves_the_booking() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let token = TestApp::token_of(&booked);
    let path = format!("/api/v1/public/bookings/{token}");

    let seen = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(seen["status"], "confirmed");
    assert_eq!(seen["start"], "2026-12-08T09:00:00+00:00");
    assert_eq!(seen["time_zone"], "UTC");
    assert_eq!(seen["appointment_type"]["slug"], "free-consultation");
    assert_eq!(seen["practitioner"]["name"], "Practitioner");
    assert_eq!(seen["can_change"], true);
    assert_eq!(seen["change_until"], "2026-12-07T09:00:00+00:00");
    assert!(
        !seen.to_string().contains("Jane"),
        "the link shows no personal details"
    );

    // Move it: the old time frees up, the new one is taken.
    let moved = assert_status(
        app.client
            .post(app.url(&format!("{path}/reschedule")))
            .json(&json!({"start": "2026-12-09T10:00:00+00:00"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["start"], "2026-12-09T10:00:00+00:00");
    let tuesday = app
        .slots("free-consultation", "2026-12-08", "2026-12-08", Some("UTC"))
        .await;
    assert!(
        tuesday
            .iter()
            .any(|s| s["start"] == "2026-12-08T09:00:00+00:00")
    );

    // Cancel it, with a reason kept encrypted.
    let cancelled = assert_status(
        app.client
            .post(app.url(&format!("{path}/cancel")))
            .json(&json!({"reason": "We worked it out ourselves."}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["can_change"], false);
    let wednesday = app
        .slots("free-consultation", "2026-12-09", "2026-12-09", Some("UTC"))
        .await;
    assert!(
        wednesday
            .iter()
            .any(|s| s["start"] == "2026-12-09T10:00:00+00:00")
    );

    // A cancelled booking can be neither cancelled nor moved again.
    for action in ["cancel", "reschedule"] {
        let r = app
            .client
            .post(app.url(&format!("{path}/{action}")))
            .json(&json!({"start": "2026-12-10T10:00:00Z"}))
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, StatusCode::CONFLICT).await;
        assert_eq!(p["reason"], "not_live");
    }

    let (_, owner) = app.signed_in(Role::Owner).await;
    for action in ["booking.reschedule", "booking.cancel"] {
        let events = app.audit_events(&owner, action).await;
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0]["actor"]["kind"], "client_link");
    }
    let appointment = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/appointments/{}", booked["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(appointment["sequence"], 2);
    assert_eq!(appointment["cancelled_by"], "client");
}

#[tokio::test]
async fn changes_online_stop_at_the_cutoff() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let path = format!("/api/v1/public/bookings/{}", TestApp::token_of(&booked));
    // 24 h before is Monday 09:00; it is now Monday 09:01.
    clock.advance(TimeDelta::minutes(61));
    let seen = app.get_json(&path, StatusCode::OK).await;
    assert_eq!(seen["can_change"], false);
    for (action, body) in [
        ("cancel", json!({})),
        ("reschedule", json!({"start": "2026-12-09T10:00:00Z"})),
    ] {
        let r = app
            .client
            .post(app.url(&format!("{path}/{action}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = assert_problem(r, StatusCode::CONFLICT).await;
        assert_eq!(p["reason"], "past_cutoff", "{action}");
    }
    // Staff still can.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let id = booked["id"].as_str().unwrap();
    let r = app
        .send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/appointments/{id}/cancel"),
            json!({}),
        )
        .await;
    assert_status(r, StatusCode::OK).await;
}

#[tokio::test]
async fn moving_to_a_taken_time_changes_nothing() {
    let (app, _) = TestApp::at_monday_morning().await;
    let first = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let mut other = couple_booking("2026-12-08T10:00:00Z");
    other["email"] = json!("other@example.org");
    other.as_object_mut().unwrap().remove("partner_email");
    app.book_ok(&other).await;
    let path = format!("/api/v1/public/bookings/{}", TestApp::token_of(&first));
    let r = app
        .client
        .post(app.url(&format!("{path}/reschedule")))
        .json(&json!({"start": "2026-12-08T10:00:00Z"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(r, StatusCode::CONFLICT).await;
    assert_eq!(p["reason"], "slot_taken");
    assert_eq!(
        app.get_json(&path, StatusCode::OK).await["start"],
        "2026-12-08T09:00:00+00:00"
    );
    // Moving onto its own time (or overlapping itself) is fine.
    let r = app
        .client
        .post(app.url(&format!("{path}/reschedule")))
        .json(&json!({"start": "2026-12-08T09:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_status(r, StatusCode::OK).await;
}

#[tokio::test]
async fn unknown_and_malformed_manage_links_are_the_same_404() {
    let (app, _) = TestApp::at_monday_morning().await;
    let mut problems = Vec::new();
    for token in [
        "atm_unknownxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "garbage",
        &"x".repeat(300),
    ] {
        let mut p = assert_problem(
            app.get(&format!("/api/v1/public/bookings/{token}")).await,
            StatusCode::NOT_FOUND,
        )
        .await;
        p["request_id"] = Value::Null;
        problems.push(p);
        let r = app
            .client
            .post(app.url(&format!("/api/v1/public/bookings/{token}/cancel")))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_problem(r, StatusCode::NOT_FOUND).await;
    }
    assert!(problems.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn every_online_booking_opens_a_new_lead_with_what_was_typed() {
    let (app, _) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    // One partner books a consultation alone, with the same address: it must not land on
    // the couple's shared record, nor lose the name typed.
    let mut alone = couple_booking("2026-12-09T09:00:00Z");
    alone["email"] = json!("JANE@EXAMPLE.ORG");
    alone["name"] = json!("Jane Q. Doe");
    alone.as_object_mut().unwrap().remove("partner_name");
    alone.as_object_mut().unwrap().remove("partner_email");
    app.book_ok(&alone).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let clients = assert_status(app.get_as(&owner, "/api/v1/clients").await, StatusCode::OK).await;
    let items = clients["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{clients}");
    let kinds: Vec<&str> = items.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"couple") && kinds.contains(&"individual"),
        "{kinds:?}"
    );
    let single = items.iter().find(|c| c["kind"] == "individual").unwrap();
    assert_eq!(single["participants"][0]["first_name"], "Jane Q.");
    assert_eq!(single["status"], "lead");
}

#[tokio::test]
async fn slots_in_the_compact_form_say_the_same_times_without_repeating_themselves() {
    let (app, _) = TestApp::at_monday_morning().await;
    let path = "/api/v1/public/slots?type=free-consultation&from=2026-12-08&to=2026-12-09&tz=America/New_York";
    let full = app.get_json(path, StatusCode::OK).await;
    let compact = app
        .get_json(&format!("{path}&format=compact"), StatusCode::OK)
        .await;
    assert_eq!(compact["type"], "free-consultation");
    assert_eq!(compact["tz"], "America/New_York");
    assert_eq!(compact["duration_minutes"], 15);
    let practitioners = compact["practitioners"].as_array().unwrap();
    // Every full entry is one (time, practitioner) of the compact form, and nothing else is.
    let mut from_compact = Vec::new();
    for day in compact["days"].as_array().unwrap() {
        assert_eq!(day["offset"], "-05:00");
        for (time, who) in day["times"]
            .as_array()
            .unwrap()
            .iter()
            .zip(day["free"].as_array().unwrap())
        {
            for i in who.as_array().unwrap() {
                from_compact.push((
                    format!(
                        "{}T{}:00-05:00",
                        day["date"].as_str().unwrap(),
                        time.as_str().unwrap()
                    ),
                    practitioners[i.as_u64().unwrap() as usize].clone(),
                ));
            }
        }
    }
    let from_full: Vec<(String, Value)> = full["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["practitioner_id"].clone(),
            )
        })
        .collect();
    assert!(!from_full.is_empty());
    assert_eq!(from_compact, from_full);
    // Smaller, which is the point.
    assert!(compact.to_string().len() * 2 < full.to_string().len());

    // The default is the full form; a format that does not exist is refused by name.
    let p = assert_problem(
        app.get(&format!("{path}&format=tiny")).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["format"], "{p}");
}
