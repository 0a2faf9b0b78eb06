//! What each path costs in SQL statements, held down so it cannot creep back: a booking, the
//! other write paths, and the dashboard pages whatever the number of rows.

use reqwest::StatusCode;

use crate::common::{TestApp, scheduling::couple_booking};

impl TestApp {
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
