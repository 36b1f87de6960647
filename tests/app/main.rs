//! Integration tests: each starts the real app on a random port with a fresh database
//! (SQLite, or PostgreSQL when TEST_DATABASE_URL is set) and talks HTTP to it.

mod helpers;

mod auth;
mod cli;
mod roles;
mod settings;
mod setup;
mod storage;
mod web_basics;
