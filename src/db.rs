//! Opening the database, applying migrations, and starting write transactions the same way on
//! Postgres and SQLite.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use migration::{Migrator, MigratorTrait};
use std::{future::Future, pin::Pin};

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, ExecResult, IsolationLevel, QueryResult, RuntimeErr, SqliteTransactionMode,
    Statement, TransactionError, TransactionOptions, TransactionSession, TransactionTrait,
};
use tokio::time::Instant;

use crate::config::{Backend, DatabaseUrl};

/// How long start-up waits for a Postgres that is still coming up (compose starts both at once).
pub const CONNECT_PATIENCE: Duration = Duration::from_secs(30);

/// Opens a connection pool. For Postgres, first waits up to [`CONNECT_PATIENCE`] for the
/// server to accept a connection, logging each failed attempt; errors that waiting cannot fix
/// (a wrong password, a missing database) are returned at once.
pub async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, DbErr> {
    if url.backend() == Backend::Postgres {
        wait_for_postgres(url).await?;
    }
    Database::connect(options(url, Access::ReadWrite)).await
}

/// [`connect`], with every statement the pool and its transactions run counted in
/// `statements`.
pub async fn connect_counted(
    url: &DatabaseUrl,
    statements: Arc<Statements>,
) -> Result<DatabaseConnection, DbErr> {
    let mut db = connect(url).await?;
    db.set_metric_callback(move |info| statements.saw(&info.statement.sql));
    Ok(db)
}

/// How many SQL statements a connection has run (transaction control aside), and, while a
/// test asks, which: so the number a page or a booking costs is a figure a test can hold
/// down rather than one that creeps.
#[derive(Default)]
pub struct Statements {
    count: AtomicU64,
    /// The SQL text (placeholders, never values) while recording.
    recording: Mutex<Option<Vec<String>>>,
}

impl Statements {
    fn saw(&self, sql: &str) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Some(log) = self
            .recording
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            log.push(sql.to_owned());
        }
    }

    /// Statements run so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Starts keeping the text of each statement, forgetting any kept before.
    pub fn record(&self) {
        *self.recording.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
    }

    /// The statements run since [`Self::record`], and stops keeping them.
    pub fn recorded(&self) -> Vec<String> {
        self.recording
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    }
}

/// A connection that cannot change anything: SQLite opens the file read-only and never
/// creates it. For `attune migrate --status`.
pub async fn connect_read_only(url: &DatabaseUrl) -> Result<DatabaseConnection, DbErr> {
    Database::connect(options(url, Access::ReadOnly)).await
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    ReadWrite,
    ReadOnly,
}

/// Single connection attempts with backoff. The pool would retry on its own too, but silently
/// and only until its acquire timeout; an operator watching compose start wants to see why
/// Attune is not up yet.
async fn wait_for_postgres(url: &DatabaseUrl) -> Result<(), DbErr> {
    use sea_orm::sqlx::{Connection, postgres::PgConnection};

    let deadline = Instant::now() + CONNECT_PATIENCE;
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1u32;
    loop {
        let error = match tokio::time::timeout(ATTEMPT_TIMEOUT, PgConnection::connect(url.expose()))
            .await
        {
            Ok(Ok(conn)) => {
                let _ = conn.close().await;
                return Ok(());
            }
            Ok(Err(e)) => e,
            Err(_) => sea_orm::sqlx::Error::PoolTimedOut,
        };
        let error = DbErr::Conn(RuntimeErr::SqlxError(error.into()));
        if !is_unavailable(&error) || Instant::now() + delay >= deadline {
            return Err(error);
        }
        tracing::warn!(
            database = %url,
            attempt,
            error = %error,
            "the database is not reachable yet; retrying in {} ms",
            delay.as_millis()
        );
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
        attempt += 1;
    }
}

/// One connection attempt may take this long before it counts as failed.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

fn options(url: &DatabaseUrl, access: Access) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.expose());
    // Statements carry no parameters in logs, but they do carry table names and timing that
    // belong in metrics, not in a practice's log files; slow ones still warn.
    opts.sqlx_logging(false)
        .record_stmt_in_spans(false)
        .acquire_timeout(Duration::from_secs(10));
    match url.backend() {
        Backend::Postgres => {
            opts.max_connections(10).min_connections(1);
        }
        Backend::Sqlite if access == Access::ReadOnly => {
            opts.max_connections(1)
                .map_sqlx_sqlite_opts(|o| o.read_only(true).create_if_missing(false));
        }
        Backend::Sqlite => {
            // WAL lets readers carry on while one writer commits; every write transaction
            // starts IMMEDIATE (see `begin_write`), so writers queue on the busy timeout
            // instead of failing when two upgrade from read to write at once.
            opts.max_connections(4)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                        .foreign_keys(true)
                        .busy_timeout(Duration::from_secs(10))
                });
        }
    }
    opts
}

