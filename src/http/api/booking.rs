//! The public booking API (no sign-in): appointment types, free slots, bookings and the
//! manage link. This contract is fixed: booking pages and outside clients depend on it.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use entity::{appointment, appointment_type::LocationKind};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
    payload::{Json, PlainText},
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, OptionalJsonBody, audit_context, errors_set, json::PreparedJson,
};
use crate::{
    AppState,
    audit::{Actor, Origin},
    calendar::{
        booking_file::{self, BookingParts},
        render::Method,
    },
    http::problem::ApiError,
    practice,
    scheduling::{
        appointments::{self, Booker, CancelReason, CancelledBy},
        booking::{self, BookingRequest, ManagedBooking},
        booking_input::{self, BookingInput, IdempotencyKey},
        types,
    },
    types::{TimeZone, plausible_date},
};

errors_set!(
    /// Reading free slots: a bad query, an unknown type.
    pub SlotsRead = [NotFound, Validation, TooManyRequests, Internal, Unavailable]
);
errors_set!(
    /// Booking: bad input, an unknown type, a time that cannot be had.
    pub BookingWrite = [BadRequest, NotFound, Conflict, PayloadTooLarge, UnsupportedMediaType, Validation, TooManyRequests, Internal, Unavailable]
);
errors_set!(
    /// Reading a booking by its link.
    pub LinkRead = [NotFound, TooManyRequests, Internal, Unavailable]
);

/// Longest range of days the slots endpoint answers for at once.
pub const MAX_RANGE_DAYS: i64 = 62;

#[derive(Enum, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Location {
    InPerson,
    Video,
    Phone,
}

impl From<LocationKind> for Location {
    fn from(kind: LocationKind) -> Self {
        match kind {
            LocationKind::InPerson => Location::InPerson,
            LocationKind::Video => Location::Video,
            LocationKind::Phone => Location::Phone,
        }
    }
}

impl From<Location> for LocationKind {
    fn from(kind: Location) -> Self {
        match kind {
            Location::InPerson => LocationKind::InPerson,
            Location::Video => LocationKind::Video,
            Location::Phone => LocationKind::Phone,
        }
    }
}

