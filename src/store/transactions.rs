//! Transactions: what a customer owes for one period of a subscription (one per period, by a
//! unique constraint) or for a one-off charge, and how their collection stands.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::webhooks::{Receiver, record_event, record_event_to};
use super::{Db, Tx, on_db, on_tx};
use crate::domain::webhook::{Event, EventType};

/// The statuses a transaction can have: `scheduled` → `submitted` → `paid`, or `failed`,
/// `charged_back` (refunded after paid), `cancelled` (before submission).
pub const STATUSES: &[&str] = &[
    "scheduled",
    "submitted",
    "paid",
    "failed",
    "charged_back",
    "cancelled",
];

/// A transaction as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Transaction {
    pub id: String,
    pub merchant_id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub mandate_id: Option<String>,
    /// `period` or `one_off`.
    pub kind: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// The collection date.
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub description: String,
    /// `FRST`, `RCUR` or `ONLINE`.
    pub sequence_type: String,
    pub status: String,
    pub failure_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Transaction {
    /// The amount.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

const COLUMNS: &str = "id, merchant_id, subscription_id, customer_id, mandate_id, kind, period_start, \
     period_end, due_date, amount_minor, description, sequence_type, status, failure_reason, \
     created_at, updated_at";

/// A transaction to record.
#[derive(Debug, Clone)]
pub struct NewTransaction {
    pub id: String,
    pub merchant_id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub mandate_id: Option<String>,
    pub kind: &'static str,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub description: String,
    pub sequence_type: &'static str,
    pub status: &'static str,
    pub payment_id: Option<String>,
    /// `pending` when a pre-notification (or the invoice email) is to be sent, else `none`.
    pub notice_status: &'static str,
}

/// The announcement of a new transaction.
fn created_event(t: &NewTransaction) -> Event<'_> {
    Event::new(EventType::TransactionCreated, &t.merchant_id, &t.id)
        .customer(&t.customer_id)
        .in_subscription(&t.subscription_id)
        .status(t.status, None)
}

/// Records one transaction (emits `transaction.created`); a unique violation means its period
/// has one already.
pub async fn insert(tx: &mut Tx, t: &NewTransaction, at: DateTime<Utc>) -> anyhow::Result<()> {
    super::idempotency::note_created("transactions", &t.id);
    if t.notice_status == "pending" {
        // The outbox composes the notice: wake it when this commits.
        super::messages::QUEUED.mark();
    }
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "INSERT INTO transactions (id, merchant_id, subscription_id, customer_id, mandate_id, kind, \
             period_start, period_end, due_date, amount_minor, description, sequence_type, status, \
             payment_id, notice_status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $16, $15, $15)",
        )
        .bind(&t.id)
        .bind(&t.merchant_id)
        .bind(&t.subscription_id)
        .bind(&t.customer_id)
        .bind(&t.mandate_id)
        .bind(t.kind)
        .bind(t.period_start)
        .bind(t.period_end)
        .bind(t.due_date)
        .bind(t.amount_minor)
        .bind(&t.description)
        .bind(t.sequence_type)
        .bind(t.status)
        .bind(&t.payment_id)
        .bind(at)
        .bind(t.notice_status)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a transaction")?;
    record_event(tx, &created_event(t), at)
        .await
        .context("announcing a transaction")
}

/// Width of a transaction row in `insert_periods`.
const WIDTH: usize = 15;

