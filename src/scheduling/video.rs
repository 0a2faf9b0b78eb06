//! Video appointments: each has its own room, never one shared by every client, and each
//! partner their own way in (`/join/{secret}`), which records where they are when they join.
//!
//! The room is named by 128 random bits and nothing else (no name, no date), kept sealed
//! like every private link. Its address comes from the practice's room template
//! (`https://meet.example.org/{room}`, for a provider that takes a room name, such as a
//! self-hosted Jitsi), unless the practitioner has a fixed link of their own (for a provider
//! that gives each practitioner one room, with its own waiting room).

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment,
    appointment_type::{self, LocationKind},
    join_link, participant, practice, practitioner,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    crypto::{self, DataKeys, Secret},
    types::{Jurisdiction, Place},
};

/// Join links start with this.
pub const TOKEN_PREFIX: &str = "atj_";

/// How long before the start a join link opens.
pub const OPENS_BEFORE: Duration = Duration::minutes(15);

pub fn room_context(id: Uuid) -> String {
    format!("appointment.video_room:{id}")
}

pub fn token_context(id: Uuid) -> String {
    format!("join_link.token:{id}")
}

/// A new appointment's sealed room, if its type is a video one.
pub fn mint_room(keys: &DataKeys, id: Uuid, ty: &appointment_type::Model) -> Option<String> {
    (ty.location_kind == LocationKind::Video).then(|| {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the operating system has no randomness to give");
        let room: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        keys.seal(&room, &room_context(id))
    })
}

/// The address of `a`'s room: the practitioner's fixed link, or the practice's template
/// filled with the room's name. None for an appointment without a room, or when neither is
/// set up (or the keys no longer open the room's name).
pub fn room_url(
    keys: &DataKeys,
    a: &appointment::Model,
    practice: &practice::Model,
    practitioner: &practitioner::Model,
) -> Option<String> {
    let sealed = a.video_room_sealed.as_deref()?;
    if let Some(link) = practitioner.video_link.as_deref() {
        return Some(link.to_owned());
    }
    let template = practice.video_room_template.as_deref()?;
    let room = keys.open(sealed, &room_context(a.id)).ok()?;
    Some(template.replace("{room}", &room))
}

/// A practitioner's jurisdictions as kept.
pub fn licensed_in(p: &practitioner::Model) -> Vec<Jurisdiction> {
    serde_json::from_value::<Vec<String>>(p.licensed_in.clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|code| Jurisdiction::parse(code).ok())
        .collect()
}

/// Whether someone at `place` is outside every jurisdiction `p` is licensed in; never when
/// none are set.
pub fn outside_licence(p: &practitioner::Model, place: &Place) -> bool {
    let licences = licensed_in(p);
    !licences.is_empty() && !licences.iter().any(|l| l.covers(place))
}

/// Whether `a` was written in this transaction, so has no join links yet to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Now,
    Before,
}

