//! Rules the JSON API and the dashboard share: the same input is refused the same way at
//! both edges, because both hand it to the one check in its capability.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, admin::html, assert_problem, assert_status, error_fields};

/// Within the 20 digits a phone number may have, but longer than the 40 characters kept.
fn overlong_phone() -> String {
    format!("{}555 010 0199", "(".repeat(30))
}

#[tokio::test]
async fn a_partners_phone_is_held_to_one_length_at_both_edges() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let client = assert_status(
        app.get_as(&c.owner, &format!("/api/v1/clients/{}", c.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = client["participants"][0]["id"].as_str().unwrap().to_owned();
    let problem = assert_problem(
        app.send_as(
            &c.owner,
            Method::PUT,
            &format!("/api/v1/clients/{}/participants/{jane}", c.client),
            json!({"first_name": "Jane", "last_name": "Doe", "phone": overlong_phone()}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["phone"]);

    let phone = overlong_phone();
    let page = html(
        app.submit(
            &c.owner,
            &format!("/admin/clients/{}/edit", c.client),
            &[
                ("name", "Jane & Sam"),
                ("status", "active"),
                ("p0.first_name", "Jane"),
                ("p0.last_name", "Doe"),
                ("p0.email", "jane@example.org"),
                ("p0.phone", &phone),
                ("p1.first_name", "Sam"),
                ("p1.last_name", "Roe"),
                ("p1.email", "sam@example.org"),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(page.contains("must be a phone number"), "{page}");
    let (_, owner) = app.signed_in(Role::Owner).await;
    let after = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{}", c.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(after["participants"][0]["phone"], json!(phone));
}

#[tokio::test]
async fn an_overlong_cancellation_reason_is_refused_at_both_edges_not_cut_short() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app
        .book_ok(&crate::common::scheduling::couple_booking(
            "2026-12-08T14:00:00Z",
        ))
        .await;
    let token = booked["manage_token"].as_str().unwrap().to_owned();
    let long = "x".repeat(2001);
    let problem = assert_problem(
        app.client
            .post(app.url(&format!("/api/v1/public/bookings/{token}/cancel")))
            .json(&json!({ "reason": long }))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["reason"]);
    let page = app
        .client
        .post(app.url(&format!("/booking/{token}/cancel")))
        .header("accept", "text/html")
        .form(&[("reason", long.as_str()), ("tz", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let seen = app
        .get_json(&format!("/api/v1/public/bookings/{token}"), StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "confirmed");
}

#[tokio::test]
async fn time_off_is_held_to_a_year_at_both_edges() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let problem = assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-14T09:00:00Z", "ends_at": "2028-01-14T09:00:00Z"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["ends_at"]);

    let page = html(
        app.submit(
            &owner,
            "/admin/settings/hours/time-off",
            &[
                ("practitioner", &p),
                ("off_start", "2026-12-14T09:00"),
                ("off_end", "2028-01-14T09:00"),
                ("off_note", "Sabbatical"),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        page.contains(r#"id="f-off_end-error""#) || page.contains(r#"id="off_end-error""#),
        "{page}"
    );
    assert!(page.contains("at most a year"), "{page}");
    let listed = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{p}/time-off"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]), "nothing saved");
}
