//! The booking pages over plain HTTP, as a browser without JavaScript would use them.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, admin::location, assert_problem, assert_status, error_fields};

/// Browsers ask for HTML.
fn html_get(app: &TestApp, path: &str) -> reqwest::RequestBuilder {
    app.client.get(app.url(path)).header("accept", "text/html")
}

async fn text(response: reqwest::Response) -> (StatusCode, String) {
    (response.status(), response.text().await.unwrap())
}

/// The form fields a visitor would send for `start`.
pub fn form(start: &str, key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("start", start.to_owned()),
        ("tz", "America/New_York".into()),
        ("idempotency_key", key.into()),
        ("name", "Jane Doe".into()),
        ("email", "jane@example.org".into()),
        ("phone", String::new()),
        ("partner_name", "Sam Roe".into()),
        ("partner_email", String::new()),
        ("message", "Hello".into()),
        ("consent", "yes".into()),
    ]
}

/// A booking form as a visitor's browser posts it.
pub async fn post_form(app: &TestApp, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post_html(path, None, &fields).await
}

#[tokio::test]
async fn book_goes_straight_to_the_only_type_or_lists_several() {
    let (app, _) = TestApp::at_monday_morning().await;
    let r = html_get(&app, "/book").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/book/free-consultation");

    let (_, owner) = app.signed_in(Role::Owner).await;
    let session = app
        .get_as(&owner, "/api/v1/appointment-types")
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "couples-session")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.send_as(
        &owner,
        Method::PATCH,
        &format!("/api/v1/appointment-types/{session}"),
        json!({"public": true}),
    )
    .await;
    let (status, html) = text(html_get(&app, "/book").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"href="/book/free-consultation""#)
            && html.contains(r#"href="/book/couples-session""#)
    );
}

