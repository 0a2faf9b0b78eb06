//! The holes a security review found between the JSON API, the dashboard and the promise
//! that a couple's clinical content is for owners and their own clinician: one story each.

use attune::{auth::Role, config::MailTransport};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, admin::html, assert_problem, assert_status, calendar::practitioner_user,
    error_fields, scheduling::couple_booking,
};

const START: &str = "2026-12-08T15:00:00Z";

async fn set_practitioner(
    app: &TestApp,
    caller: &Caller,
    client: &str,
    to: Value,
) -> reqwest::Response {
    app.send_as(
        caller,
        Method::PUT,
        &format!("/api/v1/clients/{client}/practitioner"),
        json!({ "practitioner_id": to }),
    )
    .await
}

async fn couple_of(app: &TestApp, owner: &Caller, client: &str) -> Vec<String> {
    let c = assert_status(
        app.get_as(owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn another_clinician_cannot_take_over_a_couple_and_only_owners_transfer_one() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(START).await;
    let (theirs, other) = app.other_practitioner(&couple.owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let client = &couple.client;

    // The old way in is closed, and names the field.
    let refused = assert_problem(
        app.send_as(
            &other,
            Method::PATCH,
            &format!("/api/v1/clients/{client}"),
            json!({"primary_practitioner_id": theirs}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&refused), ["primary_practitioner_id"]);
    // Neither another clinician nor the front desk moves a couple someone treats.
    for caller in [&other, &assistant, &couple.clinician] {
        assert_problem(
            set_practitioner(&app, caller, client, json!(theirs)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        app.get_as(&other, &format!("/api/v1/clients/{client}/export"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // An owner may, and it is recorded; then the record follows the couple.
    let moved = assert_status(
        set_practitioner(&app, &couple.owner, client, json!(theirs)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(moved["primary_practitioner_id"], theirs.as_str());
    let events = app.audit_events(&couple.owner, "client.transfer").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["details"]["to"], theirs.as_str());
    assert_status(
        app.get_as(&other, &format!("/api/v1/clients/{client}/export"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.get_as(
            &couple.clinician,
            &format!("/api/v1/clients/{client}/export"),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // A practitioner that does not exist is the field's mistake.
    let unknown = assert_problem(
        set_practitioner(&app, &couple.owner, client, json!(uuid::Uuid::new_v4())).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&unknown), ["practitioner_id"]);
}

#[tokio::test]
async fn a_couple_nobody_treats_is_assigned_by_the_front_desk_or_by_their_own_clinician() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let first = app.first_practitioner_id().await;
    let (theirs, other) = app.other_practitioner(&owner).await;
    let mine = practitioner_user(&app, &owner, &first).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let new_client = |caller: Caller| {
        let app = &app;
        async move {
            let c = assert_status(
                app.send_as(
                    &caller,
                    Method::POST,
                    "/api/v1/clients",
                    json!({"kind": "couple", "participants": [{"first_name": "Ana"}, {"first_name": "Bo"}]}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            c["id"].as_str().unwrap().to_owned()
        }
    };

    // Booking a session does not hand the couple to whoever books it.
    let client = new_client(other.clone()).await;
    let session = app.type_id(&owner, "couples-session").await;
    assert_status(
        app.send_as(
            &mine,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": client, "appointment_type_id": session, "practitioner_id": first, "start": "2026-12-08T10:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let c = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c["primary_practitioner_id"], Value::Null);
    assert_problem(
        app.get_as(&mine, &format!("/api/v1/clients/{client}/export"))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    // A clinician takes on only for themselves; the front desk routes anyone.
    assert_problem(
        set_practitioner(&app, &mine, &client, json!(theirs)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_status(
        set_practitioner(&app, &mine, &client, json!(first)).await,
        StatusCode::OK,
    )
    .await;
    let other_client = new_client(assistant.clone()).await;
    assert_status(
        set_practitioner(&app, &assistant, &other_client, json!(theirs)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(app.audit_events(&owner, "client.assign").await.len(), 2);
    // Naming the practitioner when creating the client is the same decision.
    assert_problem(
        app.send_as(
            &other,
            Method::POST,
            "/api/v1/clients",
            json!({"kind": "individual", "primary_practitioner_id": first, "participants": [{"first_name": "Cy"}]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn an_intake_link_is_shown_only_to_those_who_treat_the_couple_on_request() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(START).await;
    let (_, other) = app.signed_in(Role::Clinician).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let people = couple_of(&app, &couple.owner, &couple.client).await;
    let q = app.questionnaire_id(&couple.owner, "couples-intake").await;
    let path = format!("/api/v1/clients/{}/intakes", couple.client);
    let body = |hand_out: bool| json!({"questionnaire_id": q, "participant_id": people[0], "hand_out_link": hand_out});

    // Anyone at the practice may send one; the link goes to the partner, not to them.
    let sent = assert_status(
        app.send_as(&assistant, Method::POST, &path, body(false))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(sent["url"], Value::Null);
    assert!(!sent.to_string().contains("/intake/"));
    for caller in [&assistant, &other] {
        assert_problem(
            app.send_as(caller, Method::POST, &path, body(true)).await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let shown = assert_status(
        app.send_as(&couple.clinician, Method::POST, &path, body(true))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(shown["url"].as_str().unwrap().contains("/intake/ati_"));
    let events = app.audit_events(&couple.owner, "intake.link_shown").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["entity_id"], shown["id"]);
}

#[tokio::test]
async fn an_intake_cannot_point_at_another_couples_appointment() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(START).await;
    let others = app
        .book_ok(&json!({
            "type": "free-consultation", "start": "2026-12-09T15:00:00Z",
            "name": "Lee Park", "email": "lee@example.org", "tz": "UTC",
        }))
        .await;
    let people = couple_of(&app, &couple.owner, &couple.client).await;
    let q = app.questionnaire_id(&couple.owner, "couples-intake").await;
    let refused = assert_problem(
        app.send_as(
            &couple.owner,
            Method::POST,
            &format!("/api/v1/clients/{}/intakes", couple.client),
            json!({"questionnaire_id": q, "participant_id": people[0], "appointment_id": others["id"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&refused), ["appointment_id"]);
    // Their own appointment is fine.
    assert_status(
        app.send_as(
            &couple.owner,
            Method::POST,
            &format!("/api/v1/clients/{}/intakes", couple.client),
            json!({"questionnaire_id": q, "participant_id": people[0], "appointment_id": couple.appointment}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

/// The outbox rows addressed to `recipient`, as the owner sees them.
async fn mail_to(app: &TestApp, owner: &Caller, recipient: &str) -> Vec<Value> {
    let body = assert_status(
        app.get_as(owner, "/api/v1/emails?limit=200").await,
        StatusCode::OK,
    )
    .await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["recipient"] == recipient)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_changed_address_stops_pending_mail_and_the_links_sent_to_the_old_one() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let old_manage = TestApp::token_of(&booked);
    let old_intake = app.intake_links().await["jane@example.org"].clone();
    let (_, owner) = app.signed_in(Role::Owner).await;
    let appointment = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/appointments/{}", booked["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let client = appointment["client_id"].as_str().unwrap();
    let people = couple_of(&app, &owner, client).await;
    let waiting = |list: &[Value]| list.iter().filter(|e| e["status"] == "pending").count();
    assert!(waiting(&mail_to(&app, &owner, "jane@example.org").await) > 0);

    assert_status(
        app.send_as(
            &owner,
            Method::PUT,
            &format!("/api/v1/clients/{client}/participants/{}", people[0]),
            json!({"first_name": "Jane", "last_name": "Doe", "email": "jane.new@example.org"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Nothing more goes to the old inbox; the new one gets the booking, reminders, intake.
    assert_eq!(waiting(&mail_to(&app, &owner, "jane@example.org").await), 0);
    let fresh = mail_to(&app, &owner, "jane.new@example.org").await;
    for kind in ["booking_confirmed", "reminder", "intake_invitation"] {
        assert!(
            fresh
                .iter()
                .any(|e| e["kind"] == kind && e["status"] == "pending"),
            "{kind} to the new address: {fresh:?}"
        );
    }
    // The links the old inbox holds no longer open anything.
    assert_problem(
        app.get(&format!("/api/v1/public/bookings/{old_manage}"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let token = old_intake.trim_start_matches("/intake/");
    assert_problem(
        app.get(&format!("/api/v1/intake/{token}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let links = app.intake_links().await;
    let new_intake = links["jane.new@example.org"].trim_start_matches("/intake/");
    assert_status(
        app.get(&format!("/api/v1/intake/{new_intake}")).await,
        StatusCode::OK,
    )
    .await;
    let events = app
        .audit_events(&owner, "client.private_links_rotated")
        .await;
    assert_eq!(events.len(), 1);
    assert!(!events[0].to_string().contains("example.org"));
}

#[cfg(unix)]
#[tokio::test]
async fn mail_written_to_files_is_private_to_the_server_and_pruned() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("mail");
    let into = folder.clone();
    let app = TestApp::builder()
        .configure(move |c| {
            c.mail.transport = MailTransport::File(into);
            c.mail.file_retention = std::time::Duration::from_secs(3600);
        })
        .spawn()
        .await;
    app.book_ok(&couple_booking("2027-01-12T15:00:00Z")).await;
    app.dispatch_pending_emails().await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&folder), 0o700);
    let files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(!files.is_empty());
    for f in &files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
    // Kept for the retention period, then gone; files of others are left alone.
    std::fs::write(folder.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        attune::housekeeping::run_once(&app.state)
            .await
            .unwrap()
            .mail_files_pruned,
        0
    );
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for f in &files {
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(old)
            .unwrap();
    }
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.mail_files_pruned, files.len() as u64);
    assert!(folder.join("notes.txt").exists());
}

#[tokio::test]
async fn an_overlong_sign_in_is_refused_before_the_rate_limiter() {
    let app = crate::common::spawn_app().await;
    let long = format!("{}@example.org", "a".repeat(100_000));
    let page = app
        .client
        .post(app.url("/admin/login"))
        .form(&[("email", long.as_str()), ("password", "x")])
        .send()
        .await
        .unwrap();
    let body = html(page, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!body.contains(&"a".repeat(300)), "the input is not echoed");
    let api = assert_problem(
        app.try_login(&long, "x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&api), ["email"]);
    assert_eq!(app.state.limiters.login.per_account.tracked(), 0);
}

#[tokio::test]
async fn a_clients_calendar_file_names_no_therapy_unless_the_practice_says_so() {
    let (app, _) = TestApp::at_monday_morning().await;
    let booked = app.book_ok(&couple_booking(START)).await;
    let token = TestApp::token_of(&booked);
    let ics = || async {
        app.get(&format!("/api/v1/public/bookings/{token}/ics"))
            .await
            .text()
            .await
            .unwrap()
    };
    let text = ics().await;
    assert!(
        text.contains("SUMMARY:Appointment with Practitioner"),
        "{text}"
    );
    assert!(!text.to_lowercase().contains("consultation"), "{text}");
    let (_, owner) = app.signed_in(Role::Owner).await;
    let id = app.type_id(&owner, "free-consultation").await;
    let path = format!("/api/v1/appointment-types/{id}");
    let bad = assert_problem(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"client_title": "x\ny"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["client_title"]);
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"client_title": "Call with {practitioner}"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(ics().await.contains("SUMMARY:Call with Practitioner"));
}

#[tokio::test]
async fn a_clinician_cannot_reissue_a_full_detail_feed_from_the_dashboard() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    app.issue_feed(&owner, &p, json!({"detail": "full"})).await;
    let account = app
        .create_staff_for(Role::Clinician, Some(p.parse().unwrap()))
        .await;
    let clinician = app.login(&account).await;
    // The API and the dashboard refuse the same thing.
    let api = assert_problem(
        app.post_empty_as(
            &clinician,
            &format!("/api/v1/practitioners/{p}/calendar-feed"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&api), ["detail"]);
    let page = app
        .submit(
            &clinician,
            "/admin/settings/calendar/create",
            &[("practitioner", p.as_str())],
        )
        .await;
    assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        app.audit_events(&owner, "calendar_feed.rotate")
            .await
            .is_empty(),
        "no new address was made"
    );
}

#[tokio::test]
async fn busy_calendars_reach_only_global_addresses_in_every_ipv6_spelling() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let p = app.first_practitioner_id().await;
    for url in [
        "http://[::127.0.0.1]:9/x.ics",
        "http://[::a00:1]:9/x.ics",
        "http://[fec0::1]:9/x.ics",
        "http://[100::1]:9/x.ics",
    ] {
        let added = assert_status(
            app.send_as(
                &owner,
                Method::POST,
                &format!("/api/v1/practitioners/{p}/busy-calendars"),
                json!({ "url": url }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(added["status"], "error", "{url}");
        assert!(
            added["last_error"].as_str().unwrap().contains("private"),
            "{url}: {added}"
        );
    }
}
