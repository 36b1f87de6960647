//! Outgoing webhooks: endpoints, events and their deliveries with every attempt. Events are
//! recorded (and fanned out to deliveries) inside the transaction of the change they announce.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::{Event, EventType};

/// A merchant's webhook endpoint as stored (no `Debug`: it holds the secret).
#[derive(Clone, sqlx::FromRow)]
pub struct Endpoint {
    pub id: String,
    pub merchant_id: String,
    pub url: String,
    /// Event type names separated by spaces.
    pub events: String,
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: String,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    /// Whether the endpoint receives events of this type.
    pub fn wants(&self, event_type: &str) -> bool {
        self.events.split(' ').any(|e| e == event_type)
    }

    /// The event types it receives.
    pub fn event_list(&self) -> Vec<&str> {
        self.events.split(' ').filter(|e| !e.is_empty()).collect()
    }
}

const ENDPOINT_COLUMNS: &str =
    "id, merchant_id, url, events, secret, enabled, disabled_reason, created_at";

/// Rings when deliveries were committed.
pub static QUEUED: super::Queued = super::Queued::new();

/// Who an event goes to: an endpoint of the merchant's, or a subscription's own URL (no endpoint).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receiver {
    pub endpoint_id: Option<String>,
    pub url: String,
}

/// The merchant's enabled endpoints that want events of `event_type`.
pub async fn endpoints_wanting(
    tx: &mut Tx,
    merchant_id: &str,
    event_type: EventType,
) -> sqlx::Result<Vec<Receiver>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND enabled = $2"
    );
    let endpoints: Vec<Endpoint> = on_tx!(tx, conn => {
        sqlx::query_as::<_, Endpoint>(&sql).bind(merchant_id).bind(true).fetch_all(conn).await
    })?;
    Ok(endpoints
        .into_iter()
        .filter(|e| e.wants(event_type.as_str()))
        .map(|e| Receiver {
            endpoint_id: Some(e.id),
            url: e.url,
        })
        .collect())
}

/// Records `event` and queues one delivery to every enabled endpoint that wants it and to the
/// subscription's own webhook URL, inside the caller's transaction.
pub async fn record_event(tx: &mut Tx, event: &Event<'_>, at: DateTime<Utc>) -> sqlx::Result<()> {
    let mut receivers = endpoints_wanting(tx, event.merchant_id, event.event_type).await?;
    if let Some(subscription_id) = event.subscription() {
        let urls: Option<(Option<String>, Option<String>)> = on_tx!(tx, conn => {
            sqlx::query_as(
                "SELECT subscription_webhook_url, transaction_webhook_url FROM subscriptions \
                 WHERE merchant_id = $1 AND id = $2",
            )
            .bind(event.merchant_id)
            .bind(subscription_id)
            .fetch_optional(conn)
            .await
        })?;
        let (subscription_url, transaction_url) = urls.unwrap_or_default();
        let own = if event.event_type.object() == "transaction" {
            transaction_url
        } else if event.event_type.object() == "subscription" {
            subscription_url
        } else {
            None
        };
        if let Some(url) = own.filter(|u| !u.is_empty()) {
            receivers.push(Receiver {
                endpoint_id: None,
                url,
            });
        }
    }
    record_event_to(tx, event, &receivers, at).await
}

/// Records `event` and queues a delivery to each of `receivers`, inside the caller's transaction.
pub async fn record_event_to(
    tx: &mut Tx,
    event: &Event<'_>,
    receivers: &[Receiver],
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let event_id = new_id(IdPrefix::Event);
    let name = event.event_type.as_str();
    let body = event.body(at);
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO webhook_events (id, merchant_id, event_type, payload, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&event_id)
        .bind(event.merchant_id)
        .bind(name)
        .bind(&body)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })?;
    for Receiver { endpoint_id, url } in receivers {
        on_tx!(tx, conn => {
            sqlx::query(
                "INSERT INTO webhook_deliveries (id, merchant_id, event_id, endpoint_id, subscription_id, url, \
                 status, next_attempt_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $7, $7)",
            )
            .bind(new_id(IdPrefix::WebhookDelivery))
            .bind(event.merchant_id)
            .bind(&event_id)
            .bind(endpoint_id)
            .bind(event.subscription())
            .bind(url)
            .bind(at)
            .execute(conn)
            .await
            .map(|_| ())
        })?;
    }
    QUEUED.mark();
    Ok(())
}

