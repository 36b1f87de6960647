//! API keys: only a hash of each secret is stored.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A key a merchant's developers call the API with.
#[derive(Clone, sqlx::FromRow)]
pub struct ApiKey {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// "API key <name> (<prefix>…)", how the activity log names it.
    #[sqlx(skip)]
    pub label: String,
    /// The merchant's time zone (loaded with the key when a request authenticates).
    #[sqlx(default)]
    pub time_zone: String,
}

impl ApiKey {
    /// Today where the key's merchant is.
    pub fn today(&self) -> chrono::NaiveDate {
        let zone = crate::domain::calendar::parse_time_zone(&self.time_zone)
            .unwrap_or(chrono_tz::Europe::Amsterdam);
        crate::domain::calendar::today_in(zone)
    }
}

impl ApiKey {
    fn labelled(mut self) -> ApiKey {
        self.label = format!("API key {} ({}…)", self.name, self.prefix);
        self
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("merchant_id", &self.merchant_id)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, name, prefix, created_at, last_used_at, revoked_at";

/// A key to store.
pub struct NewApiKey<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub name: &'a str,
    pub prefix: &'a str,
    pub secret_hash: &'a str,
    pub created_by: Option<&'a str>,
}

/// Stores a new key.
pub async fn insert(tx: &mut Tx, key: &NewApiKey<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO api_keys (id, merchant_id, name, prefix, secret_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(key.id)
        .bind(key.merchant_id)
        .bind(key.name)
        .bind(key.prefix)
        .bind(key.secret_hash)
        .bind(key.created_by)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("storing an API key")?;
    Ok(())
}

/// The live (not revoked) key whose secret hashes to `secret_hash`, whatever its merchant.
pub async fn by_secret_hash(db: &Db, secret_hash: &str) -> anyhow::Result<Option<ApiKey>> {
    let columns = COLUMNS
        .split(", ")
        .map(|c| format!("k.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT {columns}, m.time_zone FROM api_keys k JOIN merchants m ON m.id = k.merchant_id \
         WHERE k.secret_hash = $1 AND k.revoked_at IS NULL"
    );
    let key = on_db!(db, pool => sqlx::query_as::<_, ApiKey>(&sql).bind(secret_hash).fetch_optional(pool).await)
        .context("looking up an API key")?;
    Ok(key.map(ApiKey::labelled))
}

/// Notes that a key was used, at most once a minute so busy keys do not write on every request.
pub async fn touch(db: &Db, id: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE api_keys SET last_used_at = $2 WHERE id = $1 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(id)
        .bind(now)
        .bind(now - chrono::Duration::minutes(1))
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("noting an API key's use")?;
    tx.commit().await
}

/// The merchant's keys, newest first (revoked ones included, marked).
pub async fn list(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<ApiKey>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM api_keys WHERE merchant_id = $1 ORDER BY created_at DESC, id DESC"
    );
    let keys = on_db!(db, pool => sqlx::query_as::<_, ApiKey>(&sql).bind(merchant_id).fetch_all(pool).await)
        .context("listing API keys")?;
    Ok(keys.into_iter().map(ApiKey::labelled).collect())
}

/// Revokes a live key; false when there is no such live key of this merchant.
pub async fn revoke(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let done = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE api_keys SET revoked_at = $3 WHERE merchant_id = $1 AND id = $2 AND revoked_at IS NULL",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("revoking an API key")?;
    Ok(done == 1)
}
