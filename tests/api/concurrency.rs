//! The guarantee: however many requests race for one slot, exactly one gets it.

use attune::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, assert_status, database::uuid_literal, scheduling::couple_booking};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_five_bookings_racing_for_one_slot_give_one_booking() {
    let (app, _) = TestApp::at_monday_morning().await;
    let requests = (0..25).map(|i| {
        let mut body = couple_booking("2026-12-08T09:00:00Z");
        body["email"] = json!(format!("racer{i}@example.org"));
        body.as_object_mut().unwrap().remove("partner_email");
        let (client, url) = (app.client.clone(), app.url("/api/v1/public/bookings"));
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap().status() })
    });
    let statuses: Vec<StatusCode> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let taken = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, taken), (1, 24), "{statuses:?}");

    let (_, owner) = app.signed_in(Role::Owner).await;
    let all = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_database_refuses_an_overlap_even_behind_the_applications_back() {
    use sea_orm::{ConnectionTrait, Statement};
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    // Copy the booking's row under a new id: same practitioner, same time.
    let id = booked["id"].as_str().unwrap();
    let copy = format!(
        "INSERT INTO appointments (id, practitioner_id, appointment_type_id, client_id, starts_at, ends_at, \
         blocked_from, blocked_until, status, source, sequence, outside_hours, created_at, updated_at) \
         SELECT {new}, practitioner_id, appointment_type_id, client_id, starts_at, ends_at, blocked_from, \
         blocked_until, status, source, 0, outside_hours, created_at, updated_at FROM appointments WHERE id = {old}",
        new = uuid_literal(backend, uuid::Uuid::new_v4()),
        old = uuid_literal(backend, id.parse().unwrap()),
    );
    let err = db
        .execute_raw(Statement::from_string(backend, copy))
        .await
        .expect_err("an overlap was stored");
    assert!(err.to_string().contains("appointments_no_overlap"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_retries_racing_each_other_all_get_the_one_booking() {
    // A double click, many times over: the same key and body sent at once.
    let (app, _) = TestApp::at_monday_morning().await;
    let body = couple_booking("2026-12-08T09:00:00Z");
    let requests = (0..8).map(|_| {
        let (client, url, body) = (
            app.client.clone(),
            app.url("/api/v1/public/bookings"),
            body.clone(),
        );
        tokio::spawn(async move {
            let response = client
                .post(url)
                .header("Idempotency-Key", "double-click-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            (status, response.json::<serde_json::Value>().await.unwrap())
        })
    });
    let answers: Vec<_> = futures_util::future::join_all(requests)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(s, _)| *s == StatusCode::CREATED || *s == StatusCode::OK),
        "{answers:?}"
    );
    let first = &answers[0].1;
    for (_, body) in &answers {
        assert_eq!(body["id"], first["id"]);
        assert_eq!(body["manage_token"], first["manage_token"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_move_and_a_booking_racing_for_one_time_give_one_winner() {
    let (app, _) = TestApp::at_monday_morning().await;
    for round in 0..4 {
        let from = format!("2026-12-{:02}T09:00:00Z", 8 + round);
        let to = format!("2026-12-{:02}T11:00:00Z", 8 + round);
        let booked = app.book_ok(&couple_booking(&from)).await;
        let token = booked["manage_token"].as_str().unwrap().to_owned();
        let mut rival = couple_booking(&to);
        rival["email"] = json!(format!("rival{round}@example.org"));
        let mover = {
            let (client, url, to) = (
                app.client.clone(),
                app.url(&format!("/api/v1/public/bookings/{token}/reschedule")),
                to.clone(),
            );
            tokio::spawn(async move {
                client
                    .post(url)
                    .json(&json!({ "start": to }))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        };
        let booker = {
            let (client, url) = (app.client.clone(), app.url("/api/v1/public/bookings"));
            tokio::spawn(
                async move { client.post(url).json(&rival).send().await.unwrap().status() },
            )
        };
        let (moved, made) = (mover.await.unwrap(), booker.await.unwrap());
        let winners = [moved == StatusCode::OK, made == StatusCode::CREATED];
        assert_eq!(
            winners.iter().filter(|w| **w).count(),
            1,
            "round {round}: move {moved}, booking {made}"
        );
        assert!(
            moved == StatusCode::CONFLICT || made == StatusCode::CONFLICT,
            "round {round}: move {moved}, booking {made}"
        );
    }
    // However the races went, no two live appointments overlap.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let all = assert_status(
        app.get_as(&owner, "/api/v1/appointments?status=confirmed")
            .await,
        StatusCode::OK,
    )
    .await;
    let mut spans: Vec<(String, String)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["start"].as_str().unwrap().to_owned(),
                a["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort();
    for pair in spans.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "overlap: {pair:?}");
    }
}

#[tokio::test]
async fn the_database_refuses_an_overlapping_move_behind_the_applications_back() {
    use sea_orm::{ConnectionTrait, Statement};
    let (app, _) = TestApp::at_monday_morning().await;
    let first = app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let mut other = couple_booking("2026-12-08T11:00:00Z");
    other["email"] = json!("other@example.org");
    let second = app.book_ok(&other).await;
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    let (a, b) = (
        uuid_literal(backend, first["id"].as_str().unwrap().parse().unwrap()),
        uuid_literal(backend, second["id"].as_str().unwrap().parse().unwrap()),
    );
    // Move the second onto the first's time with a bare UPDATE.
    let moved = format!(
        "UPDATE appointments SET \
         starts_at = (SELECT starts_at FROM appointments WHERE id = {a}), \
         ends_at = (SELECT ends_at FROM appointments WHERE id = {a}), \
         blocked_from = (SELECT blocked_from FROM appointments WHERE id = {a}), \
         blocked_until = (SELECT blocked_until FROM appointments WHERE id = {a}) \
         WHERE id = {b}"
    );
    let err = db
        .execute_raw(Statement::from_string(backend, moved))
        .await
        .expect_err("an overlap was stored");
    assert!(err.to_string().contains("appointments_no_overlap"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_people_assigning_a_new_couple_at_once_do_not_both_win() {
    use reqwest::Method;
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let first = app.first_practitioner_id().await;
    let (theirs, clinician) = app.other_practitioner(&owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    for _ in 0..5 {
        let created = assert_status(
            app.send_as(
                &assistant,
                Method::POST,
                "/api/v1/clients",
                json!({"kind": "individual", "participants": [{"first_name": "Ana"}]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let path = format!(
            "/api/v1/clients/{}/practitioner",
            created["id"].as_str().unwrap()
        );
        // The front desk routes the couple to the first practitioner while the other
        // clinician takes them on: whoever comes second is moving a treated couple.
        let (a, b) = tokio::join!(
            app.send_as(
                &assistant,
                Method::PUT,
                &path,
                json!({"practitioner_id": first})
            ),
            app.send_as(
                &clinician,
                Method::PUT,
                &path,
                json!({"practitioner_id": theirs})
            ),
        );
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::FORBIDDEN]);
    }
    assert_eq!(app.audit_events(&owner, "client.assign").await.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_drafts_of_one_session_at_once_bill_it_once() {
    use reqwest::Method;
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let consultation = app.type_id(&couple.owner, "free-consultation").await;
    assert_status(
        app.send_as(
            &couple.owner,
            Method::PUT,
            &format!("/api/v1/fees/types/{consultation}"),
            json!({"fee_minor": 5000}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    clock.set("2026-12-08T15:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    assert_status(
        app.post_empty_as(
            &owner,
            &format!("/api/v1/appointments/{}/complete", couple.appointment),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.dispatch_pending_emails().await;
    let body = json!({"client_id": couple.client, "appointment_ids": [couple.appointment]});
    let (a, b) = tokio::join!(
        app.send_as(&owner, Method::POST, "/api/v1/invoices", body.clone()),
        app.send_as(&desk, Method::POST, "/api/v1/invoices", body),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]
    );
    let all = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/invoices?client_id={}", couple.client),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1, "billed once");
}
