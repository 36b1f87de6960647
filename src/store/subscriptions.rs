//! Subscriptions: a customer's product, paid under a mandate.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::webhooks::record_event;
use super::{Db, Tx};
use super::{on_db, on_tx};
use crate::domain::webhook::{Event, EventType};

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
    /// Where this subscription's own events go as well (set through the API).
    pub subscription_webhook_url: Option<String>,
    /// Where events of this subscription's transactions go as well (set through the API).
    pub transaction_webhook_url: Option<String>,
    /// Set by API clients: any JSON, at most 1 kB.
    pub metadata: Option<String>,
    pub create_invoice: bool,
    pub invoice_text: String,
    /// No period starting before this day is charged (`None`: from the start date).
    pub billing_from: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// What an API client can add to a subscription.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub metadata: Option<String>,
    /// Invoices or not; none keeps the product's (or merchant's) default.
    pub create_invoice: Option<bool>,
    pub invoice_text: String,
    /// Checked with `webhooks::check_url`.
    pub subscription_webhook_url: Option<String>,
    pub transaction_webhook_url: Option<String>,
    /// Its name when not the product's own: the product's name in the language the customer
    /// signed up in.
    pub description: Option<String>,
}

impl Subscription {
    /// This subscription with the options an API client gave it.
    pub fn with_options(mut self, options: &Options) -> Subscription {
        self.metadata = options.metadata.clone();
        if let Some(create_invoice) = options.create_invoice {
            self.create_invoice = create_invoice;
        }
        self.invoice_text = options.invoice_text.clone();
        self.subscription_webhook_url = options.subscription_webhook_url.clone();
        self.transaction_webhook_url = options.transaction_webhook_url.clone();
        if let Some(description) = &options.description {
            self.description = description.clone();
        }
        self
    }

    /// The amount charged each interval.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

const COLUMNS: &str = "id, merchant_id, customer_id, product_id, mandate_id, description, amount_minor, \
     vat_basis_points, billing_interval, start_date, status, success_redirect_url, pause_on, resume_on, cancel_on, \
     subscription_webhook_url, transaction_webhook_url, metadata, create_invoice, invoice_text, billing_from, \
     created_at";

/// Creates a subscription: price, VAT and interval copied from the product at sign-up; emits
/// `subscription.created`.
pub async fn insert(tx: &mut Tx, s: &Subscription, at: DateTime<Utc>) -> anyhow::Result<()> {
    insert_many(tx, std::slice::from_ref(s), at).await?;
    super::idempotency::note_created("subscriptions", &s.id);
    let event = Event::new(EventType::SubscriptionCreated, &s.merchant_id, &s.id)
        .customer(&s.customer_id)
        .mandate(s.mandate_id.as_deref())
        .status(&s.status, None);
    record_event(tx, &event, at)
        .await
        .context("announcing a new subscription")
}

/// Creates subscriptions in one statement (an import's chunk, which announces no webhook event per
/// row).
pub async fn insert_many(
    tx: &mut Tx,
    subscriptions: &[Subscription],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if subscriptions.is_empty() {
        return Ok(());
    }
    for part in subscriptions.chunks(super::rows_per_statement(21)) {
        let sql = format!(
            "INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, mandate_id, description, \
             amount_minor, vat_basis_points, billing_interval, start_date, status, success_redirect_url, \
             subscription_webhook_url, transaction_webhook_url, metadata, create_invoice, invoice_text, \
             pause_on, resume_on, cancel_on, billing_from, created_at, updated_at) VALUES {}",
            super::value_tuples(part.len(), 21)
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
                    .bind(&s.success_redirect_url)
                    .bind(&s.subscription_webhook_url)
                    .bind(&s.transaction_webhook_url)
                    .bind(&s.metadata)
                    .bind(s.create_invoice)
                    .bind(&s.invoice_text)
                    .bind(s.pause_on)
                    .bind(s.resume_on)
                    .bind(s.cancel_on)
                    .bind(s.billing_from.unwrap_or(s.start_date));
            }
            query.execute(conn).await.map(|_| ())
        })
        .context("inserting subscriptions")?;
    }
    Ok(())
}

