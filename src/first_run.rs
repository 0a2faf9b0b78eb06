//! What the first start of an empty database creates, so `/book` works right after the first
//! `cargo run`: the practice, its first practitioner, a free 15-minute consultation anyone can
//! book (which sends each partner the couples intake), a staff-only couples session, and
//! weekday hours.
//!
//! It stands above the capabilities whose rows it writes (practice, scheduling, intake).

use chrono::{DateTime, Utc};
use entity::{
    appointment_type::{self, LocationKind},
    appointment_type_practitioner as offered, practice, practitioner,
};
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TransactionSession, TransactionTrait,
    sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    config::SeedSettings,
    db,
    scheduling::{availability, types},
    types::TimeZone,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeedOutcome {
    /// The database was empty; the practice and its first practitioner now exist.
    Created,
    /// The practice already existed; nothing was changed.
    AlreadySetUp,
}

/// Creates the practice and one practitioner if the practice row does not exist yet.
///
/// Safe when several instances start at once: the practice row has a fixed id, so only one
/// insert can win, and only the winner adds the practitioner, in the same transaction.
#[tracing::instrument(skip_all, err)]
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    settings: &SeedSettings,
    time_zone: TimeZone,
    now: DateTime<Utc>,
) -> Result<SeedOutcome, DbErr> {
    let txn = db::begin_write(db).await?;
    let inserted = practice::Entity::insert(practice::ActiveModel {
        id: Set(practice::PRACTICE_ID),
        name: Set(settings.practice_name.clone()),
        time_zone: Set(time_zone.name().to_owned()),
        contact_email: Set(Some(
            settings
                .practice_email
                .as_ref()
                .unwrap_or(&settings.practitioner_email)
                .to_string(),
        )),
        video_room_template: Set(None),
        fee_policy: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(practice::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(SeedOutcome::AlreadySetUp);
    }
    let practitioner_id = Uuid::new_v4();
    practitioner::Entity::insert(practitioner::ActiveModel {
        id: Set(practitioner_id),
        name: Set(settings.practitioner_name.clone()),
        email: Set(settings.practitioner_email.to_string()),
        time_zone: Set(time_zone.name().to_owned()),
        active: Set(true),
        video_link: Set(None),
        licensed_in: Set(serde_json::json!([])),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    defaults(&txn, practitioner_id, now).await?;
    txn.commit().await?;
    Ok(SeedOutcome::Created)
}

pub const CONSULTATION_SLUG: &str = "free-consultation";
pub const SESSION_SLUG: &str = "couples-session";

/// Adds the default types and hours for `practitioner_id` (in the caller's transaction).
async fn defaults(
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
            reminder_minutes: Set(serde_json::json!(types::DEFAULT_REMINDERS)),
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
    for rule in availability::default_week() {
        availability::insert_rule(db, practitioner_id, &rule, now).await?;
    }
    Ok(())
}
