//! `/fees`: a fee and claim codes per appointment type, a client's own fee, the currency, and
//! diagnosis codes on a client (clinical: owners and the client's clinician).

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestApp, assert_problem, assert_status, error_fields};

fn type_row<'a>(schedule: &'a Value, id: &str) -> &'a Value {
    schedule["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["appointment_type_id"] == id)
        .unwrap()
}

#[tokio::test]
async fn owners_set_fees_and_codes_per_type_and_the_front_desk_sets_a_clients_own() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let owner = &couple.owner;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let session = app.type_id(owner, "couples-session").await;

    let empty = assert_status(app.get_as(&assistant, "/api/v1/fees").await, StatusCode::OK).await;
    assert_eq!(empty["currency"], "USD");
    assert_eq!(type_row(&empty, &session)["fee_minor"], Value::Null);

    let path = format!("/api/v1/fees/types/{session}");
    let set = assert_status(
        app.send_as(
            owner,
            Method::PUT,
            &path,
            json!({"fee_minor": 17500, "cpt_code": "90847", "place_of_service": "10", "modifier": "95"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(set["fee"], "$175.00");
    assert_eq!(set["cpt_code"], "90847");

    // Each mistake is named; a fraction of a cent is not a fee.
    for (body, fields) in [
        (json!({"fee_minor": -1}), vec!["fee_minor"]),
        (json!({}), vec!["fee_minor"]),
        (
            json!({"fee_minor": 100, "cpt_code": "9084", "place_of_service": "7", "modifier": "955"}),
            vec!["cpt_code", "place_of_service", "modifier"],
        ),
        (json!({"fee_minor": 150.5}), vec!["fee_minor"]),
        (json!({"fee_minor": 2_000_000_000_i64}), vec!["fee_minor"]),
    ] {
        let problem = assert_problem(
            app.send_as(owner, Method::PUT, &path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), fields);
    }
    assert_problem(
        app.send_as(
            owner,
            Method::PUT,
            &format!("/api/v1/fees/types/{}", uuid::Uuid::new_v4()),
            json!({"fee_minor": 100}),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    // Type fees are the owner's; the front desk sets clients' own.
    assert_problem(
        app.send_as(&assistant, Method::PUT, &path, json!({"fee_minor": 1}))
            .await,
        StatusCode::FORBIDDEN,
    )
    .await;

    let client_path = format!("/api/v1/fees/clients/{}", couple.client);
    assert_problem(
        app.get_as(&assistant, &client_path).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let own = assert_status(
        app.send_as(
            &assistant,
            Method::PUT,
            &client_path,
            json!({"fee_minor": 9000, "kind": "sliding_scale", "note": "Student income"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["fee"], "$90.00");
    assert_eq!(own["kind"], "sliding_scale");
    let problem = assert_problem(
        app.send_as(
            &assistant,
            Method::PUT,
            &client_path,
            json!({"fee_minor": 9000, "kind": "discount"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["kind"]);
    assert_problem(
        app.send_as(
            &couple.clinician,
            Method::PUT,
            &client_path,
            json!({"fee_minor": 1}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let schedule = assert_status(app.get_as(owner, "/api/v1/fees").await, StatusCode::OK).await;
    assert_eq!(schedule["clients"][0]["fee_minor"], 9000);
    assert_eq!(type_row(&schedule, &session)["place_of_service"], "10");

    // What a session costs this couple: their own fee while they have one.
    let db = app.db.connect().await;
    let client: uuid::Uuid = couple.client.parse().unwrap();
    let ty: uuid::Uuid = session.parse().unwrap();
    let fee = attune::billing::fees::fee_for(&db, client, ty)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((fee.minor, fee.from_client), (9000, true));
    let r = app
        .send_as(&assistant, Method::DELETE, &client_path, json!(null))
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let fee = attune::billing::fees::fee_for(&db, client, ty)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((fee.minor, fee.from_client), (17500, false));

    // The currency: one of the known ones, the owner's to choose.
    let problem = assert_problem(
        app.send_as(
            owner,
            Method::PUT,
            "/api/v1/fees/currency",
            json!({"currency": "XYZ"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&problem), ["currency"]);
    let cad = assert_status(
        app.send_as(
            owner,
            Method::PUT,
            "/api/v1/fees/currency",
            json!({"currency": "cad"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cad["currency"], "CAD");
    let schedule = assert_status(app.get_as(owner, "/api/v1/fees").await, StatusCode::OK).await;
    assert_eq!(type_row(&schedule, &session)["fee"], "CA$175.00");
    assert!(app.audit_events(owner, "fee.update").await.len() >= 4);
}

#[tokio::test]
async fn diagnosis_codes_are_for_owners_and_the_couples_own_clinician_and_are_sealed() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let path = format!("/api/v1/clients/{}/diagnoses", couple.client);
    let client = assert_status(
        app.get_as(&couple.owner, &format!("/api/v1/clients/{}", couple.client))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = client["participants"][0]["id"].as_str().unwrap().to_owned();

    let couple_dx = assert_status(
        app.send_as(
            &couple.clinician,
            Method::POST,
            &path,
            json!({"code": "z630", "description": "Relationship distress with spouse or partner"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(couple_dx["code"], "Z63.0");
    assert_eq!(couple_dx["position"], 1);
    assert_eq!(couple_dx["participant_id"], Value::Null);
    let hers = assert_status(
        app.send_as(
            &couple.clinician,
            Method::POST,
            &path,
            json!({"code": "F43.23", "participant_id": jane}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(hers["position"], 2);
    for (body, field) in [
        (json!({"code": "63.0"}), "code"),
        (
            json!({"code": "F43.23", "participant_id": uuid::Uuid::new_v4()}),
            "participant_id",
        ),
        (
            json!({"code": "F43.23", "description": "a\nb"}),
            "description",
        ),
    ] {
        let problem = assert_problem(
            app.send_as(&couple.owner, Method::POST, &path, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(error_fields(&problem), [field]);
    }

    let listed = assert_status(app.get_as(&couple.owner, &path).await, StatusCode::OK).await;
    let codes: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["Z63.0", "F43.23"]);

    // Another clinician and the front desk see nothing, not even that there are any.
    let other = app.create_staff(Role::Clinician).await;
    let other = app.login(&other).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    for caller in [&other, &assistant] {
        assert_problem(app.get_as(caller, &path).await, StatusCode::FORBIDDEN).await;
        assert_problem(
            app.send_as(caller, Method::POST, &path, json!({"code": "Z63.0"}))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    // Sealed at rest, and kept out of the audit log.
    let db = app.db.connect().await;
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT code_sealed FROM client_diagnoses".to_owned(),
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let sealed: String = row.try_get("", "code_sealed").unwrap();
        assert!(!sealed.contains("F43") && !sealed.contains("Z63"));
    }
    let added = app.audit_events(&couple.owner, "diagnosis.add").await;
    assert_eq!(added.len(), 2);
    assert!(!serde_json::to_string(&added).unwrap().contains("F43"));
    assert!(
        !app.audit_events(&couple.owner, "diagnosis.read")
            .await
            .is_empty()
    );

    let id = hers["id"].as_str().unwrap();
    let r = app
        .send_as(
            &couple.clinician,
            Method::DELETE,
            &format!("{path}/{id}"),
            json!(null),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_problem(
        app.send_as(
            &couple.clinician,
            Method::DELETE,
            &format!("{path}/{id}"),
            json!(null),
        )
        .await,
        StatusCode::NOT_FOUND,
    )
    .await;
}
