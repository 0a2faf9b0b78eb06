//! Integrity of the clinical fields kept in the clear. A score, a flag, a signer or a plan
//! version changed in the database behind the application's back shows as an integrity error
//! and an `integrity.failure` audit event, never as the changed value. Rows from before tags
//! existed are tagged once; a tag cleared later stays a failure; key rotation re-tags.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::common::{
    TestApp, admin::html, assert_problem, assert_status, clinical::Couple, database::uuid_literal,
};

const START: &str = "2026-12-08T14:00:00Z";

/// Runs `sql` as someone with write access to the database and no key would: on Postgres
/// with triggers off (a superuser can), so the signed-note lock is no obstacle either.
async fn tamper(app: &TestApp, sql: &str) {
    let db = app.db.connect().await;
    let backend = db.get_database_backend();
    let txn = db.begin().await.unwrap();
    if backend == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL session_replication_role = replica")
            .await
            .unwrap();
    }
    let done = txn
        .execute_raw(Statement::from_string(backend, sql.to_owned()))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "{sql}");
    txn.commit().await.unwrap();
}

async fn id_literal(app: &TestApp, id: &str) -> String {
    let backend = app.db.connect().await.get_database_backend();
    uuid_literal(backend, id.parse().unwrap())
}

/// A PHQ-9 the second partner submitted: 15, "moderately severe", and the urgent flag.
async fn scored_intake(app: &TestApp, c: &Couple) -> String {
    let client = assert_status(
        app.get_as(&c.owner, &format!("/api/v1/clients/{}", c.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let partner = client["participants"][1]["id"].as_str().unwrap().to_owned();
    let phq = app.questionnaire_id(&c.owner, "phq-9").await;
    let assigned = assert_status(
        app.send_as(
            &c.owner,
            Method::POST,
            &format!("/api/v1/clients/{}/intakes", c.client),
            json!({"questionnaire_id": phq, "participant_id": partner, "hand_out_link": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let link = format!(
        "/intake/{}",
        assigned["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
    );
    app.submit_intake(
        &link,
        json!({"phq1": 2, "phq2": 2, "phq3": 2, "phq4": 2, "phq5": 2, "phq6": 2, "phq7": 1, "phq8": 1, "phq9": 1, "phq_difficulty": "very"}),
    )
    .await;
    assigned["id"].as_str().unwrap().to_owned()
}

/// The answer is the integrity problem, naming the record, and shows nothing of it.
async fn assert_integrity_failure(response: reqwest::Response, id: &str) -> Value {
    let problem = assert_problem(response, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(problem["reason"], "integrity_failure", "{problem}");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains(id) && detail.contains("integrity"),
        "{detail}"
    );
    assert!(!problem.to_string().contains("moderately"), "{problem}");
    problem
}

async fn failures_for(app: &TestApp, owner: &crate::common::Caller, id: &str) -> usize {
    app.audit_events(owner, "integrity.failure")
        .await
        .iter()
        .filter(|e| e["entity_id"] == id)
        .count()
}

#[tokio::test]
async fn a_changed_score_or_hidden_flag_is_an_integrity_error_everywhere_it_would_show() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let intake = scored_intake(&app, &c).await;
    let read = assert_status(
        app.get_as(&c.clinician, &format!("/api/v1/intakes/{intake}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["score"]["total"], 15);
    assert_eq!(read["flags"], json!(["urgent"]));

    // A milder score and no flag: the couple would look safe.
    let at = id_literal(&app, &intake).await;
    tamper(
        &app,
        &format!(
            "UPDATE intake_assignments SET score_total = 3, score_band = 'minimal', flags = '[]' WHERE id = {at}"
        ),
    )
    .await;

    for path in [
        format!("/api/v1/intakes/{intake}"),
        format!("/api/v1/intakes/{intake}/export"),
        format!("/api/v1/clients/{}/intakes", c.client),
        format!("/api/v1/clients/{}/timeline", c.client),
        format!("/api/v1/clients/{}/export", c.client),
    ] {
        assert_integrity_failure(app.get_as(&c.clinician, &path).await, &intake).await;
    }
    // The dashboard's client page says so in words…
    let page = html(
        app.page(&c.clinician, &format!("/admin/clients/{}", c.client))
            .await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert!(page.contains("failed its integrity check"), "{page}");
    assert!(!page.contains("minimal"));
    // …and the agenda names the couple's record instead of believing it has no flag.
    let agenda = html(
        app.page(&c.clinician, "/admin?from=2026-12-07").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        agenda.contains("Record failed its integrity check"),
        "{agenda}"
    );
    assert!(!agenda.contains("Urgent flag"));

    let events = app.audit_events(&c.owner, "integrity.failure").await;
    let event = events
        .iter()
        .find(|e| e["entity_id"] == intake.as_str())
        .expect("the failure is on the audit log");
    assert_eq!(event["entity_type"], "intake");
    assert_eq!(event["details"]["reason"], "altered");
}

#[tokio::test]
async fn a_response_moved_to_another_couple_or_its_tag_cleared_fails() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let other = app.couple_in_care("2026-12-09T14:00:00Z").await;
    let intake = scored_intake(&app, &c).await;
    let at = id_literal(&app, &intake).await;
    let elsewhere = id_literal(&app, &other.client).await;
    tamper(
        &app,
        &format!("UPDATE intake_assignments SET client_id = {elsewhere} WHERE id = {at}"),
    )
    .await;
    assert_integrity_failure(
        app.get_as(
            &other.owner,
            &format!("/api/v1/clients/{}/intakes", other.client),
        )
        .await,
        &intake,
    )
    .await;

    // Moved back, the tag cleared: a row without one is not an old row but a failure.
    let home = id_literal(&app, &c.client).await;
    tamper(
        &app,
        &format!(
            "UPDATE intake_assignments SET client_id = {home}, integrity = NULL WHERE id = {at}"
        ),
    )
    .await;
    assert_integrity_failure(
        app.get_as(&c.owner, &format!("/api/v1/intakes/{intake}"))
            .await,
        &intake,
    )
    .await;
    let app = app.restart(|_| {}).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_integrity_failure(
        app.get_as(&owner, &format!("/api/v1/intakes/{intake}"))
            .await,
        &intake,
    )
    .await;
    let events = app.audit_events(&owner, "integrity.failure").await;
    assert!(
        events
            .iter()
            .filter(|e| e["details"]["reason"] == "missing")
            .count()
            >= 2,
        "{events:?}"
    );
}

#[tokio::test]
async fn a_signed_note_with_another_signer_and_a_plan_with_another_version_fail() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let note = assert_status(
        app.send_as(
            &c.clinician,
            Method::POST,
            &format!("/api/v1/clients/{}/notes", c.client),
            json!({"format": "soap", "title": "Session 1", "content": {"subjective": "Calmer week.", "objective": "-", "assessment": "-", "plan": "-"}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let note = note["id"].as_str().unwrap().to_owned();
    assert_status(
        app.post_empty_as(&c.clinician, &format!("/api/v1/notes/{note}/sign"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &c.clinician,
            Method::PUT,
            &format!("/api/v1/clients/{}/treatment-plan", c.client),
            json!({"template": "affair-recovery"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let me = app.assert_signed_in(&c.owner).await;
    let owner_id = me["user"]["id"]
        .as_str()
        .or(me["id"].as_str())
        .unwrap()
        .to_owned();

    // The owner named as signer of the clinician's note.
    let at = id_literal(&app, &note).await;
    let signer = id_literal(&app, &owner_id).await;
    tamper(
        &app,
        &format!("UPDATE session_notes SET signed_by = {signer} WHERE id = {at}"),
    )
    .await;
    assert_integrity_failure(
        app.get_as(&c.clinician, &format!("/api/v1/notes/{note}"))
            .await,
        &note,
    )
    .await;
    assert_integrity_failure(
        app.get_as(&c.clinician, &format!("/api/v1/clients/{}/notes", c.client))
            .await,
        &note,
    )
    .await;
    assert_eq!(failures_for(&app, &c.owner, &note).await, 2);

    // A plan passed off as a later version.
    let client = id_literal(&app, &c.client).await;
    tamper(
        &app,
        &format!("UPDATE treatment_plans SET version = 7 WHERE client_id = {client}"),
    )
    .await;
    let plan = assert_problem(
        app.get_as(
            &c.clinician,
            &format!("/api/v1/clients/{}/treatment-plan", c.client),
        )
        .await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert_eq!(plan["reason"], "integrity_failure");
    // Nor can a new version carry the altered one forward under a fresh tag.
    let phase = assert_problem(
        app.send_as(
            &c.clinician,
            Method::PUT,
            &format!("/api/v1/clients/{}/treatment-plan", c.client),
            json!({"presenting_problems": "Trust after the affair."}),
        )
        .await,
        StatusCode::INTERNAL_SERVER_ERROR,
    )
    .await;
    assert_eq!(phase["reason"], "integrity_failure");
    let events = app.audit_events(&c.owner, "integrity.failure").await;
    assert!(
        events
            .iter()
            .filter(|e| e["entity_type"] == "treatment_plan")
            .count()
            >= 2
    );
}

#[tokio::test]
async fn rows_from_before_tags_are_tagged_once_at_the_next_start() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let intake = scored_intake(&app, &c).await;
    // As the database stood before the upgrade: no tags, and not yet bound.
    let at = id_literal(&app, &intake).await;
    tamper(
        &app,
        &format!("UPDATE intake_assignments SET integrity = NULL WHERE id = {at}"),
    )
    .await;
    tamper(&app, "UPDATE integrity_state SET bound_at = NULL").await;

    let app = app.restart(|_| {}).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let read = assert_status(
        app.get_as(&owner, &format!("/api/v1/intakes/{intake}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["score"]["total"], 15);
    assert_eq!(failures_for(&app, &owner, &intake).await, 0);
}

#[tokio::test]
async fn key_rotation_re_tags_and_refuses_to_re_tag_an_altered_row() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let intake = scored_intake(&app, &c).await;
    let second = scored_intake(&app, &c).await;
    let (app, _, new) = app.restart_with_new_key().await;

    // An altered row stops the rotation, named, rather than being re-tagged as genuine.
    let at = id_literal(&app, &second).await;
    tamper(
        &app,
        &format!("UPDATE intake_assignments SET score_total = 1 WHERE id = {at}"),
    )
    .await;
    let refused = attune::rekey::rotate(&app.state.db, &app.state.keys)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains(&second), "{refused}");

    let back = id_literal(&app, &second).await;
    tamper(
        &app,
        &format!("UPDATE intake_assignments SET score_total = 15 WHERE id = {back}"),
    )
    .await;
    let report = attune::rekey::rotate(&app.state.db, &app.state.keys)
        .await
        .unwrap();
    let retagged = report
        .iter()
        .find(|(column, _)| column == "intake_assignments.integrity")
        .map(|(_, n)| *n);
    // Both responses, and the couple's intake questionnaires the booking sent.
    assert!(retagged.is_some_and(|n| n >= 2), "{report:?}");

    let app = app.restart_with_only(new).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    for id in [&intake, &second] {
        let read = assert_status(
            app.get_as(&owner, &format!("/api/v1/intakes/{id}")).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(read["score"]["total"], 15);
    }
}

#[tokio::test]
async fn a_draft_changed_behind_the_apps_back_is_neither_signed_nor_submitted() {
    let (app, _) = TestApp::at_monday_morning().await;
    let c = app.couple_in_care(START).await;
    let note = assert_status(
        app.write_note(
            &c.clinician,
            &c.client,
            json!({"format": "free", "content": {"text": "Worked on repair."}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let note = note["id"].as_str().unwrap().to_owned();
    let at = id_literal(&app, &note).await;
    tamper(
        &app,
        &format!("UPDATE session_notes SET integrity = NULL WHERE id = {at}"),
    )
    .await;
    assert_integrity_failure(
        app.post_empty_as(&c.clinician, &format!("/api/v1/notes/{note}/sign"))
            .await,
        &note,
    )
    .await;
    // The failure stays on the audit log though the signing was rolled back.
    assert_eq!(failures_for(&app, &c.owner, &note).await, 1);

    let links = app.intake_links().await;
    let token = links["jane@example.org"].trim_start_matches("/intake/");
    tamper(
        &app,
        &format!(
            "UPDATE intake_assignments SET integrity = NULL WHERE token_hash = '{}'",
            attune::crypto::hash_secret(token)
        ),
    )
    .await;
    let refused = app
        .client
        .post(app.url(&format!("/api/v1/intake/{token}/submit")))
        .json(&json!({ "answers": crate::common::intake::couples_answers(false) }))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(refused, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(problem["reason"], "integrity_failure", "{problem}");
    let events = app.audit_events(&c.owner, "integrity.failure").await;
    assert!(
        events.iter().any(|e| e["entity_type"] == "intake"),
        "{events:?}"
    );
}
