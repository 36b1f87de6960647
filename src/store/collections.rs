//! Collections: the merchant's collection settings, the batches (one pain.008 file each) with
//! their stored file, the attempts (one debit instruction for one transaction), the return
//! files read, and every transaction's history.
//!
//! Batch steps are set-based statements (one per table), so a batch of 100,000 debits moves in a
//! handful of statements; each is conditional on the state it leaves, so a step taken twice
//! changes nothing the second time.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Tx, on_db, on_tx};

/// The merchant's collection settings.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Settings {
    /// `pain.008.001.02` or `pain.008.001.08`.
    pub pain_format: String,
    /// `HH:MM` in the merchant's time zone.
    pub bank_cutoff: String,
    pub settle_days: i32,
    pub retry_count: i32,
    pub retry_after_days: i32,
    pub grey_list_after: i32,
    /// Changes to the reason code table (`domain::collection::ReturnPolicy`).
    pub return_actions: String,
}

/// The merchant's collection settings.
pub async fn settings(db: &Db, merchant_id: &str) -> anyhow::Result<Option<Settings>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Settings>(
            "SELECT pain_format, bank_cutoff, settle_days, retry_count, retry_after_days, \
             grey_list_after, return_actions FROM merchants WHERE id = $1",
        )
        .bind(merchant_id)
        .fetch_optional(pool)
        .await
    })
    .context("loading collection settings")
}

/// Saves the merchant's collection settings.
pub async fn update_settings(
    tx: &mut Tx,
    merchant_id: &str,
    s: &Settings,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE merchants SET pain_format = $2, bank_cutoff = $3, settle_days = $4, \
             retry_count = $5, retry_after_days = $6, grey_list_after = $7, return_actions = $8, \
             updated_at = $9 WHERE id = $1",
        )
        .bind(merchant_id)
        .bind(&s.pain_format)
        .bind(&s.bank_cutoff)
        .bind(s.settle_days)
        .bind(s.retry_count)
        .bind(s.retry_after_days)
        .bind(s.grey_list_after)
        .bind(&s.return_actions)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("saving collection settings")
}

/// Transactions due on one day with one sequence type, not in a live batch.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueGroup {
    pub due_date: NaiveDate,
    pub sequence_type: String,
    pub count: i64,
    pub total_minor: i64,
}

/// Not yet in a live batch (`t` is the transaction).
const NOT_IN_LIVE_BATCH: &str = "NOT EXISTS (SELECT 1 FROM collection_attempts a \
     WHERE a.transaction_id = t.id AND a.status IN ('exported', 'submitted'))";

/// The scheduled direct debits due on or before `through` that no live batch holds, grouped by
/// due date and sequence type.
pub async fn upcoming(
    db: &Db,
    merchant_id: &str,
    through: NaiveDate,
) -> anyhow::Result<Vec<DueGroup>> {
    let sql = format!(
        "SELECT t.due_date, t.sequence_type, COUNT(*) AS count, \
         CAST(SUM(t.amount_minor) AS BIGINT) AS total_minor FROM transactions t \
         WHERE t.merchant_id = $1 AND t.status = 'scheduled' AND t.sequence_type IN ('FRST', 'RCUR') \
         AND t.due_date <= $2 AND {NOT_IN_LIVE_BATCH} \
         GROUP BY t.due_date, t.sequence_type ORDER BY t.due_date, t.sequence_type"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, DueGroup>(&sql).bind(merchant_id).bind(through).fetch_all(pool).await
    })
    .context("grouping upcoming collections")
}

/// A scheduled direct debit a file could take, with what deciding needs: its mandate, its
/// notice's delivery and the debtor's names.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: String,
    pub customer_id: String,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub description: String,
    pub retries: i32,
    /// `pending`, `queued` or `none`.
    pub notice_status: String,
    pub notice_sent_at: Option<DateTime<Utc>>,
    pub mandate_id: Option<String>,
    pub mandate_status: Option<String>,
    pub mandate_reference: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub iban: Option<String>,
    pub account_holder: Option<String>,
    pub first_used_on: Option<NaiveDate>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
}

/// A day before any transaction: the cursor of a first chunk.
const FIRST_DAY: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).expect("a date");

