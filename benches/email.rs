//! Preparing one email the way the outbox does: rendering the three templates of a booking
//! confirmation (strict handlebars, layout partials), then building the MIME message
//! (text + HTML alternative, an .ics attachment) and serialising it for the wire.
//! Target: under 1 ms a message, so rendering never limits how fast the outbox drains.
//! `cargo bench --bench email`.

use attune::{
    config::Config,
    mail::{
        EmailTemplates, Kind,
        compose::{Attachment, Content, Outgoing, build},
        templates::{PracticeView, sample},
    },
    templates::Overrides,
};
use criterion::{Criterion, criterion_group, criterion_main};
use uuid::Uuid;

const INVITE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Attune//EN\r\nMETHOD:REQUEST\r\n\
BEGIN:VEVENT\r\nUID:0193a1b2-c3d4-7e5f-8a9b-000000000000@book.example\r\nDTSTAMP:20261207T080000Z\r\n\
DTSTART:20261208T140000Z\r\nDTEND:20261208T141500Z\r\nSEQUENCE:0\r\nSUMMARY:Free consultation\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";

fn bench(c: &mut Criterion) {
    let templates = EmailTemplates::load(&Overrides::default()).unwrap();
    let settings = Config::from_lookup(|_| None).unwrap().mail;
    let context = sample(
        PracticeView {
            name: "Riverbend Counseling".into(),
            email: Some("hello@riverbend.example".into()),
            fee_policy: Some("A missed appointment is charged the full session fee.".into()),
        },
        "https://book.riverbend.example",
    );
    c.bench_function("render and build a booking confirmation", |b| {
        b.iter(|| {
            let rendered = templates
                .render(Kind::BookingConfirmed, std::hint::black_box(&context))
                .unwrap();
            let content = Content {
                to_name: Some("Jane Doe".into()),
                from_name: "Riverbend Counseling".into(),
                from_address: "hello@riverbend.example".into(),
                text: rendered.text,
                html: rendered.html,
                attachments: vec![Attachment {
                    filename: "invite.ics".into(),
                    content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
                    body: INVITE.into(),
                }],
                not_after: None,
            };
            let message = build(
                &Outgoing {
                    id: Uuid::nil(),
                    recipient: "jane@example.org",
                    subject: &rendered.subject,
                    content: &content,
                    date: "2026-12-07T08:00:00Z".parse().unwrap(),
                    host: "book.riverbend.example",
                },
                &settings,
            )
            .unwrap();
            message.formatted()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
