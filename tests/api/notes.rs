//! Session notes and psychotherapy notes: the role matrix, drafts and signing, addenda, the
//! lock (in the application and, on Postgres, in the database), the tamper check, and what is
//! stored.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::common::{Caller, TestApp, assert_problem, assert_status, error_fields};

/// The people of the matrix: an owner, the clinician whose client it is, another clinician,
/// an assistant.
struct Cast {
    owner: Caller,
    assigned: Caller,
    other: Caller,
    assistant: Caller,
    client: String,
    appointment: String,
}

async fn cast(app: &TestApp) -> Cast {
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let (_, other) = app.signed_in(Role::Clinician).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    Cast {
        owner: couple.owner,
        assigned: couple.clinician,
        other,
        assistant,
        client: couple.client,
        appointment: couple.appointment,
    }
}

fn couples_note() -> Value {
    json!({
        "format": "couples",
        "title": "Session 1",
        "content": {
            "presenting_dynamics": "Pursue-withdraw cycle around the discovery of the affair.",
            "partner_1_view": "Feels betrayed and unheard.",
            "partner_2_view": "Feels shut out.",
            "interventions": "Gottman: soft start-up; EFT: de-escalation.",
            "homework": "Daily stress-reducing conversation.",
            "risk_and_safety": "No safety concerns raised.",
            "plan": "Continue Atone phase."
        }
    })
}

