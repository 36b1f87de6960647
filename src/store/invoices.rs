//! Invoices and credit notes: numbered from the merchant's gapless series in the transaction that
//! issues them, stored with a snapshot of both parties, never changed after (but for the status,
//! which follows the transaction, and the PDF, stored once).

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, Tx, on_db, on_tx};

/// An invoice or credit note as stored (without its PDF).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invoice {
    pub id: String,
    pub merchant_id: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub number: String,
    pub transaction_id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub credits_invoice_id: Option<String>,
    pub credit_reason: String,
    pub issue_date: NaiveDate,
    pub supply_start: Option<NaiveDate>,
    pub supply_end: Option<NaiveDate>,
    pub language: String,
    /// JSON of `services::invoices::Lines`.
    pub lines: String,
    /// JSON of `services::invoices::Party`.
    pub supplier: String,
    pub recipient: String,
    pub net_minor: i64,
    pub vat_minor: i64,
    pub total_minor: i64,
    /// Invoices: `open`, `paid`, `failed`, `overdue`, `credited`; credit notes: `issued`.
    pub status: String,
    pub pdf_sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The statuses an invoice can have.
pub const STATUSES: &[&str] = &["open", "paid", "failed", "overdue", "credited", "issued"];

const COLUMNS: &str = "id, merchant_id, kind, number, transaction_id, subscription_id, customer_id, \
     credits_invoice_id, credit_reason, issue_date, supply_start, supply_end, language, lines, \
     supplier, recipient, net_minor, vat_minor, total_minor, status, pdf_sha256, created_at, \
     updated_at";

/// The numbers `first ..= first + count - 1` of `series`, reserved in the caller's transaction:
/// the counter row stays locked until it commits (PostgreSQL) or the single writer holds it
/// (SQLite), and a rollback gives the numbers back, so the series has no gap and no repeat.
pub async fn reserve_numbers(
    tx: &mut Tx,
    merchant_id: &str,
    series: &str,
    count: i64,
) -> anyhow::Result<i64> {
    let (next,): (i64,) = on_tx!(tx, conn => {
        sqlx::query_as(
            "INSERT INTO invoice_counters (merchant_id, series, next_number) VALUES ($1, $2, 1 + $3) \
             ON CONFLICT (merchant_id, series) DO UPDATE \
             SET next_number = invoice_counters.next_number + $3 RETURNING next_number",
        )
        .bind(merchant_id)
        .bind(series)
        .bind(count)
        .fetch_one(conn)
        .await
    })
    .context("reserving invoice numbers")?;
    Ok(next - count)
}

/// An invoice or credit note to record.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub id: String,
    pub merchant_id: String,
    pub kind: &'static str,
    pub number: String,
    pub transaction_id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub credits_invoice_id: Option<String>,
    pub credit_reason: String,
    pub issue_date: NaiveDate,
    pub supply_start: Option<NaiveDate>,
    pub supply_end: Option<NaiveDate>,
    pub language: String,
    pub lines: String,
    pub supplier: String,
    pub recipient: String,
    pub net_minor: i64,
    pub vat_minor: i64,
    pub total_minor: i64,
    pub status: &'static str,
}

/// Records an issued invoice or credit note.
pub async fn insert(tx: &mut Tx, i: &NewInvoice, at: DateTime<Utc>) -> anyhow::Result<()> {
    super::idempotency::note_created("invoices", &i.id);
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO invoices (id, merchant_id, kind, number, transaction_id, subscription_id, \
             customer_id, credits_invoice_id, credit_reason, issue_date, supply_start, supply_end, \
             language, lines, supplier, recipient, net_minor, vat_minor, total_minor, status, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)",
        )
        .bind(&i.id)
        .bind(&i.merchant_id)
        .bind(i.kind)
        .bind(&i.number)
        .bind(&i.transaction_id)
        .bind(&i.subscription_id)
        .bind(&i.customer_id)
        .bind(&i.credits_invoice_id)
        .bind(&i.credit_reason)
        .bind(i.issue_date)
        .bind(i.supply_start)
        .bind(i.supply_end)
        .bind(&i.language)
        .bind(&i.lines)
        .bind(&i.supplier)
        .bind(&i.recipient)
        .bind(i.net_minor)
        .bind(i.vat_minor)
        .bind(i.total_minor)
        .bind(i.status)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording an invoice")
}

/// One of the merchant's invoices or credit notes.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Invoice>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Invoice>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading an invoice")
}

/// One of the merchant's invoices, inside a transaction (to credit it).
pub async fn get_in(tx: &mut Tx, merchant_id: &str, id: &str) -> anyhow::Result<Option<Invoice>> {
    let sql = format!("SELECT {COLUMNS} FROM invoices WHERE merchant_id = $1 AND id = $2");
    on_tx!(tx, conn => {
        sqlx::query_as::<_, Invoice>(&sql).bind(merchant_id).bind(id).fetch_optional(conn).await
    })
    .context("loading an invoice")
}

/// The invoice (not credit note) of a transaction, if it has one.
pub async fn of_transaction(
    db: &Db,
    merchant_id: &str,
    transaction_id: &str,
) -> anyhow::Result<Option<Invoice>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invoices WHERE merchant_id = $1 AND transaction_id = $2 \
         AND kind = 'invoice'"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Invoice>(&sql).bind(merchant_id).bind(transaction_id).fetch_optional(pool).await
    })
    .context("loading a transaction's invoice")
}

