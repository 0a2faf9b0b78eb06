//! Attune's integration tests: one binary, one module per area, each test against the real
//! server on a random port and a database of its own.

#[path = "../common/mod.rs"]
mod common;

mod access;
mod access_matrix;
mod admin;
mod audit;
mod auth;
mod book_pages;
mod booking;
mod calendar;
mod cli;
mod concurrency;
mod consent;
mod dashboard;
mod dashboard_billing;
mod dashboard_record;
mod dashboard_settings;
mod edges;
mod errors;
mod estimates;
mod fees;
mod health;
mod intake;
mod intake_pages;
mod integrity;
mod invoices;
mod late_fees;
mod mail;
mod measures;
mod migrations;
mod notes;
mod openapi;
mod pages;
mod plans;
mod portal;
mod practice;
mod record;
mod request_id;
mod roles;
mod scheduling;
mod security;
mod series;
mod shutdown;
mod staff;
mod statements;
mod video;
