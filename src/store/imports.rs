//! Customer imports: the uploaded file's rows staged with their outcome, committed in chunks
//! under a worker's lease.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// An import as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Import {
    pub id: String,
    pub merchant_id: String,
    pub created_by: String,
    pub file_name: String,
    /// JSON array of the column headers.
    pub headers: String,
    /// JSON array of the field each column maps to.
    pub mapping: String,
    /// uploaded, previewed, committing, done or failed.
    pub status: String,
    pub total_rows: i64,
    pub new_rows: i64,
    pub updated_rows: i64,
    pub rejected_rows: i64,
    /// Mandates and subscriptions the accepted rows create.
    pub mandate_rows: i64,
    pub subscription_rows: i64,
    pub committed_rows: i64,
    /// Every accepted row up to this line is written.
    pub committed_through: i64,
    pub error: String,
    /// The separator of the CSV file (`,` `;` or a tab); for Excel files the merchant's.
    pub separator: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, merchant_id, created_by, file_name, headers, mapping, status, total_rows, new_rows, \
     updated_rows, rejected_rows, mandate_rows, subscription_rows, committed_rows, committed_through, error, \
     separator, created_at";

/// A row of the file as staged: its cells, and once checked its outcome and record.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    pub line: i64,
    /// JSON array of the cells.
    pub cells: String,
    /// pending, new, update or rejected.
    pub outcome: String,
    /// One reason per line.
    pub reasons: String,
    /// JSON of the checked row (empty when rejected or pending).
    pub record: String,
}

/// An import to create.
#[derive(Debug)]
pub struct NewImport<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    /// The user who uploaded it; empty for the command line.
    pub created_by: &'a str,
    pub file_name: &'a str,
    /// JSON array of the column headers.
    pub headers: &'a str,
    pub total_rows: i64,
    pub separator: &'a str,
}

/// Creates an import, waiting for its mapping.
#[tracing::instrument(skip(tx, import), fields(id = import.id))]
pub async fn insert(tx: &mut Tx, import: &NewImport<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO imports (id, merchant_id, created_by, file_name, headers, status, total_rows, \
             separator, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'uploaded', $6, $8, $7, $7)",
        )
        .bind(import.id)
        .bind(import.merchant_id)
        .bind(import.created_by)
        .bind(import.file_name)
        .bind(import.headers)
        .bind(import.total_rows)
        .bind(at)
        .bind(import.separator)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("creating an import")?;
    Ok(())
}

/// One of the merchant's imports.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Import>> {
    let sql = format!("SELECT {COLUMNS} FROM imports WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Import>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading an import")
}

/// The merchant's latest imports, newest first.
pub async fn recent(db: &Db, merchant_id: &str, limit: i64) -> anyhow::Result<Vec<Import>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM imports WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Import>(&sql).bind(merchant_id).bind(limit).fetch_all(pool).await
    })
    .context("listing imports")
}

/// A staged row to write.
#[derive(Debug, Clone)]
pub struct StagedRow {
    pub line: i64,
    pub cells: String,
    pub outcome: &'static str,
    pub reasons: String,
    pub record: String,
}

/// Rows per INSERT statement when staging (5 parameters each, see `rows_per_statement`).
const STAGE_BATCH: usize = 200;