/// The credit note of an invoice, if it has one.
pub async fn credit_note_of(
    db: &Db,
    merchant_id: &str,
    invoice_id: &str,
) -> anyhow::Result<Option<Invoice>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM invoices WHERE merchant_id = $1 AND credits_invoice_id = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Invoice>(&sql).bind(merchant_id).bind(invoice_id).fetch_optional(pool).await
    })
    .context("loading a credit note")
}

/// The numbers of some of the merchant's invoices, by id (one query per 500).
pub async fn numbers(
    db: &Db,
    merchant_id: &str,
    ids: &[&str],
) -> anyhow::Result<std::collections::HashMap<String, String>> {
    let mut all = std::collections::HashMap::with_capacity(ids.len());
    for part in ids.chunks(500) {
        let list = super::in_list(part.len());
        let sql =
            format!("SELECT id, number FROM invoices WHERE merchant_id = $1 AND id IN ({list})");
        let rows: Vec<(String, String)> = on_db!(db, pool => {
            let mut query = sqlx::query_as(&sql).bind(merchant_id);
            for id in part {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })
        .context("loading invoice numbers")?;
        all.extend(rows);
    }
    Ok(all)
}

/// The stored PDF and its SHA-256, once rendered.
pub async fn pdf(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Vec<u8>>> {
    let row: Option<(Option<Vec<u8>>,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT pdf FROM invoices WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(id)
            .fetch_optional(pool)
            .await
    })
    .context("loading an invoice's PDF")?;
    Ok(row.and_then(|(pdf,)| pdf))
}

/// Stores the PDF of an invoice that has none yet; false when one was stored first (then that
/// one stays: a document is rendered once).
pub async fn store_pdf(db: &Db, id: &str, pdf: &[u8], sha256: &str) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let done = on_tx!(&mut tx, conn => {
        sqlx::query("UPDATE invoices SET pdf = $2, pdf_sha256 = $3 WHERE id = $1 AND pdf IS NULL")
            .bind(id)
            .bind(pdf)
            .bind(sha256)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("storing an invoice's PDF")?
        == 1;
    tx.commit().await?;
    Ok(done)
}

/// Marks an invoice credited; false when it was credited (or is a credit note) already.
pub async fn mark_credited(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE invoices SET status = 'credited', updated_at = $3 WHERE merchant_id = $1 \
             AND id = $2 AND kind = 'invoice' AND status <> 'credited'",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("crediting an invoice")?;
    Ok(done == 1)
}

/// What the merchant's invoice lists filter on.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
}

const FILTERED: &str = "i.merchant_id = $1 AND ($2 IS NULL OR i.status = $2) \
     AND ($3 IS NULL OR i.kind = $3) AND ($4 IS NULL OR i.issue_date >= $4) \
     AND ($5 IS NULL OR i.issue_date <= $5) AND ($6 IS NULL OR i.customer_id = $6) \
     AND ($7 IS NULL OR i.subscription_id = $7)";

macro_rules! bind_filter {
    ($query:expr, $merchant_id:expr, $f:expr) => {
        $query
            .bind($merchant_id)
            .bind($f.status.as_deref())
            .bind($f.kind.as_deref())
            .bind($f.issued_from)
            .bind($f.issued_to)
            .bind($f.customer_id.as_deref())
            .bind($f.subscription_id.as_deref())
    };
}

fn prefixed_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("i.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to `limit` of the merchant's invoices after `after` (issue date, id), newest first: a page
/// of the admin list (`after` none, `offset`) or the next chunk of an export.
pub async fn rows_after(
    db: &Db,
    merchant_id: &str,
    filter: &InvoiceFilter,
    after: Option<&(NaiveDate, String)>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Invoice>> {
    let sql = format!(
        "SELECT {} FROM invoices i WHERE {FILTERED} \
         AND ($8 IS NULL OR i.issue_date < $8 OR (i.issue_date = $8 AND i.id < $9)) \
         ORDER BY i.issue_date DESC, i.id DESC LIMIT $10 OFFSET $11",
        prefixed_columns()
    );
    on_db!(db, pool => {
        bind_filter!(sqlx::query_as::<_, Invoice>(&sql), merchant_id, filter)
            .bind(after.map(|a| a.0))
            .bind(after.map(|a| a.1.as_str()))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
    })
    .context("listing invoices")
}

/// How many invoices `filter` holds, and their totals excluding VAT, of VAT and including VAT.
pub async fn totals(
    db: &Db,
    merchant_id: &str,
    filter: &InvoiceFilter,
) -> anyhow::Result<(i64, i64, i64, i64)> {
    let sql = format!(
        "SELECT COUNT(*), CAST(COALESCE(SUM(i.net_minor), 0) AS BIGINT), \
         CAST(COALESCE(SUM(i.vat_minor), 0) AS BIGINT), \
         CAST(COALESCE(SUM(i.total_minor), 0) AS BIGINT) FROM invoices i WHERE {FILTERED}"
    );
    on_db!(db, pool => {
        bind_filter!(sqlx::query_as(&sql), merchant_id, filter).fetch_one(pool).await
    })
    .context("adding up invoices")
}

/// A page of the merchant's invoices for the API, newest first.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    filter: &InvoiceFilter,
    after: Option<&super::After>,
    limit: i64,
) -> anyhow::Result<Vec<Invoice>> {
    let cursor = super::after_cursor("i")
        .replace("$2", "$8")
        .replace("$3", "$9");
    let sql = format!(
        "SELECT {} FROM invoices i WHERE {FILTERED} AND {cursor} \
         ORDER BY i.created_at DESC, i.id DESC LIMIT $10",
        prefixed_columns()
    );
    on_db!(db, pool => {
        bind_filter!(sqlx::query_as::<_, Invoice>(&sql), merchant_id, filter)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing invoices")
}
