//! The outbox of emails and text messages: written in the transaction of the change that causes
//! them, delivered by the worker, listed in the admin.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A message as stored, with its delivery state.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: String,
    pub merchant_id: String,
    pub customer_id: Option<String>,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sender_name: String,
    pub reply_to: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub next_attempt_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// The invoice or credit note whose PDF goes with the email.
    pub attachment_invoice_id: Option<String>,
}

/// Rings when messages were committed to the outbox.
pub static QUEUED: super::Queued = super::Queued::new();

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub customer_id: Option<&'a str>,
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub sender_name: &'a str,
    pub reply_to: &'a str,
    pub attachment_invoice_id: Option<&'a str>,
}

const COLUMNS: &str = "id, merchant_id, customer_id, channel, recipient, subject, body_text, body_html, \
     sender_name, reply_to, status, attempts, last_error, next_attempt_at, sent_at, created_at, \
     attachment_invoice_id";

/// Queues a message inside the caller's transaction.
pub async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    QUEUED.mark();
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO messages (id, merchant_id, customer_id, channel, recipient, subject, body_text, body_html, \
             sender_name, reply_to, status, next_attempt_at, created_at, attachment_invoice_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, $11, $12)",
        )
        .bind(m.id)
        .bind(m.merchant_id)
        .bind(m.customer_id)
        .bind(m.channel)
        .bind(m.recipient)
        .bind(m.subject)
        .bind(m.body_text)
        .bind(m.body_html)
        .bind(m.sender_name)
        .bind(m.reply_to)
        .bind(at)
        .bind(m.attachment_invoice_id)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("queueing a message")
}

/// Ids of queued messages whose time has come, oldest first (across merchants: the worker's view).
pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id FROM messages WHERE status = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("finding due messages")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Takes a queued message for sending until `lease_until`; `None` when another worker has it.
pub async fn claim(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<Option<Message>> {
    let mut tx = db.begin().await?;
    let claimed = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE messages SET status = 'sending', attempts = attempts + 1, locked_until = $3 \
             WHERE id = $1 AND status = 'queued' AND next_attempt_at <= $2",
        )
        .bind(id)
        .bind(now)
        .bind(lease_until)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming a message")?;
    if claimed != 1 {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE id = $1");
    let message = on_tx!(&mut tx, conn => {
        sqlx::query_as::<_, Message>(&sql).bind(id).fetch_one(conn).await
    })
    .context("loading a claimed message")?;
    tx.commit().await?;
    Ok(Some(message))
}

/// Records the outcome of a send attempt: `status` is sent, stored, queued (retry) or failed.
pub async fn finish(
    db: &Db,
    id: &str,
    status: &str,
    error: &str,
    next_attempt_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE messages SET status = $2, last_error = $3, next_attempt_at = $4, sent_at = $5, \
             locked_until = NULL WHERE id = $1 AND status = 'sending'",
        )
        .bind(id)
        .bind(status)
        .bind(error)
        .bind(next_attempt_at)
        .bind(sent_at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a delivery")?;
    tx.commit().await
}

/// Messages whose sender stopped mid-send: they may or may not have gone out, so they are
/// marked unconfirmed for a person to decide, never sent again automatically.
pub async fn expire_leases(db: &Db, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE messages SET status = 'unconfirmed', locked_until = NULL, \
             last_error = 'Sending was interrupted; the message may or may not have been delivered.' \
             WHERE status = 'sending' AND locked_until < $1",
        )
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("expiring message leases")?;
    tx.commit().await?;
    Ok(n)
}

/// Queues a failed or unconfirmed message again, at a person's request; false if not allowed.
pub async fn requeue(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE messages SET status = 'queued', next_attempt_at = $3, attempts = 0 \
             WHERE merchant_id = $1 AND id = $2 AND status IN ('failed', 'unconfirmed')",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("queueing a message again")?;
    if n == 1 {
        QUEUED.mark();
    }
    Ok(n == 1)
}

/// One of the merchant's messages.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Message>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a message")
}

/// A row of the messages list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageSummary {
    pub id: String,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub created_at: DateTime<Utc>,
}

/// A page of the merchant's messages, newest first; `offset` rows skipped.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<MessageSummary>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, MessageSummary>(
            "SELECT id, channel, recipient, subject, status, attempts, last_error, created_at FROM messages \
             WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
        )
        .bind(merchant_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    })
    .context("listing messages")
}

/// The latest messages sent to a customer.
pub async fn for_customer(
    db: &Db,
    merchant_id: &str,
    customer_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<MessageSummary>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, MessageSummary>(
            "SELECT id, channel, recipient, subject, status, attempts, last_error, created_at FROM messages \
             WHERE merchant_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3",
        )
        .bind(merchant_id)
        .bind(customer_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("loading a customer's messages")
}
