//! Every operation of the JSON API (from its OpenAPI document) and every dashboard route (from
//! its route table) has a policy decision here, and every one that touches a client is run as
//! an owner, the couple's own clinician, another clinician and an assistant, on a couple whose
//! every clinical field carries a unique marker. A route added without a decision fails the
//! first test; a decision the code does not keep fails the second.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{
    Caller, TestApp, assert_status, intake::couples_answers, scheduling::couple_booking,
};

const MARKER: &str = "ZQX-marker-7731";
/// What a private link looks like in a body: a manage link or an intake link.
const LINKS: [&str; 2] = ["/booking/atm_", "/intake/ati_"];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Owner,
    Treating,
    Other,
    Assistant,
}

const EVERYONE: &[Who] = &[Who::Owner, Who::Treating, Who::Other, Who::Assistant];
const TREAT: &[Who] = &[Who::Owner, Who::Treating];
const OUTBOX: &[Who] = &[Who::Owner, Who::Assistant];

/// The decision for one operation.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// Reaches no client's record (practice settings, staff, one's own account, public pages
    /// whose secret is the client's own): the roles test covers who may.
    NoClient,
    /// Touches a client: `may` get past the policy (anything but 401/403), the rest get 403;
    /// the markers appear only in bodies of `sees`.
    Client {
        may: &'static [Who],
        sees: &'static [Who],
    },
}

const CLINICAL: Rule = Rule::Client {
    may: TREAT,
    sees: TREAT,
};
const CONTACT: Rule = Rule::Client {
    may: EVERYONE,
    sees: TREAT,
};

