//! The dashboard over plain HTTP: who may open which page, CSRF on every change, and the
//! therapist's week run from forms (moving, cancelling and closing appointments, sending
//! questionnaires, writing and signing notes, weekly hours, the calendar feed).

use attune::auth::Role;
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{
    Caller, TestApp,
    admin::{html, location},
    assert_status,
    intake::couples_answers,
    scheduling::couple_booking,
};

const TUESDAY_2PM: &str = "2026-12-08T14:00:00Z";

async fn appointment(app: &TestApp, owner: &Caller, id: &str) -> Value {
    assert_status(
        app.get_as(owner, &format!("/api/v1/appointments/{id}"))
            .await,
        StatusCode::OK,
    )
    .await
}

/// Jane submits her intake, afraid of her partner: a safety flag.
async fn jane_submits_with_safety_flag(app: &TestApp) {
    let links = app.intake_links().await;
    app.submit_intake(&links["jane@example.org"], couples_answers(true))
        .await;
}

#[tokio::test]
async fn every_dashboard_page_sends_the_signed_out_to_sign_in_and_changes_nothing() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let (a, c) = (&couple.appointment, &couple.client);
    for path in [
        "/admin".to_owned(),
        format!("/admin/appointments/{a}"),
        "/admin/clients".to_owned(),
        format!("/admin/clients/{c}"),
        format!("/admin/clients/{c}/notes"),
        format!("/admin/clients/{c}/psychotherapy-notes"),
        "/admin/settings".to_owned(),
        "/admin/settings/hours".to_owned(),
        "/admin/settings/calendar".to_owned(),
        "/admin/settings/practice".to_owned(),
        "/admin/settings/practitioners".to_owned(),
        "/admin/settings/types".to_owned(),
        "/admin/settings/emails".to_owned(),
        "/admin/settings/outbox".to_owned(),
        "/admin/settings/staff".to_owned(),
        format!("/admin/clients/{c}/edit"),
        format!("/admin/clients/{c}/plan"),
        format!("/admin/intakes/{a}"),
        "/admin/audit".to_owned(),
    ] {
        let r = app.page(&Caller::Anonymous, &path).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let to = location(&r);
        assert!(
            to.starts_with("/admin/login?next=%2Fadmin"),
            "{path} → {to}"
        );
    }
    let r = app
        .submit_raw(
            &Caller::Anonymous,
            &format!("/admin/appointments/{a}/cancel"),
            &[("csrf_token", "anything")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/login");
    assert_eq!(
        appointment(&app, &couple.owner, a).await["status"],
        "confirmed"
    );
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_changes_nothing() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let path = format!("/admin/appointments/{}/cancel", couple.appointment);
    for fields in [vec![], vec![("csrf_token", "forged")]] {
        let r = app.submit_raw(&couple.owner, &path, &fields).await;
        let page = html(r, StatusCode::FORBIDDEN).await;
        assert!(page.contains("This form has expired"), "{page}");
    }
    // Another session's token is no good either.
    let (_, other) = app.signed_in(Role::Owner).await;
    let Caller::Cookie { csrf, .. } = &other else {
        unreachable!()
    };
    let r = app
        .submit_raw(&couple.owner, &path, &[("csrf_token", csrf)])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        appointment(&app, &couple.owner, &couple.appointment).await["status"],
        "confirmed"
    );
    // The right token works.
    let r = app.submit(&couple.owner, &path, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        appointment(&app, &couple.owner, &couple.appointment).await["status"],
        "cancelled"
    );
}