/// Records the periods of a billing run in multi-row statements; a period that has its
/// transaction already is left alone (another run got there first). Returns the ids written.
/// `receivers` gives, per transaction, who hears of it; those with none are not announced.
pub async fn insert_periods(
    tx: &mut Tx,
    periods: &[NewTransaction],
    receivers: impl Fn(&NewTransaction) -> Vec<Receiver>,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    if periods.iter().any(|t| t.notice_status == "pending") {
        super::messages::QUEUED.mark();
    }
    // SQLite gets anonymous parameters (the timestamps bound in every row, see
    // `anonymous_tuples`); PostgreSQL numbered ones with one shared timestamp.
    let sqlite = matches!(tx, Tx::Sqlite(_));
    let mut written = Vec::with_capacity(periods.len());
    for part in periods.chunks(super::rows_per_statement(WIDTH)) {
        let sql = format!(
            "INSERT INTO transactions (id, merchant_id, subscription_id, customer_id, mandate_id, kind, \
             period_start, period_end, due_date, amount_minor, description, sequence_type, status, \
             failure_reason, notice_status, created_at, updated_at) VALUES {} \
             ON CONFLICT (subscription_id, period_start) DO NOTHING RETURNING id",
            if sqlite {
                super::anonymous_tuples(part.len(), WIDTH + 2)
            } else {
                super::value_tuples(part.len(), WIDTH)
            }
        );
        let ids: Vec<(String,)> = on_tx!(&mut *tx, conn => {
            let mut query = sqlx::query_as(&sql);
            if !sqlite {
                query = query.bind(at);
            }
            for t in part {
                query = query
                    .bind(&t.id)
                    .bind(&t.merchant_id)
                    .bind(&t.subscription_id)
                    .bind(&t.customer_id)
                    .bind(&t.mandate_id)
                    .bind(t.kind)
                    .bind(t.period_start)
                    .bind(t.period_end)
                    .bind(t.due_date)
                    .bind(t.amount_minor)
                    .bind(&t.description)
                    .bind(t.sequence_type)
                    .bind(t.status)
                    .bind("")
                    .bind(t.notice_status);
                if sqlite {
                    query = query.bind(at).bind(at);
                }
            }
            query.fetch_all(conn).await
        })
        .context("recording the periods of a billing run")?;
        written.extend(ids.into_iter().map(|(id,)| id));
    }
    if !written.is_empty() {
        let done: std::collections::HashSet<&str> = written.iter().map(String::as_str).collect();
        for t in periods.iter().filter(|t| done.contains(t.id.as_str())) {
            let to = receivers(t);
            if !to.is_empty() {
                record_event_to(tx, &created_event(t), &to, at)
                    .await
                    .context("announcing a transaction")?;
            }
        }
    }
    Ok(written)
}

/// A transaction whose pre-notification is to be queued, with what its email says.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingNotice {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub merchant_id: String,
    pub customer_id: String,
    pub amount_minor: i64,
    pub due_date: NaiveDate,
    pub description: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub sequence_type: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub language: Option<String>,
    pub iban: Option<String>,
    pub mandate_reference: Option<String>,
    pub invoice_id: Option<String>,
    pub invoice_number: Option<String>,
    /// New attempts after returns: a retry's notice says why it comes again.
    pub retries: i32,
    pub failure_reason: String,
}

/// Up to `limit` transactions after `after` (by creation and id, across merchants: the worker's
/// view) whose notice is pending.
pub async fn pending_notices(
    db: &Db,
    after: Option<&(DateTime<Utc>, String)>,
    limit: i64,
) -> anyhow::Result<Vec<PendingNotice>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, PendingNotice>(
            "SELECT t.id, t.created_at, t.merchant_id, t.customer_id, t.amount_minor, t.due_date, t.description, \
             t.period_start, t.period_end, t.sequence_type, c.email, c.first_name, c.last_name, \
             c.company, c.language, m.iban, m.reference AS mandate_reference, \
             i.id AS invoice_id, i.number AS invoice_number, t.retries, t.failure_reason \
             FROM transactions t JOIN customers c ON c.id = t.customer_id \
             LEFT JOIN mandates m ON m.id = t.mandate_id \
             LEFT JOIN invoices i ON i.transaction_id = t.id AND i.kind = 'invoice' \
             WHERE t.notice_status = 'pending' \
             AND ($1 IS NULL OR t.created_at > $1 OR (t.created_at = $1 AND t.id > $2)) \
             ORDER BY t.created_at, t.id LIMIT $3",
        )
        .bind(after.map(|a| a.0))
        .bind(after.map(|a| a.1.as_str()))
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("reading pending notices")
}

/// Claims a pending notice for queueing; false when it is not pending (any more).
pub async fn claim_notice(tx: &mut Tx, id: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
    let done = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE transactions SET notice_status = 'queued', notice_queued_at = $2 \
             WHERE id = $1 AND notice_status = 'pending'",
        )
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming a notice")?;
    Ok(done == 1)
}

