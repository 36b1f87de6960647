//! Failed sign-ins, counted per account and per client address to slow down password guessing.
//! Kept in the database so that every instance behind a load balancer sees the same counts.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use crate::{on_db, on_tx};

/// Failures for `key` since `since`.
pub async fn failures_since(db: &Db, key: &str, since: DateTime<Utc>) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_db!(db, pool => {
        sqlx::query_as("SELECT COUNT(*) FROM login_failures WHERE throttle_key = $1 AND failed_at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await
    })
    .context("counting failed sign-ins")?;
    Ok(n)
}

/// Records one failure under each key, and forgets failures older than `forget_before`.
pub async fn record_failure(
    tx: &mut Tx,
    keys: &[&str],
    at: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> anyhow::Result<()> {
    for key in keys {
        on_tx!(tx, conn => {
            sqlx::query("INSERT INTO login_failures (throttle_key, failed_at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .context("recording a failed sign-in")?;
    }
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM login_failures WHERE failed_at < $1")
            .bind(forget_before)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("forgetting old failed sign-ins")?;
    Ok(())
}

/// Forgets an account's failures after it signs in.
pub async fn clear(tx: &mut Tx, key: &str) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1")
            .bind(key)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("clearing failed sign-ins")?;
    Ok(())
}
