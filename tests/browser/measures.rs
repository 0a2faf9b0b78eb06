//! A couple's measures page as the therapist sees it: eight sessions of CSI-16 from each
//! partner across the plan's phases, the chart drawn and photographed for the README.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::{
    Browser,
    common::{TestApp, assert_status, scheduling::couple_booking},
    sign_in, wait_for_text,
};

fn csi16(total: i64) -> Value {
    let mut left = total;
    let mut answers = Map::new();
    for i in 1..=16 {
        let v = left.min(if i == 1 { 6 } else { 5 });
        left -= v;
        answers.insert(format!("csi{i}"), json!(v));
    }
    Value::Object(answers)
}

#[tokio::test]
async fn eight_weeks_of_a_couples_scores_on_one_chart() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    b.set_window_size(1280, 1100).await.unwrap();
    let booked = app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let couple = app.couple_in_care_of(&booked).await;
    let client = couple.client.clone();
    let mut clinician = couple.clinician.clone();
    let record = assert_status(
        app.get_as(&clinician, &format!("/api/v1/clients/{client}"))
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
    let csi = app.questionnaire_id(&clinician, "csi-16").await;
    assert_status(
        app.put_plan(&clinician, &client, json!({"template": "affair-recovery"}))
            .await,
        StatusCode::OK,
    )
    .await;
    // Jane recovers; Sam dips in the middle weeks, then comes back.
    let jane = [38, 40, 43, 45, 49, 52, 55, 58];
    let sam = [50, 47, 42, 40, 44, 48, 53, 56];
    for week in 0..8 {
        for (p, total) in partners.iter().zip([jane[week], sam[week]]) {
            let given = app
                .assign_intake_with_link(&clinician, &client, p, &csi)
                .await;
            let link = given["url"].as_str().unwrap();
            let path = link[link.find("/intake/").unwrap()..].to_owned();
            app.submit_intake(&path, csi16(total)).await;
        }
        if week == 2 || week == 5 {
            let next = if week == 2 { "Attune" } else { "Attach" };
            assert_status(
                app.send_as(
                    &clinician,
                    Method::POST,
                    &format!("/api/v1/clients/{client}/treatment-plan/phase"),
                    json!({"phase": next}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
        clock.advance(chrono::TimeDelta::days(7));
        clinician = app.login(&couple.clinician_account).await;
    }
    app.dispatch_pending_emails().await;
    let _ = app.signed_in(Role::Owner).await;

    let account = &couple.clinician_account;
    sign_in(b, &app, &account.email, &account.password).await;
    b.goto(&app.url(&format!("/admin/clients/{client}/measures")))
        .await
        .unwrap();
    wait_for_text(b, "Couples Satisfaction Index, 16 items").await;
    let marks = b
        .find_all(fantoccini::Locator::Css("svg .mark"))
        .await
        .unwrap();
    assert!(marks.len() >= 2, "reliable changes are marked");
    browser.screenshot("admin-measures").await;
}
