//! What a feed is made of, in one query: the practitioner's appointments in its window, with
//! their participants' names when the feed names anyone, and her time off when it shows it.

use chrono::{DateTime, Utc};
use entity::{
    appointment::{self, AppointmentStatus},
    calendar_feed::{self, FeedDetail},
    participant, time_off,
};
use sea_orm::{
    ActiveEnum, ConnectionTrait, DbErr, FromQueryResult,
    sea_query::{Expr, ExprTrait, Query, SelectStatement, UnionType},
};
use uuid::Uuid;

use crate::calendar::events::{Name, Occasion};

/// One event of the feed, before it is worded.
pub enum Row {
    Appointment(Booked),
    TimeOff(Occasion),
}

pub struct Booked {
    pub occasion: Occasion,
    pub type_id: Uuid,
    pub client_id: Uuid,
    /// In the order the client lists them; empty when the feed names no one.
    pub people: Vec<Name>,
}

/// A row of the query: an appointment once per participant named, or a time off.
#[derive(FromQueryResult)]
struct Line {
    time_off: bool,
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sequence: i32,
    status: Option<String>,
    appointment_type_id: Option<Uuid>,
    client_id: Option<Uuid>,
    first_name: Option<String>,
    last_name: Option<String>,
    position: Option<i32>,
}

/// The events of `feed`: appointments starting from `since` (cancelled ones only when
/// cancelled from `kept_since`), then time off ending from `since`, each in time order.
pub async fn read(
    db: &impl ConnectionTrait,
    feed: &calendar_feed::Model,
    since: DateTime<Utc>,
    kept_since: DateTime<Utc>,
) -> Result<Vec<Row>, DbErr> {
    let mut query = appointments(feed, since, kept_since);
    if feed.include_time_off {
        query.union(UnionType::All, time_off(feed, since));
    }
    let statement = db.get_database_backend().build(&query);
    let mut lines = Line::find_by_statement(statement).all(db).await?;
    // The order is kept here: a union's order is awkward to say for both databases alike.
    lines.sort_by_key(|l| (l.time_off, l.starts_at, l.id, l.position));
    Ok(group(lines))
}

fn appointments(
    feed: &calendar_feed::Model,
    since: DateTime<Utc>,
    kept_since: DateTime<Utc>,
) -> SelectStatement {
    use appointment::{Column as A, Entity as Appointments};
    let named = feed.detail != FeedDetail::Minimal;
    let mut query = Query::select();
    query
        .expr_as(Expr::cust("0 = 1"), "time_off")
        .column((Appointments, A::Id))
        .column((Appointments, A::StartsAt))
        .column((Appointments, A::EndsAt))
        .column((Appointments, A::CreatedAt))
        .column((Appointments, A::UpdatedAt))
        .column((Appointments, A::Sequence))
        .column((Appointments, A::Status))
        .column((Appointments, A::AppointmentTypeId))
        .column((Appointments, A::ClientId))
        .from(Appointments)
        .and_where(Expr::col((Appointments, A::PractitionerId)).eq(feed.practitioner_id))
        .and_where(Expr::col((Appointments, A::StartsAt)).gte(since))
        .and_where(
            Expr::col((Appointments, A::Status))
                .ne(AppointmentStatus::Cancelled.to_value())
                .or(Expr::col((Appointments, A::CancelledAt)).gte(kept_since)),
        );
    if named {
        use participant::{Column as P, Entity as Participants};
        query
            .column((Participants, P::FirstName))
            .column((Participants, P::LastName))
            .column((Participants, P::Position))
            .left_join(
                Participants,
                Expr::col((Participants, P::ClientId)).equals((Appointments, A::ClientId)),
            );
    } else {
        nulls(&mut query, &["first_name", "last_name", "position"]);
    }
    query
}

/// Columns of [`Line`] a part of the union has nothing for.
fn nulls(query: &mut SelectStatement, names: &[&'static str]) {
    for &name in names {
        query.expr_as(Expr::cust("NULL"), name);
    }
}

fn time_off(feed: &calendar_feed::Model, since: DateTime<Utc>) -> SelectStatement {
    use time_off::{Column as T, Entity as TimeOff};
    let mut query = Query::select();
    query
        .expr_as(Expr::cust("1 = 1"), "time_off")
        .column((TimeOff, T::Id))
        .column((TimeOff, T::StartsAt))
        .column((TimeOff, T::EndsAt))
        .column((TimeOff, T::CreatedAt))
        .expr_as(Expr::col((TimeOff, T::CreatedAt)), "updated_at")
        .expr_as(Expr::cust("0"), "sequence");
    nulls(
        &mut query,
        &[
            "status",
            "appointment_type_id",
            "client_id",
            "first_name",
            "last_name",
            "position",
        ],
    );
    query
        .from(TimeOff)
        .and_where(Expr::col((TimeOff, T::PractitionerId)).eq(feed.practitioner_id))
        .and_where(Expr::col((TimeOff, T::EndsAt)).gte(since));
    query
}

/// Sorted lines to events: an appointment's lines are consecutive, one per participant.
fn group(lines: Vec<Line>) -> Vec<Row> {
    let cancelled = AppointmentStatus::Cancelled.to_value();
    let mut rows: Vec<Row> = Vec::new();
    for line in lines {
        let occasion = Occasion {
            id: line.id,
            starts_at: line.starts_at,
            ends_at: line.ends_at,
            created_at: line.created_at,
            updated_at: line.updated_at,
            sequence: line.sequence,
            cancelled: line.status.as_deref() == Some(cancelled.as_str()),
        };
        let name = line.first_name.zip(line.last_name);
        match (line.time_off, line.appointment_type_id, line.client_id) {
            (false, Some(type_id), Some(client_id)) => {
                if let Some(Row::Appointment(last)) = rows.last_mut()
                    && last.occasion.id == occasion.id
                {
                    last.people.extend(name);
                    continue;
                }
                rows.push(Row::Appointment(Booked {
                    occasion,
                    type_id,
                    client_id,
                    people: name.into_iter().collect(),
                }));
            }
            _ => rows.push(Row::TimeOff(occasion)),
        }
    }
    rows
}
