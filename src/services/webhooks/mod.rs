//! Outgoing webhooks: events recorded in the transaction of the change they announce (an
//! outbox), delivered by a worker as signed JSON with Standard Webhooks headers.
//!
//! Delivery is at least once: a delivery is claimed with a lease; if the worker stops mid-send,
//! the lease runs out and the delivery is sent again with the same `webhook-id`, by which
//! receivers dedupe. Retries follow `domain::webhook::retry_delay` (about three days); 2xx is
//! success, redirects are not followed (a failure), 410 Gone disables the endpoint.
//!
//! Receivers are checked at send time again and the connection goes to the checked addresses,
//! so a DNS answer that changes after the check cannot point a delivery into a private network.

mod delivery;

pub use delivery::{DeliveryReport, Webhooks, wake};

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::is_private_address;
pub use crate::domain::webhook::{Event, EventType};
use crate::store::activity::{self, NewActivity};
use crate::store::users::User;
use crate::store::webhooks::{self as store_webhooks};
use crate::store::{self, Db, Tx};

/// Announces a change: records `event` and queues its deliveries inside `tx`, the transaction
/// of the change itself. The store functions that make the changes listed in `EventType`
/// already call this; new kinds of change call it too.
pub async fn emit(tx: &mut Tx, event: &Event<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    store_webhooks::record_event(tx, event, at)
        .await
        .context("recording a webhook event")
}

/// Why a webhook URL is refused; each message can stand next to a form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("Enter a full URL, like https://example.com/webhooks")]
    Invalid,
    #[error("Use an https:// (or http://) URL")]
    Scheme,
    #[error("Leave the user name and password out of the URL")]
    Credentials,
    #[error("The host name could not be found")]
    Unresolvable,
    #[error(
        "This address is in a private network or on this machine; webhooks go to public addresses only"
    )]
    Private,
}

/// A receiver URL with the addresses it was checked at.
pub(super) struct CheckedUrl {
    pub(super) url: reqwest::Url,
    /// The host name to pin to `addrs` (none for an IP address literal).
    pub(super) domain: Option<String>,
    pub(super) addrs: Vec<SocketAddr>,
}

/// Checks that `url` may receive webhooks: http(s), no credentials, and (unless
/// `allow_private`) a host that resolves to public addresses only. Resolves DNS.
pub async fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, WebhookUrlError> {
    resolve(url, allow_private).await.map(|c| c.url)
}

pub(super) async fn resolve(url: &str, allow_private: bool) -> Result<CheckedUrl, WebhookUrlError> {
    let url = reqwest::Url::parse(url.trim()).map_err(|_| WebhookUrlError::Invalid)?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(WebhookUrlError::Scheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(WebhookUrlError::Credentials);
    }
    let host = url.host_str().ok_or(WebhookUrlError::Invalid)?;
    let port = url
        .port_or_known_default()
        .ok_or(WebhookUrlError::Invalid)?;
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    let (domain, addrs) = match literal.parse::<IpAddr>() {
        Ok(ip) => (None, vec![SocketAddr::new(ip, port)]),
        Err(_) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| WebhookUrlError::Unresolvable)?
                .collect();
            (Some(host.to_string()), addrs)
        }
    };
    if addrs.is_empty() {
        return Err(WebhookUrlError::Unresolvable);
    }
    if !allow_private && addrs.iter().any(|a| is_private_address(a.ip())) {
        return Err(WebhookUrlError::Private);
    }
    Ok(CheckedUrl { url, domain, addrs })
}

/// A new signing secret in the Standard Webhooks form: `whsec_` and 24 random bytes in base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`
/// keyed with the secret's bytes (the base64 after `whsec_`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    let key = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap_or_else(|_| encoded.as_bytes().to_vec());
    let mac =
        crate::services::tokens::hmac_sha256(&key, format!("{id}.{timestamp}.{body}").as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac)
    )
}

/// How many endpoints a merchant may have (so that their list fits on one page).
pub const MAX_ENDPOINTS: i64 = 20;

/// Why an endpoint change was refused.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("That webhook endpoint does not exist")]
    NotFound,
    #[error("You have the most endpoints allowed (20); delete one first")]
    TooMany,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn endpoint_entry<'a>(
    actor: &'a User,
    id: &'a str,
    action: &'a str,
    details: String,
) -> NewActivity<'a> {
    NewActivity::by(actor, "webhook_endpoint", id, action, details)
}

