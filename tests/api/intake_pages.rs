//! The intake form as a page, without JavaScript: a section at a time, mistakes shown beside
//! their questions with what was typed, the draft kept between sections, and a thank-you.

use attune::auth::Role;
use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{TestApp, assert_status, scheduling::couple_booking};

async fn html(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    (status, response.text().await.unwrap())
}

async fn post(app: &TestApp, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("accept", "text/html")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// Form fields for the answers, as a browser would send them.
fn fields(step: usize, action: &str, answers: &Value) -> Vec<(String, String)> {
    let mut out = vec![
        ("_step".to_owned(), step.to_string()),
        ("_action".to_owned(), action.to_owned()),
    ];
    for (id, v) in answers.as_object().unwrap() {
        match v {
            Value::Bool(b) => out.push((id.clone(), if *b { "yes" } else { "no" }.to_owned())),
            Value::Array(items) => out.extend(
                items
                    .iter()
                    .map(|i| (id.clone(), i.as_str().unwrap().to_owned())),
            ),
            Value::String(s) => out.push((id.clone(), s.clone())),
            other => out.push((id.clone(), other.to_string())),
        }
    }
    out
}

/// The couples intake's answers, section by section.
fn sections() -> Vec<Value> {
    vec![
        json!({"date_of_birth": "1988-03-14", "phone": "+1 555 010 0199", "emergency_name": "Ruth Doe", "emergency_phone": "+1 555 010 0100"}),
        json!({"relationship_length": "3to10", "relationship_status": "married", "living_together": true, "children": true, "children_details": "Two, aged 4 and 7"}),
        json!({"brings_you": "We argue about the same things.", "hopes": "To listen to each other.", "commitment": 4}),
        json!({"prior_therapy": false, "stressors": ["work", "children"]}),
        json!({"ipv_fear": false, "ipv_hurt": false, "ipv_threat": false, "ipv_forced": false, "ipv_control": true}),
        json!({"consent_treatment": true, "consent_privacy": true}),
    ]
}

#[tokio::test]
async fn the_form_works_a_section_at_a_time_without_javascript() {
    let (app, _) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let links = app.intake_links().await;
    let jane = links["jane@example.org"].clone();

    let (status, page) = html(app.get(&jane).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h1>Couples intake</h1>") && page.contains("Part 1 of 6"),
        "{page}"
    );
    assert!(
        page.contains(r#"<label for="date_of_birth">Date of birth</label>"#),
        "{page}"
    );
    assert!(page.contains(r#"type="date""#));

    // A mistake comes back beside its question, with what was typed kept.
    let mut first = sections()[0].clone();
    first["phone"] = json!("call me maybe");
    let (status, page) = html(post(&app, &jane, &fields(1, "next", &first)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains(r#"id="phone-error""#) && page.contains("phone number like"),
        "{page}"
    );
    assert!(
        page.contains(r#"aria-describedby="phone-help phone-error""#),
        "{page}"
    );
    assert!(page.contains(r#"value="call me maybe""#));
    assert!(
        page.contains(r#"value="Ruth Doe""#),
        "the other answers are kept"
    );

    // Each section saved in turn.
    for (n, answers) in sections().iter().enumerate().take(5) {
        let r = post(&app, &jane, &fields(n + 1, "next", answers)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "section {}", n + 1);
        assert_eq!(r.headers()["location"], format!("{jane}?step={}", n + 2));
    }
    // Back shows what was saved.
    let (_, page) = html(app.get(&format!("{jane}?step=2")).await).await;
    assert!(
        page.contains(r#"id="children_details" name="children_details" rows="5""#),
        "{page}"
    );
    assert!(page.contains("Two, aged 4 and 7"));
    assert!(page.contains(r#"data-show-if="children""#));

    // Sending without the consents returns to them, named.
    let (status, page) = html(post(&app, &jane, &fields(6, "submit", &json!({}))).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("consent_privacy-error"), "{page}");
    let r = post(&app, &jane, &fields(6, "submit", &sections()[5])).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, page) = html(app.get(&jane).await).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Thank you"), "{page}");
    assert!(!page.contains("argue"), "a sent form shows nothing back");
    let (status, _) = html(post(&app, &jane, &fields(1, "next", &sections()[0])).await).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Sam's form holds nothing of Jane's.
    let (_, page) = html(
        app.get(&format!("{}?step=2", links["sam@example.org"]))
            .await,
    )
    .await;
    assert!(!page.contains("Two, aged 4"));

    // The practitioner sees Jane's answers and the safety flag.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let appointment_client = {
        let list = assert_status(
            app.get_as(&owner, "/api/v1/appointments").await,
            StatusCode::OK,
        )
        .await;
        list["items"][0]["client_id"].as_str().unwrap().to_owned()
    };
    let intakes = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/clients/{appointment_client}/intakes"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(intakes["items"][0]["flags"], json!(["safety"]));
    let response = assert_status(
        app.get_as(
            &owner,
            &format!(
                "/api/v1/intakes/{}",
                intakes["items"][0]["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        response["answers"]["stressors"],
        json!(["work", "children"])
    );
    assert_eq!(response["answers"]["commitment"], 4);
    assert_eq!(response["answers"]["children_details"], "Two, aged 4 and 7");
}

#[tokio::test]
async fn unknown_and_expired_links_are_pages_that_say_so() {
    let (app, clock) = TestApp::at_monday_morning().await;
    app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let links = app.intake_links().await;
    let (status, page) = html(
        app.client
            .get(app.url("/intake/ati_nope"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("<html"), "{page}");
    clock.advance(TimeDelta::days(31));
    let (status, page) = html(
        app.client
            .get(app.url(&links["jane@example.org"]))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("expired"), "{page}");
}