/// Ids of queued deliveries whose time has come, oldest first (across merchants: the worker's view).
pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, pool => {
        sqlx::query_as(
            "SELECT id FROM webhook_deliveries WHERE status = 'queued' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
    .context("finding due webhook deliveries")?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A claimed delivery with what sending it needs (no `Debug`: it holds the secret).
#[derive(Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub merchant_id: String,
    pub event_id: String,
    pub endpoint_id: Option<String>,
    pub url: String,
    /// Attempts including the one about to be made.
    pub attempts: i32,
    pub round_start: i32,
    pub payload: String,
    pub endpoint_secret: Option<String>,
    pub endpoint_enabled: Option<bool>,
}

/// Takes a queued delivery for sending until `lease_until`; `None` when another worker has it.
pub async fn claim(
    db: &Db,
    id: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> anyhow::Result<Option<Claimed>> {
    let mut tx = db.begin().await?;
    let claimed = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'sending', attempts = attempts + 1, locked_until = $3, \
             updated_at = $2 WHERE id = $1 AND status = 'queued' AND next_attempt_at <= $2",
        )
        .bind(id)
        .bind(now)
        .bind(lease_until)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming a webhook delivery")?;
    if claimed != 1 {
        return Ok(None);
    }
    let delivery = on_tx!(&mut tx, conn => {
        sqlx::query_as::<_, Claimed>(
            "SELECT d.id, d.merchant_id, d.event_id, d.endpoint_id, d.url, d.attempts, d.round_start, e.payload, \
             p.secret AS endpoint_secret, p.enabled AS endpoint_enabled \
             FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
             LEFT JOIN webhook_endpoints p ON p.id = d.endpoint_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_one(conn)
        .await
    })
    .context("loading a claimed webhook delivery")?;
    tx.commit().await?;
    Ok(Some(delivery))
}

/// What one attempt brought.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: String,
    pub response_excerpt: String,
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(DateTime<Utc>),
    Failed,
    /// Failed, and its endpoint disabled for this reason (the receiver answered 410 Gone).
    FailedAndDisable(String),
}

/// Records an attempt of a claimed delivery and its consequence, in one transaction.
pub async fn finish(
    db: &Db,
    delivery: &Claimed,
    attempt: &AttemptRecord,
    next: &Next,
) -> anyhow::Result<()> {
    let now = super::now();
    let (status, next_attempt_at) = match next {
        Next::Delivered => ("delivered", now),
        Next::RetryAt(at) => ("queued", *at),
        Next::Failed | Next::FailedAndDisable(_) => ("failed", now),
    };
    let last_error = if attempt.error.is_empty() {
        attempt
            .status_code
            .map(|c| format!("HTTP {c}"))
            .filter(|_| status != "delivered")
            .unwrap_or_default()
    } else {
        attempt.error.clone()
    };
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, merchant_id, number, started_at, duration_ms, status_code, \
             error, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&delivery.id)
        .bind(&delivery.merchant_id)
        .bind(delivery.attempts)
        .bind(attempt.started_at)
        .bind(attempt.duration_ms)
        .bind(attempt.status_code)
        .bind(&attempt.error)
        .bind(&attempt.response_excerpt)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a webhook attempt")?;
    on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, last_error = $4, last_status_code = $5, \
             locked_until = NULL, updated_at = $6 WHERE id = $1 AND status = 'sending'",
        )
        .bind(&delivery.id)
        .bind(status)
        .bind(next_attempt_at)
        .bind(&last_error)
        .bind(attempt.status_code)
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording a webhook delivery")?;
    if let (Next::FailedAndDisable(reason), Some(endpoint_id)) = (next, &delivery.endpoint_id) {
        set_enabled(
            &mut tx,
            &delivery.merchant_id,
            endpoint_id,
            false,
            reason,
            now,
        )
        .await?;
    }
    tx.commit().await
}

/// Deliveries whose worker stopped mid-send go back to the queue: webhooks are delivered at
/// least once, and receivers dedupe by `webhook-id`. Returns how many.
pub async fn requeue_expired(db: &Db, now: DateTime<Utc>) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'queued', locked_until = NULL, next_attempt_at = $1, \
             last_error = 'Sending was interrupted; sending again.', updated_at = $1 \
             WHERE status = 'sending' AND locked_until < $1",
        )
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("requeueing interrupted webhook deliveries")?;
    tx.commit().await?;
    Ok(n)
}

