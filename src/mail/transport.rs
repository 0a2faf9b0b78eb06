//! Where messages go: an SMTP server (pooled connections, timeouts), `.eml` files in a
//! directory, or only a log line.

use std::path::PathBuf;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, transport::smtp::PoolConfig,
};

use crate::config::{MailSettings, MailTransport};

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(PathBuf),
    Log,
}

/// Why a message did not go, and whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Worth another try later: the server was unreachable or slow, or answered 4xx.
    #[error("{0}")]
    Transient(String),
    /// The server refused it for good (a 5xx reply); trying again would be refused again.
    #[error("{0}")]
    Permanent(String),
}

impl Transport {
    pub fn new(settings: &MailSettings) -> anyhow::Result<Self> {
        Ok(match &settings.transport {
            MailTransport::Smtp(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())?
                    .timeout(Some(settings.smtp_timeout))
                    .pool_config(PoolConfig::new().max_size(4))
                    .build(),
            ),
            MailTransport::File(dir) => Transport::File(dir.clone()),
            MailTransport::Log => Transport::Log,
        })
    }

    /// Hands `message` on. `name` identifies it in file names and logs (kind and outbox id,
    /// never a recipient).
    pub async fn send(&self, message: &Message, name: &str) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message.clone()).await.map(|_| ()).map_err(|e| {
                if e.is_permanent() {
                    SendError::Permanent(e.to_string())
                } else {
                    SendError::Transient(e.to_string())
                }
            }),
            Transport::File(dir) => write_file(dir, message, name)
                .await
                .map_err(|e| SendError::Transient(format!("writing to {}: {e}", dir.display()))),
            Transport::Log => {
                tracing::info!(
                    message = name,
                    "email (ATTUNE_MAIL_TRANSPORT=log: not sent)"
                );
                Ok(())
            }
        }
    }
}

/// Writes the message whole and then renames it into place, so a program watching the
/// directory never sees half a file.
async fn write_file(dir: &std::path::Path, message: &Message, name: &str) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let path = dir.join(format!("{stamp}-{name}.eml"));
    let partial = dir.join(format!(".{stamp}-{name}.eml.part"));
    tokio::fs::write(&partial, message.formatted()).await?;
    tokio::fs::rename(&partial, &path).await
}