/// Creates an enabled endpoint; returns its id and its signing secret (shown once).
pub async fn create_endpoint(
    db: &Db,
    actor: &User,
    url: &reqwest::Url,
    events: &[EventType],
) -> Result<(String, String), EndpointError> {
    let id = new_id(IdPrefix::WebhookEndpoint);
    let secret = new_secret();
    let now = store::now();
    let mut tx = db.begin().await?;
    if store_webhooks::count_endpoints(&mut tx, &actor.merchant_id).await? >= MAX_ENDPOINTS {
        return Err(EndpointError::TooMany);
    }
    store_webhooks::insert_endpoint(
        &mut tx,
        &store_webhooks::NewEndpoint {
            id: &id,
            merchant_id: &actor.merchant_id,
            url: url.as_str(),
            events,
            secret: &secret,
        },
        now,
    )
    .await?;
    let entry = endpoint_entry(actor, &id, "webhook_endpoint.created", url.to_string());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Changes an endpoint's URL and events.
pub async fn update_endpoint(
    db: &Db,
    actor: &User,
    id: &str,
    url: &reqwest::Url,
    events: &[EventType],
) -> Result<(), EndpointError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !store_webhooks::update_endpoint(&mut tx, &actor.merchant_id, id, url.as_str(), events, now)
        .await?
    {
        return Err(EndpointError::NotFound);
    }
    let entry = endpoint_entry(actor, id, "webhook_endpoint.updated", url.to_string());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Enables or disables an endpoint at a person's request.
pub async fn set_endpoint_enabled(
    db: &Db,
    actor: &User,
    id: &str,
    enabled: bool,
) -> Result<(), EndpointError> {
    let now = store::now();
    let reason = if enabled {
        String::new()
    } else {
        format!("Disabled by {}.", actor.email)
    };
    let mut tx = db.begin().await?;
    if !store_webhooks::set_enabled(&mut tx, &actor.merchant_id, id, enabled, &reason, now).await? {
        return Err(EndpointError::NotFound);
    }
    let action = if enabled {
        "webhook_endpoint.enabled"
    } else {
        "webhook_endpoint.disabled"
    };
    activity::record(
        &mut tx,
        &endpoint_entry(actor, id, action, String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an endpoint and its deliveries.
pub async fn delete_endpoint(db: &Db, actor: &User, id: &str) -> Result<(), EndpointError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !store_webhooks::delete_endpoint(&mut tx, &actor.merchant_id, id).await? {
        return Err(EndpointError::NotFound);
    }
    let entry = endpoint_entry(actor, id, "webhook_endpoint.deleted", String::new());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues a delivered or failed delivery again (same `webhook-id`, a new round of retries);
/// false when it is still on its way or its endpoint is disabled.
pub async fn resend(db: &Db, actor: &User, delivery_id: &str) -> anyhow::Result<bool> {
    let queued = store_webhooks::resend(db, &actor.merchant_id, delivery_id, store::now()).await?;
    if queued {
        wake();
    }
    Ok(queued)
}

/// Replaces the merchant's signing secret for subscriptions' own webhook URLs; returns the new
/// one (shown once).
pub async fn roll_signing_secret(db: &Db, actor: &User) -> anyhow::Result<String> {
    let now = store::now();
    let secret =
        store_webhooks::put_signing_secret(db, &actor.merchant_id, &new_secret(), true, now)
            .await?;
    let mut tx = db.begin().await?;
    let entry = NewActivity::by(
        actor,
        "merchant",
        &actor.merchant_id,
        "webhook_signing_secret.rolled",
        String::new(),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[tokio::test]
    async fn urls_to_private_networks_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1/hook",
            "http://[::1]:8080/hook",
            "https://10.0.0.5/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::ffff:192.168.1.1]/",
            "http://localhost:9000/",
        ] {
            assert_eq!(
                check_url(url, false).await,
                Err(WebhookUrlError::Private),
                "{url}"
            );
        }
        assert!(check_url("http://127.0.0.1:9000/hook", true).await.is_ok());
        assert_eq!(
            check_url("ftp://example.com/", true).await,
            Err(WebhookUrlError::Scheme)
        );
        assert_eq!(
            check_url("https://user:pw@93.184.216.34/", false).await,
            Err(WebhookUrlError::Credentials)
        );
        assert_eq!(
            check_url("not a url", false).await,
            Err(WebhookUrlError::Invalid)
        );
        assert!(check_url("https://93.184.216.34/hook", false).await.is_ok());
    }
}
