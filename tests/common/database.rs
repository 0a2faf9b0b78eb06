//! One fresh database per test: a SQLite file in a temporary directory, or a uniquely named
//! Postgres database on the server `ATTUNE_TEST_DATABASE_URL` names, dropped at the end.

use attune::config::{Backend, DatabaseUrl};
use sea_orm::{ConnectionTrait, Database};

pub const POSTGRES_ENV: &str = "ATTUNE_TEST_DATABASE_URL";

/// A UUID literal as each backend stores UUIDs (SQLite: 16-byte blobs), for raw SQL.
pub fn uuid_literal(backend: sea_orm::DbBackend, id: uuid::Uuid) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => format!("'{id}'"),
        _ => format!("X'{}'", id.simple()),
    }
}

pub struct TestDatabase {
    url: DatabaseUrl,
    kind: Kind,
}

enum Kind {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

impl TestDatabase {
    pub async fn create() -> Self {
        match std::env::var(POSTGRES_ENV).ok().filter(|v| !v.is_empty()) {
            Some(admin_url) => Self::create_postgres(admin_url).await,
            None => Self::create_sqlite(),
        }
    }

    fn create_sqlite() -> Self {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let path = dir.path().join("attune.db");
        let url = DatabaseUrl::parse(&format!("sqlite://{}?mode=rwc", path.display())).unwrap();
        Self {
            url,
            kind: Kind::Sqlite { _dir: dir },
        }
    }

    async fn create_postgres(admin_url: String) -> Self {
        let name = format!("attune_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{POSTGRES_ENV} is set but unreachable: {e}"));
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
            .expect("creating the test database");
        admin.close().await.ok();
        let mut url = url::Url::parse(&admin_url).expect("a postgres:// URL");
        url.set_path(&format!("/{name}"));
        Self {
            url: DatabaseUrl::parse(url.as_str()).unwrap(),
            kind: Kind::Postgres { admin_url, name },
        }
    }

    pub fn url(&self) -> DatabaseUrl {
        self.url.clone()
    }

    /// Variables that point the `attune` binary at this database. On Postgres a data key is
    /// required, so one is made up; on SQLite the key file appears beside the database.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut vars = vec![("DATABASE_URL", self.url.expose().to_owned())];
        if self.backend() == Backend::Postgres {
            vars.push((
                "ATTUNE_DATA_KEY",
                attune::crypto::DataKey::generate().to_base64(),
            ));
        }
        vars
    }

    pub fn backend(&self) -> Backend {
        self.url.backend()
    }

    /// A separate connection for inspecting rows as they are stored.
    pub async fn connect(&self) -> sea_orm::DatabaseConnection {
        Database::connect(self.url.expose()).await.unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Kind::Postgres { admin_url, name } = &self.kind else {
            return;
        };
        let (admin_url, name) = (admin_url.clone(), name.clone());
        // Drop runs inside the test's runtime, which cannot be blocked on from within, so
        // the cleanup gets a thread and a runtime of its own. FORCE ends the connections
        // the application's pool may still hold.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let admin = Database::connect(&admin_url).await?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: could not drop a test database: {dropped:?}");
        }
    }
}
