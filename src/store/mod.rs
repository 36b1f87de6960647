//! Database access: one pool over SQLite or PostgreSQL, picked by the URL; one module per aggregate.
//!
//! Every query is written once with `$1, $2` placeholders (SQLite accepts them) and dispatched to the
//! live backend by `on_db!` / `on_tx!`. Every query that reads tenant data takes the merchant id.

pub mod activity;
pub mod api_keys;
pub mod billing;
pub mod collections;
pub mod customers;
pub mod idempotency;
pub mod imports;
pub mod invoices;
pub mod mandates;
pub mod merchants;
pub mod messages;
pub mod payments;
pub mod products;
pub mod rate_limits;
pub mod signup_pages;
pub mod subscriptions;
pub mod transactions;
pub mod users;
pub mod webhooks;

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::Notify;

use crate::config::DatabaseKind;

/// The application's database: SQLite (one writer connection, many readers) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    /// Writes go through `write`, a pool of one connection, so they queue instead of failing
    /// with "database is locked"; reads use `read`.
    Sqlite {
        read: SqlitePool,
        write: SqlitePool,
    },
    Postgres(PgPool),
}

/// An open transaction on whichever backend is live.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the live pool (read side).
macro_rules! on_db {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite { read: $conn, .. } => $body,
            $crate::store::Db::Postgres($conn) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

pub(crate) use {on_db, on_tx};

/// The page cache of SQLite's one writer connection, in KiB. Every write goes through it; with
/// SQLite's default of 2 MiB a big job (a billing run, an import) reads the same index pages
/// from disk again and again. Bounded, so memory stays flat whatever the job's size.
const WRITER_CACHE_KIB: i64 = 64 * 1024;

/// How much of the SQLite file connections read through memory mapping (shared with the
/// operating system's file cache, so it costs no memory of its own): a billing run's read of a
/// million subscriptions then takes no system call per page.
const MMAP_BYTES: i64 = 256 * 1024 * 1024;

impl Db {
    /// Connects to `url`; SQLite files and their folder are created when missing.
    pub async fn connect(
        url: &str,
        kind: DatabaseKind,
        max_connections: u32,
    ) -> anyhow::Result<Db> {
        match kind {
            DatabaseKind::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .with_context(|| format!("parsing database.url {url}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10));
                if let Some(parent) = options.get_filename().parent()
                    && !parent.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(
                        options
                            .clone()
                            .pragma("cache_size", format!("-{WRITER_CACHE_KIB}"))
                            .pragma("mmap_size", MMAP_BYTES.to_string()),
                    )
                    .await
                    .context("opening the SQLite database")?;
                let read = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .connect_with(
                        options
                            .read_only(true)
                            .pragma("mmap_size", MMAP_BYTES.to_string()),
                    )
                    .await
                    .context("opening the SQLite database for reading")?;
                Ok(Db::Sqlite { read, write })
            }
            DatabaseKind::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await
                    .context("connecting to PostgreSQL")?;
                Ok(Db::Postgres(pool))
            }
        }
    }

    /// Connects to the configured database and brings its schema up to date.
    pub async fn open(config: &crate::config::Config) -> anyhow::Result<Db> {
        let db = Db::connect(
            &config.database_url,
            config.database_kind,
            config.max_connections,
        )
        .await?;
        db.migrate().await.context("running database migrations")?;
        Ok(db)
    }

    /// Applies the migrations of the live backend.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite { write, .. } => sqlx::migrate!("./migrations/sqlite").run(write).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction (on SQLite, on the single writer connection).
    pub async fn begin(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Db::Sqlite { write, .. } => {
                Tx::Sqlite(write.begin().await.context("starting a transaction")?)
            }
            Db::Postgres(pool) => {
                Tx::Postgres(pool.begin().await.context("starting a transaction")?)
            }
        })
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> anyhow::Result<()> {
        on_db!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        match self {
            Db::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// Commits the transaction. Inside an idempotent API request it first notes, in the same
    /// transaction, that the request's work committed (`idempotency::Scope`); afterwards it wakes
    /// this process's outbox workers when it queued messages or webhook deliveries (`Queued`).
    pub async fn commit(mut self) -> anyhow::Result<()> {
        idempotency::note_work(&mut self, now()).await?;
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
        .context("committing a transaction")?;
        idempotency::committed();
        messages::QUEUED.committed();
        webhooks::QUEUED.committed();
        Ok(())
    }
}

/// An outbox's doorbell: the store functions that queue work `mark` it inside their transaction,
/// and the next commit rings it, so this process's worker need not wait for its next poll
/// (workers of other instances find the work on their next poll). A rolled-back mark at most
/// wakes the worker once for nothing.
pub struct Queued {
    pending: AtomicBool,
    bell: Notify,
}

impl Queued {
    const fn new() -> Queued {
        Queued {
            pending: AtomicBool::new(false),
            bell: Notify::const_new(),
        }
    }

    /// Notes that the running transaction queued work.
    fn mark(&self) {
        self.pending.store(true, Ordering::Release);
    }

    /// Rings the bell if work was queued.
    fn committed(&self) {
        if self.pending.swap(false, Ordering::AcqRel) {
            self.bell.notify_one();
        }
    }

    /// Rings the bell now (a person asked for work to be redone).
    pub fn ring(&self) {
        self.bell.notify_one();
    }

    /// Waits for the bell.
    pub async fn rung(&self) {
        self.bell.notified().await;
    }
}

/// The current time as stored: whole seconds, so that SQLite's text timestamps compare correctly.
/// Where a list continues (cursor pagination, newest first): after the row with this creation
/// time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: DateTime<Utc>,
    pub id: String,
}

/// The condition "created before the cursor" on the columns of `table` (an alias, or "" for the
/// only table), with the cursor bound at `$2` (time) and `$3` (id).
pub fn after_cursor(table: &str) -> String {
    let t = if table.is_empty() {
        String::new()
    } else {
        format!("{table}.")
    };
    format!("($2 IS NULL OR {t}created_at < $2 OR ({t}created_at = $2 AND {t}id < $3))")
}

/// The current time at whole seconds (SQLite compares stored timestamps as text).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

/// The time during a worker's round that started at `now` (which tests may set in the future):
/// `now` plus the time the round has taken so far.
pub struct RoundClock {
    started: DateTime<Utc>,
    at: std::time::Instant,
}

impl RoundClock {
    /// A clock that reads `now` at this moment.
    pub fn start(now: DateTime<Utc>) -> RoundClock {
        RoundClock {
            started: now,
            at: std::time::Instant::now(),
        }
    }

    /// The round's `now`, moved on by the time since it started.
    pub fn now(&self) -> DateTime<Utc> {
        (self.started + chrono::Duration::from_std(self.at.elapsed()).unwrap_or_default())
            .trunc_subsecs(0)
    }
}

/// Rows per multi-row INSERT with `width` values each: about 1,000 parameters. SQLite looks bound
/// parameter names up by a linear scan, so much longer statements get slower per row.
pub fn rows_per_statement(width: usize) -> usize {
    (1000 / width.max(1)).max(1)
}

/// `rows` placeholder tuples of `width` values each, for a multi-row INSERT whose `$1` is the
/// timestamp shared by all rows and appended as the last two columns (created_at, updated_at):
/// `($2, …, $w+1, $1, $1), ($w+2, …)`.
pub fn value_tuples(rows: usize, width: usize) -> String {
    let mut sql = String::with_capacity(rows * width * 5);
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..width {
            let n = 2 + row * width + col;
            sql.push('$');
            sql.push_str(&n.to_string());
            sql.push_str(", ");
        }
        sql.push_str("$1, $1)");
    }
    sql
}

