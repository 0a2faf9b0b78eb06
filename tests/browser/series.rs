//! A therapist books a couple's weekly sessions from their record: she checks the dates
//! first, sees the one that falls on her day off, books the rest around it, and lands on the
//! series page listing them.

use attune::auth::Role;
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    Browser, click,
    common::{TestApp, assert_status},
    sign_in, type_into, wait_for_text,
};

#[tokio::test]
async fn a_weekly_series_is_booked_from_the_client_record() {
    let (app, _) = TestApp::at_monday_morning().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    b.set_window_size(1280, 900).await.unwrap();
    let (owner, api) = app.signed_in(Role::Owner).await;
    let client = app.create_couple_client(&api).await;
    let p = app.first_practitioner_id().await;
    assert_status(
        app.send_as(
            &api,
            Method::POST,
            &format!("/api/v1/practitioners/{p}/time-off"),
            json!({"starts_at": "2026-12-22T00:00:00Z", "ends_at": "2026-12-23T00:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    sign_in(b, &app, &owner.email, &owner.password).await;
    b.goto(&app.url(&format!("/admin/clients/{client}")))
        .await
        .unwrap();
    click(
        b,
        Locator::XPath("//summary[normalize-space(.)='Book a series']"),
    )
    .await;
    // Chromium's date-and-time control takes keys in the machine's locale; the value is set
    // the way the control itself sets it.
    b.execute(
        "document.getElementById('series_start_local').value = '2026-12-15T14:00';",
        vec![],
    )
    .await
    .unwrap();
    type_into(b, "count", "4").await;
    click(b, Locator::Css("#series button[value=preview]")).await;
    wait_for_text(b, "The sessions").await;
    let items = b
        .find_all(Locator::Css("#series-preview li"))
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    let second = items[1].text().await.unwrap();
    assert!(second.contains("Tuesday 22 December 2026"), "{second}");
    assert!(second.contains("taken"), "{second}");
    assert!(items[2].text().await.unwrap().contains("free"));
    b.execute(
        "document.getElementById('series-preview').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    browser.screenshot("admin-series-preview").await;

    // Book the free ones and skip the day off.
    click(b, Locator::Css("label[for=skip_conflicts]")).await;
    click(b, Locator::Css("#series button[value=book]")).await;
    wait_for_text(b, "The series is booked").await;
    let rows = b
        .find_all(Locator::Css("#series-sessions tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    let page = b.source().await.unwrap();
    assert!(page.contains("Skipped when booked"), "{page}");
    assert!(page.contains("every week"));
    browser.screenshot("admin-series").await;

    // The agenda marks the sessions as a series.
    b.goto(&app.url("/admin?from=2026-12-14&view=week"))
        .await
        .unwrap();
    wait_for_text(b, "Agenda").await;
    let marks = b.find_all(Locator::Css("a.badge.info")).await.unwrap();
    assert_eq!(marks.len(), 1, "one session that week");
}