/// Queues a delivered or failed delivery again with a fresh round of retries; false if not
/// allowed (still queued or sending, or its endpoint is disabled).
pub async fn resend(
    db: &Db,
    merchant_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let n = on_tx!(&mut tx, conn => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'queued', next_attempt_at = $3, round_start = attempts, \
             updated_at = $3 WHERE merchant_id = $1 AND id = $2 AND status IN ('delivered', 'failed') \
             AND (endpoint_id IS NULL OR endpoint_id IN \
                  (SELECT id FROM webhook_endpoints WHERE merchant_id = $1 AND enabled = $4))",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(now)
        .bind(true)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("queueing a webhook delivery again")?;
    tx.commit().await?;
    Ok(n == 1)
}

/// Fails the queued deliveries of a disabled endpoint (called when it is disabled).
async fn fail_queued(
    tx: &mut Tx,
    merchant_id: &str,
    endpoint_id: &str,
    reason: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE webhook_deliveries SET status = 'failed', last_error = $3, updated_at = $4 \
             WHERE merchant_id = $1 AND endpoint_id = $2 AND status = 'queued'",
        )
        .bind(merchant_id)
        .bind(endpoint_id)
        .bind(reason)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("failing a disabled endpoint's deliveries")
}

/// The merchant's signing secret for subscriptions' own webhook URLs, if one was made.
pub async fn signing_secret(db: &Db, merchant_id: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT secret FROM webhook_signing_secrets WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_optional(pool)
            .await
    })
    .context("loading the webhook signing secret")?;
    Ok(row.map(|(s,)| s))
}

/// Stores `secret` as the merchant's signing secret: replaces the old one when `replace`, else
/// only when there is none yet. Returns the secret in force.
pub async fn put_signing_secret(
    db: &Db,
    merchant_id: &str,
    secret: &str,
    replace: bool,
    at: DateTime<Utc>,
) -> anyhow::Result<String> {
    let sql = if replace {
        "INSERT INTO webhook_signing_secrets (merchant_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (merchant_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at"
    } else {
        "INSERT INTO webhook_signing_secrets (merchant_id, secret, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (merchant_id) DO NOTHING"
    };
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query(sql).bind(merchant_id).bind(secret).bind(at).execute(conn).await.map(|_| ())
    })
    .context("storing the webhook signing secret")?;
    let (current,): (String,) = on_tx!(&mut tx, conn => {
        sqlx::query_as("SELECT secret FROM webhook_signing_secrets WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_one(conn)
            .await
    })
    .context("loading the webhook signing secret")?;
    tx.commit().await?;
    Ok(current)
}

/// An endpoint to create.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub url: &'a str,
    pub events: &'a [EventType],
    pub secret: &'a str,
}