#[derive(ApiResponse)]
pub enum CalendarFile {
    /// The event, as iCalendar text.
    #[oai(status = 200, content_type = "text/calendar; charset=utf-8")]
    Ok(
        PlainText<String>,
        /// Saves as `appointment.ics`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

#[derive(Object)]
pub struct PublicType {
    id: Uuid,
    slug: String,
    name: String,
    description: String,
    duration_minutes: i32,
    location_kind: Location,
}

#[derive(Object, Serialize)]
pub struct Slot {
    #[serde(serialize_with = "rfc3339")]
    start: DateTime<FixedOffset>,
    #[serde(serialize_with = "rfc3339")]
    end: DateTime<FixedOffset>,
    practitioner_id: Uuid,
}

/// As the documented shape has it (`+00:00`, never `Z`): what `ToJSON` writes.
fn rfc3339<S: serde::Serializer>(at: &DateTime<FixedOffset>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339())
}

#[derive(Object, Serialize)]
pub struct SlotsBody {
    /// The appointment type's slug.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    type_: String,
    /// The zone the times are given in.
    tz: String,
    slots: Vec<Slot>,
}

/// How the free times are written out.
#[derive(poem_openapi::Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename_all = "lowercase")]
pub enum SlotFormat {
    /// One entry per start and practitioner, each with its end: the default.
    Full,
    /// Each day once, each start once as a local time, with who is free then.
    Compact,
}

/// The free times with nothing repeated that is the same for all of them: each day once
/// with its UTC offset, each start once as `HH:MM` (with its own offset appended only on a
/// day the clocks change, when it differs from the day's), the end implied by the
/// duration, and who is free as positions in `practitioners`.
#[derive(Object, Serialize)]
pub struct CompactSlotsBody {
    /// The appointment type's slug.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    type_: String,
    tz: String,
    /// Every slot lasts this long.
    duration_minutes: i32,
    /// The practitioners the positions in `free` refer to.
    practitioners: Vec<Uuid>,
    days: Vec<CompactDay>,
}

#[derive(Object, Serialize)]
pub struct CompactDay {
    /// `YYYY-MM-DD` in `tz`.
    date: NaiveDate,
    /// The UTC offset of the day's first start, e.g. `-05:00`.
    offset: String,
    /// The starts, `HH:MM` (or `HH:MM±hh:mm` where the offset differs from `offset`).
    times: Vec<String>,
    /// For each start, the positions in `practitioners` of who is free then.
    free: Vec<Vec<u16>>,
}

#[derive(poem_openapi::Union, Serialize)]
#[serde(untagged)]
pub enum SlotsAnswer {
    Full(SlotsBody),
    Compact(CompactSlotsBody),
}

/// `free` (earliest first) written compactly.
fn compact(
    ty: &entity::appointment_type::Model,
    tz: TimeZone,
    free: &[(crate::scheduling::slots::Interval, Uuid)],
) -> CompactSlotsBody {
    let mut practitioners: Vec<Uuid> = Vec::new();
    let mut days: Vec<CompactDay> = Vec::new();
    let mut last_start = None;
    for (slot, p) in free {
        let who = match practitioners.iter().position(|x| x == p) {
            Some(i) => i,
            None => {
                practitioners.push(*p);
                practitioners.len() - 1
            }
        } as u16;
        let at = local(tz, slot.start);
        if last_start == Some(slot.start)
            && let Some(day) = days.last_mut()
            && let Some(list) = day.free.last_mut()
        {
            list.push(who);
            continue;
        }
        last_start = Some(slot.start);
        let offset = at.format("%:z").to_string();
        if days.last().is_none_or(|d| d.date != at.date_naive()) {
            days.push(CompactDay {
                date: at.date_naive(),
                offset: offset.clone(),
                times: Vec::new(),
                free: Vec::new(),
            });
        }
        let day = days.last_mut().expect("pushed above");
        let mut time = at.format("%H:%M").to_string();
        if offset != day.offset {
            time.push_str(&offset);
        }
        day.times.push(time);
        day.free.push(vec![who]);
    }
    CompactSlotsBody {
        type_: ty.slug.clone(),
        tz: tz.name().to_owned(),
        duration_minutes: ty.duration_minutes,
        practitioners,
        days,
    }
}

#[derive(Object, Deserialize, Serialize)]
pub struct BookingBody {
    /// The appointment type's slug.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    type_: String,
    /// One of the free start times, RFC 3339 with its offset, e.g. `2026-12-01T15:00:00-05:00`.
    start: String,
    /// A particular practitioner; by default, whoever is free.
    practitioner_id: Option<Uuid>,
    /// The full name of the person booking.
    name: String,
    email: String,
    phone: Option<String>,
    /// Their partner's full name, when they come as a couple.
    partner_name: Option<String>,
    partner_email: Option<String>,
    /// Anything they would like the practice to know; kept encrypted.
    message: Option<String>,
    /// The IANA zone times are answered in; by default the practice's.
    tz: Option<String>,
}

impl From<BookingBody> for BookingInput {
    fn from(b: BookingBody) -> Self {
        Self {
            type_slug: b.type_,
            start: b.start,
            practitioner_id: b.practitioner_id,
            name: b.name,
            email: b.email,
            phone: b.phone,
            partner_name: b.partner_name,
            partner_email: b.partner_email,
            message: b.message,
            tz: b.tz,
        }
    }
}

#[derive(Object)]
pub struct BookedBody {
    id: Uuid,
    status: String,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    /// The secret of the manage link: shown once.
    manage_token: String,
    /// Where the client can see, cancel or move the booking.
    manage_url: String,
    /// An event file for the client's calendar.
    ics_url: String,
}

#[derive(ApiResponse)]
pub enum BookResponse {
    /// Booked.
    #[oai(status = 201)]
    Created(Json<BookedBody>),
    /// The same request was already made with this `Idempotency-Key`: here is its booking.
    #[oai(status = 200)]
    Replayed(Json<BookedBody>),
}

#[derive(Object)]
pub struct TypeSummary {
    slug: String,
    name: String,
    duration_minutes: i32,
    location_kind: Location,
    /// The address, video link or phone instructions.
    location_details: Option<String>,
}

#[derive(Object)]
pub struct PractitionerSummary {
    id: Uuid,
    name: String,
}

#[derive(Object)]
pub struct ManagedBody {
    id: Uuid,
    /// `confirmed`, `cancelled`, `completed` or `no_show`.
    status: String,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
    /// The practice's zone, which the times above are given in.
    time_zone: String,
    appointment_type: TypeSummary,
    practitioner: PractitionerSummary,
    /// Whether the client may still cancel or move it here.
    can_change: bool,
    /// Until when they may.
    change_until: DateTime<FixedOffset>,
    cancelled_at: Option<DateTime<Utc>>,
    manage_url: String,
    ics_url: String,
}

#[derive(Object, Deserialize)]
pub struct CancelBody {
    /// Optional, kept encrypted, seen only by the practice.
    reason: Option<String>,
}

#[derive(Object, Deserialize)]
pub struct RescheduleBody {
    /// One of the free start times, RFC 3339 with its offset.
    start: String,
}

pub struct BookingApi;

#[OpenApi(prefix_path = "/public", tag = "ApiTag::Public")]
impl BookingApi {
    /// Bookable appointment types
    ///
    /// The types anyone may book online, by name.
    #[oai(
        path = "/appointment-types",
        method = "get",
        operation_id = "listPublicAppointmentTypes"
    )]
    async fn appointment_types(
        &self,
        state: Data<&AppState>,
    ) -> ApiResult<Json<Vec<PublicType>>, super::PublicRead> {
        let types = types::list_public(&state.db).await?;
        Ok(Json(
            types
                .into_iter()
                .map(|t| PublicType {
                    id: t.id,
                    slug: t.slug,
                    name: t.name,
                    description: t.description,
                    duration_minutes: t.duration_minutes,
                    location_kind: t.location_kind.into(),
                })
                .collect(),
        ))
    }

    /// Free times
    ///
    /// The free start times of an appointment type between two days (both included, at most
    /// 62 days), as days and times in `tz` (default: the practice's zone).
    #[oai(path = "/slots", method = "get", operation_id = "listSlots")]
    async fn slots(
        &self,
        state: Data<&AppState>,
        /// The appointment type's slug.
        #[oai(name = "type")]
        type_: Query<String>,
        /// First day, `YYYY-MM-DD`.
        from: Query<NaiveDate>,
        /// Last day, `YYYY-MM-DD`.
        to: Query<NaiveDate>,
        /// An IANA zone, e.g. `Europe/London`.
        tz: Query<Option<String>>,
        /// `full` (the default) or `compact`.
        format: Query<Option<SlotFormat>>,
    ) -> ApiResult<PreparedJson<SlotsAnswer>, SlotsRead> {
        let tz = match tz.0.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(tz) => Some(TimeZone::parse(tz).map_err(|m| ApiError::invalid("tz", m))?),
            None => None,
        };
        for (field, day) in [("from", from.0), ("to", to.0)] {
            if !plausible_date(&day) {
                return Err(
                    ApiError::invalid(field, "must be between the years 1900 and 9999").into(),
                );
            }
        }
        let days = (to.0 - from.0).num_days() + 1;
        if days < 1 {
            return Err(ApiError::invalid("to", "must not be before from").into());
        }
        if days > MAX_RANGE_DAYS {
            return Err(ApiError::invalid("to", "must be at most 62 days after from").into());
        }
        let answer = state
            .free_answers
            .free_days(
                &state.db,
                &state.schedule,
                &type_.0,
                (from.0, to.0),
                tz,
                state.clock.now(),
            )
            .await?;
        let (ty, tz, free) = (&answer.appointment_type, answer.tz, &answer.free);
        let compact_form = format.0 == Some(SlotFormat::Compact);
        let bytes = answer.written[usize::from(compact_form)].get_or_init(|| {
            PreparedJson::write(&if compact_form {
                SlotsAnswer::Compact(compact(ty, tz, free))
            } else {
                SlotsAnswer::Full(SlotsBody {
                    type_: ty.slug.clone(),
                    tz: tz.name().to_owned(),
                    slots: free
                        .iter()
                        .map(|(s, practitioner_id)| Slot {
                            start: local(tz, s.start),
                            end: local(tz, s.end),
                            practitioner_id: *practitioner_id,
                        })
                        .collect(),
                })
            })
        });
        Ok(PreparedJson::new(bytes.clone()))
    }

    /// Book
    ///
    /// Books one of the free times and opens a client record (a couple when a partner is
    /// named). Send an `Idempotency-Key` to retry safely: the same key with the same body
    /// answers 200 with the same booking; with another body, 422.
    #[oai(path = "/bookings", method = "post", operation_id = "createBooking")]
    async fn book(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        #[oai(name = "Idempotency-Key")] idempotency_key: Header<Option<String>>,
        body: JsonBody<BookingBody>,
    ) -> ApiResult<BookResponse, BookingWrite> {
        let input = BookingInput::from(body.0);
        let key = idempotency_key
            .0
            .map(|k| IdempotencyKey::parse(&k).map_err(|m| ApiError::invalid("Idempotency-Key", m)))
            .transpose()?;
        let snapshot = state.schedule.current(&state.db, state.clock.now()).await?;
        let (request, tz) = input.check(practice::zone_of(&snapshot.practice))?;
        let request = BookingRequest {
            idempotency: key.map(|k| (k.into_inner(), input.fingerprint())),
            ..request
        };
        let audit = audit_context(&state, &origin, Actor::ANONYMOUS);
        let booked = booking::book(
            &state.db,
            &state.schedule,
            state.notifier(),
            &state.followups(),
            request,
            &audit,
        )
        .await?;
        let body = booked_body(&state, tz, &booked.appointment, &booked.manage_token);
        Ok(if booked.replayed {
            BookResponse::Replayed(Json(body))
        } else {
            BookResponse::Created(Json(body))
        })
    }

    /// A booking, by its manage link
    #[oai(path = "/bookings/:token", method = "get", operation_id = "getBooking")]
    async fn get(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
    ) -> ApiResult<Json<ManagedBody>, LinkRead> {
        let managed = booking::by_token(&state.db, &token.0).await?;
        Ok(Json(managed_body(&state, &managed, &token.0).await?))
    }

    /// A booking as a calendar file
    ///
    /// One event to add to a calendar app, with the practice as organizer, the place or
    /// video link, and the manage link. It keeps the same UID when the booking moves, so
    /// importing it again updates the event; a cancelled booking says `STATUS:CANCELLED`.
    #[oai(
        path = "/bookings/:token/ics",
        method = "get",
        operation_id = "getBookingCalendarFile"
    )]
    async fn calendar_file(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
    ) -> ApiResult<CalendarFile, LinkRead> {
        let managed = booking::by_token(&state.db, &token.0).await?;
        let text = booking_file::render(
            &state.db,
            &state.public_url,
            &BookingParts {
                appointment: &managed.appointment,
                appointment_type: &managed.appointment_type,
                practitioner: &managed.practitioner,
                manage_url: Some(state.public_url.link(&format!("/booking/{}", token.0))),
                join_url: None,
                attendee: None,
            },
            Method::Publish,
            state.clock.now(),
        )
        .await?;
        Ok(CalendarFile::Ok(
            PlainText(text),
            "attachment; filename=\"appointment.ics\"".to_owned(),
        ))
    }

    /// Cancel a booking
    ///
    /// Possible until the type's cancellation cutoff (by default 24 hours before); after it,
    /// 409 with reason `past_cutoff`.
    #[oai(
        path = "/bookings/:token/cancel",
        method = "post",
        operation_id = "cancelBooking"
    )]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        token: Path<String>,
        body: OptionalJsonBody<CancelBody>,
    ) -> ApiResult<Json<ManagedBody>, BookingWrite> {
        let reason = CancelReason::parse(body.0.reason.as_deref()).map_err(ApiError::from)?;
        let managed = booking::by_token(&state.db, &token.0).await?;
        let audit = audit_context(&state, &origin, Actor::client_link(managed.appointment.id));
        let cancelled = appointments::cancel(
            &state.db,
            &state.schedule,
            state.notifier(),
            managed.appointment.id,
            reason,
            CancelledBy::Client,
            crate::billing::policy::client_may_cancel(&state.db, audit.now, managed.cutoff())
                .await?,
            &audit,
        )
        .await?;
        let managed = ManagedBooking {
            appointment: cancelled,
            ..managed
        };
        Ok(Json(managed_body(&state, &managed, &token.0).await?))
    }

    /// Move a booking
    ///
    /// To another free time of the same type, until the cancellation cutoff. Atomic: the new
    /// time is taken and the old one released together, or nothing changes.
    #[oai(
        path = "/bookings/:token/reschedule",
        method = "post",
        operation_id = "rescheduleBooking"
    )]
    async fn reschedule(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        token: Path<String>,
        body: JsonBody<RescheduleBody>,
    ) -> ApiResult<Json<ManagedBody>, BookingWrite> {
        let start = booking_input::SlotStart::parse(&body.0.start)?.instant();
        let managed = booking::by_token(&state.db, &token.0).await?;
        let audit = audit_context(&state, &origin, Actor::client_link(managed.appointment.id));
        let moved = appointments::reschedule(
            &state.db,
            &state.schedule,
            state.notifier(),
            managed.appointment.id,
            start,
            Booker::Online,
            &audit,
        )
        .await?;
        let managed = ManagedBooking {
            appointment: moved,
            ..managed
        };
        Ok(Json(managed_body(&state, &managed, &token.0).await?))
    }
}