/// Emits `subscription.status_changed` for each (id, customer id, mandate id, status) row.
async fn announce_changes(
    tx: &mut Tx,
    merchant_id: &str,
    changed: &[(String, String, Option<String>, String)],
    previous: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    for (id, customer_id, mandate_id, status) in changed {
        let event = Event::new(EventType::SubscriptionStatusChanged, merchant_id, id)
            .customer(customer_id)
            .mandate(mandate_id.as_deref())
            .status(status, Some(previous));
        record_event(tx, &event, at)
            .await
            .context("announcing a subscription status change")?;
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
    let changed: Vec<(String, String, Option<String>, String)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "UPDATE subscriptions SET status = CASE WHEN start_date > $3 THEN 'planned' ELSE 'active' END, \
             updated_at = $4 WHERE merchant_id = $1 AND mandate_id = $2 AND status = 'pending_mandate' \
             RETURNING id, customer_id, mandate_id, status",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(today)
        .bind(at)
        .fetch_all(conn)
        .await
    })
    .context("starting subscriptions")?;
    announce_changes(tx, merchant_id, &changed, "pending_mandate", at).await?;
    Ok(changed.len() as u64)
}

/// Ends the mandate's subscriptions that still wait for it (`Status::next` with
/// `MandateAbandoned`, in one statement). Returns how many ended.
pub async fn end_pending(
    tx: &mut Tx,
    merchant_id: &str,
    mandate_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let changed: Vec<(String, String, Option<String>, String)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "UPDATE subscriptions SET status = 'ended', updated_at = $3 \
             WHERE merchant_id = $1 AND mandate_id = $2 AND status = 'pending_mandate' \
             RETURNING id, customer_id, mandate_id, status",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(at)
        .fetch_all(conn)
        .await
    })
    .context("ending pending subscriptions")?;
    announce_changes(tx, merchant_id, &changed, "pending_mandate", at).await?;
    Ok(changed.len() as u64)
}

/// Moves the running subscriptions of a mandate (planned, active, paused, and cancelled ones that
/// end later) to its successor. Returns how many moved.
pub async fn move_to_mandate(
    tx: &mut Tx,
    merchant_id: &str,
    old_mandate_id: &str,
    new_mandate_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscriptions SET mandate_id = $3, updated_at = $4 WHERE merchant_id = $1 \
             AND mandate_id = $2 AND status IN ('planned', 'active', 'paused', 'cancelled')",
        )
        .bind(merchant_id)
        .bind(old_mandate_id)
        .bind(new_mandate_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("moving subscriptions to a new mandate")
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

/// Moves a subscription from `from` to `s.status` with its dates and mandate (emitting
/// `subscription.status_changed` when the status differs); false when its status changed
/// meanwhile (another request got there first).
pub async fn save_change(
    tx: &mut Tx,
    s: &Subscription,
    from: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(&mut *tx, conn => {
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
    if n == 1 && s.status != from {
        let changed = [(
            s.id.clone(),
            s.customer_id.clone(),
            s.mandate_id.clone(),
            s.status.clone(),
        )];
        announce_changes(tx, &s.merchant_id, &changed, from, at).await?;
    }
    Ok(n == 1)
}

/// Subscriptions of every merchant with a date-driven change due on `today`.
pub async fn with_due_dates(
    db: &Db,
    merchant_id: Option<&str>,
    today: NaiveDate,
) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE ($2 IS NULL OR merchant_id = $2) AND \
         ((status = 'planned' AND start_date <= $1) \
         OR (status = 'active' AND pause_on <= $1) OR (status = 'paused' AND resume_on <= $1) \
         OR (status = 'cancelled' AND cancel_on < $1)) ORDER BY merchant_id, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Subscription>(&sql).bind(today).bind(merchant_id).fetch_all(pool).await
    })
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

/// Sets where the subscription's own events and its transactions' events go as well (`None`
/// for nowhere); check each URL with `webhooks::check_url` first. False when not found.
pub async fn set_webhook_urls(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    subscription_webhook_url: Option<&str>,
    transaction_webhook_url: Option<&str>,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscriptions SET subscription_webhook_url = $3, transaction_webhook_url = $4, updated_at = $5 \
             WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(subscription_webhook_url)
        .bind(transaction_webhook_url)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("setting a subscription's webhook URLs")?;
    Ok(n == 1)
}

/// A page of the merchant's subscriptions for the API, newest first, optionally of one customer or
/// status.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    customer_id: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Subscription>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE merchant_id = $1 AND {} \
         AND ($4 IS NULL OR customer_id = $4) AND ($5 IS NULL OR status = $5) \
         ORDER BY created_at DESC, id DESC LIMIT $6",
        super::after_cursor("")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Subscription>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(customer_id)
            .bind(status)
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing subscriptions")
}
