//! Treatment plans: templates and phases, goals kept across versions, notes linked to goals,
//! progress, and who may reach them.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{Caller, TestApp, assert_problem, assert_status, error_fields};

/// A booked couple's client id, an owner, and the couple's own clinician.
async fn setup(app: &TestApp, start: &str) -> (String, Caller, Caller) {
    let couple = app.couple_in_care(start).await;
    (couple.client, couple.owner, couple.clinician)
}

#[tokio::test]
async fn an_affair_recovery_plan_moves_through_its_phases_and_tracks_goals() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (client, owner, clinician) = setup(&app, "2026-12-08T14:00:00Z").await;
    let path = format!("/api/v1/clients/{client}/treatment-plan");
    assert_problem(app.get_as(&clinician, &path).await, StatusCode::NOT_FOUND).await;

    let templates = assert_status(
        app.get_as(&clinician, "/api/v1/treatment-plan-templates")
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(templates["items"][0]["name"], "Affair recovery (Gottman)");
    assert_eq!(
        templates["items"][0]["phases"],
        json!(["Atone", "Attune", "Attach"])
    );

    let plan = assert_status(
        app.put_plan(
            &clinician,
            &client,
            json!({
                "template": "affair-recovery",
                "presenting_problems": "Discovery of an affair three months ago.",
                "interventions": "Gottman Method; EFT de-escalation."
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["phase"], "Atone");
    assert!(plan["phase_since"].is_string());
    let goals = plan["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 9);
    assert!(goals.iter().all(|g| g["status"] == "active"));
    let first = goals[0]["id"].as_str().unwrap().to_owned();

    // A note that worked on the first goal, signed: progress shows it there.
    let note = assert_status(
        app.write_note(&clinician, &client, json!({
            "format": "free", "title": "Session 2", "content": {"text": "Worked on transparency."}, "goal_ids": [first]
        }))
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(note["goal_ids"], json!([first]));
    assert_status(
        app.post_empty_as(
            &clinician,
            &format!("/api/v1/notes/{}/sign", note["id"].as_str().unwrap()),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let progress = assert_status(
        app.get_as(&clinician, &format!("{path}/progress")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(progress["phase"], "Atone");
    assert_eq!(progress["goals"][0]["notes"][0]["title"], "Session 2");
    assert_eq!(progress["goals"][1]["notes"], json!([]));

    // The next phase, recorded; the same one again is a conflict; an unknown one is named.
    let moved = assert_status(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("{path}/phase"),
            json!({"phase": "Attune"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (moved["version"].clone(), moved["phase"].clone()),
        (json!(2), json!("Attune"))
    );
    assert_eq!(
        moved["goals"].as_array().unwrap().len(),
        9,
        "the goals stay"
    );
    assert_problem(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("{path}/phase"),
            json!({"phase": "Attune"}),
        )
        .await,
        StatusCode::CONFLICT,
    )
    .await;
    let p = assert_problem(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("{path}/phase"),
            json!({"phase": "Adore"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["phase"]);

    // Goals are edited by id: the first met, one dropped, one new; links survive.
    let mut edited: Vec<Value> = moved["goals"].as_array().unwrap()[..3].to_vec();
    edited[0]["status"] = json!("met");
    edited[1]["status"] = json!("dropped");
    edited.push(
        json!({"text": "Plan a weekly date", "target_date": "2027-03-01", "phase": "Attach"}),
    );
    let saved = assert_status(
        app.put_plan(&clinician, &client, json!({"goals": edited}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["version"], 3);
    assert_eq!(saved["phase"], "Attune", "the phase is kept");
    assert_eq!(saved["goals"].as_array().unwrap().len(), 4);
    assert_eq!(saved["goals"][0]["id"], json!(first));
    assert_eq!(saved["goals"][0]["status"], "met");
    assert_eq!(
        saved["presenting_problems"],
        "Discovery of an affair three months ago."
    );
    let progress = assert_status(
        app.get_as(&owner, &format!("{path}/progress")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(progress["goals"][0]["notes"][0]["title"], "Session 2");

    for action in [
        "treatment_plan.update",
        "treatment_plan.read",
        "treatment_plan.phase",
    ] {
        assert!(
            !app.audit_events(&owner, action).await.is_empty(),
            "{action}"
        );
    }
}

#[tokio::test]
async fn bad_plans_and_links_are_refused_naming_the_field() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (client, owner, clinician) = setup(&app, "2026-12-08T14:00:00Z").await;
    let (other_client, _, _) = setup(&app, "2026-12-09T14:00:00Z").await;
    let plan = assert_status(
        app.put_plan(
            &owner,
            &other_client,
            json!({"template": "affair-recovery"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let foreign_goal = plan["goals"][0]["id"].clone();
    assert_status(
        app.put_plan(
            &clinician,
            &client,
            json!({"template": "plain", "presenting_problems": "Communication."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let cases = [
        (json!({"template": "gottman-lite"}), "template"),
        (
            json!({"goals": [{"id": foreign_goal, "text": "x"}]}),
            "goals[0].id",
        ),
        (json!({"goals": [{"text": ""}]}), "goals[0].text"),
        (
            json!({"goals": [{"text": "x", "status": "done"}]}),
            "goals[0].status",
        ),
        (
            json!({"goals": [{"text": "x", "target_date": "soon"}]}),
            "goals[0].target_date",
        ),
        (
            json!({"interventions": "x".repeat(50_001)}),
            "interventions",
        ),
        (json!({"phase": "Atone"}), "phase"),
    ];
    for (body, field) in cases {
        let p = assert_problem(
            app.put_plan(&clinician, &client, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&p), vec![field], "{body}");
    }
    // A plan without phases has none to move to.
    let p = assert_problem(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("/api/v1/clients/{client}/treatment-plan/phase"),
            json!({"phase": "Atone"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(p.to_string().contains("no phases"), "{p}");
    // A note cannot point at another client's goal.
    let p = assert_problem(
        app.write_note(
            &clinician,
            &client,
            json!({
                "format": "free", "content": {"text": "t"}, "goal_ids": [foreign_goal]
            }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&p), vec!["goal_ids[0]"]);
    // Nothing half-written: still version 1.
    let current = assert_status(
        app.get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/treatment-plan"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(current["version"], 1);
}

#[tokio::test]
async fn only_the_owner_and_the_clients_clinician_reach_the_plan() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (client, owner, clinician) = setup(&app, "2026-12-08T14:00:00Z").await;
    assert_status(
        app.put_plan(&clinician, &client, json!({"template": "affair-recovery"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let (_, other) = app.signed_in(Role::Clinician).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let base = format!("/api/v1/clients/{client}/treatment-plan");
    for who in [&other, &assistant] {
        assert_problem(app.get_as(who, &base).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.get_as(who, &format!("{base}/progress")).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.put_plan(who, &client, json!({"presenting_problems": "x"}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.send_as(
                who,
                Method::POST,
                &format!("{base}/phase"),
                json!({"phase": "Attune"}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    assert_problem(
        app.get_as(&assistant, "/api/v1/treatment-plan-templates")
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for who in [&owner, &clinician] {
        assert_status(app.get_as(who, &base).await, StatusCode::OK).await;
    }
}
