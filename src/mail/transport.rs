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
/// directory never sees half a file. A message holds names and private links in the clear, so
/// the folder and each file are the server's user's alone.
async fn write_file(dir: &std::path::Path, message: &Message, name: &str) -> std::io::Result<()> {
    private_dir(dir).await?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let path = dir.join(format!("{stamp}-{name}.eml"));
    let partial = dir.join(format!(".{stamp}-{name}.eml.part"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&partial).await?;
    tokio::io::AsyncWriteExt::write_all(&mut file, &message.formatted()).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&partial, &path).await
}

async fn private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).await?;
    }
    Ok(())
}

/// Deletes the messages the `file` transport wrote more than `keep` ago; returns how many.
/// Only its own `.eml` files are touched.
pub async fn prune_files(dir: &std::path::Path, keep: std::time::Duration) -> std::io::Result<u64> {
    let mut entries = match tokio::fs::read_dir(dir).await {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let cutoff = std::time::SystemTime::now()
        .checked_sub(keep)
        .unwrap_or(std::time::UNIX_EPOCH);
    let mut pruned = 0;
    while let Some(entry) = entries.next_entry().await? {
        let name = entry.file_name();
        let ours = name
            .to_str()
            .is_some_and(|n| n.ends_with(".eml") || n.ends_with(".eml.part"));
        let meta = entry.metadata().await?;
        if ours && meta.is_file() && meta.modified()? < cutoff {
            tokio::fs::remove_file(entry.path()).await?;
            pruned += 1;
        }
    }
    Ok(pruned)
}
