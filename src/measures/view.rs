//! Everything the measures page shows of a couple, read once: every measure's lines, the
//! plan's phases and the alerts, including PHQ-9 item 9 from the intake flags.

use entity::intake_assignment::IntakeStatus;
use uuid::Uuid;

use super::{
    MeasuresError,
    alerts::{self, Alert},
    catalogue::{self, Measure},
    phases::Phase,
    series::{self, Line},
};
use crate::{
    audit::AuditContext,
    auth::Staff,
    crypto::DataKeys,
    intake::{Flag, assignments::list_for_client},
    types::joined,
};

pub struct View {
    pub series: Vec<(&'static Measure, Vec<Line>)>,
    pub phases: Vec<Phase>,
    pub alerts: Vec<Alert>,
}

pub async fn of(
    db: &impl sea_orm::ConnectionTrait,
    keys: &DataKeys,
    staff: &Staff,
    client_id: Uuid,
    audit: &AuditContext,
) -> Result<View, MeasuresError> {
    series::readable(db, staff, client_id).await?;
    let all: Vec<_> = catalogue::ALL.iter().collect();
    let series = series::lines(db, keys, client_id, &all, audit).await?;
    let phases = super::phases::plan_phases(db, keys, client_id, audit).await?;
    let mut alerts = alerts::of(&series);
    // A partner whose latest PHQ-9 raised the urgent flag (item 9 above zero).
    let rows = list_for_client(db, keys, client_id, false, audit).await?;
    let people = crate::scheduling::notify::participants_of(db, client_id).await?;
    for p in &people {
        let latest = rows
            .iter()
            .filter(|(a, _, slug)| {
                slug == "phq-9" && a.participant_id == p.id && a.status == IntakeStatus::Submitted
            })
            .max_by_key(|(a, _, _)| a.submitted_at);
        if latest.is_some_and(|(a, _, _)| {
            crate::intake::assignments::flags_of(a).contains(&Flag::Urgent)
        }) {
            alerts.insert(
                0,
                Alert::Urgent {
                    participant_id: p.id,
                    name: joined(&p.first_name, &p.last_name),
                },
            );
        }
    }
    Ok(View {
        series,
        phases,
        alerts,
    })
}
