//! Billing in the dashboard: the settings form, a couple's billing page (who pays, sessions
//! to invoice, statements), an invoice issued and paid, a missed session's fee charged from
//! the billing page, and the documents that name diagnoses for the couple's clinicians only.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, admin::html, assert_status, pdf::squeezed_text};

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_front_desk_bills_a_couple_from_the_dashboard() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let session = app.type_id(owner, "couples-session").await;
    let fee = format!("fee_{session}");
    let cpt = format!("cpt_{session}");
    let pos = format!("pos_{session}");
    let modifier = format!("modifier_{session}");

    // The settings form: a typed amount that is no amount is named beside its field.
    let settings = html(
        app.page(owner, "/admin/settings/billing").await,
        StatusCode::OK,
    )
    .await;
    assert!(settings.contains("Late-cancellation fee"));
    let mut fields = vec![
        ("currency", "USD"),
        ("late_cancel_percent", "50"),
        ("no_show_percent", "100"),
        ("good_faith_estimates", "1"),
        ("expected_sessions", "12"),
        ("provider_name", "Dana Whitfield, LMFT"),
        ("npi", "1234567893"),
        ("tin", "12-3456789"),
        ("license", "LMFT 4521"),
        ("address", "12 Elm St"),
        (fee.as_str(), "175.0.0"),
        (cpt.as_str(), "90847"),
        (pos.as_str(), "10"),
        (modifier.as_str(), "95"),
    ];
    let refused = app.submit(owner, "/admin/settings/billing", &fields).await;
    let page = html(refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("must be an amount like 175.00"), "{page}");
    fields[10].1 = "175.00";
    let saved = app.submit(owner, "/admin/settings/billing", &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let schedule = assert_status(app.get_as(owner, "/api/v1/fees").await, StatusCode::OK).await;
    let row = schedule["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["appointment_type_id"] == session.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (&row["fee_minor"], &row["cpt_code"], &row["modifier"]),
        (&json!(17500), &json!("90847"), &json!("95"))
    );
    assert_eq!(schedule["card_processor"], "none");
    let (_, desk) = app.signed_in(Role::Assistant).await;
    assert_eq!(
        app.page(&desk, "/admin/settings/billing").await.status(),
        StatusCode::FORBIDDEN
    );

    // Two sessions: one held, one missed.
    let mut ids = Vec::new();
    for start in ["2026-12-09T15:00:00Z", "2026-12-10T15:00:00Z"] {
        let a = assert_status(
            app.send_as(
                owner,
                Method::POST,
                "/api/v1/appointments",
                json!({"client_id": couple.client, "appointment_type_id": session,
                       "practitioner_id": app.first_practitioner_id().await, "start": start}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        ids.push(a["id"].as_str().unwrap().to_owned());
    }
    clock.set("2026-12-11T09:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, desk) = app.signed_in(Role::Assistant).await;
    let clinician = app.login(&couple.clinician_account).await;
    for (id, action) in [(&ids[0], "complete"), (&ids[1], "no-show")] {
        assert_status(
            app.post_empty_as(&owner, &format!("/api/v1/appointments/{id}/{action}"))
                .await,
            StatusCode::OK,
        )
        .await;
    }
    app.dispatch_pending_emails().await;

    // The missed session's fee, charged from the billing overview.
    let overview = html(app.page(&desk, "/admin/billing").await, StatusCode::OK).await;
    assert!(overview.contains("Missed session") && overview.contains("$175.00"));
    let fees = assert_status(
        app.get_as(&desk, "/api/v1/invoices/pending-fees?status=pending")
            .await,
        StatusCode::OK,
    )
    .await;
    let fee_id = fees["items"][0]["id"].as_str().unwrap();
    let charged = app
        .submit(&desk, &format!("/admin/billing/fees/{fee_id}/confirm"), &[])
        .await;
    assert_eq!(charged.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.page(&clinician, "/admin/billing").await.status(),
        StatusCode::FORBIDDEN
    );

    // Split evenly, both sessions drafted, one invoice per partner.
    let billing = format!("/admin/clients/{}/billing", couple.client);
    let page = html(app.page(&desk, &billing).await, StatusCode::OK).await;
    assert!(page.contains("Sessions to invoice"));
    assert!(
        !page.contains("superbill.pdf"),
        "the front desk sees no superbill"
    );
    for id in &ids {
        assert!(page.contains(&format!("value=\"{id}\"")), "{id} offered");
    }
    let split = app
        .submit(
            &desk,
            &format!("{billing}/split"),
            &[
                ("mode", "split"),
                ("first_percent", "50"),
                ("self_pay", "1"),
            ],
        )
        .await;
    assert_eq!(split.status(), StatusCode::SEE_OTHER);
    let bad = app
        .submit(
            &desk,
            &format!("{billing}/split"),
            &[("mode", "split"), ("first_percent", "half")],
        )
        .await;
    assert!(
        html(bad, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("must be a whole percentage")
    );
    let drafted = app
        .submit(
            &desk,
            &format!("{billing}/invoice"),
            &[
                ("appointment", ids[0].as_str()),
                ("appointment", ids[1].as_str()),
            ],
        )
        .await;
    assert_eq!(drafted.status(), StatusCode::SEE_OTHER);
    let invoices = assert_status(
        app.get_as(
            &desk,
            &format!("/api/v1/invoices?client_id={}", couple.client),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = invoices["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["total_minor"] == 17500));

    // One issued and paid in full from its page.
    let invoice = items[0]["id"].as_str().unwrap();
    let here = format!("/admin/invoices/{invoice}");
    let issued = app.submit(&desk, &format!("{here}/issue"), &[]).await;
    assert_eq!(location(&issued), format!("{here}?done=saved"));
    let refused = app
        .submit(
            &desk,
            &format!("{here}/payment"),
            &[
                ("amount", "12.345"),
                ("method", "cash"),
                ("received_on", "2026-12-11"),
            ],
        )
        .await;
    assert!(
        html(refused, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("at most 2 decimals")
    );
    let paid = app
        .submit(
            &desk,
            &format!("{here}/payment"),
            &[
                ("amount", "175.00"),
                ("method", "card_terminal"),
                ("received_on", "2026-12-11"),
                ("reference", "T-1001"),
            ],
        )
        .await;
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let page = html(app.page(&desk, &here).await, StatusCode::OK).await;
    assert!(page.contains("$175.00 (Card) · T-1001"), "{page}");
    assert!(page.contains("paid · total $175.00 · balance <strong>$0.00</strong>"));

    // The couple's clinician gets the superbill; the front desk does not.
    let payer = items[0]["participant_id"].as_str().unwrap();
    let bill = format!(
        "/admin/clients/{}/superbill.pdf?participant={payer}&from=2026-12-01&to=2026-12-31",
        couple.client
    );
    let r = app.page(&clinician, &bill).await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = squeezed_text(&r.bytes().await.unwrap());
    assert!(
        text.contains("Superbill") && text.contains("90847"),
        "{text}"
    );
    assert_eq!(app.page(&desk, &bill).await.status(), StatusCode::FORBIDDEN);
    let backwards = format!(
        "/admin/clients/{}/superbill.pdf?participant={payer}&from=2026-12-31&to=2026-12-01",
        couple.client
    );
    assert!(
        html(
            app.page(&clinician, &backwards).await,
            StatusCode::UNPROCESSABLE_ENTITY
        )
        .await
        .contains("must not be before from")
    );
    let page = html(
        app.page(&clinician, &format!("/admin/clients/{}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !page.contains("/billing\""),
        "no billing link for a clinician without the permission"
    );
    let page = html(
        app.page(&desk, &format!("/admin/clients/{}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains(&format!("{billing}\"")));
}
