//! What free time is made of, kept in memory: the practice's settings, the types and who
//! offers them, and each practitioner's hours, overrides, time off and busy times. A request
//! checks the `availability` version (one read) and reloads only when it moved; triggers in
//! the database move it, so a change made through any instance is seen by every other.
//!
//! Appointments are not kept: they change with every booking, which would empty the cache
//! on a busy day. A check reads the few that matter in one query. The race guarantee stays
//! where it was: the exclusion constraint on Postgres, the single writer on SQLite.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use chrono::{DateTime, Duration, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    appointment_type, appointment_type_practitioner as offered, availability_override,
    availability_rule, busy_block, practice, practitioner, time_off,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::versions::{SharedReads, Versions};

use super::{
    SchedulingError,
    availability::{self, parse_windows, weekday, zone_of},
    slots::{DateOverride, Interval, Schedule, WeeklyRule},
};

/// How far back a snapshot holds rows, from when it was loaded: a range reaching further
/// back than this (less the margin a schedule reads around its range) is read afresh.
const HISTORY: Duration = Duration::days(7);

/// A schedule reads this far either side of its range: appointments and time off reaching
/// into it from outside count ([`availability::schedule`] uses the same).
const MARGIN: Duration = Duration::days(2);

/// The snapshot of this instance, replaced whole when the version moves.
#[derive(Default)]
pub struct ScheduleCache {
    current: RwLock<Option<Arc<Snapshot>>>,
    reads: SharedReads,
}

impl ScheduleCache {
    /// The versions as of now, the read shared with requests asking at the same moment
    /// ([`SharedReads`]). Outside a transaction only.
    pub async fn versions(&self, db: &impl ConnectionTrait) -> Result<Versions, DbErr> {
        self.reads.current(db).await
    }

