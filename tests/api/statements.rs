//! What each path costs in SQL statements, held down so it cannot creep back: a booking, the
//! other write paths, and the dashboard pages whatever the number of rows.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Caller, TestApp, intake::couples_answers, scheduling::couple_booking};

/// Tuesday 8 December 2026, 09:00 UTC: the first free consultation after
/// [`crate::common::scheduling::monday_morning`].
const TUESDAY_9AM: &str = "2026-12-08T09:00:00Z";

impl TestApp {
    /// The SQL each page costs `caller`.
    async fn page_costs(&self, caller: &Caller, pages: &[String]) -> Vec<(String, Vec<String>)> {
        let mut costs = Vec::new();
        for path in pages {
            let (r, sql) = self.statements_of(self.page(caller, path)).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            costs.push((path.clone(), sql));
        }
        costs
    }

    /// Runs `f` and returns the SQL it caused, one statement per entry.
    async fn statements_of<F: std::future::Future>(&self, f: F) -> (F::Output, Vec<String>) {
        self.state.statements.record();
        let out = f.await;
        (out, self.state.statements.recorded())
    }
}

#[tokio::test]
async fn an_online_booking_of_a_couple_runs_at_most_fifteen_statements() {
    let (app, _) = TestApp::at_monday_morning().await;
    // Warm: the first booking may fill caches the rest share.
    app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let (response, sql) = app
        .statements_of(app.book(&couple_booking("2026-12-08T10:00:00Z")))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(sql.len() <= 15, "{}", listing(&sql));
}

/// The statements, numbered and shortened to what tells them apart.
fn listing(sql: &[String]) -> String {
    let mut out = format!("{} statements:\n", sql.len());
    for (i, s) in sql.iter().enumerate() {
        let short = match (s.find(" FROM "), s.find(" WHERE ")) {
            (Some(from), Some(_)) if s.starts_with("SELECT") => format!("SELECT …{}", &s[from..])
                .chars()
                .take(160)
                .collect(),
            _ => s.chars().take(110).collect::<String>(),
        };
        out.push_str(&format!("{:>3} {short}\n", i + 1));
    }
    out
}

#[tokio::test]
async fn a_feed_revalidation_is_answered_from_the_stored_version_without_a_render() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let feed = app.issue_feed(&owner, &p, serde_json::json!({})).await;
    let url = feed["url"].as_str().unwrap().to_owned();
    app.book_ok(&couple_booking("2026-12-08T09:00:00Z")).await;
    let first = app.client.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();

    let (again, sql) = app
        .statements_of(app.client.get(&url).header("If-None-Match", &etag).send())
        .await;
    assert_eq!(again.unwrap().status(), StatusCode::NOT_MODIFIED);
    // The feed by its secret, the schedule's version; no appointment is read.
    assert!(sql.len() <= 2, "{}", listing(&sql));

    // A change anywhere in the schedule moves the version: the old copy is not current.
    app.book_ok(&couple_booking("2026-12-08T10:00:00Z")).await;
    let changed = app
        .client
        .get(&url)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn a_full_feed_is_rendered_from_one_query_whatever_its_size() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let feed = app
        .issue_feed(
            &owner,
            &p,
            json!({"detail": "initials", "include_time_off": true}),
        )
        .await;
    let url = feed["url"].as_str().unwrap().to_owned();
    app.send_as(
        &owner,
        Method::POST,
        &format!("/api/v1/practitioners/{p}/time-off"),
        json!({"starts_at": "2026-12-12T00:00:00Z", "ends_at": "2026-12-13T00:00:00Z"}),
    )
    .await;
    app.book_ok(&couple_booking(TUESDAY_9AM)).await;
    let mut renders = Vec::new();
    for hour in ["10", "11", "13", "14"] {
        let (r, sql) = app.statements_of(app.client.get(&url).send()).await;
        let text = r.unwrap().text().await.unwrap();
        renders.push((text, sql));
        app.book_ok(&couple_booking(&format!("2026-12-08T{hour}:00:00Z")))
            .await;
    }
    let (last, sql) = &renders[3];
    // Four couples named by initials, both partners each, and the time off.
    assert_eq!(last.matches("BEGIN:VEVENT").count(), 5, "{last}");
    assert_eq!(last.matches("SUMMARY:Time off").count(), 1);
    assert_eq!(last.matches(" & ").count(), 4, "{last}");
    // The feed by its secret, the versions, the events, the validators written back.
    assert!(sql.len() <= 4, "{}", listing(sql));
    assert_eq!(renders[1].1.len(), sql.len(), "{}", listing(sql));
}

