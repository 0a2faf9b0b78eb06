//! Settings from the environment (and an optional `.env`), checked once at start.
//!
//! Every variable has a default that makes `cargo run` work on a fresh machine. A value that is
//! set but wrong stops start-up with one line naming the variable: a practice should find out
//! about a typo in its time zone before the first client books, not after.

use std::{fmt, net::SocketAddr, str::FromStr, time::Duration};

use sea_orm::sqlx::{postgres::PgConnectOptions, sqlite::SqliteConnectOptions};
use url::Url;

use crate::types::{EmailAddress, TimeZone};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://attune.db?mode=rwc";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// Postgres notices ("relation already exists, skipping") are not news to an operator.
pub const DEFAULT_LOG: &str = "info,sqlx=warn";
pub const DEFAULT_PRACTICE_NAME: &str = "My Practice";
pub const DEFAULT_PRACTITIONER_NAME: &str = "Practitioner";
pub const DEFAULT_PRACTITIONER_EMAIL: &str = "practitioner@example.org";

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Base of every link Attune hands out. `None`: derived from the address actually bound.
    pub public_url: Option<Url>,
    /// The practice's zone; used when the practice is first created.
    pub time_zone: TimeZone,
    /// Whether `ATTUNE_TIMEZONE` was given explicitly (so a mismatch with the stored
    /// practice zone is worth a warning).
    pub time_zone_explicit: bool,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub seed: SeedSettings,
    /// How long a shutdown waits for requests in flight before closing their connections.
    pub shutdown_timeout: Duration,
}

/// What the first start of an empty database creates.
#[derive(Clone, Debug)]
pub struct SeedSettings {
    pub practice_name: String,
    pub practice_email: Option<EmailAddress>,
    pub practitioner_name: String,
    pub practitioner_email: EmailAddress,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

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

    pub fn redacted(&self) -> String {
        match Url::parse(&self.url) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            _ => self.url.clone(),
        }
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

/// A variable that is set but unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var} {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

impl ConfigError {
    fn new(var: &'static str, message: impl Into<String>) -> Self {
        Self {
            var,
            message: message.into(),
        }
    }
}

impl Config {
    /// Reads the process environment (after `.env`, which never overrides it).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can check parsing without touching the
    /// process environment. Blank values count as unset, so `.env.example` can list every
    /// variable with an empty value.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let database_url = match get("DATABASE_URL") {
            Some(v) => DatabaseUrl::parse(&v).map_err(|m| ConfigError::new("DATABASE_URL", m))?,
            None => DatabaseUrl::parse(DEFAULT_DATABASE_URL).expect("default URL parses"),
        };

        let bind_raw = get("ATTUNE_BIND").unwrap_or_else(|| DEFAULT_BIND.into());
        let bind = SocketAddr::from_str(bind_raw.trim()).map_err(|_| {
            ConfigError::new(
                "ATTUNE_BIND",
                format!(
                    "{bind_raw:?} is not an address and port like 127.0.0.1:8080 or 0.0.0.0:8080"
                ),
            )
        })?;

        let public_url = get("ATTUNE_PUBLIC_URL")
            .map(|v| parse_public_url(&v).map_err(|m| ConfigError::new("ATTUNE_PUBLIC_URL", m)))
            .transpose()?;

        let time_zone_raw = get("ATTUNE_TIMEZONE");
        let time_zone = match &time_zone_raw {
            Some(v) => TimeZone::parse(v).map_err(|m| ConfigError::new("ATTUNE_TIMEZONE", m))?,
            None => TimeZone::UTC,
        };

        let log_filter = get("ATTUNE_LOG").unwrap_or_else(|| DEFAULT_LOG.into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| {
            ConfigError::new(
                "ATTUNE_LOG",
                format!("{log_filter:?} is not a log filter like info or attune=debug,info ({e})"),
            )
        })?;

        let log_format = match get("ATTUNE_LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::new(
                    "ATTUNE_LOG_FORMAT",
                    format!("{other:?} is not one of: pretty, json"),
                ));
            }
        };

        let shutdown_timeout = match get("ATTUNE_SHUTDOWN_TIMEOUT") {
            None => Duration::from_secs(20),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(secs) if (1..=3600).contains(&secs) => Duration::from_secs(secs),
                _ => {
                    return Err(ConfigError::new(
                        "ATTUNE_SHUTDOWN_TIMEOUT",
                        format!("{v:?} is not a whole number of seconds from 1 to 3600"),
                    ));
                }
            },
        };

        let seed = SeedSettings {
            practice_name: display_name(&get, "ATTUNE_PRACTICE_NAME", DEFAULT_PRACTICE_NAME)?,
            practice_email: get("ATTUNE_PRACTICE_EMAIL")
                .map(|v| email(&v, "ATTUNE_PRACTICE_EMAIL"))
                .transpose()?,
            practitioner_name: display_name(
                &get,
                "ATTUNE_PRACTITIONER_NAME",
                DEFAULT_PRACTITIONER_NAME,
            )?,
            practitioner_email: email(
                &get("ATTUNE_PRACTITIONER_EMAIL")
                    .unwrap_or_else(|| DEFAULT_PRACTITIONER_EMAIL.into()),
                "ATTUNE_PRACTITIONER_EMAIL",
            )?,
        };

        Ok(Self {
            database_url,
            bind,
            public_url,
            time_zone,
            time_zone_explicit: time_zone_raw.is_some(),
            log_filter,
            log_format,
            seed,
            shutdown_timeout,
        })
    }

    /// Settings for a program that is not the server (tests, tools): every default, on the
    /// given database.
    pub fn defaults_for(database_url: DatabaseUrl) -> Self {
        let mut config = Self::from_lookup(|_| None).expect("defaults are valid");
        config.database_url = database_url;
        config
    }
}

