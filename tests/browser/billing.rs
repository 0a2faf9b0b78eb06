//! A couple from their free consultation to a paid month, in the browser where a person
//! would act: the therapist sets her fees and policy, a Good Faith Estimate goes out on time,
//! four sessions are held, one partner cancels the fifth late through the manage page, the
//! therapist charges the fee, splits the month 50/50, issues both invoices and records the
//! payments; each partner's superbill is parsed back.

use attune::auth::Role;
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    Browser, click,
    common::{
        TestApp, assert_status,
        pdf::{squeezed, squeezed_text},
        scheduling::couple_booking,
        smtp::SmtpServer,
    },
    sign_in, type_into, wait_for_text,
};

const SESSIONS: [&str; 5] = [
    "2026-12-09T15:00:00Z",
    "2026-12-16T15:00:00Z",
    "2026-12-23T15:00:00Z",
    "2026-12-30T15:00:00Z",
    "2026-12-31T15:00:00Z",
];

/// The manage link's token in the newest message to `address` that names `when`.
fn manage_token(smtp: &SmtpServer, address: &str, when: &str) -> String {
    let text = smtp
        .texts_to(address, when)
        .pop()
        .unwrap_or_else(|| panic!("a message about {when}"));
    let at = text.find("/booking/").expect("a manage link") + "/booking/".len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[tokio::test]
async fn a_couple_goes_from_consultation_to_a_paid_month() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    b.set_window_size(1280, 1000).await.unwrap();

    // The therapist sets her fees, her policy and her identity for claims.
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    let session = app.type_id(&owner, "couples-session").await;
    sign_in(b, &app, &owner_account.email, &owner_account.password).await;
    b.goto(&app.url("/admin/settings/billing")).await.unwrap();
    wait_for_text(b, "Late-cancellation fee").await;
    for (field, value) in [
        ("f-late_cancel_percent", "50".to_owned()),
        ("f-no_show_percent", "100".to_owned()),
        ("f-provider_name", "Dana Whitfield, LMFT".to_owned()),
        ("f-npi", "1234567893".to_owned()),
        ("f-tin", "12-3456789".to_owned()),
        ("f-license", "LMFT 4521".to_owned()),
        ("f-address", "12 Elm St, Springfield".to_owned()),
        (&*format!("f-fee_{session}"), "175.00".to_owned()),
        (&*format!("f-cpt_{session}"), "90847".to_owned()),
        (&*format!("f-pos_{session}"), "10".to_owned()),
        (&*format!("f-modifier_{session}"), "95".to_owned()),
    ] {
        type_into(b, field, &value).await;
    }
    click(b, Locator::Css("label[for=f-good_faith_estimates]")).await;
    click(b, Locator::Css("main form button[type=submit]")).await;
    wait_for_text(b, "Saved").await;
    let policy = assert_status(
        app.get_as(&owner, "/api/v1/fees/policy").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (
            &policy["late_cancel_percent"],
            &policy["good_faith_estimates"]
        ),
        (&json!(50), &json!(true))
    );

    // The consultation, then five weekly couples sessions booked by the practice.
    let booked = app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let couple = app.couple_in_care_of(&booked).await;
    let client = couple.client.clone();
    let record = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let partners: Vec<String> = record["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    for (p, dob) in partners.iter().zip(["1988-04-02", "1986-11-20"]) {
        assert_status(
            app.send_as(
                &owner,
                Method::PUT,
                &format!("/api/v1/clients/{client}/participants/{p}/billing"),
                json!({"date_of_birth": dob, "address": "3 Oak Lane, Springfield"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let mut ids = Vec::new();
    for start in SESSIONS {
        let a = assert_status(
            app.send_as(
                &owner,
                Method::POST,
                "/api/v1/appointments",
                json!({"client_id": client, "appointment_type_id": session,
                       "practitioner_id": app.first_practitioner_id().await, "start": start}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        ids.push(a["id"].as_str().unwrap().to_owned());
    }
    app.dispatch_pending_emails().await;

    // The estimate goes out on the next pass, by its deadline, to both partners.
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.estimates_delivered, 1);
    let estimates = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/clients/{client}/good-faith-estimates"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let estimate: &Value = &estimates["items"][0];
    assert_eq!(estimate["on_time"], true, "{estimate}");
    assert_eq!(estimate["total"], "$2,100.00");
    app.dispatch_pending_emails().await;
    for address in ["jane@example.org", "sam@example.org"] {
        assert_eq!(smtp.texts_to(address, "Good Faith Estimate").len(), 1);
    }

    // Four sessions held.
    for (id, start) in ids.iter().zip(SESSIONS).take(4) {
        let start: chrono::DateTime<chrono::Utc> = start.parse().unwrap();
        clock.set(start + chrono::TimeDelta::hours(1));
        let (_, owner) = app.signed_in(Role::Owner).await;
        assert_status(
            app.post_empty_as(&owner, &format!("/api/v1/appointments/{id}/complete"))
                .await,
            StatusCode::OK,
        )
        .await;
        app.dispatch_pending_emails().await;
    }

    // Jane cancels the fifth on the morning of it, through the link in her confirmation.
    let fifth: chrono::DateTime<chrono::Utc> = SESSIONS[4].parse().unwrap();
    clock.set(fifth - chrono::TimeDelta::hours(6));
    let token = manage_token(&smtp, "jane@example.org", "31 December");
    b.delete_all_cookies().await.unwrap();
    b.goto(&app.url(&format!("/booking/{token}")))
        .await
        .unwrap();
    wait_for_text(b, "a late-cancellation fee may apply").await;
    click(b, Locator::LinkText("Cancel booking")).await;
    wait_for_text(b, "it counts as a late cancellation").await;
    browser.screenshot("late-cancellation").await;
    click(b, Locator::Css("main form button[type=submit]")).await;
    wait_for_text(b, "This booking has been cancelled.").await;
    app.dispatch_pending_emails().await;

    // The therapist charges the fee, splits the month evenly, and drafts it.
    clock.set(fifth + chrono::TimeDelta::hours(3));
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    sign_in(b, &app, &owner_account.email, &owner_account.password).await;
    b.goto(&app.url("/admin/billing")).await.unwrap();
    wait_for_text(b, "Late cancellation").await;
    click(
        b,
        Locator::XPath("//button[starts-with(normalize-space(.), 'Charge')]"),
    )
    .await;
    wait_for_text(
        b,
        "No late-cancellation or missed-session fees are waiting.",
    )
    .await;
    b.goto(&app.url(&format!("/admin/clients/{client}/billing")))
        .await
        .unwrap();
    wait_for_text(b, "Sessions to invoice").await;
    b.find(Locator::Id("mode"))
        .await
        .unwrap()
        .select_by_value("split")
        .await
        .unwrap();
    type_into(b, "first_percent", "50").await;
    click(
        b,
        Locator::XPath("//section[@aria-labelledby='who-pays']//button"),
    )
    .await;
    wait_for_text(b, "Saved").await;
    let boxes = b
        .find_all(Locator::Css("input[name=appointment]:checked"))
        .await
        .unwrap();
    assert_eq!(boxes.len(), 5, "four sessions and the late cancellation");
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Draft invoices']"),
    )
    .await;
    wait_for_text(b, "Nothing to invoice.").await;

    // Both invoices issued and paid in full at the desk.
    let links: Vec<String> = {
        let mut out = Vec::new();
        for a in b
            .find_all(Locator::Css("section[aria-labelledby=invoices-heading] a"))
            .await
            .unwrap()
        {
            out.push(a.attr("href").await.unwrap().unwrap());
        }
        out
    };
    assert_eq!(links.len(), 2);
    for (i, link) in links.iter().enumerate() {
        b.goto(&app.url(link)).await.unwrap();
        click(
            b,
            Locator::XPath("//button[starts-with(normalize-space(.), 'Issue')]"),
        )
        .await;
        wait_for_text(b, "Record payment").await;
        type_into(b, "amount", "393.75").await;
        b.find(Locator::Id("method"))
            .await
            .unwrap()
            .select_by_value(if i == 0 { "card_terminal" } else { "check" })
            .await
            .unwrap();
        type_into(b, "reference", &format!("R-{i}")).await;
        click(
            b,
            Locator::XPath("//button[normalize-space(.)='Record payment']"),
        )
        .await;
        wait_for_text(b, "balance $0.00").await;
    }
    browser.screenshot("admin-invoice").await;

    // Exact to the cent: four halves of 175.00 and half of the 87.50 fee each.
    let invoices = assert_status(
        app.get_as(&owner, &format!("/api/v1/invoices?client_id={client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = invoices["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let mut numbers: Vec<i64> = items
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, [1, 2]);
    for i in items {
        assert_eq!(i["status"], "paid");
        assert_eq!(i["total_minor"], 4 * 8750 + 4375);
        assert_eq!(i["balance_minor"], 0);
        let kinds: Vec<&str> = i["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "session",
                "session",
                "session",
                "session",
                "late_cancellation"
            ]
        );
    }

    // Each partner's superbill: their own name, the four sessions, what they paid.
    for (p, name) in partners.iter().zip(["Jane Doe", "Sam Roe"]) {
        let r = app
            .get_as(
                &owner,
                &format!(
                    "/api/v1/clients/{client}/superbill?from=2026-12-01&to=2026-12-31&participant_id={p}"
                ),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = squeezed_text(&r.bytes().await.unwrap());
        assert!(text.contains(&squeezed(name)), "{name} in {text}");
        for day in ["2026-12-09", "2026-12-16", "2026-12-23", "2026-12-30"] {
            assert!(
                text.contains(&squeezed(&format!("{day}: Couples session. CPT 90847"))),
                "{day} in {text}"
            );
        }
        assert_eq!(
            text.matches(&squeezed("fee $87.50, paid $87.50")).count(),
            4
        );
        assert!(
            !text.contains("Latecancellation"),
            "not a claimable service"
        );
        assert!(text.contains(&squeezed("Total charged $350.00")));
        assert!(text.contains(&squeezed("Dana Whitfield, LMFT")));
    }
}
