//! Staff management by the owner, and the rule that a practice always keeps an active owner.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{Caller, TestApp, assert_problem, assert_status, error_fields, spawn_app};

async fn create(app: &TestApp, owner: &Caller, body: serde_json::Value) -> reqwest::Response {
    app.send_as(owner, Method::POST, "/api/v1/staff", body)
        .await
}

#[tokio::test]
async fn the_owner_creates_lists_reads_and_changes_staff_accounts() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let practitioner_id = app
        .get_json("/api/v1/public/practice", StatusCode::OK)
        .await["practitioners"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = assert_status(
        create(
            &app,
            &owner,
            json!({
                "email": "Front.Desk@Example.org",
                "name": "Jo Front",
                "role": "assistant",
                "password": "harbour lights at dusk",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(created["email"], "front.desk@example.org");
    assert_eq!(created["role"], "assistant");
    assert_eq!(created["disabled"], false);
    assert!(created.get("password_hash").is_none());
    let id = created["id"].as_str().unwrap();

    // The new account can sign in, with its email in any case.
    assert_status(
        app.try_login("FRONT.desk@example.org", "harbour lights at dusk")
            .await,
        StatusCode::OK,
    )
    .await;

    let path = format!("/api/v1/staff/{id}");
    let changed = assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"role": "clinician", "name": "Jo Clinician", "practitioner_id": practitioner_id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["role"], "clinician");
    assert_eq!(changed["name"], "Jo Clinician");
    assert_eq!(changed["practitioner_id"], practitioner_id.as_str());
    let unlinked = assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &path,
            json!({"practitioner_id": null}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unlinked["practitioner_id"], json!(null));
    assert_eq!(
        unlinked["role"], "clinician",
        "absent fields are left alone"
    );

    let one = assert_status(app.get_as(&owner, &path).await, StatusCode::OK).await;
    assert_eq!(one["name"], "Jo Clinician");
}

#[tokio::test]
async fn the_staff_list_is_paginated_by_email() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    for _ in 0..4 {
        app.create_staff(Role::Assistant).await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/staff?limit=2&cursor={c}"),
            None => "/api/v1/staff?limit=2".to_owned(),
        };
        let page = assert_status(app.get_as(&owner, &path).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(
            items
                .iter()
                .map(|i| i["email"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);

    for query in ["limit=0", "limit=201", "limit=abc", "cursor=garbage!"] {
        let p = assert_problem(
            app.get_as(&owner, &format!("/api/v1/staff?{query}")).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p).len(), 1, "{query}");
    }
}

#[tokio::test]
async fn new_accounts_are_checked() {
    let app = spawn_app().await;
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    let base = json!({"email": "new@example.org", "name": "New", "role": "clinician", "password": "harbour lights at dusk"});
    let with = |key: &str, value: serde_json::Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    for (body, fields) in [
        (with("email", json!("not-an-email")), vec!["email"]),
        (with("name", json!("  ")), vec!["name"]),
        (with("password", json!("password1234")), vec!["password"]),
        (with("password", json!("short")), vec!["password"]),
        (with("role", json!("admin")), vec!["role"]),
        (
            json!({"email": "x", "name": "", "role": "owner", "password": "x"}),
            vec!["email", "name", "password"],
        ),
    ] {
        let p = assert_problem(
            create(&app, &owner, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), fields, "{body}");
    }
    let unknown_practitioner = with("practitioner_id", json!(uuid::Uuid::new_v4()));
    let p = assert_problem(
        create(&app, &owner, unknown_practitioner).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), ["practitioner_id"]);

    // An email already in use, whatever its case, is a conflict naming the field.
    let taken = with("email", json!(owner_account.email.to_uppercase()));
    let p = assert_problem(create(&app, &owner, taken).await, StatusCode::CONFLICT).await;
    assert_eq!(error_fields(&p), ["email"]);
}

#[tokio::test]
async fn unknown_or_malformed_staff_ids_are_404_and_400() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let missing = format!("/api/v1/staff/{}", uuid::Uuid::new_v4());
    assert_problem(app.get_as(&owner, &missing).await, StatusCode::NOT_FOUND).await;
    assert_problem(
        app.send_as(&owner, Method::PATCH, &missing, json!({"name": "x"}))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let p = assert_problem(
        app.get_as(&owner, "/api/v1/staff/12345").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_eq!(error_fields(&p), ["id"]);
}

#[tokio::test]
async fn disabling_an_account_cuts_off_its_sessions_and_tokens_at_once() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (account, session) = app.signed_in(Role::Clinician).await;
    let token = app.create_token(&session, json!({"name": "script"})).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let bearer = Caller::Bearer(token);
    app.assert_signed_in(&bearer).await;

    let path = format!("/api/v1/staff/{}", account.id);
    assert_status(
        app.send_as(&owner, Method::PATCH, &path, json!({"disabled": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    app.assert_signed_out(&session).await;
    app.assert_signed_out(&bearer).await;

    // Re-enabling lets them sign in again, but what was ended stays ended.
    assert_status(
        app.send_as(&owner, Method::PATCH, &path, json!({"disabled": false}))
            .await,
        StatusCode::OK,
    )
    .await;
    app.assert_signed_out(&bearer).await;
    assert_status(
        app.try_login(&account.email, &account.password).await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn the_last_active_owner_can_be_neither_disabled_nor_demoted() {
    let app = spawn_app().await;
    let (me, owner) = app.signed_in(Role::Owner).await;
    let path = format!("/api/v1/staff/{}", me.id);
    for change in [json!({"disabled": true}), json!({"role": "clinician"})] {
        let p = assert_problem(
            app.send_as(&owner, Method::PATCH, &path, change).await,
            StatusCode::CONFLICT,
        )
        .await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("at least one active owner")
        );
    }
    // With a second owner, one of them may step down; then the other is the last again.
    let second = app.create_staff(Role::Owner).await;
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &format!("/api/v1/staff/{}", second.id),
            json!({"role": "assistant"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.send_as(&owner, Method::PATCH, &path, json!({"role": "assistant"}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
    // A disabled owner does not count as the other owner.
    let third = app.create_staff(Role::Owner).await;
    let third_path = format!("/api/v1/staff/{}", third.id);
    assert_status(
        app.send_as(
            &owner,
            Method::PATCH,
            &third_path,
            json!({"disabled": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.send_as(&owner, Method::PATCH, &path, json!({"disabled": true}))
            .await,
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_owners_demoting_each_other_at_once_leave_one_owner() {
    let app = spawn_app().await;
    let (a, a_session) = app.signed_in(Role::Owner).await;
    let (b, b_session) = app.signed_in(Role::Owner).await;
    for _ in 0..5 {
        let (path_a, path_b) = (
            format!("/api/v1/staff/{}", a.id),
            format!("/api/v1/staff/{}", b.id),
        );
        let (ra, rb) = tokio::join!(
            app.send_as(
                &a_session,
                Method::PATCH,
                &path_b,
                json!({"role": "clinician"})
            ),
            app.send_as(
                &b_session,
                Method::PATCH,
                &path_a,
                json!({"role": "clinician"})
            ),
        );
        let statuses = [ra.status(), rb.status()];
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        // Exactly one demotion wins; the loser is refused (409), or is no longer an owner by
        // the time its request is checked (403).
        assert_eq!(ok, 1, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| [StatusCode::OK, StatusCode::CONFLICT, StatusCode::FORBIDDEN].contains(s)),
            "{statuses:?}"
        );
        let winner_demoted = if ra.status() == StatusCode::OK {
            &b
        } else {
            &a
        };
        // Restore for the next round, as the remaining owner.
        let remaining = if ra.status() == StatusCode::OK {
            &a_session
        } else {
            &b_session
        };
        assert_status(
            app.send_as(
                remaining,
                Method::PATCH,
                &format!("/api/v1/staff/{}", winner_demoted.id),
                json!({"role": "owner"}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
}
