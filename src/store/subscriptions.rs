//! Subscriptions: a customer's product, paid under a mandate.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Tx};
use crate::{on_db, on_tx};

/// A subscription as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Subscription {
    pub id: String,
    pub merchant_id: String,
    pub customer_id: String,
    pub product_id: String,
    pub mandate_id: Option<String>,
    pub description: String,
    pub amount_minor: i64,
    pub vat_basis_points: i32,
    pub billing_interval: String,
    pub start_date: NaiveDate,
    pub status: String,
    pub success_redirect_url: Option<String>,
}

impl Subscription {
    /// The amount charged each interval.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

const COLUMNS: &str = "id, merchant_id, customer_id, product_id, mandate_id, description, amount_minor, \
     vat_basis_points, billing_interval, start_date, status, success_redirect_url";

/// Creates a subscription: price, VAT and interval copied from the product at sign-up.
pub async fn insert(tx: &mut Tx, s: &Subscription, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, mandate_id, description, \
             amount_minor, vat_basis_points, billing_interval, start_date, status, success_redirect_url, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(&s.id)
        .bind(&s.merchant_id)
        .bind(&s.customer_id)
        .bind(&s.product_id)
        .bind(&s.mandate_id)
        .bind(&s.description)
        .bind(s.amount_minor)
        .bind(s.vat_basis_points)
        .bind(&s.billing_interval)
        .bind(s.start_date)
        .bind(&s.status)
        .bind(&s.success_redirect_url)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("inserting a subscription")
}

/// The subscriptions paid under a mandate.
pub async fn for_mandate(
    db: &Db,
    merchant_id: &str,
    mandate_id: &str,
) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE merchant_id = $1 AND mandate_id = $2 ORDER BY created_at, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Subscription>(&sql).bind(merchant_id).bind(mandate_id).fetch_all(pool).await
    })
    .context("loading a mandate's subscriptions")
}

/// Moves the mandate's pending subscriptions on: planned when they start after `today`,
/// active otherwise. Returns how many moved.
pub async fn start_pending(
    tx: &mut Tx,
    merchant_id: &str,
    mandate_id: &str,
    today: NaiveDate,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscriptions SET status = CASE WHEN start_date > $3 THEN 'planned' ELSE 'active' END, \
             updated_at = $4 WHERE merchant_id = $1 AND mandate_id = $2 AND status = 'pending_mandate'",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(today)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("starting subscriptions")
}

/// Ends the mandate's subscriptions that still wait for it. Returns how many ended.
pub async fn end_pending(
    tx: &mut Tx,
    merchant_id: &str,
    mandate_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscriptions SET status = 'ended', updated_at = $3 \
             WHERE merchant_id = $1 AND mandate_id = $2 AND status = 'pending_mandate'",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("ending pending subscriptions")
}

/// A customer's subscriptions, newest first.
pub async fn for_customer(
    db: &Db,
    merchant_id: &str,
    customer_id: &str,
) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE merchant_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Subscription>(&sql).bind(merchant_id).bind(customer_id).fetch_all(pool).await
    })
    .context("loading a customer's subscriptions")
}
