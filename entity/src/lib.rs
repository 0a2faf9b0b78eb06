//! SeaORM entities: one module per table, nothing but the models.
//!
//! Domain rules live in the `attune` crate; these types only say what a row looks like.

pub mod api_token;
pub mod audit_event;
pub mod practice;
pub mod practitioner;
pub mod staff_session;
pub mod staff_user;
