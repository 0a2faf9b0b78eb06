use sea_orm::entity::prelude::*;

/// A person who signs in to run the practice.
#[sea_orm::model]
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Lower-cased.
    #[sea_orm(unique)]
    pub email: String,
    pub name: String,
    pub role: StaffRole,
    pub practitioner_id: Option<Uuid>,
    /// Argon2id, in PHC string form.
    pub password_hash: String,
    pub disabled: bool,
    /// Consecutive failed sign-ins since the last success.
    pub failed_logins: i32,
    pub locked_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_login_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum StaffRole {
    #[sea_orm(string_value = "owner")]
    Owner,
    #[sea_orm(string_value = "clinician")]
    Clinician,
    #[sea_orm(string_value = "assistant")]
    Assistant,
}

/// Written by hand so that a stray `{:?}` never prints an email or a password hash.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("staff_user::Model")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ModelEx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("staff_user::ModelEx")
            .field("id", &self.id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}