/// Up to `limit` candidates due on or before `through`, after `after` (due date and id).
pub async fn candidates_after(
    db: &Db,
    merchant_id: &str,
    through: NaiveDate,
    after: Option<&(NaiveDate, String)>,
    limit: i64,
) -> anyhow::Result<Vec<Candidate>> {
    let sql = format!(
        "SELECT t.id, t.customer_id, t.due_date, t.amount_minor, t.description, t.retries, \
         t.notice_status, g.sent_at AS notice_sent_at, t.mandate_id, m.status AS mandate_status, \
         m.reference AS mandate_reference, m.signed_on, m.iban, m.account_holder, m.first_used_on, \
         c.first_name, c.last_name, c.company \
         FROM transactions t JOIN customers c ON c.id = t.customer_id \
         LEFT JOIN mandates m ON m.id = t.mandate_id \
         LEFT JOIN messages g ON g.id = t.notice_message_id AND g.status = 'sent' \
         WHERE t.merchant_id = $1 AND t.status = 'scheduled' AND t.sequence_type IN ('FRST', 'RCUR') \
         AND t.due_date <= $2 AND (t.due_date, t.id) > ($3, $4) \
         AND {NOT_IN_LIVE_BATCH} ORDER BY t.due_date, t.id LIMIT $5"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Candidate>(&sql)
            .bind(merchant_id)
            .bind(through)
            .bind(after.map(|a| a.0).unwrap_or(FIRST_DAY))
            .bind(after.map(|a| a.1.as_str()).unwrap_or(""))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("reading collectable transactions")
}

/// A collection batch: one pain.008 file for one collection date.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Batch {
    pub id: String,
    pub merchant_id: String,
    pub collection_date: NaiveDate,
    pub format: String,
    pub message_id: String,
    /// `draft`, `exported`, `submitted`, `settled` or `cancelled`.
    pub status: String,
    pub transactions: i64,
    pub total_minor: i64,
    pub first_count: i64,
    pub first_minor: i64,
    pub file_sha256: String,
    pub file_bytes: i64,
    pub overrides: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub settle_on: Option<NaiveDate>,
    pub settled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

const BATCH_COLUMNS: &str = "id, merchant_id, collection_date, format, message_id, status, \
     transactions, total_minor, first_count, first_minor, file_sha256, file_bytes, overrides, \
     created_by, created_at, submitted_at, settle_on, settled_at, cancelled_at";

/// Records a new batch as a draft.
pub async fn insert_batch(tx: &mut Tx, b: &Batch) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO collection_batches (id, merchant_id, collection_date, format, message_id, \
             status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7)",
        )
        .bind(&b.id)
        .bind(&b.merchant_id)
        .bind(b.collection_date)
        .bind(&b.format)
        .bind(&b.message_id)
        .bind(&b.created_by)
        .bind(b.created_at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a collection batch")
}

