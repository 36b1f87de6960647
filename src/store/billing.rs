//! What the billing run reads and records: the subscriptions it bills, in chunks by id with their
//! last charged period and their mandate's use; pauses; its runs; and the lease of the scheduled
//! run.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Tx, on_db, on_tx};

/// A subscription as the billing run needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Billable {
    pub id: String,
    pub customer_id: String,
    pub mandate_id: String,
    pub description: String,
    pub amount_minor: i64,
    pub billing_interval: String,
    pub start_date: NaiveDate,
    pub billing_from: NaiveDate,
    pub status: String,
    pub pause_on: Option<NaiveDate>,
    pub resume_on: Option<NaiveDate>,
    pub cancel_on: Option<NaiveDate>,
    pub transaction_webhook_url: Option<String>,
    /// The start of the latest period that has a transaction (of any status).
    pub last_period: Option<NaiveDate>,
    /// Whether the mandate collected (or is to collect) a direct debit already: FRST or RCUR.
    pub mandate_used: i32,
    pub vat_basis_points: i32,
    pub create_invoice: bool,
    pub invoice_text: String,
}

/// Up to `limit` of the merchant's subscriptions after `after_id` (by id) that may have periods to
/// bill: running under a valid mandate, or ended by a cancellation on or after `ended_since`.
pub async fn billable_after(
    db: &Db,
    merchant_id: &str,
    after_id: &str,
    ended_since: NaiveDate,
    limit: i64,
) -> anyhow::Result<Vec<Billable>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Billable>(
            "SELECT s.id, s.customer_id, s.mandate_id, s.description, s.amount_minor, s.billing_interval, \
             s.start_date, COALESCE(s.billing_from, s.start_date) AS billing_from, s.status, s.pause_on, \
             s.resume_on, s.cancel_on, s.transaction_webhook_url, \
             (SELECT MAX(t.period_start) FROM transactions t WHERE t.subscription_id = s.id) AS last_period, \
             CASE WHEN m.first_used_on IS NOT NULL OR EXISTS (SELECT 1 FROM transactions u \
                WHERE u.mandate_id = s.mandate_id AND u.sequence_type IN ('FRST', 'RCUR') \
                AND u.status <> 'cancelled') THEN 1 ELSE 0 END AS mandate_used, \
             s.vat_basis_points, s.create_invoice, s.invoice_text \
             FROM subscriptions s JOIN mandates m ON m.id = s.mandate_id AND m.status = 'valid' \
             WHERE s.merchant_id = $1 AND s.id > $2 \
             AND (s.status IN ('planned', 'active', 'paused', 'cancelled') \
                  OR (s.status = 'ended' AND s.cancel_on >= $3)) \
             ORDER BY s.id LIMIT $4",
        )
        .bind(merchant_id)
        .bind(after_id)
        .bind(ended_since)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("reading subscriptions to bill")
}

/// Refreshes the planner's statistics of `transactions` after a run wrote many rows, so that
/// the next run's reads (the latest period per subscription, a mandate's use) use their indexes
/// instead of plans made for a small table. Both databases have `ANALYZE`.
pub async fn analyze_transactions(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query("ANALYZE transactions").execute(conn).await.map(|_| ()))
        .context("analysing transactions")?;
    tx.commit().await
}

/// A recorded pause: (subscription id, from, resumed on).
pub type PauseRow = (String, NaiveDate, Option<NaiveDate>);

/// The pauses of the merchant's subscriptions with ids from `first` through `last`.
pub async fn pauses_between(
    db: &Db,
    merchant_id: &str,
    first: &str,
    last: &str,
) -> anyhow::Result<Vec<PauseRow>> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT subscription_id, paused_from, resumed_on FROM subscription_pauses \
             WHERE merchant_id = $1 AND subscription_id BETWEEN $2 AND $3",
        )
        .bind(merchant_id)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await
    })
    .context("reading pauses")
}

