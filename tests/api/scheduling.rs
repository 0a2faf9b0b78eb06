//! The staff side of scheduling: practitioners, types, hours, clients and appointments.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    TestApp, assert_problem, assert_status, error_fields, scheduling::couple_booking,
};

#[tokio::test]
async fn the_first_start_seeds_types_and_weekday_hours() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let types = assert_status(
        app.get_as(&assistant, "/api/v1/appointment-types").await,
        StatusCode::OK,
    )
    .await;
    let session = types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "couples-session")
        .unwrap()
        .clone();
    assert_eq!(session["duration_minutes"], 50);
    assert_eq!(session["buffer_after_minutes"], 10);
    assert_eq!(session["public"], false);
    let p = app.first_practitioner_id().await;
    assert_eq!(session["practitioner_ids"], json!([p]));
    let week = assert_status(
        app.get_as(
            &assistant,
            &format!("/api/v1/practitioners/{p}/availability"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let rules = week["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 5);
    assert_eq!(rules[0]["weekday"], "monday");
    assert_eq!(rules[0]["start"], "09:00");
    assert_eq!(rules[4]["end"], "17:00");
}

#[tokio::test]
async fn practitioners_are_managed_by_the_owner_and_read_by_all_staff() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let body = json!({"name": "Dr. Rivera", "email": "rivera@example.org", "time_zone": "America/Chicago"});
    assert_problem(
        app.send_as(
            &assistant,
            Method::POST,
            "/api/v1/practitioners",
            body.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let created = assert_status(
        app.send_as(&owner, Method::POST, "/api/v1/practitioners", body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["time_zone"], "America/Chicago");
    let id = created["id"].as_str().unwrap();
    let list = assert_status(
        app.get_as(&assistant, "/api/v1/practitioners").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let changed = assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &format!("/api/v1/practitioners/{id}"),
            json!({"active": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["active"], false);
    // Inactive practitioners are not public.
    let public = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    assert_eq!(public["practitioners"].as_array().unwrap().len(), 1);
    let p = assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/practitioners",
            json!({"name": "", "email": "x", "time_zone": "Nope"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["name", "email", "time_zone"]);
    assert_eq!(
        app.audit_events(&owner, "practitioner.create").await.len(),
        1
    );
    assert_eq!(
        app.audit_events(&owner, "practitioner.update").await.len(),
        1
    );
}

#[tokio::test]
async fn appointment_types_are_created_checked_and_changed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    let p = app.first_practitioner_id().await;
    let created = assert_status(
        app.send_as(
            &staff,
            Method::POST,
            "/api/v1/appointment-types",
            json!({"slug": "intensive", "name": "Intensive", "duration_minutes": 120, "location_kind": "in_person",
                   "public": true, "practitioner_ids": [p], "location_details": "12 Harbor St, Suite 3"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["slot_step_minutes"], 15);
    assert_eq!(created["horizon_days"], 60);
    assert_eq!(created["cancellation_cutoff_minutes"], 1440);
    let id = created["id"].as_str().unwrap();
    // Now offered online.
    let public = app
        .get_json("/api/v1/public/appointment-types", StatusCode::OK)
        .await;
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["slug"] == "intensive")
    );

    let changed = assert_status(
        app.send_as(
            &staff,
            Method::PATCH,
            &format!("/api/v1/appointment-types/{id}"),
            json!({"active": false}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["active"], false);
    assert_eq!(
        changed["duration_minutes"], 120,
        "absent fields keep their value"
    );
    let public = app
        .get_json("/api/v1/public/appointment-types", StatusCode::OK)
        .await;
    assert!(
        !public
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["slug"] == "intensive")
    );

    for (body, field) in [
        (
            json!({"slug": "Bad Slug", "name": "x", "duration_minutes": 30, "location_kind": "video"}),
            "slug",
        ),
        (
            json!({"slug": "ok", "name": "x", "duration_minutes": 2, "location_kind": "video"}),
            "duration_minutes",
        ),
        (
            json!({"slug": "ok", "name": "x", "duration_minutes": 30}),
            "location_kind",
        ),
        (
            json!({"slug": "ok", "name": "x", "duration_minutes": 30, "location_kind": "video", "horizon_days": 0}),
            "horizon_days",
        ),
        (
            json!({"slug": "ok", "duration_minutes": 30, "location_kind": "video"}),
            "name",
        ),
    ] {
        let p = assert_problem(
            app.send_as(
                &staff,
                Method::POST,
                "/api/v1/appointment-types",
                body.clone(),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{body}");
    }
    let taken = json!({"slug": "couples-session", "name": "x", "duration_minutes": 30, "location_kind": "video"});
    let p = assert_problem(
        app.send_as(&staff, Method::POST, "/api/v1/appointment-types", taken)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(error_fields(&p), ["slug"]);
    let stranger = json!({"slug": "s2", "name": "x", "duration_minutes": 30, "location_kind": "video", "practitioner_ids": [uuid::Uuid::new_v4()]});
    assert_problem(
        app.send_as(&staff, Method::POST, "/api/v1/appointment-types", stranger)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn changing_weekly_hours_changes_the_free_times() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    let p = app.first_practitioner_id().await;
    let path = format!("/api/v1/practitioners/{p}/availability");
    let week = assert_status(
        app.send_as(
            &staff,
            Method::PUT,
            &path,
            json!({"rules": [
                {"weekday": "tuesday", "start": "13:00", "end": "14:00"},
                {"weekday": "saturday", "start": "10:00", "end": "11:00"}
            ]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(week["rules"].as_array().unwrap().len(), 2);
    let tuesday = app
        .slots("free-consultation", "2026-12-08", "2026-12-08", Some("UTC"))
        .await;
    assert_eq!(tuesday.len(), 4);
    assert_eq!(tuesday[0]["start"], "2026-12-08T13:00:00+00:00");
    let wednesday = app
        .slots("free-consultation", "2026-12-09", "2026-12-09", Some("UTC"))
        .await;
    assert!(wednesday.is_empty());
    let saturday = app
        .slots("free-consultation", "2026-12-12", "2026-12-12", Some("UTC"))
        .await;
    assert_eq!(saturday.len(), 4);

    // Adding and removing single windows.
    let added = assert_status(
        app.send_as(
            &staff,
            Method::POST,
            &path,
            json!({"weekday": "wednesday", "start": "09:00", "end": "09:30"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        app.slots("free-consultation", "2026-12-09", "2026-12-09", Some("UTC"))
            .await
            .len(),
        2
    );
    let rule_id = added["id"].as_str().unwrap();
    let r = app
        .call(&staff, Method::DELETE, &format!("{path}/{rule_id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        app.slots("free-consultation", "2026-12-09", "2026-12-09", Some("UTC"))
            .await
            .is_empty()
    );

    for body in [
        json!({"rules": [{"weekday": "funday", "start": "09:00", "end": "10:00"}]}),
        json!({"rules": [{"weekday": "monday", "start": "10:00", "end": "09:00"}]}),
        json!({"rules": [{"weekday": "monday", "start": "9am", "end": "10:00"}]}),
    ] {
        let r = app.send_as(&staff, Method::PUT, &path, body.clone()).await;
        assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let owner = app.signed_in(Role::Owner).await.1;
    assert!(
        !app.audit_events(&owner, "availability.update")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn overrides_and_time_off_take_times_away() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Clinician).await;
    let p = app.first_practitioner_id().await;
    // Tuesday closed, Wednesday only 15:00–15:30.
    for body in [
        json!({"date": "2026-12-08", "windows": []}),
        json!({"date": "2026-12-09", "windows": [{"start": "15:00", "end": "15:30"}]}),
    ] {
        assert_status(
            app.send_as(
                &staff,
                Method::POST,
                &format!("/api/v1/practitioners/{p}/overrides"),
                body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    assert!(
        app.slots("free-consultation", "2026-12-08", "2026-12-08", Some("UTC"))
            .await
            .is_empty()
    );
    assert_eq!(
        app.slots("free-consultation", "2026-12-09", "2026-12-09", Some("UTC"))
            .await
            .len(),
        2
    );
    // Setting a date again replaces its override.
    assert_status(
        app.send_as(
            &staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/overrides"),
            json!({"date": "2026-12-09", "windows": []}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let overrides = assert_status(
        app.get_as(&staff, &format!("/api/v1/practitioners/{p}/overrides"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(overrides["items"].as_array().unwrap().len(), 2);

    // Time off across Thursday morning.
    let off = assert_status(
        app.send_as(
            &staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-10T00:00:00Z", "ends_at": "2026-12-10T12:00:00Z", "note": "Conference"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let thursday = app
        .slots("free-consultation", "2026-12-10", "2026-12-10", Some("UTC"))
        .await;
    assert_eq!(thursday[0]["start"], "2026-12-10T12:00:00+00:00");
    let off_id = off["id"].as_str().unwrap();
    let r = app
        .call(
            &staff,
            Method::DELETE,
            &format!("/api/v1/practitioners/{p}/time-off/{off_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.slots("free-consultation", "2026-12-10", "2026-12-10", Some("UTC"))
            .await
            .len(),
        32
    );

    let bad = json!({"starts_at": "2026-12-10T12:00:00Z", "ends_at": "2026-12-10T11:00:00Z"});
    let p_err = assert_problem(
        app.send_as(
            &staff,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            bad,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p_err), ["ends_at"]);
    // Someone else's item is not found.
    let r = app
        .call(
            &staff,
            Method::DELETE,
            &format!(
                "/api/v1/practitioners/{p}/time-off/{}",
                uuid::Uuid::new_v4()
            ),
        )
        .send()
        .await
        .unwrap();
    assert_problem(r, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn accented_names_are_found_however_they_are_typed() {
    // The database's lower() folds ASCII only on SQLite; the search must not depend on it.
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    app.create_couple_client(&staff).await;
    let accented = assert_status(
        app.send_as(
            &staff,
            Method::POST,
            "/api/v1/clients",
            json!({"kind": "individual", "participants": [{"first_name": "Élodie", "last_name": "Ørsted"}]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for q in ["élodie", "ÉLODIE", "ørsted", "ØRSTED", "Élodie Ørsted"] {
        let found = assert_status(
            app.get_as(&staff, &format!("/api/v1/clients?q={}", urlencode(q)))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "q={q}");
        assert_eq!(found["items"][0]["id"], accented["id"], "q={q}");
    }
    // A renamed client is found by its new name.
    let id = accented["id"].as_str().unwrap();
    assert_status(
        app.send_as(
            &staff,
            Method::PATCH,
            &format!("/api/v1/clients/{id}"),
            json!({"name": "Çelik household"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let found = assert_status(
        app.get_as(&staff, &format!("/api/v1/clients?q={}", urlencode("çelik")))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(found["items"][0]["id"], accented["id"]);
}

#[tokio::test]
async fn clients_are_created_found_paged_and_changed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    let id = app.create_couple_client(&staff).await;
    for i in 0..3 {
        assert_status(
            app.send_as(
                &staff,
                Method::POST,
                "/api/v1/clients",
                json!({"kind": "individual", "participants": [{"first_name": format!("Solo{i}")}]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    for (q, expected) in [
        ("ana", 1),
        ("LIMA", 1),
        ("berg", 1),
        ("ANA@EXAMPLE", 1),
        ("solo", 3),
        ("nobody", 0),
        ("%", 0),
    ] {
        let found = assert_status(
            app.get_as(&staff, &format!("/api/v1/clients?q={}", urlencode(q)))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), expected, "q={q}");
    }
    // Pages of two cover all four.
    let first = assert_status(
        app.get_as(&staff, "/api/v1/clients?limit=2").await,
        StatusCode::OK,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = assert_status(
        app.get_as(&staff, &format!("/api/v1/clients?limit=2&cursor={cursor}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert_eq!(second["next_cursor"], Value::Null);

    let path = format!("/api/v1/clients/{id}");
    let changed = assert_status(
        app.send_as(
            &staff,
            Method::PATCH,
            &path,
            json!({"status": "closed", "name": "Lima–Berg"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["status"], "closed");
    assert_eq!(changed["name"], "Lima–Berg");
    let closed = assert_status(
        app.get_as(&staff, "/api/v1/clients?status=closed").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["items"].as_array().unwrap().len(), 1);

    // A couple holds two people.
    let r = app
        .send_as(
            &staff,
            Method::POST,
            &format!("{path}/participants"),
            json!({"first_name": "Third"}),
        )
        .await;
    assert_problem(r, StatusCode::CONFLICT).await;
    let client = assert_status(app.get_as(&staff, &path).await, StatusCode::OK).await;
    let bo = client["participants"][1]["id"].as_str().unwrap();
    let updated = assert_status(
        app.send_as(
            &staff,
            Method::PUT,
            &format!("{path}/participants/{bo}"),
            json!({"first_name": "Bo", "last_name": "Berg", "email": "bo@example.org", "pronouns": "they/them", "preferred_contact": "text", "phone": "+44 20 7946 0000"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["pronouns"], "they/them");

    for (body, field) in [
        (
            json!({"kind": "couple", "participants": []}),
            "participants",
        ),
        (
            json!({"kind": "individual", "participants": [{"first_name": "a"}, {"first_name": "b"}]}),
            "participants",
        ),
        (
            json!({"kind": "couple", "participants": [{"first_name": "a", "email": "nope"}]}),
            "participants[0].email",
        ),
        (
            json!({"kind": "couple", "participants": [{"first_name": ""}]}),
            "participants[0].first_name",
        ),
        (
            json!({"kind": "couple", "participants": [{"first_name": "a", "preferred_contact": "pigeon"}]}),
            "participants[0].preferred_contact",
        ),
    ] {
        let p = assert_problem(
            app.send_as(&staff, Method::POST, "/api/v1/clients", body.clone())
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{body}");
    }
    assert_problem(
        app.get_as(&staff, &format!("/api/v1/clients/{}", uuid::Uuid::new_v4()))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn staff_book_inside_hours_or_outside_with_a_flag_but_never_over_another() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(&staff, "couples-session").await;
    let client = app.create_couple_client(&staff).await;
    let book = |start: &str, outside: bool| {
        let app = &app;
        let staff = staff.clone();
        let body = json!({"client_id": client, "appointment_type_id": session, "practitioner_id": p, "start": start, "outside_hours": outside});
        async move {
            app.send_as(&staff, Method::POST, "/api/v1/appointments", body)
                .await
        }
    };
    // Within hours: any minute, even today (staff are not bound by notice).
    let first = assert_status(
        book("2026-12-07T10:10:00Z", false).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["end"], "2026-12-07T11:00:00+00:00");
    assert_eq!(first["source"], "staff");
    // 11:00 is inside the first one's 10-minute buffer.
    let p1 = assert_problem(
        book("2026-12-07T11:05:00Z", false).await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p1["reason"], "slot_taken");
    assert_status(
        book("2026-12-07T11:10:00Z", false).await,
        StatusCode::CREATED,
    )
    .await;
    // Evening: outside hours, allowed only with the flag, and never over another.
    let p2 = assert_problem(
        book("2026-12-07T19:00:00Z", false).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(p2["reason"], "outside_hours");
    let evening = assert_status(
        book("2026-12-07T19:00:00Z", true).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(evening["outside_hours"], true);
    assert_problem(
        book("2026-12-07T19:30:00Z", true).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Booking assigns nobody: who treats a client is its own, recorded choice.
    let c = assert_status(
        app.get_as(&staff, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["primary_practitioner_id"], Value::Null);

    for (body, field) in [
        (
            json!({"client_id": uuid::Uuid::new_v4(), "appointment_type_id": session, "practitioner_id": p, "start": "2026-12-08T10:00:00Z"}),
            "client_id",
        ),
        (
            json!({"client_id": client, "appointment_type_id": uuid::Uuid::new_v4(), "practitioner_id": p, "start": "2026-12-08T10:00:00Z"}),
            "appointment_type_id",
        ),
        (
            json!({"client_id": client, "appointment_type_id": session, "practitioner_id": p, "start": "tomorrow"}),
            "start",
        ),
    ] {
        let p = assert_problem(
            app.send_as(&staff, Method::POST, "/api/v1/appointments", body.clone())
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{body}");
    }
}

#[tokio::test]
async fn every_change_to_an_appointment_raises_its_sequence_and_is_audited() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(&owner, "couples-session").await;
    let client = app.create_couple_client(&owner).await;
    let created = assert_status(
        app.send_as(&owner, Method::POST, "/api/v1/appointments", json!({"client_id": client, "appointment_type_id": session, "practitioner_id": p, "start": "2026-12-08T10:00:00Z"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["sequence"], 0);
    let id = created["id"].as_str().unwrap();
    let base = format!("/api/v1/appointments/{id}");
    let moved = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("{base}/reschedule"),
            json!({"start": "2026-12-08T13:00:00Z"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["sequence"], 1);
    assert_eq!(moved["start"], "2026-12-08T13:00:00+00:00");
    let done = assert_status(
        app.send_as(&owner, Method::POST, &format!("{base}/complete"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["sequence"], 2);
    let no_show = assert_status(
        app.send_as(&owner, Method::POST, &format!("{base}/no-show"), json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(no_show["status"], "no_show");
    assert_eq!(no_show["sequence"], 3);
    // A closed appointment can no longer be moved; cancelling a live one is final.
    let p_err = assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("{base}/reschedule"),
            json!({"start": "2026-12-08T14:00:00Z"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p_err["reason"], "not_live");

    let second = assert_status(
        app.send_as(&owner, Method::POST, "/api/v1/appointments", json!({"client_id": client, "appointment_type_id": session, "practitioner_id": p, "start": "2026-12-09T10:00:00Z"})).await,
        StatusCode::CREATED,
    )
    .await;
    let second_id = second["id"].as_str().unwrap();
    let cancelled = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/appointments/{second_id}/cancel"),
            json!({"reason": "Family emergency"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancelled_by"], "staff");
    assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/appointments/{second_id}/complete"),
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;

    for action in [
        "appointment.create",
        "appointment.reschedule",
        "appointment.complete",
        "appointment.no_show",
        "appointment.cancel",
    ] {
        assert!(
            !app.audit_events(&owner, action).await.is_empty(),
            "{action}"
        );
    }
    assert!(
        !app.get_as(&owner, "/api/v1/audit-events?limit=200")
            .await
            .text()
            .await
            .unwrap()
            .contains("Family emergency")
    );
}

#[tokio::test]
async fn the_appointment_list_filters_and_pages() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, staff) = app.signed_in(Role::Assistant).await;
    for (i, start) in [
        "2026-12-08T09:00:00Z",
        "2026-12-08T10:00:00Z",
        "2026-12-09T09:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        let mut body = couple_booking(start);
        body["email"] = json!(format!("p{i}@example.org"));
        body.as_object_mut().unwrap().remove("partner_email");
        app.book_ok(&body).await;
    }
    let day = assert_status(
        app.get_as(
            &staff,
            "/api/v1/appointments?from=2026-12-08T00:00:00Z&to=2026-12-09T00:00:00Z",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(day["items"].as_array().unwrap().len(), 2);
    let first = assert_status(
        app.get_as(&staff, "/api/v1/appointments?limit=2").await,
        StatusCode::OK,
    )
    .await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items[0]["start"], "2026-12-08T09:00:00+00:00");
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = assert_status(
        app.get_as(
            &staff,
            &format!("/api/v1/appointments?limit=2&cursor={cursor}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["items"][0]["start"], "2026-12-09T09:00:00+00:00");
    let confirmed = assert_status(
        app.get_as(&staff, "/api/v1/appointments?status=confirmed")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["items"].as_array().unwrap().len(), 3);
    let client_id = items[0]["client_id"].as_str().unwrap();
    let theirs = assert_status(
        app.get_as(
            &staff,
            &format!("/api/v1/appointments?client_id={client_id}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    for query in ["status=pending", "from=soon", "practitioner_id=x"] {
        assert_problem(
            app.get_as(&staff, &format!("/api/v1/appointments?{query}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
}
