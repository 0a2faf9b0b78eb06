//! Consent documents: the four starting texts, versions kept forever, the practice's
//! confidentiality choice, Markdown shown safely, and who may change them.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, assert_problem, assert_status, error_fields};

async fn documents(app: &TestApp, caller: &crate::common::Caller) -> Vec<Value> {
    let list = assert_status(
        app.get_as(caller, "/api/v1/consent-documents").await,
        StatusCode::OK,
    )
    .await;
    list["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(docs: &'a [Value], kind: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[tokio::test]
async fn a_practice_starts_with_four_texts_and_keeps_every_version() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let docs = documents(&app, &owner).await;
    let mut kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "confidentiality",
            "informed_consent",
            "practice_policies",
            "telehealth"
        ]
    );
    let policy = of_kind(&docs, "confidentiality");
    assert_eq!(policy["current"]["secrets_policy"], "no_secrets");
    let html = policy["current"]["html"].as_str().unwrap();
    assert!(
        html.contains("<strong>Our policy: no secrets.</strong>"),
        "{html}"
    );
    assert!(!html.contains("{secrets_policy}"));
    // Starting again adds nothing.
    attune::consent::builtin::seed(&app.state.db, app.state.clock.now())
        .await
        .unwrap();
    assert_eq!(documents(&app, &owner).await.len(), 4);

    // The practice chooses limited secrets and rewords the opening; signers are asked again.
    let id = policy["id"].as_str().unwrap();
    let body = policy["current"]["body"].as_str().unwrap().replacen(
        "When two partners",
        "When the two of you",
        1,
    );
    let saved = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            &format!("/api/v1/consent-documents/{id}/versions"),
            json!({"body": body, "secrets_policy": "limited_secrets", "requires_reconsent": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(saved["latest_version"], 2);
    assert_eq!(saved["current"]["requires_reconsent"], true);
    assert!(
        saved["current"]["html"]
            .as_str()
            .unwrap()
            .contains("limited secrets")
    );
    let whole = assert_status(
        app.get_as(&owner, &format!("/api/v1/consent-documents/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let versions = whole["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[0]["body"], policy["current"]["body"],
        "version 1 as it was"
    );
    assert_eq!(versions[0]["secrets_policy"], "no_secrets");
    assert!(
        versions[1]["body"]
            .as_str()
            .unwrap()
            .starts_with("When the two of you")
    );
    assert_eq!(
        app.audit_events(&owner, "consent_document.version")
            .await
            .len(),
        1
    );

    // A document of the practice's own; what it says is shown, never run.
    let created = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/consent-documents",
            json!({"kind": "other", "title": "Recording sessions",
                   "body": "We never record. <script>alert(1)</script> [x](javascript:alert(1))"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let html = created["current"]["html"].as_str().unwrap();
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert!(html.contains("&lt;script&gt;"));
    assert_eq!(created["latest_version"], 1);
    assert_eq!(
        app.audit_events(&owner, "consent_document.create")
            .await
            .len(),
        1
    );
    assert_eq!(documents(&app, &owner).await.len(), 5);
}

#[tokio::test]
async fn bad_documents_name_their_field_and_only_owners_change_them() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let docs = documents(&app, &owner).await;
    let policy = of_kind(&docs, "confidentiality")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let telehealth = of_kind(&docs, "telehealth")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (body, field) in [
        (json!({"kind": "waiver", "title": "T", "body": "B"}), "kind"),
        (json!({"kind": "other", "title": " ", "body": "B"}), "title"),
        (json!({"kind": "other", "title": "T", "body": "  "}), "body"),
        (
            json!({"kind": "other", "title": "T", "body": "x".repeat(50_001)}),
            "body",
        ),
        (
            json!({"kind": "confidentiality", "title": "T", "body": "B"}),
            "secrets_policy",
        ),
        (
            json!({"kind": "other", "title": "T", "body": "B", "secrets_policy": "no_secrets"}),
            "secrets_policy",
        ),
        (json!({"kind": "other", "title": "T"}), "body"),
    ] {
        let problem = assert_problem(
            app.send_as(
                &owner,
                Method::POST,
                "/api/v1/consent-documents",
                body.clone(),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{body}: {problem}"
        );
    }
    for (id, body, field) in [
        (
            &policy,
            json!({"body": "B", "secrets_policy": "some"}),
            "secrets_policy",
        ),
        (&policy, json!({"body": "B"}), "secrets_policy"),
        (
            &telehealth,
            json!({"body": "B", "secrets_policy": "no_secrets"}),
            "secrets_policy",
        ),
        (&telehealth, json!({"body": ""}), "body"),
    ] {
        let problem = assert_problem(
            app.send_as(
                &owner,
                Method::POST,
                &format!("/api/v1/consent-documents/{id}/versions"),
                body.clone(),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field], "{body}");
    }
    assert_problem(
        app.get_as(
            &owner,
            &format!("/api/v1/consent-documents/{}", uuid::Uuid::new_v4()),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Everyone on staff reads them; only owners change them.
    let (_, clinician) = app.signed_in(Role::Clinician).await;
    assert_eq!(documents(&app, &clinician).await.len(), 4);
    assert_problem(
        app.send_as(
            &clinician,
            Method::POST,
            &format!("/api/v1/consent-documents/{telehealth}/versions"),
            json!({"body": "Changed."}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let anonymous = app
        .client
        .get(app.url("/api/v1/consent-documents"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let unchanged = assert_status(
        app.get_as(&owner, &format!("/api/v1/consent-documents/{telehealth}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(unchanged["latest_version"], 1);
}