fn email(value: &str, var: &'static str) -> Result<EmailAddress, ConfigError> {
    EmailAddress::parse(value).map_err(|m| ConfigError::new(var, m))
}

fn display_name(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let value = get(var).unwrap_or_else(|| default.into());
    let value = value.trim();
    if value.chars().count() > 200 {
        return Err(ConfigError::new(var, "must be at most 200 characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(ConfigError::new(var, "must not contain control characters"));
    }
    Ok(value.to_owned())
}

/// Links in emails and feeds are built on this, so it must be an absolute http(s) URL with
/// nothing after the path. A trailing slash is dropped so joining paths never doubles it.
fn parse_public_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value.trim()).map_err(|e| {
        format!("{value:?} is not an absolute URL like https://practice.example.org ({e})")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{value:?} must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{value:?} has no host name"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "{value:?} must not contain a query, a fragment or credentials"
        ));
    }
    let mut url = url;
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn an_empty_environment_gives_the_documented_defaults() {
        let c = parse(&[]).unwrap();
        assert_eq!(c.database_url.expose(), "sqlite://attune.db?mode=rwc");
        assert_eq!(c.database_url.backend(), Backend::Sqlite);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.public_url.is_none());
        assert_eq!(c.time_zone, TimeZone::UTC);
        assert!(!c.time_zone_explicit);
        assert_eq!(c.log_filter, "info,sqlx=warn");
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(20));
        assert_eq!(c.seed.practice_name, "My Practice");
        assert_eq!(
            c.seed.practitioner_email.as_str(),
            "practitioner@example.org"
        );
    }

    #[test]
    fn blank_values_count_as_unset() {
        let c = parse(&[("ATTUNE_BIND", "  "), ("ATTUNE_PUBLIC_URL", "")]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert!(c.public_url.is_none());
    }

    #[test]
    fn good_values_are_taken() {
        let c = parse(&[
            ("DATABASE_URL", "postgres://attune:secret@db:5432/attune"),
            ("ATTUNE_BIND", "0.0.0.0:9000"),
            ("ATTUNE_PUBLIC_URL", "https://book.example.org/attune/"),
            ("ATTUNE_TIMEZONE", "America/New_York"),
            ("ATTUNE_LOG", "attune=debug,info"),
            ("ATTUNE_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(c.database_url.backend(), Backend::Postgres);
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(
            c.public_url.unwrap().as_str(),
            "https://book.example.org/attune"
        );
        assert_eq!(c.time_zone.name(), "America/New_York");
        assert!(c.time_zone_explicit);
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://localhost/attune"),
            ("DATABASE_URL", "postgres://host:notaport/db"),
            ("ATTUNE_BIND", "localhost"),
            ("ATTUNE_BIND", "127.0.0.1:99999"),
            ("ATTUNE_PUBLIC_URL", "book.example.org"),
            ("ATTUNE_PUBLIC_URL", "ftp://example.org"),
            ("ATTUNE_PUBLIC_URL", "https://example.org/?a=b"),
            ("ATTUNE_TIMEZONE", "Mars/Olympus_Mons"),
            ("ATTUNE_LOG", "info,[[["),
            ("ATTUNE_LOG_FORMAT", "xml"),
            ("ATTUNE_SHUTDOWN_TIMEOUT", "soon"),
            ("ATTUNE_PRACTITIONER_EMAIL", "not-an-email"),
            ("ATTUNE_PRACTICE_EMAIL", "a@b"),
            ("ATTUNE_PRACTICE_NAME", "line\nbreak"),
        ];
        for (var, value) in cases {
            let err = parse(&[(var, value)]).expect_err(&format!("{var}={value:?} was accepted"));
            assert_eq!(err.var, var, "{var}={value:?}: {err}");
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }

    #[test]
    fn the_database_password_never_shows() {
        let url = DatabaseUrl::parse("postgres://attune:hunter2@db/attune").unwrap();
        assert!(!format!("{url}").contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
        assert_eq!(url.expose(), "postgres://attune:hunter2@db/attune");
        let err = DatabaseUrl::parse("postgres://attune:hunter2@db:x/attune").unwrap_err();
        assert!(!err.contains("hunter2"));
    }
}
