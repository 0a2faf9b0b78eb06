//! An appointment type as staff set it up, from the JSON API or the dashboard's type form,
//! and the one set of rules it is checked by.

use entity::appointment_type::{self, LocationKind};
use uuid::Uuid;

use super::types::{self, TypeFields};
use crate::{
    types::single_line,
    validation::{FieldErrors, Invalid, Patch},
};

/// As sent; an absent field keeps the type's current value (or takes the default).
#[derive(Clone, Debug, Default)]
pub struct TypeInput {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub duration_minutes: Option<i32>,
    pub buffer_before_minutes: Option<i32>,
    pub buffer_after_minutes: Option<i32>,
    pub slot_step_minutes: Option<i32>,
    pub min_notice_minutes: Option<i32>,
    pub horizon_days: Option<i32>,
    pub cancellation_cutoff_minutes: Option<i32>,
    pub public: Option<bool>,
    pub location_kind: Option<LocationKind>,
    pub location_details: Option<String>,
    pub active: Option<bool>,
    pub practitioner_ids: Option<Vec<Uuid>>,
    pub reminder_minutes: Option<Vec<i32>>,
    pub intake_questionnaire_id: Patch<Uuid>,
    pub client_title: Option<String>,
}

impl TypeInput {
    /// Checks every field, falling back to `current` (a change) or the defaults (a new one), and
    /// names each that fails.
    pub fn check(
        self,
        current: Option<(appointment_type::Model, Vec<Uuid>)>,
    ) -> Result<TypeFields, Invalid> {
        let body = self;
        let mut errors = FieldErrors::default();
        let (base, base_ids) = match current {
            Some((t, ids)) => (Some(t), ids),
            None => (None, Vec::new()),
        };
        let mut number = |field: &str,
                          value: Option<i32>,
                          current: Option<i32>,
                          default: Option<i32>,
                          range: std::ops::RangeInclusive<i32>| {
            match value.or(current).or(default) {
                Some(v) if range.contains(&v) => Some(v),
                Some(_) => {
                    errors.add(
                        field,
                        format!("must be from {} to {}", range.start(), range.end()),
                    );
                    None
                }
                None => {
                    errors.add(field, "is required");
                    None
                }
            }
        };
        let b = base.as_ref();
        let duration = number(
            "duration_minutes",
            body.duration_minutes,
            b.map(|t| t.duration_minutes),
            None,
            5..=480,
        );
        let before = number(
            "buffer_before_minutes",
            body.buffer_before_minutes,
            b.map(|t| t.buffer_before_minutes),
            Some(0),
            0..=120,
        );
        let after = number(
            "buffer_after_minutes",
            body.buffer_after_minutes,
            b.map(|t| t.buffer_after_minutes),
            Some(0),
            0..=120,
        );
        let step = number(
            "slot_step_minutes",
            body.slot_step_minutes,
            b.map(|t| t.slot_step_minutes),
            Some(15),
            5..=240,
        );
        let notice = number(
            "min_notice_minutes",
            body.min_notice_minutes,
            b.map(|t| t.min_notice_minutes),
            Some(720),
            0..=43_200,
        );
        let horizon = number(
            "horizon_days",
            body.horizon_days,
            b.map(|t| t.horizon_days),
            Some(60),
            1..=730,
        );
        let cutoff = number(
            "cancellation_cutoff_minutes",
            body.cancellation_cutoff_minutes,
            b.map(|t| t.cancellation_cutoff_minutes),
            Some(1440),
            0..=43_200,
        );
        let slug = match body.slug.or_else(|| b.map(|t| t.slug.clone())) {
            Some(s) if is_slug(&s) => Some(s),
            Some(_) => {
                errors.add(
                    "slug",
                    "must be 1 to 60 lower-case letters, digits and single dashes",
                );
                None
            }
            None => {
                errors.add("slug", "is required");
                None
            }
        };
        let name = match body.name.or_else(|| b.map(|t| t.name.clone())) {
            Some(n) => errors.check("name", single_line(&n, 200)),
            None => {
                errors.add("name", "is required");
                None
            }
        };
        let description = body
            .description
            .or_else(|| b.map(|t| t.description.clone()))
            .unwrap_or_default();
        if description.chars().count() > 2000 {
            errors.add("description", "must be at most 2,000 characters");
        }
        let location_kind = body.location_kind.or_else(|| b.map(|t| t.location_kind));
        if location_kind.is_none() {
            errors.add("location_kind", "is required");
        }
        let location_details = match body.location_details {
            Some(d) if d.trim().is_empty() => None,
            Some(d) => errors.check("location_details", single_line(&d, 500)),
            None => b.and_then(|t| t.location_details.clone()),
        };
        let client_title = match body.client_title {
            Some(t) if t.trim().is_empty() => None,
            Some(t) => errors.check("client_title", single_line(&t, 100)),
            None => b.and_then(|t| t.client_title.clone()),
        };
        let reminder_minutes = match body.reminder_minutes {
            Some(list) => {
                let mut list = list;
                list.sort_unstable_by(|a, b| b.cmp(a));
                list.dedup();
                if list.len() > 5 || list.iter().any(|m| !(5..=20_160).contains(m)) {
                    errors.add(
                        "reminder_minutes",
                        "must be at most 5 numbers of minutes, each from 5 to 20,160 (14 days)",
                    );
                }
                list
            }
            None => b
                .map(types::reminder_minutes)
                .unwrap_or_else(|| types::DEFAULT_REMINDERS.to_vec()),
        };
        errors.into_result()?;
        let (
            Some(duration),
            Some(before),
            Some(after),
            Some(step),
            Some(notice),
            Some(horizon),
            Some(cutoff),
            Some(slug),
            Some(name),
            Some(location_kind),
        ) = (
            duration,
            before,
            after,
            step,
            notice,
            horizon,
            cutoff,
            slug,
            name,
            location_kind,
        )
        else {
            unreachable!("each missing value noted its field");
        };
        Ok(TypeFields {
            slug,
            name,
            description,
            duration_minutes: duration,
            buffer_before_minutes: before,
            buffer_after_minutes: after,
            slot_step_minutes: step,
            min_notice_minutes: notice,
            horizon_days: horizon,
            cancellation_cutoff_minutes: cutoff,
            public: body.public.or(b.map(|t| t.public)).unwrap_or(false),
            location_kind,
            location_details,
            active: body.active.or(b.map(|t| t.active)).unwrap_or(true),
            practitioner_ids: body.practitioner_ids.unwrap_or(base_ids),
            reminder_minutes,
            intake_questionnaire_id: match body.intake_questionnaire_id {
                Patch::Set(id) => Some(id),
                Patch::Clear => None,
                Patch::Keep => b.and_then(|t| t.intake_questionnaire_id),
            },
            client_title,
        })
    }
}

fn is_slug(s: &str) -> bool {
    (1..=60).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}