/// Records a notice's state and message.
pub async fn set_notice(
    tx: &mut Tx,
    id: &str,
    status: &str,
    message_id: Option<&str>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE transactions SET notice_status = $2, notice_message_id = $3, \
             notice_queued_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(message_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a notice")
}

/// The merchant a transaction belongs to (a payment link names only the transaction).
pub async fn merchant_of(db: &Db, id: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT merchant_id FROM transactions WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
    .context("finding a transaction's merchant")?;
    Ok(row.map(|(m,)| m))
}

/// One of the merchant's transactions.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Transaction>> {
    let sql = format!("SELECT {COLUMNS} FROM transactions WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Transaction>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a transaction")
}

/// A subscription's transactions, periods in order then one-off charges by due date.
pub async fn for_subscription(
    db: &Db,
    merchant_id: &str,
    subscription_id: &str,
) -> anyhow::Result<Vec<Transaction>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions WHERE merchant_id = $1 AND subscription_id = $2 \
         ORDER BY COALESCE(period_start, due_date), id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Transaction>(&sql).bind(merchant_id).bind(subscription_id).fetch_all(pool).await
    })
    .context("loading a subscription's transactions")
}

/// A customer's transactions still to be collected, by due date.
pub async fn scheduled_for_customer(
    db: &Db,
    merchant_id: &str,
    customer_id: &str,
) -> anyhow::Result<Vec<Transaction>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions WHERE merchant_id = $1 AND customer_id = $2 \
         AND status = 'scheduled' ORDER BY due_date, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Transaction>(&sql).bind(merchant_id).bind(customer_id).fetch_all(pool).await
    })
    .context("loading a customer's scheduled transactions")
}

/// The period starts of a subscription's transactions (its charged or cancelled periods).
pub async fn period_starts(
    db: &Db,
    merchant_id: &str,
    subscription_ids: &[&str],
) -> anyhow::Result<Vec<(String, NaiveDate)>> {
    let mut all = Vec::new();
    for part in subscription_ids.chunks(500) {
        let list = super::in_list(part.len());
        let sql = format!(
            "SELECT subscription_id, period_start FROM transactions WHERE merchant_id = $1 \
             AND period_start IS NOT NULL AND subscription_id IN ({list})"
        );
        let rows: Vec<(String, NaiveDate)> = on_db!(db, pool => {
            let mut query = sqlx::query_as(&sql).bind(merchant_id);
            for id in part {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
        .context("loading charged periods")?;
        all.extend(rows);
    }
    Ok(all)
}

/// What the merchant's transaction lists filter on.
#[derive(Debug, Clone, Default)]
pub struct TransactionFilter {
    pub status: Option<String>,
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
}

/// The condition of `filter` on `transactions t`, its parameters starting at `$2`.
const FILTERED: &str = "t.merchant_id = $1 AND ($2 IS NULL OR t.status = $2) \
     AND ($3 IS NULL OR t.due_date >= $3) AND ($4 IS NULL OR t.due_date <= $4) \
     AND ($5 IS NULL OR t.customer_id = $5) AND ($6 IS NULL OR t.subscription_id = $6)";

/// A row of the admin's list: the transaction with its customer's name and its subscription.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TransactionRow {
    #[sqlx(flatten)]
    pub transaction: Transaction,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub subscription: String,
}

impl TransactionRow {
    /// The customer's name, or the company.
    pub fn customer_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.company.clone()
        } else {
            name.to_string()
        }
    }
}

macro_rules! bind_filter {
    ($query:expr, $merchant_id:expr, $f:expr) => {
        $query
            .bind($merchant_id)
            .bind($f.status.as_deref())
            .bind($f.due_from)
            .bind($f.due_to)
            .bind($f.customer_id.as_deref())
            .bind($f.subscription_id.as_deref())
    };
}

/// A page of the merchant's transactions (due date, newest first), with names.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    filter: &TransactionFilter,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<TransactionRow>> {
    rows(db, merchant_id, filter, None, limit, offset).await
}