/// The join link of each partner of `a` (for a video appointment), made for those who have
/// none yet: participant → secret. Empty for other appointments.
pub async fn join_tokens(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    a: &appointment::Model,
    participants: &[participant::Model],
    written: Written,
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, String)>, DbErr> {
    // A cancelled session is joined by nobody: its messages carry no link.
    if a.video_room_sealed.is_none()
        || a.status == entity::appointment::AppointmentStatus::Cancelled
    {
        return Ok(Vec::new());
    }
    let existing = match written {
        Written::Now => Vec::new(),
        Written::Before => {
            join_link::Entity::find()
                .filter(join_link::Column::AppointmentId.eq(a.id))
                .all(db)
                .await?
        }
    };
    let mut out = Vec::with_capacity(participants.len());
    let mut fresh = Vec::new();
    for person in participants {
        let kept = existing
            .iter()
            .find(|l| l.participant_id == person.id)
            .and_then(|l| keys.open(&l.token_sealed, &token_context(l.id)).ok());
        if let Some(token) = kept {
            out.push((person.id, token));
            continue;
        }
        // A row whose secret the keys no longer open is replaced, as a manage link is.
        if let Some(old) = existing.iter().find(|l| l.participant_id == person.id) {
            join_link::Entity::delete_by_id(old.id).exec(db).await?;
        }
        let id = Uuid::new_v4();
        let token = Secret::generate(TOKEN_PREFIX);
        fresh.push(join_link::ActiveModel {
            id: Set(id),
            appointment_id: Set(a.id),
            participant_id: Set(person.id),
            token_hash: Set(token.hash()),
            token_sealed: Set(keys.seal(token.expose(), &token_context(id))),
            country: Set(None),
            region: Set(None),
            located_at: Set(None),
            outside_licence: Set(false),
            created_at: Set(now),
        });
        out.push((person.id, token.into_string()));
    }
    if fresh.is_empty() {
        return Ok(out);
    }
    // Two requests for a page of the same appointment (the manage page, opened twice at
    // once) may both find a partner without a link: the first one's stands, and the second
    // reads it back rather than failing.
    join_link::Entity::insert_many(fresh)
        .on_conflict(
            OnConflict::columns([
                join_link::Column::AppointmentId,
                join_link::Column::ParticipantId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if written == Written::Now {
        return Ok(out);
    }
    let kept = join_link::Entity::find()
        .filter(join_link::Column::AppointmentId.eq(a.id))
        .all(db)
        .await?;
    Ok(participants
        .iter()
        .filter_map(|person| {
            let link = kept.iter().find(|l| l.participant_id == person.id)?;
            let token = keys
                .open(&link.token_sealed, &token_context(link.id))
                .ok()?;
            Some((person.id, token))
        })
        .collect())
}

/// The partner's link presented at `/join/{secret}`, with its appointment.
pub async fn by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(join_link::Model, appointment::Model)>, DbErr> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let Some(link) = join_link::Entity::find()
        .filter(join_link::Column::TokenHash.eq(crypto::hash_secret(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let a = appointment::Entity::find_by_id(link.appointment_id)
        .one(db)
        .await?;
    Ok(a.map(|a| (link, a)))
}

/// Where the link opens: from [`OPENS_BEFORE`] the start until the end.
pub fn is_open(a: &appointment::Model, now: DateTime<Utc>) -> bool {
    a.status == entity::appointment::AppointmentStatus::Confirmed
        && now >= a.starts_at - OPENS_BEFORE
        && now < a.ends_at
}

/// Keeps where the partner said they are, when, and whether it is outside `p`'s licences.
pub async fn record_place(
    db: &impl ConnectionTrait,
    link: &join_link::Model,
    p: &practitioner::Model,
    place: &Place,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let outside = outside_licence(p, place);
    join_link::Entity::update_many()
        .col_expr(
            join_link::Column::Country,
            Some(place.country.clone()).into(),
        )
        .col_expr(join_link::Column::Region, place.region.clone().into())
        .col_expr(join_link::Column::LocatedAt, Some(now).into())
        .col_expr(join_link::Column::OutsideLicence, outside.into())
        .filter(join_link::Column::Id.eq(link.id))
        .exec(db)
        .await?;
    Ok(outside)
}

/// The place a link recorded, if its partner has joined.
pub fn place_of(link: &join_link::Model) -> Option<Place> {
    Some(Place {
        country: link.country.clone()?,
        region: link.region.clone(),
    })
}

/// The links of `appointment_ids` whose partners have said where they are.
pub async fn places(
    db: &impl ConnectionTrait,
    appointment_ids: &[Uuid],
) -> Result<Vec<join_link::Model>, DbErr> {
    if appointment_ids.is_empty() {
        return Ok(Vec::new());
    }
    join_link::Entity::find()
        .filter(join_link::Column::AppointmentId.is_in(appointment_ids.iter().copied()))
        .filter(join_link::Column::LocatedAt.is_not_null())
        .all(db)
        .await
}

/// Where one partner was when they joined, as shown to staff.
pub struct Joined {
    pub participant_id: Uuid,
    pub place: Place,
    pub at: DateTime<Utc>,
    pub outside_licence: bool,
}

/// Each partner of `a` who has joined, with where from.
pub async fn joined(db: &impl ConnectionTrait, a: Uuid) -> Result<Vec<Joined>, DbErr> {
    Ok(places(db, &[a])
        .await?
        .iter()
        .filter_map(joined_of)
        .collect())
}

pub fn joined_of(link: &join_link::Model) -> Option<Joined> {
    Some(Joined {
        participant_id: link.participant_id,
        place: place_of(link)?,
        at: link.located_at?,
        outside_licence: link.outside_licence,
    })
}

/// The room's address for `staff` if they treat the couple (the read recorded), else none.
pub async fn room_shown(
    db: &impl ConnectionTrait,
    keys: &DataKeys,
    staff: &crate::auth::Staff,
    a: &appointment::Model,
    audit: &crate::audit::AuditContext,
) -> Result<Option<String>, DbErr> {
    if a.video_room_sealed.is_none() {
        return Ok(None);
    }
    let Some(client) = entity::client::Entity::find_by_id(a.client_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !crate::policy::treats(staff, &client) {
        return Ok(None);
    }
    let practice = crate::practice::settings(db)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let Some(p) = practitioner::Entity::find_by_id(a.practitioner_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let url = room_url(keys, a, &practice, &p);
    if url.is_some() {
        audit
            .record(
                db,
                crate::audit::Event::new(crate::audit::Action::VideoRoomShown)
                    .entity("appointment", a.id),
            )
            .await?;
    }
    Ok(url)
}
