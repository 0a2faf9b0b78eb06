//! SeaORM entities: one module per table, nothing but the models.
//!
//! Domain rules live in the `attune` crate; these types only say what a row looks like.

pub mod api_token;
pub mod appointment;
pub mod appointment_series;
pub mod appointment_type;
pub mod appointment_type_practitioner;
pub mod audit_event;
pub mod availability_override;
pub mod availability_rule;
pub mod billing_profile;
pub mod busy_block;
pub mod busy_calendar;
pub mod cache_version;
pub mod calendar_feed;
pub mod client;
pub mod client_billing;
pub mod client_diagnosis;
pub mod client_fee;
pub mod consent_document;
pub mod consent_request;
pub mod consent_requirement;
pub mod consent_version;
pub mod email_outbox;
pub mod good_faith_estimate;
pub mod intake_assignment;
pub mod invoice;
pub mod invoice_line;
pub mod invoice_number;

pub mod integrity_state;
pub mod join_link;
pub mod measure_schedule;
pub mod note_addendum;
pub mod participant;
pub mod participant_billing;
pub mod payment;
pub mod pending_fee;
pub mod portal_link;
pub mod portal_session;
pub mod practice;
pub mod practitioner;
pub mod psychotherapy_note;
pub mod questionnaire;
pub mod questionnaire_version;
pub mod session_note;
pub mod staff_session;
pub mod staff_user;
pub mod time_off;
pub mod treatment_plan;
pub mod type_fee;
