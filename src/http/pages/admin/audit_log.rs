//! `/admin/audit`: who did what, newest first, narrowed by person, action, day range or the
//! thing it touched. For the owner.

use crate::http::pages::PageResult;
use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use entity::staff_user;
use poem::{
    handler,
    http::StatusCode,
    web::{Data, Query},
};
use sea_orm::{EntityTrait, QueryOrder};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Admin, Section, render_status};
use crate::{
    AppState,
    audit::{self, Action, Filter},
    auth::Permission,
    pagination::{DEFAULT_LIMIT, PageRequest},
    when,
};

#[derive(Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

fn date(raw: Option<&str>) -> Option<NaiveDate> {
    raw.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .filter(crate::types::plausible_date)
}

/// `GET /admin/audit`.
#[handler]
pub async fn list(
    Data(state): Data<&AppState>,
    Data(admin): Data<&Admin>,
    Query(query): Query<AuditQuery>,
) -> PageResult {
    admin.staff.require(Permission::ReadAuditLog)?;
    let staff: Vec<staff_user::Model> = staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Name)
        .all(&state.db)
        .await?;
    let names: HashMap<_, _> = staff.iter().map(|s| (s.id, s.name.as_str())).collect();
    let actor = query.actor.as_deref().and_then(|a| a.parse().ok());
    let action = query
        .action
        .as_deref()
        .filter(|a| Action::ALL.iter().any(|x| x.as_str() == *a))
        .map(str::to_owned);
    let entity = query
        .entity
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty() && e.len() <= 64)
        .map(str::to_owned);
    let from = date(query.from.as_deref());
    let to = date(query.to.as_deref());
    let filter = Filter {
        actor_id: actor,
        action: action.clone(),
        entity_type: None,
        entity_id: entity.clone(),
        from: from.map(|d| admin.tz.start_of(d)),
        to: to.map(|d| admin.tz.start_of(d + Duration::days(1))),
    };
    let page: PageRequest<audit::Cursor> = PageRequest::parse(None, query.cursor.as_deref())
        .unwrap_or(PageRequest {
            limit: DEFAULT_LIMIT,
            after: None,
        });
    let found = audit::list(&state.db, &filter, &page).await?;
    let rows: Vec<Value> = found
        .items
        .iter()
        .map(|e| {
            json!({
                "at": when::short(e.occurred_at, admin.tz),
                "who": e.actor_id.and_then(|id| names.get(&id).copied()).unwrap_or("—"),
                "action": e.action,
                "entity": e.entity_type.as_ref().map(|t| format!("{t} {}", e.entity_id.as_deref().unwrap_or(""))),
                "outcome": sea_orm::ActiveEnum::to_value(&e.outcome),
                "ip": e.ip,
            })
        })
        .collect();
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("actor", actor.map(|a| a.to_string())),
        ("action", action.clone()),
        ("entity", entity.clone()),
        ("from", from.map(|d| d.to_string())),
        ("to", to.map(|d| d.to_string())),
    ] {
        if let Some(v) = v {
            params.append_pair(k, &v);
        }
    }
    let next = found.next_cursor.map(|c| {
        params.append_pair("cursor", &c);
        format!("/admin/audit?{}", params.finish())
    });
    let people: Vec<Value> = staff
        .iter()
        .map(|s| json!({ "id": s.id, "name": s.name, "selected": Some(s.id) == actor }))
        .collect();
    let actions: Vec<Value> = Action::ALL
        .iter()
        .map(|a| json!({ "value": a.as_str(), "selected": action.as_deref() == Some(a.as_str()) }))
        .collect();
    render_status(
        state,
        admin,
        StatusCode::OK,
        Section::Audit,
        "pages/admin/audit",
        "Audit log",
        json!({
            "events": rows,
            "people": people,
            "actions": actions,
            "entity": entity.unwrap_or_default(),
            "from": from.map(|d| d.to_string()).unwrap_or_default(),
            "to": to.map(|d| d.to_string()).unwrap_or_default(),
            "next": next,
        }),
    )
}
