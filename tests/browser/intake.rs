//! Both partners of a booked couple fill their own intake on a phone-sized screen: one sends a
//! section with a mistake first, and sees it beside the question.

use std::time::Duration;

use attune::auth::Role;
use fantoccini::{Client, Locator};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    Browser,
    common::{TestApp, assert_status, scheduling::couple_booking},
    type_into,
};

async fn choose(b: &Client, input_id: &str) {
    // The label, as a thumb would: it is the larger target.
    b.find(Locator::Css(&format!("label[for='{input_id}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Sends the section and waits for part `next`.
async fn continue_to(b: &Client, next: usize) {
    b.find(Locator::Css("button[value=next]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(&format!(
            "//p[@id='progress-label'][contains(., 'Part {next} of')]"
        )))
        .await
        .unwrap_or_else(|_| panic!("part {next} did not come"));
}

/// Fills the couples intake at `link`; `mistake` sends the first section once with a bad
/// phone number; `controlled` answers yes to one safety question.
async fn fill(browser: &Browser, link: &str, mistake: bool, controlled: bool) {
    let b = &browser.client;
    b.goto(link).await.unwrap();
    b.wait()
        .for_element(Locator::Id("date_of_birth"))
        .await
        .unwrap();
    b.execute(
        "document.getElementById('date_of_birth').value = '1988-03-14';",
        vec![],
    )
    .await
    .unwrap();
    type_into(
        b,
        "phone",
        if mistake {
            "call me"
        } else {
            "+1 555 010 0199"
        },
    )
    .await;
    type_into(b, "emergency_name", "Ruth Doe").await;
    type_into(b, "emergency_phone", "+1 555 010 0100").await;
    if mistake {
        b.find(Locator::Css("button[value=next]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let error = b
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Id("phone-error"))
            .await
            .expect("the phone error beside its question");
        assert!(error.text().await.unwrap().contains("phone number"));
        let described = b
            .find(Locator::Id("phone"))
            .await
            .unwrap()
            .attr("aria-describedby")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(described.contains("phone-error"), "{described}");
        let kept = b
            .find(Locator::Id("emergency_name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(kept.as_deref(), Some("Ruth Doe"));
        browser.screenshot("intake-error").await;
        type_into(b, "phone", "+1 555 010 0199").await;
    }
    continue_to(b, 2).await;

    choose(b, "relationship_length-2").await;
    choose(b, "relationship_status-2").await;
    choose(b, "living_together-0").await;
    // The follow-up shows only once children are mentioned.
    let details = b.find(Locator::Id("item-children_details")).await.unwrap();
    assert!(!details.is_displayed().await.unwrap());
    choose(b, "children-0").await;
    assert!(details.is_displayed().await.unwrap());
    type_into(b, "children_details", "Two, aged 4 and 7").await;
    browser.screenshot("intake-relationship").await;
    continue_to(b, 3).await;

    type_into(b, "brings_you", "We argue about the same things.").await;
    type_into(b, "hopes", "To listen to each other.").await;
    choose(b, "commitment-3").await;
    // Saved in the background while the page stays open.
    b.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath(
            "//p[@data-save-status][contains(., 'Your answers are saved.')]",
        ))
        .await
        .expect("the draft is saved without sending the section");
    continue_to(b, 4).await;

    choose(b, "prior_therapy-1").await;
    choose(b, "stressors-0").await;
    continue_to(b, 5).await;

    for item in [
        "ipv_fear",
        "ipv_hurt",
        "ipv_threat",
        "ipv_forced",
        "ipv_control",
    ] {
        let yes = controlled && item == "ipv_control";
        choose(b, &format!("{item}-{}", if yes { 0 } else { 1 })).await;
    }
    continue_to(b, 6).await;

    choose(b, "consent_treatment").await;
    choose(b, "consent_privacy").await;
    b.find(Locator::Css("button[value=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let heading = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//h1[contains(., 'Thank you')]"))
        .await
        .expect("the thank-you page");
    assert_eq!(heading.text().await.unwrap(), "Thank you");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_partners_fill_their_own_intake_and_the_practitioner_sees_both() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (app, _) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let (_, owner) = app.signed_in(Role::Owner).await;

    let links: std::collections::HashMap<String, String> = app
        .intake_links()
        .await
        .into_iter()
        .map(|(to, path)| (to, app.url(&path)))
        .collect();

    // Readable at 320 px: nothing wider than the screen.
    let b = &browser.client;
    b.set_window_size(320, 720).await.unwrap();
    b.goto(&links["sam@example.org"]).await.unwrap();
    b.wait()
        .for_element(Locator::Id("date_of_birth"))
        .await
        .unwrap();
    let overflow = b
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "{overflow} px too wide at 320 px"
    );
    browser.screenshot("intake-320").await;
    b.set_window_size(390, 844).await.unwrap();

    fill(&browser, &links["jane@example.org"], true, true).await;
    browser.screenshot("intake-done").await;
    fill(&browser, &links["sam@example.org"], false, false).await;

    let appointments = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    let client = appointments["items"][0]["client_id"].as_str().unwrap();
    let intakes = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = intakes["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["status"] == "submitted"));
    assert_eq!(items[0]["flags"], json!(["safety"]), "Jane's, first");
    assert_eq!(items[1]["flags"], json!([]));
    for item in items {
        let response = assert_status(
            app.get_as(
                &owner,
                &format!("/api/v1/intakes/{}", item["id"].as_str().unwrap()),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(response["answers"]["date_of_birth"], "1988-03-14");
        assert_eq!(response["answers"]["children_details"], "Two, aged 4 and 7");
        assert_eq!(response["answers"]["commitment"], 4);
        assert_eq!(response["answers"]["stressors"], json!(["work"]));
    }
}
