//! A booking's planning work without the database: from the rows in hand (the appointment,
//! its type, practitioner, practice and the couple), the confirmation with its calendar file
//! and the reminders for each partner, and the practitioner's notice, rendered as the outbox
//! is handed them (sealing happens as they are inserted). This is most of the CPU a booking
//! spends besides its statements.
//! `cargo bench --bench booking`.

use std::sync::Arc;

use attune::{
    config::Config,
    crypto::{DataKey, DataKeys},
    mail::{Mailer, Notifier},
    scheduling::notify::{Change, Facts},
    templates::Overrides,
    types::PublicUrl,
};
use chrono::{DateTime, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use entity::{
    appointment::{self, AppointmentSource, AppointmentStatus},
    appointment_type::{self, LocationKind},
    participant, practice, practitioner,
};
use uuid::Uuid;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn bench(c: &mut Criterion) {
    let now = at("2026-12-07T08:00:00Z");
    let mailer = Arc::new(
        Mailer::new(
            Config::from_lookup(|_| None).unwrap().mail,
            &Overrides::default(),
        )
        .unwrap(),
    );
    let keys = DataKeys::new(DataKey::generate(), Vec::new());
    let url = PublicUrl::new(&"https://book.riverbend.example".parse().unwrap());
    let n = Notifier {
        mailer: &mailer,
        keys: &keys,
        public_url: &url,
    };
    let (client, p) = (Uuid::new_v4(), Uuid::new_v4());
    let ty = appointment_type::Model {
        id: Uuid::new_v4(),
        slug: "free-consultation".into(),
        name: "Free 15-minute consultation".into(),
        description: String::new(),
        duration_minutes: 15,
        buffer_before_minutes: 0,
        buffer_after_minutes: 5,
        slot_step_minutes: 15,
        min_notice_minutes: 720,
        horizon_days: 60,
        cancellation_cutoff_minutes: 1440,
        public: true,
        location_kind: LocationKind::Video,
        location_details: Some("https://meet.example.org/riverbend".into()),
        active: true,
        reminder_minutes: serde_json::json!([1440, 60]),
        intake_questionnaire_id: None,
        client_title: None,
        created_at: now,
        updated_at: now,
    };
    let a = appointment::Model {
        id: Uuid::new_v4(),
        practitioner_id: p,
        appointment_type_id: ty.id,
        client_id: client,
        starts_at: at("2026-12-08T14:00:00Z"),
        ends_at: at("2026-12-08T14:15:00Z"),
        blocked_from: at("2026-12-08T14:00:00Z"),
        blocked_until: at("2026-12-08T14:20:00Z"),
        status: AppointmentStatus::Confirmed,
        source: AppointmentSource::Online,
        manage_token_hash: None,
        manage_token_sealed: None,
        sequence: 0,
        message_sealed: None,
        cancellation_reason_sealed: None,
        cancelled_at: None,
        cancelled_by: None,
        idempotency_key: None,
        idempotency_fingerprint: None,
        outside_hours: false,
        series_id: None,
        video_room_sealed: None,
        created_by: None,
        created_at: now,
        updated_at: now,
    };
    let person = |position: i32, first: &str, email: &str| participant::Model {
        id: Uuid::new_v4(),
        client_id: client,
        position,
        first_name: first.into(),
        last_name: "Doe".into(),
        email: Some(email.into()),
        phone: None,
        pronouns: None,
        time_zone: Some("America/New_York".into()),
        preferred_contact: None,
        email_reminders: true,
        created_at: now,
        updated_at: now,
    };
    let couple = vec![
        person(1, "Jane", "jane@example.org"),
        person(2, "Sam", "sam@example.org"),
    ];
    let practitioner = practitioner::Model {
        id: p,
        name: "Dr. Maya Levin".into(),
        email: "maya@riverbend.example".into(),
        time_zone: "America/New_York".into(),
        active: true,
        video_link: None,
        licensed_in: serde_json::json!([]),
        created_at: now,
        updated_at: now,
    };
    let practice = practice::Model {
        id: practice::PRACTICE_ID,
        name: "Riverbend Counseling".into(),
        time_zone: "America/New_York".into(),
        contact_email: Some("hello@riverbend.example".into()),
        video_room_template: None,
        fee_policy: None,
        created_at: now,
        updated_at: now,
    };
    c.bench_function("plan a couple's online booking (7 messages)", |b| {
        b.iter(|| {
            let facts = Facts::new(
                n,
                &a,
                ty.clone(),
                practitioner.clone(),
                practice.clone(),
                couple.clone(),
                "atm_benchmark",
            );
            let emails = facts.messages(n, Change::Booked, now).unwrap();
            assert_eq!(emails.len(), 7);
            std::hint::black_box(emails)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