#[tokio::test]
async fn the_other_write_paths_stay_within_their_statement_budgets() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_9AM).await;
    let staff = &couple.owner;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(staff, "couples-session").await;
    let mut costs = Vec::new();

    let (r, sql) = app
        .statements_of(app.send_as(
            staff,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": couple.client, "appointment_type_id": session,
                   "practitioner_id": p, "start": "2026-12-09T10:00:00Z"}),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    costs.push(("staff booking", sql));

    let booked = app.book_ok(&couple_booking("2026-12-08T11:00:00Z")).await;
    let token = TestApp::token_of(&booked);
    let (r, sql) = app
        .statements_of(app.reschedule_booking(&token, "2026-12-08T12:00:00Z"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    costs.push(("reschedule", sql));
    let (r, sql) = app.statements_of(app.cancel_booking(&token)).await;
    assert_eq!(r.status(), StatusCode::OK);
    costs.push(("cancel", sql));

    let links = app.intake_links().await;
    let (_, sql) = app
        .statements_of(app.submit_intake(&links["jane@example.org"], couples_answers(false)))
        .await;
    costs.push(("intake submit", sql));

    clock.advance(chrono::Duration::days(2));
    let note = crate::common::assert_status(
        app.write_note(
            &couple.clinician,
            &couple.client,
            json!({"format": "free", "appointment_id": couple.appointment,
                   "content": {"text": "Worked on repair after conflict."}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = note["id"].as_str().unwrap();
    let (r, sql) = app
        .statements_of(app.post_empty_as(&couple.clinician, &format!("/api/v1/notes/{id}/sign")))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    costs.push(("note sign", sql));

    // What each costs now; a change that needs more says so here. Moving the (video)
    // consultation reads its partners' join links, and their messages, each carrying its
    // own link, take two inserts. A booking asks which consent documents its type requires.
    for ((path, sql), most) in costs.iter().zip([9, 14, 11, 9, 6]) {
        assert!(sql.len() <= most, "{path}: {}", listing(sql));
    }
}

#[tokio::test]
async fn a_dashboard_page_costs_the_same_statements_whatever_the_number_of_rows() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let first = app.book_ok(&couple_booking(TUESDAY_9AM)).await;
    let record = app.couple_in_care_of(&first).await;
    let pages = [
        "/admin".to_owned(),
        "/admin/clients".to_owned(),
        format!("/admin/clients/{}", record.client),
    ];
    for hour in 10..12 {
        app.book_ok(&couple_booking(&format!("2026-12-08T{hour}:00:00Z")))
            .await;
    }
    let few = app.page_costs(&owner, &pages).await;
    for hour in 12..17 {
        app.book_ok(&couple_booking(&format!("2026-12-08T{hour}:00:00Z")))
            .await;
    }
    // More rows in the record itself: sessions of the couple's own.
    let p = app.first_practitioner_id().await;
    let session = app.type_id(&owner, "couples-session").await;
    for day in 9..12 {
        let r = app
            .send_as(
                &owner,
                Method::POST,
                "/api/v1/appointments",
                json!({"client_id": record.client, "appointment_type_id": session,
                       "practitioner_id": p, "start": format!("2026-12-{day:02}T10:00:00Z")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let more = app.page_costs(&owner, &pages).await;
    for ((path, a), (_, b)) in few.iter().zip(&more) {
        assert_eq!(
            a.len(),
            b.len(),
            "{path}: {}\nthen {}",
            listing(a),
            listing(b)
        );
    }
}

#[tokio::test]
async fn a_burst_of_feed_revalidations_is_answered_from_memory() {
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock)
        .configure(|c| c.calendar.feed_recheck = std::time::Duration::from_secs(60))
        .spawn()
        .await;
    let (_, owner) = app.signed_in(attune::auth::Role::Owner).await;
    let p = app.first_practitioner_id().await;
    let feed = app.issue_feed(&owner, &p, json!({})).await;
    let url = feed["url"].as_str().unwrap().to_owned();
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let (again, sql) = app
        .statements_of(app.client.get(&url).header("If-None-Match", &etag).send())
        .await;
    let again = again.unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(sql.is_empty(), "{}", listing(&sql));
    // Without a validator the app gets the body, from the database.
    let plain = app.client.get(&url).send().await.unwrap();
    assert_eq!(plain.status(), StatusCode::OK);
    // An unknown secret is not answered from memory.
    let other = url.replace("acf_", "acf_x");
    let r = app
        .client
        .get(&other)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn free_times_asked_again_cost_one_read_and_follow_every_change_and_the_clock() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let path = "/api/v1/public/slots?type=free-consultation&from=2026-12-08&to=2026-12-31&tz=UTC";
    let first = app.get_json(path, StatusCode::OK).await;
    let (again, sql) = app.statements_of(app.get(path)).await;
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);
    // The schedule's version; nothing else is read for an answer already worked out.
    assert_eq!(sql.len(), 1, "{}", listing(&sql));

    // A booking moves the version: its time is no longer offered.
    let start = first["slots"][0]["start"].as_str().unwrap().to_owned();
    app.book_ok(&couple_booking(&start)).await;
    let after = app.get_json(path, StatusCode::OK).await;
    assert_ne!(after["slots"][0]["start"], start.as_str());

    // Time passing: once the first free start comes within the notice, it goes.
    let next = after["slots"][0]["start"].as_str().unwrap().to_owned();
    let at: chrono::DateTime<chrono::Utc> = next.parse().unwrap();
    let now = crate::common::scheduling::monday_morning();
    clock.advance(at - chrono::Duration::hours(12) - now + chrono::Duration::minutes(1));
    let later = app.get_json(path, StatusCode::OK).await;
    assert_ne!(later["slots"][0]["start"], next.as_str());
}

#[tokio::test]
async fn drafting_invoices_costs_the_same_statements_for_one_session_or_four() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_9AM).await;
    let staff = &couple.owner;
    let p = app.first_practitioner_id().await;
    let session = app.type_id(staff, "couples-session").await;
    let r = app
        .send_as(
            staff,
            Method::PUT,
            &format!("/api/v1/fees/types/{session}"),
            json!({"fee_minor": 17500}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let mut ids = Vec::new();
    // Weekdays only: the practice's hours.
    for day in [9, 10, 11, 14, 15] {
        let r = app
            .send_as(
                staff,
                Method::POST,
                "/api/v1/appointments",
                json!({"client_id": couple.client, "appointment_type_id": session,
                       "practitioner_id": p, "start": format!("2026-12-{day:02}T10:00:00Z")}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        ids.push(
            r.json::<serde_json::Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    clock.set("2026-12-15T12:00:00Z".parse().unwrap());
    let (_, again) = app.signed_in(attune::auth::Role::Owner).await;
    let staff = &again;
    for id in &ids {
        let r = app
            .post_empty_as(staff, &format!("/api/v1/appointments/{id}/complete"))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    app.dispatch_pending_emails().await;
    let draft = |chosen: &[String]| {
        app.send_as(
            staff,
            Method::POST,
            "/api/v1/invoices",
            json!({"client_id": couple.client, "appointment_ids": chosen}),
        )
    };
    let (r, one) = app.statements_of(draft(&ids[..1])).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (r, four) = app.statements_of(draft(&ids[1..])).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        one.len(),
        four.len(),
        "{}\nthen {}",
        listing(&one),
        listing(&four)
    );
}
