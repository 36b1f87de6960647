//! Online payments through a provider (a paid one records its period as a transaction).

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A payment as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Payment {
    pub id: String,
    pub merchant_id: String,
    pub provider: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub mandate_id: String,
    pub amount_minor: i64,
    pub description: String,
    pub status: String,
    pub checkout_url: String,
    /// The failed transaction a payment link pays; none for a first payment.
    pub transaction_id: Option<String>,
}

const COLUMNS: &str = "id, merchant_id, provider, customer_id, subscription_id, mandate_id, amount_minor, \
     description, status, checkout_url, transaction_id";

/// Stores an open payment.
pub async fn insert(tx: &mut Tx, p: &Payment, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO payments (id, merchant_id, provider, customer_id, subscription_id, mandate_id, amount_minor, \
             description, status, checkout_url, transaction_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11, $11)",
        )
        .bind(&p.id)
        .bind(&p.merchant_id)
        .bind(&p.provider)
        .bind(&p.customer_id)
        .bind(&p.subscription_id)
        .bind(&p.mandate_id)
        .bind(p.amount_minor)
        .bind(&p.description)
        .bind(&p.status)
        .bind(&p.checkout_url)
        .bind(at)
        .bind(&p.transaction_id)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("storing a payment")
}

/// The payment with this id (its id is the secret of the checkout link).
pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<Payment>> {
    let sql = format!("SELECT {COLUMNS} FROM payments WHERE id = $1");
    on_db!(db, pool => sqlx::query_as::<_, Payment>(&sql).bind(id).fetch_optional(pool).await)
        .context("loading a payment")
}

/// Moves an open payment to `status`; false when it was not open any more.
pub async fn settle(
    tx: &mut Tx,
    id: &str,
    status: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query("UPDATE payments SET status = $2, updated_at = $3 WHERE id = $1 AND status = 'open'")
            .bind(id)
            .bind(status)
            .bind(at)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("settling a payment")?;
    Ok(n == 1)
}
