//! Every measure's scores as CSV: one row per response, for a spreadsheet or the practice's
//! own records. Clinical: the same policy and audit as the series.

use uuid::Uuid;

use super::{MeasuresError, catalogue, series};
use crate::{audit::AuditContext, auth::Staff, crypto::DataKeys};

/// A field as CSV writes it: quoted when it holds a comma, a quote or a line break, and
/// never read by a spreadsheet as a formula.
fn field(raw: &str) -> String {
    let number = raw.parse::<i64>().is_ok();
    let safe = if !number && raw.starts_with(['=', '+', '-', '@']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

pub const HEADER: &str = "measure,participant_id,partner,submitted_at,score,band,change_from_first,reliable_change,clinical_range";

pub async fn csv(
    db: &impl sea_orm::ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<String, MeasuresError> {
    series::readable(db, staff, client_id).await?;
    let all: Vec<_> = catalogue::ALL.iter().collect();
    let lines = series::lines(db, keys, client_id, &all, audit).await?;
    let mut out = String::from(HEADER);
    out.push_str("\r\n");
    for (m, lines) in lines {
        for line in lines {
            for p in line.points {
                let row = [
                    m.slug.to_owned(),
                    line.participant_id.to_string(),
                    line.name.clone(),
                    p.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    p.score.to_string(),
                    p.band.clone().unwrap_or_default(),
                    p.change.to_string(),
                    p.mark.as_str().unwrap_or_default().to_owned(),
                    p.clinical.to_string(),
                ];
                out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("Jane Doe"), "Jane Doe");
        assert_eq!(field("Doe, Jane"), "\"Doe, Jane\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-6"), "-6");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