/// The pauses of some of the merchant's subscriptions.
pub async fn pauses_of(
    db: &Db,
    merchant_id: &str,
    subscription_ids: &[&str],
) -> anyhow::Result<Vec<PauseRow>> {
    let mut all = Vec::new();
    for part in subscription_ids.chunks(500) {
        let list = super::in_list(part.len());
        let sql = format!(
            "SELECT subscription_id, paused_from, resumed_on FROM subscription_pauses \
             WHERE merchant_id = $1 AND subscription_id IN ({list})"
        );
        let rows: Vec<PauseRow> = on_db!(db, pool => {
            let mut query = sqlx::query_as(&sql).bind(merchant_id);
            for id in part {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
        .context("reading pauses")?;
        all.extend(rows);
    }
    Ok(all)
}

/// Records that a subscription is paused from `from` (until a resume closes it).
pub async fn start_pause(
    tx: &mut Tx,
    merchant_id: &str,
    subscription_id: &str,
    from: NaiveDate,
    until: Option<NaiveDate>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO subscription_pauses (merchant_id, subscription_id, paused_from, resumed_on) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(merchant_id)
        .bind(subscription_id)
        .bind(from)
        .bind(until)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a pause")
}

/// Ends a subscription's pause that has not ended (or ends later) on `on`.
pub async fn end_pause(
    tx: &mut Tx,
    merchant_id: &str,
    subscription_id: &str,
    on: NaiveDate,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE subscription_pauses SET resumed_on = $3 WHERE merchant_id = $1 \
             AND subscription_id = $2 AND paused_from <= $3 AND (resumed_on IS NULL OR resumed_on > $3)",
        )
        .bind(merchant_id)
        .bind(subscription_id)
        .bind(on)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("ending a pause")
}

/// One billing run of a merchant.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Run {
    pub id: String,
    pub merchant_id: String,
    pub as_of: NaiveDate,
    pub horizon: NaiveDate,
    pub started_by: String,
    /// `running`, `done` or `failed`.
    pub status: String,
    pub created: i64,
    pub refused: i64,
    /// `subscription_id:periods` of refused subscriptions, space separated (the first 100).
    pub refusals: String,
    pub error: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str = "id, merchant_id, as_of, horizon, started_by, status, created, refused, \
     refusals, error, started_at, finished_at";

/// Records a run that starts now.
pub async fn start_run(db: &Db, run: &Run) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO billing_runs (id, merchant_id, as_of, horizon, started_by, status, started_at) \
             VALUES ($1, $2, $3, $4, $5, 'running', $6)",
        )
        .bind(&run.id)
        .bind(&run.merchant_id)
        .bind(run.as_of)
        .bind(run.horizon)
        .bind(&run.started_by)
        .bind(run.started_at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a billing run")?;
    tx.commit().await
}

/// Records how a run ended.
#[allow(clippy::too_many_arguments)]
pub async fn finish_run(
    db: &Db,
    id: &str,
    status: &str,
    created: i64,
    refused: i64,
    refusals: &str,
    error: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE billing_runs SET status = $2, created = $3, refused = $4, refusals = $5, error = $6, \
             finished_at = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(created)
        .bind(refused)
        .bind(refusals)
        .bind(error)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("finishing a billing run")?;
    tx.commit().await
}

/// Marks runs still `running` that started before `before` as failed: their process stopped.
pub async fn fail_abandoned(db: &Db, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE billing_runs SET status = 'failed', error = 'The run stopped before it finished; \
             the next run bills what it left.' WHERE status = 'running' AND started_at < $1",
        )
        .bind(before)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("closing abandoned billing runs")?;
    tx.commit().await?;
    Ok(n)
}

/// The merchant's latest runs, newest first.
pub async fn recent_runs(db: &Db, merchant_id: &str, limit: i64) -> anyhow::Result<Vec<Run>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM billing_runs WHERE merchant_id = $1 \
         ORDER BY started_at DESC, id DESC LIMIT $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Run>(&sql).bind(merchant_id).bind(limit).fetch_all(pool).await
    })
    .context("loading billing runs")
}

/// Takes the lease `name` for `holder` until `until`, unless another holder's lease runs beyond
/// `now`; true when taken.
pub async fn claim_lease(
    db: &Db,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO worker_leases (name, holder, locked_until) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, locked_until = excluded.locked_until \
             WHERE worker_leases.locked_until <= $4 OR worker_leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(until)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming a lease")?;
    tx.commit().await?;
    Ok(n == 1)
}

/// Gives the lease `name` back, if `holder` holds it.
pub async fn release_lease(db: &Db, name: &str, holder: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM worker_leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("releasing a lease")?;
    tx.commit().await
}