/// One of the merchant's batches.
pub async fn batch(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Batch>> {
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM collection_batches WHERE merchant_id = $1 AND id = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Batch>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a collection batch")
}

/// A batch by id whichever merchant it belongs to (the command line names batches by id).
pub async fn batch_anywhere(db: &Db, id: &str) -> anyhow::Result<Option<Batch>> {
    let sql = format!("SELECT {BATCH_COLUMNS} FROM collection_batches WHERE id = $1");
    on_db!(db, pool => sqlx::query_as::<_, Batch>(&sql).bind(id).fetch_optional(pool).await)
        .context("loading a collection batch")
}

/// The merchant's batches, newest first, before `before` (creation time and id).
pub async fn batches(
    db: &Db,
    merchant_id: &str,
    before: Option<&super::After>,
    limit: i64,
) -> anyhow::Result<Vec<Batch>> {
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM collection_batches WHERE merchant_id = $1 AND status <> 'draft' \
         AND ($2 IS NULL OR created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Batch>(&sql)
            .bind(merchant_id)
            .bind(before.map(|a| a.created_at))
            .bind(before.map(|a| a.id.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing collection batches")
}

/// The merchant's drafts: batches whose export was interrupted.
pub async fn drafts(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT id FROM collection_batches WHERE merchant_id = $1 AND status = 'draft'")
            .bind(merchant_id)
            .fetch_all(pool)
            .await
    })
    .context("finding interrupted exports")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Deletes a draft batch with its attempts and file parts (nothing else saw them).
pub async fn delete_draft(tx: &mut Tx, merchant_id: &str, id: &str) -> anyhow::Result<()> {
    for sql in [
        "DELETE FROM collection_file_parts WHERE batch_id = $2 AND EXISTS (SELECT 1 FROM \
         collection_batches b WHERE b.id = $2 AND b.merchant_id = $1 AND b.status = 'draft')",
        "DELETE FROM collection_attempts WHERE merchant_id = $1 AND batch_id = $2 AND status = 'exported' \
         AND EXISTS (SELECT 1 FROM collection_batches b WHERE b.id = $2 AND b.status = 'draft')",
        "DELETE FROM collection_batches WHERE merchant_id = $1 AND id = $2 AND status = 'draft'",
    ] {
        on_tx!(&mut *tx, conn => {
            sqlx::query(sql).bind(merchant_id).bind(id).execute(conn).await.map(|_| ())
        })
        .context("deleting an interrupted export")?;
    }
    Ok(())
}

/// A debit instruction to record.
#[derive(Debug, Clone)]
pub struct NewAttempt {
    pub end_to_end_id: String,
    pub transaction_id: String,
    pub attempt: i32,
    pub sequence_type: &'static str,
    pub amount_minor: i64,
}

/// Width of an attempt row in `insert_attempts` (before the two timestamps).
const ATTEMPT_WIDTH: usize = 9;

/// Records the attempts of a draft batch in multi-row statements.
pub async fn insert_attempts(
    tx: &mut Tx,
    merchant_id: &str,
    batch_id: &str,
    attempts: &[NewAttempt],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    // SQLite gets anonymous parameters (see `anonymous_tuples`), PostgreSQL numbered ones.
    let sqlite = matches!(tx, Tx::Sqlite(_));
    for part in attempts.chunks(super::rows_per_statement(ATTEMPT_WIDTH)) {
        let sql = format!(
            "INSERT INTO collection_attempts (id, merchant_id, batch_id, transaction_id, attempt, \
             end_to_end_id, sequence_type, amount_minor, status, created_at, updated_at) VALUES {}",
            if sqlite {
                super::anonymous_tuples(part.len(), ATTEMPT_WIDTH + 2)
            } else {
                super::value_tuples(part.len(), ATTEMPT_WIDTH)
            }
        );
        on_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(&sql);
            if !sqlite {
                query = query.bind(at);
            }
            for a in part {
                query = query
                    .bind(&a.end_to_end_id)
                    .bind(merchant_id)
                    .bind(batch_id)
                    .bind(&a.transaction_id)
                    .bind(a.attempt)
                    .bind(&a.end_to_end_id)
                    .bind(a.sequence_type)
                    .bind(a.amount_minor)
                    .bind("exported");
                if sqlite {
                    query = query.bind(at).bind(at);
                }
            }
            query.execute(conn).await.map(|_| ())
        })
        .context("recording debit instructions")?;
    }
    Ok(())
}

/// Refreshes PostgreSQL's statistics of the attempts (an export that grows the table from
/// empty would otherwise be planned for an empty table); nothing on SQLite.
pub async fn analyze_attempts(db: &Db) -> anyhow::Result<()> {
    if let Db::Postgres(pool) = db {
        sqlx::query("ANALYZE collection_attempts, transaction_history")
            .execute(pool)
            .await
            .context("analysing collection attempts")?;
    }
    Ok(())
}

/// Count and sum of a batch's attempts per sequence type.
pub async fn attempt_totals(db: &Db, batch_id: &str) -> anyhow::Result<Vec<(String, i64, i64)>> {
    on_db!(db, pool => {
        sqlx::query_as(
            "SELECT sequence_type, COUNT(*), CAST(SUM(amount_minor) AS BIGINT) FROM collection_attempts \
             WHERE batch_id = $1 GROUP BY sequence_type ORDER BY sequence_type",
        )
        .bind(batch_id)
        .fetch_all(pool)
        .await
    })
    .context("adding up a batch")
}

/// One debit of a batch as the file writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DebitRow {
    pub end_to_end_id: String,
    pub sequence_type: String,
    pub amount_minor: i64,
    pub transaction_id: String,
    pub description: String,
    pub mandate_reference: String,
    pub signed_on: Option<NaiveDate>,
    pub iban: String,
    pub bic: Option<String>,
    pub account_holder: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub invoice_number: Option<String>,
}

/// Up to `limit` debits of a batch after `after` (sequence type and EndToEndId), in file order.
pub async fn debits_after(
    db: &Db,
    batch_id: &str,
    after: Option<&(String, String)>,
    limit: i64,
) -> anyhow::Result<Vec<DebitRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, DebitRow>(
            "SELECT a.end_to_end_id, a.sequence_type, a.amount_minor, a.transaction_id, t.description, \
             m.reference AS mandate_reference, m.signed_on, m.iban, m.bic, m.account_holder, \
             c.first_name, c.last_name, c.company, i.number AS invoice_number \
             FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
             JOIN mandates m ON m.id = t.mandate_id JOIN customers c ON c.id = t.customer_id \
             LEFT JOIN invoices i ON i.transaction_id = t.id AND i.kind = 'invoice' \
             WHERE a.batch_id = $1 AND (a.sequence_type, a.id) > ($2, $3) \
             ORDER BY a.sequence_type, a.id LIMIT $4",
        )
        .bind(batch_id)
        .bind(after.map(|a| a.0.as_str()).unwrap_or(""))
        .bind(after.map(|a| a.1.as_str()).unwrap_or(""))
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("reading a batch's debits")
}

/// Stores one part of a batch's file.
pub async fn insert_part(
    tx: &mut Tx,
    batch_id: &str,
    part: i32,
    bytes: &[u8],
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO collection_file_parts (batch_id, part, bytes) VALUES ($1, $2, $3)")
            .bind(batch_id)
            .bind(part)
            .bind(bytes)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("storing a collection file")
}

/// Part `part` of a batch's file (parts count from 0).
pub async fn part(db: &Db, batch_id: &str, part: i32) -> anyhow::Result<Option<Vec<u8>>> {
    let row: Option<(Vec<u8>,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT bytes FROM collection_file_parts WHERE batch_id = $1 AND part = $2")
            .bind(batch_id)
            .bind(part)
            .fetch_optional(pool)
            .await
    })
    .context("reading a collection file")?;
    Ok(row.map(|(b,)| b))
}