/// Replaces the staged rows of an import (the merchant's) with `rows`, in multi-row inserts.
pub async fn replace_rows(
    tx: &mut Tx,
    merchant_id: &str,
    import_id: &str,
    rows: &[StagedRow],
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM import_rows WHERE merchant_id = $1 AND import_id = $2")
            .bind(merchant_id)
            .bind(import_id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("clearing staged rows")?;
    for batch in rows.chunks(STAGE_BATCH) {
        let mut sql = String::from(
            "INSERT INTO import_rows (import_id, merchant_id, line, cells, outcome, reasons, record) VALUES ",
        );
        for i in 0..batch.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let n = 3 + i * 5;
            sql.push_str(&format!(
                "($1, $2, ${}, ${}, ${}, ${}, ${})",
                n,
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
        }
        on_tx!(tx, conn => {
            let mut query = sqlx::query(&sql).bind(import_id).bind(merchant_id);
            for row in batch {
                query = query
                    .bind(row.line)
                    .bind(&row.cells)
                    .bind(row.outcome)
                    .bind(&row.reasons)
                    .bind(&row.record);
            }
            query.execute(conn).await.map(|_| ())
        })
        .context("staging rows")?;
    }
    Ok(())
}

/// Refreshes the planner's statistics of the staging table after a large change, so that the
/// commit's chunk queries use the primary key (a fresh table looks empty to PostgreSQL's planner).
pub async fn analyze(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => sqlx::query("ANALYZE import_rows").execute(conn).await.map(|_| ()))
        .context("analysing import_rows")?;
    tx.commit().await
}

/// Every staged row of an import, in file order.
pub async fn all_rows(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
) -> anyhow::Result<Vec<ImportRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, ImportRow>(
            "SELECT line, cells, outcome, reasons, record FROM import_rows \
             WHERE merchant_id = $1 AND import_id = $2 ORDER BY line",
        )
        .bind(merchant_id)
        .bind(import_id)
        .fetch_all(pool)
        .await
    })
    .context("loading staged rows")
}

/// A page of an import's rows with this outcome, in file order.
pub async fn rows_with_outcome(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    outcome: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<ImportRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, ImportRow>(
            "SELECT line, cells, outcome, reasons, record FROM import_rows \
             WHERE merchant_id = $1 AND import_id = $2 AND ($3 = '' OR outcome = $3) ORDER BY line LIMIT $4 OFFSET $5",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(outcome)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    })
    .context("loading staged rows")
}

/// How many rows the checks gave each outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub new: i64,
    pub updated: i64,
    pub rejected: i64,
    /// Mandates and subscriptions the accepted rows create.
    pub mandates: i64,
    pub subscriptions: i64,
}

/// Records the mapping and the checks' counts; the import can then be committed. False when it
/// is no longer waiting for a mapping (its commit started meanwhile).
pub async fn set_previewed(
    tx: &mut Tx,
    merchant_id: &str,
    import_id: &str,
    mapping: &str,
    counts: Counts,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE imports SET mapping = $3, status = 'previewed', new_rows = $4, updated_rows = $5, \
             rejected_rows = $6, updated_at = $7, mandate_rows = $8, subscription_rows = $9 \
             WHERE merchant_id = $1 AND id = $2 \
             AND status IN ('uploaded', 'previewed')",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(mapping)
        .bind(counts.new)
        .bind(counts.updated)
        .bind(counts.rejected)
        .bind(at)
        .bind(counts.mandates)
        .bind(counts.subscriptions)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("saving the preview")?;
    Ok(n == 1)
}

/// Hands a previewed import to the worker; false when it was not previewed.
pub async fn start_commit(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE imports SET status = 'committing', updated_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND status IN ('previewed', 'failed')",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("starting an import")?;
    tx.commit().await?;
    Ok(n == 1)
}

/// Imports being committed whose lease is free or expired (across merchants: the worker's view).
pub async fn claimable(db: &Db, now: DateTime<Utc>) -> anyhow::Result<Vec<(String, String)>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, (String, String)>(
            "SELECT merchant_id, id FROM imports WHERE status = 'committing' \
             AND (locked_until IS NULL OR locked_until < $1) ORDER BY created_at, id",
        )
        .bind(now)
        .fetch_all(pool)
        .await
    })
    .context("finding imports to commit")
}

/// Takes the lease on an import being committed until `lease_until`; false when another worker
/// holds an unexpired lease or the import is not being committed.
pub async fn claim(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE imports SET locked_until = $4 WHERE merchant_id = $1 AND id = $2 \
             AND status = 'committing' AND (locked_until IS NULL OR locked_until < $3)",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(now)
        .bind(lease_until)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming an import")?;
    tx.commit().await?;
    Ok(n == 1)
}

