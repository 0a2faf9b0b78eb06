//! Read models: views that span capabilities, one level above the capabilities they read.
//! They write nothing but the audit records of what they show.
//!
//! [`agenda`] is the appointments in a span with what needs attention (intakes, flags, notes
//! to write); [`client_record`] is a couple's whole timeline and its export.

pub mod agenda;
pub mod client_record;
