//! `/staff`: the practice's staff accounts (owner only).

use chrono::{DateTime, Utc};
use entity::staff_user;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Path, Query},
    payload::Json,
    types::MaybeUndefined,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    ApiResult, ApiTag, JsonBody, PageBody, StaffList, StaffReadOne, StaffWrite, audit_context,
    auth::RoleName,
};
use crate::{
    AppState,
    audit::Origin,
    auth::{
        Permission, Role, Staff, password,
        staff::{self, NewStaff, StaffChanges},
    },
    http::problem::ApiError,
    pagination::PageRequest,
    types::EmailAddress,
    validation::FieldError,
};

/// A staff account as the owner sees it.
#[derive(Object)]
pub struct StaffView {
    id: Uuid,
    email: String,
    name: String,
    role: RoleName,
    /// The practitioner this account books and writes notes as, if any.
    practitioner_id: Option<Uuid>,
    /// A disabled account cannot sign in, and its sessions and tokens have ended.
    disabled: bool,
    /// Set while the account is locked after repeated failed sign-ins.
    locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

impl From<staff_user::Model> for StaffView {
    fn from(u: staff_user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            role: Role::from(u.role).into(),
            practitioner_id: u.practitioner_id,
            disabled: u.disabled,
            locked_until: u.locked_until,
            created_at: u.created_at,
            last_login_at: u.last_login_at,
        }
    }
}

#[derive(Object, Deserialize)]
pub struct NewStaffRequest {
    email: String,
    name: String,
    role: RoleName,
    /// Their first password: at least 12 characters, not a common one. They can change it.
    password: String,
    practitioner_id: Option<Uuid>,
}

#[derive(Object, Deserialize)]
pub struct StaffPatch {
    name: Option<String>,
    role: Option<RoleName>,
    /// Disabling ends the account's sessions and API tokens at once.
    disabled: Option<bool>,
    /// A practitioner id, or null to unlink.
    #[serde(default)]
    practitioner_id: MaybeUndefined<Uuid>,
}

#[derive(ApiResponse)]
pub enum Created {
    /// Created.
    #[oai(status = 201)]
    Created(Json<StaffView>),
}

pub struct StaffApi;

#[OpenApi(prefix_path = "/staff", tag = "ApiTag::Staff")]
impl StaffApi {
    /// List staff accounts
    ///
    /// Every account, by email.
    #[oai(path = "/", method = "get", operation_id = "listStaff")]
    async fn list(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        limit: Query<Option<u64>>,
        cursor: Query<Option<String>>,
    ) -> ApiResult<Json<PageBody<StaffView>>, StaffList> {
        staff.require(Permission::ManageStaff)?;
        let page: PageRequest<String> = PageRequest::parse(limit.0, cursor.0.as_deref())?;
        if page
            .after
            .as_deref()
            .is_some_and(|after| after.chars().any(char::is_control))
        {
            return Err(ApiError::invalid("cursor", "is not a cursor from this list").into());
        }
        let rows = staff::list(&state.db, &page).await?;
        Ok(Json(PageBody::from_page(rows, StaffView::from)))
    }

    /// Create a staff account
    #[oai(path = "/", method = "post", operation_id = "createStaff")]
    async fn create(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        body: JsonBody<NewStaffRequest>,
    ) -> ApiResult<Created, StaffWrite> {
        staff.require(Permission::ManageStaff)?;
        let req = body.0;
        let mut errors = Vec::new();
        let email = EmailAddress::parse(&req.email)
            .map_err(|m| errors.push(FieldError::new("email", m)))
            .ok();
        let name = crate::types::PersonName::full(&req.name)
            .map(crate::types::PersonName::into_string)
            .map_err(|m| errors.push(FieldError::new("name", m)))
            .ok();
        let password = password::check(&req.password, &req.email)
            .map_err(|m| errors.push(FieldError::new("password", m)))
            .ok();
        let (Some(email), Some(name), Some(password)) = (email, name, password) else {
            return Err(ApiError::validation(errors).into());
        };
        let new = NewStaff {
            email,
            name,
            role: req.role.into(),
            practitioner_id: req.practitioner_id,
            password,
        };
        let audit = audit_context(&state, &origin, staff.actor());
        let created = staff::create(&state.db, new, &audit).await?;
        Ok(Created::Created(Json(created.into())))
    }

    /// One staff account
    #[oai(path = "/:id", method = "get", operation_id = "getStaff")]
    async fn get(
        &self,
        state: Data<&AppState>,
        staff: Staff,
        id: Path<Uuid>,
    ) -> ApiResult<Json<StaffView>, StaffReadOne> {
        staff.require(Permission::ManageStaff)?;
        Ok(Json(staff::find(&state.db, id.0).await?.into()))
    }

    /// Change a staff account
    ///
    /// Name, role, practitioner link, or whether it is disabled. The last active owner cannot
    /// be disabled or given another role.
    #[oai(path = "/:id", method = "patch", operation_id = "updateStaff")]
    async fn update(
        &self,
        state: Data<&AppState>,
        origin: Data<&Origin>,
        staff: Staff,
        id: Path<Uuid>,
        body: JsonBody<StaffPatch>,
    ) -> ApiResult<Json<StaffView>, StaffWrite> {
        staff.require(Permission::ManageStaff)?;
        let patch = body.0;
        let name = patch
            .name
            .as_deref()
            .map(crate::types::PersonName::full)
            .transpose()
            .map(|n| n.map(crate::types::PersonName::into_string))
            .map_err(|m| ApiError::invalid("name", m))?;
        let changes = StaffChanges {
            name,
            role: patch.role.map(Into::into),
            disabled: patch.disabled,
            practitioner_id: match patch.practitioner_id {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(id) => Some(Some(id)),
            },
        };
        let audit = audit_context(&state, &origin, staff.actor());
        Ok(Json(
            staff::update(&state.db, id.0, changes, &audit)
                .await?
                .into(),
        ))
    }
}