/// The JSON API's decisions, by operation id.
fn api_rule(operation: &str) -> Option<Rule> {
    Some(match operation {
        // Clinical content: owners and the couple's clinician.
        "listDiagnoses"
        | "getMeasureSchedule"
        | "setMeasureSchedule"
        | "getMeasures"
        | "exportMeasures"
        | "getSuperbill"
        | "getGoodFaithEstimatePdf"
        | "addDiagnosis"
        | "removeDiagnosis"
        | "listNotes"
        | "createNote"
        | "getNote"
        | "updateNote"
        | "signNote"
        | "addNoteAddendum"
        | "deleteNote"
        | "getIntake"
        | "exportIntake"
        | "getTreatmentPlan"
        | "saveTreatmentPlan"
        | "moveTreatmentPhase"
        | "getTreatmentProgress"
        | "exportClientRecord" => CLINICAL,
        // A partner's private link, asked for by hand.
        "assignIntake" => CLINICAL,
        // Psychotherapy notes are their author's alone.
        "createPsychotherapyNote" | "listPsychotherapyNotes" => Rule::Client {
            may: TREAT,
            sees: &[Who::Treating],
        },
        // The couple's record without its clinical content, for everyone at the practice.
        "getClientTimeline"
        | "listClientIntakes"
        | "getAppointment"
        | "listAppointments"
        | "getClient"
        | "listClients"
        | "updateClient"
        | "addParticipant"
        | "updateParticipant"
        | "createAppointment"
        | "createSeries"
        | "getSeries"
        | "assignConsent"
        | "listClientConsents"
        | "getClientConsent"
        | "getClientConsentPdf"
        | "rescheduleAppointment"
        | "cancelAppointment"
        | "completeAppointment"
        | "markNoShow" => CONTACT,
        // Who treats a couple already in care: owners alone.
        "setClientPractitioner" => Rule::Client {
            may: &[Who::Owner],
            sees: TREAT,
        },
        // The outbox: the front desk and owners; the bodies, owners.
        "listEmails" | "retryEmail" | "cancelEmail" => Rule::Client {
            may: OUTBOX,
            sees: TREAT,
        },
        "getEmail" => Rule::Client {
            may: OUTBOX,
            sees: &[Who::Owner],
        },
        // A client's own fee: anyone reads it; the front desk and owners set it.
        "getClientFee" => Rule::Client {
            may: EVERYONE,
            sees: &[],
        },
        "setClientFee"
        | "setPayerDetails"
        | "clearClientFee"
        | "setBillingSplit"
        | "createInvoices"
        | "getStatement"
        | "listInvoices"
        | "getInvoice"
        | "deleteInvoice"
        | "issueInvoice"
        | "voidInvoice"
        | "listPayments"
        | "recordPayment"
        | "setSelfPay"
        | "listPendingFees"
        | "confirmPendingFee"
        | "waivePendingFee"
        | "listGoodFaithEstimates"
        | "requestGoodFaithEstimate" => Rule::Client {
            may: OUTBOX,
            sees: &[],
        },
        "listAuditEvents" => Rule::Client {
            may: &[Who::Owner],
            sees: &[],
        },
        "getFees"
        | "getBillingPolicy"
        | "setBillingPolicy"
        | "getBillingProvider"
        | "setBillingProvider"
        | "setCurrency"
        | "setTypeFee"
        | "listAppointmentTypes"
        | "createAppointmentType"
        | "getAppointmentType"
        | "updateAppointmentType"
        | "login"
        | "logout"
        | "getMe"
        | "changePassword"
        | "createToken"
        | "listTokens"
        | "revokeToken"
        | "listPublicAppointmentTypes"
        | "listSlots"
        | "createBooking"
        | "getBooking"
        | "getBookingCalendarFile"
        | "cancelBooking"
        | "rescheduleBooking"
        | "issueCalendarFeed"
        | "getCalendarFeed"
        | "updateCalendarFeed"
        | "revokeCalendarFeed"
        | "addBusyCalendar"
        | "listBusyCalendars"
        | "getBusyCalendar"
        | "refreshBusyCalendar"
        | "deleteBusyCalendar"
        | "createClient"
        | "listEmailTemplates"
        | "previewEmailTemplate"
        | "getIntakeForm"
        | "saveIntakeDraft"
        | "submitIntake"
        | "listTreatmentPlanTemplates"
        | "getPublicPractice"
        | "getPractice"
        | "updatePractice"
        | "listPractitioners"
        | "createPractitioner"
        | "getPractitioner"
        | "updatePractitioner"
        | "getAvailability"
        | "replaceAvailability"
        | "addAvailability"
        | "deleteAvailability"
        | "listOverrides"
        | "setOverride"
        | "deleteOverride"
        | "listTimeOff"
        | "addTimeOff"
        | "deleteTimeOff"
        | "listConsentDocuments"
        | "createConsentDocument"
        | "getConsentDocument"
        | "setConsentRequirements"
        | "addConsentVersion"
        | "listQuestionnaires"
        | "createQuestionnaire"
        | "getQuestionnaire"
        | "reviseQuestionnaire"
        | "listStaff"
        | "createStaff"
        | "getStaff"
        | "updateStaff" => Rule::NoClient,
        _ => return None,
    })
}

/// The dashboard's decisions, by route and method.
fn page_rule(path: &str, method: &str) -> Option<Rule> {
    Some(match (path, method) {
        ("/admin/clients/:id/plan", _)
        | ("/admin/intakes/:id", _)
        | ("/admin/clients/:id/notes", _)
        | ("/admin/notes/:id", _)
        | ("/admin/notes/:id/sign", _)
        | ("/admin/notes/:id/addenda", _) => CLINICAL,
        ("/admin/clients/:id/superbill.pdf", _)
        | ("/admin/clients/:id/diagnoses", _)
        | ("/admin/clients/:id/measures", _)
        | ("/admin/clients/:id/diagnoses/:diagnosis/remove", _)
        | ("/admin/clients/:id/estimates/:estimate/pdf", _) => CLINICAL,
        ("/admin/billing", _)
        | ("/admin/billing/fees/:id/:action", _)
        | ("/admin/invoices/:id", _)
        | ("/admin/invoices/:id/:action", _)
        | ("/admin/clients/:id/billing", _)
        | ("/admin/clients/:id/billing/:action", _) => Rule::Client {
            may: OUTBOX,
            sees: &[],
        },
        ("/admin/clients/:id/psychotherapy-notes", _) => Rule::Client {
            may: TREAT,
            sees: &[Who::Treating],
        },
        ("/admin", _)
        | ("/admin/appointments/:id", _)
        | ("/admin/appointments/:id/:action", _)
        | ("/admin/clients", _)
        | ("/admin/clients/:id", _)
        | ("/admin/clients/:id/edit", _)
        | ("/admin/clients/:id/appointments", _)
        | ("/admin/clients/:id/series", _)
        | ("/admin/clients/:id/consents", _)
        | ("/admin/clients/:id/consents/:request/copy.pdf", _)
        | ("/admin/series/:id", _)
        | ("/admin/clients/:id/intakes", _) => CONTACT,
        ("/admin/settings/outbox", _) | ("/admin/settings/outbox/:id/:action", _) => Rule::Client {
            may: OUTBOX,
            sees: &[],
        },
        ("/admin/audit", _) => Rule::Client {
            may: &[Who::Owner],
            sees: &[],
        },
        (p, _) if p.starts_with("/admin/settings") || p == "/admin/logout" => Rule::NoClient,
        _ => return None,
    })
}

