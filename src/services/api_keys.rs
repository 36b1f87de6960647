//! API keys: created by staff (the secret is shown once), checked on every API request, revoked.

use crate::domain::id::{IdPrefix, new_id};
use crate::services::tokens::{hash_token, new_token};
use crate::store::activity::{self, NewActivity};
use crate::store::api_keys::{self, ApiKey, NewApiKey};
use crate::store::users::User;
use crate::store::{self, Db};

/// What every key starts with, so a leaked key is recognisable (and scannable) as Abbo's.
const KEY_START: &str = "abbo_";
/// How much of the key the admin shows.
const PREFIX_LEN: usize = 12;

/// Why a key could not be created or revoked.
#[derive(Debug, thiserror::Error)]
pub enum ApiKeyError {
    #[error("Give the key a name (at most 60 characters), e.g. the system that uses it")]
    BadName,
    #[error("That key does not exist or is already revoked")]
    NotFound,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A new key and its secret, which is never stored and cannot be shown again.
pub struct CreatedKey {
    pub id: String,
    pub secret: String,
}

/// Creates a key named `name` for the merchant; `actor` is `None` on the command line.
pub async fn create(
    db: &Db,
    merchant_id: &str,
    actor: Option<&User>,
    name: &str,
) -> Result<CreatedKey, ApiKeyError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiKeyError::BadName);
    }
    let id = new_id(IdPrefix::ApiKey);
    let (token, _) = new_token();
    let secret = format!("{KEY_START}{token}");
    let prefix: String = secret.chars().take(PREFIX_LEN).collect();
    let now = store::now();
    let mut tx = db.begin().await?;
    api_keys::insert(
        &mut tx,
        &NewApiKey {
            id: &id,
            merchant_id,
            name,
            prefix: &prefix,
            secret_hash: &hash_token(&secret),
            created_by: actor.map(|a| a.id.as_str()),
        },
        now,
    )
    .await?;
    let entry = match actor {
        Some(user) => NewActivity::by(user, "api_key", &id, "api_key.created", name.into()),
        None => NewActivity {
            merchant_id,
            actor_id: None,
            actor_label: "command line",
            subject_type: "api_key",
            subject_id: &id,
            action: "api_key.created",
            details: name.into(),
        },
    };
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(CreatedKey { id, secret })
}

/// Revokes one of the merchant's keys; requests with it get 401 from now on.
pub async fn revoke(db: &Db, actor: &User, id: &str) -> Result<(), ApiKeyError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !api_keys::revoke(&mut tx, &actor.merchant_id, id, now).await? {
        return Err(ApiKeyError::NotFound);
    }
    let entry = NewActivity::by(actor, "api_key", id, "api_key.revoked", String::new());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The live key `secret` belongs to, noting its use.
pub async fn authenticate(db: &Db, secret: &str) -> anyhow::Result<Option<ApiKey>> {
    if !secret.starts_with(KEY_START) || secret.len() > 200 {
        return Ok(None);
    }
    let Some(key) = api_keys::by_secret_hash(db, &hash_token(secret)).await? else {
        return Ok(None);
    };
    // Only a stale "last used" costs a write; most requests only read.
    let now = store::now();
    if key
        .last_used_at
        .is_none_or(|at| at < now - chrono::Duration::minutes(1))
    {
        api_keys::touch(db, &key.id, now).await?;
    }
    Ok(Some(key))
}

/// Forgets expired idempotency keys every hour, so the table holds about a day of requests.
pub fn spawn_cleanup(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match crate::store::idempotency::purge_expired(&db, store::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "expired idempotency keys forgotten"),
                Err(e) => tracing::error!(error = ?e, "purging idempotency keys failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}