#[tokio::test]
async fn the_assistant_never_receives_clinical_content() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    jane_submits_with_safety_flag(&app).await;
    let (c, a) = (&couple.client, &couple.appointment);
    // The clinician writes a note after the session.
    clock.advance(Duration::days(2));
    let r = app
        .submit(
            &couple.clinician,
            &format!("/admin/clients/{c}/notes"),
            &[
                ("format", "free"),
                ("title", "Rupture and repair"),
                ("appointment_id", a),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let note = location(&r);
    let r = app
        .submit(
            &couple.clinician,
            &note,
            &[
                ("title", "Rupture and repair"),
                ("content.text", "Stonewalling"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The clinician sees what matters.
    let client_page = html(
        app.page(&couple.clinician, &format!("/admin/clients/{c}"))
            .await,
        StatusCode::OK,
    )
    .await;
    for shown in [
        "Safety",
        "Rupture and repair",
        "Session notes",
        "Treatment plan",
    ] {
        assert!(client_page.contains(shown), "{shown}: {client_page}");
    }
    let appointment_page = html(
        app.page(&couple.clinician, &format!("/admin/appointments/{a}"))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(appointment_page.contains("because of an affair"));

    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let clinical = [
        "affair",
        "Safety",
        "safety",
        "Urgent",
        "Rupture",
        "Stonewalling",
        "Session notes",
        "Treatment plan",
        "psychotherapy",
        "/admin/notes/",
    ];
    for path in [
        "/admin?from=2026-12-07".to_owned(),
        format!("/admin/appointments/{a}"),
        "/admin/clients".to_owned(),
        format!("/admin/clients/{c}"),
        "/admin/settings".to_owned(),
    ] {
        let page = html(app.page(&assistant, &path).await, StatusCode::OK).await;
        for word in clinical {
            assert!(
                !page.contains(word),
                "{path} shows {word:?} to an assistant"
            );
        }
    }
    // The assistant still runs the front desk: the client's contact details and intake status.
    let page = html(
        app.page(&assistant, &format!("/admin/clients/{c}")).await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("jane@example.org") && page.contains("submitted"));
    // Clinical pages are refused outright.
    let note_path = note.clone();
    for path in [
        note_path.clone(),
        format!("{note_path}/sign"),
        format!("/admin/clients/{c}/notes"),
        format!("/admin/clients/{c}/psychotherapy-notes"),
        "/admin/audit".to_owned(),
    ] {
        let page = html(app.page(&assistant, &path).await, StatusCode::FORBIDDEN).await;
        assert!(!page.contains("Stonewalling"), "{path}");
    }
    let r = app
        .submit(&assistant, &format!("{note_path}/sign"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_agenda_shows_the_week_with_what_needs_attention() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let page = html(
        app.page(&couple.owner, "/admin?from=2026-12-07").await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("Intake not submitted"), "{page}");
    assert!(page.contains("Tuesday 8 December 2026"));
    let day = html(
        app.page(&couple.owner, "/admin?from=2026-12-08&view=day")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(day.contains("Jane Doe") && !day.contains("Wednesday 9 December"));
    let other_day = html(
        app.page(&couple.owner, "/admin?from=2026-12-09&view=day")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(other_day.contains("No appointments"));

    jane_submits_with_safety_flag(&app).await;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let owners = html(
        app.page(&couple.owner, "/admin?from=2026-12-07").await,
        StatusCode::OK,
    )
    .await;
    assert!(owners.contains("Safety flag"), "{owners}");
    let assistants = html(
        app.page(&assistant, "/admin?from=2026-12-07").await,
        StatusCode::OK,
    )
    .await;
    assert!(!assistants.contains("Safety flag"));

    // After the session: its note is missing, then a draft, then signed.
    clock.advance(Duration::days(2));
    let week = |who: Caller| {
        let app = &app;
        async move {
            html(
                app.page(&who, "/admin?from=2026-12-07").await,
                StatusCode::OK,
            )
            .await
        }
    };
    assert!(
        week(couple.clinician.clone())
            .await
            .contains("Note not written")
    );
    let r = app
        .submit(
            &couple.clinician,
            &format!("/admin/clients/{}/notes", couple.client),
            &[("format", "dap"), ("appointment_id", &couple.appointment)],
        )
        .await;
    let note = location(&r);
    assert!(
        week(couple.clinician.clone())
            .await
            .contains("Note not signed")
    );
    let r = app
        .submit(
            &couple.clinician,
            &note,
            &[
                ("content.data", "Both attended."),
                ("content.plan", "Weekly."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .submit(&couple.clinician, &format!("{note}/sign"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let settled = week(couple.clinician.clone()).await;
    assert!(!settled.contains("Note not"), "{settled}");
}

#[tokio::test]
async fn an_appointment_is_moved_cancelled_and_closed_from_its_page() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let a = &couple.appointment;
    let here = format!("/admin/appointments/{a}");
    let page = html(app.page(&couple.owner, &here).await, StatusCode::OK).await;
    assert!(page.contains("Tuesday 8 December 2026, 2:00 pm"), "{page}");
    assert!(page.contains(r#"value="2026-12-08T15:00:00+00:00""#));

    // A free time from the list.
    let r = app
        .submit(
            &couple.owner,
            &format!("{here}/reschedule"),
            &[("slot", "2026-12-08T15:00:00+00:00")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{here}?done=rescheduled"));
    let moved = appointment(&app, &couple.owner, a).await;
    assert_eq!(moved["start"], "2026-12-08T15:00:00+00:00");
    let page = html(app.page(&couple.owner, &location(&r)).await, StatusCode::OK).await;
    assert!(page.contains("The appointment is moved"));

    // Outside hours needs saying so; the typed value is kept when it is refused.
    let r = app
        .submit(
            &couple.owner,
            &format!("{here}/reschedule"),
            &[("start_local", "2026-12-08T19:30")],
        )
        .await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains(r#"value="2026-12-08T19:30""#), "{page}");
    assert!(page.contains(r#"id="start_local-error""#), "{page}");
    let r = app
        .submit(
            &couple.owner,
            &format!("{here}/reschedule"),
            &[("start_local", "2026-12-08T19:30"), ("outside_hours", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let moved = appointment(&app, &couple.owner, a).await;
    assert_eq!(moved["start"], "2026-12-08T19:30:00+00:00");
    assert_eq!(moved["outside_hours"], true);

    // Bad input is named beside its field.
    for (fields, field) in [
        (vec![("start_local", "tomorrow")], "start_local"),
        (vec![], "slot"),
        (vec![("slot", "not-a-time")], "slot"),
    ] {
        let r = app
            .submit(&couple.owner, &format!("{here}/reschedule"), &fields)
            .await;
        let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert!(page.contains(&format!(r#"id="{field}-error""#)), "{page}");
    }
    assert_eq!(
        app.submit(&couple.owner, &format!("{here}/unknown"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Completed once it has happened.
    clock.set("2026-12-08T21:00:00Z".parse().unwrap());
    let r = app
        .submit(&couple.owner, &format!("{here}/complete"), &[])
        .await;
    assert_eq!(location(&r), format!("{here}?done=completed"));
    assert_eq!(
        appointment(&app, &couple.owner, a).await["status"],
        "completed"
    );

    // Cancelling another, with a reason kept encrypted.
    let second = app.book_ok(&couple_booking("2026-12-10T14:00:00Z")).await;
    let second = second["id"].as_str().unwrap();
    let r = app
        .submit(
            &couple.owner,
            &format!("/admin/appointments/{second}/cancel"),
            &[("reason", "Illness")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        appointment(&app, &couple.owner, second).await["status"],
        "cancelled"
    );
    // A cancelled appointment cannot be cancelled again: said on the page.
    let r = app
        .submit(
            &couple.owner,
            &format!("/admin/appointments/{second}/cancel"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.audit_events(&couple.owner, "appointment.cancel")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn a_note_is_written_autosaved_signed_and_amended() {
    let (app, clock) = TestApp::at_monday_morning_signed_in_for_weeks().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    clock.advance(Duration::days(2));
    let c = &couple.client;
    let me = &couple.clinician;
    let form = html(
        app.page(
            me,
            &format!(
                "/admin/clients/{c}/notes?appointment={}",
                couple.appointment
            ),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(form.contains(&format!(r#"value="{}" selected"#, couple.appointment)));
    // An unknown format is refused beside its field.
    let r = app
        .submit(
            me,
            &format!("/admin/clients/{c}/notes"),
            &[("format", "poem")],
        )
        .await;
    assert!(
        html(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("must be one of")
    );

    let r = app
        .submit(
            me,
            &format!("/admin/clients/{c}/notes"),
            &[
                ("format", "couples"),
                ("appointment_id", &couple.appointment),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let note = location(&r);
    let editor = html(app.page(me, &note).await, StatusCode::OK).await;
    for label in [
        "Presenting dynamics",
        "Partner 1 view",
        "Risk and safety",
        "data-autosave",
    ] {
        assert!(editor.contains(label), "{label}");
    }
    // Autosave answers with a bare status, and neither opens the note nor logs a read.
    let reads = app.audit_events(&couple.owner, "note.read").await.len();
    let r = app
        .submit(
            me,
            &note,
            &[
                ("title", "Session 1"),
                ("content.homework", "Daily check-in"),
                ("autosave", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.audit_events(&couple.owner, "note.read").await.len(),
        reads
    );
    let editor = html(app.page(me, &note).await, StatusCode::OK).await;
    assert!(editor.contains(">Daily check-in</textarea>"));
    // Too long: refused, and what was typed is still there.
    let long = "x".repeat(50_001);
    let r = app
        .submit(
            me,
            &note,
            &[("title", "Session 1"), ("content.plan", &long)],
        )
        .await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains(r#"id="field-plan-error""#) && page.contains(&long));

    // Save, then the signing step, which says what signing means.
    let r = app
        .submit(
            me,
            &note,
            &[
                ("title", "Session 1"),
                ("content.homework", "Daily check-in"),
                ("then", "sign"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("{note}/sign"));
    let confirm = html(app.page(me, &format!("{note}/sign")).await, StatusCode::OK).await;
    assert!(confirm.contains("can no longer change"), "{confirm}");
    let r = app.submit(me, &format!("{note}/sign"), &[]).await;
    assert_eq!(location(&r), format!("{note}?done=note-signed"));
    let signed = html(app.page(me, &location(&r)).await, StatusCode::OK).await;
    assert!(
        signed.contains("The note is signed and locked")
            && !signed.contains("<textarea id=\"field-")
    );

    // A signed note does not change; an addendum is added instead.
    let r = app
        .submit(
            me,
            &note,
            &[("title", "Changed"), ("content.homework", "Other")],
        )
        .await;
    assert!(
        html(r, StatusCode::CONFLICT)
            .await
            .contains("Add an addendum instead")
    );
    let r = app
        .submit(me, &format!("{note}/addenda"), &[("text", " ")])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .submit(
            me,
            &format!("{note}/addenda"),
            &[("text", "They cancelled the check-in.")],
        )
        .await;
    assert_eq!(location(&r), format!("{note}?done=addendum-added"));
    let page = html(app.page(me, &note).await, StatusCode::OK).await;
    assert!(page.contains("They cancelled the check-in.") && page.contains("Daily check-in"));
    assert!(
        !app.audit_events(&couple.owner, "note.read")
            .await
            .is_empty()
    );
    assert_eq!(app.audit_events(&couple.owner, "note.sign").await.len(), 1);

    // Psychotherapy notes: the author's alone.
    let private = format!("/admin/clients/{c}/psychotherapy-notes");
    let r = app
        .submit(me, &private, &[("text", "My countertransference")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine = html(app.page(me, &private).await, StatusCode::OK).await;
    assert!(mine.contains("My countertransference"));
    let owners = html(app.page(&couple.owner, &private).await, StatusCode::OK).await;
    assert!(!owners.contains("My countertransference") && owners.contains("keep 1 of their own"));
}

#[tokio::test]
async fn a_questionnaire_goes_to_each_partner_from_the_client_page() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let c = &couple.client;
    let (_, assistant) = app.signed_in(Role::Assistant).await;
    let page = html(
        app.page(&assistant, &format!("/admin/clients/{c}")).await,
        StatusCode::OK,
    )
    .await;
    let phq = page
        .split("<option value=\"")
        .find(|s| s.contains(">PHQ-9<"))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = app
        .submit(
            &assistant,
            &format!("/admin/clients/{c}/intakes"),
            &[("questionnaire_id", &phq), ("participant_id", "all")],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/clients/{c}?done=intake-sent"));
    let list = assert_status(
        app.get_as(&couple.owner, &format!("/api/v1/clients/{c}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    let phq_count = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["questionnaire"]["slug"] == "phq-9")
        .count();
    assert_eq!(phq_count, 2);
    // Choosing nothing is named beside the field.
    let r = app
        .submit(
            &assistant,
            &format!("/admin/clients/{c}/intakes"),
            &[("questionnaire_id", ""), ("participant_id", "all")],
        )
        .await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("Choose a questionnaire"), "{page}");

    // The client list finds them by name or email, and by status.
    let found = html(
        app.page(&assistant, "/admin/clients?q=sam%40example").await,
        StatusCode::OK,
    )
    .await;
    assert!(found.contains("Jane Doe &amp; Sam Roe"));
    let none = html(
        app.page(&assistant, "/admin/clients?q=nobody").await,
        StatusCode::OK,
    )
    .await;
    assert!(none.contains("No clients match"));
    let closed = html(
        app.page(&assistant, "/admin/clients?status=closed").await,
        StatusCode::OK,
    )
    .await;
    assert!(!closed.contains("Jane Doe"));
}

#[tokio::test]
async fn weekly_hours_saved_in_the_dashboard_are_what_booking_offers() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let before = app
        .slots("free-consultation", "2026-12-09", "2026-12-09", None)
        .await;
    assert!(
        before
            .iter()
            .any(|s| s["start"].as_str().unwrap().starts_with("2026-12-09T09:00"))
    );
    let page = html(
        app.page(&owner, "/admin/settings/hours").await,
        StatusCode::OK,
    )
    .await;
    let practitioner = page
        .split(r#"name="practitioner" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // Wednesday (the third day) only in the evening; every other day closed.
    let r = app
        .submit(
            &owner,
            "/admin/settings/hours",
            &[
                ("practitioner", &practitioner),
                ("d2_w0_start", "18:00"),
                ("d2_w0_end", "20:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = html(app.page(&owner, &location(&r)).await, StatusCode::OK).await;
    assert!(
        page.contains("Weekly hours saved") && page.contains("18:00–20:00"),
        "{page}"
    );
    let after = app
        .slots("free-consultation", "2026-12-08", "2026-12-10", None)
        .await;
    assert!(!after.is_empty());
    assert!(
        after.iter().all(|s| {
            let start = s["start"].as_str().unwrap();
            start.starts_with("2026-12-09T18") || start.starts_with("2026-12-09T19")
        }),
        "{after:?}"
    );

    // Mistakes are named, and the rest of what was typed stays.
    let r = app
        .submit(
            &owner,
            "/admin/settings/hours",
            &[
                ("practitioner", &practitioner),
                ("d0_w0_start", "17:00"),
                ("d0_w0_end", "09:00"),
                ("d1_w0_start", "10:00"),
                ("d4_w0_start", "08:15"),
                ("d4_w0_end", "12:00"),
            ],
        )
        .await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains("The start must be before the end"));
    assert!(page.contains("Give both a start and an end"));
    assert!(page.contains(r#"name="d4_w0_start" type="time" step="900" value="08:15""#));
    assert_eq!(
        app.slots("free-consultation", "2026-12-08", "2026-12-10", None)
            .await,
        after
    );

    // A form that names no practitioner of the practice changes nobody's hours.
    for who in ["", "nobody", "00000000-0000-0000-0000-000000000000"] {
        let r = app
            .submit(
                &owner,
                "/admin/settings/hours",
                &[
                    ("practitioner", who),
                    ("d0_w0_start", "07:00"),
                    ("d0_w0_end", "22:00"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{who:?}");
    }
    assert_eq!(
        app.slots("free-consultation", "2026-12-08", "2026-12-10", None)
            .await,
        after
    );
}

#[tokio::test]
async fn the_calendar_feed_address_is_made_shown_once_and_stopped() {
    let (app, _) = TestApp::at_monday_morning().await;
    let (_, owner) = app.signed_in(Role::Owner).await;
    let page = html(
        app.page(&owner, "/admin/settings/calendar").await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("Create the calendar address") && page.contains("Google Calendar"));
    let practitioner = page
        .split(r#"name="practitioner" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = app
        .submit(
            &owner,
            "/admin/settings/calendar/create",
            &[("practitioner", &practitioner), ("detail", "minimal")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let fresh = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(fresh.contains("HttpOnly") && fresh.contains("Path=/admin/settings/calendar"));
    let fresh = fresh.split(';').next().unwrap().to_owned();
    let Caller::Cookie { token, .. } = &owner else {
        unreachable!()
    };
    let shown = app
        .client
        .get(app.url(&location(&r)))
        .header("cookie", format!("attune_session={token}; {fresh}"))
        .send()
        .await
        .unwrap();
    assert!(
        shown.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let shown = html(shown, StatusCode::OK).await;
    let webcal = shown
        .split(r#"id="webcal" type="text" readonly value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    assert!(webcal.starts_with("webcal://"), "{webcal}");
    assert!(shown.contains(r#"data-copy="webcal""#));
    let feed_path = format!("/calendar/{}", webcal.rsplit("/calendar/").next().unwrap());
    let feed = app.get(&feed_path).await;
    assert_eq!(feed.status(), StatusCode::OK);
    assert!(feed.text().await.unwrap().starts_with("BEGIN:VCALENDAR"));
    // Once seen, it is not shown again.
    let again = html(
        app.page(&owner, "/admin/settings/calendar").await,
        StatusCode::OK,
    )
    .await;
    assert!(!again.contains(webcal.as_str()) && again.contains("Stop the feed"));

    let r = app
        .submit(
            &owner,
            "/admin/settings/calendar/revoke",
            &[("practitioner", &practitioner)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get(&feed_path).await.status(), StatusCode::NOT_FOUND);
    // Nor does a form that names nobody fall back to someone's feed.
    let r = app
        .submit(
            &owner,
            "/admin/settings/calendar/create",
            &[("practitioner", ""), ("detail", "minimal")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(
        app.page(&owner, "/admin/settings/calendar").await,
        StatusCode::OK,
    )
    .await;
    assert!(page.contains("Create the calendar address"));

    // A clinician manages only their own; full names are the owner's to choose.
    let (_, clinician) = app.signed_in(Role::Clinician).await;
    let r = app
        .submit(
            &clinician,
            "/admin/settings/calendar/create",
            &[("practitioner", &practitioner), ("detail", "minimal")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_audit_log_is_the_owners_with_filters() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let all = html(
        app.page(&couple.owner, "/admin/audit").await,
        StatusCode::OK,
    )
    .await;
    assert!(
        all.contains("auth.login") && all.contains("booking.create"),
        "{all}"
    );
    let only = html(
        app.page(&couple.owner, "/admin/audit?action=booking.create")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        only.contains("<code>booking.create</code>") && !only.contains("<code>auth.login</code>")
    );
    let none = html(
        app.page(&couple.owner, "/admin/audit?from=2030-01-01")
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(none.contains("No events match"));
    assert_eq!(
        app.page(&couple.clinician, "/admin/audit").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_next_session_is_booked_from_the_couples_record() {
    let (app, _) = TestApp::at_monday_morning().await;
    let couple = app.couple_in_care(TUESDAY_2PM).await;
    let c = &couple.client;
    let page = html(
        app.page(&couple.owner, &format!("/admin/clients/{c}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let session_type = page
        .split("<option value=\"")
        .find(|s| s.contains(">Couples session ("))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let practitioner = page
        .split(r#"<select id="practitioner_id" name="practitioner_id">"#)
        .nth(1)
        .and_then(|s| s.split("<option value=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let book = |start: &'static str, outside: bool| {
        let (app, owner, c, t, p) = (
            &app,
            &couple.owner,
            c.clone(),
            session_type.clone(),
            practitioner.clone(),
        );
        async move {
            let mut fields = vec![
                ("appointment_type_id", t.as_str()),
                ("practitioner_id", p.as_str()),
                ("start_local", start),
            ];
            if outside {
                fields.push(("outside_hours", "1"));
            }
            app.submit(owner, &format!("/admin/clients/{c}/appointments"), &fields)
                .await
        }
    };
    let r = book("2026-12-15T10:00", false).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(
        to.starts_with("/admin/appointments/") && to.ends_with("?done=booked"),
        "{to}"
    );
    let shown = html(app.page(&couple.owner, &to).await, StatusCode::OK).await;
    assert!(
        shown.contains("Tuesday 15 December 2026, 10:00 am") && shown.contains("Couples session")
    );

    // Over the session just booked: refused, said beside the time, what was typed kept.
    let r = book("2026-12-15T10:30", false).await;
    let page = html(r, StatusCode::CONFLICT).await;
    assert!(page.contains(r#"value="2026-12-15T10:30""#), "{page}");
    // Evening needs "outside hours".
    let r = book("2026-12-15T19:00", false).await;
    let page = html(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(page.contains(r#"id="start_local-error""#), "{page}");
    assert_eq!(
        book("2026-12-15T19:00", true).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = book("", false).await;
    assert!(
        html(r, StatusCode::UNPROCESSABLE_ENTITY)
            .await
            .contains("Give the date and time")
    );
    let list = assert_status(
        app.get_as(
            &couple.owner,
            &format!("/api/v1/appointments?client_id={c}"),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().unwrap().len(), 3);
}