/// What finishing an export records.
#[derive(Debug, Clone)]
pub struct Exported<'a> {
    pub transactions: i64,
    pub total_minor: i64,
    pub first_count: i64,
    pub first_minor: i64,
    pub file_sha256: &'a str,
    pub file_bytes: i64,
    pub overrides: i64,
}

/// Turns a draft into an exported batch: its totals and file hash, the sequence types the file
/// gave its transactions, the first use of the mandates it collects FRST from, and an
/// `exported` history entry per transaction. False when it was no draft (any more).
pub async fn finish_export(
    tx: &mut Tx,
    merchant_id: &str,
    batch: &Batch,
    e: &Exported<'_>,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE collection_batches SET status = 'exported', transactions = $3, total_minor = $4, \
             first_count = $5, first_minor = $6, file_sha256 = $7, file_bytes = $8, overrides = $9 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'draft'",
        )
        .bind(merchant_id)
        .bind(&batch.id)
        .bind(e.transactions)
        .bind(e.total_minor)
        .bind(e.first_count)
        .bind(e.first_minor)
        .bind(e.file_sha256)
        .bind(e.file_bytes)
        .bind(e.overrides)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("finishing a collection file")?;
    if n != 1 {
        return Ok(false);
    }
    let steps = [
        "UPDATE transactions SET sequence_type = (SELECT a.sequence_type FROM collection_attempts a \
         WHERE a.transaction_id = transactions.id AND a.batch_id = $1) \
         WHERE id IN (SELECT transaction_id FROM collection_attempts WHERE batch_id = $1) \
         AND sequence_type <> (SELECT a.sequence_type FROM collection_attempts a \
         WHERE a.transaction_id = transactions.id AND a.batch_id = $1)",
        "UPDATE mandates SET first_used_on = $2 WHERE first_used_on IS NULL AND id IN \
         (SELECT t.mandate_id FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
         WHERE a.batch_id = $1 AND a.sequence_type = 'FRST')",
    ];
    for sql in steps {
        on_tx!(&mut *tx, conn => {
            sqlx::query(sql).bind(&batch.id).bind(batch.collection_date).execute(conn).await.map(|_| ())
        })
        .context("recording what a collection file collects")?;
    }
    history_of_batch(tx, &batch.id, "exported", "scheduled", None, at).await?;
    Ok(true)
}

/// Appends a history entry for every attempt of a batch in `attempt_status` (every attempt not
/// rejected or returned when `None`).
async fn history_of_batch(
    tx: &mut Tx,
    batch_id: &str,
    event: &str,
    status: &str,
    attempt_status: Option<&str>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO transaction_history (merchant_id, transaction_id, event, status, attempt, \
             source, due_date, at) SELECT a.merchant_id, a.transaction_id, $2, $3, a.attempt, $1, \
             b.collection_date, $5 FROM collection_attempts a JOIN collection_batches b ON b.id = a.batch_id \
             WHERE a.batch_id = $1 AND (a.status = $4 \
             OR ($4 IS NULL AND a.status <> 'rejected' AND a.status <> 'returned'))",
        )
        .bind(batch_id)
        .bind(event)
        .bind(status)
        .bind(attempt_status)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording transactions' history")
}

