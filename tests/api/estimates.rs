//! Good Faith Estimates: delivered on time once a self-pay couple's first paid session is
//! booked, a new version when what it says changes, the PDF as delivered (checked, parsed
//! back), the warning when billing passes the estimate by $400, and each partner's page
//! showing their own invoices, receipts, superbill and the couple's estimates.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, assert_problem, assert_status,
    pdf::{squeezed, squeezed_text},
    smtp::SmtpServer,
};
use crate::portal::{form_token, sign_in};

async fn put(app: &TestApp, who: &Caller, path: &str, body: Value) -> Value {
    assert_status(
        app.send_as(who, Method::PUT, path, body).await,
        StatusCode::OK,
    )
    .await
}

async fn housekeeping(app: &TestApp) -> u64 {
    attune::housekeeping::run_once(&app.state)
        .await
        .unwrap()
        .estimates_delivered
}

/// A practice ready to estimate: the provider's identity, the couples session's fee and
/// codes, and estimates turned on. Answers the session's type id.
async fn ready(app: &TestApp, owner: &Caller) -> String {
    put(
        app,
        owner,
        "/api/v1/fees/provider",
        json!({"name": "Dana Whitfield, LMFT", "npi": "1234567893", "tin": "12-3456789",
               "license": "LMFT 4521", "address": "12 Elm St, Springfield"}),
    )
    .await;
    let session = app.type_id(owner, "couples-session").await;
    put(
        app,
        owner,
        &format!("/api/v1/fees/types/{session}"),
        json!({"fee_minor": 17500, "cpt_code": "90847", "place_of_service": "10", "modifier": "95"}),
    )
    .await;
    put(
        app,
        owner,
        "/api/v1/fees/policy",
        json!({"good_faith_estimates": true}),
    )
    .await;
    session
}

