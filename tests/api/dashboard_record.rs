//! The couple's record in the dashboard beyond reading it: their details changed, one
//! partner's questionnaire answers read (by those who treat them, on the record), and the
//! treatment plan written, its goals kept and its phase moved.

use attune::auth::Role;
use reqwest::StatusCode;

use crate::common::{
    TestApp,
    admin::{html, location},
    assert_status,
    intake::couples_answers,
};

const TUESDAY_2PM: &str = "2026-12-08T14:00:00Z";

#[tokio::test]
async fn the_couples_details_are_changed_with_every_mistake_named() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let c = &couple.client;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let path = format!("/admin/clients/{c}/edit");
    let page = html(app.page(&assistant, &path).await, StatusCode::OK).await;
    assert!(page.contains(r#"value="jane@example.org""#) && page.contains("Partner 2"));

    let page = html(
        app.submit(
            &assistant,
            &path,
            &[
                ("name", "Jane Doe & Sam Roe"),
                ("status", "active"),
                ("p0.first_name", "Jane"),
                ("p0.last_name", "Doe"),
                ("p0.email", "jane@"),
                ("p0.phone", "call me"),
                ("p1.first_name", ""),
                ("p1.email", "sam@example.org"),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    for field in ["p0.email", "p0.phone", "p1.first_name"] {
        assert!(
            page.contains(&format!(r#"id="f-{field}-error""#)),
            "{field}"
        );
    }
    assert!(page.contains(r#"value="call me""#), "typed kept");

    let r = app
        .submit(
            &assistant,
            &path,
            &[
                ("name", "Jane Doe & Sam Roe"),
                ("status", "active"),
                ("p0.first_name", "Jane"),
                ("p0.last_name", "Doe"),
                ("p0.email", "jane.doe@example.org"),
                ("p0.phone", "+1 555 010 0199"),
                ("p0.pronouns", "she/her"),
                ("p1.first_name", "Sam"),
                ("p1.last_name", "Roe"),
                ("p1.email", "sam@example.org"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/clients/{c}?done=saved"));
    let client = assert_status(
        app.get_as(&couple.owner, &format!("/api/v1/clients/{c}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(client["name"], "Jane Doe & Sam Roe");
    assert_eq!(client["status"], "active");
    assert_eq!(client["participants"][0]["email"], "jane.doe@example.org");
    assert_eq!(client["participants"][0]["pronouns"], "she/her");
    assert_eq!(
        client["participants"][0]["time_zone"], "America/New_York",
        "kept"
    );

    // Saving again without a change writes nothing and records nothing.
    let before = app.audit_events(&couple.owner, "client.update").await.len();
    assert!(before > 0, "the first save was recorded");
    let page = html(app.page(&assistant, &path).await, StatusCode::OK).await;
    let value = |field: &str| {
        page.split(&format!(r#"name="{field}" type="#))
            .nth(1)
            .and_then(|tag| tag.split(r#"value=""#).nth(1))
            .and_then(|v| v.split('"').next())
            .unwrap_or_default()
            .replace("&amp;", "&")
    };
    let fields: Vec<(String, String)> = [
        "name",
        "p0.first_name",
        "p0.last_name",
        "p0.email",
        "p0.phone",
        "p0.pronouns",
        "p1.first_name",
        "p1.last_name",
        "p1.email",
        "p1.phone",
        "p1.pronouns",
    ]
    .iter()
    .map(|f| ((*f).to_owned(), value(f)))
    .chain([("status".to_owned(), "active".to_owned())])
    .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.submit(&assistant, &path, &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.audit_events(&couple.owner, "client.update").await.len(),
        before,
        "nothing changed, nothing recorded"
    );
}

#[tokio::test]
async fn a_partners_answers_are_read_by_those_who_treat_the_couple_on_the_record() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let c = &couple.client;
    let links = app.intake_links().await;
    app.submit_intake(&links["jane@example.org"], couples_answers(true))
        .await;
    let record = html(
        app.page(&couple.clinician, &format!("/admin/clients/{c}"))
            .await,
        StatusCode::OK,
    )
    .await;
    // The page shows the scores twice (the intake list and the history): one read.
    let client_reads: Vec<_> = app
        .audit_events(&couple.owner, "intake.read")
        .await
        .into_iter()
        .filter(|e| e["entity_type"] == "client" && e["entity_id"] == c.as_str())
        .collect();
    assert_eq!(client_reads.len(), 1, "{client_reads:?}");
    let response = record
        .split(r#"href="/admin/intakes/"#)
        .nth(1)
        .expect("a submitted response links to its answers")
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let path = format!("/admin/intakes/{response}");
    let page = html(app.page(&couple.clinician, &path).await, StatusCode::OK).await;
    assert!(page.contains("We argue about the same things."), "{page}");
    assert!(page.contains("Safety") && page.contains("Jane Doe"));
    assert!(
        page.contains("Agreed "),
        "consents show when they were given"
    );
    assert!(!page.contains("<title>Jane"), "the title names no one");
    let reads = app.audit_events(&couple.owner, "intake.read").await;
    assert!(
        reads.iter().any(|e| e["entity_id"] == response.as_str()),
        "{reads:?}"
    );

    let (_, assistant) = app.signed_in(Role::Assistant).await;
    assert_eq!(
        app.page(&assistant, &path).await.status(),
        StatusCode::FORBIDDEN
    );
    let other = app.create_staff(Role::Clinician).await;
    let other = app.login(&other).await;
    assert_eq!(
        app.page(&other, &path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.page(&couple.clinician, "/admin/intakes/not-an-id")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_treatment_plan_is_written_from_a_template_and_its_phase_moved() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let c = &couple.client;
    let path = format!("/admin/clients/{c}/plan");
    let page = html(app.page(&couple.clinician, &path).await, StatusCode::OK).await;
    assert!(page.contains("Affair recovery"), "templates offered");

    // Started from the affair-recovery template: its phases and typical goals.
    let r = app
        .submit(
            &couple.clinician,
            &path,
            &[
                ("template", "affair-recovery"),
                ("presenting_problems", "An affair came to light in October."),
                ("interventions", "Gottman method."),
                ("goals[0].text", ""),
                ("goals[0].status", "active"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/clients/{c}?done=plan-saved"));
    let page = html(app.page(&couple.clinician, &path).await, StatusCode::OK).await;
    assert!(
        page.contains(r#"<option value="Atone" selected>"#),
        "{page}"
    );
    assert!(page.contains("takes responsibility without defensiveness"));
    let goals = page.matches(r#"name="goals["#).count();
    assert!(goals > 9, "template goals and new rows: {goals}");

    // The first goal met, a new one added, the couple moved on to Attune.
    let first_id = page
        .split(r#"name="goals[0].id" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .submit(
            &couple.clinician,
            &path,
            &[
                ("phase", "Attune"),
                ("presenting_problems", "An affair came to light in October."),
                ("interventions", "Gottman method."),
                ("goals[0].id", &first_id),
                ("goals[0].text", "The affair has ended"),
                ("goals[0].status", "met"),
                ("goals[0].phase", "Atone"),
                ("goals[0].target_date", ""),
                ("goals[1].text", ""),
                ("goals[2].text", "Weekly state-of-the-union meeting"),
                ("goals[2].status", "active"),
                ("goals[2].phase", "Attune"),
                ("goals[2].target_date", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/clients/{c}?done=phase-moved"));
    let plan = assert_status(
        app.get_as(
            &couple.clinician,
            &format!("/api/v1/clients/{c}/treatment-plan"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["phase"], "Attune");
    let goals = plan["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 2, "{plan}");
    assert_eq!(goals[0]["id"], first_id.as_str());
    assert_eq!(goals[0]["status"], "met");
    assert_eq!(goals[1]["target_date"], "2027-02-01");

    // A bad date is named at its own row, with what was typed kept.
    let page = html(
        app.submit(
            &couple.clinician,
            &path,
            &[
                ("phase", "Attune"),
                ("goals[0].text", ""),
                ("goals[1].text", "Date night"),
                ("goals[1].target_date", "soon"),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        page.contains(r#"id="f-goals[1].target_date-error""#),
        "{page}"
    );

    let (_, assistant) = app.signed_in(Role::Assistant).await;
    assert_eq!(
        app.page(&assistant, &path).await.status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .submit(&assistant, &path, &[("presenting_problems", "x")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let reads = app.audit_events(&couple.owner, "treatment_plan.read").await;
    assert!(!reads.is_empty());
}
