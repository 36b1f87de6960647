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
    pub pause_on: Option<NaiveDate>,
    pub resume_on: Option<NaiveDate>,
    pub cancel_on: Option<NaiveDate>,
}

impl Subscription {
    /// The amount charged each interval.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

const COLUMNS: &str = "id, merchant_id, customer_id, product_id, mandate_id, description, amount_minor, \
     vat_basis_points, billing_interval, start_date, status, success_redirect_url, pause_on, resume_on, cancel_on";

/// Creates a subscription: price, VAT and interval copied from the product at sign-up.
pub async fn insert(tx: &mut Tx, s: &Subscription, at: DateTime<Utc>) -> anyhow::Result<()> {
    insert_many(tx, std::slice::from_ref(s), at).await
}

/// Creates subscriptions in one statement (an import's chunk).
pub async fn insert_many(
    tx: &mut Tx,
    subscriptions: &[Subscription],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if subscriptions.is_empty() {
        return Ok(());
    }
    for part in subscriptions.chunks(super::rows_per_statement(12)) {
        let sql = format!(
            "INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, mandate_id, description, \
             amount_minor, vat_basis_points, billing_interval, start_date, status, success_redirect_url, \
             created_at, updated_at) VALUES {}",
            super::value_tuples(part.len(), 12)
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(&sql).bind(at);
            for s in part {
                query = query
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
                    .bind(&s.success_redirect_url);
            }
            query.execute(conn).await.map(|_| ())
        })
        .context("inserting subscriptions")?;
    }
    Ok(())
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
/// active otherwise (`Status::next` with `MandateConfirmed`, applied to all of them in one
/// statement). Returns how many moved.
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

/// Ends the mandate's subscriptions that still wait for it (`Status::next` with
/// `MandateAbandoned`, in one statement). Returns how many ended.
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

/// One of the merchant's subscriptions.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM subscriptions WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Subscription>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a subscription")
}

/// Moves a subscription from `from` to `s.status` with its dates and mandate; false when its
/// status changed meanwhile (another request got there first).
pub async fn save_change(
    tx: &mut Tx,
    s: &Subscription,
    from: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscriptions SET status = $4, pause_on = $5, resume_on = $6, cancel_on = $7, mandate_id = $8, \
             updated_at = $9 WHERE merchant_id = $1 AND id = $2 AND status = $3",
        )
        .bind(&s.merchant_id)
        .bind(&s.id)
        .bind(from)
        .bind(&s.status)
        .bind(s.pause_on)
        .bind(s.resume_on)
        .bind(s.cancel_on)
        .bind(&s.mandate_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("saving a subscription")?;
    Ok(n == 1)
}

/// Subscriptions of every merchant with a date-driven change due on `today`.
pub async fn with_due_dates(db: &Db, today: NaiveDate) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE (status = 'planned' AND start_date <= $1) \
         OR (status = 'active' AND pause_on <= $1) OR (status = 'paused' AND resume_on <= $1) \
         OR (status = 'cancelled' AND cancel_on < $1) ORDER BY merchant_id, id"
    );
    on_db!(db, pool => sqlx::query_as::<_, Subscription>(&sql).bind(today).fetch_all(pool).await)
        .context("finding subscriptions with changes due")
}

/// A row of the subscriptions list, with the customer's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: String,
    pub customer_id: String,
    pub description: String,
    pub amount_minor: i64,
    pub billing_interval: String,
    pub start_date: NaiveDate,
    pub status: String,
    pub cancel_on: Option<NaiveDate>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
}

impl SubscriptionRow {
    /// The amount charged each interval.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

/// A page of the merchant's subscriptions, newest first, optionally of one status.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    status: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<SubscriptionRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, SubscriptionRow>(
            "SELECT s.id, s.customer_id, s.description, s.amount_minor, s.billing_interval, s.start_date, s.status, \
             s.cancel_on, c.first_name, c.last_name, c.company FROM subscriptions s \
             JOIN customers c ON c.id = s.customer_id WHERE s.merchant_id = $1 AND ($2 = '' OR s.status = $2) \
             ORDER BY s.created_at DESC, s.id DESC LIMIT $3 OFFSET $4",
        )
        .bind(merchant_id)
        .bind(status)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    })
    .context("listing subscriptions")
}
