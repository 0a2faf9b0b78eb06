//! The guarantee: however many requests race for one slot, exactly one gets it.

use attune::auth::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::{TestApp, assert_status, scheduling::couple_booking};

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

/// A UUID literal as each backend stores UUIDs (SQLite: 16-byte blobs).
fn uuid_literal(backend: sea_orm::DbBackend, id: uuid::Uuid) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => format!("'{id}'"),
        _ => format!("X'{}'", id.simple()),
    }
}
