//! `/audit-events`: reading the audit log (owner only). There is no way to change it.

use chrono::{DateTime, Utc};
use entity::{audit_event, staff_user};
use poem::web::Data;
use poem_openapi::{Enum, Object, OpenApi, param::Query, payload::Json};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use uuid::Uuid;

use super::{ApiResult, ApiTag, PageBody, StaffList};
use crate::{
    AppState,
    audit::{self, ActorKind, Outcome},
    auth::{Permission, Staff},
    http::problem::ApiError,
    pagination::PageRequest,
    types::{plausible_instant, single_line},
};

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum ActorKindName {
    Staff,
    ClientLink,
    System,
    Anonymous,
}

#[derive(Enum, Clone, Copy)]
#[oai(rename_all = "snake_case")]
pub enum OutcomeName {
    Success,
    Failure,
    Denied,
}

#[derive(Object)]
pub struct ActorView {
    kind: ActorKindName,
    id: Option<Uuid>,
    /// The staff member's name, for staff actors.
    name: Option<String>,
}

#[derive(Object)]
pub struct AuditEventView {
    id: Uuid,
    occurred_at: DateTime<Utc>,
    actor: ActorView,
    /// `<area>.<verb>`, e.g. `auth.login`, `staff.update`.
    action: String,
    entity_type: Option<String>,
    entity_id: Option<String>,
    outcome: OutcomeName,
    ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
    details: Option<serde_json::Value>,
}

pub struct AuditApi;

#[OpenApi(prefix_path = "/audit-events", tag = "ApiTag::Audit")]
impl AuditApi {
    /// The audit log
    ///
    /// Newest first. Narrow it by actor, action, entity and time (`from` inclusive, `to`
    /// exclusive, RFC 3339).
    #[allow(clippy::too_many_arguments)]
    #[oai(path = "/", method = "get", operation_id = "listAuditEvents")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        actor_id: Query<Option<Uuid>>,
        action: Query<Option<String>>,
        entity_type: Query<Option<String>>,
        entity_id: Query<Option<String>>,
        from: Query<Option<DateTime<Utc>>>,
        to: Query<Option<DateTime<Utc>>>,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<AuditEventView>>, StaffList> {
        staff.require(Permission::ReadAuditLog)?;
        let page: PageRequest<audit::Cursor> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page.after.is_some_and(|(at, _)| !plausible_instant(&at)) {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        for (field, value) in [("from", &from.0), ("to", &to.0)] {
            if value.as_ref().is_some_and(|at| !plausible_instant(at)) {
                return Err(ApiError::invalid(
                    field,
                    "must be a time between the years 1900 and 9999",
                )
                .into());
            }
        }
        for (field, value) in [
            ("action", &action.0),
            ("entity_type", &entity_type.0),
            ("entity_id", &entity_id.0),
        ] {
            if let Some(value) = value {
                single_line(value, 200).map_err(|m| ApiError::invalid(field, m))?;
            }
        }
        let filter = audit::Filter {
            actor_id: actor_id.0,
            action: action.0,
            entity_type: entity_type.0,
            entity_id: entity_id.0,
            from: from.0,
            to: to.0,
        };
        let events = audit::list(&state.db, &filter, &page).await?;
        let names = staff_names(&state, &events.items).await?;
        Ok(Json(PageBody::from_page(events, |e| view(e, &names))))
    }
}

/// Names of the staff actors on one page, in one query.
async fn staff_names(
    state: &AppState,
    events: &[audit_event::Model],
) -> Result<HashMap<Uuid, String>, sea_orm::DbErr> {
    let ids: Vec<Uuid> = events
        .iter()
        .filter(|e| e.actor_kind == ActorKind::Staff)
        .filter_map(|e| e.actor_id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = staff_user::Entity::find()
        .select_only()
        .column(staff_user::Column::Id)
        .column(staff_user::Column::Name)
        .filter(staff_user::Column::Id.is_in(ids))
        .into_tuple()
        .all(&state.db)
        .await?;
    Ok(rows.into_iter().collect())
}

fn view(e: audit_event::Model, names: &HashMap<Uuid, String>) -> AuditEventView {
    let kind = match e.actor_kind {
        ActorKind::Staff => ActorKindName::Staff,
        ActorKind::ClientLink => ActorKindName::ClientLink,
        ActorKind::System => ActorKindName::System,
        ActorKind::Anonymous => ActorKindName::Anonymous,
    };
    let name = match e.actor_kind {
        ActorKind::Staff => e.actor_id.and_then(|id| names.get(&id).cloned()),
        _ => None,
    };
    AuditEventView {
        id: e.id,
        occurred_at: e.occurred_at,
        actor: ActorView {
            kind,
            id: e.actor_id,
            name,
        },
        action: e.action,
        entity_type: e.entity_type,
        entity_id: e.entity_id,
        outcome: match e.outcome {
            Outcome::Success => OutcomeName::Success,
            Outcome::Failure => OutcomeName::Failure,
            Outcome::Denied => OutcomeName::Denied,
        },
        ip: e.ip,
        user_agent: e.user_agent,
        request_id: e.request_id,
        details: e.details,
    }
}