/// An instant as a time with `tz`'s offset.
pub fn local(tz: TimeZone, at: DateTime<Utc>) -> DateTime<FixedOffset> {
    at.with_timezone(&tz.tz()).fixed_offset()
}

fn links(state: &AppState, token: &str) -> (String, String) {
    (
        state.public_url.link(&format!("/booking/{token}")),
        state
            .public_url
            .link(&format!("/api/v1/public/bookings/{token}/ics")),
    )
}

fn booked_body(state: &AppState, tz: TimeZone, a: &appointment::Model, token: &str) -> BookedBody {
    let (manage_url, ics_url) = links(state, token);
    BookedBody {
        id: a.id,
        status: appointments::status_name(a.status).to_owned(),
        start: local(tz, a.starts_at),
        end: local(tz, a.ends_at),
        manage_token: token.to_owned(),
        manage_url,
        ics_url,
    }
}

async fn managed_body(
    state: &AppState,
    m: &ManagedBooking,
    token: &str,
) -> Result<ManagedBody, ApiError> {
    let tz = practice::time_zone(&state.db).await?;
    let (manage_url, ics_url) = links(state, token);
    let a = &m.appointment;
    let cutoff = m.cutoff();
    Ok(ManagedBody {
        id: a.id,
        status: appointments::status_name(a.status).to_owned(),
        start: local(tz, a.starts_at),
        end: local(tz, a.ends_at),
        time_zone: tz.name().to_owned(),
        appointment_type: TypeSummary {
            slug: m.appointment_type.slug.clone(),
            name: m.appointment_type.name.clone(),
            duration_minutes: m.appointment_type.duration_minutes,
            location_kind: m.appointment_type.location_kind.into(),
            location_details: m.appointment_type.location_details.clone(),
        },
        practitioner: PractitionerSummary {
            id: m.practitioner.id,
            name: m.practitioner.name.clone(),
        },
        can_change: a.status == entity::appointment::AppointmentStatus::Confirmed
            && state.clock.now() <= cutoff,
        change_until: local(tz, cutoff),
        cancelled_at: a.cancelled_at,
        manage_url,
        ics_url,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scheduling::slots::Interval;

    /// The answer as written out is the JSON its documented shape (`ToJSON`) would give.
    fn assert_written_as_documented(answer: SlotsAnswer) {
        use poem_openapi::types::ToJSON;
        let written: serde_json::Value =
            serde_json::from_slice(&PreparedJson::write(&answer)).unwrap();
        assert_eq!(Some(written), answer.to_json());
    }

    #[test]
    fn a_compact_day_on_which_the_clocks_change_marks_the_times_after_the_change() {
        let tz = TimeZone::parse("America/New_York").unwrap();
        let ty = entity::appointment_type::Model {
            id: Uuid::nil(),
            slug: "s".into(),
            name: "S".into(),
            description: String::new(),
            duration_minutes: 60,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            slot_step_minutes: 60,
            min_notice_minutes: 0,
            horizon_days: 365,
            cancellation_cutoff_minutes: 0,
            public: true,
            location_kind: LocationKind::Video,
            location_details: None,
            active: true,
            reminder_minutes: serde_json::json!([]),
            intake_questionnaire_id: None,
            client_title: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        // 14 March 2027: New York goes from -05:00 to -04:00 at 02:00 local.
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let hour = |start: &str| {
            let start = at(start);
            Interval::new(start, start + chrono::Duration::hours(1))
        };
        let free = [
            (hour("2027-03-14T06:00:00Z"), a), // 01:00 -05:00
            (hour("2027-03-14T06:00:00Z"), b),
            (hour("2027-03-14T07:00:00Z"), a), // 03:00 -04:00
            (hour("2027-03-15T13:00:00Z"), b), // 09:00 -04:00, the next day
        ];
        let c = compact(&ty, tz, &free);
        assert_written_as_documented(SlotsAnswer::Compact(compact(&ty, tz, &free)));
        for tz in [tz, TimeZone::parse("UTC").unwrap()] {
            assert_written_as_documented(SlotsAnswer::Full(SlotsBody {
                type_: ty.slug.clone(),
                tz: tz.name().to_owned(),
                slots: free
                    .iter()
                    .map(|(s, p)| Slot {
                        start: local(tz, s.start),
                        end: local(tz, s.end),
                        practitioner_id: *p,
                    })
                    .collect(),
            }));
        }
        assert_eq!(c.practitioners, vec![a, b]);
        assert_eq!(c.days.len(), 2);
        assert_eq!(c.days[0].offset, "-05:00");
        assert_eq!(c.days[0].times, vec!["01:00", "03:00-04:00"]);
        assert_eq!(c.days[0].free, vec![vec![0, 1], vec![0]]);
        assert_eq!(c.days[1].offset, "-04:00");
        assert_eq!(c.days[1].times, vec!["09:00"]);
        assert_eq!(c.days[1].free, vec![vec![1]]);
    }
}
