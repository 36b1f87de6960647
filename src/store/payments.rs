//! Online payments through a provider, and the transactions they settle.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::webhooks::record_event;
use super::{Db, Tx};
use super::{on_db, on_tx};
use crate::domain::webhook::{Event, EventType};

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
}

const COLUMNS: &str = "id, merchant_id, provider, customer_id, subscription_id, mandate_id, amount_minor, \
     description, status, checkout_url";

/// Stores an open payment.
pub async fn insert(tx: &mut Tx, p: &Payment, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO payments (id, merchant_id, provider, customer_id, subscription_id, mandate_id, amount_minor, \
             description, status, checkout_url, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
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

/// A transaction to record.
#[derive(Debug, Clone)]
pub struct NewTransaction<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub subscription_id: &'a str,
    pub customer_id: &'a str,
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub sequence_type: &'a str,
    pub status: &'a str,
    pub payment_id: Option<&'a str>,
}

/// Records a transaction; one per subscription period (a unique constraint). Emits
/// `transaction.status_changed` with its first status (no previous one).
pub async fn insert_transaction(
    tx: &mut Tx,
    t: &NewTransaction<'_>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    super::idempotency::note_created("transactions", t.id);
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "INSERT INTO transactions (id, merchant_id, subscription_id, customer_id, period_start, due_date, \
             amount_minor, sequence_type, status, payment_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
        )
        .bind(t.id)
        .bind(t.merchant_id)
        .bind(t.subscription_id)
        .bind(t.customer_id)
        .bind(t.period_start)
        .bind(t.due_date)
        .bind(t.amount_minor)
        .bind(t.sequence_type)
        .bind(t.status)
        .bind(t.payment_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a transaction")?;
    let event = Event::new(EventType::TransactionStatusChanged, t.merchant_id, t.id)
        .customer(t.customer_id)
        .in_subscription(t.subscription_id)
        .status(t.status, None);
    record_event(tx, &event, at)
        .await
        .context("announcing a transaction")
}

/// (status, amount, sequence type) of a subscription's transactions, oldest first.
pub async fn transactions_for(
    db: &Db,
    merchant_id: &str,
    subscription_id: &str,
) -> anyhow::Result<Vec<(String, i64, String)>> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT status, amount_minor, sequence_type FROM transactions WHERE merchant_id = $1 AND subscription_id = $2 \
             ORDER BY period_start",
        )
        .bind(merchant_id)
        .bind(subscription_id)
        .fetch_all(pool)
        .await
    })
    .context("loading transactions")
}

/// A collection or payment of one subscription period.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transaction {
    pub id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub sequence_type: String,
    pub status: String,
    pub failure_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const TRANSACTION_COLUMNS: &str = "id, subscription_id, customer_id, period_start, due_date, amount_minor, \
     sequence_type, status, failure_reason, created_at, updated_at";

/// One of the merchant's transactions.
pub async fn get_transaction(
    db: &Db,
    merchant_id: &str,
    id: &str,
) -> anyhow::Result<Option<Transaction>> {
    let sql = format!(
        "SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE merchant_id = $1 AND id = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Transaction>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a transaction")
}

/// A page of the merchant's transactions for the API, newest first, optionally of one subscription.
pub async fn list_transactions_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    subscription_id: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Transaction>> {
    let sql = format!(
        "SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE merchant_id = $1 AND {} \
         AND ($4 IS NULL OR subscription_id = $4) ORDER BY created_at DESC, id DESC LIMIT $5",
        super::after_cursor("")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Transaction>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(subscription_id)
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing transactions")
}
