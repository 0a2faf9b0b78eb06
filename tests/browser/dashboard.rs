//! A therapist runs her week from the dashboard on a laptop-sized screen: signs in, reads the
//! agenda, opens a couple's record, sends a questionnaire, sees a flagged intake, writes,
//! signs and amends a note, changes her hours and sees booking follow, and subscribes her
//! calendar. Then the front desk signs in and finds nothing clinical anywhere.

use attune::auth::Role;
use fantoccini::{Client, Locator, key::Key};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    Browser, WAIT, click,
    common::{TestApp, intake::couples_answers},
    sign_in, type_into, wait_for_text,
};

/// Sends `keys` to whatever has the focus, as a keyboard would.
async fn press(b: &Client, keys: &str) {
    b.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

fn key(k: Key) -> String {
    char::from(k).to_string()
}

/// What has the focus: its id or its text, and whether the focus ring shows.
async fn focused(b: &Client) -> (String, bool) {
    let got = b
        .execute(
            "const e = document.activeElement; \
             return [e.id || e.textContent.trim(), getComputedStyle(e).outlineStyle];",
            vec![],
        )
        .await
        .unwrap();
    (
        got[0].as_str().unwrap_or_default().to_owned(),
        got[1].as_str() != Some("none"),
    )
}

/// Signs in with the keyboard alone: Tab to each field (every stop shows the focus ring),
/// type, Enter. Then the first Tab on the agenda reaches *Skip to content*, which leads into
/// the page.
async fn sign_in_by_keyboard(b: &Client, app: &TestApp, email: &str, password: &str) {
    b.goto(&app.url("/admin")).await.unwrap();
    wait_for_text(b, "Sign in").await;
    let tab = key(Key::Tab);
    let mut stops = Vec::new();
    for _ in 0..10 {
        press(b, &tab).await;
        let (at, ring) = focused(b).await;
        assert!(ring, "the focus on {at:?} is visible");
        stops.push(at.clone());
        if at == "email" {
            break;
        }
    }
    assert_eq!(stops.first().map(String::as_str), Some("Skip to content"));
    assert_eq!(stops.last().map(String::as_str), Some("email"), "{stops:?}");
    press(b, email).await;
    press(b, &tab).await;
    assert_eq!(focused(b).await.0, "password");
    press(b, &format!("{password}{}", key(Key::Enter))).await;
    wait_for_text(b, "Agenda").await;
    press(b, &tab).await;
    assert_eq!(focused(b).await, ("Skip to content".to_owned(), true));
    press(b, &key(Key::Enter)).await;
    assert!(b.current_url().await.unwrap().as_str().ends_with("#main"));
}

#[tokio::test]
async fn a_therapist_runs_her_week_and_the_front_desk_sees_nothing_clinical() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let Some(browser) = Browser::start().await else {
        return;
    };
    let b = &browser.client;
    b.set_window_size(1280, 900).await.unwrap();

    // A booked couple; Jane's intake says she is afraid of her partner.
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    app.book_ok(&json!({
        "type": "free-consultation",
        "start": "2026-12-09T10:00:00Z",
        "name": "Alex Kim",
        "email": "alex@example.org",
        "partner_name": "Robin Kim",
        "partner_email": "robin@example.org",
        "tz": "UTC",
    }))
    .await;
    let links = app.intake_links().await;
    app.submit_intake(&links["jane@example.org"], couples_answers(true))
        .await;
    let therapist = &couple.clinician_account;

    // Sign in with the keyboard alone, and land on the agenda asked for.
    sign_in_by_keyboard(b, &app, &therapist.email, &therapist.password).await;
    let agenda = b.source().await.unwrap();
    assert!(agenda.contains("Jane Doe &amp; Sam Roe") && agenda.contains("Safety flag"));
    assert!(agenda.contains("Intake not submitted"));
    browser.screenshot("admin-agenda").await;
    b.set_window_size(768, 1024).await.unwrap();
    browser.screenshot("admin-agenda-tablet").await;
    b.set_window_size(1280, 900).await.unwrap();

    // The appointment, then the couple's record.
    click(b, Locator::LinkText("Jane Doe & Sam Roe")).await;
    wait_for_text(b, "Reschedule").await;
    browser.screenshot("admin-appointment").await;
    click(b, Locator::Css("dl.details a[href^='/admin/clients/']")).await;
    wait_for_text(b, "Questionnaires").await;
    let record = b.source().await.unwrap();
    assert!(
        record.contains(r#"<span class="badge alert">Safety</span>"#),
        "{record}"
    );
    assert!(record.contains("submitted"));

    // Jane's answers, question by question.
    click(b, Locator::Css("a[href^='/admin/intakes/']")).await;
    wait_for_text(b, "We argue about the same things.").await;
    browser.screenshot("admin-response").await;
    b.back().await.unwrap();
    wait_for_text(b, "Questionnaires").await;

    // Send the PHQ-9 to each partner.
    b.find(Locator::Id("questionnaire_id"))
        .await
        .unwrap()
        .select_by_label("PHQ-9")
        .await
        .unwrap();
    click(
        b,
        Locator::XPath("//form[.//select[@id='questionnaire_id']]//button"),
    )
    .await;
    wait_for_text(b, "The questionnaire is on its way.").await;
    let record = b.source().await.unwrap();
    assert_eq!(record.matches("<td>PHQ-9</td>").count(), 2);
    browser.screenshot("admin-client").await;

    // After the session: the note, autosaved, signed, amended.
    clock.set("2026-12-08T15:00:00Z".parse().unwrap());
    click(b, Locator::LinkText("New note")).await;
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("appointment_id"))
        .await
        .unwrap();
    b.find(Locator::Id("appointment_id"))
        .await
        .unwrap()
        .select_by_index(1)
        .await
        .unwrap();
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Start the note']"),
    )
    .await;
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("field-presenting_dynamics"))
        .await
        .unwrap();
    type_into(
        b,
        "field-presenting_dynamics",
        "Pursue–withdraw cycle around chores.",
    )
    .await;
    type_into(b, "field-homework", "Daily stress-reducing conversation.").await;
    wait_for_text(b, "Draft saved at").await;
    b.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    browser.screenshot("admin-note-editor").await;
    click(b, Locator::Css("button[value=sign]")).await;
    wait_for_text(b, "can no longer change").await;
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Sign and lock']"),
    )
    .await;
    wait_for_text(b, "The note is signed and locked.").await;
    let signed = b.source().await.unwrap();
    assert!(signed.contains("Pursue–withdraw cycle around chores."));
    assert!(!signed.contains("field-homework"));
    type_into(b, "addendum", "They skipped the conversation on Thursday.").await;
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Add addendum']"),
    )
    .await;
    wait_for_text(b, "Addendum added.").await;
    assert!(
        b.source()
            .await
            .unwrap()
            .contains("They skipped the conversation on Thursday.")
    );
    browser.screenshot("admin-note-signed").await;

    // Hours: Wednesdays in the evening only, and booking offers just those.
    b.goto(&app.url("/admin/settings/hours")).await.unwrap();
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("d2_w0_start"))
        .await
        .unwrap();
    b.execute(
        "document.querySelectorAll('input[type=time]').forEach(function (i) { i.value = ''; });\
         document.getElementById('d2_w0_start').value = '18:00';\
         document.getElementById('d2_w0_end').value = '20:00';",
        vec![],
    )
    .await
    .unwrap();
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Save hours']"),
    )
    .await;
    wait_for_text(b, "Weekly hours saved.").await;
    assert!(b.source().await.unwrap().contains("18:00–20:00"));
    browser.screenshot("admin-hours").await;
    b.goto(&app.url("/book/free-consultation?tz=UTC&week=2026-12-14"))
        .await
        .unwrap();
    wait_for_text(b, "6:00 pm").await;
    let offered = b.source().await.unwrap();
    assert!(offered.contains("2026-12-16T18%3A00"), "{offered}");
    assert!(!offered.contains("T09%3A00"), "{offered}");

    // The calendar feed: made, copied, subscribed.
    b.goto(&app.url("/admin/settings/calendar")).await.unwrap();
    click(
        b,
        Locator::XPath("//button[normalize-space(.)='Create the calendar address']"),
    )
    .await;
    let field = b
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id("webcal"))
        .await
        .unwrap();
    let webcal = field.prop("value").await.unwrap().unwrap();
    assert!(webcal.starts_with("webcal://"), "{webcal}");
    click(b, Locator::Css("button[data-copy=webcal]")).await;
    wait_for_text(b, "Copied").await;
    browser.screenshot("admin-calendar").await;
    let https = webcal.replacen("webcal://", "http://", 1);
    let feed = app.client.get(&https).send().await.unwrap();
    assert_eq!(feed.status(), StatusCode::OK);
    let ics = feed.text().await.unwrap();
    assert!(ics.contains("BEGIN:VEVENT") && !ics.contains("Jane"));

    // The front desk: the same pages, nothing clinical in any of them.
    click(b, Locator::XPath("//button[normalize-space(.)='Sign out']")).await;
    b.wait()
        .at_most(WAIT)
        .for_element(Locator::Id("email"))
        .await
        .unwrap();
    let assistant = app.create_staff(Role::Assistant).await;
    sign_in(b, &app, &assistant.email, &assistant.password).await;
    let clinical = [
        "Safety",
        "affair",
        "Pursue",
        "withdraw",
        "skipped",
        "Session notes",
        "Treatment plan",
        "psychotherapy",
        "/admin/notes/",
    ];
    let client_page = format!("/admin/clients/{}", couple.client);
    let appointment_page = format!("/admin/appointments/{}", couple.appointment);
    for path in [
        "/admin?from=2026-12-07",
        appointment_page.as_str(),
        "/admin/clients",
        client_page.as_str(),
    ] {
        b.goto(&app.url(path)).await.unwrap();
        b.wait()
            .at_most(WAIT)
            .for_element(Locator::Css("h1"))
            .await
            .unwrap();
        let html = b.source().await.unwrap();
        for word in clinical {
            assert!(
                !html.contains(word),
                "{path} shows {word:?} to the assistant"
            );
        }
    }
    browser.screenshot("admin-client-assistant").await;
}
