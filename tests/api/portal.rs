//! `/portal`: a partner signs in by a one-time link sent to their own address and sees
//! their part of the couple's care alone; an address nobody has gets the same answer.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{TestApp, assert_status, smtp::SmtpServer};

/// The text part of every message to `address` so far, joined.
fn mail_to(smtp: &SmtpServer, address: &str) -> String {
    smtp.texts_to(address, "").join("\n")
}

/// Every secret in `text` after `marker` (e.g. `/portal/in/`), in order, without repeats.
fn secrets(text: &str, marker: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices(marker) {
        let token: String = text[i + marker.len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !out.contains(&token) {
            out.push(token);
        }
    }
    out
}

/// Asks for a link for `address`; the link is sent apart from the answer, so this waits
/// for it to be queued and sends it.
pub(crate) async fn ask(app: &TestApp, address: &str) -> String {
    let r = app.post_html("/portal", None, &[("email", address)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let body = r.text().await.unwrap();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if app.dispatch_pending_emails().await.sent > 0 {
            break;
        }
    }
    body
}

/// Signs in with the latest link sent to `address`: the `cookie` header to send after.
pub(crate) async fn sign_in(app: &TestApp, smtp: &SmtpServer, address: &str) -> String {
    ask(app, address).await;
    let link = secrets(&mail_to(smtp, address), "/portal/in/")
        .pop()
        .expect("a sign-in link");
    let confirm = app.get_html(&format!("/portal/in/{link}"), None).await;
    assert_eq!(
        confirm.status(),
        StatusCode::OK,
        "opening it signs nobody in"
    );
    let used = app
        .post_html(&format!("/portal/in/{link}"), None, &[])
        .await;
    assert_eq!(used.status(), StatusCode::SEE_OTHER);
    let set = used.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/portal")
    );
    set.split(';').next().unwrap().to_owned()
}

pub(crate) fn form_token(page: &str) -> String {
    let at = page.find(r#"name="token" value=""#).expect("a form token") + 20;
    page[at..at + 32].to_owned()
}

#[tokio::test]
async fn each_partner_signs_in_by_their_own_link_and_sees_only_their_own_part() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let docs = assert_status(
        app.get_as(owner, "/api/v1/consent-documents").await,
        StatusCode::OK,
    )
    .await;
    let consent = docs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "informed_consent")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!("/api/v1/clients/{}/consents", couple.client),
            json!({"document_id": consent}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;
    let jane_consent = secrets(&mail_to(&smtp, "jane@example.org"), "/consent/");
    let sam_consent = secrets(&mail_to(&smtp, "sam@example.org"), "/consent/");
    assert_eq!((jane_consent.len(), sam_consent.len()), (1, 1));

    // Known or not, the answer is the same; only a partner's address is sent anything.
    let known = ask(&app, "JANE@example.org ").await;
    let before = smtp.received_by("nobody@example.org").len();
    let unknown = ask(&app, "nobody@example.org").await;
    assert_eq!(known, unknown);
    assert!(known.contains("If that address belongs to someone"));
    assert_eq!(smtp.received_by("nobody@example.org").len(), before);
    let bad = app.post_html("/portal", None, &[("email", "jane")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains(r#"id="email-error""#));

    // Jane's page: the session, her document, nothing of Sam's.
    let jane = sign_in(&app, &smtp, "jane@example.org").await;
    let page = app
        .get_html("/portal", Some(&jane))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Hello, Jane"), "{page}");
    assert!(page.contains("Tuesday 8 December 2026"));
    assert!(
        page.contains("/booking/atm_"),
        "move or cancel through the manage link"
    );
    assert!(page.contains(&jane_consent[0]));
    assert!(page.contains("To sign"));
    assert!(!page.contains(&sam_consent[0]));
    assert!(!page.contains("Sam"), "nothing of the other partner");

    // Sam's page is his own.
    let sam = sign_in(&app, &smtp, "sam@example.org").await;
    let his = app
        .get_html("/portal", Some(&sam))
        .await
        .text()
        .await
        .unwrap();
    assert!(his.contains("Hello, Sam") && his.contains(&sam_consent[0]));
    assert!(!his.contains(&jane_consent[0]) && !his.contains("Jane"));

    // Her questionnaire opens from the page through a fresh link of her own; the one
    // emailed before stops working.
    let emailed = secrets(&mail_to(&smtp, "jane@example.org"), "/intake/");
    let at = page
        .find("/portal/questionnaires/")
        .expect("her questionnaire");
    let id: String = page[at + 23..].chars().take(36).collect();
    let opened = app
        .post_html(
            &format!("/portal/questionnaires/{id}"),
            Some(&jane),
            &[("token", &form_token(&page))],
        )
        .await;
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let fresh = opened.headers()["location"].to_str().unwrap().to_owned();
    assert!(fresh.starts_with("/intake/ati_"), "{fresh}");
    assert_eq!(app.get_html(&fresh, None).await.status(), StatusCode::OK);
    assert_eq!(
        app.get_html(&format!("/intake/{}", emailed[0]), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Not hers: Sam's page cannot open it.
    let his_try = app
        .post_html(
            &format!("/portal/questionnaires/{id}"),
            Some(&sam),
            &[("token", &form_token(&his))],
        )
        .await;
    assert_eq!(his_try.status(), StatusCode::NOT_FOUND);

    // A link works once.
    let used = secrets(&mail_to(&smtp, "jane@example.org"), "/portal/in/")
        .pop()
        .unwrap();
    let again = app
        .post_html(&format!("/portal/in/{used}"), None, &[])
        .await;
    assert_eq!(again.status(), StatusCode::GONE);

    // After she signs, the page keeps her copy.
    let r = app
        .post_html(
            &format!("/consent/{}", jane_consent[0]),
            None,
            &[("name", "Jane Doe"), ("agree", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .get_html("/portal", Some(&jane))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("/consent/{}/copy.pdf", jane_consent[0])),
        "{page}"
    );

    // Forms need her session and its token.
    let token = form_token(&page);
    let forged = app
        .post_html(
            "/portal/contact",
            Some(&jane),
            &[("token", "0"), ("reminders", "1")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let anonymous = app
        .post_html("/portal/contact", None, &[("token", &token)])
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Sign-ins are audited, without the address.
    let events = app.audit_events(owner, "portal.sign_in").await;
    assert_eq!(events.len(), 2);
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("example.org")
    );

    // Unused for half an hour, the session ends.
    clock.advance(chrono::Duration::minutes(31));
    let page = app
        .get_html("/portal", Some(&jane))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Send me a link"));
}

#[tokio::test]
async fn a_partner_moves_their_messages_to_their_own_address_and_turns_reminders_off() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-10T14:00:00Z").await;
    let owner = &couple.owner;
    let jane = sign_in(&app, &smtp, "jane@example.org").await;
    let page = app
        .get_html("/portal", Some(&jane))
        .await
        .text()
        .await
        .unwrap();
    let token = form_token(&page);

    let bad = app
        .post_html(
            "/portal/contact",
            Some(&jane),
            &[
                ("token", &token),
                ("safe_address", "not an address"),
                ("reminders", "1"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text().await.unwrap();
    assert!(text.contains(r#"id="safe_address-error""#), "{text}");
    assert!(text.contains(r#"value="not an address""#));

    let saved = app
        .post_html(
            "/portal/contact",
            Some(&jane),
            &[("token", &token), ("safe_address", "jane.own@example.net")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let client = assert_status(
        app.get_as(owner, &format!("/api/v1/clients/{}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let people = client["participants"].as_array().unwrap();
    let her = people.iter().find(|p| p["first_name"] == "Jane").unwrap();
    assert_eq!(her["email"], "jane.own@example.net");
    let him = people.iter().find(|p| p["first_name"] == "Sam").unwrap();
    assert_eq!(
        him["email"], "sam@example.org",
        "the partner's address is untouched"
    );

    // What was waiting in the shared inbox is replaced; the new messages go to her own.
    app.dispatch_pending_emails().await;
    assert!(!smtp.received_by("jane.own@example.net").is_empty());
    let events = app.audit_events(owner, "portal.contact").await;
    assert_eq!(events.len(), 1);
    assert!(
        !serde_json::to_string(&events)
            .unwrap()
            .contains("example.net")
    );

    // Reminders off: a session booked now plans none for her, and still does for Sam.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let session = app.type_id(&owner, "couples-session").await;
    let first = app.first_practitioner_id().await;
    assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": couple.client, "appointment_type_id": session,
                   "practitioner_id": first, "start": "2026-12-17T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-17T14:30:00Z")
            .unwrap()
            .to_utc(),
    );
    app.dispatch_pending_emails().await;
    let reminded = |address: &str| {
        smtp.received_by(address)
            .iter()
            .filter(|m| m.raw.contains("Subject: Reminder"))
            .count()
    };
    assert_eq!(reminded("jane.own@example.net"), 0, "she turned them off");
    assert!(reminded("sam@example.org") > 0);
}

#[tokio::test]
async fn an_address_is_sent_three_links_an_hour_however_often_it_is_asked() {
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    app.couple_in_care("2026-12-08T14:00:00Z").await;
    let links = || secrets(&mail_to(&smtp, "sam@example.org"), "/portal/in/").len();
    for _ in 0..3 {
        ask(&app, "sam@example.org").await;
    }
    assert_eq!(links(), 3);
    let r = app
        .post_html("/portal", None, &[("email", "sam@example.org")])
        .await;
    assert_eq!(r.status(), StatusCode::OK, "the same answer");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    app.dispatch_pending_emails().await;
    assert_eq!(links(), 3);
    clock.advance(chrono::Duration::minutes(61));
    ask(&app, "sam@example.org").await;
    assert_eq!(links(), 4);
    // The practice's housekeeping clears what can no longer be used.
    clock.advance(chrono::Duration::hours(2));
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.portal_purged, 4);
}
