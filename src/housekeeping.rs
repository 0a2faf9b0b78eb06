//! Periodic work: tidying that keeps tables from growing with dead rows (expired sessions,
//! old mail files), and the consent reminders, worked out as appointments come near. Runs
//! inside `attune serve`; each pass is idempotent (a reminder is keyed, so it is queued
//! once), so several instances running it at once is harmless.

use std::time::Duration;

use sea_orm::DbErr;

use crate::{
    AppState, auth::session, calendar::busy, config::MailTransport, mail::transport::prune_files,
};

/// How often a pass runs.
pub const EVERY: Duration = Duration::from_secs(10 * 60);

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub sessions_purged: u64,
    /// Messages the `file` transport wrote that outlived `ATTUNE_MAIL_FILE_RETENTION`.
    pub mail_files_pruned: u64,
    /// Partners asked for the documents an appointment soon requires.
    pub consent_reminders: u64,
    /// Portal sign-in links and sessions past use.
    pub portal_purged: u64,
    /// Good Faith Estimates made and delivered (first ones and new versions).
    pub estimates_delivered: u64,
    /// Scheduled measures sent to partners before their next session.
    pub measures_sent: u64,
}

/// One pass, now. Tests call this instead of waiting for the timer.
pub async fn run_once(state: &AppState) -> Result<Report, DbErr> {
    let now = state.clock.now();
    let mail = &state.config.mail;
    let mail_files_pruned = match &mail.transport {
        MailTransport::File(dir) => {
            prune_files(dir, mail.file_retention)
                .await
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "pruning the mail folder failed; will retry");
                    0
                })
        }
        _ => 0,
    };
    let consent_reminders = crate::consent::reminders::send_due(
        &state.db,
        state.notifier(),
        state.intake_timings().reminder_before,
        now,
    )
    .await
    .map_err(|e| match e {
        crate::consent::ConsentError::Db(e) => e,
        other => DbErr::Custom(other.to_string()),
    })? as u64;
    let tz = crate::practice::time_zone(&state.db)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let estimates_delivered =
        crate::billing::estimates::deliver_due(&state.db, state.notifier(), tz, now)
            .await
            .map_err(|e| match e {
                crate::billing::BillingError::Db(e) => e,
                other => DbErr::Custom(other.to_string()),
            })? as u64;
    let measures_sent = crate::measures::schedule::send_due(
        &state.db,
        state.notifier(),
        state.intake_timings(),
        now,
    )
    .await
    .map_err(|e| match e {
        crate::measures::MeasuresError::Db(e) => e,
        other => DbErr::Custom(other.to_string()),
    })? as u64;
    crate::billing::pending::sweep(&state.db, now)
        .await
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    if estimates_delivered + measures_sent > 0 {
        state.mail.wake();
    }
    Ok(Report {
        estimates_delivered,
        measures_sent,
        sessions_purged: session::purge_expired(&state.db, &state.config.auth, now).await?,
        mail_files_pruned,
        consent_reminders,
        portal_purged: crate::portal::sign_in::purge(&state.db, now)
            .await
            .map_err(|e| match e {
                crate::portal::PortalError::Db(e) => e,
                other => DbErr::Custom(other.to_string()),
            })?,
    })
}

/// Runs a pass every [`EVERY`] until the task is dropped.
pub async fn run_forever(state: AppState) {
    // The first pass waits a whole interval: a process that has just started has nothing
    // overdue that ten minutes would spoil, and its start stays quiet.
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match run_once(&state).await {
            Ok(report) if report != Report::default() => {
                tracing::info!(
                    sessions_purged = report.sessions_purged,
                    mail_files_pruned = report.mail_files_pruned,
                    consent_reminders = report.consent_reminders,
                    portal_purged = report.portal_purged,
                    "housekeeping"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping pass failed; will retry"),
        }
    }
}

/// How often the busy-calendar refresher looks for sources that are due.
pub const BUSY_CHECK_EVERY: Duration = Duration::from_secs(60);

/// Refreshes outside calendars as they fall due, until the task is dropped.
pub async fn refresh_busy_calendars(state: AppState) {
    let mut tick = tokio::time::interval(BUSY_CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match busy::refresh_due(&state.db, &state.busy, state.clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(refreshed = n, "busy calendars refreshed"),
            Err(e) => tracing::warn!(error = %e, "refreshing busy calendars failed; will retry"),
        }
    }
}
