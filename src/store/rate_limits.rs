//! Rate limits: events counted under a key (`login-account:…`, `signup-ip:…`, …) in a sliding
//! window. Kept in the database so that every instance behind a load balancer sees the same
//! counts, and counted atomically: `take` checks and records in one transaction, with the keys'
//! rows locked, so that forty requests at once cannot all pass a limit of five.

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};

use super::{Tx, on_tx};

/// How long events are kept: longer than any limit's window (the configuration refuses longer
/// windows), so forgetting never lifts a limit early.
pub const RETENTION: Duration = Duration::days(8);

/// At most `max` events under `key` within `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit<'a> {
    pub key: &'a str,
    pub max: i64,
    pub window: Duration,
}

/// Events `take` counted; `release` takes them back when the attempt did not count after all.
#[derive(Debug, Clone, Default)]
pub struct Taken {
    ids: Vec<i64>,
}

/// Counts one event under each limit's key if every key is still below its limit; all or
/// nothing. `None` when a limit is reached (nothing is counted then). Concurrent takes of the
/// same key wait for each other: the key's row is locked until `tx` ends.
pub async fn take(
    tx: &mut Tx,
    limits: &[Limit<'_>],
    at: DateTime<Utc>,
) -> anyhow::Result<Option<Taken>> {
    // Locked in one order, so two takes of the same keys cannot deadlock.
    let mut locked: Vec<&str> = limits.iter().map(|l| l.key).collect();
    locked.sort_unstable();
    locked.dedup();
    for key in locked {
        on_tx!(tx, conn => {
            sqlx::query(
                "INSERT INTO rate_limit_keys (rate_key, touched_at) VALUES ($1, $2) \
                 ON CONFLICT (rate_key) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(key)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
        })
        .context("locking a rate limit")?;
    }
    for limit in limits {
        let (n,): (i64,) = on_tx!(tx, conn => {
            sqlx::query_as("SELECT COUNT(*) FROM rate_events WHERE rate_key = $1 AND at > $2")
                .bind(limit.key)
                .bind(at - limit.window)
                .fetch_one(conn)
                .await
        })
        .context("counting rate-limited events")?;
        if n >= limit.max {
            return Ok(None);
        }
    }
    let mut taken = Taken::default();
    for limit in limits {
        let (id,): (i64,) = on_tx!(tx, conn => {
            sqlx::query_as("INSERT INTO rate_events (rate_key, at) VALUES ($1, $2) RETURNING id")
                .bind(limit.key)
                .bind(at)
                .fetch_one(conn)
                .await
        })
        .context("counting a rate-limited event")?;
        taken.ids.push(id);
    }
    forget(tx, at - RETENTION).await?;
    Ok(Some(taken))
}

/// Takes back what `take` counted (a sign-in that turned out right).
pub async fn release(tx: &mut Tx, taken: &Taken) -> anyhow::Result<()> {
    for id in &taken.ids {
        on_tx!(tx, conn => {
            sqlx::query("DELETE FROM rate_events WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await
                .map(|_| ())
        })
        .context("releasing a rate-limited event")?;
    }
    Ok(())
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

/// Forgets events, and the rows of keys, older than `before`.
async fn forget(tx: &mut Tx, before: DateTime<Utc>) -> anyhow::Result<()> {
    for sql in [
        "DELETE FROM rate_events WHERE at < $1",
        "DELETE FROM rate_limit_keys WHERE touched_at < $1",
    ] {
        on_tx!(tx, conn => {
            sqlx::query(sql).bind(before).execute(conn).await.map(|_| ())
        })
        .context("forgetting old rate-limited events")?;
    }
    Ok(())
}