/// Moves one of the merchant's batches from `from` to `to`, stamping `stamp` (a timestamp
/// column); false when it was not in `from` (any more).
async fn move_batch(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    (from, to, stamp): (&str, &str, &str),
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sql = format!(
        "UPDATE collection_batches SET status = $4, {stamp} = $5 \
         WHERE merchant_id = $1 AND id = $2 AND status = $3"
    );
    let n = on_tx!(tx, conn => {
        sqlx::query(&sql)
            .bind(merchant_id)
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(at)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .with_context(|| format!("moving a batch to {to}"))?;
    Ok(n == 1)
}

/// Runs statements that take the batch id (`$1`) and the time (`$2`).
async fn batch_statements(
    tx: &mut Tx,
    id: &str,
    statements: &[&str],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    for sql in statements {
        on_tx!(&mut *tx, conn => {
            sqlx::query(sql).bind(id).bind(at).execute(conn).await.map(|_| ())
        })
        .context("moving a batch's debits")?;
    }
    Ok(())
}

/// Marks an exported batch uploaded: its attempts and transactions `submitted`. False when it
/// was not exported (any more).
pub async fn submit(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    settle_on: NaiveDate,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !move_batch(
        tx,
        merchant_id,
        id,
        ("exported", "submitted", "submitted_at"),
        at,
    )
    .await?
    {
        return Ok(false);
    }
    on_tx!(&mut *tx, conn => {
        sqlx::query("UPDATE collection_batches SET settle_on = $2 WHERE id = $1")
            .bind(id)
            .bind(settle_on)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("recording a batch's settle day")?;
    batch_statements(
        tx,
        id,
        &[
            "UPDATE collection_attempts SET status = 'submitted', updated_at = $2 \
             WHERE batch_id = $1 AND status = 'exported'",
            "UPDATE transactions SET status = 'submitted', updated_at = $2 WHERE status = 'scheduled' \
             AND id IN (SELECT transaction_id FROM collection_attempts WHERE batch_id = $1 AND status = 'submitted')",
        ],
        at,
    )
    .await?;
    history_of_batch(tx, id, "submitted", "submitted", None, at).await?;
    Ok(true)
}

/// Cancels an exported batch before upload: its attempts cancelled (their transactions stay
/// scheduled), and mandates it would have used first are unused again. False when it was not
/// exported (any more).
pub async fn cancel(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !move_batch(
        tx,
        merchant_id,
        id,
        ("exported", "cancelled", "cancelled_at"),
        at,
    )
    .await?
    {
        return Ok(false);
    }
    history_of_batch(tx, id, "batch_cancelled", "scheduled", None, at).await?;
    batch_statements(
        tx,
        id,
        &[
            "UPDATE collection_attempts SET status = 'cancelled', updated_at = $2 \
           WHERE batch_id = $1 AND status = 'exported'",
        ],
        at,
    )
    .await?;
    // A mandate whose only debit was this batch's FRST is unused again.
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE mandates SET first_used_on = NULL WHERE id IN (SELECT t.mandate_id FROM \
             collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
             WHERE a.batch_id = $1 AND a.sequence_type = 'FRST') AND NOT EXISTS (SELECT 1 FROM \
             collection_attempts o JOIN transactions u ON u.id = o.transaction_id \
             WHERE u.mandate_id = mandates.id AND o.status <> 'cancelled' AND o.status <> 'rejected')",
        )
        .bind(id)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("releasing a cancelled batch's mandates")?;
    Ok(true)
}

/// Settles a submitted batch: its attempts without a return `settled`, their transactions and
/// invoices `paid`. False when it was not submitted (any more).
pub async fn settle(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if !move_batch(
        tx,
        merchant_id,
        id,
        ("submitted", "settled", "settled_at"),
        at,
    )
    .await?
    {
        return Ok(false);
    }
    history_of_batch(tx, id, "paid", "paid", Some("submitted"), at).await?;
    batch_statements(
        tx,
        id,
        &[
            "UPDATE collection_attempts SET status = 'settled', updated_at = $2 \
             WHERE batch_id = $1 AND status = 'submitted'",
            "UPDATE transactions SET status = 'paid', updated_at = $2 WHERE status = 'submitted' \
             AND id IN (SELECT transaction_id FROM collection_attempts WHERE batch_id = $1 AND status = 'settled')",
            "UPDATE invoices SET status = 'paid', updated_at = $2 WHERE kind = 'invoice' \
             AND status IN ('open', 'overdue') AND transaction_id IN \
             (SELECT transaction_id FROM collection_attempts WHERE batch_id = $1 AND status = 'settled')",
        ],
        at,
    )
    .await?;
    Ok(true)
}

/// The submitted batches whose settle day is on or before `day` (across merchants).
pub async fn due_for_settling(db: &Db, day: NaiveDate) -> anyhow::Result<Vec<Batch>> {
    let sql = format!(
        "SELECT {BATCH_COLUMNS} FROM collection_batches WHERE status = 'submitted' AND settle_on <= $1 \
         ORDER BY settle_on, id"
    );
    on_db!(db, pool => sqlx::query_as::<_, Batch>(&sql).bind(day).fetch_all(pool).await)
        .context("finding batches to settle")
}

/// A transaction a batch step moved, for its announcement.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Moved {
    pub transaction_id: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub transaction_webhook_url: Option<String>,
    pub invoice_id: Option<String>,
}

/// Up to `limit` transactions of a batch whose attempt is in `attempt_status`, after `after`.
pub async fn moved_after(
    tx: &mut Tx,
    batch_id: &str,
    attempt_status: &str,
    after: &str,
    limit: i64,
) -> anyhow::Result<Vec<Moved>> {
    on_tx!(tx, conn => {
        sqlx::query_as::<_, Moved>(
            "SELECT a.transaction_id, t.customer_id, t.subscription_id, s.transaction_webhook_url, \
             i.id AS invoice_id FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
             JOIN subscriptions s ON s.id = t.subscription_id \
             LEFT JOIN invoices i ON i.transaction_id = t.id AND i.kind = 'invoice' \
             WHERE a.batch_id = $1 AND a.status = $2 AND a.transaction_id > $3 \
             ORDER BY a.transaction_id LIMIT $4",
        )
        .bind(batch_id)
        .bind(attempt_status)
        .bind(after)
        .bind(limit)
        .fetch_all(conn)
        .await
    })
    .context("reading a batch's transactions")
}

/// Whether any subscription of a batch's transactions has a webhook address of its own.
pub async fn batch_has_own_webhooks(db: &Db, batch_id: &str) -> anyhow::Result<bool> {
    let row: Option<(i64,)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT CAST(1 AS BIGINT) FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
             JOIN subscriptions s ON s.id = t.subscription_id WHERE a.batch_id = $1 \
             AND s.transaction_webhook_url IS NOT NULL AND s.transaction_webhook_url <> '' LIMIT 1",
        )
        .bind(batch_id)
        .fetch_optional(pool)
        .await
    })
    .context("checking a batch's webhooks")?;
    Ok(row.is_some())
}