#[tokio::test]
async fn the_times_page_lists_a_week_in_the_chosen_zone() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (status, html) = text(
        html_get(&app, "/book/free-consultation?tz=America/New_York")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tuesday 8 December 2026"));
    assert!(
        html.contains(">4:00 am<"),
        "9:00 UTC is 4:00 am in New York"
    );
    assert!(html.contains(r#"<option value="America/New_York" selected>"#));
    assert!(html.contains("Later →"));
    assert!(!html.contains("← Earlier"), "nothing before today");
    // Time links carry the start and zone to the form; no script is needed.
    assert!(html.contains("/book/free-consultation/details?start"));
    assert!(html.contains(r#"<script src="/assets/book.js" defer></script>"#));

    // The next week, and a nonsense zone or week (which fall back instead of failing).
    let (_, later) = text(
        html_get(&app, "/book/free-consultation?tz=UTC&week=2026-12-14")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(later.contains("Monday 14 December 2026") && later.contains("← Earlier"));
    let (status, _) = text(
        html_get(&app, "/book/free-consultation?tz=Mars/Base&week=soon")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_page_is_an_html_page_for_browsers_and_a_problem_otherwise() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (status, html) = text(html_get(&app, "/book/no-such-type").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>Not found</h1>"), "{html}");
    let r = app.get("/book/no-such-type").await;
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (status, html) = text(html_get(&app, "/booking/atm_nope").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("<h1>Not found</h1>"));
}

#[tokio::test]
async fn a_form_with_mistakes_comes_back_with_messages_and_what_was_typed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let r = html_get(&app, "/book/free-consultation/details")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "no time chosen: back to the times"
    );

    let mut fields = form("2026-12-08T09:00:00+00:00", "k1");
    fields.retain(|(k, _)| *k != "consent");
    for (k, v) in fields.iter_mut() {
        if *k == "email" {
            *v = "jane-at-example".into();
        }
    }
    let (status, html) = text(post_form(&app, "/book/free-consultation", &fields).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r#"id="email-error""#) && html.contains(r#"aria-describedby="email-error""#)
    );
    assert!(html.contains("Please agree to be contacted"));
    assert!(html.contains(r#"value="Jane Doe""#) && html.contains(r#"value="jane-at-example""#));
    assert!(html.contains("Tuesday 8 December 2026, 4:00 am EST"));
    assert!(html.contains("9:00 am UTC for the practice"));
}

#[tokio::test]
async fn booking_through_the_form_leads_to_the_bookings_own_page() {
    let (app, _) = TestApp::at_monday_morning().await;
    let fields = form("2026-12-08T09:00:00+00:00", "form-key-1");
    let r = post_form(&app, "/book/free-consultation", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with("/booking/atm_") && to.contains("new=1"),
        "{to}"
    );
    // Sending the same form again (a double click, a reload) lands on the same booking.
    let again = post_form(&app, "/book/free-consultation", &fields).await;
    assert_eq!(location(&again), to);

    let (status, html) = text(html_get(&app, &to).send().await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("You're booked"));
    assert!(html.contains("Tuesday 8 December 2026, 4:00 am EST"));
    assert!(html.contains("/api/v1/public/bookings/atm_") && html.contains("/ics\""));
    assert!(html.contains("Cancel booking"));
    // "Add to calendar" leads to the event file.
    let ics = html
        .split('"')
        .find(|part| part.contains("/api/v1/public/bookings/atm_") && part.ends_with("/ics"))
        .unwrap()
        .to_owned();
    let file = app.client.get(&ics).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(
        file.headers()["content-type"].to_str().unwrap(),
        "text/calendar; charset=utf-8"
    );
    let event = file.text().await.unwrap();
    assert!(
        event.starts_with("BEGIN:VCALENDAR\r\n") && event.contains("DTSTART:20261208T090000Z\r\n"),
        "{event}"
    );

    // Someone else trying the same time is told it is gone, with the form still filled in.
    let mut other = form("2026-12-08T09:00:00+00:00", "form-key-2");
    other[4].1 = "other@example.org".into();
    let (status, html) = text(post_form(&app, "/book/free-consultation", &other).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("that time has just been taken"));
    assert!(html.contains(r#"value="other@example.org""#));
}

#[tokio::test]
async fn the_booking_page_cancels_and_moves() {
    let (app, _) = TestApp::at_monday_morning().await;
    let r = post_form(
        &app,
        "/book/free-consultation",
        &form("2026-12-08T09:00:00+00:00", "k"),
    )
    .await;
    let page = location(&r);
    let token = page
        .trim_start_matches("/booking/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // Move: the times of the same type and practitioner, each a button that posts.
    let (status, html) = text(
        html_get(&app, &format!("/booking/{token}/reschedule?tz=UTC"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Choose a new time")
            && html.contains(r#"name="start" value="2026-12-08T09:15:00+00:00""#)
    );
    // A time someone else took meanwhile: back to the times, told why, nothing changed.
    let mut rival = form("2026-12-09T11:00:00+00:00", "rival");
    rival[4].1 = "rival@example.org".into();
    post_form(&app, "/book/free-consultation", &rival).await;
    let r = post_form(
        &app,
        &format!("/booking/{token}/reschedule"),
        &[
            ("start", "2026-12-09T11:00:00+00:00".into()),
            ("tz", "UTC".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let back = location(&r);
    assert!(back.contains("problem=taken"), "{back}");
    let (_, html) = text(html_get(&app, &back).send().await.unwrap()).await;
    assert!(
        html.contains("role=\"alert\"") && html.contains("that time has just been taken"),
        "{html}"
    );
    assert!(
        html.contains("Tuesday 8 December 2026"),
        "still the old time"
    );

    let r = post_form(
        &app,
        &format!("/booking/{token}/reschedule"),
        &[
            ("start", "2026-12-09T10:00:00+00:00".into()),
            ("tz", "UTC".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(html_get(&app, &location(&r)).send().await.unwrap()).await;
    assert!(
        html.contains("has been moved") && html.contains("Wednesday 9 December 2026, 10:00 am UTC")
    );

    // Cancel, after a confirmation step.
    let (_, html) = text(
        html_get(&app, &format!("/booking/{token}/cancel"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(html.contains("Cancel your booking?") && html.contains("Yes, cancel"));
    let r = post_form(
        &app,
        &format!("/booking/{token}/cancel"),
        &[("reason", "Sorted it out".into()), ("tz", String::new())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = text(html_get(&app, &location(&r)).send().await.unwrap()).await;
    assert!(html.contains("has been cancelled"));
    assert!(!html.contains("Add to calendar") && !html.contains("Cancel booking"));
    let seen = app
        .get_json(&format!("/api/v1/public/bookings/{token}"), StatusCode::OK)
        .await;
    assert_eq!(seen["status"], "cancelled");
}

#[tokio::test]
async fn pages_are_plain_html_with_a_strict_policy() {
    let (app, _) = TestApp::at_monday_morning().await;
    for path in [
        "/",
        "/book/free-consultation",
        "/book/free-consultation/details?start=2026-12-08T09:00:00Z&tz=UTC",
    ] {
        let r = html_get(&app, path).send().await.unwrap();
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        let html = r.text().await.unwrap();
        assert!(
            !html.contains("<script>") && !html.contains(" style="),
            "{path} has inline script or style"
        );
        assert!(html.contains(r#"<html lang="en">"#) && html.contains(r#"name="viewport""#));
    }
}

#[tokio::test]
async fn the_booking_pages_share_the_public_ceiling() {
    let app = TestApp::builder()
        .configure(|c| {
            c.auth.public_limit = attune::config::RateLimit {
                max: 2,
                window: std::time::Duration::from_secs(60),
            }
        })
        .spawn()
        .await;
    for _ in 0..2 {
        assert_status(
            html_get(&app, "/book").send().await.unwrap(),
            StatusCode::SEE_OTHER,
        )
        .await;
    }
    let r = html_get(&app, "/book").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Too many requests"));
}

#[tokio::test]
async fn both_edges_refuse_a_name_too_long_for_the_record_and_a_malformed_retry_key() {
    let (app, _) = TestApp::at_monday_morning().await;
    // A first name the client record could not keep (it holds 100 characters).
    let long = format!("{} Doe", "J".repeat(101));
    let mut body = crate::common::scheduling::couple_booking("2026-12-08T14:00:00Z");
    body["name"] = json!(long);
    let problem = assert_problem(app.book(&body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["name"]);
    let mut fields = form("2026-12-08T14:00:00+00:00", "k1");
    for (k, v) in fields.iter_mut() {
        if *k == "name" {
            *v = long.clone();
        }
    }
    let (status, html) = text(post_form(&app, "/book/free-consultation", &fields).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains(r#"id="name-error""#), "{html}");

    // A retry key with a space in it.
    let r = app
        .client
        .post(app.url("/api/v1/public/bookings"))
        .header("Idempotency-Key", "not a key")
        .json(&crate::common::scheduling::couple_booking(
            "2026-12-08T14:00:00Z",
        ))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(error_fields(&problem), ["Idempotency-Key"]);
    let fields = form("2026-12-08T14:00:00+00:00", "not a key");
    let (status, _) = text(post_form(&app, "/book/free-consultation", &fields).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Neither made a booking.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, "/api/v1/appointments").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"], json!([]));
}
