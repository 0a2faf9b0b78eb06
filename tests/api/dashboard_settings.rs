//! The dashboard's settings pages over plain HTTP: each saves what the API would, names the
//! field of every mistake with what was typed kept, and opens only for the roles the API
//! allows.

use attune::auth::Role;
use reqwest::StatusCode;

use crate::common::{
    Caller, TestApp,
    admin::{html, location},
    assert_status,
    staff::PASSWORD,
};

/// The value of the first input named `field` on the page.
fn field_value(page: &str, field: &str) -> String {
    let tag = page
        .split(&format!(r#"name="{field}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no {field} on the page"))
        .split('>')
        .next()
        .unwrap();
    tag.split(r#"value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned()
}

/// Posts `fields` and follows the redirect, returning the page it leads to.
async fn saved(app: &TestApp, caller: &Caller, path: &str, fields: &[(&str, &str)]) -> String {
    let r = app.submit(caller, path, fields).await;
    let status = r.status();
    let to = r.headers().get("location").cloned();
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    html(
        app.page(caller, to.unwrap().to_str().unwrap()).await,
        StatusCode::OK,
    )
    .await
}

/// Posts `fields` expecting the form back with `status` and a message at each of `named`.
async fn refused(
    app: &TestApp,
    caller: &Caller,
    path: &str,
    fields: &[(&str, &str)],
    status: StatusCode,
    named: &[&str],
) -> String {
    let page = html(app.submit(caller, path, fields).await, status).await;
    for field in named {
        assert!(
            page.contains(&format!(r#"id="f-{field}-error""#))
                || page.contains(&format!(r#"id="{field}-error""#)),
            "no message at {field}: {page}"
        );
    }
    page
}

#[tokio::test]
async fn practice_details_and_practitioners_are_the_owners_to_change() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let (_, clinician) = app.signed_in(Role::Clinician).await;

    let page = saved(
        &app,
        &owner,
        "/admin/settings/practice",
        &[
            ("name", "Harbour Couples Therapy"),
            ("time_zone", "Europe/Berlin"),
            ("contact_email", "hello@harbour.example"),
        ],
    )
    .await;
    assert!(page.contains("Saved."), "{page}");
    assert_eq!(field_value(&page, "time_zone"), "Europe/Berlin");
    let public = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    assert_eq!(public["name"], "Harbour Couples Therapy");

    let page = refused(
        &app,
        &owner,
        "/admin/settings/practice",
        &[
            ("name", "Harbour"),
            ("time_zone", "Mars/Olympus"),
            ("contact_email", "not an address"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["time_zone", "contact_email"],
    )
    .await;
    assert_eq!(
        field_value(&page, "time_zone"),
        "Mars/Olympus",
        "typed kept"
    );
    let public = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await;
    assert_eq!(public["name"], "Harbour Couples Therapy", "nothing changed");

    for caller in [&assistant, &clinician] {
        for path in [
            "/admin/settings/practice",
            "/admin/settings/practitioners",
            "/admin/settings/practitioners/new",
            "/admin/settings/staff",
        ] {
            assert_eq!(
                app.page(caller, path).await.status(),
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let r = app
            .submit(caller, "/admin/settings/practice", &[("name", "Mine now")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }

    // A new practitioner goes straight to their hours; a clear box stops their booking.
    refused(
        &app,
        &owner,
        "/admin/settings/practitioners/new",
        &[("name", ""), ("email", "sam@"), ("time_zone", "UTC")],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["name", "email"],
    )
    .await;
    let r = app
        .submit(
            &owner,
            "/admin/settings/practitioners/new",
            &[
                ("name", "Sam Rivera"),
                ("email", "sam@harbour.example"),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with("/admin/settings/hours?practitioner="),
        "{to}"
    );
    let sam = to
        .split("practitioner=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let list = html(
        app.page(&owner, "/admin/settings/practitioners").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        list.contains("Sam Rivera") && list.contains("Bookable"),
        "{list}"
    );
    let page = saved(
        &app,
        &owner,
        &format!("/admin/settings/practitioners/{sam}"),
        &[
            ("name", "Sam Rivera"),
            ("email", "sam@harbour.example"),
            ("time_zone", "Europe/Berlin"),
        ],
    )
    .await;
    assert!(!page.contains(r#"name="active" type="checkbox" value="1" checked"#));
    let api = assert_status(
        app.get_as(&owner, &format!("/api/v1/practitioners/{sam}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(api["active"], false);
    assert_eq!(
        app.page(&owner, "/admin/settings/practitioners/nonsense")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_appointment_type_is_added_and_changed_with_each_mistake_named() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let practitioner = app.first_practitioner_id().await;
    let good = [
        ("name", "Intensive (3 hours)"),
        ("slug", "intensive"),
        ("description", "A longer session for couples in crisis."),
        ("duration_minutes", "180"),
        ("buffer_before_minutes", "0"),
        ("buffer_after_minutes", "30"),
        ("slot_step_minutes", "60"),
        ("min_notice_minutes", "1440"),
        ("horizon_days", "30"),
        ("cancellation_cutoff_minutes", "2880"),
        ("reminder_minutes", "2880, 60"),
        ("location_kind", "in_person"),
        ("location_details", "Harbour Street 4"),
        ("practitioner_ids", practitioner.as_str()),
        ("intake_questionnaire_id", ""),
        ("public", "1"),
        ("active", "1"),
    ];
    // The assistant schedules, so types are theirs to keep, as in the API.
    let mut bad = good.to_vec();
    bad[3] = ("duration_minutes", "three hours");
    bad[9] = ("cancellation_cutoff_minutes", "-5");
    bad[10] = ("reminder_minutes", "2880, soon");
    bad[1] = ("slug", "Intensive!");
    let page = refused(
        &app,
        &assistant,
        "/admin/settings/types/new",
        &bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["duration_minutes", "reminder_minutes"],
    )
    .await;
    assert_eq!(field_value(&page, "duration_minutes"), "three hours");
    assert!(
        page.contains(&format!(r#"value="{practitioner}" checked"#)),
        "the ticked practitioner stays ticked"
    );
    let mut numbers_ok = bad.clone();
    numbers_ok[3] = ("duration_minutes", "180");
    numbers_ok[10] = ("reminder_minutes", "2880, 60");
    refused(
        &app,
        &assistant,
        "/admin/settings/types/new",
        &numbers_ok,
        StatusCode::UNPROCESSABLE_ENTITY,
        &["slug", "cancellation_cutoff_minutes"],
    )
    .await;

    let page = saved(&app, &assistant, "/admin/settings/types/new", &good).await;
    assert!(page.contains("Appointment type added.") && page.contains("Intensive (3 hours)"));
    assert!(page.contains("2 days before, 1 h before"), "{page}");
    let slots = app
        .slots("intensive", "2026-12-09", "2026-12-09", None)
        .await;
    assert!(!slots.is_empty(), "bookable online now");
    let types = app
        .get_json("/api/v1/public/appointment-types", StatusCode::OK)
        .await;
    let listed = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "intensive")
        .cloned()
        .expect("listed");
    assert_eq!(listed["duration_minutes"], 180);

    // Taking a slug another type has is refused at the slug.
    let all = assert_status(
        app.get_as(&assistant, "/api/v1/appointment-types").await,
        StatusCode::OK,
    )
    .await;
    let id = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "intensive")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(listed["id"], id.as_str());
    let mut taken = good.to_vec();
    taken[1] = ("slug", "free-consultation");
    let page = html(
        app.submit(&assistant, &format!("/admin/settings/types/{id}"), &taken)
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(field_value(&page, "slug"), "free-consultation");
    // Retired: no longer offered.
    let mut retired = good.to_vec();
    retired.retain(|(k, _)| *k != "active");
    saved(
        &app,
        &assistant,
        &format!("/admin/settings/types/{id}"),
        &retired,
    )
    .await;
    let r = app
        .get("/api/v1/public/slots?type=intensive&from=2026-12-09&to=2026-12-09")
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_dates_own_hours_and_time_off_change_what_booking_offers() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let starts = |slots: &[serde_json::Value]| -> Vec<String> {
        slots
            .iter()
            .map(|s| s["start"].as_str().unwrap()[11..16].to_owned())
            .collect()
    };

    // Wednesday closed, Thursday only in the evening.
    let page = saved(
        &app,
        &owner,
        "/admin/settings/hours/overrides",
        &[
            ("practitioner", &p),
            ("date", "2026-12-09"),
            ("closed", "1"),
        ],
    )
    .await;
    assert!(
        page.contains("That date&#x27;s hours are saved.")
            || page.contains("That date's hours are saved."),
        "{page}"
    );
    assert!(page.contains("Wednesday") && page.contains("Closed"));
    saved(
        &app,
        &owner,
        "/admin/settings/hours/overrides",
        &[
            ("practitioner", &p),
            ("date", "2026-12-10"),
            ("start", "18:00"),
            ("end", "20:00"),
        ],
    )
    .await;
    assert!(
        app.slots("free-consultation", "2026-12-09", "2026-12-09", None)
            .await
            .is_empty()
    );
    let thursday = starts(
        &app.slots("free-consultation", "2026-12-10", "2026-12-10", None)
            .await,
    );
    assert!(
        !thursday.is_empty() && thursday.iter().all(|t| t.as_str() >= "18:00"),
        "{thursday:?}"
    );

    // Friday morning off.
    let page = saved(
        &app,
        &owner,
        "/admin/settings/hours/time-off",
        &[
            ("practitioner", &p),
            ("off_start", "2026-12-11T00:00"),
            ("off_end", "2026-12-11T13:00"),
            ("off_note", "Training"),
        ],
    )
    .await;
    assert!(page.contains("Time off added") && page.contains("Training"));
    let friday = starts(
        &app.slots("free-consultation", "2026-12-11", "2026-12-11", None)
            .await,
    );
    assert!(
        !friday.is_empty() && friday.iter().all(|t| t.as_str() >= "13:00"),
        "{friday:?}"
    );

    // Mistakes are named beside their fields, and nothing is saved.
    let page = refused(
        &app,
        &owner,
        "/admin/settings/hours/time-off",
        &[
            ("practitioner", &p),
            ("off_start", "2026-12-14T12:00"),
            ("off_end", "2026-12-14T09:00"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["off_end"],
    )
    .await;
    assert!(page.contains(r#"value="2026-12-14T12:00""#), "typed kept");
    refused(
        &app,
        &owner,
        "/admin/settings/hours/overrides",
        &[
            ("practitioner", &p),
            ("date", "someday"),
            ("start", "18:00"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["o-date"],
    )
    .await;
    let r = app
        .submit(
            &owner,
            "/admin/settings/hours/time-off",
            &[
                ("practitioner", "nobody"),
                ("off_start", "2026-12-14T09:00"),
                ("off_end", "2026-12-14T10:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Removing Wednesday's override brings its usual hours back.
    let hours = html(
        app.page(&owner, &format!("/admin/settings/hours?practitioner={p}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let wednesday = hours
        .split("/admin/settings/hours/overrides/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    saved(
        &app,
        &owner,
        &format!("/admin/settings/hours/overrides/{wednesday}/remove"),
        &[("practitioner", &p)],
    )
    .await;
    assert!(
        !app.slots("free-consultation", "2026-12-09", "2026-12-09", None)
            .await
            .is_empty()
    );
    let r = app
        .submit(
            &owner,
            &format!("/admin/settings/hours/overrides/{wednesday}/remove"),
            &[("practitioner", &p)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "already gone");
}

#[tokio::test]
async fn a_busy_calendar_is_added_with_its_status_and_removed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    refused(
        &app,
        &owner,
        "/admin/settings/calendar/busy",
        &[("practitioner", &p), ("url", "ftp://example.org/cal.ics")],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["busy-url"],
    )
    .await;
    // An address on this machine is refused by the fetcher: added, with the reason shown.
    let page = saved(
        &app,
        &owner,
        "/admin/settings/calendar/busy",
        &[
            ("practitioner", &p),
            ("url", "http://localhost:9/home.ics"),
            ("label", "Home"),
        ],
    )
    .await;
    assert!(
        page.contains("Busy calendar added") && page.contains("Home"),
        "{page}"
    );
    assert!(page.contains("error"), "its status is shown");
    assert!(
        !page.contains("localhost:9/home.ics"),
        "the address is a secret"
    );
    let id = page
        .split("/admin/settings/calendar/busy/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let page = saved(
        &app,
        &owner,
        &format!("/admin/settings/calendar/busy/{id}/remove"),
        &[("practitioner", &p)],
    )
    .await;
    assert!(
        page.contains("Removed.") && !page.contains(">Home<"),
        "{page}"
    );
}

#[tokio::test]
async fn emails_are_previewed_and_the_outbox_retries_and_cancels() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let (_, clinician) = app.signed_in(Role::Clinician).await;

    let list = html(
        app.page(&assistant, "/admin/settings/emails").await,
        StatusCode::OK,
    )
    .await;
    assert!(list.contains("Reminder (to the client)") && list.contains("Built in"));
    let preview = html(
        app.page(&assistant, "/admin/settings/emails/booking_confirmed")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        preview.contains("Subject")
            && preview.contains("/admin/settings/emails/booking_confirmed/html")
    );
    let frame = app
        .page(&assistant, "/admin/settings/emails/booking_confirmed/html")
        .await;
    assert_eq!(frame.status(), StatusCode::OK);
    let csp = frame.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("sandbox") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(frame.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(frame.text().await.unwrap().contains("<html"));
    assert_eq!(
        app.page(&assistant, "/admin/settings/emails/nonsense")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    for path in ["/admin/settings/emails", "/admin/settings/outbox"] {
        assert_eq!(
            app.page(&clinician, path).await.status(),
            StatusCode::FORBIDDEN
        );
    }

    // The couple's reminders wait in the outbox: cancel one, then send it again.
    let waiting = html(
        app.page(&assistant, "/admin/settings/outbox?status=pending")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(waiting.contains("Reminder (to the client)"), "{waiting}");
    let cancel = waiting
        .split(r#"action=""#)
        .filter_map(|s| s.split('"').next())
        .find(|a| a.ends_with("/cancel"))
        .unwrap()
        .to_owned();
    let page = saved(&app, &assistant, &cancel, &[]).await;
    assert!(page.contains("will not be sent"));
    let r = app.submit(&assistant, &cancel, &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "not pending any more");
    let retry = cancel.replace("/cancel", "/retry");
    let page = saved(&app, owner, &retry, &[]).await;
    assert!(page.contains("sent again shortly"));
    let emails = app.audit_events(owner, "email.cancel").await;
    assert_eq!(emails.len(), 1);
}

#[tokio::test]
async fn staff_accounts_are_made_changed_and_disabled_by_the_owner() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    let page = refused(
        &app,
        &owner,
        "/admin/settings/staff/new",
        &[
            ("name", "Robin Front"),
            ("email", "robin@harbour.example"),
            ("role", "assistant"),
            ("practitioner_id", ""),
            ("password", "short"),
        ],
        StatusCode::UNPROCESSABLE_ENTITY,
        &["password"],
    )
    .await;
    assert_eq!(field_value(&page, "name"), "Robin Front");
    assert!(
        !page.contains(r#"value="short""#),
        "a password is never sent back"
    );
    let page = saved(
        &app,
        &owner,
        "/admin/settings/staff/new",
        &[
            ("name", "Robin Front"),
            ("email", "robin@harbour.example"),
            ("role", "assistant"),
            ("practitioner_id", ""),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(page.contains("Account created") && page.contains("Robin Front"));
    assert_eq!(
        app.try_login("robin@harbour.example", PASSWORD)
            .await
            .status(),
        StatusCode::OK
    );
    let r = app
        .submit(
            &owner,
            "/admin/settings/staff/new",
            &[
                ("name", "Robin Again"),
                ("email", "Robin@harbour.example"),
                ("role", "assistant"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    let robin = page
        .split("/admin/settings/staff/")
        .filter_map(|s| s.split('"').next())
        .find(|s| s.len() == 36 && *s != owner_account.id.to_string())
        .unwrap()
        .to_owned();
    saved(
        &app,
        &owner,
        &format!("/admin/settings/staff/{robin}"),
        &[
            ("name", "Robin Front"),
            ("role", "assistant"),
            ("disabled", "1"),
        ],
    )
    .await;
    assert_eq!(
        app.try_login("robin@harbour.example", PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    // The only owner cannot make themselves an assistant.
    let page = html(
        app.submit(
            &owner,
            &format!("/admin/settings/staff/{}", owner_account.id),
            &[("name", "Me"), ("role", "assistant")],
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert!(page.contains("at least one active owner"), "{page}");
}

#[tokio::test]
async fn the_settings_index_lists_only_what_the_role_may_open() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let all = html(app.page(&owner, "/admin/settings").await, StatusCode::OK).await;
    for href in [
        "/admin/settings/practice",
        "/admin/settings/practitioners",
        "/admin/settings/consent",
        "/admin/settings/types",
        "/admin/settings/hours",
        "/admin/settings/calendar",
        "/admin/settings/emails",
        "/admin/settings/outbox",
        "/admin/settings/staff",
        "/admin/audit",
    ] {
        assert!(all.contains(&format!(r#"href="{href}""#)), "{href}");
        assert_eq!(
            app.page(&owner, href).await.status(),
            StatusCode::OK,
            "{href}"
        );
    }
    let some = html(
        app.page(&assistant, "/admin/settings").await,
        StatusCode::OK,
    )
    .await;
    for href in ["/admin/settings/types", "/admin/settings/outbox"] {
        assert!(some.contains(href), "{href}");
    }
    for href in [
        "/admin/settings/practice",
        "/admin/settings/consent",
        "/admin/settings/staff",
        "/admin/audit",
    ] {
        assert!(!some.contains(&format!(r#"href="{href}""#)), "{href}");
    }
}
