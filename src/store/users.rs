//! Merchant staff accounts.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A user as stored.
#[derive(Clone, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub merchant_id: String,
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("merchant_id", &self.merchant_id)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, merchant_id, email, password_hash, role, created_at, last_login_at";

/// The account signing in with this email, whatever its merchant (emails are unique).
pub async fn find_by_email(db: &Db, email: &str) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    on_db!(db, pool => sqlx::query_as::<_, User>(&sql).bind(email).fetch_optional(pool).await)
        .context("looking up a user by email")
}

/// One of the merchant's users.
pub async fn get(db: &Db, merchant_id: &str, user_id: &str) -> anyhow::Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, User>(&sql).bind(merchant_id).bind(user_id).fetch_optional(pool).await
    })
    .context("loading a user")
}

/// The merchant's users, by email.
pub async fn list(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE merchant_id = $1 ORDER BY email");
    on_db!(db, pool => sqlx::query_as::<_, User>(&sql).bind(merchant_id).fetch_all(pool).await)
        .context("listing users")
}

/// Creates a user; fails with a unique violation when the email is taken.
pub async fn insert(
    tx: &mut Tx,
    id: &str,
    merchant_id: &str,
    email: &str,
    password_hash: &str,
    role: &str,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO users (id, merchant_id, email, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(merchant_id)
        .bind(email)
        .bind(password_hash)
        .bind(role)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Number of owners the merchant has (read inside the transaction that may remove one).
pub async fn count_owners(tx: &mut Tx, merchant_id: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_tx!(tx, conn => {
        sqlx::query_as("SELECT COUNT(*) FROM users WHERE merchant_id = $1 AND role = 'owner'")
            .bind(merchant_id)
            .fetch_one(conn)
            .await
    })
    .context("counting owners")?;
    Ok(n)
}

/// The user's role, read inside a transaction.
pub async fn role_in_tx(
    tx: &mut Tx,
    merchant_id: &str,
    user_id: &str,
) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = on_tx!(tx, conn => {
        sqlx::query_as("SELECT role FROM users WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(user_id)
            .fetch_optional(conn)
            .await
    })
    .context("reading a role")?;
    Ok(row.map(|(r,)| r))
}

/// Changes a user's role.
pub async fn set_role(
    tx: &mut Tx,
    merchant_id: &str,
    user_id: &str,
    role: &str,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET role = $3 WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(user_id)
            .bind(role)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("changing a role")?;
    Ok(())
}

/// Removes a user.
pub async fn delete(tx: &mut Tx, merchant_id: &str, user_id: &str) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("DELETE FROM users WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(user_id)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("removing a user")?;
    Ok(())
}

/// Replaces a user's password hash.
pub async fn set_password(tx: &mut Tx, user_id: &str, password_hash: &str) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("setting a password")?;
    Ok(())
}

/// Records a successful sign-in.
pub async fn touch_login(tx: &mut Tx, user_id: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(user_id)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("recording a sign-in")?;
    Ok(())
}

/// A user with the name of their merchant, for the admin chrome.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    #[sqlx(flatten)]
    pub user: User,
    pub merchant_name: String,
    pub merchant_time_zone: String,
}

/// The signed-in user behind a live session (`session_hash` is the stored form of the cookie's
/// token), with their merchant: one query per admin request.
pub async fn get_session_user(
    db: &Db,
    user_id: &str,
    session_hash: &str,
) -> anyhow::Result<Option<SessionUser>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, SessionUser>(
            "SELECT u.id, u.merchant_id, u.email, u.password_hash, u.role, u.created_at, u.last_login_at, \
             m.name AS merchant_name, m.time_zone AS merchant_time_zone \
             FROM users u JOIN merchants m ON m.id = u.merchant_id JOIN user_sessions s ON s.user_id = u.id \
             WHERE u.id = $1 AND s.id = $2 AND s.ended_at IS NULL",
        )
        .bind(user_id)
        .bind(session_hash)
        .fetch_optional(pool)
        .await
    })
    .context("loading the signed-in user")
}

/// Records a new session of `user_id` under the hash of its token.
pub async fn start_session(
    tx: &mut Tx,
    session_hash: &str,
    user_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("INSERT INTO user_sessions (id, user_id, created_at) VALUES ($1, $2, $3)")
            .bind(session_hash)
            .bind(user_id)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("starting a session")?;
    Ok(())
}

/// Ends one session (signing out).
pub async fn end_session(tx: &mut Tx, session_hash: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE user_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL")
            .bind(session_hash)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("ending a session")?;
    Ok(())
}

/// Ends every session of a user (a new password, a new role, a removal).
pub async fn end_sessions(tx: &mut Tx, user_id: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query("UPDATE user_sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
            .bind(user_id)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
    })
    .context("ending a user's sessions")?;
    Ok(())
}

/// Forgets sessions that started before `before` (past every timeout) or have ended.
pub async fn purge_sessions(db: &Db, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM user_sessions WHERE created_at < $1 OR ended_at IS NOT NULL")
            .bind(before)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("forgetting old sessions")?;
    tx.commit().await?;
    Ok(n)
}
