//! A busy calendar as staff add one, from the JSON API or the dashboard: the one set of rules
//! it is checked by, and adding it with its first fetch so the answer already says whether
//! the address works.

use entity::busy_calendar;
use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use super::{Refresher, Source, fetch::MAX_BYTES, source_url};
use crate::{
    audit::AuditContext,
    calendar::CalendarError,
    types::single_line,
    validation::{FieldErrors, Invalid},
};

/// As sent: an optional label, and either an address or a file's text.
pub struct BusyCalendarInput<'a> {
    pub label: Option<&'a str>,
    pub url: Option<&'a str>,
    pub ics: Option<String>,
}

impl BusyCalendarInput<'_> {
    /// The label (the address's host, or "Uploaded file", when none is given) and the
    /// source, or every field that fails.
    pub fn check(self) -> Result<(String, Source), Invalid> {
        let mut errors = FieldErrors::default();
        let label = self
            .label
            .and_then(|l| errors.check("label", single_line(l, 100)));
        let source = match (self.url, self.ics) {
            (Some(url), None) if url.len() > 2048 => {
                errors.add("url", "must be at most 2,048 characters");
                None
            }
            (Some(url), None) => errors.check("url", source_url(url)).map(Source::Url),
            (None, Some(ics)) if ics.trim().is_empty() => {
                errors.add("ics", "must be the text of an .ics file");
                None
            }
            (None, Some(ics)) if ics.len() > MAX_BYTES => {
                errors.add("ics", "must be at most 5 MiB");
                None
            }
            (None, Some(ics)) => Some(Source::Upload(ics)),
            (Some(_), Some(_)) => {
                errors.add("url", "send either url or ics, not both");
                None
            }
            (None, None) => {
                errors.add("url", "is required (or send ics)");
                None
            }
        };
        errors.into_result()?;
        let source = source.expect("a missing source noted its field");
        let label = label.unwrap_or_else(|| match &source {
            Source::Url(url) => url
                .host_str()
                .unwrap_or("Calendar")
                .chars()
                .take(100)
                .collect(),
            Source::Upload(_) => "Uploaded file".to_owned(),
        });
        Ok((label, source))
    }
}

/// Checks and adds `new` for the practitioner; an address is fetched at once.
pub async fn add_checked<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    refresher: &Refresher,
    practitioner_id: Uuid,
    new: BusyCalendarInput<'_>,
    audit: &AuditContext,
) -> Result<busy_calendar::Model, CalendarError> {
    let (label, source) = new.check()?;
    let is_url = matches!(source, Source::Url(_));
    let model = super::add(
        db,
        &refresher.keys,
        practitioner_id,
        label,
        source,
        refresher.every,
        audit,
    )
    .await?;
    if is_url {
        return Ok(super::refresh(db, refresher, model, audit.now).await?);
    }
    Ok(model)
}