#[tokio::test]
async fn a_note_is_drafted_signed_locked_and_added_to() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let mut body = couples_note();
    body["appointment_id"] = json!(c.appointment);
    let note = assert_status(
        app.write_note(&c.assigned, &c.client, body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(note["status"], "draft");
    let id = note["id"].as_str().unwrap();
    let path = format!("/api/v1/notes/{id}");

    // The list has no content.
    let list = assert_status(
        app.get_as(&c.assigned, &format!("/api/v1/clients/{}/notes", c.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["title"], "Session 1");
    assert!(!list.to_string().contains("affair"));

    // A draft changes freely.
    let changed = assert_status(
        app.send_as(
            &c.assigned,
            Method::PATCH,
            &path,
            json!({"title": "First session"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["title"], "First session");
    assert_eq!(
        changed["content"]["homework"],
        "Daily stress-reducing conversation."
    );
    let p = assert_problem(
        app.send_as(&c.assigned, Method::PATCH, &path, json!({"format": "soap"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        error_fields(&p).contains(&"content.subjective".to_owned()),
        "{p}"
    );

    // Signing: by the author, once.
    let signed = assert_status(
        app.post_empty_as(&c.assigned, &format!("{path}/sign"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["content_hash"].as_str().unwrap().len(), 64);
    assert!(signed["signed_at"].is_string());
    for (method, body) in [
        (Method::PATCH, Some(json!({"title": "x"}))),
        (Method::DELETE, None),
    ] {
        let r = match body {
            Some(b) => app.send_as(&c.assigned, method, &path, b).await,
            None => app.delete_as(&c.assigned, &path).await,
        };
        let p = assert_problem(r, StatusCode::CONFLICT).await;
        assert_eq!(p["reason"], "note_signed");
    }
    assert_problem(
        app.post_empty_as(&c.owner, &format!("{path}/sign")).await,
        StatusCode::CONFLICT,
    )
    .await;

    // Addenda, in order, under the note.
    for text in [
        "Partner 2 called to add context.",
        "Corrected the homework.",
    ] {
        assert_status(
            app.send_as(
                &c.assigned,
                Method::POST,
                &format!("{path}/addenda"),
                json!({"text": text}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let read = assert_status(app.get_as(&c.owner, &path).await, StatusCode::OK).await;
    assert_eq!(read["tampered"], false);
    let addenda: Vec<&str> = read["addenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        addenda,
        vec![
            "Partner 2 called to add context.",
            "Corrected the homework."
        ]
    );

    // A second note for the same appointment, an addendum on a draft, an empty signature.
    let mut again = couples_note();
    again["appointment_id"] = json!(c.appointment);
    assert_problem(
        app.write_note(&c.assigned, &c.client, again).await,
        StatusCode::CONFLICT,
    )
    .await;
    let draft = assert_status(
        app.write_note(
            &c.assigned,
            &c.client,
            json!({"format": "free", "content": {"text": ""}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let draft_path = format!("/api/v1/notes/{}", draft["id"].as_str().unwrap());
    let p = assert_problem(
        app.send_as(
            &c.assigned,
            Method::POST,
            &format!("{draft_path}/addenda"),
            json!({"text": "x"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["reason"], "note_not_signed");
    assert_problem(
        app.post_empty_as(&c.assigned, &format!("{draft_path}/sign"))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    // Only the author or an owner signs.
    let other_author = assert_status(
        app.write_note(
            &c.owner,
            &c.client,
            json!({"format": "free", "content": {"text": "Owner's note"}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_problem(
        app.post_empty_as(
            &c.assigned,
            &format!(
                "/api/v1/notes/{}/sign",
                other_author["id"].as_str().unwrap()
            ),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_status(
        app.delete_as(&c.assigned, &draft_path).await,
        StatusCode::NO_CONTENT,
    )
    .await;
    assert_problem(
        app.get_as(&c.assigned, &draft_path).await,
        StatusCode::NOT_FOUND,
    )
    .await;

    for action in [
        "note.create",
        "note.read",
        "note.update",
        "note.sign",
        "note.addendum",
        "note.delete",
    ] {
        assert!(
            !app.audit_events(&c.owner, action).await.is_empty(),
            "{action}"
        );
    }
}

#[tokio::test]
async fn only_the_owner_and_the_clients_clinician_reach_notes() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let note = assert_status(
        app.write_note(&c.assigned, &c.client, couples_note()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = note["id"].as_str().unwrap();
    let client = &c.client;
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/v1/clients/{client}/notes"), None),
        (
            Method::POST,
            format!("/api/v1/clients/{client}/notes"),
            Some(couples_note()),
        ),
        (Method::GET, format!("/api/v1/notes/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/notes/{id}"),
            Some(json!({"title": "t"})),
        ),
        (Method::POST, format!("/api/v1/notes/{id}/sign"), None),
        (
            Method::POST,
            format!("/api/v1/notes/{id}/addenda"),
            Some(json!({"text": "t"})),
        ),
        (Method::DELETE, format!("/api/v1/notes/{id}"), None),
        (
            Method::POST,
            format!("/api/v1/clients/{client}/psychotherapy-notes"),
            Some(json!({"text": "t"})),
        ),
        (
            Method::GET,
            format!("/api/v1/clients/{client}/psychotherapy-notes"),
            None,
        ),
    ];
    for who in [&c.other, &c.assistant] {
        for (method, path, body) in &calls {
            let r = match body {
                Some(b) => app.send_as(who, method.clone(), path, b.clone()).await,
                None => app.call(who, method.clone(), path).send().await.unwrap(),
            };
            assert_problem(r, StatusCode::FORBIDDEN).await;
        }
    }
    // The owner and the assigned clinician reach each of them (the draft is signed by then,
    // so its deletion is the one refusal).
    for who in [&c.owner, &c.assigned] {
        assert_status(app.get_as(who, &calls[0].1).await, StatusCode::OK).await;
        assert_status(app.get_as(who, &calls[2].1).await, StatusCode::OK).await;
        assert_status(app.get_as(who, &calls[8].1).await, StatusCode::OK).await;
    }
    assert_status(
        app.post_empty_as(&c.assigned, &calls[4].1).await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &c.owner,
            Method::POST,
            &calls[5].1,
            json!({"text": "Owner's addendum"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Nothing leaked into what others saw: the denied calls left no trace of content.
    let denied = app.audit_events(&c.owner, "note.read").await;
    assert_eq!(denied.len(), 2);
}

#[tokio::test]
async fn bad_notes_are_refused_naming_the_field() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let long = "x".repeat(50_001);
    let cases = [
        (json!({"format": "narrative", "content": {}}), "format"),
        (
            json!({"format": "dap", "content": {"data": "d", "assessment": "a"}}),
            "content.plan",
        ),
        (
            json!({"format": "free", "content": {"text": "t", "plan": "p"}}),
            "content.plan",
        ),
        (
            json!({"format": "free", "content": {"text": long}}),
            "content.text",
        ),
        (
            json!({"format": "free", "content": {"text": 3}}),
            "content.text",
        ),
        (
            json!({"format": "free", "content": {"text": "t"}, "appointment_id": uuid::Uuid::new_v4()}),
            "appointment_id",
        ),
    ];
    for (body, field) in cases {
        let p = assert_problem(
            app.write_note(&c.owner, &c.client, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), vec![field], "{body}");
    }
    assert_problem(
        app.write_note(
            &c.owner,
            &uuid::Uuid::new_v4().to_string(),
            json!({"format": "free", "content": {"text": "t"}}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Nothing was written.
    let list = assert_status(
        app.get_as(&c.owner, &format!("/api/v1/clients/{}/notes", c.client))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn psychotherapy_notes_are_for_their_author_alone() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/clients/{}/psychotherapy-notes", c.client);
    assert_status(
        app.send_as(
            &c.assigned,
            Method::POST,
            &path,
            json!({"text": "My countertransference today."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mine = assert_status(app.get_as(&c.assigned, &path).await, StatusCode::OK).await;
    assert_eq!(mine["items"][0]["text"], "My countertransference today.");
    assert_eq!(mine["others_count"], 0);
    let owners = assert_status(app.get_as(&c.owner, &path).await, StatusCode::OK).await;
    assert_eq!(owners["items"], json!([]));
    assert_eq!(owners["others_count"], 1);
    assert!(!owners.to_string().contains("countertransference"));
}

#[tokio::test]
async fn nothing_of_a_note_is_stored_in_plain_text_and_a_changed_one_is_reported() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let note = assert_status(
        app.write_note(&c.assigned, &c.client, couples_note()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = note["id"].as_str().unwrap();
    assert_status(
        app.post_empty_as(&c.assigned, &format!("/api/v1/notes/{id}/sign"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &c.assigned,
            Method::POST,
            &format!("/api/v1/notes/{id}/addenda"),
            json!({"text": "An addendum about the affair."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_status(
        app.send_as(
            &c.assigned,
            Method::POST,
            &format!("/api/v1/clients/{}/psychotherapy-notes", c.client),
            json!({"text": "Private musing."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    for table in ["session_notes", "note_addenda", "psychotherapy_notes"] {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        let raw = format!("{rows:?}");
        for plain in [
            "affair",
            "Pursue-withdraw",
            "Gottman",
            "Private musing",
            "homework",
        ] {
            assert!(!raw.contains(plain), "{plain} in {table}");
        }
    }

    // Someone changes the stored content behind the application's back.
    let forged = app.state.keys.seal(
        r#"{"homework":"none","interventions":"","partner_1_view":"","partner_2_view":"","plan":"","presenting_dynamics":"","risk_and_safety":""}"#,
        &format!("session_note.content:{id}"),
    );
    let update = format!(
        "UPDATE session_notes SET content_sealed = '{forged}' WHERE id = {}",
        crate::common::database::uuid_literal(backend, id.parse().unwrap())
    );
    let delete = format!(
        "DELETE FROM session_notes WHERE id = {}",
        crate::common::database::uuid_literal(backend, id.parse().unwrap())
    );
    if backend == sea_orm::DbBackend::Postgres {
        // The database itself refuses: a signed note can be neither changed nor deleted.
        for sql in [&update, &delete] {
            let err = db
                .execute_raw(Statement::from_string(backend, sql.clone()))
                .await
                .unwrap_err();
            assert!(err.to_string().contains("signed_note_locked"), "{err}");
        }
        // Only key rotation may rewrite the stored bytes; a forgery that way is still caught.
        let txn = db.begin().await.unwrap();
        txn.execute_raw(Statement::from_string(
            backend,
            "SET LOCAL attune.rekey = 'on'",
        ))
        .await
        .unwrap();
        txn.execute_raw(Statement::from_string(backend, update.clone()))
            .await
            .unwrap();
        txn.commit().await.unwrap();
    } else {
        db.execute_raw(Statement::from_string(backend, update.clone()))
            .await
            .unwrap();
    }
    let read = assert_status(
        app.get_as(&c.owner, &format!("/api/v1/notes/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["tampered"], true);
}

#[tokio::test]
async fn rotating_keys_re_encrypts_everything_and_the_old_key_can_go() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = cast(&app).await;
    let note = assert_status(
        app.write_note(&c.assigned, &c.client, couples_note()).await,
        StatusCode::CREATED,
    )
    .await;
    let id = note["id"].as_str().unwrap().to_owned();
    assert_status(
        app.post_empty_as(&c.assigned, &format!("/api/v1/notes/{id}/sign"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &c.assigned,
            Method::POST,
            &format!("/api/v1/notes/{id}/addenda"),
            json!({"text": "Added later."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_status(
        app.send_as(
            &c.owner,
            Method::POST,
            &format!("/api/v1/clients/{}/psychotherapy-notes", c.client),
            json!({"text": "Owner's musing."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The new key in place, the old one still readable: rotate, twice.
    let (app, old, new) = app.restart_with_new_key().await;
    let (old_id, new_id) = (old.id().to_owned(), new.id().to_owned());
    let report = attune::rekey::rotate(&app.state.db, &app.state.keys)
        .await
        .unwrap();
    let total: u64 = report.iter().map(|(_, n)| n).sum();
    assert!(total >= 5, "{report:?}");
    let again = attune::rekey::rotate(&app.state.db, &app.state.keys)
        .await
        .unwrap();
    assert!(again.iter().all(|(_, n)| *n == 0), "{again:?}");
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    for table in [
        "session_notes",
        "note_addenda",
        "psychotherapy_notes",
        "appointments",
        "email_outbox",
        "intake_assignments",
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT * FROM {table}"),
            ))
            .await
            .unwrap();
        let raw = format!("{rows:?}");
        assert!(
            !raw.contains(&format!("v1.{old_id}.")) && !raw.contains(&format!("m1.{old_id}.")),
            "{table} still holds values or tags under the old key"
        );
    }

    // Without the old key, everything still reads, and the signed note is intact.
    let app = app.restart_with_only(new).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let read = assert_status(
        app.get_as(&owner, &format!("/api/v1/notes/{id}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["tampered"], false);
    assert_eq!(read["addenda"][0]["text"], "Added later.");
    assert_eq!(read["addenda"][0]["tampered"], false);
    assert_eq!(
        read["content"]["homework"],
        "Daily stress-reducing conversation."
    );
    assert!(!new_id.is_empty());
}
