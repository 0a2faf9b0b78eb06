//! A couple's record at a glance (the timeline) and as one document (the export).

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Caller, TestApp, assert_problem, assert_status};

/// A couple with something of everything on their record: the booking and its emails, the
/// intakes (Jane's submitted), a signed note with an addendum, a psychotherapy note, a plan
/// moved on a phase. Returns the client id, an owner and the couple's clinician.
async fn busy_record(app: &TestApp) -> (String, Caller, Caller) {
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    app.dispatch_pending_emails().await;
    // The practitioner's notice of the submitted intake below stays queued: the record
    // shows it either way, and the tests read the record, not the mail.
    app.leaves_mail_pending();
    let (client, owner, clinician) = (couple.client, couple.owner, couple.clinician);
    let appointment = json!({"id": couple.appointment});

    let links = app.intake_links().await;
    let jane = links["jane@example.org"]
        .trim_start_matches("/intake/")
        .to_owned();
    let answers = json!({
        "date_of_birth": "1988-03-14", "phone": "+1 555 010 0199", "emergency_name": "Ruth Doe",
        "emergency_phone": "+1 555 010 0100", "relationship_length": "3to10",
        "relationship_status": "married", "living_together": true, "children": false,
        "brings_you": "We argue about the same things.", "hopes": "To listen.", "commitment": 4,
        "prior_therapy": false, "ipv_fear": false, "ipv_hurt": false, "ipv_threat": false,
        "ipv_forced": false, "ipv_control": false, "consent_treatment": true, "consent_privacy": true
    });
    let r = app
        .client
        .post(app.url(&format!("/api/v1/intake/{jane}/submit")))
        .json(&json!({"answers": answers}))
        .send()
        .await
        .unwrap();
    assert_status(r, StatusCode::OK).await;

    let note = assert_status(
        app.write_note(&clinician, &client, json!({
            "format": "free", "title": "First session", "content": {"text": "They described the cycle."},
            "appointment_id": appointment["id"]
        }))
        .await,
        StatusCode::CREATED,
    )
    .await;
    let note_path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());
    assert_status(
        app.post_empty_as(&clinician, &format!("{note_path}/sign"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("{note_path}/addenda"),
            json!({"text": "A later thought."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_status(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("/api/v1/clients/{client}/psychotherapy-notes"),
            json!({"text": "Only for me."}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let plan = format!("/api/v1/clients/{client}/treatment-plan");
    assert_status(
        app.send_as(
            &clinician,
            Method::PUT,
            &plan,
            json!({"template": "affair-recovery"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_status(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("{plan}/phase"),
            json!({"phase": "Attune"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    (client, owner, clinician)
}

async fn all_pages(app: &TestApp, who: &Caller, client: &str, limit: u64) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/clients/{client}/timeline?limit={limit}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = assert_status(app.get_as(who, &path).await, StatusCode::OK).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return items,
        }
    }
}

#[tokio::test]
async fn the_timeline_shows_everything_newest_first_and_clinical_details_only_to_clinicians() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (client, _, clinician) = busy_record(&app).await;
    let whole = all_pages(&app, &clinician, &client, 200).await;
    let paged = all_pages(&app, &clinician, &client, 3).await;
    assert_eq!(whole.len(), paged.len(), "paging neither loses nor repeats");
    let ids: Vec<(&Value, &Value)> = whole.iter().map(|e| (&e["id"], &e["summary"])).collect();
    let paged_ids: Vec<(&Value, &Value)> =
        paged.iter().map(|e| (&e["id"], &e["summary"])).collect();
    assert_eq!(ids, paged_ids);
    for kind in ["appointment", "intake", "note", "treatment_plan", "email"] {
        assert!(
            whole.iter().any(|e| e["kind"] == kind),
            "no {kind} in {whole:?}"
        );
    }
    let times: Vec<&str> = whole.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    assert!(
        whole
            .iter()
            .any(|e| e["kind"] == "note" && e["summary"] == "First session")
    );
    assert!(
        whole
            .iter()
            .any(|e| e["kind"] == "treatment_plan" && e["details"]["phase"] == "Attune")
    );

    // The front desk sees that things happened, not what they say.
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let theirs = all_pages(&app, &assistant, &client, 200).await;
    assert_eq!(theirs.len(), whole.len());
    assert!(
        theirs
            .iter()
            .filter(|e| e["kind"] == "note")
            .all(|e| e["summary"] == "Session note")
    );
    assert!(
        theirs
            .iter()
            .filter(|e| e["kind"] == "intake" || e["kind"] == "treatment_plan")
            .all(|e| e["details"].is_null())
    );
    let text = serde_json::to_string(&theirs).unwrap();
    assert!(
        !text.contains("First session") && !text.contains("Attune"),
        "{text}"
    );
    assert_problem(
        app.get_as(
            &assistant,
            &format!("/api/v1/clients/{client}/timeline?cursor=nonsense"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn the_export_holds_the_clinical_record_without_psychotherapy_notes() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (client, owner, clinician) = busy_record(&app).await;
    let response = app
        .get_as(&clinician, &format!("/api/v1/clients/{client}/export"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let record: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(record["participants"].as_array().unwrap().len(), 2);
    assert_eq!(record["appointments"][0]["status"], "confirmed");
    assert_eq!(record["intake_responses"].as_array().unwrap().len(), 1);
    assert_eq!(
        record["intake_responses"][0]["answers"]["brings_you"],
        "We argue about the same things."
    );
    assert_eq!(
        record["notes"][0]["content"]["text"],
        "They described the cycle."
    );
    assert_eq!(record["notes"][0]["addenda"][0]["text"], "A later thought.");
    assert_eq!(record["notes"][0]["tampered"], false);
    let versions: Vec<&Value> = record["treatment_plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["phase"])
        .collect();
    assert_eq!(versions, vec![&json!("Atone"), &json!("Attune")]);
    assert!(
        !record.to_string().contains("Only for me"),
        "psychotherapy notes stay out"
    );
    assert_eq!(app.audit_events(&owner, "client.export").await.len(), 1);

    let (_, other) = app.signed_in(Role::Clinician).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    for who in [&other, &assistant] {
        assert_problem(
            app.get_as(who, &format!("/api/v1/clients/{client}/export"))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
}
