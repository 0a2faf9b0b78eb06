//! A couple books a free consultation on a phone-sized screen, the way a visitor would.

use std::time::Duration;

use attune::auth::Role;
use fantoccini::Locator;
use reqwest::StatusCode;

use crate::{
    Browser,
    common::{TestApp, assert_status},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_couple_books_a_consultation_from_the_booking_page() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let (app, _) = TestApp::at_monday_morning().await;
    let b = &browser.client;

    // The only public type: /book goes straight to its times, in the browser's own zone.
    b.goto(&app.url("/book")).await.unwrap();
    let first_time = b
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("a.time"))
        .await
        .expect("free times are listed");
    let url = b.current_url().await.unwrap();
    assert!(url.path().ends_with("/book/free-consultation"), "{url}");
    assert!(
        url.query()
            .unwrap_or_default()
            .contains("tz=America%2FNew_York"),
        "the script chose the browser's zone: {url}"
    );
    browser.screenshot("book-times").await;
    let chosen = first_time.text().await.unwrap();
    first_time.click().await.unwrap();

    // The form, sent once without an email: the error is shown and what was typed is kept.
    b.wait().for_element(Locator::Id("name")).await.unwrap();
    let summary = b
        .find(Locator::Css(".summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        summary.contains(&chosen),
        "{summary} should mention {chosen}"
    );
    b.find(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Jane Doe")
        .await
        .unwrap();
    b.find(Locator::Id("partner_name"))
        .await
        .unwrap()
        .send_keys("Sam Roe")
        .await
        .unwrap();
    b.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let error = b
        .wait()
        .for_element(Locator::Id("email-error"))
        .await
        .expect("the email error");
    assert!(error.text().await.unwrap().contains("email"));
    let kept = b
        .find(Locator::Id("name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Jane Doe"));
    browser.screenshot("book-details-error").await;

    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("jane@example.org")
        .await
        .unwrap();
    if !b
        .find(Locator::Id("consent"))
        .await
        .unwrap()
        .is_selected()
        .await
        .unwrap()
    {
        b.find(Locator::Id("consent"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    b.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The confirmation: the time, the calendar file, the private link. (Waiting for the new
    // page's heading by its text: the form page's heading may still be there for a moment.)
    let heading = b
        .wait()
        .for_element(Locator::XPath("//h1[contains(., 'booked')]"))
        .await
        .unwrap();
    assert_eq!(heading.text().await.unwrap(), "You're booked");
    let page = b.source().await.unwrap();
    assert!(page.contains("Add to calendar"));
    let link = b
        .find(Locator::Css("p.link a"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(link.contains("/booking/atm_"), "{link}");
    browser.screenshot("booking-confirmed").await;

    // "Add to calendar" points at the event file, which a calendar app can read.
    let ics = b
        .find(Locator::LinkText("Add to calendar"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let file = app.client.get(&ics).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.text().await.unwrap().contains("BEGIN:VEVENT\r\n"));

    // The private link opens the booking's own page in the browser.
    b.goto(&link).await.unwrap();
    let heading = b.wait().for_element(Locator::Css("h1")).await.unwrap();
    assert!(!heading.text().await.unwrap().is_empty());
    assert!(b.source().await.unwrap().contains("Cancel booking"));
    browser.screenshot("booking-manage").await;

    // And the practice sees the booking.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let all = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["source"], "online");
    let clients = assert_status(
        app.get_as(&owner, "/api/v1/clients?q=Sam").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(clients["items"][0]["kind"], "couple");
    let token = link.rsplit('/').next().unwrap();
    let seen = app
        .get_json(&format!("/api/v1/public/bookings/{token}"), StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "confirmed");
}