/// An attempt with its transaction, as a return entry is applied to it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptRow {
    pub end_to_end_id: String,
    pub batch_id: String,
    pub attempt: i32,
    pub sequence_type: String,
    pub amount_minor: i64,
    /// The attempt's status.
    pub status: String,
    pub transaction_id: String,
    pub transaction_status: String,
    pub customer_id: String,
    pub subscription_id: String,
    pub mandate_id: Option<String>,
    pub retries: i32,
    pub notice_status: String,
}

const ATTEMPT_COLUMNS: &str = "a.end_to_end_id, a.batch_id, a.attempt, a.sequence_type, \
     a.amount_minor, a.status, a.transaction_id, t.status AS transaction_status, t.customer_id, \
     t.subscription_id, t.mandate_id, t.retries, t.notice_status";

/// The merchant's attempts with these EndToEndIds.
pub async fn attempts_by_end_to_end(
    db: &Db,
    merchant_id: &str,
    ids: &[&str],
) -> anyhow::Result<Vec<AttemptRow>> {
    let mut all = Vec::with_capacity(ids.len());
    for part in ids.chunks(500) {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
             WHERE a.merchant_id = $1 AND a.end_to_end_id IN ({})",
            super::in_list(part.len())
        );
        let rows: Vec<AttemptRow> = on_db!(db, pool => {
            let mut query = sqlx::query_as::<_, AttemptRow>(&sql).bind(merchant_id);
            for id in part {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
        .context("matching returns")?;
        all.extend(rows);
    }
    Ok(all)
}

/// The attempts of the merchant's batch with this message id, of one sequence type if given
/// (a pain.002 rejecting a whole file or payment information block).
pub async fn attempts_of_message(
    db: &Db,
    merchant_id: &str,
    message_id: &str,
    sequence_type: Option<&str>,
) -> anyhow::Result<Vec<AttemptRow>> {
    let sql = format!(
        "SELECT {ATTEMPT_COLUMNS} FROM collection_attempts a JOIN transactions t ON t.id = a.transaction_id \
         JOIN collection_batches b ON b.id = a.batch_id \
         WHERE b.merchant_id = $1 AND b.message_id = $2 AND ($3 IS NULL OR a.sequence_type = $3) \
         AND a.status <> 'cancelled' ORDER BY a.end_to_end_id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, AttemptRow>(&sql)
            .bind(merchant_id)
            .bind(message_id)
            .bind(sequence_type)
            .fetch_all(pool)
            .await
    })
    .context("matching a rejected file")
}

/// Moves an attempt from one of `from` to `to` with the bank's reason; false when it was in
/// none of them (the return was applied already).
pub async fn mark_attempt(
    tx: &mut Tx,
    end_to_end_id: &str,
    merchant_id: &str,
    from: &[&str],
    to: &str,
    reason_code: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let list = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE collection_attempts SET status = $3, reason_code = $4, updated_at = $5 \
         WHERE merchant_id = $1 AND end_to_end_id = $2 AND status IN ({list})"
    );
    let n = on_tx!(tx, conn => {
        sqlx::query(&sql)
            .bind(merchant_id)
            .bind(end_to_end_id)
            .bind(to)
            .bind(reason_code)
            .bind(at)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("recording a return")?;
    Ok(n == 1)
}

/// Makes a mandate unused again (its FRST was rejected before it reached the debtor's bank).
pub async fn unuse_mandate(tx: &mut Tx, mandate_id: &str) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE mandates SET first_used_on = NULL WHERE id = $1")
            .bind(mandate_id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("resetting a mandate's first use")
}

/// Schedules a returned transaction again on `due_date` as its next attempt (the database
/// refuses a third retry), with a new notice when notices are sent.
pub async fn reschedule(
    tx: &mut Tx,
    transaction_id: &str,
    due_date: NaiveDate,
    sequence_type: &str,
    reason_code: &str,
    notice: bool,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if notice {
        super::messages::QUEUED.mark();
    }
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE transactions SET status = 'scheduled', due_date = $2, sequence_type = $3, \
             failure_reason = $4, retries = retries + 1, \
             notice_status = CASE WHEN $5 THEN 'pending' ELSE notice_status END, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(transaction_id)
        .bind(due_date)
        .bind(sequence_type)
        .bind(reason_code)
        .bind(notice)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("scheduling a new attempt")
}

/// A failed transaction under a mandate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OpenDebit {
    pub id: String,
    pub amount_minor: i64,
    pub description: String,
    pub failure_reason: String,
    pub retries: i32,
    pub subscription_id: String,
}

/// The failed transactions under a mandate, oldest first.
pub async fn failed_under_mandate(
    db: &Db,
    merchant_id: &str,
    mandate_id: &str,
) -> anyhow::Result<Vec<OpenDebit>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, OpenDebit>(
            "SELECT id, amount_minor, description, failure_reason, retries, subscription_id \
             FROM transactions WHERE merchant_id = $1 AND mandate_id = $2 \
             AND status = 'failed' ORDER BY due_date, id",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .fetch_all(pool)
        .await
    })
    .context("loading the failed transactions of a mandate")
}

