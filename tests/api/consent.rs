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

fn signing_links(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, _) in text.match_indices("/consent/atc_") {
        let token: String = text[i + 9..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        if !out.contains(&token) {
            out.push(token);
        }
    }
    out
}

#[tokio::test]
async fn each_partner_signs_their_own_copy_and_a_new_version_asks_again() {
    let smtp = crate::common::smtp::SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let docs = documents(&app, owner).await;
    let consent = of_kind(&docs, "informed_consent")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/clients/{}/consents", couple.client);

    let given = assert_status(
        app.send_as(owner, Method::POST, &path, json!({"document_id": consent}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        given["items"].as_array().unwrap().len(),
        2,
        "one for each partner"
    );
    let again = assert_status(
        app.send_as(owner, Method::POST, &path, json!({"document_id": consent}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["items"], json!([]), "already waiting for both");
    for (body, field) in [
        (json!({"document_id": uuid::Uuid::new_v4()}), "document_id"),
        (
            json!({"document_id": consent, "participant_id": uuid::Uuid::new_v4()}),
            "participant_id",
        ),
    ] {
        let problem = assert_problem(
            app.send_as(owner, Method::POST, &path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }

    // Each partner's own link, by email to them alone.
    app.dispatch_pending_emails().await;
    let link_of = |address: &str| {
        let mail = smtp
            .received_by(address)
            .into_iter()
            .rev()
            .find(|m| m.raw.contains("read and sign"))
            .expect("the signing email");
        let parsed = mailparse::parse_mail(mail.raw.as_bytes()).unwrap();
        let text = parsed.subparts.iter().find_map(|p| {
            p.subparts
                .iter()
                .chain(std::iter::once(p))
                .find(|q| q.ctype.mimetype == "text/plain")
                .map(|q| q.get_body().unwrap())
        });
        signing_links(&text.unwrap_or_default()).remove(0)
    };
    let jane = link_of("jane@example.org");
    let sam = link_of("sam@example.org");
    assert_ne!(jane, sam);

    let page = |token: &str| {
        let app = &app;
        let path = format!("/consent/{token}");
        async move { app.get_html(&path, None).await }
    };
    let shown = page(&jane).await.text().await.unwrap();
    assert!(
        shown.contains("Informed consent for couples therapy"),
        "{shown}"
    );
    assert!(shown.contains("<h2>What therapy involves</h2>"));
    assert!(!shown.contains("Sam"), "nothing of the other partner");
    for (fields, field) in [
        (vec![("name", "Jane Doe")], "agree"),
        (vec![("name", "Sam Roe"), ("agree", "1")], "name"),
        (vec![("name", " "), ("agree", "1")], "name"),
    ] {
        let r = app
            .post_html(&format!("/consent/{jane}"), None, &fields)
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains(&format!("id=\"{field}-error\""))
        );
    }
    clock.advance(chrono::Duration::minutes(3));
    let signed = app
        .post_html(
            &format!("/consent/{jane}"),
            None,
            &[("name", "  Jane   Doe "), ("agree", "1")],
        )
        .await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    let copy = page(&jane).await.text().await.unwrap();
    assert!(
        copy.contains("Signed by <strong>Jane Doe</strong>"),
        "{copy}"
    );
    assert!(!copy.contains("<form"), "signed once");
    let twice = app
        .post_html(
            &format!("/consent/{jane}"),
            None,
            &[("name", "Jane Doe"), ("agree", "1")],
        )
        .await;
    assert_eq!(twice.status(), StatusCode::SEE_OTHER);

    // Staff see who signed what, the fingerprint of the exact text, and the copy.
    let list = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let items = list["items"].as_array().unwrap();
    let signed: Vec<&Value> = items.iter().filter(|i| i["status"] == "signed").collect();
    assert_eq!(signed.len(), 1);
    assert_eq!(items.iter().filter(|i| i["status"] == "pending").count(), 1);
    assert_eq!(signed[0]["intact"], true);
    let request = signed[0]["id"].as_str().unwrap();
    let staff_copy = assert_status(
        app.get_as(owner, &format!("{path}/{request}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(staff_copy["signed_name"], "Jane Doe");
    assert_eq!(staff_copy["intact"], true);
    let html = staff_copy["html"].as_str().unwrap();
    assert!(
        copy.contains(html),
        "the copy shows exactly the text signed"
    );
    assert_eq!(
        signed[0]["text_sha256"].as_str().unwrap(),
        attune::crypto::sha256_hex(html)
    );
    assert_eq!(app.audit_events(owner, "consent.sign").await.len(), 1);

    // The same copy as a PDF, for the partner and for staff, the text and the signature in
    // it; none for a partner who has not signed.
    let fingerprint = signed[0]["text_sha256"].as_str().unwrap().to_owned();
    let theirs = app
        .client
        .get(app.url(&format!("/consent/{jane}/copy.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), StatusCode::OK);
    assert_eq!(theirs.headers()["content-type"], "application/pdf");
    let bytes = theirs.bytes().await.unwrap();
    if let Ok(out) = std::env::var("ATTUNE_DUMP_PDF") {
        std::fs::write(out, &bytes).unwrap();
    }
    let text = crate::common::pdf::text(&bytes);
    for words in [
        "Informed consent for couples therapy",
        "What therapy involves",
        "Signed by",
        "Jane Doe",
        fingerprint.as_str(),
    ] {
        assert!(text.contains(words), "{words:?} in {text}");
    }
    assert!(!text.contains("Sam"), "nothing of the other partner");
    let staff_pdf = app
        .get_as(owner, &format!("{path}/{request}/copy.pdf"))
        .await;
    assert_eq!(staff_pdf.status(), StatusCode::OK);
    assert_eq!(
        crate::common::pdf::text(&staff_pdf.bytes().await.unwrap()),
        text
    );
    assert_eq!(
        app.client
            .get(app.url(&format!("/consent/{sam}/copy.pdf")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(app.audit_events(owner, "consent.view").await.len() >= 3);
    assert_eq!(app.audit_events(owner, "consent.assign").await.len(), 2);

    // Changed behind the practice's back, the signature no longer holds.
    let db = app.db.connect().await;
    use sea_orm::ConnectionTrait;
    db.execute_raw(sea_orm::Statement::from_string(
        db.get_database_backend(),
        // The fingerprint of another text.
        "UPDATE consent_requests SET text_sha256 = '00' WHERE text_sha256 IS NOT NULL".to_owned(),
    ))
    .await
    .unwrap();
    let list = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let tampered = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == request)
        .unwrap()
        .clone();
    assert_eq!(tampered["intact"], false);

    // A new version that asks again: Jane's signature is superseded and she gets it to sign.
    let body = of_kind(&docs, "informed_consent")["current"]["body"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!("/api/v1/consent-documents/{consent}/versions"),
            json!({"body": format!("{body}\n\n## Fees\n\nSee the practice policies."), "requires_reconsent": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let list = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let statuses: Vec<(String, i64)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["status"].as_str().unwrap().to_owned(),
                i["version"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("superseded".to_owned(), 1)),
        "{statuses:?}"
    );
    assert!(
        statuses.contains(&("pending".to_owned(), 2)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.len(),
        3,
        "Sam's unsigned request stands: {statuses:?}"
    );
    app.dispatch_pending_emails().await;
    let asked = smtp.received_by("jane@example.org");
    assert!(asked.iter().any(|m| {
        let parsed = mailparse::parse_mail(m.raw.as_bytes()).unwrap();
        let mut bodies = vec![parsed.get_body().unwrap_or_default()];
        for p in &parsed.subparts {
            bodies.push(p.get_body().unwrap_or_default());
            bodies.extend(p.subparts.iter().map(|q| q.get_body().unwrap_or_default()));
        }
        bodies
            .iter()
            .any(|b| b.contains("a new version of a document you signed before"))
    }));

    let unknown = page("atc_nothing").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn staff_send_a_document_from_the_client_record_and_see_who_signed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let docs = documents(&app, owner).await;
    let telehealth = of_kind(&docs, "telehealth")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/admin/clients/{}/consents", couple.client);
    let r = app
        .submit(
            owner,
            &path,
            &[
                ("consent_document_id", "nonsense"),
                ("consent_participant_id", "all"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"consent_document_id-error\"")
    );
    let r = app
        .submit(
            owner,
            &path,
            &[
                ("consent_document_id", &telehealth),
                ("consent_participant_id", "all"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let record = app
        .page(owner, &format!("/admin/clients/{}", couple.client))
        .await
        .text()
        .await
        .unwrap();
    assert!(record.contains("Consent to video sessions"), "{record}");
    assert_eq!(
        record.matches("Not signed").count(),
        2,
        "one row per partner"
    );
    let list = assert_status(
        app.get_as(
            owner,
            &format!("/api/v1/clients/{}/consents", couple.client),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

/// The text parts of the messages to `address` whose body contains `marker`, oldest first.
fn texts(smtp: &crate::common::smtp::SmtpServer, address: &str, marker: &str) -> Vec<String> {
    smtp.texts_to(address, marker)
}

/// The latest of [`texts`].
fn latest_text(smtp: &crate::common::smtp::SmtpServer, address: &str, marker: &str) -> String {
    texts(smtp, address, marker)
        .pop()
        .unwrap_or_else(|| panic!("no message to {address} with {marker:?}"))
}

#[tokio::test]
async fn a_session_type_that_requires_documents_hands_them_out_and_asks_before_the_day() {
    let smtp = crate::common::smtp::SmtpServer::start().await;
    let clock = attune::clock::Clock::manual(crate::common::scheduling::monday_morning());
    let app = TestApp::builder()
        .clock(clock.clone())
        .smtp(&smtp)
        .spawn()
        .await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let docs = documents(&app, owner).await;
    let consent = of_kind(&docs, "informed_consent")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let telehealth = of_kind(&docs, "telehealth")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = app.type_id(owner, "couples-session").await;

    // Only owners set requirements, and only to types that exist.
    let bad = assert_problem(
        app.send_as(
            owner,
            Method::PUT,
            &format!("/api/v1/consent-documents/{consent}/required-for"),
            json!({"appointment_type_ids": [uuid::Uuid::new_v4()]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["appointment_type_ids"]);
    assert_problem(
        app.send_as(
            &couple.clinician,
            Method::PUT,
            &format!("/api/v1/consent-documents/{consent}/required-for"),
            json!({"appointment_type_ids": [session]}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for id in [&consent, &telehealth] {
        let set = assert_status(
            app.send_as(
                owner,
                Method::PUT,
                &format!("/api/v1/consent-documents/{id}/required-for"),
                json!({"appointment_type_ids": [session]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(set["appointment_type_ids"], json!([session]));
    }
    let listed = documents(&app, owner).await;
    assert_eq!(
        of_kind(&listed, "telehealth")["required_for"],
        json!([session])
    );
    assert_eq!(
        of_kind(&listed, "practice_policies")["required_for"],
        json!([])
    );

    // The first paid session, on Thursday: each partner is given both documents.
    let first = app.first_practitioner_id().await;
    let booked = assert_status(
        app.send_as(
            owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": couple.client, "appointment_type_id": session,
                   "practitioner_id": first, "start": "2026-12-10T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/clients/{}/consents", couple.client);
    let given = assert_status(app.get_as(owner, &path).await, StatusCode::OK).await;
    let items = given["items"].as_array().unwrap();
    assert_eq!(items.len(), 4, "two documents for each partner");
    assert!(items.iter().all(|i| i["status"] == "pending"));

    // The agenda and the record say what is missing.
    let agenda = app
        .page(owner, "/admin?from=2026-12-10&view=day")
        .await
        .text()
        .await
        .unwrap();
    assert!(agenda.contains("4 consent documents unsigned"), "{agenda}");
    let record = app
        .page(owner, &format!("/admin/clients/{}", couple.client))
        .await
        .text()
        .await
        .unwrap();
    assert!(record.contains("id=\"consent-missing\""), "{record}");
    assert!(record.contains("Informed consent for couples therapy: Jane Doe"));

    // Jane signs her informed consent.
    app.dispatch_pending_emails().await;
    let jane_link = signing_links(&texts(&smtp, "jane@example.org", "read and sign").join("\n"));
    assert_eq!(jane_link.len(), 2);
    let mut jane_signed = 0;
    for token in &jane_link {
        let page = app
            .get_html(&format!("/consent/{token}"), None)
            .await
            .text()
            .await
            .unwrap();
        if page.contains("Informed consent for couples therapy") {
            let r = app
                .post_html(
                    &format!("/consent/{token}"),
                    None,
                    &[("name", "Jane Doe"), ("agree", "1")],
                )
                .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            jane_signed += 1;
        }
    }
    assert_eq!(jane_signed, 1);
    let agenda = app
        .page(owner, "/admin?from=2026-12-10&view=day")
        .await
        .text()
        .await
        .unwrap();
    assert!(agenda.contains("3 consent documents unsigned"), "{agenda}");

    // Too early for the reminder; two days before, each partner is asked once for what is
    // still missing.
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.consent_reminders, 0);
    clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-12-08T16:00:00Z")
            .unwrap()
            .to_utc(),
    );
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.consent_reminders, 2);
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.consent_reminders, 0, "asked once");
    app.dispatch_pending_emails().await;
    let jane = latest_text(&smtp, "jane@example.org", "Before your appointment");
    let sam = latest_text(&smtp, "sam@example.org", "Before your appointment");
    assert_eq!(signing_links(&jane).len(), 1, "{jane}");
    assert_eq!(signing_links(&sam).len(), 2, "{sam}");
    assert!(jane.contains("Thursday 10 December 2026"), "{jane}");
    for text in [&jane, &sam] {
        assert!(!text.contains("Informed consent") && !text.contains("Telehealth"));
        assert!(!text.contains("Sam Roe") || !text.contains("Jane Doe"));
    }
    assert!(!jane.contains("Sam"), "nothing of the other partner");

    // Cancelled, the session asks for nothing more.
    let (_, owner) = app.signed_in(Role::Owner).await;
    let owner = &owner;
    let id = booked["id"].as_str().unwrap();
    assert_status(
        app.send_as(
            owner,
            Method::POST,
            &format!("/api/v1/appointments/{id}/cancel"),
            json!({"reason": "They moved away"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let agenda = app
        .page(owner, "/admin?from=2026-12-10&view=day")
        .await
        .text()
        .await
        .unwrap();
    assert!(!agenda.contains("consent documents unsigned"));
    let report = attune::housekeeping::run_once(&app.state).await.unwrap();
    assert_eq!(report.consent_reminders, 0);
    app.dispatch_pending_emails().await;
}

#[tokio::test]
async fn owners_edit_documents_from_the_dashboard_and_every_version_stays_readable() {
    use crate::common::admin::{html, location};
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let list = html(
        app.page(&owner, "/admin/settings/consent").await,
        StatusCode::OK,
    )
    .await;
    let telehealth = of_kind(&documents(&app, &owner).await, "telehealth").clone();
    let id = telehealth["id"].as_str().unwrap();
    let path = format!("/admin/settings/consent/{id}");
    assert!(list.contains(&format!(r#"href="{path}""#)), "{list}");
    assert!(list.contains("By hand only"));
    assert_eq!(
        app.page(&assistant, "/admin/settings/consent")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // A mistake is named beside its field, with what was typed kept.
    let session = app.type_id(&owner, "couples-session").await;
    let bad = html(
        app.submit(&owner, &path, &[("title", "Telehealth"), ("body", "  ")])
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad.contains(r#"id="f-body-error""#), "{bad}");
    assert!(bad.contains(r#"value="Telehealth""#));

    // A changed text is a new version; the types ticked require it.
    let body = format!(
        "{}\n\nWe use an encrypted video service.",
        telehealth["current"]["body"].as_str().unwrap()
    );
    let saved = app
        .submit(
            &owner,
            &path,
            &[
                ("title", "Telehealth consent"),
                ("body", &body),
                ("required_for", &session),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert!(location(&saved).contains("version-saved"));
    let now = assert_status(
        app.get_as(&owner, &format!("/api/v1/consent-documents/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["latest_version"], 2);
    assert_eq!(now["title"], "Telehealth consent");
    assert_eq!(now["required_for"], json!([session]));
    assert_eq!(now["versions"][1]["requires_reconsent"], false);

    // Saving the same text again only changes what it is required for.
    let same = app
        .submit(
            &owner,
            &path,
            &[("title", "Telehealth consent"), ("body", &body)],
        )
        .await;
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
    let now = assert_status(
        app.get_as(&owner, &format!("/api/v1/consent-documents/{id}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["latest_version"], 2);
    assert_eq!(now["required_for"], json!([]));

    // The first version reads as it was, and says it was replaced.
    let first = html(
        app.page(&owner, &format!("{path}/versions/1")).await,
        StatusCode::OK,
    )
    .await;
    assert!(first.contains("A later version has replaced it"), "{first}");
    assert!(!first.contains("encrypted video service"));
    assert_eq!(
        app.page(&owner, &format!("{path}/versions/9"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // A document of the practice's own, by form.
    let bad = html(
        app.submit(
            &owner,
            "/admin/settings/consent/new",
            &[
                ("kind", "poem"),
                ("title", "Recording"),
                ("body", "We never record."),
            ],
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(bad.contains(r#"id="f-kind-error""#), "{bad}");
    let added = app
        .submit(
            &owner,
            "/admin/settings/consent/new",
            &[
                ("kind", "other"),
                ("title", "Recording"),
                ("body", "We never record."),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    assert_eq!(documents(&app, &owner).await.len(), 5);
    assert_eq!(
        app.audit_events(&owner, "consent_document.requirements")
            .await
            .len(),
        3,
        "set on the telehealth save, cleared on the next, and the new one's (none)"
    );
}