/// Gives up the lease `held_until` so that the next run may take the import at once.
pub async fn release(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    held_until: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE imports SET locked_until = NULL WHERE merchant_id = $1 AND id = $2 AND locked_until = $3",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(held_until)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("releasing an import")?;
    tx.commit().await?;
    Ok(())
}

/// The next accepted rows after line `after`, in file order.
pub async fn next_chunk(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<ImportRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, ImportRow>(
            "SELECT line, cells, outcome, reasons, record FROM import_rows \
             WHERE import_id = $1 AND line > $2 AND merchant_id = $3 AND outcome IN ('new', 'update') \
             ORDER BY line LIMIT $4",
        )
        .bind(import_id)
        .bind(after)
        .bind(merchant_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("loading the next chunk")
}

/// A chunk written by the worker holding the lease `held_until`.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    /// The line of its last row: every accepted row up to it is then written.
    pub last_line: i64,
    pub rows: i64,
    pub held_until: DateTime<Utc>,
    /// The lease extended to this time.
    pub lease_until: DateTime<Utc>,
}

/// Inside a chunk's transaction: records the chunk as written and extends the lease, if this
/// worker still holds it. False (nothing changed) when the lease was lost to another worker.
pub async fn mark_committed(
    tx: &mut Tx,
    merchant_id: &str,
    import_id: &str,
    chunk: Chunk,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE imports SET committed_through = $3, committed_rows = committed_rows + $4, \
             locked_until = $6, updated_at = $7 WHERE merchant_id = $1 AND id = $2 \
             AND status = 'committing' AND locked_until = $5 AND committed_through < $3",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(chunk.last_line)
        .bind(chunk.rows)
        .bind(chunk.held_until)
        .bind(chunk.lease_until)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("recording a written chunk")?;
    Ok(n == 1)
}

/// Ends an import being committed: `done`, or `failed` with the reason.
pub async fn finish(
    tx: &mut Tx,
    merchant_id: &str,
    import_id: &str,
    status: &str,
    error: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE imports SET status = $3, error = $4, locked_until = NULL, updated_at = $5 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'committing'",
        )
        .bind(merchant_id)
        .bind(import_id)
        .bind(status)
        .bind(error)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("finishing an import")?;
    Ok(())
}

/// Drops the staged copies of accepted rows once all are written (the customers' records now hold
/// that personal data); rejected rows stay for their report. Inside the last transaction.
pub async fn drop_committed_rows(
    tx: &mut Tx,
    merchant_id: &str,
    import_id: &str,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM import_rows WHERE merchant_id = $1 AND import_id = $2 AND outcome <> 'rejected'")
            .bind(merchant_id)
            .bind(import_id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("dropping committed rows")?;
    Ok(())
}

/// A customer an import row may match, by reference or email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerKey {
    pub id: String,
    pub reference: Option<String>,
    pub email: String,
}

/// Reference and email of every customer of the merchant.
pub async fn customer_keys(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<CustomerKey>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, CustomerKey>(
            "SELECT id, reference, email FROM customers WHERE merchant_id = $1 AND anonymised_at IS NULL",
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await
    })
    .context("loading customer references")
}

/// (mandate reference, customer id, mandate id) of every mandate of the merchant.
pub async fn mandate_keys(
    db: &Db,
    merchant_id: &str,
) -> anyhow::Result<Vec<(String, String, String)>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, (String, String, String)>(
            "SELECT reference, customer_id, id FROM mandates WHERE merchant_id = $1",
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await
    })
    .context("loading mandate references")
}

/// (customer id, product id) of every subscription of the merchant that has not ended.
pub async fn subscription_keys(
    db: &Db,
    merchant_id: &str,
) -> anyhow::Result<Vec<(String, String)>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, (String, String)>(
            "SELECT customer_id, product_id FROM subscriptions WHERE merchant_id = $1 AND status <> 'ended'",
        )
        .bind(merchant_id)
        .fetch_all(pool)
        .await
    })
    .context("loading subscriptions")
}