/// Moves a mandate's scheduled transactions that no live batch holds to its successor (the
/// next file decides FRST). Returns how many moved.
pub async fn move_to_mandate(
    tx: &mut Tx,
    merchant_id: &str,
    old_mandate_id: &str,
    new_mandate_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE transactions SET mandate_id = $3, updated_at = $4 \
             WHERE merchant_id = $1 AND mandate_id = $2 AND status = 'scheduled' \
             AND NOT EXISTS (SELECT 1 FROM collection_attempts a WHERE a.transaction_id = \
             transactions.id AND a.status IN ('exported', 'submitted'))",
        )
        .bind(merchant_id)
        .bind(old_mandate_id)
        .bind(new_mandate_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("moving transactions to a new mandate")
}

/// Schedules a failed transaction again under a new mandate on `due_date` as its next attempt
/// (the database refuses a third), with a new notice when notices are sent; its overdue invoice
/// is open again.
pub async fn collect_again(
    tx: &mut Tx,
    merchant_id: &str,
    transaction_id: &str,
    mandate_id: &str,
    due_date: NaiveDate,
    notice: bool,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    if notice {
        super::messages::QUEUED.mark();
    }
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE transactions SET status = 'scheduled', mandate_id = $2, due_date = $3, \
             sequence_type = 'FRST', retries = retries + 1, \
             notice_status = CASE WHEN $4 THEN 'pending' ELSE notice_status END, updated_at = $5 \
             WHERE id = $1 AND status = 'failed' AND merchant_id = $6",
        )
        .bind(transaction_id)
        .bind(mandate_id)
        .bind(due_date)
        .bind(notice)
        .bind(at)
        .bind(merchant_id)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("scheduling a failed transaction under a new mandate")?;
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE invoices SET status = 'open', updated_at = $2 WHERE transaction_id = $1 \
             AND merchant_id = $3 AND kind = 'invoice' AND status = 'overdue'",
        )
        .bind(transaction_id)
        .bind(at)
        .bind(merchant_id)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("opening an overdue invoice again")
}

/// Ends a transaction's collection as `failed` or `charged_back`, and its invoice overdue.
pub async fn end_unpaid(
    tx: &mut Tx,
    transaction_id: &str,
    status: &str,
    reason_code: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE transactions SET status = $2, failure_reason = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(transaction_id)
        .bind(status)
        .bind(reason_code)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording an unpaid transaction")?;
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE invoices SET status = 'overdue', updated_at = $2 WHERE transaction_id = $1 \
             AND kind = 'invoice' AND status IN ('open', 'paid')",
        )
        .bind(transaction_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording an overdue invoice")?;
    Ok(())
}

/// Marks a failed transaction paid another way (the payment link), with its invoice. False when
/// it was not failed (any more).
pub async fn paid_online(
    tx: &mut Tx,
    merchant_id: &str,
    transaction_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE transactions SET status = 'paid', updated_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'failed'",
        )
        .bind(merchant_id)
        .bind(transaction_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("recording a payment")?;
    if n != 1 {
        return Ok(false);
    }
    on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE invoices SET status = 'paid', updated_at = $2 WHERE transaction_id = $1 \
             AND kind = 'invoice' AND status IN ('open', 'overdue')",
        )
        .bind(transaction_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a paid invoice")?;
    Ok(true)
}

/// Whether a customer's latest `n` settled transactions all went unpaid.
pub async fn unpaid_in_a_row(tx: &mut Tx, customer_id: &str, n: i32) -> anyhow::Result<bool> {
    if n <= 0 {
        return Ok(false);
    }
    let rows: Vec<(String,)> = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT status FROM transactions WHERE customer_id = $1 \
             AND status IN ('paid', 'failed', 'charged_back') ORDER BY due_date DESC, updated_at DESC LIMIT $2",
        )
        .bind(customer_id)
        .bind(i64::from(n))
        .fetch_all(conn)
        .await
    })
    .context("counting failed collections")?;
    Ok(rows.len() == usize::try_from(n).unwrap_or(0) && rows.iter().all(|(s,)| s != "paid"))
}

