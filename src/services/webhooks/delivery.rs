//! The delivery worker of the webhook outbox: claims due deliveries with a lease, POSTs them
//! signed to the checked address, records every attempt and schedules retries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::config::{Config, WebhookSettings};
use crate::domain::webhook::retry_delay;
use crate::store::webhooks::{self as store_webhooks, AttemptRecord, Claimed, Next};
use crate::store::{self, Db};

use super::{new_secret, resolve, sign};

/// Tells this process's worker that deliveries were queued (commits that emit events do so
/// by themselves).
pub fn wake() {
    store_webhooks::QUEUED.ring();
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retried: usize,
    pub failed: usize,
    /// Deliveries found half-sent after a stop, queued again.
    pub interrupted: u64,
}

/// Longest response body excerpt kept per attempt.
const EXCERPT_CHARS: usize = 1000;

/// The delivery side of the webhook outbox.
pub struct Webhooks {
    db: Db,
    settings: WebhookSettings,
    poll: Duration,
}

impl Webhooks {
    /// The worker with the configured timeouts.
    pub fn new(config: &Config, db: Db) -> Webhooks {
        Webhooks {
            db,
            settings: config.webhooks.clone(),
            poll: Duration::from_secs(config.outbox.poll_seconds),
        }
    }

    /// Delivers every delivery that is due now.
    pub async fn deliver_due(&self) -> anyhow::Result<DeliveryReport> {
        self.deliver_due_at(store::now()).await
    }

    /// Delivers every delivery due at `now` (a parameter so tests can move time on).
    pub async fn deliver_due_at(&self, now: DateTime<Utc>) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport {
            interrupted: store_webhooks::requeue_expired(&self.db, now).await?,
            ..DeliveryReport::default()
        };
        // A send may take the whole timeout; the lease must outlast it, counted from each
        // claim's own moment (not the round's start: earlier sends may have been slow).
        let lease = chrono::Duration::seconds(self.settings.timeout_seconds as i64 + 30);
        let clock = store::RoundClock::start(now);
        loop {
            let due = store_webhooks::due(&self.db, now, 50).await?;
            if due.is_empty() {
                break;
            }
            for id in due {
                let lease_until = clock.now() + lease;
                let Some(delivery) = store_webhooks::claim(&self.db, &id, now, lease_until).await?
                else {
                    continue;
                };
                self.deliver(&delivery, now, &mut report).await?;
            }
        }
        Ok(report)
    }

    #[tracing::instrument(skip_all, fields(delivery_id = %delivery.id, event_id = %delivery.event_id, attempt = delivery.attempts))]
    async fn deliver(
        &self,
        delivery: &Claimed,
        now: DateTime<Utc>,
        report: &mut DeliveryReport,
    ) -> anyhow::Result<()> {
        let started_at = store::now();
        let started = Instant::now();
        let (attempt, next) = if delivery.endpoint_enabled == Some(false) {
            let attempt = AttemptRecord {
                started_at,
                duration_ms: 0,
                status_code: None,
                error: "Not sent: the endpoint is disabled".into(),
                response_excerpt: String::new(),
            };
            (attempt, Next::Failed)
        } else {
            let secret = match &delivery.endpoint_secret {
                Some(secret) => secret.clone(),
                None => {
                    store_webhooks::put_signing_secret(
                        &self.db,
                        &delivery.merchant_id,
                        &new_secret(),
                        false,
                        started_at,
                    )
                    .await?
                }
            };
            let outcome = self.post(delivery, &secret).await;
            let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            let attempt = match outcome {
                Ok((code, excerpt)) => AttemptRecord {
                    started_at,
                    duration_ms,
                    status_code: Some(i32::from(code)),
                    error: String::new(),
                    response_excerpt: excerpt,
                },
                Err(error) => AttemptRecord {
                    started_at,
                    duration_ms,
                    status_code: None,
                    error,
                    response_excerpt: String::new(),
                },
            };
            let next = self.next_step(delivery, &attempt, now);
            (attempt, next)
        };
        match &next {
            Next::Delivered => report.delivered += 1,
            Next::RetryAt(_) => report.retried += 1,
            Next::Failed | Next::FailedAndDisable(_) => report.failed += 1,
        }
        if next != Next::Delivered {
            tracing::warn!(
                status_code = attempt.status_code,
                error = %attempt.error,
                "webhook delivery attempt failed"
            );
        }
        store_webhooks::finish(&self.db, delivery, &attempt, &next).await
    }

    /// Where a delivery goes after `attempt`.
    fn next_step(&self, delivery: &Claimed, attempt: &AttemptRecord, now: DateTime<Utc>) -> Next {
        match attempt.status_code {
            Some(code) if (200..300).contains(&code) => return Next::Delivered,
            Some(410) if delivery.endpoint_id.is_some() => {
                return Next::FailedAndDisable(format!(
                    "The receiver answered 410 Gone on {} UTC, so the endpoint was disabled.",
                    attempt.started_at.format("%Y-%m-%d %H:%M")
                ));
            }
            Some(410) => return Next::Failed,
            _ => {}
        }
        match retry_delay(delivery.attempts - delivery.round_start) {
            Some(seconds) => Next::RetryAt(now + chrono::Duration::seconds(seconds)),
            None => Next::Failed,
        }
    }

    /// POSTs the delivery; the status code and the start of the response body, or what failed.
    async fn post(&self, delivery: &Claimed, secret: &str) -> Result<(u16, String), String> {
        let checked = resolve(&delivery.url, self.settings.allow_private_webhooks)
            .await
            .map_err(|e| e.to_string())?;
        let timeout = Duration::from_secs(self.settings.timeout_seconds);
        // No proxy: a proxy would resolve the host itself, around the address check.
        let mut client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .user_agent(concat!("Abbo-Webhooks/", env!("CARGO_PKG_VERSION")));
        if let Some(domain) = &checked.domain {
            client = client.resolve_to_addrs(domain, &checked.addrs);
        }
        let client = client
            .build()
            .map_err(|e| format!("could not prepare the request: {e}"))?;
        let timestamp = Utc::now().timestamp();
        let signature = sign(secret, &delivery.event_id, timestamp, &delivery.payload);
        let describe = |e: reqwest::Error| {
            if e.is_timeout() {
                format!("No answer within {} seconds", timeout.as_secs())
            } else if e.is_connect() {
                "Could not connect to the receiver".to_string()
            } else {
                format!("The request failed: {e}")
            }
        };
        let mut response = client
            .post(checked.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &delivery.event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(describe)?;
        let code = response.status().as_u16();
        // Only the start of the body is kept, so only the start is read.
        let mut body = Vec::new();
        while body.len() < EXCERPT_CHARS * 4 {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) | Err(_) => break,
            }
        }
        let excerpt = String::from_utf8_lossy(&body)
            .chars()
            .take(EXCERPT_CHARS)
            .collect();
        Ok((code, excerpt))
    }

    /// Runs the worker until the process stops: a round now, then whenever woken or polled.
    pub fn spawn_worker(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                match self.deliver_due().await {
                    Ok(report) if report != DeliveryReport::default() => {
                        tracing::info!(?report, "webhook delivery round");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = ?e, "webhook delivery round failed"),
                }
                tokio::select! {
                    _ = store_webhooks::QUEUED.rung() => {}
                    _ = tokio::time::sleep(self.poll) => {}
                }
            }
        })
    }
}