fn api_operations(doc: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op["operationId"].as_str() {
                out.push((id.to_owned(), method.to_uppercase(), path.clone()));
            }
        }
    }
    out
}

fn page_routes() -> Vec<(&'static str, String)> {
    attune::http::pages::admin::routes()
        .into_iter()
        .flat_map(|(path, _, allow)| {
            allow
                .split(", ")
                .filter(|m| *m != "HEAD")
                .map(move |m| (path, m.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn every_api_operation_and_dashboard_route_has_a_policy_decision() {
    let app = crate::common::spawn_app().await;
    let doc = app.get_json("/api/openapi.json", StatusCode::OK).await;
    let missing: Vec<String> = api_operations(&doc)
        .into_iter()
        .filter(|(id, _, _)| api_rule(id).is_none())
        .map(|(id, method, path)| format!("{id} ({method} {path})"))
        .chain(
            page_routes()
                .into_iter()
                .filter(|(path, method)| page_rule(path, method).is_none())
                .map(|(path, method)| format!("{method} {path}")),
        )
        .collect();
    assert!(
        missing.is_empty(),
        "no policy decision in tests/api/access_matrix.rs for: {missing:#?}"
    );
}

/// The couple, their record filled with markers, and the four callers.
struct Seed {
    client: String,
    participant: String,
    appointment: String,
    intake: String,
    note: String,
    email: String,
    practitioner: String,
    callers: Vec<(Who, Caller)>,
}

async fn seed(app: &TestApp) -> Seed {
    let mut booking = couple_booking("2026-12-08T15:00:00Z");
    booking["message"] = json!(format!("Booking {MARKER}"));
    let booked = app.book_ok(&booking).await;
    let link = app.intake_links().await["jane@example.org"].clone();
    let mut answers = couples_answers(true);
    answers["brings_you"] = json!(format!("Intake {MARKER}"));
    app.submit_intake(&link, answers).await;
    let couple = app.couple_in_care_of(&booked).await;
    let owner = couple.owner.clone();
    let clinician = couple.clinician.clone();
    let post = |caller: &Caller, path: String, body: Value| {
        let (app, caller) = (app, caller.clone());
        async move {
            assert_status(
                app.send_as(&caller, Method::POST, &path, body).await,
                StatusCode::CREATED,
            )
            .await
        }
    };
    let client = couple.client.clone();
    let note = post(
        &clinician,
        format!("/api/v1/clients/{client}/notes"),
        json!({"format": "free", "title": "Session", "content": {"text": format!("Note {MARKER}")}}),
    )
    .await;
    post(
        &clinician,
        format!("/api/v1/clients/{client}/psychotherapy-notes"),
        json!({"text": format!("Private {MARKER}")}),
    )
    .await;
    assert_status(
        app.send_as(
            &clinician,
            Method::PUT,
            &format!("/api/v1/clients/{client}/treatment-plan"),
            json!({"template": "affair-recovery", "presenting_problems": format!("Plan {MARKER}")}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let intakes = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}/intakes"))
            .await,
        StatusCode::OK,
    )
    .await;
    let intake = intakes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["status"] == "submitted")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let emails = assert_status(
        app.get_as(&owner, "/api/v1/emails?kind=booking_confirmed")
            .await,
        StatusCode::OK,
    )
    .await;
    let email = emails["items"][0]["id"].as_str().unwrap().to_owned();
    let record = assert_status(
        app.get_as(&owner, &format!("/api/v1/clients/{client}"))
            .await,
        StatusCode::OK,
    )
    .await;
    let (other_practitioner, other) = app.other_practitioner(&owner).await;
    let (_, assistant) = app.signed_in(attune::auth::Role::Assistant).await;
    Seed {
        client,
        participant: record["participants"][0]["id"].as_str().unwrap().to_owned(),
        appointment: couple.appointment.clone(),
        intake,
        note: note["id"].as_str().unwrap().to_owned(),
        email,
        practitioner: other_practitioner,
        callers: vec![
            (Who::Other, other),
            (Who::Assistant, assistant),
            (Who::Treating, clinician),
            (Who::Owner, owner),
        ],
    }
}

/// One request per operation that touches a client, in an order that keeps the seed whole:
/// reads, then changes, then what ends something.
fn api_probes(s: &Seed) -> Vec<(&'static str, Method, String, Option<Value>)> {
    let (c, a, i, n, e) = (&s.client, &s.appointment, &s.intake, &s.note, &s.email);
    let random = uuid::Uuid::new_v4();
    let v = "/api/v1";
    vec![
        (
            "listNotes",
            Method::GET,
            format!("{v}/clients/{c}/notes"),
            None,
        ),
        ("getNote", Method::GET, format!("{v}/notes/{n}"), None),
        ("getIntake", Method::GET, format!("{v}/intakes/{i}"), None),
        (
            "exportIntake",
            Method::GET,
            format!("{v}/intakes/{i}/export"),
            None,
        ),
        (
            "getTreatmentPlan",
            Method::GET,
            format!("{v}/clients/{c}/treatment-plan"),
            None,
        ),
        (
            "getTreatmentProgress",
            Method::GET,
            format!("{v}/clients/{c}/treatment-plan/progress"),
            None,
        ),
        (
            "exportClientRecord",
            Method::GET,
            format!("{v}/clients/{c}/export"),
            None,
        ),
        (
            "listPsychotherapyNotes",
            Method::GET,
            format!("{v}/clients/{c}/psychotherapy-notes"),
            None,
        ),
        (
            "getClientTimeline",
            Method::GET,
            format!("{v}/clients/{c}/timeline"),
            None,
        ),
        (
            "listClientIntakes",
            Method::GET,
            format!("{v}/clients/{c}/intakes"),
            None,
        ),
        (
            "getAppointment",
            Method::GET,
            format!("{v}/appointments/{a}"),
            None,
        ),
        (
            "listAppointments",
            Method::GET,
            format!("{v}/appointments?client_id={c}"),
            None,
        ),
        ("getClient", Method::GET, format!("{v}/clients/{c}"), None),
        ("listClients", Method::GET, format!("{v}/clients"), None),
        ("listEmails", Method::GET, format!("{v}/emails"), None),
        ("getEmail", Method::GET, format!("{v}/emails/{e}"), None),
        (
            "listAuditEvents",
            Method::GET,
            format!("{v}/audit-events?limit=200"),
            None,
        ),
        (
            "createNote",
            Method::POST,
            format!("{v}/clients/{c}/notes"),
            Some(json!({"format": "free", "content": {"text": "x"}})),
        ),
        (
            "updateNote",
            Method::PATCH,
            format!("{v}/notes/{n}"),
            Some(json!({"title": "Session"})),
        ),
        (
            "createPsychotherapyNote",
            Method::POST,
            format!("{v}/clients/{c}/psychotherapy-notes"),
            Some(json!({"text": "x"})),
        ),
        (
            "saveTreatmentPlan",
            Method::PUT,
            format!("{v}/clients/{c}/treatment-plan"),
            Some(
                json!({"template": "affair-recovery", "presenting_problems": format!("Plan {MARKER}")}),
            ),
        ),
        (
            "moveTreatmentPhase",
            Method::POST,
            format!("{v}/clients/{c}/treatment-plan/phase"),
            Some(json!({"phase": "Attune"})),
        ),
        (
            "assignIntake",
            Method::POST,
            format!("{v}/clients/{c}/intakes"),
            Some(
                json!({"questionnaire_id": random, "participant_id": s.participant, "hand_out_link": true}),
            ),
        ),
        (
            "updateClient",
            Method::PATCH,
            format!("{v}/clients/{c}"),
            Some(json!({"source": "referral"})),
        ),
        (
            "addParticipant",
            Method::POST,
            format!("{v}/clients/{c}/participants"),
            Some(json!({"first_name": "Third"})),
        ),
        (
            "updateParticipant",
            Method::PUT,
            format!("{v}/clients/{c}/participants/{}", s.participant),
            Some(json!({"first_name": "Jane", "last_name": "Doe", "email": "jane@example.org"})),
        ),
        (
            "createAppointment",
            Method::POST,
            format!("{v}/appointments"),
            Some(
                json!({"client_id": c, "appointment_type_id": random, "practitioner_id": random, "start": "2026-12-09T10:00:00Z"}),
            ),
        ),
        (
            "createSeries",
            Method::POST,
            format!("{v}/appointments/series"),
            Some(json!({
                "client_id": c, "appointment_type_id": random, "practitioner_id": random,
                "first_start": "2026-12-09T10:00:00Z", "tz": "UTC", "every_weeks": 1,
                "count": 2, "dry_run": true,
            })),
        ),
        (
            "getSeries",
            Method::GET,
            format!("{v}/appointments/series/{random}"),
            None,
        ),
        (
            "assignConsent",
            Method::POST,
            format!("{v}/clients/{c}/consents"),
            Some(json!({"document_id": random})),
        ),
        (
            "listClientConsents",
            Method::GET,
            format!("{v}/clients/{c}/consents"),
            None,
        ),
        (
            "getClientConsent",
            Method::GET,
            format!("{v}/clients/{c}/consents/{random}"),
            None,
        ),
        (
            "listDiagnoses",
            Method::GET,
            format!("{v}/clients/{c}/diagnoses"),
            None,
        ),
        (
            "addDiagnosis",
            Method::POST,
            format!("{v}/clients/{c}/diagnoses"),
            Some(json!({"code": "Z63.0"})),
        ),
        (
            "removeDiagnosis",
            Method::DELETE,
            format!("{v}/clients/{c}/diagnoses/{random}"),
            None,
        ),
        (
            "getClientFee",
            Method::GET,
            format!("{v}/fees/clients/{c}"),
            None,
        ),
        (
            "getSuperbill",
            Method::GET,
            format!(
                "{v}/clients/{c}/superbill?from=2026-12-01&to=2026-12-31&participant_id={}",
                s.participant
            ),
            None,
        ),
        (
            "setPayerDetails",
            Method::PUT,
            format!("{v}/clients/{c}/participants/{}/billing", s.participant),
            Some(json!({"date_of_birth": "1988-04-02"})),
        ),
        (
            "setBillingSplit",
            Method::PUT,
            format!("{v}/fees/clients/{c}/split"),
            Some(json!({"mode": "split", "first_percent": 50})),
        ),
        (
            "createInvoices",
            Method::POST,
            format!("{v}/invoices"),
            Some(json!({"client_id": c, "appointment_ids": [random]})),
        ),
        (
            "listInvoices",
            Method::GET,
            format!("{v}/invoices?client_id={c}"),
            None,
        ),
        (
            "getInvoice",
            Method::GET,
            format!("{v}/invoices/{random}"),
            None,
        ),
        (
            "getStatement",
            Method::GET,
            format!(
                "{v}/invoices/statement?client_id={c}&participant_id={}",
                s.participant
            ),
            None,
        ),
        (
            "deleteInvoice",
            Method::DELETE,
            format!("{v}/invoices/{random}"),
            None,
        ),
        (
            "issueInvoice",
            Method::POST,
            format!("{v}/invoices/{random}/issue"),
            None,
        ),
        (
            "voidInvoice",
            Method::POST,
            format!("{v}/invoices/{random}/void"),
            Some(json!({"reason": "test"})),
        ),
        (
            "listPayments",
            Method::GET,
            format!("{v}/invoices/{random}/payments"),
            None,
        ),
        (
            "recordPayment",
            Method::POST,
            format!("{v}/invoices/{random}/payments"),
            Some(json!({"amount_minor": 100, "method": "cash", "received_on": "2026-12-08"})),
        ),
        (
            "setClientFee",
            Method::PUT,
            format!("{v}/fees/clients/{c}"),
            Some(json!({"fee_minor": 9000})),
        ),
        (
            "clearClientFee",
            Method::DELETE,
            format!("{v}/fees/clients/{c}"),
            None,
        ),
        (
            "getMeasureSchedule",
            Method::GET,
            format!("{v}/clients/{c}/measure-schedule"),
            None,
        ),
        (
            "setMeasureSchedule",
            Method::PUT,
            format!("{v}/clients/{c}/measure-schedule"),
            Some(json!({"items": []})),
        ),
        (
            "getMeasures",
            Method::GET,
            format!("{v}/clients/{c}/measures?questionnaire=csi-4"),
            None,
        ),
        (
            "exportMeasures",
            Method::GET,
            format!("{v}/clients/{c}/measures.csv"),
            None,
        ),
        (
            "setSelfPay",
            Method::PUT,
            format!("{v}/fees/clients/{c}/self-pay"),
            Some(json!({"self_pay": true})),
        ),
        (
            "listPendingFees",
            Method::GET,
            format!("{v}/invoices/pending-fees?client_id={c}"),
            None,
        ),
        (
            "confirmPendingFee",
            Method::POST,
            format!("{v}/invoices/pending-fees/{random}/confirm"),
            None,
        ),
        (
            "waivePendingFee",
            Method::POST,
            format!("{v}/invoices/pending-fees/{random}/waive"),
            None,
        ),
        (
            "listGoodFaithEstimates",
            Method::GET,
            format!("{v}/clients/{c}/good-faith-estimates"),
            None,
        ),
        (
            "requestGoodFaithEstimate",
            Method::POST,
            format!("{v}/clients/{c}/good-faith-estimates"),
            None,
        ),
        (
            "getGoodFaithEstimatePdf",
            Method::GET,
            format!("{v}/clients/{c}/good-faith-estimates/{random}/pdf"),
            None,
        ),
        (
            "getClientConsentPdf",
            Method::GET,
            format!("{v}/clients/{c}/consents/{random}/copy.pdf"),
            None,
        ),
        (
            "rescheduleAppointment",
            Method::POST,
            format!("{v}/appointments/{random}/reschedule"),
            Some(json!({"start": "2026-12-09T10:00:00Z"})),
        ),
        (
            "cancelAppointment",
            Method::POST,
            format!("{v}/appointments/{random}/cancel"),
            Some(json!({})),
        ),
        (
            "completeAppointment",
            Method::POST,
            format!("{v}/appointments/{random}/complete"),
            None,
        ),
        (
            "markNoShow",
            Method::POST,
            format!("{v}/appointments/{random}/no-show"),
            None,
        ),
        (
            "retryEmail",
            Method::POST,
            format!("{v}/emails/{e}/retry"),
            None,
        ),
        (
            "cancelEmail",
            Method::POST,
            format!("{v}/emails/{random}/cancel"),
            None,
        ),
        (
            "addNoteAddendum",
            Method::POST,
            format!("{v}/notes/{n}/addenda"),
            Some(json!({"text": "x"})),
        ),
        (
            "signNote",
            Method::POST,
            format!("{v}/notes/{n}/sign"),
            None,
        ),
        ("deleteNote", Method::DELETE, format!("{v}/notes/{n}"), None),
        (
            "setClientPractitioner",
            Method::PUT,
            format!("{v}/clients/{c}/practitioner"),
            Some(json!({"practitioner_id": s.practitioner})),
        ),
    ]
}

fn page_probes(s: &Seed) -> Vec<(&'static str, Method, String)> {
    let (c, a, i, n) = (&s.client, &s.appointment, &s.intake, &s.note);
    vec![
        ("/admin", Method::GET, "/admin".into()),
        (
            "/admin/appointments/:id",
            Method::GET,
            format!("/admin/appointments/{a}"),
        ),
        ("/admin/clients", Method::GET, "/admin/clients".into()),
        (
            "/admin/clients/:id",
            Method::GET,
            format!("/admin/clients/{c}"),
        ),
        (
            "/admin/clients/:id/edit",
            Method::GET,
            format!("/admin/clients/{c}/edit"),
        ),
        (
            "/admin/clients/:id/plan",
            Method::GET,
            format!("/admin/clients/{c}/plan"),
        ),
        (
            "/admin/intakes/:id",
            Method::GET,
            format!("/admin/intakes/{i}"),
        ),
        (
            "/admin/clients/:id/notes",
            Method::GET,
            format!("/admin/clients/{c}/notes"),
        ),
        (
            "/admin/clients/:id/psychotherapy-notes",
            Method::GET,
            format!("/admin/clients/{c}/psychotherapy-notes"),
        ),
        ("/admin/notes/:id", Method::GET, format!("/admin/notes/{n}")),
        (
            "/admin/notes/:id/sign",
            Method::GET,
            format!("/admin/notes/{n}/sign"),
        ),
        (
            "/admin/settings/outbox",
            Method::GET,
            "/admin/settings/outbox".into(),
        ),
        ("/admin/audit", Method::GET, "/admin/audit".into()),
        (
            "/admin/clients/:id/plan",
            Method::POST,
            format!("/admin/clients/{c}/plan"),
        ),
        (
            "/admin/clients/:id/notes",
            Method::POST,
            format!("/admin/clients/{c}/notes"),
        ),
        (
            "/admin/clients/:id/psychotherapy-notes",
            Method::POST,
            format!("/admin/clients/{c}/psychotherapy-notes"),
        ),
        (
            "/admin/notes/:id",
            Method::POST,
            format!("/admin/notes/{n}"),
        ),
        (
            "/admin/notes/:id/addenda",
            Method::POST,
            format!("/admin/notes/{n}/addenda"),
        ),
        (
            "/admin/clients/:id/intakes",
            Method::POST,
            format!("/admin/clients/{c}/intakes"),
        ),
        (
            "/admin/clients/:id/appointments",
            Method::POST,
            format!("/admin/clients/{c}/appointments"),
        ),
        (
            "/admin/clients/:id/series",
            Method::POST,
            format!("/admin/clients/{c}/series"),
        ),
        (
            "/admin/clients/:id/consents",
            Method::POST,
            format!("/admin/clients/{c}/consents"),
        ),
        (
            "/admin/clients/:id/consents/:request/copy.pdf",
            Method::GET,
            format!(
                "/admin/clients/{c}/consents/{}/copy.pdf",
                uuid::Uuid::new_v4()
            ),
        ),
        (
            "/admin/series/:id",
            Method::GET,
            format!("/admin/series/{}", uuid::Uuid::new_v4()),
        ),
        (
            "/admin/clients/:id/edit",
            Method::POST,
            format!("/admin/clients/{c}/edit"),
        ),
        (
            "/admin/appointments/:id/:action",
            Method::POST,
            format!("/admin/appointments/{a}/none"),
        ),
        (
            "/admin/settings/outbox/:id/:action",
            Method::POST,
            format!("/admin/settings/outbox/{}/none", s.email),
        ),
        (
            "/admin/notes/:id/sign",
            Method::POST,
            format!("/admin/notes/{n}/sign"),
        ),
        ("/admin/billing", Method::GET, "/admin/billing".into()),
        (
            "/admin/clients/:id/measures",
            Method::GET,
            format!("/admin/clients/{c}/measures"),
        ),
        (
            "/admin/clients/:id/measures",
            Method::POST,
            format!("/admin/clients/{c}/measures"),
        ),
        (
            "/admin/clients/:id/diagnoses",
            Method::GET,
            format!("/admin/clients/{c}/diagnoses"),
        ),
        (
            "/admin/clients/:id/diagnoses",
            Method::POST,
            format!("/admin/clients/{c}/diagnoses"),
        ),
        (
            "/admin/clients/:id/diagnoses/:diagnosis/remove",
            Method::POST,
            format!(
                "/admin/clients/{c}/diagnoses/{}/remove",
                uuid::Uuid::new_v4()
            ),
        ),
        (
            "/admin/billing/fees/:id/:action",
            Method::POST,
            format!("/admin/billing/fees/{}/confirm", uuid::Uuid::new_v4()),
        ),
        (
            "/admin/invoices/:id",
            Method::GET,
            format!("/admin/invoices/{}", uuid::Uuid::new_v4()),
        ),
        (
            "/admin/invoices/:id/:action",
            Method::POST,
            format!("/admin/invoices/{}/issue", uuid::Uuid::new_v4()),
        ),
        (
            "/admin/clients/:id/billing",
            Method::GET,
            format!("/admin/clients/{c}/billing"),
        ),
        (
            "/admin/clients/:id/billing/:action",
            Method::POST,
            format!("/admin/clients/{c}/billing/none"),
        ),
        (
            "/admin/clients/:id/superbill.pdf",
            Method::GET,
            format!("/admin/clients/{c}/superbill.pdf"),
        ),
        (
            "/admin/clients/:id/estimates/:estimate/pdf",
            Method::GET,
            format!("/admin/clients/{c}/estimates/{}/pdf", uuid::Uuid::new_v4()),
        ),
    ]
}

/// Checks one answer against the rule; returns what is wrong, if anything.
fn judge(rule: Rule, who: Who, status: StatusCode, body: &str) -> Option<String> {
    let Rule::Client { may, sees } = rule else {
        return None;
    };
    let allowed = may.contains(&who);
    if allowed && matches!(status.as_u16(), 401 | 403) {
        return Some(format!("{who:?} refused with {status}: {body}"));
    }
    if !allowed && status != StatusCode::FORBIDDEN {
        return Some(format!("{who:?} got {status}, not 403"));
    }
    if !sees.contains(&who) {
        for needle in std::iter::once(MARKER).chain(LINKS) {
            if body.contains(needle) {
                return Some(format!("{who:?} was shown {needle:?}"));
            }
        }
    }
    None
}

#[tokio::test]
async fn each_role_gets_exactly_what_the_policy_gives_it_from_the_api_and_the_dashboard() {
    let (app, _) = TestApp::at_monday_morning().await;
    let s = seed(&app).await;
    let doc = app.get_json("/api/openapi.json", StatusCode::OK).await;
    let probes = api_probes(&s);
    let probed: BTreeSet<&str> = probes.iter().map(|p| p.0).collect();
    // Every operation that touches a client is run.
    let unrun: Vec<String> = api_operations(&doc)
        .into_iter()
        .filter(|(id, _, _)| matches!(api_rule(id), Some(Rule::Client { .. })))
        .filter(|(id, _, _)| !probed.contains(id.as_str()))
        .map(|(id, _, _)| id)
        .collect();
    assert!(unrun.is_empty(), "no probe for: {unrun:?}");
    let pages = page_probes(&s);
    let unrun: Vec<String> = page_routes()
        .into_iter()
        .filter(|(path, method)| matches!(page_rule(path, method), Some(Rule::Client { .. })))
        .filter(|(path, method)| {
            !pages
                .iter()
                .any(|(p, m, _)| p == path && m.as_str() == method)
        })
        .map(|(path, method)| format!("{method} {path}"))
        .collect();
    assert!(unrun.is_empty(), "no probe for: {unrun:?}");

    // The dashboard first: the API's probes end by moving the couple to another practitioner.
    let mut wrong = Vec::new();
    for (route, method, path) in &pages {
        let rule = page_rule(route, method.as_str()).unwrap();
        for (who, caller) in &s.callers {
            let response = if *method == Method::GET {
                app.page(caller, path).await
            } else {
                app.submit(caller, path, &[]).await
            };
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if let Some(problem) = judge(rule, *who, status, &text) {
                wrong.push(format!("{method} {path}: {problem}"));
            }
        }
    }
    for (id, method, path, body) in &probes {
        let rule = api_rule(id).unwrap();
        for (who, caller) in &s.callers {
            let mut request = app.call(caller, method.clone(), path);
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            if let Some(problem) = judge(rule, *who, status, &text) {
                wrong.push(format!("{id} {method} {path}: {problem}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
