//! The activity log: who changed what, when.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::users::User;
use super::{Db, Tx};
use super::{on_db, on_tx};

/// One logged change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Activity {
    pub id: i64,
    pub actor_label: String,
    pub subject_type: String,
    pub subject_id: String,
    pub action: String,
    pub details: String,
    pub created_at: DateTime<Utc>,
}

/// A change to log, in the same transaction as the change itself.
#[derive(Debug, Clone)]
pub struct NewActivity<'a> {
    pub merchant_id: &'a str,
    /// The user who did it; `None` for the system or the command line.
    pub actor_id: Option<&'a str>,
    pub actor_label: &'a str,
    pub subject_type: &'a str,
    pub subject_id: &'a str,
    pub action: &'a str,
    pub details: String,
}

/// Someone who changes a merchant's data: a signed-in staff member, an API key, or a part of
/// Abbo acting on its own (`System`).
pub trait Actor: Sync {
    /// The merchant the actor works for; every change stays inside it.
    fn merchant_id(&self) -> &str;
    /// The user or API key id; `None` for a part of Abbo.
    fn actor_id(&self) -> Option<&str>;
    /// How the activity log names the actor.
    fn actor_label(&self) -> &str;
}

/// A part of Abbo changing a merchant's data without a user: the sign-up page, a customer on a
/// link page, the payment provider, the schedule, the command line.
#[derive(Debug, Clone, Copy)]
pub struct System<'a> {
    pub merchant_id: &'a str,
    pub label: &'static str,
}

impl<'a> System<'a> {
    /// `label` acting for `merchant_id`.
    pub fn new(merchant_id: &'a str, label: &'static str) -> System<'a> {
        System { merchant_id, label }
    }
}

impl Actor for System<'_> {
    fn merchant_id(&self) -> &str {
        self.merchant_id
    }
    fn actor_id(&self) -> Option<&str> {
        None
    }
    fn actor_label(&self) -> &str {
        self.label
    }
}

impl Actor for User {
    fn merchant_id(&self) -> &str {
        &self.merchant_id
    }
    fn actor_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn actor_label(&self) -> &str {
        &self.email
    }
}

impl Actor for super::api_keys::ApiKey {
    fn merchant_id(&self) -> &str {
        &self.merchant_id
    }
    fn actor_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn actor_label(&self) -> &str {
        &self.label
    }
}

impl<'a> NewActivity<'a> {
    /// An entry for a change `actor` made.
    pub fn by(
        actor: &'a dyn Actor,
        subject_type: &'a str,
        subject_id: &'a str,
        action: &'a str,
        details: String,
    ) -> Self {
        NewActivity {
            merchant_id: actor.merchant_id(),
            actor_id: actor.actor_id(),
            actor_label: actor.actor_label(),
            subject_type,
            subject_id,
            action,
            details,
        }
    }
}

/// Appends an entry.
pub async fn record(tx: &mut Tx, a: &NewActivity<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO activity (merchant_id, actor_id, actor_label, subject_type, subject_id, action, details, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.merchant_id)
        .bind(a.actor_id)
        .bind(a.actor_label)
        .bind(a.subject_type)
        .bind(a.subject_id)
        .bind(a.action)
        .bind(&a.details)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording activity")?;
    Ok(())
}

/// The merchant's latest entries, newest first.
pub async fn recent(db: &Db, merchant_id: &str, limit: i64) -> anyhow::Result<Vec<Activity>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Activity>(
            "SELECT id, actor_label, subject_type, subject_id, action, details, created_at \
             FROM activity WHERE merchant_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(merchant_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("loading recent activity")
}

/// Number of entries the merchant has.
pub async fn count(db: &Db, merchant_id: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_db!(db, pool => {
        sqlx::query_as("SELECT COUNT(*) FROM activity WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_one(pool)
            .await
    })
    .context("counting activity")?;
    Ok(n)
}

/// The latest entries about a customer, their mandates and their subscriptions.
pub async fn for_customer(
    db: &Db,
    merchant_id: &str,
    customer_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<Activity>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Activity>(
            "SELECT id, actor_label, subject_type, subject_id, action, details, created_at FROM activity \
             WHERE merchant_id = $1 AND (subject_id = $2 \
               OR subject_id IN (SELECT id FROM mandates WHERE merchant_id = $1 AND customer_id = $2) \
               OR subject_id IN (SELECT id FROM subscriptions WHERE merchant_id = $1 AND customer_id = $2)) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(merchant_id)
        .bind(customer_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("loading a customer's activity")
}
