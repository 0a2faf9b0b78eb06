//! The late-cancellation and no-show policy: told to clients before they book and in every
//! reminder, a cancellation after the cutoff allowed only where it is charged, and each fee
//! waiting for the therapist to confirm (then invoiced) or waive (audited).

use attune::auth::Role;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    TestApp, assert_problem, assert_status, error_fields, scheduling::couple_booking,
    smtp::SmtpServer,
};

const START: &str = "2026-12-08T14:00:00Z";
const NOTICE: &str = "Cancellations after the cancellation deadline are charged 50% of the \
                      session fee; a missed appointment is charged the full session fee.";

async fn set_policy(app: &TestApp, owner: &crate::common::Caller, body: Value) -> Value {
    assert_status(
        app.send_as(owner, Method::PUT, "/api/v1/fees/policy", body)
            .await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn the_policy_is_checked_and_shown_before_booking_and_in_reminders() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    for (body, field) in [
        (json!({"late_cancel_percent": 0}), "late_cancel_percent"),
        (json!({"no_show_percent": 101}), "no_show_percent"),
        (json!({"expected_sessions": 0}), "expected_sessions"),
    ] {
        let problem = assert_problem(
            app.send_as(&owner, Method::PUT, "/api/v1/fees/policy", body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }
    assert_problem(
        app.send_as(
            &desk,
            Method::PUT,
            "/api/v1/fees/policy",
            json!({"no_show_percent": 100}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let book = app
        .get("/book/free-consultation")
        .await
        .text()
        .await
        .unwrap();
    assert!(!book.contains("Cancellation policy"), "none set yet");
    assert!(!book.contains("Good Faith Estimate"));

    let saved = set_policy(
        &app,
        &owner,
        json!({"late_cancel_percent": 50, "no_show_percent": 100, "good_faith_estimates": true}),
    )
    .await;
    assert_eq!(saved["notice"], NOTICE);
    assert_eq!(saved["expected_sessions"], 12);
    let read = assert_status(
        app.get_as(&desk, "/api/v1/fees/policy").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read, saved);

    let book = app
        .get("/book/free-consultation")
        .await
        .text()
        .await
        .unwrap();
    assert!(book.contains(NOTICE), "{book}");
    assert!(book.contains("Your right to a Good Faith Estimate"));
    assert!(book.contains("$400 or more"));

    let booked = app.book_ok(&couple_booking(START)).await;
    let manage = app
        .get(&format!("/booking/{}", TestApp::token_of(&booked)))
        .await
        .text()
        .await
        .unwrap();
    assert!(manage.contains(NOTICE) && manage.contains("Good Faith Estimate"));
    app.dispatch_pending_emails().await;
    let start: DateTime<Utc> = START.parse().unwrap();
    clock.set(start - chrono::TimeDelta::hours(24));
    app.dispatch_pending_emails().await;
    let texts = smtp.texts_to("jane@example.org", "");
    let confirmation = texts.iter().find(|t| t.contains("is booked")).unwrap();
    let reminder = texts.iter().find(|t| t.contains("A reminder")).unwrap();
    for text in [confirmation, reminder] {
        assert!(
            text.replace("\r\n", " ")
                .replace('\n', " ")
                .contains(NOTICE),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_late_cancellation_and_a_no_show_wait_for_the_therapist_then_are_invoiced() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let couple = app.couple_in_care_of(&booked).await;
    let owner = &couple.owner;
    let consultation = app.type_id(owner, "free-consultation").await;
    assert_status(
        app.send_as(
            owner,
            Method::PUT,
            &format!("/api/v1/fees/types/{consultation}"),
            json!({"fee_minor": 5001}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            owner,
            Method::PUT,
            &format!("/api/v1/fees/clients/{}/split", couple.client),
            json!({"mode": "split", "first_percent": 50}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let token = TestApp::token_of(&booked);

    // Inside the cutoff, without a fee policy: refused, as before.
    let start: DateTime<Utc> = START.parse().unwrap();
    clock.set(start - chrono::TimeDelta::hours(6));
    let refused = assert_problem(app.cancel_booking(&token).await, StatusCode::CONFLICT).await;
    assert_eq!(refused["reason"], "past_cutoff");
    let page = app
        .get(&format!("/booking/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("please contact the practice"));

    // With one, the client may still cancel, and is told what it may cost.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    set_policy(
        &app,
        &owner,
        json!({"late_cancel_percent": 50, "no_show_percent": 100}),
    )
    .await;
    let page = app
        .get(&format!("/booking/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("a late-cancellation fee may apply"), "{page}");
    let confirm = app
        .get(&format!("/booking/{token}/cancel"))
        .await
        .text()
        .await
        .unwrap();
    assert!(confirm.contains("late cancellation") && confirm.contains(NOTICE));
    assert_status(app.cancel_booking(&token).await, StatusCode::OK).await;

    let fees_path = format!("/api/v1/invoices/pending-fees?client_id={}", couple.client);
    let listed = assert_status(app.get_as(&desk, &fees_path).await, StatusCode::OK).await;
    let fees = listed["items"].as_array().unwrap();
    assert_eq!(fees.len(), 1, "{listed}");
    assert_eq!(fees[0]["kind"], "late_cancellation");
    assert_eq!(
        fees[0]["amount_minor"], 2501,
        "half of 50.01, rounded half up"
    );
    assert_eq!(fees[0]["amount"], "$25.01");
    assert_eq!(fees[0]["status"], "pending");
    let again = assert_status(app.get_as(&desk, &fees_path).await, StatusCode::OK).await;
    assert_eq!(again["items"].as_array().unwrap().len(), 1, "made once");
    let bad = assert_problem(
        app.get_as(&desk, "/api/v1/invoices/pending-fees?status=maybe")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["status"]);
    let (_, clinician_only) = app.signed_in(Role::Clinician).await;
    assert_problem(
        app.get_as(&clinician_only, &fees_path).await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // Confirmed, it is invoiced split like a session; decided, it is final.
    let fee_id = fees[0]["id"].as_str().unwrap();
    let confirmed = assert_status(
        app.post_empty_as(
            &desk,
            &format!("/api/v1/invoices/pending-fees/{fee_id}/confirm"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(confirmed["status"], "confirmed");
    for action in ["confirm", "waive"] {
        assert_problem(
            app.post_empty_as(
                &desk,
                &format!("/api/v1/invoices/pending-fees/{fee_id}/{action}"),
            )
            .await,
            StatusCode::CONFLICT,
        )
        .await;
    }
    assert_problem(
        app.post_empty_as(
            &desk,
            &format!(
                "/api/v1/invoices/pending-fees/{}/waive",
                uuid::Uuid::new_v4()
            ),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let drafted = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": couple.client, "appointment_ids": [couple.appointment]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let items = drafted["items"].as_array().unwrap();
    let mut totals: Vec<i64> = items
        .iter()
        .map(|i| i["total_minor"].as_i64().unwrap())
        .collect();
    totals.sort_unstable();
    assert_eq!(totals, [1250, 1251]);
    let line = &items[0]["lines"][0];
    assert_eq!(line["kind"], "late_cancellation");
    assert_eq!(line["cpt_code"], Value::Null);
    assert!(
        line["description"]
            .as_str()
            .unwrap()
            .starts_with("Late cancellation")
    );

    // A missed session's fee can be waived: it is then never invoiced.
    let next = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": couple.client, "appointment_type_id": consultation,
                   "practitioner_id": app.first_practitioner_id().await,
                   "start": "2026-12-09T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let next = next["id"].as_str().unwrap();
    clock.set("2026-12-09T16:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    assert_status(
        app.post_empty_as(&owner, &format!("/api/v1/appointments/{next}/no-show"))
            .await,
        StatusCode::OK,
    )
    .await;
    let listed = assert_status(
        app.get_as(&desk, &format!("{fees_path}&status=pending"))
            .await,
        StatusCode::OK,
    )
    .await;
    let missed = &listed["items"][0];
    assert_eq!(missed["kind"], "no_show");
    assert_eq!(missed["amount_minor"], 5001);
    assert_status(
        app.post_empty_as(
            &desk,
            &format!(
                "/api/v1/invoices/pending-fees/{}/waive",
                missed["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let refused = assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": couple.client, "appointment_ids": [next]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&refused), ["appointment_ids"]);
    let confirmed = app.audit_events(&owner, "fee.confirm").await;
    let waived = app.audit_events(&owner, "fee.waive").await;
    assert_eq!((confirmed.len(), waived.len()), (1, 1));
    assert_eq!(waived[0]["entity_id"], next);
}
