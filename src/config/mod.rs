//! Settings from the environment (and an optional `.env`), checked once at start.
//!
//! Every variable has a default that makes `cargo run` work on a fresh machine. A value that is
//! set but wrong stops start-up with one line naming the variable: a practice should find out
//! about a typo in its time zone before the first client books, not after.

use std::{fmt, net::SocketAddr, str::FromStr, time::Duration};

use url::Url;

use crate::{
    crypto::{DataKey, DataKeys},
    types::{EmailAddress, TimeZone},
};

mod database;
mod mail;

pub use database::{Backend, DatabaseUrl};
use mail::mail_settings;
pub use mail::{MailSettings, MailTransport, SmtpUrl};

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
    pub auth: AuthSettings,
    /// Where the key for private free text comes from.
    pub data_key: DataKeySource,
    /// Earlier keys, still able to open what they sealed (`ATTUNE_DATA_KEYS_PREVIOUS`).
    pub previous_data_keys: Vec<DataKey>,
    pub calendar: CalendarSettings,
    pub mail: MailSettings,
    pub intake: IntakeSettings,
    /// A directory whose template files replace the built-in ones at the same paths.
    pub templates_dir: Option<std::path::PathBuf>,
    /// The online card processor, by name (`ATTUNE_CARD_PROCESSOR`). Only `none` exists:
    /// see [`crate::billing::processor`].
    pub card_processor: String,
}

/// Intake questionnaire links and their reminder.
#[derive(Clone, Debug)]
pub struct IntakeSettings {
    /// How long an intake link works.
    pub link_ttl: Duration,
    /// How long before the first appointment a partner who has not submitted is reminded.
    pub reminder_before: Duration,
}

/// The subscription feed and the import of outside busy times.
#[derive(Clone, Debug)]
pub struct CalendarSettings {
    /// How far back the feed reaches, in days.
    pub feed_past_days: u32,
    /// How long a feed found unchanged is answered 304 from memory before the database is
    /// asked again: calendar apps poll in bursts, and each may keep its copy five minutes.
    pub feed_recheck: Duration,
    /// How often each outside calendar is fetched again.
    pub busy_refresh: Duration,
    /// How long one fetch may take.
    pub busy_fetch_timeout: Duration,
    /// Fetch from loopback and private network addresses too. Off by default: an address
    /// typed by staff must not reach services inside the server's own network.
    pub busy_allow_private: bool,
}

/// The encryption key for private free text (booking messages, intake answers, notes).
#[derive(Clone, Debug)]
pub enum DataKeySource {
    /// `ATTUNE_DATA_KEY`.
    Key(Box<DataKey>),
    /// Unset, with SQLite: a key file beside the database, made on first start.
    File(std::path::PathBuf),
    /// Unset, with PostgreSQL: start-up refuses, since a key generated on one web instance
    /// would not be known to the others.
    Missing,
}

/// Sign-in, sessions and the limits that protect them.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub session_max_age: Duration,
    /// Sign-in attempts per client IP, and per account, in a window.
    pub login_limit: RateLimit,
    /// Requests per client IP to the public endpoints (booking, intake).
    pub public_limit: RateLimit,
    /// Consecutive failed sign-ins that lock an account...
    pub lockout_threshold: u32,
    /// ...for this long.
    pub lockout_duration: Duration,
    /// Take the client's address from the last `X-Forwarded-For` entry (behind a proxy).
    pub trust_proxy: bool,
    /// Creates the first owner on start when no staff account exists yet.
    pub bootstrap_admin: Option<BootstrapAdmin>,
}

#[derive(Clone)]
pub struct BootstrapAdmin {
    pub email: EmailAddress,
    pub name: String,
    pub password: String,
}

impl fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BootstrapAdmin(<redacted>)")
    }
}

/// At most `max` events per `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub window: Duration,
}

impl RateLimit {
    /// `"10/15m"`: ten per fifteen minutes.
    pub fn parse(value: &str) -> Result<Self, String> {
        let (max, window) = value
            .trim()
            .split_once('/')
            .ok_or_else(|| format!("{value:?} is not a limit like 10/15m"))?;
        let max = max
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{value:?} does not start with a whole number above 0"))?;
        let window = parse_duration(window)?;
        Ok(Self { max, window })
    }
}