fn event_names(events: &[EventType]) -> String {
    events
        .iter()
        .map(EventType::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many endpoints the merchant has.
pub async fn count_endpoints(tx: &mut Tx, merchant_id: &str) -> anyhow::Result<i64> {
    let (n,): (i64,) = on_tx!(tx, conn => {
        sqlx::query_as("SELECT COUNT(*) FROM webhook_endpoints WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_one(conn)
            .await
    })
    .context("counting webhook endpoints")?;
    Ok(n)
}

/// Creates an enabled endpoint.
pub async fn insert_endpoint(
    tx: &mut Tx,
    e: &NewEndpoint<'_>,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO webhook_endpoints (id, merchant_id, url, events, secret, enabled, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(e.id)
        .bind(e.merchant_id)
        .bind(e.url)
        .bind(event_names(e.events))
        .bind(e.secret)
        .bind(true)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("creating a webhook endpoint")
}

/// Changes an endpoint's URL and events; false when not found.
pub async fn update_endpoint(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    url: &str,
    events: &[EventType],
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE webhook_endpoints SET url = $3, events = $4, updated_at = $5 WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(url)
        .bind(event_names(events))
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("saving a webhook endpoint")?;
    Ok(n == 1)
}

/// Enables an endpoint, or disables it (with the reason shown in the admin; its queued
/// deliveries fail); false when not found.
pub async fn set_enabled(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    enabled: bool,
    reason: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE webhook_endpoints SET enabled = $3, disabled_reason = $4, updated_at = $5 \
             WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(enabled)
        .bind(reason)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("enabling or disabling a webhook endpoint")?;
    if !enabled {
        fail_queued(tx, merchant_id, id, reason, at).await?;
    }
    Ok(n == 1)
}

/// Deletes an endpoint with its deliveries; false when not found.
pub async fn delete_endpoint(tx: &mut Tx, merchant_id: &str, id: &str) -> anyhow::Result<bool> {
    let statements = [
        "DELETE FROM webhook_attempts WHERE merchant_id = $1 AND delivery_id IN \
         (SELECT id FROM webhook_deliveries WHERE merchant_id = $1 AND endpoint_id = $2)",
        "DELETE FROM webhook_deliveries WHERE merchant_id = $1 AND endpoint_id = $2",
        "DELETE FROM webhook_endpoints WHERE merchant_id = $1 AND id = $2",
    ];
    let mut last = 0;
    for sql in statements {
        last = on_tx!(&mut *tx, conn => {
            sqlx::query(sql).bind(merchant_id).bind(id).execute(conn).await.map(|r| r.rows_affected())
        })
        .context("deleting a webhook endpoint")?;
    }
    Ok(last == 1)
}

/// The merchant's endpoints, oldest first (at most `webhooks::MAX_ENDPOINTS`).
pub async fn endpoints(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<Endpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 ORDER BY created_at, id LIMIT 100"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Endpoint>(&sql).bind(merchant_id).fetch_all(pool).await
    })
    .context("listing webhook endpoints")
}

/// One of the merchant's endpoints.
pub async fn endpoint(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Endpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE merchant_id = $1 AND id = $2"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Endpoint>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a webhook endpoint")
}

/// A delivery as listed and shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub endpoint_id: Option<String>,
    pub subscription_id: Option<String>,
    pub url: String,
    pub status: String,
    pub attempts: i32,
    pub last_error: String,
    pub last_status_code: Option<i32>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub payload: String,
}

const DELIVERY_SELECT: &str = "SELECT d.id, d.event_id, e.event_type, d.endpoint_id, d.subscription_id, d.url, \
     d.status, d.attempts, d.last_error, d.last_status_code, d.next_attempt_at, d.created_at, e.payload \
     FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id";

/// A page of deliveries, newest first: to one endpoint, or (`None`) to subscriptions' own URLs.
pub async fn deliveries(
    db: &Db,
    merchant_id: &str,
    endpoint_id: Option<&str>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Delivery>> {
    let filter = match endpoint_id {
        Some(_) => "d.endpoint_id = $4",
        None => "d.endpoint_id IS NULL AND $4 = ''",
    };
    let sql = format!(
        "{DELIVERY_SELECT} WHERE d.merchant_id = $1 AND {filter} \
         ORDER BY d.created_at DESC, d.id DESC LIMIT $2 OFFSET $3"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Delivery>(&sql)
            .bind(merchant_id)
            .bind(limit)
            .bind(offset)
            .bind(endpoint_id.unwrap_or(""))
            .fetch_all(pool)
            .await
    })
    .context("listing webhook deliveries")
}

/// One of the merchant's deliveries.
pub async fn delivery(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Delivery>> {
    let sql = format!("{DELIVERY_SELECT} WHERE d.merchant_id = $1 AND d.id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Delivery>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a webhook delivery")
}

/// One attempt as shown.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub number: i32,
    pub started_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub status_code: Option<i32>,
    pub error: String,
    pub response_excerpt: String,
}

/// Every attempt of a delivery, first first.
pub async fn attempts(
    db: &Db,
    merchant_id: &str,
    delivery_id: &str,
) -> anyhow::Result<Vec<Attempt>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Attempt>(
            "SELECT number, started_at, duration_ms, status_code, error, response_excerpt FROM webhook_attempts \
             WHERE merchant_id = $1 AND delivery_id = $2 ORDER BY number",
        )
        .bind(merchant_id)
        .bind(delivery_id)
        .fetch_all(pool)
        .await
    })
    .context("loading webhook attempts")
}
