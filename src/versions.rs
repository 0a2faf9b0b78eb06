//! The counters the database moves whenever what an in-memory copy was made from changes
//! (triggers move them; see the `schedule_version` migration), so a copy is checked with one
//! cheap read, whichever instance made the change.

use std::sync::atomic::{AtomicU64, Ordering};

use entity::cache_version;
use sea_orm::{ConnAcquireErr, ConnectionTrait, DbErr, EntityTrait, QuerySelect};

/// The version of what free time is made from besides appointments: practice settings,
/// practitioners, types and who offers them, hours, overrides, time off and busy times.
/// Bookings do not move it, so a cache of it survives a busy day.
pub async fn availability(db: &impl ConnectionTrait) -> Result<i64, DbErr> {
    read(db, "availability").await
}

/// Both counters, as of one read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Versions {
    /// Everything calendar feeds and free-time answers are made from: practice settings,
    /// practitioners, types, hours, overrides, time off, busy times, appointments, clients
    /// and their participants.
    pub schedule: i64,
    /// See [`availability`].
    pub availability: i64,
}

/// Both counters in one statement.
pub async fn current(db: &impl ConnectionTrait) -> Result<Versions, DbErr> {
    let rows: Vec<(String, i64)> = cache_version::Entity::find()
        .select_only()
        .column(cache_version::Column::Name)
        .column(cache_version::Column::Version)
        .into_tuple()
        .all(db)
        .await?;
    let of = |name: &str| {
        rows.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| DbErr::RecordNotFound(format!("the {name} version row")))
    };
    Ok(Versions {
        schedule: of("schedule")?,
        availability: of("availability")?,
    })
}

/// Reads of [`current`] shared by the requests that wait for one at the same time: one read
/// is in flight at most, and it answers every request that arrived before it began. A
/// request never takes a read that began before it arrived, so it sees every change
/// committed before it came, exactly as if it had read alone; under load the database is
/// asked once per round trip instead of once per request.
///
/// A read that fails fails the requests it would have answered too, rather than leaving each
/// to wait its turn for a database that is not answering.
///
/// For reads outside a transaction only: a transaction has a view of its own.
#[derive(Default)]
pub struct SharedReads {
    /// Handed out in order as requests arrive.
    tickets: AtomicU64,
    /// The last read and the first ticket it does not answer.
    last: tokio::sync::Mutex<Option<(u64, Read)>>,
}

#[derive(Clone, Copy)]
enum Read {
    Done(Versions),
    /// The read failed; `unavailable` when the database could not be reached.
    Failed {
        unavailable: bool,
    },
}

impl SharedReads {
    pub async fn current(&self, db: &impl ConnectionTrait) -> Result<Versions, DbErr> {
        let mine = self.tickets.fetch_add(1, Ordering::SeqCst);
        // Waiters queue in order; whoever holds the lock reads for all behind it.
        let mut last = self.last.lock().await;
        if let Some((answers_before, read)) = *last
            && mine < answers_before
        {
            return match read {
                Read::Done(versions) => Ok(versions),
                Read::Failed { unavailable: true } => {
                    Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
                }
                Read::Failed { unavailable: false } => Err(DbErr::Custom(
                    "the version read this request shared failed".into(),
                )),
            };
        }
        // Every ticket below this one was taken before the read is sent.
        let answers_before = self.tickets.load(Ordering::SeqCst);
        let read = current(db).await;
        *last = Some((
            answers_before,
            match &read {
                Ok(versions) => Read::Done(*versions),
                Err(e) => Read::Failed {
                    unavailable: crate::db::is_unavailable(e),
                },
            },
        ));
        read
    }
}

async fn read(db: &impl ConnectionTrait, name: &str) -> Result<i64, DbErr> {
    let version: Option<i64> = cache_version::Entity::find_by_id(name)
        .select_only()
        .column(cache_version::Column::Version)
        .into_tuple()
        .one(db)
        .await?;
    version.ok_or_else(|| DbErr::RecordNotFound(format!("the {name} version row")))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnectionTrait, Database};

    use super::*;

    #[tokio::test]
    async fn a_shared_read_answers_those_waiting_and_never_one_that_came_after_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/v.db?mode=rwc", dir.path().display());
        let mut db = Database::connect(&url).await.unwrap();
        let statements = Arc::new(AtomicU64::new(0));
        let seen = statements.clone();
        db.set_metric_callback(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
        });
        db.execute_unprepared(
            "CREATE TABLE cache_versions (name TEXT PRIMARY KEY, version BIGINT NOT NULL);
             INSERT INTO cache_versions VALUES ('schedule', 1), ('availability', 1);",
        )
        .await
        .unwrap();
        let reads = Arc::new(SharedReads::default());
        let expected = Versions {
            schedule: 1,
            availability: 1,
        };
        let before = statements.load(Ordering::SeqCst);
        let many: Vec<_> = (0..32)
            .map(|_| {
                let (reads, db) = (reads.clone(), db.clone());
                tokio::spawn(async move { reads.current(&db).await.unwrap() })
            })
            .collect();
        for read in many {
            assert_eq!(read.await.unwrap(), expected);
        }
        // The first read began before the others arrived; the next one or two answer the rest
        // (how many depends on when the runtime looks at the finished first read).
        let asked = statements.load(Ordering::SeqCst) - before;
        assert!((2..=4).contains(&asked), "{asked} reads for 32 requests");

        // A change committed before a request arrives is what that request sees.
        db.execute_unprepared("UPDATE cache_versions SET version = 2 WHERE name = 'schedule'")
            .await
            .unwrap();
        assert_eq!(reads.current(&db).await.unwrap().schedule, 2);
        db.execute_unprepared("UPDATE cache_versions SET version = 3 WHERE name = 'availability'")
            .await
            .unwrap();
        assert_eq!(
            reads.current(&db).await.unwrap(),
            Versions {
                schedule: 2,
                availability: 3
            }
        );

        // A failed read fails its own request; the next one reads again.
        db.execute_unprepared("ALTER TABLE cache_versions RENAME TO gone")
            .await
            .unwrap();
        assert!(reads.current(&db).await.is_err());
        db.execute_unprepared("ALTER TABLE gone RENAME TO cache_versions")
            .await
            .unwrap();
        assert_eq!(reads.current(&db).await.unwrap().availability, 3);
    }
}