/// Whether `err` means the database cannot be reached right now (rather than that a query
/// was wrong): connection refused, reset or timed out, the pool exhausted or closed, or
/// Postgres reporting a connection failure (SQLSTATE class 08) or that it is starting up or
/// shutting down (57P01-57P03). Such errors are worth retrying, and are a 503 to clients.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(e) | DbErr::Exec(e) | DbErr::Query(e) => e,
        _ => return false,
    };
    let RuntimeErr::SqlxError(e) = runtime else {
        return false;
    };
    match &**e {
        Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || ["57P01", "57P02", "57P03"].contains(&&*code)
        }),
        _ => false,
    }
}

/// `query` reading its rows locked for the rest of the transaction on Postgres (`FOR
/// UPDATE`), so two changes of one row cannot interleave; SQLite's write transactions already
/// run one at a time.
pub fn for_update<Q: sea_orm::QuerySelect>(query: Q, db: &impl ConnectionTrait) -> Q {
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive()
    } else {
        query
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock up front
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes can fail with
/// SQLITE_BUSY when another writer got there first, and no busy timeout can save it. And
/// before that, it waits its turn in this process ([`Write`]), so writers queue rather
/// than poll SQLite's lock on the busy timeout's sleeps.
pub async fn begin_write<C: TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<Write<C::Transaction>, DbErr> {
    let (options, turn) = match db.get_database_backend() {
        DbBackend::Sqlite => (
            TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            },
            WriterTurn::take().await,
        ),
        _ => (TransactionOptions::default(), None),
    };
    Ok(Write {
        txn: db.begin_with_options(options).await?,
        _turn: turn,
    })
}

/// A write transaction; on SQLite it also holds this process's one writer turn until it
/// commits, rolls back or is dropped.
pub struct Write<T = DatabaseTransaction> {
    txn: T,
    _turn: Option<WriterTurn>,
}