#[tokio::test]
async fn a_self_pay_couple_gets_an_estimate_on_time_and_a_new_one_when_it_changes() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    let session = ready(&app, owner).await;
    let client = &couple.client;
    let people = assert_status(
        app.get_as(owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = people["participants"][0]["id"].as_str().unwrap().to_owned();
    put(
        &app,
        &desk,
        &format!("/api/v1/clients/{client}/participants/{jane}/billing"),
        json!({"date_of_birth": "1988-04-02", "address": "3 Oak Lane"}),
    )
    .await;
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!("/api/v1/clients/{client}/diagnoses"),
            json!({"code": "Z63.0", "description": "Relationship distress"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let list = format!("/api/v1/clients/{client}/good-faith-estimates");

    // The free consultation calls for none.
    assert_eq!(housekeeping(&app).await, 0);
    let none = assert_status(app.get_as(&desk, &list).await, StatusCode::OK).await;
    assert_eq!(none["items"], json!([]));

    // A paid session two weeks (ten business days) ahead: due within three business days.
    let booked = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": client, "appointment_type_id": session,
                   "practitioner_id": app.first_practitioner_id().await,
                   "start": "2026-12-21T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(housekeeping(&app).await, 1);
    assert_eq!(housekeeping(&app).await, 0, "nothing changed");
    let listed = assert_status(app.get_as(&desk, &list).await, StatusCode::OK).await;
    let first = &listed["items"][0];
    assert_eq!(first["version"], 1);
    assert_eq!(first["reason"], "scheduled");
    assert_eq!(first["current"], true);
    assert_eq!(first["on_time"], true);
    assert_eq!(first["total_minor"], 12 * 17500);
    assert_eq!(first["total"], "$2,100.00");
    // The end of Thursday 10 December in the practice's zone (UTC here).
    assert_eq!(first["due_by"], "2026-12-11T00:00:00+00:00");
    assert_eq!(listed["over_estimate"], false);

    // Each partner is told, without a word of the diagnosis.
    app.dispatch_pending_emails().await;
    for address in ["jane@example.org", "sam@example.org"] {
        let texts = smtp.texts_to(address, "Good Faith Estimate");
        assert_eq!(texts.len(), 1, "{address}");
        assert!(texts[0].contains("$2,100.00") && texts[0].contains("/portal"));
        assert!(!texts[0].contains("Z63") && !texts[0].contains("Relationship"));
    }

    // The PDF as delivered, for the couple's clinicians; checked against its digest.
    let id = first["id"].as_str().unwrap();
    let pdf_path = format!("{list}/{id}/pdf");
    let r = app.get_as(owner, &pdf_path).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let digest = r.headers()["x-content-sha256"].to_str().unwrap().to_owned();
    assert_eq!(digest, first["pdf_sha256"].as_str().unwrap());
    let bytes = r.bytes().await.unwrap();
    assert_eq!(attune::crypto::sha256_bytes_hex(&bytes), digest);
    let text = squeezed_text(&bytes);
    for words in [
        "Good Faith Estimate",
        "Version 1, delivered",
        "Jane Doe",
        "date of birth 1988-04-02",
        "Sam Roe",
        "Dana Whitfield, LMFT",
        "1234567893",
        "123456789",
        "12 Elm St, Springfield",
        "Z63.0 Relationship distress",
        "CPT 90847, place of service 10, modifier 95",
        "$175.00 each, expected 12 times: $2,100.00",
        "Total expected charges $2,100.00",
        "at least $400 more than this estimate",
    ] {
        assert!(text.contains(&squeezed(words)), "{words:?} in {text}");
    }
    assert_problem(app.get_as(&desk, &pdf_path).await, StatusCode::FORBIDDEN).await;
    assert_eq!(
        app.get_as(&couple.clinician, &pdf_path).await.status(),
        StatusCode::OK
    );
    assert_eq!(app.audit_events(owner, "estimate.read").await.len(), 2);
    assert_eq!(app.audit_events(owner, "estimate.deliver").await.len(), 1);

    // A new fee: a new version on the next pass, the first kept as it was.
    put(
        &app,
        owner,
        &format!("/api/v1/fees/types/{session}"),
        json!({"fee_minor": 18000, "cpt_code": "90847", "place_of_service": "10", "modifier": "95"}),
    )
    .await;
    assert_eq!(housekeeping(&app).await, 1);
    let listed = assert_status(app.get_as(&desk, &list).await, StatusCode::OK).await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            &items[0]["version"],
            &items[0]["reason"],
            &items[0]["current"]
        ),
        (&json!(2), &json!("changed"), &json!(true))
    );
    assert_eq!(items[0]["total_minor"], 12 * 18000);
    assert_eq!(items[1]["current"], false);
    assert_eq!(
        app.get_as(owner, &pdf_path).await.bytes().await.unwrap(),
        bytes,
        "the first version is kept as delivered"
    );
    app.dispatch_pending_emails().await;
    assert_eq!(
        smtp.texts_to("jane@example.org", "revised").len(),
        1,
        "told of the new version"
    );

    // Asked for: delivered at once.
    let asked = assert_status(app.post_empty_as(&desk, &list).await, StatusCode::CREATED).await;
    assert_eq!(asked["version"], 3);
    assert_eq!(asked["reason"], "requested");
    assert_problem(
        app.post_empty_as(
            &desk,
            &format!(
                "/api/v1/clients/{}/good-faith-estimates",
                uuid::Uuid::new_v4()
            ),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A couple using insurance gets none from the pass.
    put(
        &app,
        &desk,
        &format!("/api/v1/fees/clients/{client}/self-pay"),
        json!({"self_pay": false}),
    )
    .await;
    put(
        &app,
        owner,
        &format!("/api/v1/fees/types/{session}"),
        json!({"fee_minor": 19000}),
    )
    .await;
    assert_eq!(housekeeping(&app).await, 0);
    put(
        &app,
        &desk,
        &format!("/api/v1/fees/clients/{client}/self-pay"),
        json!({"self_pay": true}),
    )
    .await;
    assert_eq!(housekeeping(&app).await, 1);

    // Billing $400 past the estimate is flagged: a client fee far above it, one session.
    put(
        &app,
        owner,
        "/api/v1/fees/policy",
        json!({"good_faith_estimates": true, "expected_sessions": 1}),
    )
    .await;
    assert_eq!(housekeeping(&app).await, 1);
    put(
        &app,
        &desk,
        &format!("/api/v1/fees/clients/{client}"),
        json!({"fee_minor": 60000}),
    )
    .await;
    clock.set("2026-12-21T17:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    let appointment = booked["id"].as_str().unwrap();
    assert_status(
        app.post_empty_as(
            &owner,
            &format!("/api/v1/appointments/{appointment}/complete"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let drafted = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": client, "appointment_ids": [appointment]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let invoice = drafted["items"][0]["id"].as_str().unwrap().to_owned();
    let before = assert_status(app.get_as(&desk, &list).await, StatusCode::OK).await;
    assert_eq!(before["over_estimate"], false, "a draft is not a bill");
    assert_status(
        app.post_empty_as(&desk, &format!("/api/v1/invoices/{invoice}/issue"))
            .await,
        StatusCode::OK,
    )
    .await;
    let after = assert_status(app.get_as(&desk, &list).await, StatusCode::OK).await;
    assert_eq!(after["billed_minor"], 60000);
    assert_eq!(after["over_estimate"], true, "{after}");
    app.dispatch_pending_emails().await;
}

#[tokio::test]
async fn each_partner_sees_their_own_invoices_receipts_superbill_and_the_estimates() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let session = ready(&app, owner).await;
    let client = &couple.client;
    put(
        &app,
        owner,
        &format!("/api/v1/fees/clients/{client}/split"),
        json!({"mode": "split", "first_percent": 50}),
    )
    .await;
    let booked = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": client, "appointment_type_id": session,
                   "practitioner_id": app.first_practitioner_id().await,
                   "start": "2026-12-09T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(housekeeping(&app).await, 1);
    clock.set("2026-12-09T17:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    let appointment = booked["id"].as_str().unwrap();
    assert_status(
        app.post_empty_as(
            &owner,
            &format!("/api/v1/appointments/{appointment}/complete"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let drafted = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": client, "appointment_ids": [appointment]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for i in drafted["items"].as_array().unwrap() {
        let id = i["id"].as_str().unwrap();
        assert_status(
            app.post_empty_as(&owner, &format!("/api/v1/invoices/{id}/issue"))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    let people = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = people["participants"][0]["id"].as_str().unwrap();
    let janes = drafted["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["participant_id"] == jane)
        .unwrap();
    assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!(
                "/api/v1/invoices/{}/payments",
                janes["id"].as_str().unwrap()
            ),
            json!({"amount_minor": 8750, "method": "card_terminal", "received_on": "2026-12-09"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;

    let cookie = sign_in(&app, &smtp, "jane@example.org").await;
    let page = app.get_html("/portal", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Invoices and receipts"), "{page}");
    assert!(page.contains("Invoice 1") || page.contains("Invoice 2"));
    assert!(page.contains("paid $87.50 (Card)"), "{page}");
    assert!(page.contains("Version 1, delivered"));
    assert!(page.contains("Your right to a Good Faith Estimate"));
    let token = form_token(&page);
    let estimates = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/clients/{client}/good-faith-estimates"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let estimate = estimates["items"][0]["id"].as_str().unwrap();
    let pdf = app
        .post_html(
            &format!("/portal/estimates/{estimate}"),
            Some(&cookie),
            &[("token", token.as_str())],
        )
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let text = squeezed_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("GoodFaithEstimate") && text.contains("JaneDoe"));
    let bill = app
        .post_html(
            "/portal/superbill",
            Some(&cookie),
            &[
                ("token", token.as_str()),
                ("from", "2026-12-01"),
                ("to", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(bill.status(), StatusCode::OK);
    let text = squeezed_text(&bill.bytes().await.unwrap());
    assert!(
        text.contains("JaneDoe") && !text.contains("SamRoe"),
        "{text}"
    );
    assert!(
        text.contains(&squeezed("fee $87.50, paid $87.50")),
        "{text}"
    );
    let bad = app
        .post_html(
            "/portal/superbill",
            Some(&cookie),
            &[("token", token.as_str()), ("from", "soon"), ("to", "")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let forged = app
        .post_html(
            &format!("/portal/estimates/{estimate}"),
            Some(&cookie),
            &[("token", "not-the-token")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // Sam's page: his own invoice, nothing paid, no receipt of Jane's.
    let sams = app
        .get_html(
            "/portal",
            Some(&sign_in(&app, &smtp, "sam@example.org").await),
        )
        .await;
    let sams = sams.text().await.unwrap();
    assert!(sams.contains("You owe <strong>$87.50</strong>"), "{sams}");
    assert!(!sams.contains("paid $87.50"));
}
