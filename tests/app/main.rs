//! Integration tests: each starts the real app on a random port with a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod helpers;
mod sinks;

mod admin_ui;
mod api;
mod auth;
mod billing;
mod browser;
mod cli;
mod collections;
mod confirmations;
mod customers;
mod hardening;
mod imports;
mod invoices;
mod mandates;
mod messaging;
mod privacy;
mod products;
mod roles;
mod settings;
mod setup;
mod signup;
mod storage;
mod subscriptions;
mod tenancy;
mod web_basics;
mod webhooks;
