//! How email leaves Attune: the transport, its SMTP URL kept out of logs, and the outbox's
//! patience.

use std::{fmt, time::Duration};

use url::Url;

use super::ConfigError;

/// How email leaves Attune, and how hard the outbox tries.
#[derive(Clone, Debug)]
pub struct MailSettings {
    pub transport: MailTransport,
    /// `None`: the practice's name and contact address.
    pub from: Option<lettre::message::Mailbox>,
    pub reply_to: Option<lettre::message::Mailbox>,
    /// How long one SMTP exchange may take.
    pub smtp_timeout: Duration,
    /// Attempts before a message is given up as dead.
    pub max_attempts: u32,
    /// How long a worker holds a message it is sending before another may take it over.
    pub lease: Duration,
    /// How long the `file` transport keeps a written message before housekeeping deletes it.
    pub file_retention: Duration,
}

#[derive(Clone, Debug)]
pub enum MailTransport {
    Smtp(SmtpUrl),
    /// Each message as an `.eml` file in this directory.
    File(std::path::PathBuf),
    /// Only a log line per message (no content, no recipient).
    Log,
}

/// An SMTP URL whose `Debug` and `Display` never show the password.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    pub fn parse(input: &str) -> Result<Self, String> {
        let input = input.trim();
        lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(input).map_err(|e| {
            format!(
                "is not an SMTP URL like smtp://user:password@mail.example.org:587?tls=required ({e})"
            )
        })?;
        Ok(Self(input.to_owned()))
    }

    /// The URL with its password; only for the transport.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> String {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                url.to_string()
            }
            Ok(url) => url.to_string(),
            Err(_) => "(unreadable SMTP URL)".into(),
        }
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Display for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// The mail settings: a transport that can work, addresses that parse.
pub(super) fn mail_settings(
    get: &impl Fn(&str) -> Option<String>,
    duration: &impl Fn(&'static str, &str) -> Result<Duration, ConfigError>,
) -> Result<MailSettings, ConfigError> {
    let mailbox = |var: &'static str| {
        get(var)
            .map(|v| {
                v.trim().parse::<lettre::message::Mailbox>().map_err(|_| {
                    ConfigError::new(
                        var,
                        format!("{v:?} is not an address like \"Riverbend Counseling <hello@example.org>\""),
                    )
                })
            })
            .transpose()
    };
    let transport = match get("ATTUNE_MAIL_TRANSPORT").as_deref().map(str::trim) {
        None | Some("file") => MailTransport::File(
            get("ATTUNE_MAIL_DIR")
                .map(|d| std::path::PathBuf::from(d.trim()))
                .unwrap_or_else(|| std::path::PathBuf::from("mail")),
        ),
        Some("log") => MailTransport::Log,
        Some("smtp") => {
            let url = get("ATTUNE_SMTP_URL").ok_or_else(|| {
                ConfigError::new(
                    "ATTUNE_SMTP_URL",
                    "must be set when ATTUNE_MAIL_TRANSPORT is smtp (e.g. smtp://user:password@mail.example.org:587?tls=required)",
                )
            })?;
            MailTransport::Smtp(
                SmtpUrl::parse(&url).map_err(|m| ConfigError::new("ATTUNE_SMTP_URL", m))?,
            )
        }
        Some(other) => {
            return Err(ConfigError::new(
                "ATTUNE_MAIL_TRANSPORT",
                format!("{other:?} is not one of: smtp, file, log"),
            ));
        }
    };
    let max_attempts = match get("ATTUNE_MAIL_MAX_ATTEMPTS") {
        None => 8,
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| {
                ConfigError::new(
                    "ATTUNE_MAIL_MAX_ATTEMPTS",
                    format!("{v:?} is not a whole number from 1 to 50"),
                )
            })?,
    };
    Ok(MailSettings {
        transport,
        from: mailbox("ATTUNE_MAIL_FROM")?,
        reply_to: mailbox("ATTUNE_MAIL_REPLY_TO")?,
        smtp_timeout: duration("ATTUNE_SMTP_TIMEOUT", "30s")?,
        max_attempts,
        lease: duration("ATTUNE_MAIL_LEASE", "5m")?,
        file_retention: duration("ATTUNE_MAIL_FILE_RETENTION", "7d")?,
    })
}
