//! Idempotency keys of API requests: claimed per API key before the request runs, then holding
//! the stored response that a repeat of the request gets.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, on_tx};

/// What an idempotency key already holds.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredResponse {
    pub request_hash: String,
    /// `None` while the first request is still running.
    pub status_code: Option<i32>,
    pub content_type: Option<String>,
    pub location: Option<String>,
    pub response_body: Option<String>,
}

/// Claims `key` for a request; `Ok(None)` when it was free (the caller now handles the request),
/// otherwise what the key holds. Expired keys are forgotten first.
pub async fn claim(
    db: &Db,
    api_key_id: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    lifetime: chrono::Duration,
) -> anyhow::Result<Option<StoredResponse>> {
    let mut tx = db.begin().await?;
    let inserted = on_tx!(&mut tx, conn => {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idempotency_key = $2 AND expires_at <= $3",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (api_key_id, idempotency_key) DO NOTHING",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .bind(now + lifetime)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming an idempotency key")?;
    let existing = if inserted == 1 {
        None
    } else {
        on_tx!(&mut tx, conn => {
            sqlx::query_as::<_, StoredResponse>(
                "SELECT request_hash, status_code, content_type, location, response_body FROM idempotency_keys \
                 WHERE api_key_id = $1 AND idempotency_key = $2",
            )
            .bind(api_key_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await
        })
        .context("reading an idempotency key")?
    };
    tx.commit().await?;
    Ok(existing)
}

/// Stores the response of the request that claimed `key`.
pub async fn complete(
    db: &Db,
    api_key_id: &str,
    key: &str,
    response: &StoredResponse,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE idempotency_keys SET status_code = $3, content_type = $4, location = $5, response_body = $6 \
             WHERE api_key_id = $1 AND idempotency_key = $2",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(response.status_code)
        .bind(&response.content_type)
        .bind(&response.location)
        .bind(&response.response_body)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("storing an idempotent response")?;
    tx.commit().await
}

/// Frees `key` again (the request failed in a way worth retrying).
pub async fn release(db: &Db, api_key_id: &str, key: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idempotency_key = $2")
            .bind(api_key_id)
            .bind(key)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("releasing an idempotency key")?;
    tx.commit().await
}

/// Forgets the stored responses of idempotency keys older than their lifetime; returns how many.
pub async fn purge_expired(db: &Db, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
            .bind(now)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("purging expired idempotency keys")?;
    tx.commit().await?;
    Ok(n)
}