/// `"90s"`, `"15m"`, `"12h"`, `"7d"`.
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    let bad = || format!("{value:?} is not a duration like 30s, 15m, 12h or 7d");
    let split = value.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        "d" => number * 86_400,
        _ => return Err(bad()),
    };
    if seconds == 0 || seconds > 366 * 86_400 {
        return Err(format!("{value:?} must be between 1s and 366d"));
    }
    Ok(Duration::from_secs(seconds))
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
        // A value that is not valid UTF-8 is read lossily, so it fails validation with a
        // message instead of silently counting as unset.
        Self::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
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

        let duration = |var: &'static str, default: &str| {
            parse_duration(&get(var).unwrap_or_else(|| default.into()))
                .map_err(|m| ConfigError::new(var, m))
        };
        let limit = |var: &'static str, default: &str| {
            RateLimit::parse(&get(var).unwrap_or_else(|| default.into()))
                .map_err(|m| ConfigError::new(var, m))
        };
        let auth = AuthSettings {
            session_idle: duration("ATTUNE_SESSION_IDLE_TIMEOUT", "12h")?,
            session_max_age: duration("ATTUNE_SESSION_MAX_AGE", "7d")?,
            login_limit: limit("ATTUNE_LOGIN_RATE_LIMIT", "10/15m")?,
            public_limit: limit("ATTUNE_PUBLIC_RATE_LIMIT", "120/1m")?,
            lockout_threshold: match get("ATTUNE_LOCKOUT_THRESHOLD") {
                None => 10,
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        ConfigError::new(
                            "ATTUNE_LOCKOUT_THRESHOLD",
                            format!("{v:?} is not a whole number from 1 to 1000"),
                        )
                    })?,
            },
            lockout_duration: duration("ATTUNE_LOCKOUT_DURATION", "15m")?,
            trust_proxy: flag(&get, "ATTUNE_TRUST_PROXY")?,
            bootstrap_admin: bootstrap_admin(&get)?,
        };

        let data_key = match get("ATTUNE_DATA_KEY") {
            Some(v) => DataKeySource::Key(Box::new(
                DataKey::parse(&v).map_err(|m| ConfigError::new("ATTUNE_DATA_KEY", m))?,
            )),
            None => match database_url.sqlite_path() {
                Some(db) => DataKeySource::File(db.with_extension("key")),
                None if database_url.backend() == Backend::Sqlite => {
                    DataKeySource::Key(Box::new(DataKey::generate()))
                }
                None => DataKeySource::Missing,
            },
        };
        let previous_data_keys = get("ATTUNE_DATA_KEYS_PREVIOUS")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(DataKey::parse)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|m| {
                        ConfigError::new("ATTUNE_DATA_KEYS_PREVIOUS", format!("has a key that {m}"))
                    })
            })
            .transpose()?
            .unwrap_or_default();

        let calendar = CalendarSettings {
            feed_past_days: match get("ATTUNE_FEED_PAST_DAYS") {
                None => 30,
                Some(v) => v
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n <= 3660)
                    .ok_or_else(|| {
                        ConfigError::new(
                            "ATTUNE_FEED_PAST_DAYS",
                            format!("{v:?} is not a whole number of days from 0 to 3660"),
                        )
                    })?,
            },
            feed_recheck: duration("ATTUNE_FEED_RECHECK", "1s")?,
            busy_refresh: duration("ATTUNE_BUSY_REFRESH", "15m")?,
            busy_fetch_timeout: duration("ATTUNE_BUSY_FETCH_TIMEOUT", "20s")?,
            busy_allow_private: flag(&get, "ATTUNE_BUSY_ALLOW_PRIVATE")?,
        };

        let mail = mail_settings(&get, &duration)?;
        let templates_dir = get("ATTUNE_TEMPLATES_DIR")
            .map(|v| {
                let dir = std::path::PathBuf::from(v.trim());
                if dir.is_dir() {
                    Ok(dir)
                } else {
                    Err(ConfigError::new(
                        "ATTUNE_TEMPLATES_DIR",
                        format!("{} is not a directory", dir.display()),
                    ))
                }
            })
            .transpose()?;

        // The seam for an online card processor: none ships, since none can be reached from
        // here to be tested, so naming one is an error rather than a silent no-op.
        let card_processor = match get("ATTUNE_CARD_PROCESSOR").as_deref().map(str::trim) {
            None | Some("none") => "none".to_owned(),
            Some(other) => {
                return Err(ConfigError::new(
                    "ATTUNE_CARD_PROCESSOR",
                    format!(
                        "{other:?} is not available: no online card processor ships with \
                         Attune, so the only value is none (record card payments taken on a \
                         terminal with method card_terminal)"
                    ),
                ));
            }
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
            auth,
            data_key,
            previous_data_keys,
            calendar,
            mail,
            intake: IntakeSettings {
                link_ttl: duration("ATTUNE_INTAKE_LINK_TTL", "30d")?,
                reminder_before: duration("ATTUNE_INTAKE_REMINDER", "2d")?,
            },
            templates_dir,
            card_processor,
        })
    }

    /// Settings for a program that is not the server (tests, tools): every default, on the
    /// given database.
    pub fn defaults_for(database_url: DatabaseUrl) -> Self {
        let mut config = Self::from_lookup(|_| None).expect("defaults are valid");
        config.database_url = database_url;
        config.data_key = DataKeySource::Key(Box::new(DataKey::generate()));
        config
    }

    /// The data keys to use, reading or creating the key file where that is the source.
    pub fn load_data_keys(&self) -> Result<DataKeys, ConfigError> {
        let current = match &self.data_key {
            DataKeySource::Key(key) => (**key).clone(),
            DataKeySource::Missing => {
                return Err(ConfigError::new(
                    "ATTUNE_DATA_KEY",
                    "must be set when DATABASE_URL is PostgreSQL (make one with: attune keys generate)",
                ));
            }
            DataKeySource::File(path) => read_or_create_key_file(path)?,
        };
        Ok(DataKeys::new(current, self.previous_data_keys.clone()))
    }
}

