//! Measurement-based care: a couple's measure schedule, the measures it sends before a
//! session, each partner's series with reliable change marked, and the CSV export.

use attune::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::common::{Caller, TestApp, assert_problem, assert_status, error_fields};

/// CSI-16 answers adding up to `total` (item 1 runs 0–6, the rest 0–5).
fn csi16(total: i64) -> Value {
    let mut left = total;
    let mut answers = Map::new();
    for i in 1..=16 {
        let v = left.min(if i == 1 { 6 } else { 5 });
        left -= v;
        answers.insert(format!("csi{i}"), json!(v));
    }
    assert_eq!(left, 0);
    Value::Object(answers)
}

/// Hands CSI-16 to `participant` and submits `total` through the link, an hour later.
async fn respond(
    app: &TestApp,
    clock: &attune::clock::Clock,
    clinician: &Caller,
    client: &str,
    participant: &str,
    csi: &str,
    total: i64,
) {
    let given = app
        .assign_intake_with_link(clinician, client, participant, csi)
        .await;
    let link = given["url"].as_str().expect("a link to hand out");
    let path = link[link.find("/intake/").unwrap()..].to_owned();
    clock.advance(chrono::TimeDelta::hours(1));
    app.submit_intake(&path, csi16(total)).await;
}

#[tokio::test]
async fn a_schedule_sends_before_sessions_and_each_partners_series_marks_reliable_change() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let client = couple.client.clone();
    let clinician = &couple.clinician;
    let record = assert_status(
        app.get_as(clinician, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let jane = record["participants"][0]["id"].as_str().unwrap().to_owned();
    let sam = record["participants"][1]["id"].as_str().unwrap().to_owned();
    let schedule = format!("/api/v1/clients/{client}/measure-schedule");

    // A schedule is checked whole, each mistake named.
    let problem = assert_problem(
        app.send_as(
            clinician,
            Method::PUT,
            &schedule,
            json!({"items": [
                {"questionnaire": "mood-ring", "cadence": "every_session"},
                {"questionnaire": "phq-9", "cadence": "every_n_sessions"},
                {"questionnaire": "gad-7", "cadence": "every_session",
                 "participant_id": uuid::Uuid::new_v4()},
            ]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        [
            "items[0].questionnaire",
            "items[1].every",
            "items[2].participant_id"
        ]
    );
    let saved = assert_status(
        app.send_as(
            clinician,
            Method::PUT,
            &schedule,
            json!({"items": [
                {"questionnaire": "csi-16", "cadence": "every_session"},
                {"questionnaire": "phq-9", "participant_id": jane,
                 "cadence": "every_n_sessions", "every": 2},
                {"questionnaire": "session-check-in", "cadence": "every_session"},
            ]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["items"].as_array().unwrap().len(), 3);
    let read = assert_status(app.get_as(clinician, &schedule).await, StatusCode::OK).await;
    assert_eq!(read, saved);
    let (_, desk) = app.signed_in(Role::Assistant).await;
    assert_problem(app.get_as(&desk, &schedule).await, StatusCode::FORBIDDEN).await;
    assert_eq!(
        app.audit_events(&couple.owner, "measure_schedule.update")
            .await
            .len(),
        1
    );

    // Two days before the next session its measures go out, each once.
    let session = app.type_id(&couple.owner, "couples-session").await;
    assert_status(
        app.send_as(
            &couple.owner,
            Method::POST,
            "/api/v1/appointments",
            json!({"client_id": client, "appointment_type_id": session,
                   "practitioner_id": app.first_practitioner_id().await,
                   "start": "2026-12-10T15:00:00Z"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let pass = || async {
        attune::housekeeping::run_once(&app.state)
            .await
            .unwrap()
            .measures_sent
    };
    // The consultation tomorrow: CSI-16 and the check-in to each, PHQ-9 to Jane (no session
    // held yet: 0 of every 2).
    assert_eq!(pass().await, 5);
    assert_eq!(pass().await, 0, "once per session");
    clock.set("2026-12-08T16:00:00Z".parse().unwrap());
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_status(
        app.post_empty_as(
            &owner,
            &format!("/api/v1/appointments/{}/complete", couple.appointment),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // Thursday's session: one held, so PHQ-9 waits for the next.
    assert_eq!(pass().await, 4);
    assert_eq!(pass().await, 0);
    app.dispatch_pending_emails().await;
    let links = app.intake_links().await;
    assert!(links.contains_key("jane@example.org") && links.contains_key("sam@example.org"));

    // Jane grows more satisfied, Sam less: three responses each.
    let clinician = app.login(&couple.clinician_account).await;
    let csi = app.questionnaire_id(&clinician, "csi-16").await;
    assert_status(
        app.put_plan(&clinician, &client, json!({"template": "affair-recovery"}))
            .await,
        StatusCode::OK,
    )
    .await;
    for (i, (jane_total, sam_total)) in [(40, 50), (44, 45), (50, 41)].into_iter().enumerate() {
        respond(&app, &clock, &clinician, &client, &jane, &csi, jane_total).await;
        respond(&app, &clock, &clinician, &client, &sam, &csi, sam_total).await;
        if i == 0 {
            clock.advance(chrono::TimeDelta::hours(1));
            assert_status(
                app.send_as(
                    &clinician,
                    Method::POST,
                    &format!("/api/v1/clients/{client}/treatment-plan/phase"),
                    json!({"phase": "Attune"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
        }
    }
    let clinician = app.login(&couple.clinician_account).await;
    let series = assert_status(
        app.get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/measures?questionnaire=csi-16"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(series["cutoff"], 51.5);
    assert_eq!(series["reliable_change"], 8);
    assert_eq!(series["higher_is_better"], true);
    assert!(series["source"].as_str().unwrap().contains("Funk & Rogge"));
    let partners = series["partners"].as_array().unwrap();
    assert_eq!(partners[0]["name"], "Jane Doe");
    let points = |p: &Value, key: &str| -> Vec<Value> {
        p["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[key].clone())
            .collect()
    };
    assert_eq!(
        points(&partners[0], "score"),
        [json!(40), json!(44), json!(50)]
    );
    assert_eq!(
        points(&partners[0], "change"),
        [json!(0), json!(4), json!(10)]
    );
    assert_eq!(
        points(&partners[0], "reliable_change"),
        [Value::Null, Value::Null, json!("reliable_improvement")]
    );
    assert_eq!(
        points(&partners[1], "score"),
        [json!(50), json!(45), json!(41)]
    );
    assert_eq!(
        points(&partners[1], "reliable_change"),
        [Value::Null, Value::Null, json!("reliable_deterioration")]
    );
    assert_eq!(
        points(&partners[1], "clinical_range"),
        [json!(true), json!(true), json!(true)]
    );
    assert_eq!(
        points(&partners[0], "band")[2],
        json!("relationship distress")
    );

    // A measure that is not one, and people who may not see scores.
    let bad = assert_problem(
        app.get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/measures?questionnaire=couples-intake"),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(error_fields(&bad), ["questionnaire"]);
    let (_, desk) = app.signed_in(Role::Assistant).await;
    let (_, other) = app.signed_in(Role::Clinician).await;
    for who in [&desk, &other] {
        assert_problem(
            app.get_as(
                who,
                &format!("/api/v1/clients/{client}/measures?questionnaire=csi-16"),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert_problem(
            app.get_as(who, &format!("/api/v1/clients/{client}/measures.csv"))
                .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }

    // The export says the same, row by row.
    let r = app
        .get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/measures.csv"),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text().await.unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], attune::measures::export::HEADER);
    let csi_rows: Vec<&str> = rows
        .iter()
        .copied()
        .filter(|r| r.starts_with("csi-16,"))
        .collect();
    assert_eq!(csi_rows.len(), 6);
    let last_jane = csi_rows.iter().rfind(|r| r.contains(&jane)).unwrap();
    assert!(
        last_jane.ends_with(",50,relationship distress,10,reliable_improvement,true"),
        "{last_jane}"
    );
    assert!(last_jane.contains(",Jane Doe,"));
    let last_sam = csi_rows.iter().rfind(|r| r.contains(&sam)).unwrap();
    assert!(last_sam.ends_with(",41,relationship distress,-9,reliable_deterioration,true"));
    assert_eq!(app.audit_events(&owner, "measures.read").await.len(), 2);

    // The chart, read back as XML: both lines, the cut-off, the marks, the phases.
    let page = crate::common::admin::html(
        app.page(&clinician, &format!("/admin/clients/{client}/measures"))
            .await,
        StatusCode::OK,
    )
    .await;
    let at = page
        .find(r#"data-measure="csi-16""#)
        .expect("the CSI-16 chart");
    let start = page[..at].rfind("<svg").unwrap();
    let end = at + page[at..].find("</svg>").unwrap() + "</svg>".len();
    let svg = &page[start..end];
    let doc = roxmltree::Document::parse(svg).expect("the chart is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.attribute("role"), Some("img"));
    let text_of = |tag: &str| {
        root.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(text_of("title").contains("Couples Satisfaction Index, 16 items"));
    let desc = text_of("desc");
    assert!(
        desc.contains("Jane Doe: 3 responses, from 40 to 50"),
        "{desc}"
    );
    assert!(desc.contains("cut-off 51.5"));
    let with_class = |class: &str| -> Vec<roxmltree::Node> {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .collect()
    };
    assert_eq!(
        with_class("cutoff")[0].attribute("data-value"),
        Some("51.5")
    );
    let partners = with_class("partner");
    assert_eq!(partners.len(), 2);
    assert_eq!(partners[0].attribute("data-name"), Some("Jane Doe"));
    let scores = |g: &roxmltree::Node| -> Vec<String> {
        g.descendants()
            .filter(|n| n.attribute("class") == Some("point"))
            .map(|n| n.attribute("data-score").unwrap().to_owned())
            .collect()
    };
    assert_eq!(scores(&partners[0]), ["40", "44", "50"]);
    assert_eq!(scores(&partners[1]), ["50", "45", "41"]);
    let marks: Vec<(String, String)> = with_class("mark")
        .iter()
        .map(|n| {
            (
                n.attribute("data-participant").unwrap().to_owned(),
                n.attribute("data-mark").unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        marks,
        [
            (jane.clone(), "reliable_improvement".to_owned()),
            (sam.clone(), "reliable_deterioration".to_owned())
        ]
    );
    let phases: Vec<&str> = with_class("phase")
        .iter()
        .map(|n| n.attribute("data-phase").unwrap())
        .collect();
    assert_eq!(phases, ["Atone", "Attune"]);
    // The same numbers in the table, and the alert.
    assert_eq!(page.matches("<td>Sam Roe</td>").count(), 3);
    assert!(
        page.contains(r#"data-alert="reliable_deterioration""#),
        "{page}"
    );
    assert!(page.contains("Sam Roe: reliable deterioration on CSI-16"));

    // The record and the agenda say so too, to those who treat the couple alone.
    let record = crate::common::admin::html(
        app.page(&clinician, &format!("/admin/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(record.contains("Sam Roe: reliable deterioration on CSI-16"));
    let agenda = crate::common::admin::html(
        app.page(&clinician, "/admin?from=2026-12-07&view=week")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(agenda.contains("1 measure alert"), "{agenda}");
    let (_, desk) = app.signed_in(Role::Assistant).await;
    for path in [
        format!("/admin/clients/{client}"),
        "/admin?from=2026-12-07&view=week".to_owned(),
    ] {
        let page = crate::common::admin::html(app.page(&desk, &path).await, StatusCode::OK).await;
        assert!(!page.contains("measure alert") && !page.contains("reliable deterioration"));
    }
    app.dispatch_pending_emails().await;
}

/// The newest intake link in the outbox for each recipient.
async fn newest_links(app: &TestApp) -> std::collections::HashMap<String, String> {
    let (_, owner) = app.signed_in(Role::Owner).await;
    let list = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=intake_invitation&limit=200")
            .await,
        StatusCode::OK,
    )
    .await;
    let mut links = std::collections::HashMap::new();
    // Newest first: the first seen for an address is its latest.
    for e in list["items"].as_array().unwrap() {
        let to = e["recipient"].as_str().unwrap().to_owned();
        if links.contains_key(&to) {
            continue;
        }
        let id = e["id"].as_str().unwrap();
        let body = assert_status(
            app.get_as(&owner, &format!("/api/v1/emails/{id}")).await,
            StatusCode::OK,
        )
        .await;
        let text = body["text"].as_str().unwrap();
        let token = text
            .split("/intake/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_owned();
        links.insert(to, format!("/intake/{token}"));
    }
    links
}

#[tokio::test]
async fn eight_weekly_sessions_send_chart_and_export_what_each_partner_answered() {
    let (app, clock) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care("2026-12-08T14:00:00Z").await;
    let client = couple.client.clone();
    clock.set("2026-12-09T09:00:00Z".parse().unwrap());
    let clinician = app.login(&couple.clinician_account).await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    assert_status(
        app.send_as(
            &clinician,
            Method::PUT,
            &format!("/api/v1/clients/{client}/measure-schedule"),
            json!({"items": [{"questionnaire": "csi-16", "cadence": "every_session"}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let session = app.type_id(&owner, "couples-session").await;
    let series = assert_status(
        app.send_as(
            &owner,
            Method::POST,
            "/api/v1/appointments/series",
            json!({"client_id": client, "appointment_type_id": session,
                   "practitioner_id": app.first_practitioner_id().await,
                   "first_start": "2026-12-15T15:00:00Z", "tz": "UTC",
                   "every_weeks": 1, "count": 8}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let sessions: Vec<String> = series["occurrences"]
        .as_array()
        .expect("the series' sessions")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(sessions.len(), 8);
    app.dispatch_pending_emails().await;
    let jane_scores: [i32; 8] = [38, 41, 44, 47, 50, 54, 57, 60];
    let sam_scores: [i32; 8] = [50, 49, 47, 45, 44, 42, 41, 40];
    let first: chrono::DateTime<chrono::Utc> = "2026-12-15T15:00:00Z".parse().unwrap();
    for week in 0..8 {
        let start = first + chrono::TimeDelta::weeks(week as i64);
        clock.set(start - chrono::TimeDelta::days(1));
        let sent = attune::housekeeping::run_once(&app.state)
            .await
            .unwrap()
            .measures_sent;
        assert_eq!(sent, 2, "week {week}: one to each partner");
        assert_eq!(
            attune::housekeeping::run_once(&app.state)
                .await
                .unwrap()
                .measures_sent,
            0
        );
        app.dispatch_pending_emails().await;
        let links = newest_links(&app).await;
        app.submit_intake(&links["jane@example.org"], csi16(jane_scores[week].into()))
            .await;
        app.submit_intake(&links["sam@example.org"], csi16(sam_scores[week].into()))
            .await;
        clock.set(start + chrono::TimeDelta::hours(1));
        let (_, owner) = app.signed_in(Role::Owner).await;
        assert_status(
            app.post_empty_as(
                &owner,
                &format!("/api/v1/appointments/{}/complete", sessions[week]),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        app.dispatch_pending_emails().await;
    }

    let clinician = app.login(&couple.clinician_account).await;
    let got = assert_status(
        app.get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/measures?questionnaire=csi-16"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let measure = attune::measures::catalogue::find("csi-16").unwrap();
    let mut expected_marks = 0;
    for (partner, scores) in got["partners"]
        .as_array()
        .unwrap()
        .iter()
        .zip([jane_scores, sam_scores])
    {
        let points = partner["points"].as_array().unwrap();
        assert_eq!(points.len(), 8);
        for (p, s) in points.iter().zip(scores) {
            assert_eq!(p["score"], s);
            let mark = measure.change(scores[0], s).as_str();
            assert_eq!(
                p["reliable_change"].as_str(),
                mark,
                "{s} from {}",
                scores[0]
            );
            expected_marks += usize::from(mark.is_some());
        }
    }

    // The chart: eight points a partner, one mark for each reliable change, the alerts.
    let page = crate::common::admin::html(
        app.page(&clinician, &format!("/admin/clients/{client}/measures"))
            .await,
        StatusCode::OK,
    )
    .await;
    let at = page.find(r#"data-measure="csi-16""#).unwrap();
    let start = page[..at].rfind("<svg").unwrap();
    let end = at + page[at..].find("</svg>").unwrap() + "</svg>".len();
    let doc = roxmltree::Document::parse(&page[start..end]).unwrap();
    let count = |class: &str| {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(count("point"), 16);
    assert_eq!(count("mark"), expected_marks);
    assert_eq!(count("phase"), 0, "no plan, no phases");
    assert!(page.contains(r#"data-alert="reliable_deterioration""#));
    assert!(
        page.contains("Partners 20 points apart on CSI-16"),
        "60 against 40: moving apart"
    );

    // The export: sixteen rows, each score where the series has it.
    let csv = app
        .get_as(
            &clinician,
            &format!("/api/v1/clients/{client}/measures.csv"),
        )
        .await
        .text()
        .await
        .unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|r| r.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 16);
    let mut jane_csv: Vec<i32> = rows
        .iter()
        .filter(|r| r[2] == "Jane Doe")
        .map(|r| r[4].parse().unwrap())
        .collect();
    jane_csv.sort_unstable();
    assert_eq!(jane_csv, jane_scores);
}