    /// The snapshot as of now, its version read shared with requests asking at the same
    /// moment ([`Self::versions`]). Outside a transaction only.
    pub async fn current(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<Arc<Snapshot>, DbErr> {
        let versions = self.versions(db).await?;
        self.at(db, versions.availability, now).await
    }

    /// The snapshot current in `db` (a transaction sees its own writer's view).
    pub async fn get(
        &self,
        db: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<Arc<Snapshot>, DbErr> {
        let version = crate::versions::availability(db).await?;
        self.at(db, version, now).await
    }

    /// The snapshot of `version` of availability, just read from `db`.
    pub async fn at(
        &self,
        db: &impl ConnectionTrait,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<Arc<Snapshot>, DbErr> {
        if let Some(held) = self.held()
            && held.version == version
            && held.loaded_at - HISTORY + MARGIN <= now
        {
            return Ok(held);
        }
        let fresh = Arc::new(Snapshot::load(db, version, now).await?);
        let mut slot = self.current.write().unwrap_or_else(|e| e.into_inner());
        // Another request may have loaded a newer one meanwhile; the newest stays.
        if slot.as_ref().is_none_or(|s| s.version <= fresh.version) {
            *slot = Some(fresh.clone());
        }
        Ok(fresh)
    }

    fn held(&self) -> Option<Arc<Snapshot>> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Everything free time is made of except appointments, as of one version.
pub struct Snapshot {
    version: i64,
    loaded_at: DateTime<Utc>,
    pub practice: practice::Model,
    types: Vec<appointment_type::Model>,
    /// Every practitioner, active or not.
    practitioners: HashMap<Uuid, practitioner::Model>,
    /// Active practitioners offering each type, by name.
    offering: HashMap<Uuid, Vec<practitioner::Model>>,
    times: HashMap<Uuid, Times>,
}

/// One practitioner's hours and what blocks them besides appointments.
#[derive(Default)]
struct Times {
    rules: Vec<WeeklyRule>,
    overrides: Vec<DateOverride>,
    /// Time off and imported busy times.
    busy: Vec<Interval>,
}

impl Snapshot {
    async fn load(
        db: &impl ConnectionTrait,
        version: i64,
        now: DateTime<Utc>,
    ) -> Result<Self, DbErr> {
        let since = now - HISTORY;
        let practice = practice::Entity::find_by_id(practice::PRACTICE_ID)
            .one(db)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound("the practice".into()))?;
        let types = appointment_type::Entity::find()
            .order_by_asc(appointment_type::Column::Name)
            .all(db)
            .await?;
        let practitioners: HashMap<Uuid, practitioner::Model> = practitioner::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let mut offering: HashMap<Uuid, Vec<practitioner::Model>> = HashMap::new();
        for link in offered::Entity::find().all(db).await? {
            if let Some(p) = practitioners
                .get(&link.practitioner_id)
                .filter(|p| p.active)
            {
                offering
                    .entry(link.appointment_type_id)
                    .or_default()
                    .push(p.clone());
            }
        }
        for list in offering.values_mut() {
            list.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        }
        let mut times: HashMap<Uuid, Times> = HashMap::new();
        for r in availability_rule::Entity::find()
            .order_by_asc(availability_rule::Column::Weekday)
            .order_by_asc(availability_rule::Column::StartTime)
            .all(db)
            .await?
        {
            if let Some(weekday) = weekday(r.weekday) {
                times
                    .entry(r.practitioner_id)
                    .or_default()
                    .rules
                    .push(WeeklyRule {
                        weekday,
                        start: r.start_time,
                        end: r.end_time,
                        valid_from: r.valid_from,
                        valid_until: r.valid_until,
                    });
            }
        }
        for o in availability_override::Entity::find()
            .filter(availability_override::Column::Date.gte(since.date_naive()))
            .all(db)
            .await?
        {
            times
                .entry(o.practitioner_id)
                .or_default()
                .overrides
                .push(DateOverride {
                    date: o.date,
                    windows: parse_windows(&o.windows),
                });
        }
        for t in time_off::Entity::find()
            .filter(time_off::Column::EndsAt.gt(since))
            .all(db)
            .await?
        {
            times
                .entry(t.practitioner_id)
                .or_default()
                .busy
                .push(Interval::new(t.starts_at, t.ends_at));
        }
        for b in busy_block::Entity::find()
            .filter(busy_block::Column::EndsAt.gt(since))
            .all(db)
            .await?
        {
            times
                .entry(b.practitioner_id)
                .or_default()
                .busy
                .push(Interval::new(b.starts_at, b.ends_at));
        }
        Ok(Self {
            version,
            loaded_at: now,
            practice,
            types,
            practitioners,
            offering,
            times,
        })
    }

    /// An active public type by its slug: what online booking may use.
    pub fn public_type(&self, slug: &str) -> Option<&appointment_type::Model> {
        self.types
            .iter()
            .find(|t| t.slug == slug && t.public && t.active)
    }

    /// A type by id, active or not.
    pub fn appointment_type(&self, id: Uuid) -> Option<&appointment_type::Model> {
        self.types.iter().find(|t| t.id == id)
    }

    /// A practitioner by id, active or not.
    pub fn practitioner(&self, id: Uuid) -> Option<&practitioner::Model> {
        self.practitioners.get(&id)
    }

    /// [`Self::appointment_type`], read from the database should it be newer than this
    /// snapshot (on Postgres a row read after the version may be).
    pub async fn type_or_read(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<appointment_type::Model, SchedulingError> {
        match self.appointment_type(id) {
            Some(t) => Ok(t.clone()),
            None => super::types::find(db, id).await,
        }
    }

    /// [`Self::practitioner`], read from the database should it be newer than this snapshot.
    pub async fn practitioner_or_read(
        &self,
        db: &impl ConnectionTrait,
        id: Uuid,
    ) -> Result<practitioner::Model, SchedulingError> {
        match self.practitioner(id) {
            Some(p) => Ok(p.clone()),
            None => availability::practitioner(db, id).await,
        }
    }

    /// The active practitioners who offer `type_id`, by name.
    pub fn offering(&self, type_id: Uuid) -> &[practitioner::Model] {
        self.offering.get(&type_id).map_or(&[], Vec::as_slice)
    }

    /// The schedules of `practitioners` from `from` to `to`, in order, with their
    /// appointments read in one query (`ignore` left out: the one being moved).
    pub async fn schedules(
        &self,
        db: &impl ConnectionTrait,
        practitioners: &[&practitioner::Model],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        ignore: Option<Uuid>,
    ) -> Result<Vec<Schedule>, DbErr> {
        let (wide_from, wide_to) = (from - MARGIN, to + MARGIN);
        if wide_from < self.loaded_at - HISTORY {
            // Further back than this snapshot holds.
            let mut out = Vec::with_capacity(practitioners.len());
            for p in practitioners {
                out.push(availability::schedule(db, p, from, to, ignore).await?);
            }
            return Ok(out);
        }
        if practitioners.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = appointment::Entity::find()
            .filter(appointment::Column::PractitionerId.is_in(practitioners.iter().map(|p| p.id)))
            .filter(appointment::Column::Status.ne(AppointmentStatus::Cancelled))
            .filter(appointment::Column::BlockedFrom.lt(wide_to))
            .filter(appointment::Column::BlockedUntil.gt(wide_from));
        if let Some(id) = ignore {
            query = query.filter(appointment::Column::Id.ne(id));
        }
        // Three columns, not the whole row: decoding is most of a slot request's cost.
        let rows: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = query
            .select_only()
            .column(appointment::Column::PractitionerId)
            .column(appointment::Column::BlockedFrom)
            .column(appointment::Column::BlockedUntil)
            .into_tuple()
            .all(db)
            .await?;
        let mut booked: HashMap<Uuid, Vec<Interval>> = HashMap::new();
        for (practitioner, from, until) in rows {
            booked
                .entry(practitioner)
                .or_default()
                .push(Interval::new(from, until));
        }
        let none = Times::default();
        Ok(practitioners
            .iter()
            .map(|p| {
                let times = self.times.get(&p.id).unwrap_or(&none);
                let mut busy: Vec<Interval> = times
                    .busy
                    .iter()
                    .filter(|b| b.start < wide_to && b.end > wide_from)
                    .copied()
                    .collect();
                busy.extend(booked.remove(&p.id).unwrap_or_default());
                Schedule {
                    tz: zone_of(p).tz(),
                    rules: times.rules.clone(),
                    overrides: times
                        .overrides
                        .iter()
                        .filter(|o| {
                            o.date >= wide_from.date_naive() && o.date <= wide_to.date_naive()
                        })
                        .cloned()
                        .collect(),
                    busy,
                }
            })
            .collect())
    }
}