/// A history entry to append.
#[derive(Debug, Clone)]
pub struct NewHistory<'a> {
    pub merchant_id: &'a str,
    pub transaction_id: &'a str,
    pub event: &'a str,
    pub status: &'a str,
    pub attempt: Option<i32>,
    pub reason_code: &'a str,
    pub source: &'a str,
    pub due_date: Option<NaiveDate>,
    pub note: &'a str,
}

/// Appends one entry to a transaction's history.
pub async fn record_history(
    tx: &mut Tx,
    h: &NewHistory<'_>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO transaction_history (merchant_id, transaction_id, event, status, attempt, \
             reason_code, source, due_date, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(h.merchant_id)
        .bind(h.transaction_id)
        .bind(h.event)
        .bind(h.status)
        .bind(h.attempt)
        .bind(h.reason_code)
        .bind(h.source)
        .bind(h.due_date)
        .bind(h.note)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a transaction's history")
}

/// One entry of a transaction's history.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct HistoryEntry {
    pub event: String,
    pub status: String,
    pub attempt: Option<i32>,
    pub reason_code: String,
    pub source: String,
    pub due_date: Option<NaiveDate>,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A transaction's history, oldest first.
pub async fn history(
    db: &Db,
    merchant_id: &str,
    transaction_id: &str,
) -> anyhow::Result<Vec<HistoryEntry>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, HistoryEntry>(
            "SELECT event, status, attempt, reason_code, source, due_date, note, at \
             FROM transaction_history WHERE merchant_id = $1 AND transaction_id = $2 ORDER BY id",
        )
        .bind(merchant_id)
        .bind(transaction_id)
        .fetch_all(pool)
        .await
    })
    .context("loading a transaction's history")
}

/// A return file as read.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReturnImport {
    pub id: String,
    pub merchant_id: String,
    pub file_name: String,
    pub file_sha256: String,
    pub message_type: String,
    pub message_id: String,
    pub entries: i64,
    pub applied: i64,
    pub known: i64,
    /// JSON list of `Unmatched`.
    pub unmatched: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

const IMPORT_COLUMNS: &str = "id, merchant_id, file_name, file_sha256, message_type, message_id, \
     entries, applied, known, unmatched, created_by, created_at";

/// Records a return file read; false when the merchant read the same file before.
pub async fn insert_import(tx: &mut Tx, r: &ReturnImport) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO collection_returns (id, merchant_id, file_name, file_sha256, message_type, \
             message_id, entries, applied, known, unmatched, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (merchant_id, file_sha256) DO NOTHING",
        )
        .bind(&r.id)
        .bind(&r.merchant_id)
        .bind(&r.file_name)
        .bind(&r.file_sha256)
        .bind(&r.message_type)
        .bind(&r.message_id)
        .bind(r.entries)
        .bind(r.applied)
        .bind(r.known)
        .bind(&r.unmatched)
        .bind(&r.created_by)
        .bind(r.created_at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("recording a return file")?;
    Ok(n == 1)
}

/// The merchant's earlier import of the file with this hash.
pub async fn import_by_hash(
    db: &Db,
    merchant_id: &str,
    sha256: &str,
) -> anyhow::Result<Option<ReturnImport>> {
    let sql = format!(
        "SELECT {IMPORT_COLUMNS} FROM collection_returns WHERE merchant_id = $1 AND file_sha256 = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, ReturnImport>(&sql).bind(merchant_id).bind(sha256).fetch_optional(pool).await
    })
    .context("looking up a return file")
}

/// One of the merchant's imports.
pub async fn import(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<ReturnImport>> {
    let sql = format!(
        "SELECT {IMPORT_COLUMNS} FROM collection_returns WHERE merchant_id = $1 AND id = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, ReturnImport>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a return file")
}

/// The merchant's latest imports.
pub async fn imports(db: &Db, merchant_id: &str, limit: i64) -> anyhow::Result<Vec<ReturnImport>> {
    let sql = format!(
        "SELECT {IMPORT_COLUMNS} FROM collection_returns WHERE merchant_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, ReturnImport>(&sql).bind(merchant_id).bind(limit).fetch_all(pool).await
    })
    .context("listing return files")
}

/// One debit of a batch as its page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BatchLine {
    pub end_to_end_id: String,
    pub transaction_id: String,
    pub sequence_type: String,
    pub amount_minor: i64,
    pub status: String,
    pub reason_code: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
}

/// A page of a batch's debits in file order.
pub async fn lines(
    db: &Db,
    merchant_id: &str,
    batch_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<BatchLine>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, BatchLine>(
            "SELECT a.end_to_end_id, a.transaction_id, a.sequence_type, a.amount_minor, a.status, \
             a.reason_code, c.first_name, c.last_name, c.company FROM collection_attempts a \
             JOIN transactions t ON t.id = a.transaction_id JOIN customers c ON c.id = t.customer_id \
             WHERE a.merchant_id = $1 AND a.batch_id = $2 ORDER BY a.sequence_type, a.id LIMIT $3 OFFSET $4",
        )
        .bind(merchant_id)
        .bind(batch_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    })
    .context("listing a batch's debits")
}
