//! `/clients/{id}/measure-schedule`, `/clients/{id}/measures` and `/clients/{id}/measures.csv`:
//! what a couple is sent and how often, and each partner's scores on one chart's worth of
//! data. Owners and the couple's clinician only; every read of scores is audited.

use chrono::{DateTime, Utc};
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::{Json, PlainText},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiResult, ApiTag, JsonBody, StaffReadOne, StaffReadQuery, StaffWrite, audit_context};
use crate::{
    AppState,
    audit::Origin,
    auth::Staff,
    measures::{
        export,
        schedule::{self, Item},
        series,
    },
};

/// One measure a couple is sent.
#[derive(Object, Deserialize, Clone)]
pub struct ScheduleItem {
    /// `csi-4`, `csi-16`, `phq-9`, `gad-7` or `session-check-in`.
    questionnaire: String,
    /// One partner; null: each.
    participant_id: Option<Uuid>,
    /// `every_session`, `every_n_sessions`, `every_n_weeks` or `phase_change`.
    cadence: String,
    /// N, for `every_n_sessions` and `every_n_weeks`.
    every: Option<i32>,
}

#[derive(Object, Deserialize)]
pub struct MeasureSchedule {
    items: Vec<ScheduleItem>,
}

fn schedule_body(items: Vec<Item>) -> MeasureSchedule {
    MeasureSchedule {
        items: items
            .into_iter()
            .map(|i| ScheduleItem {
                questionnaire: i.questionnaire,
                participant_id: i.participant_id,
                cadence: i.cadence,
                every: i.every,
            })
            .collect(),
    }
}

/// One response on the chart.
#[derive(Object)]
pub struct MeasurePoint {
    assignment_id: Uuid,
    submitted_at: DateTime<Utc>,
    score: i32,
    band: Option<String>,
    /// Against the partner's first score on this measure.
    change: i32,
    /// `reliable_improvement`, `reliable_deterioration`, or null.
    reliable_change: Option<String>,
    /// In the measure's clinical range.
    clinical_range: bool,
}

#[derive(Object)]
pub struct PartnerSeries {
    participant_id: Uuid,
    name: String,
    points: Vec<MeasurePoint>,
}

#[derive(Object)]
pub struct MeasureSeries {
    questionnaire: String,
    name: String,
    source: String,
    min: i32,
    max: i32,
    cutoff: Option<f64>,
    cutoff_meaning: String,
    higher_is_better: bool,
    /// Points of change that count as reliable, and how the figure was reached.
    reliable_change: i32,
    reliable_change_basis: String,
    partners: Vec<PartnerSeries>,
}

#[derive(ApiResponse)]
pub enum MeasuresCsv {
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    Ok(
        PlainText<String>,
        /// Saves as `measures.csv`.
        #[oai(header = "Content-Disposition")]
        String,
    ),
}

pub struct MeasuresApi;

#[OpenApi(prefix_path = "/clients", tag = "ApiTag::Measures")]
impl MeasuresApi {
    /// A couple's measure schedule (owners and the couple's clinician)
    #[oai(
        path = "/:id/measure-schedule",
        method = "get",
        operation_id = "getMeasureSchedule"
    )]
    async fn schedule(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<MeasureSchedule>, StaffReadOne> {
        Ok(Json(schedule_body(
            schedule::get(&state.db, &staff, id.0).await?,
        )))
    }

    /// Replace a couple's measure schedule (owners and the couple's clinician)
    ///
    /// Each measure goes out two days before the sessions its cadence names, to the partner
    /// named or to each, through the questionnaire invitation.
    #[oai(
        path = "/:id/measure-schedule",
        method = "put",
        operation_id = "setMeasureSchedule"
    )]
    async fn set_schedule(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<MeasureSchedule>,
    ) -> ApiResult<Json<MeasureSchedule>, StaffWrite> {
        let audit = audit_context(&state, &origin, staff.actor());
        let items = body
            .0
            .items
            .into_iter()
            .map(|i| Item {
                questionnaire: i.questionnaire,
                participant_id: i.participant_id,
                cadence: i.cadence,
                every: i.every,
            })
            .collect();
        Ok(Json(schedule_body(
            schedule::set(&state.db, &staff, id.0, items, &audit).await?,
        )))
    }

    /// Each partner's scores on one measure (owners and the couple's clinician)
    ///
    /// With the measure's range, cut-off and reliable-change threshold, and per response the
    /// change from that partner's first score. Audited.
    #[oai(path = "/:id/measures", method = "get", operation_id = "getMeasures")]
    async fn measures(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        questionnaire: Query<Option<String>>,
    ) -> ApiResult<Json<MeasureSeries>, StaffReadQuery> {
        let audit = audit_context(&state, &origin, staff.actor());
        let (m, lines) = series::of(
            &state.db,
            &state.keys,
            &staff,
            id.0,
            questionnaire.0.as_deref().unwrap_or_default(),
            &audit,
        )
        .await?;
        Ok(Json(MeasureSeries {
            questionnaire: m.slug.to_owned(),
            name: m.name.to_owned(),
            source: m.source.to_owned(),
            min: m.min,
            max: m.max,
            cutoff: m.cutoff,
            cutoff_meaning: m.cutoff_meaning.to_owned(),
            higher_is_better: m.higher_is_better(),
            reliable_change: m.reliable_change,
            reliable_change_basis: m.reliable_change_basis.to_owned(),
            partners: lines
                .into_iter()
                .map(|l| PartnerSeries {
                    participant_id: l.participant_id,
                    name: l.name,
                    points: l
                        .points
                        .into_iter()
                        .map(|p| MeasurePoint {
                            assignment_id: p.assignment_id,
                            submitted_at: p.at,
                            score: p.score,
                            band: p.band,
                            change: p.change,
                            reliable_change: p.mark.as_str().map(str::to_owned),
                            clinical_range: p.clinical,
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    /// Every measure's scores as CSV (owners and the couple's clinician)
    #[oai(
        path = "/:id/measures.csv",
        method = "get",
        operation_id = "exportMeasures"
    )]
    async fn csv(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<MeasuresCsv, StaffReadOne> {
        let audit = audit_context(&state, &origin, staff.actor());
        let text = export::csv(&state.db, &state.keys, &staff, id.0, &audit).await?;
        Ok(MeasuresCsv::Ok(
            PlainText(text),
            "attachment; filename=\"measures.csv\"".to_owned(),
        ))
    }
}
