//! Rate limits: events counted under a key (`login-account:…`, `signup-ip:…`, …) in a sliding
//! window. Kept in the database so that every instance behind a load balancer sees the same
//! counts.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx, on_db, on_tx};

/// How long events are kept: longer than any limit's window (the configuration refuses longer
/// windows), so forgetting never lifts a limit early.
pub const RETENTION: chrono::Duration = chrono::Duration::days(8);

/// Events counted under `key` since `since`.
pub async fn count_since(db: &Db, key: &str, since: DateTime<Utc>) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_db!(db, pool => {
        sqlx::query_as("SELECT COUNT(*) FROM rate_events WHERE rate_key = $1 AND at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(pool)
            .await
    })
    .context("counting rate-limited events")?;
    Ok(n)
}

/// Counts one event under each key at `at`, and forgets events older than `RETENTION`.
pub async fn record(tx: &mut Tx, keys: &[&str], at: DateTime<Utc>) -> anyhow::Result<()> {
    for key in keys {
        on_tx!(tx, conn => {
            sqlx::query("INSERT INTO rate_events (rate_key, at) VALUES ($1, $2)")
                .bind(key)
                .bind(at)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .context("counting a rate-limited event")?;
    }
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM rate_events WHERE at < $1")
            .bind(at - RETENTION)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("forgetting old rate-limited events")
}

/// Forgets every event under `key` (an account's failed sign-ins once it signs in).
pub async fn clear(tx: &mut Tx, key: &str) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM rate_events WHERE rate_key = $1")
            .bind(key)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("clearing rate-limited events")?;
    Ok(())
}
