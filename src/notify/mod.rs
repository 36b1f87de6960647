//! Email and text messages: queued in the outbox inside the transaction that causes them, then
//! delivered by a worker with retries and backoff.
//!
//! Delivery is at most once: a message is claimed with a lease before it is sent; if the worker
//! stops between sending and recording, the lease runs out and the message becomes
//! `unconfirmed` for a person to check, instead of going out twice.

pub mod compose;
pub mod email;
pub mod sms;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::{Config, OutboxSettings};
use crate::store::messages::{self, Message};
use crate::store::{self, Db};
use email::EmailSender;
use sms::{SmsOutcome, SmsSender};

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

/// Queues a failed or unconfirmed message again at a person's request (logged); false when the
/// message is in no state to be sent again.
pub async fn send_again(
    db: &Db,
    actor: &crate::store::users::User,
    message: &Message,
) -> anyhow::Result<bool> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !messages::requeue(&mut tx, &actor.merchant_id, &message.id, now).await? {
        return Ok(false);
    }
    let entry = crate::store::activity::NewActivity::by(
        actor,
        "message",
        &message.id,
        "message.requeued",
        message.recipient.clone(),
    );
    crate::store::activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// What one delivery round did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub stored: usize,
    pub retried: usize,
    pub failed: usize,
    /// Messages found half-sent after a stop, now unconfirmed.
    pub interrupted: u64,
    /// Messages composed and queued by this round (pre-notifications).
    pub composed: usize,
}

/// A file that goes with an email.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// Where the outbox gets the messages it composes itself (pre-notifications) and the files it
/// attaches (invoice PDFs): given by the application, so that `notify` knows nothing of
/// invoices.
pub trait Documents: Send + Sync {
    /// Queues the messages whose time has come (before each delivery round); how many.
    fn prepare(&self) -> futures_util::future::BoxFuture<'_, anyhow::Result<usize>>;
    /// The file of `message`'s `attachment_invoice_id`.
    fn attachment<'a>(
        &'a self,
        message: &'a Message,
    ) -> futures_util::future::BoxFuture<'a, anyhow::Result<Option<Attachment>>>;
}

/// The delivery side of the outbox.
pub struct Outbox {
    db: Db,
    email: EmailSender,
    sms: SmsSender,
    from: String,
    settings: OutboxSettings,
    documents: Option<Arc<dyn Documents>>,
}

/// How long to wait before attempt `attempts + 1`: 30 s, doubling, at most 6 hours.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    let seconds = 30_i64.saturating_mul(1_i64 << exponent.min(20));
    chrono::Duration::seconds(seconds.min(6 * 3600))
}

impl Outbox {
    /// The outbox with the configured email and SMS transports.
    pub fn new(config: &Config, db: Db) -> anyhow::Result<Outbox> {
        Ok(Outbox {
            db,
            email: EmailSender::from_url(&config.email.url)?,
            sms: SmsSender::new(&config.sms)?,
            from: config.email.from.clone(),
            settings: config.outbox.clone(),
            documents: None,
        })
    }

    /// With the source of composed messages and attachments.
    pub fn with_documents(mut self, documents: Arc<dyn Documents>) -> Outbox {
        self.documents = Some(documents);
        self
    }

    /// Delivers every message that is due now.
    pub async fn deliver_due(&self) -> anyhow::Result<DeliveryReport> {
        self.deliver_due_at(store::now()).await
    }

    /// Delivers every message due at `now` (a parameter so tests can move time on).
    pub async fn deliver_due_at(&self, now: DateTime<Utc>) -> anyhow::Result<DeliveryReport> {
        let mut report = DeliveryReport {
            interrupted: messages::expire_leases(&self.db, now).await?,
            ..DeliveryReport::default()
        };
        if let Some(documents) = &self.documents {
            report.composed = documents.prepare().await?;
        }
        let clock = store::RoundClock::start(now);
        let lease = chrono::Duration::seconds(self.settings.lease_seconds);
        loop {
            let due = messages::due(&self.db, now, 50).await?;
            if due.is_empty() {
                break;
            }
            for id in due {
                // Each claim's lease runs from its own moment: a round of slow sends must not
                // hand out leases that expire while their message is still being sent.
                let lease_until = clock.now() + lease;
                let Some(message) = messages::claim(&self.db, &id, now, lease_until).await? else {
                    continue;
                };
                self.deliver(&message, now, &mut report).await?;
            }
        }
        Ok(report)
    }

    async fn deliver(
        &self,
        message: &Message,
        now: DateTime<Utc>,
        report: &mut DeliveryReport,
    ) -> anyhow::Result<()> {
        let outcome = match message.channel.as_str() {
            "email" => match self.attachment(message).await {
                Ok(file) => self
                    .email
                    .send(message, &self.from, file.as_ref())
                    .await
                    .map(|()| "sent"),
                Err(e) => Err(e),
            },
            _ => self
                .sms
                .send(&message.recipient, &message.body_text)
                .await
                .map(|o| match o {
                    SmsOutcome::Sent => "sent",
                    SmsOutcome::Stored => "stored",
                }),
        };
        match outcome {
            Ok(status) => {
                messages::finish(&self.db, &message.id, status, "", now, Some(store::now()))
                    .await?;
                if status == "sent" {
                    report.sent += 1;
                } else {
                    report.stored += 1;
                }
            }
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(message_id = %message.id, attempts = message.attempts, error, "delivery failed");
                if message.attempts >= self.settings.max_attempts {
                    messages::finish(&self.db, &message.id, "failed", &error, now, None).await?;
                    report.failed += 1;
                } else {
                    let next = now + backoff(message.attempts);
                    messages::finish(&self.db, &message.id, "queued", &error, next, None).await?;
                    report.retried += 1;
                }
            }
        }
        Ok(())
    }

    /// The file that goes with `message`, if it has one.
    async fn attachment(&self, message: &Message) -> anyhow::Result<Option<Attachment>> {
        match (&message.attachment_invoice_id, &self.documents) {
            (None, _) => Ok(None),
            (Some(_), Some(documents)) => documents.attachment(message).await,
            (Some(id), None) => anyhow::bail!("no source for the attachment {id}"),
        }
    }

    /// Runs the worker until the process stops: a round now, then whenever woken or polled.
    pub fn spawn_worker(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let poll = Duration::from_secs(self.settings.poll_seconds);
            loop {
                match self.deliver_due().await {
                    Ok(report) if report != DeliveryReport::default() => {
                        tracing::info!(?report, "outbox delivery round");
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = ?e, "outbox delivery round failed"),
                }
                tokio::select! {
                    // Rung by every commit that queued a message (`store::Queued`).
                    _ = messages::QUEUED.rung() => {}
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_from_30_seconds_up_to_6_hours() {
        assert_eq!(backoff(1).num_seconds(), 30);
        assert_eq!(backoff(2).num_seconds(), 60);
        assert_eq!(backoff(5).num_seconds(), 480);
        assert_eq!(backoff(12).num_seconds(), 6 * 3600);
        assert_eq!(backoff(1000).num_seconds(), 6 * 3600);
        assert_eq!(backoff(0).num_seconds(), 30);
    }
}
