//! The audit log: what is recorded, how it is read, and that it cannot be changed.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

use crate::common::{assert_problem, assert_status, error_fields, spawn_app};

#[tokio::test]
async fn every_audited_action_leaves_an_event_with_who_where_and_how() {
    let app = spawn_app().await;
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    let (clinician_account, clinician) = app.signed_in(Role::Clinician).await;

    // A failed sign-in, for a known account and for an unknown one.
    app.try_login(&clinician_account.email, "wrong password!")
        .await;
    app.try_login("nobody@example.org", "wrong password!").await;
    // Tokens.
    let token = app.create_token(&clinician, json!({"name": "t"})).await;
    let token_id = token["id"].as_str().unwrap();
    app.call(
        &clinician,
        Method::DELETE,
        &format!("/api/v1/auth/tokens/{token_id}"),
    )
    .send()
    .await
    .unwrap();
    // Staff and settings changes.
    let created = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/staff",
            json!({"email": "new@example.org", "name": "New", "role": "assistant", "password": "harbour lights at dusk"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let new_id = created["id"].as_str().unwrap();
    app.send_as(
        &owner,
        Method::PATCH,
        &format!("/api/v1/staff/{new_id}"),
        json!({"role": "clinician"}),
    )
    .await;
    app.send_as(
        &owner,
        Method::PATCH,
        "/api/v1/practice",
        json!({"time_zone": "Europe/London"}),
    )
    .await;
    app.send_as(
        &clinician,
        Method::POST,
        "/api/v1/auth/password",
        json!({"current_password": clinician_account.password, "new_password": "tide pool lantern forty"}),
    )
    .await;
    // Signing out.
    let r = app
        .call(&clinician, Method::POST, "/api/v1/auth/logout")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let logins = app.audit_events(&owner, "auth.login").await;
    let succeeded: Vec<_> = logins
        .iter()
        .filter(|e| e["outcome"] == "success")
        .collect();
    assert_eq!(succeeded.len(), 2);
    assert!(
        succeeded
            .iter()
            .any(|e| e["actor"]["id"] == owner_account.id.to_string()
                && e["actor"]["name"] == "Test owner"
                && e["actor"]["kind"] == "staff")
    );
    let failed: Vec<_> = logins
        .iter()
        .filter(|e| e["outcome"] == "failure")
        .collect();
    assert_eq!(failed.len(), 2);
    // A guess at someone's password is the anonymous caller's act, aimed at that account.
    assert!(
        failed.iter().all(|e| e["actor"]["kind"] == "anonymous"),
        "{failed:?}"
    );
    let known = failed
        .iter()
        .find(|e| e["entity_id"] == clinician_account.id.to_string())
        .unwrap();
    assert_eq!(known["entity_type"], "staff_user");
    assert_eq!(known["details"]["reason"], "wrong_password");
    let unknown = failed.iter().find(|e| e["entity_id"].is_null()).unwrap();
    assert_eq!(unknown["details"]["reason"], "unknown_account");
    assert!(
        !unknown.to_string().contains("nobody@example.org"),
        "unknown emails are not kept"
    );

    for (action, entity) in [
        ("auth.token_create", token_id.to_owned()),
        ("auth.token_revoke", token_id.to_owned()),
        ("staff.create", new_id.to_owned()),
        ("staff.update", new_id.to_owned()),
        ("settings.update", "1".to_owned()),
        ("auth.password_change", clinician_account.id.to_string()),
    ] {
        let events: Vec<_> = app
            .audit_events(&owner, action)
            .await
            .into_iter()
            .filter(|e| e["entity_id"] == entity.as_str())
            .collect();
        assert_eq!(events.len(), 1, "{action}: {events:?}");
        assert_eq!(events[0]["outcome"], "success");
        assert_eq!(events[0]["ip"], "127.0.0.1", "{action}");
        assert!(events[0]["request_id"].is_string(), "{action}");
        assert!(events[0]["occurred_at"].is_string());
    }
    let updated = &app.audit_events(&owner, "staff.update").await[0];
    assert_eq!(updated["details"]["role"], "clinician");
    let settings = &app.audit_events(&owner, "settings.update").await[0];
    assert_eq!(settings["details"]["changed"], json!(["time_zone"]));
    assert_eq!(app.audit_events(&owner, "auth.logout").await.len(), 1);

    // No secret ever reaches the log.
    let all = app
        .get_as(&owner, "/api/v1/audit-events?limit=200")
        .await
        .text()
        .await
        .unwrap();
    for secret in [
        clinician_account.password.as_str(),
        "tide pool lantern forty",
        "harbour lights at dusk",
        token["token"].as_str().unwrap(),
        owner.token(),
    ] {
        assert!(!all.contains(secret), "a secret reached the audit log");
    }
}

#[tokio::test]
async fn the_audit_log_filters_and_pages() {
    let app = spawn_app().await;
    let (owner_account, owner) = app.signed_in(Role::Owner).await;
    let other = app.create_staff(Role::Assistant).await;
    for _ in 0..3 {
        app.login(&other).await;
    }
    let base = "/api/v1/audit-events";
    let by_actor = assert_status(
        app.get_as(
            &owner,
            &format!("{base}?actor_id={}&action=auth.login", other.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 3);

    let by_entity = assert_status(
        app.get_as(
            &owner,
            &format!("{base}?entity_type=staff_user&entity_id={}", other.id),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = by_entity["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["action"], "staff.create");

    // Pages of two, newest first, add up to the whole.
    let mut seen = Vec::new();
    let mut path = format!("{base}?limit=2");
    loop {
        let page = assert_status(app.get_as(&owner, &path).await, StatusCode::OK).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["occurred_at"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("{base}?limit=2&cursor={c}"),
            None => break,
        }
    }
    let all = assert_status(
        app.get_as(&owner, &format!("{base}?limit=200")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen.len(), all["items"].as_array().unwrap().len());
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted, "newest first");

    // A time window in the future holds nothing; one around now holds everything.
    let future = assert_status(
        app.get_as(&owner, &format!("{base}?from=2999-01-01T00:00:00Z"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(future["items"].as_array().unwrap().is_empty());
    let window = assert_status(
        app.get_as(
            &owner,
            &format!(
                "{base}?from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z&actor_id={}",
                owner_account.id
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(!window["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_audit_filters_are_422_naming_the_parameter() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    for (query, field) in [
        ("actor_id=bob", "actor_id"),
        ("from=yesterday", "from"),
        ("to=2026-13-45", "to"),
        ("limit=1000", "limit"),
        ("cursor=AAAA", "cursor"),
    ] {
        let p = assert_problem(
            app.get_as(&owner, &format!("/api/v1/audit-events?{query}"))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), [field], "{query}");
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_changed_or_deleted_even_by_hand() {
    let app = spawn_app().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert!(!app.audit_events(&owner, "auth.login").await.is_empty());
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    for sql in [
        "UPDATE audit_events SET action = 'nothing.happened'",
        "DELETE FROM audit_events",
    ] {
        let result = db.execute_raw(Statement::from_string(backend, sql)).await;
        let err = result.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if backend == DbBackend::Postgres {
        let err = db
            .execute_raw(Statement::from_string(backend, "TRUNCATE audit_events"))
            .await
            .expect_err("TRUNCATE");
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    assert!(!app.audit_events(&owner, "auth.login").await.is_empty());
}
