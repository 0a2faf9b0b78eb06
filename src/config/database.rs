//! Which database, and its URL kept out of logs.

use std::{fmt, str::FromStr};

use sea_orm::sqlx::{postgres::PgConnectOptions, sqlite::SqliteConnectOptions};
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database URL whose `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(input: &str) -> Result<Self, String> {
        let url = input.trim().to_owned();
        let backend = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(&url)
                .map_err(|e| format!("is not a valid SQLite URL ({e})"))?;
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            PgConnectOptions::from_str(&url).map_err(|_| {
                "is not a valid PostgreSQL URL (postgres://user:password@host:5432/database)"
                    .to_owned()
            })?;
            Backend::Postgres
        } else {
            return Err(
                "must start with sqlite: or postgres:// (e.g. sqlite://attune.db?mode=rwc)".into(),
            );
        };
        Ok(Self { url, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL with its password; only for handing to the driver.
    pub fn expose(&self) -> &str {
        &self.url
    }

    /// The file of an SQLite URL (`None` for Postgres or an in-memory database).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let options = SqliteConnectOptions::from_str(&self.url).ok()?;
        let path = options.get_filename();
        (path.as_os_str() != ":memory:").then(|| path.to_path_buf())
    }

    /// The URL with any password masked, whether in the user part or (as the Postgres
    /// driver also accepts) in a `password` or `sslpassword` query parameter.
    pub fn redacted(&self) -> String {
        let Ok(mut url) = Url::parse(&self.url) else {
            return self.url.clone();
        };
        if url.password().is_some() {
            let _ = url.set_password(Some("***"));
        }
        let secret_param = |k: &str| matches!(k, "password" | "sslpassword");
        if url.query_pairs().any(|(k, _)| secret_param(&k)) {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if secret_param(&k) {
                        "***".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            url.query_pairs_mut().clear().extend_pairs(pairs);
        }
        url.to_string()
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}
