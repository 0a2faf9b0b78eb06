//! What a new practice starts with, so `/book` works right after the first `cargo run`: a
//! free 15-minute consultation anyone can book (which sends each partner the couples intake),
//! a staff-only couples session, and weekday hours for the first practitioner.

use chrono::{DateTime, Utc};
use entity::{
    appointment_type::{self, LocationKind},
    appointment_type_practitioner as offered, availability_rule,
};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

use super::availability::default_week;

pub const CONSULTATION_SLUG: &str = "free-consultation";
pub const SESSION_SLUG: &str = "couples-session";

/// Adds the default types and hours for `practitioner_id` (in the caller's transaction).
pub async fn defaults(
    db: &impl ConnectionTrait,
    practitioner_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let types = [
        (
            CONSULTATION_SLUG,
            "Free 15-minute consultation",
            "A free, no-obligation video call to talk about what brings you both and whether \
             we are a good fit.",
            15,
            0,
            true,
            LocationKind::Video,
        ),
        (
            SESSION_SLUG,
            "Couples session",
            "A 50-minute session for both partners.",
            50,
            10,
            false,
            LocationKind::InPerson,
        ),
    ];
    // Each partner who books the consultation gets the couples intake to fill in.
    let intake =
        crate::intake::questionnaires::find_by_slug(db, crate::intake::builtin::COUPLES_INTAKE)
            .await?
            .map(|q| q.id);
    for (slug, name, description, minutes, buffer_after, public, location) in types {
        let id = Uuid::new_v4();
        appointment_type::Entity::insert(appointment_type::ActiveModel {
            client_title: Set(None),
            id: Set(id),
            slug: Set(slug.into()),
            name: Set(name.into()),
            description: Set(description.into()),
            duration_minutes: Set(minutes),
            buffer_before_minutes: Set(0),
            buffer_after_minutes: Set(buffer_after),
            slot_step_minutes: Set(15),
            min_notice_minutes: Set(12 * 60),
            horizon_days: Set(60),
            cancellation_cutoff_minutes: Set(24 * 60),
            public: Set(public),
            location_kind: Set(location),
            location_details: Set(None),
            reminder_minutes: Set(serde_json::json!(super::types::DEFAULT_REMINDERS)),
            intake_questionnaire_id: Set(if slug == CONSULTATION_SLUG {
                intake
            } else {
                None
            }),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
        offered::Entity::insert(offered::ActiveModel {
            appointment_type_id: Set(id),
            practitioner_id: Set(practitioner_id),
        })
        .exec_without_returning(db)
        .await?;
    }
    for rule in default_week() {
        availability_rule::Entity::insert(availability_rule::ActiveModel {
            id: Set(Uuid::new_v4()),
            practitioner_id: Set(practitioner_id),
            weekday: Set(rule.weekday.number_from_monday() as i32),
            start_time: Set(rule.start),
            end_time: Set(rule.end),
            valid_from: Set(None),
            valid_until: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}
