//! Invoices split between partners, numbered without gaps, voided not deleted, and paid in
//! parts: every amount an exact whole number of cents.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, assert_problem, assert_status, error_fields};

/// The couples session at 175.01, coded for a video claim; its type id.
async fn priced_session(app: &TestApp, owner: &crate::common::Caller) -> String {
    let session = app.type_id(owner, "couples-session").await;
    assert_status(
        app.send_as(
            owner,
            Method::PUT,
            &format!("/api/v1/fees/types/{session}"),
            json!({"fee_minor": 17501, "cpt_code": "90847", "place_of_service": "10", "modifier": "95"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    session
}

#[tokio::test]
async fn a_couples_sessions_are_invoiced_to_each_partner_and_paid_in_parts() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    let session = priced_session(&app, owner).await;
    let split = format!("/api/v1/fees/clients/{}/split", couple.client);
    for (body, field) in [
        (
            json!({"mode": "split", "first_percent": 150}),
            "first_percent",
        ),
        (json!({"mode": "halves"}), "mode"),
        (
            json!({"mode": "one_payer", "payer_participant_id": uuid::Uuid::new_v4()}),
            "payer_participant_id",
        ),
    ] {
        let problem = assert_problem(
            app.send_as(&desk, Method::PUT, &split, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }
    assert_status(
        app.send_as(
            &desk,
            Method::PUT,
            &split,
            json!({"mode": "split", "first_percent": 50}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Two sessions: one held, one missed.
    let first = app.first_practitioner_id().await;
    let mut sessions = Vec::new();
    for start in ["2026-12-09T15:00:00Z", "2026-12-10T15:00:00Z"] {
        let a = assert_status(
            app.send_as(
                owner,
                Method::POST,
                "/api/v1/appointments",
                json!({"client_id": couple.client, "appointment_type_id": session,
                       "practitioner_id": first, "start": start}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        sessions.push(a["id"].as_str().unwrap().to_owned());
    }
    let invoices = "/api/v1/invoices";
    let early = assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            invoices,
            json!({"client_id": couple.client, "appointment_ids": [sessions[0]]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&early), ["appointment_ids"], "not held yet");
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-11T09:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    for (id, action) in [(&sessions[0], "complete"), (&sessions[1], "no-show")] {
        assert_status(
            app.send_as(
                &owner,
                Method::POST,
                &format!("/api/v1/appointments/{id}/{action}"),
                json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    app.dispatch_pending_emails().await;
    for body in [
        json!({"client_id": couple.client, "appointment_ids": []}),
        json!({"client_id": couple.client, "appointment_ids": [uuid::Uuid::new_v4()]}),
    ] {
        let problem = assert_problem(
            app.send_as(&desk, Method::POST, invoices, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), ["appointment_ids"]);
    }

    // The missed session is billed only once its fee is confirmed.
    let missed = assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            invoices,
            json!({"client_id": couple.client, "appointment_ids": sessions}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&missed), ["appointment_ids"]);
    assert!(missed.to_string().contains("no confirmed fee"), "{missed}");
    assert_status(
        app.send_as(
            &owner,
            Method::PUT,
            "/api/v1/fees/policy",
            json!({"late_cancel_percent": 50, "no_show_percent": 100}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let pending = app
        .get_as(&desk, "/api/v1/invoices/pending-fees?status=pending")
        .await;
    let pending = assert_status(pending, StatusCode::OK).await;
    let fees = pending["items"].as_array().unwrap();
    assert_eq!(fees.len(), 1, "{pending}");
    assert_eq!(fees[0]["kind"], "no_show");
    assert_eq!(fees[0]["amount_minor"], 17501);
    assert_eq!(fees[0]["appointment_id"], sessions[1].as_str());
    assert_status(
        app.post_empty_as(
            &desk,
            &format!(
                "/api/v1/invoices/pending-fees/{}/confirm",
                fees[0]["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // One draft per partner; the halves add up to the fee to the cent.
    let drafted = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            invoices,
            json!({"client_id": couple.client, "appointment_ids": sessions}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let items = drafted["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let totals: Vec<i64> = items
        .iter()
        .map(|i| i["total_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(totals.iter().sum::<i64>(), 2 * 17501);
    let mut sorted = totals.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [17500, 17502]);
    let jane = items.iter().find(|i| i["total_minor"] == 17502).unwrap();
    let sam = items.iter().find(|i| i["total_minor"] == 17500).unwrap();
    let lines = jane["lines"].as_array().unwrap();
    assert_eq!(lines[0]["kind"], "session");
    assert_eq!(lines[0]["cpt_code"], "90847");
    assert_eq!(lines[0]["modifier"], "95");
    assert_eq!(lines[0]["service_date"], "2026-12-09");
    assert_eq!(lines[1]["kind"], "no_show");
    assert_eq!(
        lines[1]["cpt_code"],
        Value::Null,
        "a missed session is no service"
    );
    assert_eq!(jane["status"], "draft");
    assert_eq!(jane["number"], Value::Null);
    assert_eq!(jane["total"], "$175.02");
    let again = assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            invoices,
            json!({"client_id": couple.client, "appointment_ids": sessions}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&again), ["appointment_ids"], "billed once");

    // Issued in turn: 1, 2. A draft takes no payment.
    let jane_id = jane["id"].as_str().unwrap();
    let sam_id = sam["id"].as_str().unwrap();
    let pay = |id: &str| format!("{invoices}/{id}/payments");
    assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            &pay(jane_id),
            json!({"amount_minor": 100, "method": "cash", "received_on": "2026-12-11"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let issued = assert_status(
        app.post_empty_as(&desk, &format!("{invoices}/{jane_id}/issue"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (issued["number"].as_i64(), issued["status"].as_str()),
        (Some(1), Some("issued"))
    );
    let issued = assert_status(
        app.post_empty_as(&desk, &format!("{invoices}/{sam_id}/issue"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(issued["number"], 2);
    assert_problem(
        app.post_empty_as(&desk, &format!("{invoices}/{jane_id}/issue"))
            .await,
        StatusCode::CONFLICT,
    )
    .await;

    // Paid in two parts; a refund cannot exceed what came in.
    for (body, fields) in [
        (
            json!({"amount_minor": 0, "method": "cash", "received_on": "2026-12-11"}),
            vec!["amount_minor"],
        ),
        (
            json!({"amount_minor": 100, "method": "bitcoin", "received_on": "11/12/2026"}),
            vec!["method", "received_on"],
        ),
        (
            json!({"amount_minor": -1, "method": "cash", "received_on": "2026-12-11"}),
            vec!["amount_minor"],
        ),
    ] {
        let problem = assert_problem(
            app.send_as(&desk, Method::POST, &pay(jane_id), body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), fields);
    }
    let part = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            &pay(jane_id),
            json!({"amount_minor": 10000, "method": "cash", "received_on": "2026-12-11"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(part["invoice"]["status"], "issued");
    assert_eq!(part["invoice"]["balance_minor"], 7502);
    let rest = assert_status(
        app.send_as(&desk, Method::POST, &pay(jane_id), json!({"amount_minor": 7502, "method": "card_terminal", "received_on": "2026-12-11", "reference": "T-4471"}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(rest["invoice"]["status"], "paid");
    assert_eq!(rest["invoice"]["balance"], "$0.00");
    let refund = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            &pay(jane_id),
            json!({"amount_minor": -502, "method": "card_terminal", "received_on": "2026-12-12"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(refund["invoice"]["status"], "issued");
    assert_eq!(refund["invoice"]["balance_minor"], 502);
    let listed = assert_status(app.get_as(&desk, &pay(jane_id)).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3);

    // Void keeps the number; one with money on it is refunded first.
    assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            &format!("{invoices}/{jane_id}/void"),
            json!({"reason": "Wrong fee"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let problem = assert_problem(
        app.send_as(
            &desk,
            Method::POST,
            &format!("{invoices}/{sam_id}/void"),
            json!({"reason": " "}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["reason"]);
    let voided = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            &format!("{invoices}/{sam_id}/void"),
            json!({"reason": "Wrong split"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (voided["status"].as_str(), voided["number"].as_i64()),
        (Some("void"), Some(2))
    );

    // Sam's share is drafted again, alone, and takes the next number: no gap, no repeat.
    let redrafted = assert_status(
        app.send_as(
            &desk,
            Method::POST,
            invoices,
            json!({"client_id": couple.client, "appointment_ids": sessions}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let items = redrafted["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["participant_id"], sam["participant_id"]);
    let new_id = items[0]["id"].as_str().unwrap();
    let issued = assert_status(
        app.post_empty_as(&desk, &format!("{invoices}/{new_id}/issue"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(issued["number"], 3);

    // Each partner's statement: what was charged, paid and is owed, void invoices left out.
    let statement = |who: &Value| {
        format!(
            "{invoices}/statement?client_id={}&participant_id={}",
            couple.client,
            who.as_str().unwrap()
        )
    };
    let hers = assert_status(
        app.get_as(&desk, &statement(&jane["participant_id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            hers["charged_minor"].as_i64(),
            hers["paid_minor"].as_i64(),
            hers["balance_minor"].as_i64()
        ),
        (Some(17502), Some(17000), Some(502))
    );
    let his = assert_status(
        app.get_as(&desk, &statement(&sam["participant_id"])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        his["invoices"].as_array().unwrap().len(),
        1,
        "the void one is left out"
    );
    assert_eq!(his["balance"], "$175.00");

    // A clinician does not handle money.
    let clinician = app.create_staff(Role::Clinician).await;
    let clinician = app.login(&clinician).await;
    assert_problem(
        app.get_as(&clinician, invoices).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let all = assert_status(
        app.get_as(&owner, &format!("{invoices}?client_id={}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().unwrap().len(), 3);
    assert_eq!(app.audit_events(&owner, "invoice.issue").await.len(), 3);
    assert_eq!(app.audit_events(&owner, "payment.record").await.len(), 3);
}

/// Every page's text of a PDF, as a reader extracts it, without white space (a reader
/// joins a wrapped line to the next without one).
#[tokio::test]
async fn each_paying_partner_gets_a_superbill_with_their_own_diagnoses() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let session = priced_session(&app, owner).await;
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
    let first = app.first_practitioner_id().await;
    let a = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": couple.client, "appointment_type_id": session,
                   "practitioner_id": first, "start": "2026-12-09T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-11T09:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let (_, owner) = app.signed_in(Role::Owner).await;
    let clinician = app.login(&couple.clinician_account).await;
    assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/appointments/{a}/complete"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    app.dispatch_pending_emails().await;
    let drafted = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": couple.client, "appointment_ids": [a]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let client = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = client["participants"][0]["id"].as_str().unwrap().to_owned();
    let sam = client["participants"][1]["id"].as_str().unwrap().to_owned();
    for inv in drafted["items"].as_array().unwrap() {
        let id = inv["id"].as_str().unwrap();
        assert_status(
            app.post_empty_as(&owner, &format!("/api/v1/invoices/{id}/issue"))
                .await,
            StatusCode::OK,
        )
        .await;
        if inv["participant_id"] == jane.as_str() {
            assert_status(
                app.send_as(
                    &owner,
                    Method::POST,
                    &format!("/api/v1/invoices/{id}/payments"),
                    json!({"amount_minor": inv["total_minor"], "method": "card_terminal", "received_on": "2026-12-11"}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
        }
    }

    // Who bills, checked: an NPI carries its own check digit.
    let bad = assert_problem(
        app.send_as(
            &owner,
            Method::PUT,
            "/api/v1/fees/provider",
            json!({"npi": "1234567890", "tin": "12-34"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["npi", "tin"]);
    assert_status(
        app.send_as(
            &owner,
            Method::PUT,
            "/api/v1/fees/provider",
            json!({"name": "Dr. Ana Reyes, PhD", "npi": "1234567893", "tin": "12-3456789",
                   "license": "NY Psychologist 012345", "address": "12 Main St, Albany NY 12207"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let payer = format!(
        "/api/v1/clients/{}/participants/{jane}/billing",
        couple.client
    );
    let bad = assert_problem(
        app.send_as(
            &owner,
            Method::PUT,
            &payer,
            json!({"date_of_birth": "2030-01-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["date_of_birth"]);
    assert_status(
        app.send_as(
            &owner,
            Method::PUT,
            &payer,
            json!({"date_of_birth": "1988-04-02", "address": "5 Elm Rd, Troy NY"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let dx = format!("/api/v1/clients/{}/diagnoses", couple.client);
    for body in [
        json!({"code": "Z63.0"}),
        json!({"code": "F43.23", "participant_id": jane}),
    ] {
        assert_status(
            app.send_as(&clinician, Method::POST, &dx, body).await,
            StatusCode::CREATED,
        )
        .await;
    }

    // Jane's: her identifiers, the couple's and her own diagnosis, her half, paid.
    let bill = |who: &str| {
        format!(
            "/api/v1/clients/{}/superbill?from=2026-12-01&to=2026-12-31&participant_id={who}",
            couple.client
        )
    };
    let r = app.get_as(&clinician, &bill(&jane)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let text = crate::common::pdf::squeezed_text(&r.bytes().await.unwrap());
    for words in [
        "1234567893",
        "123456789",
        "NY Psychologist 012345",
        "Jane Doe",
        "1988-04-02",
        "Z63.0",
        "F43.23",
        "2026-12-09",
        "CPT 90847",
        "place of service 10",
        "modifier 95",
        "fee $87.51, paid $87.51",
        "Total paid $87.51",
    ] {
        assert!(
            text.contains(&crate::common::pdf::squeezed(words)),
            "{words:?} in {text}"
        );
    }
    // Sam's: his half, unpaid, and nothing of Jane's own diagnosis.
    let text = crate::common::pdf::squeezed_text(
        &app.get_as(&owner, &bill(&sam)).await.bytes().await.unwrap(),
    );
    assert!(
        text.contains("SamRoe")
            && text.contains(&crate::common::pdf::squeezed("fee $87.50, paid $0.00")),
        "{text}"
    );
    assert!(text.contains("Z63.0") && !text.contains("F43.23"), "{text}");

    // Diagnoses are on it: the front desk may not make one. Bad dates are named.
    let (_, desk) = app.signed_in(Role::Assistant).await;
    assert_problem(app.get_as(&desk, &bill(&jane)).await, StatusCode::FORBIDDEN).await;
    let problem = assert_problem(
        app.get_as(
            &owner,
            &format!(
                "/api/v1/clients/{}/superbill?from=12/01/2026&to=2026-12-31",
                couple.client
            ),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["from", "participant_id"]);
    assert_eq!(app.audit_events(&owner, "superbill.create").await.len(), 2);
}
