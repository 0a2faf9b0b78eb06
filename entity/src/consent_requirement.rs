use sea_orm::entity::prelude::*;

/// A consent document an appointment type requires before its first appointment.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consent_requirements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub document_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub appointment_type_id: Uuid,
}

impl ActiveModelBehavior for ActiveModel {}