/// Up to `limit` of the merchant's transactions after `after` (due date and id) in the order of
/// `list`, with names: an export reads them chunk by chunk.
pub async fn rows_after(
    db: &Db,
    merchant_id: &str,
    filter: &TransactionFilter,
    after: Option<&(NaiveDate, String)>,
    limit: i64,
) -> anyhow::Result<Vec<TransactionRow>> {
    rows(db, merchant_id, filter, after, limit, 0).await
}

async fn rows(
    db: &Db,
    merchant_id: &str,
    filter: &TransactionFilter,
    after: Option<&(NaiveDate, String)>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<TransactionRow>> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, c.first_name, c.last_name, c.company, s.description AS subscription \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         JOIN subscriptions s ON s.id = t.subscription_id \
         WHERE {FILTERED} AND ($7 IS NULL OR t.due_date < $7 OR (t.due_date = $7 AND t.id < $8)) \
         ORDER BY t.due_date DESC, t.id DESC LIMIT $9 OFFSET $10"
    );
    on_db!(db, pool => {
        bind_filter!(sqlx::query_as::<_, TransactionRow>(&sql), merchant_id, filter)
            .bind(after.map(|a| a.0))
            .bind(after.map(|a| a.1.as_str()))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
    })
    .context("listing transactions")
}

/// How many transactions `filter` holds and their total amount.
pub async fn totals(
    db: &Db,
    merchant_id: &str,
    filter: &TransactionFilter,
) -> anyhow::Result<(i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(t.amount_minor), 0) AS BIGINT) FROM transactions t \
         WHERE {FILTERED}"
    );
    let (count, sum): (i64, i64) = on_db!(db, pool => {
        bind_filter!(sqlx::query_as(&sql), merchant_id, filter).fetch_one(pool).await
    })
    .context("adding up transactions")?;
    Ok((count, sum))
}

/// A page of the merchant's transactions for the API, newest first.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    filter: &TransactionFilter,
    after: Option<&super::After>,
    limit: i64,
) -> anyhow::Result<Vec<Transaction>> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let cursor = super::after_cursor("t")
        .replace("$2", "$7")
        .replace("$3", "$8");
    let sql = format!(
        "SELECT {columns} FROM transactions t WHERE {FILTERED} AND {cursor} \
         ORDER BY t.created_at DESC, t.id DESC LIMIT $9"
    );
    on_db!(db, pool => {
        bind_filter!(sqlx::query_as::<_, Transaction>(&sql), merchant_id, filter)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing transactions")
}

/// Cancels a transaction that is still `scheduled` and in no live collection file (emits
/// `transaction.cancelled`); false when it is not (any more).
pub async fn cancel(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let row: Option<(String, String)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "UPDATE transactions SET status = 'cancelled', updated_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'scheduled' \
             AND NOT EXISTS (SELECT 1 FROM collection_attempts a WHERE a.transaction_id = transactions.id \
             AND a.status IN ('exported', 'submitted')) \
             RETURNING customer_id, subscription_id",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(at)
        .fetch_optional(conn)
        .await
    })
    .context("cancelling a transaction")?;
    let Some((customer_id, subscription_id)) = row else {
        return Ok(false);
    };
    let event = Event::new(EventType::TransactionCancelled, merchant_id, id)
        .customer(&customer_id)
        .in_subscription(&subscription_id)
        .status("cancelled", Some("scheduled"));
    record_event(tx, &event, at)
        .await
        .context("announcing a cancelled transaction")?;
    Ok(true)
}

/// Whether a mandate has collected, or is to collect, a direct debit already (its next one is
/// then RCUR).
pub async fn mandate_in_use(db: &Db, mandate_id: &str) -> anyhow::Result<bool> {
    let row: Option<(i64,)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT CAST(1 AS BIGINT) FROM transactions WHERE mandate_id = $1 AND sequence_type IN ('FRST', 'RCUR') \
             AND status <> 'cancelled' LIMIT 1",
        )
        .bind(mandate_id)
        .fetch_optional(pool)
        .await
    })
    .context("checking a mandate's use")?;
    Ok(row.is_some())
}
