//! Intake questionnaires through the API: definitions and versions, each partner's private
//! link, drafts and submission, scores and flags, who may read what, and what is stored.

use attune::auth::Role;
use chrono::TimeDelta;
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, assert_problem, assert_status, error_fields, intake::couples_answers,
    scheduling::couple_booking,
};

const START: &str = "2026-12-08T14:00:00Z";

/// A booked couple: (client id, [Jane's participant id, Sam's]).
async fn booked_couple(app: &TestApp, staff: &Caller) -> (String, Vec<String>) {
    let booked = app.book_ok(&couple_booking(START)).await;
    let appointment = assert_status(
        app.get_as(
            staff,
            &format!("/api/v1/appointments/{}", booked["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let client_id = appointment["client_id"].as_str().unwrap().to_owned();
    let client = assert_status(
        app.get_as(staff, &format!("/api/v1/clients/{client_id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let ids = client["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    (client_id, ids)
}

/// The secret at the end of an intake link handed out.
fn intake_token_of(assigned: &Value) -> String {
    assigned["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

async fn public(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_built_in_questionnaires_are_there_read_only_and_can_be_copied() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, "/api/v1/questionnaires").await,
        StatusCode::OK,
    )
    .await;
    let mut slugs: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["slug"].as_str().unwrap())
        .collect();
    slugs.sort();
    assert_eq!(
        slugs,
        vec![
            "couples-intake",
            "csi-16",
            "csi-4",
            "gad-7",
            "phq-9",
            "session-check-in"
        ]
    );
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["builtin"] == true && q["version"] == 1)
    );

    let phq = app.questionnaire_id(&owner, "phq-9").await;
    let one = assert_status(
        app.get_as(&owner, &format!("/api/v1/questionnaires/{phq}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        one["definition"]["sections"][0]["items"][8]["label"],
        "Thoughts that you would be better off dead or of hurting yourself in some way"
    );
    let p = assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/questionnaires/{phq}/versions"),
            json!({"definition": one["definition"]}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(p["reason"], "builtin_read_only");

    // A copy of the practice's own, then a second version of it.
    let mut definition = one["definition"].clone();
    definition["title"] = json!("PHQ-9 (our wording)");
    let copy = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/questionnaires",
            json!({"slug": "phq-9-ours", "definition": definition}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (copy["version"].clone(), copy["builtin"].clone()),
        (json!(1), json!(false))
    );
    let id = copy["id"].as_str().unwrap();
    definition["title"] = json!("PHQ-9 (revised)");
    let v2 = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/questionnaires/{id}/versions"),
            json!({"definition": definition}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(v2["version"], 2);
    let v1 = assert_status(
        app.get_as(&owner, &format!("/api/v1/questionnaires/{id}?version=1"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v1["definition"]["title"], "PHQ-9 (our wording)");
    assert_eq!(v1["latest_version"], 2);
    assert_problem(
        app.get_as(&owner, &format!("/api/v1/questionnaires/{id}?version=7"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // A definition with mistakes is refused whole, each named by its path.
    let p = assert_problem(
        app.send_as(&owner, Method::POST, "/api/v1/questionnaires", json!({
            "slug": "broken",
            "definition": {"title": "B", "sections": [{"id": "s", "title": "S", "items": [
                {"id": "a", "kind": "single_choice", "label": "A", "options": []},
                {"id": "a", "kind": "short_text", "label": "Again", "show_if": {"item": "z", "equals": 1}}
            ]}]}
        })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let fields = error_fields(&p);
    for f in [
        "definition.sections[0].items[0].options",
        "definition.sections[0].items[1].id",
        "definition.sections[0].items[1].show_if.item",
    ] {
        assert!(fields.contains(&f.to_owned()), "{f}: {fields:?}");
    }
    assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/questionnaires",
            json!({"slug": "phq-9-ours", "definition": definition}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    // Assistants read them but do not write them.
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    assert_status(
        app.get_as(&assistant, "/api/v1/questionnaires").await,
        StatusCode::OK,
    )
    .await;
    assert_problem(
        app.send_as(
            &assistant,
            Method::POST,
            "/api/v1/questionnaires",
            json!({"slug": "x", "definition": definition}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn each_partner_fills_their_own_intake_and_the_practitioner_sees_both_with_flags() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (client, people) = booked_couple(&app, &owner).await;
    // Booking the consultation sent each partner the couples intake.
    let sent = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    let sent = sent["items"].as_array().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert!(
        sent.iter()
            .all(|i| i["status"] == "sent" && i["questionnaire"]["slug"] == "couples-intake")
    );
    let jane = sent
        .iter()
        .find(|i| i["participant_id"] == people[0].as_str())
        .unwrap()
        .clone();
    // The links are in the invitations (and nowhere else).
    let links = app.intake_links().await;
    let mut to: Vec<&String> = links.keys().collect();
    to.sort();
    assert_eq!(to, vec!["jane@example.org", "sam@example.org"]);
    let tokens: std::collections::HashMap<String, String> = links
        .iter()
        .map(|(k, v)| (k.clone(), v.trim_start_matches("/intake/").to_owned()))
        .collect();
    let (jane_token, sam_token) = (
        tokens["jane@example.org"].clone(),
        tokens["sam@example.org"].clone(),
    );
    assert!(jane_token.starts_with("ati_") && jane_token.len() > 40);
    // The appointment is sooner than the reminder's two days: none is planned.
    let reminders = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_reminder")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        reminders["items"].as_array().unwrap().is_empty(),
        "{reminders}"
    );

    // Jane opens hers: the questionnaire without its scoring rules, an empty draft.
    let form = assert_status(
        public(
            &app,
            Method::GET,
            &format!("/api/v1/intake/{jane_token}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(form["status"], "opened");
    assert_eq!(
        form["questionnaire"]["definition"]["title"],
        "Couples intake"
    );
    assert!(form["questionnaire"]["definition"]["flags"].is_null());
    assert_eq!(form["answers"], json!({}));

    // A draft: partial is fine; wrong values are named by item.
    let saved = assert_status(
        public(
            &app,
            Method::PUT,
            &format!("/api/v1/intake/{jane_token}"),
            Some(json!({"answers": {"brings_you": "We argue about the same things."}})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        saved["answers"]["brings_you"],
        "We argue about the same things."
    );
    let p = assert_problem(
        public(
            &app,
            Method::PUT,
            &format!("/api/v1/intake/{jane_token}"),
            Some(
                json!({"answers": {"commitment": 11, "no_such_item": 1, "living_together": "yes"}}),
            ),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut fields = error_fields(&p);
    fields.sort();
    assert_eq!(
        fields,
        vec!["commitment", "living_together", "no_such_item"]
    );
    // Sam's link shows nothing of Jane's.
    let sams = assert_status(
        public(
            &app,
            Method::GET,
            &format!("/api/v1/intake/{sam_token}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sams["answers"], json!({}));

    // Submitting without a required answer names it; then a full submission locks it.
    let mut partial = couples_answers(true);
    partial.as_object_mut().unwrap().remove("consent_privacy");
    let p = assert_problem(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{jane_token}/submit"),
            Some(json!({"answers": partial})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["consent_privacy"]);
    let done = assert_status(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{jane_token}/submit"),
            Some(json!({"answers": couples_answers(true)})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "submitted");
    for (method, path) in [
        (Method::PUT, format!("/api/v1/intake/{jane_token}")),
        (Method::POST, format!("/api/v1/intake/{jane_token}/submit")),
    ] {
        assert_problem(
            public(&app, method, &path, Some(json!({"answers": {}}))).await,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let after = assert_status(
        public(
            &app,
            Method::GET,
            &format!("/api/v1/intake/{jane_token}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["status"], "submitted");
    assert_eq!(
        after["answers"],
        json!({}),
        "a submitted form shows nothing back"
    );
    assert_status(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{sam_token}/submit"),
            Some(json!({"answers": couples_answers(false)})),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // The practitioner's view: flagged first, answers readable by clinical roles only.
    // The clinician whose client the couple is (another clinician sees no clinical content).
    let practitioner = {
        let list = assert_status(
            app.get_as(&owner, "/api/v1/appointments").await,
            StatusCode::OK,
        )
        .await;
        list["items"][0]["practitioner_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let clinician = app
        .create_staff_for(Role::Clinician, Some(practitioner))
        .await;
    let clinician = app.login(&clinician).await;
    let (_, stranger) = app.signed_in(Role::Clinician).await;
    assert_problem(
        app.get_as(
            &stranger,
            &format!("/api/v1/intakes/{}", jane["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let theirs = assert_status(
        app.get_as(&stranger, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["flags"] == json!([]))
    );
    let list = assert_status(
        app.get_as(&clinician, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], jane["id"]);
    assert_eq!(items[0]["flags"], json!(["safety"]));
    assert_eq!(items[1]["flags"], json!([]));
    assert!(
        items
            .iter()
            .all(|i| i["status"] == "submitted" && i["questionnaire"]["slug"] == "couples-intake")
    );
    let response = assert_status(
        app.get_as(
            &clinician,
            &format!("/api/v1/intakes/{}", jane["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        response["answers"]["brings_you"],
        "We argue about the same things."
    );
    assert_eq!(response["flags"], json!(["safety"]));
    assert!(response["score"].is_null());
    assert!(response["consents"]["consent_privacy"].is_string());
    assert_eq!(
        response["questionnaire"],
        json!({"slug": "couples-intake", "version": 1})
    );

    let (_, assistant) = app.signed_in(Role::Assistant).await;
    assert_problem(
        app.get_as(
            &assistant,
            &format!("/api/v1/intakes/{}", jane["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let theirs = assert_status(
        app.get_as(&assistant, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["flags"] == json!([]) && i["score"].is_null())
    );
    // The clinician's list showed the flags (on the client), then one response was opened;
    // the stranger's and the assistant's lists showed none and are not reads.
    let reads = app.audit_events(&owner, "intake.read").await;
    let mut on: Vec<_> = reads
        .iter()
        .map(|e| e["entity_type"].as_str().unwrap())
        .collect();
    on.sort();
    assert_eq!(on, ["client", "intake"]);
    assert_eq!(app.audit_events(&owner, "intake.submit").await.len(), 2);

    // The practitioner is told, without a word of the answers.
    let ready = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_ready").await,
        StatusCode::OK,
    )
    .await;
    let ready = ready["items"].as_array().unwrap();
    assert_eq!(ready.len(), 2);
    assert_eq!(ready[0]["subject"], "A new intake is ready for review");
    let body = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/emails/{}", ready[0]["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let text = body["text"].as_str().unwrap();
    for private in ["argue", "Jane", "Sam", "safety", "afraid"] {
        assert!(!text.contains(private), "{private} in {text}");
    }
    // The reminders before the appointment are no longer wanted.
    let reminders = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_reminder")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        reminders["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "cancelled"),
        "{reminders}"
    );

    // Export: the response and the questionnaire version it answered, as a file.
    let export = app
        .get_as(
            &clinician,
            &format!("/api/v1/intakes/{}/export", jane["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(export.status(), StatusCode::OK);
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let file: Value = serde_json::from_slice(&export.bytes().await.unwrap()).unwrap();
    assert_eq!(file["answers"]["ipv_fear"], true);
    assert_eq!(
        file["questionnaire"]["definition"]["title"],
        "Couples intake"
    );
    assert_eq!(app.audit_events(&owner, "intake.export").await.len(), 1);
}

#[tokio::test]
async fn phq9_is_scored_and_item_9_raises_the_urgent_flag() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (client, people) = booked_couple(&app, &owner).await;
    let phq = app.questionnaire_id(&owner, "phq-9").await;
    let assigned = app
        .assign_intake_with_link(&owner, &client, &people[1], &phq)
        .await;
    // 2+2+2+2+2+2+1+1+1 = 15: moderately severe, and item 9 is not "not at all".
    let answers = json!({"phq1": 2, "phq2": 2, "phq3": 2, "phq4": 2, "phq5": 2, "phq6": 2, "phq7": 1, "phq8": 1, "phq9": 1, "phq_difficulty": "very"});
    assert_status(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{}/submit", intake_token_of(&assigned)),
            Some(json!({"answers": answers})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let response = assert_status(
        app.get_as(
            &owner,
            &format!("/api/v1/intakes/{}", assigned["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        response["score"],
        json!({"total": 15, "band": "moderately severe"})
    );
    assert_eq!(response["flags"], json!(["urgent"]));
}

#[tokio::test]
async fn answers_are_encrypted_at_rest() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (client, people) = booked_couple(&app, &owner).await;
    let intake = app.questionnaire_id(&owner, "couples-intake").await;
    let assigned = app
        .assign_intake_with_link(&owner, &client, &people[0], &intake)
        .await;
    let token = intake_token_of(&assigned);
    assert_status(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{token}/submit"),
            Some(json!({"answers": couples_answers(false)})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let db = app.db.connect().await;
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT * FROM intake_assignments",
        ))
        .await
        .unwrap();
    let raw = format!("{rows:?}");
    for plain in [
        "We argue",
        "Ruth Doe",
        "555 010 0100",
        "ipv_fear",
        "brings_you",
        &token,
    ] {
        assert!(!raw.contains(plain), "{plain} is stored in plain text");
    }
}

#[tokio::test]
async fn links_that_are_unknown_tampered_or_expired_are_refused() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (client, people) = booked_couple(&app, &owner).await;
    let intake = app.questionnaire_id(&owner, "couples-intake").await;
    let token = intake_token_of(
        &app.assign_intake_with_link(&owner, &client, &people[0], &intake)
            .await,
    );
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push('x');
    for t in [tampered.as_str(), "ati_nothing", "nonsense"] {
        assert_problem(
            public(&app, Method::GET, &format!("/api/v1/intake/{t}"), None).await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // Bad bodies: not JSON, the wrong shape, too big.
    let path = format!("/api/v1/intake/{token}");
    assert_problem(
        app.client
            .put(app.url(&path))
            .header("content-type", "application/json")
            .body("{")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_problem(
        public(&app, Method::PUT, &path, Some(json!({"answers": [1, 2]}))).await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let huge = "x".repeat(300 * 1024);
    assert_problem(
        public(
            &app,
            Method::PUT,
            &path,
            Some(json!({"answers": {"brings_you": huge}})),
        )
        .await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    let long = "x".repeat(10_001);
    let p = assert_problem(
        public(
            &app,
            Method::PUT,
            &path,
            Some(json!({"answers": {"brings_you": long}})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["brings_you"]);

    clock.advance(TimeDelta::days(31));
    assert_problem(
        public(&app, Method::GET, &path, None).await,
        StatusCode::GONE,
    )
    .await;
    assert_problem(
        public(&app, Method::PUT, &path, Some(json!({"answers": {}}))).await,
        StatusCode::GONE,
    )
    .await;
    // A month on, the session has ended too.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["status"], "expired");

    // Assigning checks what it is given.
    for (body, field) in [
        (
            json!({"questionnaire_id": intake, "participant_id": uuid::Uuid::new_v4()}),
            "participant_id",
        ),
        (
            json!({"questionnaire_id": uuid::Uuid::new_v4(), "participant_id": people[0]}),
            "questionnaire_id",
        ),
    ] {
        let p = assert_problem(
            app.send_as(
                &owner,
                Method::POST,
                &format!("/api/v1/clients/{client}/intakes"),
                body,
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), vec![field]);
    }
    assert_problem(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/clients/{}/intakes", uuid::Uuid::new_v4()),
            json!({"questionnaire_id": intake, "participant_id": people[0]}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_partner_who_has_not_submitted_is_reminded_before_the_appointment_and_not_after_submitting()
 {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    app.book_ok(&couple_booking("2026-12-15T14:00:00Z")).await;
    let reminders = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_reminder")
            .await,
        StatusCode::OK,
    )
    .await;
    let reminders = reminders["items"].as_array().unwrap().clone();
    assert_eq!(reminders.len(), 2);
    for r in &reminders {
        let at: chrono::DateTime<chrono::Utc> =
            r["scheduled_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            at,
            "2026-12-13T14:00:00Z"
                .parse::<chrono::DateTime<chrono::Utc>>()
                .unwrap()
        );
        assert_eq!(r["status"], "pending");
    }
    // Jane submits: her reminder is cancelled, Sam's still waits.
    let links = app.intake_links().await;
    let token = links["jane@example.org"]
        .trim_start_matches("/intake/")
        .to_owned();
    let text = {
        let list = assert_status(
            app.get_as(&owner, "/api/v1/emails?kind=intake_invitation")
                .await,
            StatusCode::OK,
        )
        .await;
        let id = list["items"][0]["id"].as_str().unwrap().to_owned();
        let body = assert_status(
            app.get_as(&owner, &format!("/api/v1/emails/{id}")).await,
            StatusCode::OK,
        )
        .await;
        body["text"].as_str().unwrap().to_owned()
    };
    assert!(text.contains("Tuesday 15 December 2026"), "{text}");
    assert_status(
        public(
            &app,
            Method::POST,
            &format!("/api/v1/intake/{token}/submit"),
            Some(json!({"answers": couples_answers(false)})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let reminders = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_reminder")
            .await,
        StatusCode::OK,
    )
    .await;
    let by: std::collections::HashMap<&str, &str> = reminders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["recipient"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(by["jane@example.org"], "cancelled");
    assert_eq!(by["sam@example.org"], "pending");
}

#[tokio::test]
async fn drafts_and_a_submission_racing_on_one_link_lose_nothing_and_never_reopen_it() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (client, people) = booked_couple(&app, &owner).await;
    let phq = app.questionnaire_id(&owner, "phq-9").await;
    let full = json!({"phq1": 2, "phq2": 2, "phq3": 2, "phq4": 2, "phq5": 2, "phq6": 2, "phq7": 1, "phq8": 1, "phq9": 0});
    for _ in 0..5 {
        let assigned = app
            .assign_intake_with_link(&owner, &client, &people[0], &phq)
            .await;
        let token = intake_token_of(&assigned);
        let draft = format!("/api/v1/intake/{token}");

        // Two drafts at once, of different questions: both kept.
        let (a, b) = tokio::join!(
            public(
                &app,
                Method::PUT,
                &draft,
                Some(json!({"answers": {"phq1": 3}}))
            ),
            public(
                &app,
                Method::PUT,
                &draft,
                Some(json!({"answers": {"phq2": 3}}))
            ),
        );
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
        let form = assert_status(
            public(&app, Method::GET, &draft, None).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (
                form["answers"]["phq1"].clone(),
                form["answers"]["phq2"].clone()
            ),
            (json!(3), json!(3))
        );

        // An autosave racing the submission: whichever comes second, the response stays
        // submitted with what was sent.
        let submit = format!("{draft}/submit");
        let (saved, sent) = tokio::join!(
            public(
                &app,
                Method::PUT,
                &draft,
                Some(json!({"answers": {"phq1": 0}}))
            ),
            public(&app, Method::POST, &submit, Some(json!({"answers": full}))),
        );
        assert!(
            matches!(saved.status(), StatusCode::OK | StatusCode::CONFLICT),
            "{}",
            saved.status()
        );
        assert_eq!(sent.status(), StatusCode::OK);
        let response = assert_status(
            app.get_as(
                &owner,
                &format!("/api/v1/intakes/{}", assigned["id"].as_str().unwrap()),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(response["status"], "submitted");
        assert_eq!(response["answers"]["phq1"], 2);
        assert_eq!(response["score"], json!({"total": 14, "band": "moderate"}));
    }
}