#[async_trait::async_trait]
impl<T: TransactionSession + Send> TransactionSession for Write<T> {
    async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

/// SQLite allows one writer per file, and a process serves one database, so one turn per
/// process. A task that already holds it (a write path calling another) goes on without
/// waiting for itself.
struct WriterTurn {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

struct Turns {
    permits: Arc<tokio::sync::Semaphore>,
    holder: Mutex<Option<Holder>>,
}

/// Who holds the turn: a task, or (for a future driven by `block_on`, as the command line
/// and tests do, which is no task) the thread driving it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holder {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

impl Holder {
    fn current() -> Self {
        match tokio::task::try_id() {
            Some(id) => Holder::Task(id),
            None => Holder::Thread(std::thread::current().id()),
        }
    }
}

static TURNS: std::sync::LazyLock<Turns> = std::sync::LazyLock::new(|| Turns {
    permits: Arc::new(tokio::sync::Semaphore::new(1)),
    holder: Mutex::new(None),
});

impl WriterTurn {
    async fn take() -> Option<Self> {
        let me = Some(Holder::current());
        let holder = || TURNS.holder.lock().unwrap_or_else(|e| e.into_inner());
        if *holder() == me {
            return None;
        }
        let permit = TURNS
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the writer semaphore is never closed");
        *holder() = me;
        Some(Self { _permit: permit })
    }
}

impl Drop for WriterTurn {
    fn drop(&mut self) {
        // Before the permit goes, so the next holder's name is not overwritten.
        *TURNS.holder.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[async_trait::async_trait]
impl<T: ConnectionTrait + Send> ConnectionTrait for Write<T> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

#[async_trait::async_trait]
impl<Inner: TransactionTrait + Send> TransactionTrait for Write<Inner> {
    type Transaction = Inner::Transaction;

    async fn begin(&self) -> Result<Inner::Transaction, DbErr> {
        self.txn.begin().await
    }

    async fn begin_with_config(
        &self,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<Inner::Transaction, DbErr> {
        self.txn
            .begin_with_config(isolation_level, access_mode)
            .await
    }

    async fn begin_with_options(
        &self,
        options: TransactionOptions,
    ) -> Result<Inner::Transaction, DbErr> {
        self.txn.begin_with_options(options).await
    }

    async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Inner::Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn.transaction(callback).await
    }

    async fn transaction_with_config<F, T, E>(
        &self,
        callback: F,
        isolation_level: Option<IsolationLevel>,
        access_mode: Option<AccessMode>,
    ) -> Result<T, TransactionError<E>>
    where
        F: for<'c> FnOnce(
                &'c Inner::Transaction,
            ) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>
            + Send,
        T: Send,
        E: std::fmt::Display + std::fmt::Debug + Send,
    {
        self.txn
            .transaction_with_config(callback, isolation_level, access_mode)
            .await
    }
}

/// A write transaction that may rewrite how a signed note is stored (its sealing under a new
/// key, its tag) without changing the note: the Postgres lock on signed notes lets only such
/// a transaction through, and only `attune keys rotate` opens one.
pub async fn begin_rekey<C: TransactionTrait + ConnectionTrait>(
    db: &C,
) -> Result<Write<C::Transaction>, DbErr> {
    let txn = begin_write(db).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL attune.rekey = 'on'")
            .await?;
    }
    Ok(txn)
}

/// Applies every pending migration; safe when several instances start at once.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    migration::up_exclusive(db).await
}

/// One line per migration: its name and whether it is applied. Reads only: it neither
/// creates the migrations table nor anything else.
pub async fn migration_status(db: &DatabaseConnection) -> Result<Vec<(String, bool)>, DbErr> {
    Ok(Migrator::get_migration_with_status_read_only(db)
        .await?
        .into_iter()
        .map(|m| {
            (
                m.name().to_owned(),
                m.status() == migration::MigrationStatus::Applied,
            )
        })
        .collect())
}

/// Whether Postgres refused a value itself (SQLSTATE class 22, "data exception": a NUL
/// in text, a timestamp out of range, a number too large). A backstop behind the checks at the
/// edge, so such input is a 4xx rather than a 500.
pub fn is_bad_value(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    matches!(&**e, Sqlx::Database(db) if db.code().is_some_and(|c| c.starts_with("22")))
}

/// Whether `err` is the database refusing a write by the constraint, index or trigger called
/// `name` (Postgres reports the constraint's name; SQLite puts it, or the column, in the
/// message).
pub fn violates(err: &DbErr, name: &str) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    match &**e {
        Sqlx::Database(db) => {
            db.constraint().is_some_and(|c| c.contains(name)) || db.message().contains(name)
        }
        _ => false,
    }
}

/// The names of all migrations this build knows, oldest first.
pub fn known_migrations() -> Vec<String> {
    Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect()
}

/// For `/readyz`: does the database answer a trivial query in time?
pub async fn ping(db: &DatabaseConnection, within: Duration) -> Result<(), String> {
    match tokio::time::timeout(within, db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", within.as_millis())),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, Database, TransactionSession};

    use super::begin_write;

    #[tokio::test]
    async fn sqlite_writers_take_turns_and_a_writer_may_nest() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let db = Database::connect(&url).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (n INTEGER)")
            .await
            .unwrap();

        let first = begin_write(&db).await.unwrap();
        // The same task, inside its own write: a savepoint, not a wait for itself.
        let nested = tokio::time::timeout(Duration::from_secs(5), begin_write(&first))
            .await
            .expect("a writer does not wait for its own turn")
            .unwrap();
        nested.commit().await.unwrap();

        // Another task waits its turn in the process rather than on SQLite's lock.
        let other = {
            let db = db.clone();
            tokio::spawn(async move {
                let txn = begin_write(&db).await.unwrap();
                txn.execute_unprepared("INSERT INTO t VALUES (2)")
                    .await
                    .unwrap();
                txn.commit().await.unwrap();
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(
            !other.is_finished(),
            "the second writer went ahead of the first"
        );
        first
            .execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        first.commit().await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), other)
            .await
            .expect("the second writer goes once the first commits")
            .unwrap();
        let rows = db
            .query_all_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT n FROM t ORDER BY rowid",
            ))
            .await
            .unwrap();
        let order: Vec<i64> = rows.iter().map(|r| r.try_get("", "n").unwrap()).collect();
        assert_eq!(order, vec![1, 2]);
    }
}