/// The key file beside an SQLite database: read it, or on first start create it, readable by
/// this user only.
fn read_or_create_key_file(path: &std::path::Path) -> Result<DataKey, ConfigError> {
    let shown = path.display();
    match std::fs::read_to_string(path) {
        Ok(text) => DataKey::parse(&text).map_err(|m| {
            ConfigError::new(
                "ATTUNE_DATA_KEY",
                format!("is unset and the key file {shown} {m}"),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = DataKey::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let written = options.open(path).and_then(|mut file| {
                use std::io::Write;
                file.write_all(format!("{}\n", key.to_base64()).as_bytes())
            });
            written.map_err(|e| {
                ConfigError::new(
                    "ATTUNE_DATA_KEY",
                    format!("is unset and the key file {shown} cannot be written ({e})"),
                )
            })?;
            tracing::warn!(
                path = %shown,
                "generated a new data key for private text; back this file up with the database: \
                 without it, encrypted text cannot be read"
            );
            Ok(key)
        }
        Err(e) => Err(ConfigError::new(
            "ATTUNE_DATA_KEY",
            format!("is unset and the key file {shown} cannot be read ({e})"),
        )),
    }
}

/// A yes/no variable; unset is no.
fn flag(get: &impl Fn(&str) -> Option<String>, var: &'static str) -> Result<bool, ConfigError> {
    match get(var).as_deref().map(str::trim) {
        None | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(ConfigError::new(
            var,
            format!("{other:?} is not true or false"),
        )),
    }
}

/// `ATTUNE_ADMIN_EMAIL` and `ATTUNE_ADMIN_PASSWORD` go together; the password is checked
/// against the same rules as any other when the account is created.
fn bootstrap_admin(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<Option<BootstrapAdmin>, ConfigError> {
    match (get("ATTUNE_ADMIN_EMAIL"), get("ATTUNE_ADMIN_PASSWORD")) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::new(
            "ATTUNE_ADMIN_PASSWORD",
            "must be set when ATTUNE_ADMIN_EMAIL is",
        )),
        (None, Some(_)) => Err(ConfigError::new(
            "ATTUNE_ADMIN_EMAIL",
            "must be set when ATTUNE_ADMIN_PASSWORD is",
        )),
        (Some(email), Some(password)) => Ok(Some(BootstrapAdmin {
            email: self::email(&email, "ATTUNE_ADMIN_EMAIL")?,
            name: display_name(get, "ATTUNE_ADMIN_NAME", "Owner")?,
            password,
        })),
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

/// Links in emails and feeds are built on this, so it must be an absolute http(s) origin:
/// scheme, host and optional port. Attune's pages link to each other from the root, so it
/// cannot live under a sub-path of another site; give it its own host name instead.
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
    if url.path() != "/" {
        return Err(format!(
            "{value:?} has a path; give Attune its own host name (https://booking.example.org)"
        ));
    }
    Ok(url)
}

#[cfg(test)]
mod tests;
