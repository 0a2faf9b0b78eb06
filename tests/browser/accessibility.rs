//! Every public page and every dashboard page, checked by axe-core against the WCAG 2.1 A
//! and AA rules in headless Chromium: none may have a violation.
//!
//! axe-core comes from the npm registry (`.ci/run` installs the pinned version into
//! `target/axe/`, or `ATTUNE_AXE_JS` names the file); the test hands it to each page itself,
//! so nothing is fetched while the pages run. Where it is missing and not required, the test
//! says so and passes.

use std::path::PathBuf;

use attune::auth::Role;
use fantoccini::{Client, key::Key};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    Browser,
    common::{TestApp, assert_status, scheduling::couple_booking, smtp::SmtpServer},
    sign_in,
};

fn axe_source() -> Option<String> {
    let path = std::env::var_os("ATTUNE_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/axe/node_modules/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) => {
            assert!(
                std::env::var_os("ATTUNE_REQUIRE_AXE").is_none(),
                "ATTUNE_REQUIRE_AXE is set but {} is missing (npm install --prefix target/axe axe-core)",
                path.display()
            );
            eprintln!("skipping the accessibility run: axe-core is not installed");
            None
        }
    }
}

/// The violations on the page now showing, one line each: the rule, what it asks and where.
async fn violations(b: &Client, axe: &str) -> Vec<String> {
    // Given to the page through the driver: the pages' own policy allows no inline script.
    b.execute(&format!("{axe}\n;return typeof axe;"), vec![])
        .await
        .expect("axe-core loads");
    let found = b
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { runOnly: { type: 'tag', values: \
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
               .then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at ' + \
                 v.nodes.map(n => n.target.join(' ')).join(', '))))\
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Opens each of `paths` and gathers what axe finds, by page.
async fn check(b: &Client, app: &TestApp, axe: &str, paths: &[String], out: &mut Vec<String>) {
    for path in paths {
        b.goto(&app.url(path)).await.unwrap();
        for v in violations(b, axe).await {
            out.push(format!("{path}: {v}"));
        }
    }
}

fn secret_after(text: &str, marker: &str) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_public_and_dashboard_page_passes_wcag_2_1_aa() {
    let Some(axe) = axe_source() else {
        return;
    };
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;

    // A couple booked online, in care, with a questionnaire, a document to sign, a note,
    // a series and a video session.
    let booked = app.book_ok(&couple_booking("2026-12-08T14:00:00Z")).await;
    let manage = booked["manage_token"].as_str().unwrap().to_owned();
    let couple = app.couple_in_care_of(&booked).await;
    let owner = &couple.owner;
    let docs = assert_status(
        app.get_as(owner, "/api/v1/consent-documents").await,
        StatusCode::OK,
    )
    .await;
    let document = docs["items"][0]["id"].as_str().unwrap().to_owned();
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!("/api/v1/clients/{}/consents", couple.client),
            json!({"document_id": document}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let consents = assert_status(
        app.get_as(
            owner,
            &format!("/api/v1/clients/{}/consents", couple.client),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(consents["items"].as_array().unwrap().len(), 2);
    app.dispatch_pending_emails().await;
    let mail: String = smtp
        .received_by("jane@example.org")
        .into_iter()
        .map(|m| m.raw)
        .collect::<Vec<_>>()
        .join("\n")
        .replace("=\r\n", "");
    let intake_token = secret_after(&mail, "/intake/");
    let consent_token = secret_after(&mail, "/consent/");
    let join_token = secret_after(&mail, "/join/");
    let intakes = assert_status(
        app.get_as(owner, &format!("/api/v1/clients/{}/intakes", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let intake = intakes["items"][0]["id"].as_str().unwrap().to_owned();
    let note = assert_status(
        app.write_note(
            &couple.clinician,
            &couple.client,
            json!({"format": "free", "appointment_id": couple.appointment,
                   "content": {"text": "Worked on repair."}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session_type = app.type_id(owner, "couples-session").await;
    let practitioner = app.first_practitioner_id().await;
    let series = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/appointments/series",
            json!({"client_id": couple.client, "appointment_type_id": session_type,
                   "practitioner_id": practitioner, "first_start": "2026-12-09T15:00:00Z",
                   "tz": "UTC", "every_weeks": 1, "count": 2}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.dispatch_pending_emails().await;

    // Billing: the consultation priced, held and invoiced; a fee policy and estimates on.
    let consultation = app.type_id(owner, "free-consultation").await;
    for (path, body) in [
        (
            format!("/api/v1/fees/types/{consultation}"),
            json!({"fee_minor": 5000}),
        ),
        (
            "/api/v1/fees/policy".to_owned(),
            json!({"late_cancel_percent": 50, "no_show_percent": 100, "good_faith_estimates": true}),
        ),
    ] {
        assert_status(
            app.send_as(owner, Method::PUT, &path, body).await,
            StatusCode::OK,
        )
        .await;
    }
    assert_status(
        app.post_empty_as(
            owner,
            &format!("/api/v1/appointments/{}/complete", couple.appointment),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let invoice = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": couple.client, "appointment_ids": [couple.appointment]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_status(
        app.post_empty_as(
            owner,
            &format!("/api/v1/clients/{}/good-faith-estimates", couple.client),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;

    // The checker itself: an image without words is caught.
    b.goto(&app.url("/")).await.unwrap();
    b.execute(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/assets/x.png\">');",
        vec![],
    )
    .await
    .unwrap();
    let caught = violations(b, &axe).await;
    assert!(
        caught.iter().any(|v| v.starts_with("image-alt")),
        "axe-core is not checking: {caught:?}"
    );

    let mut found = Vec::new();
    // The public pages, as a client on a phone sees them.
    let slot = {
        let slots = app
            .get_json(
                "/api/v1/public/slots?type=free-consultation&from=2026-12-09&to=2026-12-10&tz=UTC",
                StatusCode::OK,
            )
            .await;
        slots["slots"][0]["start"].as_str().unwrap().to_owned()
    };
    let public: Vec<String> = vec![
        "/".into(),
        "/book".into(),
        "/book/free-consultation?tz=America%2FNew_York".into(),
        format!(
            "/book/free-consultation/details?start={}&tz=America%2FNew_York",
            url_encode(&slot)
        ),
        format!("/booking/{manage}"),
        format!("/booking/{manage}/reschedule"),
        format!("/booking/{manage}/cancel"),
        format!("/intake/{intake_token}"),
        format!("/consent/{consent_token}"),
        format!("/join/{join_token}"),
        "/portal".into(),
    ];
    for path in &public {
        let r = app.get_html(path, None).await;
        // With one type, /book goes straight to its times.
        let expected = if path == "/book" {
            StatusCode::SEE_OTHER
        } else {
            StatusCode::OK
        };
        assert_eq!(r.status(), expected, "{path}");
    }
    check(b, &app, &axe, &public, &mut found).await;
    // The consent page once signed, and the portal's other states.
    let signed = app
        .post_html(
            &format!("/consent/{consent_token}"),
            None,
            &[("name", "Jane Doe"), ("agree", "1")],
        )
        .await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    check(
        b,
        &app,
        &axe,
        &[format!("/consent/{consent_token}")],
        &mut found,
    )
    .await;
    b.goto(&app.url("/portal")).await.unwrap();
    crate::type_into(b, "email", "jane@example.org").await;
    crate::click(b, fantoccini::Locator::Css("main button[type=submit]")).await;
    crate::wait_for_text(b, "Check your email").await;
    for v in violations(b, &axe).await {
        found.push(format!("/portal (sent): {v}"));
    }
    let mut link = None;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        app.dispatch_pending_emails().await;
        let mail: String = smtp
            .received_by("jane@example.org")
            .into_iter()
            .map(|m| m.raw.replace("=\r\n", ""))
            .collect();
        if mail.contains("/portal/in/") {
            link = Some(secret_after(&mail, "/portal/in/"));
            break;
        }
    }
    let link = link.expect("a portal link");
    b.goto(&app.url(&format!("/portal/in/{link}")))
        .await
        .unwrap();
    for v in violations(b, &axe).await {
        found.push(format!("/portal/in (confirm): {v}"));
    }
    crate::click(b, fantoccini::Locator::Css("main button[type=submit]")).await;
    crate::wait_for_text(b, "Hello, Jane").await;
    for v in violations(b, &axe).await {
        found.push(format!("/portal (home): {v}"));
    }

    // Every dashboard page an owner opens.
    let account = app.create_staff(Role::Owner).await;
    sign_in(b, &app, &account.email, &account.password).await;
    let c = &couple.client;
    let a = &couple.appointment;
    let dashboard: Vec<(&str, String)> = vec![
        ("/admin", "/admin".into()),
        ("/admin", "/admin?from=2026-12-08&view=day".into()),
        (
            "/admin/appointments/:id",
            format!("/admin/appointments/{a}"),
        ),
        ("/admin/clients", "/admin/clients".into()),
        ("/admin/clients/:id", format!("/admin/clients/{c}")),
        (
            "/admin/clients/:id/edit",
            format!("/admin/clients/{c}/edit"),
        ),
        (
            "/admin/clients/:id/plan",
            format!("/admin/clients/{c}/plan"),
        ),
        ("/admin/intakes/:id", format!("/admin/intakes/{intake}")),
        ("/admin/series/:id", format!("/admin/series/{series}")),
        (
            "/admin/clients/:id/notes",
            format!("/admin/clients/{c}/notes?appointment_id={a}"),
        ),
        (
            "/admin/clients/:id/psychotherapy-notes",
            format!("/admin/clients/{c}/psychotherapy-notes"),
        ),
        ("/admin/notes/:id", format!("/admin/notes/{note}")),
        ("/admin/notes/:id/sign", format!("/admin/notes/{note}/sign")),
        ("/admin/settings", "/admin/settings".into()),
        ("/admin/settings/hours", "/admin/settings/hours".into()),
        (
            "/admin/settings/calendar",
            "/admin/settings/calendar".into(),
        ),
        (
            "/admin/settings/practice",
            "/admin/settings/practice".into(),
        ),
        (
            "/admin/settings/practitioners",
            "/admin/settings/practitioners".into(),
        ),
        (
            "/admin/settings/practitioners/new",
            "/admin/settings/practitioners/new".into(),
        ),
        (
            "/admin/settings/practitioners/:id",
            format!("/admin/settings/practitioners/{practitioner}"),
        ),
        ("/admin/settings/consent", "/admin/settings/consent".into()),
        (
            "/admin/settings/consent/new",
            "/admin/settings/consent/new".into(),
        ),
        (
            "/admin/settings/consent/:id",
            format!("/admin/settings/consent/{document}"),
        ),
        (
            "/admin/settings/consent/:id/versions/:number",
            format!("/admin/settings/consent/{document}/versions/1"),
        ),
        ("/admin/settings/types", "/admin/settings/types".into()),
        (
            "/admin/settings/types/new",
            "/admin/settings/types/new".into(),
        ),
        (
            "/admin/settings/types/:id",
            format!("/admin/settings/types/{session_type}"),
        ),
        ("/admin/settings/emails", "/admin/settings/emails".into()),
        (
            "/admin/settings/emails/:name",
            "/admin/settings/emails/reminder".into(),
        ),
        ("/admin/settings/outbox", "/admin/settings/outbox".into()),
        ("/admin/settings/staff", "/admin/settings/staff".into()),
        (
            "/admin/settings/staff/new",
            "/admin/settings/staff/new".into(),
        ),
        (
            "/admin/settings/staff/:id",
            format!("/admin/settings/staff/{}", account.id),
        ),
        ("/admin/audit", "/admin/audit".into()),
        ("/admin/billing", "/admin/billing".into()),
        ("/admin/invoices/:id", format!("/admin/invoices/{invoice}")),
        (
            "/admin/clients/:id/billing",
            format!("/admin/clients/{c}/billing"),
        ),
        ("/admin/settings/billing", "/admin/settings/billing".into()),
        (
            "/admin/clients/:id/diagnoses",
            format!("/admin/clients/{c}/diagnoses"),
        ),
        (
            "/admin/clients/:id/measures",
            format!("/admin/clients/{c}/measures"),
        ),
    ];
    // A page added to the dashboard without a place here fails the run.
    let covered: Vec<&str> = dashboard.iter().map(|(pattern, _)| *pattern).collect();
    let left_out: Vec<&str> = attune::http::pages::admin::routes()
        .into_iter()
        .filter(|(_, _, allow)| allow.contains("GET"))
        .map(|(path, _, _)| path)
        .filter(|path| !covered.contains(path) && !UNCHECKED.contains(path))
        .collect();
    assert!(
        left_out.is_empty(),
        "dashboard pages not checked: {left_out:?}"
    );
    let paths: Vec<String> = dashboard.into_iter().map(|(_, path)| path).collect();
    // Each is the page itself, not an error in its place.
    let caller = app.login(&account).await;
    for path in &paths {
        let r = app.page(&caller, path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    check(b, &app, &axe, &paths, &mut found).await;
    // The sign-in page, signed out.
    b.delete_all_cookies().await.unwrap();
    check(b, &app, &axe, &["/admin/login".into()], &mut found).await;

    assert!(
        found.is_empty(),
        "{} WCAG 2.1 A/AA violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

/// GET routes that are not pages: files, and an email's own HTML shown inside its preview
/// page (an email is not a web page; the preview around it is checked).
const UNCHECKED: &[&str] = &[
    "/admin/clients/:id/consents/:request/copy.pdf",
    "/admin/clients/:id/superbill.pdf",
    "/admin/clients/:id/diagnoses/:diagnosis/remove",
    "/admin/clients/:id/estimates/:estimate/pdf",
    "/admin/settings/emails/:name/html",
    "/admin/settings/hours/:kind/:id/remove",
    "/admin/settings/calendar/busy/:id/remove",
    "/admin/settings/calendar/:action",
    "/admin/settings/outbox/:id/:action",
    "/admin/appointments/:id/:action",
    "/admin/settings/hours/overrides",
    "/admin/settings/hours/time-off",
    "/admin/settings/calendar/busy",
    "/admin/clients/:id/appointments",
    "/admin/clients/:id/series",
    "/admin/clients/:id/consents",
    "/admin/clients/:id/intakes",
    "/admin/notes/:id/addenda",
    "/admin/logout",
];

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Presses Tab until the focus is on an element `selector` matches; panics after `most`.
async fn tab_to(b: &Client, selector: &str, most: usize) {
    for _ in 0..most {
        let there = b
            .execute(
                "return document.activeElement.matches(arguments[0]);",
                vec![json!(selector)],
            )
            .await
            .unwrap();
        if there == json!(true) {
            return;
        }
        press(b, Key::Tab).await;
    }
    panic!("{selector} never took the focus by Tab");
}

async fn press(b: &Client, key: Key) {
    b.active_element()
        .await
        .unwrap()
        .send_keys(&char::from(key).to_string())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_is_chosen_and_a_document_signed_by_keyboard_alone() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    let smtp = SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder().clock(clock).smtp(&smtp).spawn().await;

    // The slot picker: Tab to the first free time, Enter, and the details form is next.
    b.goto(&app.url("/book/free-consultation?tz=America%2FNew_York"))
        .await
        .unwrap();
    let landmarks = b
        .execute(
            "return ['header', 'main', 'footer'].map(t => document.querySelectorAll(t).length);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        landmarks,
        json!([1, 1, 1]),
        "one banner, one main, one footer"
    );
    tab_to(b, "a.time", 60).await;
    press(b, Key::Enter).await;
    crate::wait_for_text(b, "Your full name").await;
    assert!(b.current_url().await.unwrap().path().ends_with("/details"));

    // Signing: the name typed, the box ticked with Space, sent with Enter.
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let docs = assert_status(
        app.get_as(&couple.owner, "/api/v1/consent-documents").await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &couple.owner,
            Method::POST,
            &format!("/api/v1/clients/{}/consents", couple.client),
            json!({"document_id": docs["items"][0]["id"], "participant_id": null}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    app.dispatch_pending_emails().await;
    let mail: String = smtp
        .received_by("sam@example.org")
        .into_iter()
        .map(|m| m.raw.replace("=\r\n", ""))
        .collect();
    let token = secret_after(&mail, "/consent/");
    b.goto(&app.url(&format!("/consent/{token}")))
        .await
        .unwrap();
    tab_to(b, "#name", 80).await;
    b.active_element()
        .await
        .unwrap()
        .send_keys("Sam Roe")
        .await
        .unwrap();
    tab_to(b, "#agree", 5).await;
    press(b, Key::Space).await;
    tab_to(b, "button[type=submit]", 5).await;
    press(b, Key::Enter).await;
    crate::wait_for_text(b, "Signed by").await;
    browser.screenshot("consent-signed-by-keyboard").await;
}
