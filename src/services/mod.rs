//! Use cases, one module per feature, named with the same noun as its `store/`, `web/` and
//! `templates/` parts. Each takes parsed domain values, does its work in one short database
//! transaction and says why it refused in a typed error. Nothing here knows about HTTP.

pub mod api_keys;
pub mod billing;
pub mod collections;
pub mod customers;
pub mod imports;
pub mod invoices;
pub mod mandates;
pub mod merchants;
pub mod messages;
pub mod payments;
pub mod products;
pub mod sign_ups;
pub mod signup_pages;
pub mod subscriptions;
pub mod tokens;
pub mod transactions;
pub mod users;
pub mod webhooks;
