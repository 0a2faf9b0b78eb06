//! Scheduling and online booking: opening hours, the slot engine, appointment types,
//! clients, appointments.

pub mod slots;
