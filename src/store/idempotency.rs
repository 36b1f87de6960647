//! Idempotency keys of API requests: claimed per API key before the request runs, then holding
//! the stored response that a repeat of the request gets.
//!
//! Claim, work and response are three transactions, tied together so that a crash between them
//! loses nothing: a claim is leased (`LEASE`), so a retry takes over a request that died before
//! its work committed; and every transaction of the work commits, in itself, the note that the
//! work is done and which resources it created (`Scope`), so a retry of a request that died
//! after its work never runs the work again but answers with what it created.

use std::future::Future;
use std::sync::Mutex;

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx, on_tx};

/// How long a claim holds its key before a retry may take the request over.
pub const LEASE: chrono::Duration = chrono::Duration::seconds(30);

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

/// A key's row as a claim finds it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Held {
    request_hash: String,
    status_code: Option<i32>,
    content_type: Option<String>,
    location: Option<String>,
    response_body: Option<String>,
    locked_until: Option<DateTime<Utc>>,
    work_committed_at: Option<DateTime<Utc>>,
    created_resources: String,
}

/// What claiming a key found.
#[derive(Debug, Clone)]
pub enum Claim {
    /// The key was free, or its first request died before doing anything and its lease ran
    /// out: run the request.
    Run,
    /// The first request's answer, to replay (if the request matches).
    Answered(StoredResponse),
    /// The first request is still running (its lease holds).
    Running { request_hash: String },
    /// The first request's work committed but its answer was lost: the resources it created,
    /// as `kind/id` (e.g. `customers/cst_…`), newest last.
    Done {
        request_hash: String,
        created: Vec<String>,
    },
}

/// Claims `key` for a request with `request_hash` at `now`. Expired keys are forgotten first.
pub async fn claim(
    db: &Db,
    api_key_id: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
    lifetime: chrono::Duration,
) -> anyhow::Result<Claim> {
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
            "INSERT INTO idempotency_keys (api_key_id, idempotency_key, request_hash, created_at, \
             expires_at, locked_until) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (api_key_id, idempotency_key) DO NOTHING",
        )
        .bind(api_key_id)
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .bind(now + lifetime)
        .bind(now + LEASE)
        .execute(&mut *conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming an idempotency key")?;
    if inserted == 1 {
        tx.commit().await?;
        return Ok(Claim::Run);
    }
    let held = on_tx!(&mut tx, conn => {
        sqlx::query_as::<_, Held>(
            "SELECT request_hash, status_code, content_type, location, response_body, locked_until, \
             work_committed_at, created_resources FROM idempotency_keys \
             WHERE api_key_id = $1 AND idempotency_key = $2",
        )
        .bind(api_key_id)
        .bind(key)
        .fetch_one(&mut *conn)
        .await
    })
    .context("reading an idempotency key")?;
    let claim = if held.status_code.is_some() {
        Claim::Answered(StoredResponse {
            request_hash: held.request_hash,
            status_code: held.status_code,
            content_type: held.content_type,
            location: held.location,
            response_body: held.response_body,
        })
    } else if held.work_committed_at.is_some() {
        Claim::Done {
            request_hash: held.request_hash,
            created: held
                .created_resources
                .split_whitespace()
                .map(str::to_string)
                .collect(),
        }
    } else if held.locked_until.is_some_and(|t| t > now) || held.request_hash != request_hash {
        Claim::Running {
            request_hash: held.request_hash,
        }
    } else {
        // The first request died before its work committed: this one takes it over.
        let taken = on_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE idempotency_keys SET locked_until = $3 WHERE api_key_id = $1 \
                 AND idempotency_key = $2 AND status_code IS NULL AND work_committed_at IS NULL \
                 AND (locked_until IS NULL OR locked_until <= $4)",
            )
            .bind(api_key_id)
            .bind(key)
            .bind(now + LEASE)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map(|r| r.rows_affected())
        })
        .context("taking over an idempotency key")?;
        if taken == 1 {
            Claim::Run
        } else {
            Claim::Running {
                request_hash: held.request_hash,
            }
        }
    };
    tx.commit().await?;
    Ok(claim)
}

/// The request an idempotency key runs, while its handler runs (a task-local).
pub struct Scope {
    api_key_id: String,
    key: String,
    /// `kind/id` of the resources created so far.
    created: Mutex<Vec<String>>,
    /// Whether a transaction of the work committed.
    committed: Mutex<bool>,
}

tokio::task_local! {
    static SCOPE: Scope;
}

impl Scope {
    /// Runs `work` (the request's handler) as the work of `key`; returns its output and whether
    /// any of its transactions committed.
    pub async fn run<F: Future>(api_key_id: &str, key: &str, work: F) -> (F::Output, bool) {
        let scope = Scope {
            api_key_id: api_key_id.to_string(),
            key: key.to_string(),
            created: Mutex::new(Vec::new()),
            committed: Mutex::new(false),
        };
        SCOPE
            .scope(scope, async move {
                let output = work.await;
                let committed =
                    SCOPE.with(|s| *s.committed.lock().unwrap_or_else(|e| e.into_inner()));
                (output, committed)
            })
            .await
    }
}

/// Notes a resource the running request creates (called by the inserts of API resources); a
/// no-op outside an idempotent request.
pub(crate) fn note_created(kind: &'static str, id: &str) {
    let _ = SCOPE.try_with(|s| {
        s.created
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{kind}/{id}"));
    });
}

/// Inside an idempotent request, records in `tx` (before it commits) that the work committed and
/// what it created; a no-op outside one.
pub(super) async fn note_work(tx: &mut Tx, at: DateTime<Utc>) -> anyhow::Result<()> {
    let Ok((api_key_id, key, created)) = SCOPE.try_with(|s| {
        (
            s.api_key_id.clone(),
            s.key.clone(),
            s.created
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .join(" "),
        )
    }) else {
        return Ok(());
    };
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE idempotency_keys SET work_committed_at = COALESCE(work_committed_at, $3), \
             created_resources = $4 WHERE api_key_id = $1 AND idempotency_key = $2",
        )
        .bind(&api_key_id)
        .bind(&key)
        .bind(at)
        .bind(&created)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("noting an idempotent request's work")?;
    Ok(())
}

/// Tells the running request's scope that a transaction committed.
pub(super) fn committed() {
    let _ = SCOPE.try_with(|s| *s.committed.lock().unwrap_or_else(|e| e.into_inner()) = true);
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
            "UPDATE idempotency_keys SET status_code = $3, content_type = $4, location = $5, \
             response_body = $6, locked_until = NULL WHERE api_key_id = $1 AND idempotency_key = $2",
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

/// Frees `key` again (the request failed before doing anything: a retry may run it).
pub async fn release(db: &Db, api_key_id: &str, key: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE api_key_id = $1 AND idempotency_key = $2 \
             AND work_committed_at IS NULL",
        )
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