/// `$2, $3, …` for an `IN (…)` of `count` values after the merchant id (`$1`).
pub fn in_list(count: usize) -> String {
    (0..count)
        .map(|i| format!("${}", i + 2))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `rows` tuples of `width` anonymous `?` parameters, for a multi-row INSERT on SQLite: SQLite
/// finds each named parameter (`$N`) by a scan of those before it, which makes preparing a long
/// statement quadratic; `?` is numbered as it comes.
pub fn anonymous_tuples(rows: usize, width: usize) -> String {
    let tuple = format!("({})", vec!["?"; width].join(", "));
    vec![tuple; rows].join(", ")
}

/// True when `err` is a unique-constraint violation (on either backend).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|e| e.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

/// True when `err` is a unique violation of the index `index` on `table.column` (PostgreSQL names
/// the index; SQLite names the columns).
pub fn violates(err: &sqlx::Error, index: &str, column: &str) -> bool {
    err.as_database_error().is_some_and(|e| {
        e.kind() == sqlx::error::ErrorKind::UniqueViolation
            && (e.constraint() == Some(index) || e.message().contains(column))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn value_tuples_number_placeholders_after_the_shared_timestamp() {
        assert_eq!(
            super::value_tuples(2, 2),
            "($2, $3, $1, $1), ($4, $5, $1, $1)"
        );
    }

    #[test]
    fn both_backends_have_the_same_migrations() {
        let names = |dir: &str| {
            let mut names: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        };
        let sqlite = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"));
        let postgres = names(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"));
        assert!(!sqlite.is_empty());
        assert_eq!(sqlite, postgres);
    }
}
