//! Mandates by email or text message: a pending mandate and subscription with a single-use link
//! (`request`), the customer's confirmation with evidence or refusal (`confirm`), and the
//! merchant's resend and revoke (here). Mandates the merchant already holds, on paper or through
//! the API, are recorded by `held`; the texts of pages and messages come from `texts`.

pub mod account;
mod confirm;
mod held;
pub mod renew;
mod request;
pub(crate) mod texts;

pub use confirm::{
    Answered, ConfirmationContext, MANDATE_TEXT_VERSION, Receipt, confirm, decline,
    queue_confirmation,
};
pub use held::{PaperMandate, SignedMandate, record_paper, record_signed};
pub use request::{MandateRequest, Requested, request};
pub use texts::{creditor_name, language_of, mandate_texts, schedule_text, subscription_schedule};

use crate::services::tokens::{hash_token, new_token};
pub(crate) use texts::branding;

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::domain::Language;
use crate::domain::id::{IdPrefix, new_id};
use crate::i18n::Texts;
use crate::notify::{Channel, compose};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::customers::{self, Customer};
use crate::store::mandates::{self, Link, Mandate, NewLink};
use crate::store::merchants::{self, Merchant};
use crate::store::messages::{self, NewMessage};
use crate::store::subscriptions::{self, Subscription};
use crate::store::users::User;
use crate::store::{self, Db, Tx};

/// Where links point and how long they live.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub base_url: String,
    pub validity: chrono::Duration,
}

/// Why a mandate action was refused.
#[derive(Debug, thiserror::Error)]
pub enum MandateError {
    #[error("That customer does not exist")]
    CustomerNotFound,
    #[error("That product does not exist")]
    ProductNotFound,
    #[error("That mandate does not exist")]
    NotFound,
    #[error("The customer has no email address to send the link to")]
    NoEmail,
    #[error("The customer has no mobile number to send the link to")]
    NoPhone,
    #[error("Only a mandate that waits for confirmation can get a new link")]
    NotPending,
    #[error("This mandate is already revoked")]
    AlreadyRevoked,
    #[error("Another mandate already has this reference")]
    ReferenceTaken,
    #[error("This form was already sent")]
    DoubleSubmit,
    #[error("Another customer already uses this email address")]
    EmailTaken,
    #[error(
        "This mandate is given by an online payment: the customer can retry the payment, no link is sent"
    )]
    ByPayment,
    #[error("This product is archived")]
    ProductArchived,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a confirmation link for `mandate` inside `tx`: its URL and expiry.
async fn add_link(
    tx: &mut Tx,
    links: &LinkSettings,
    merchant: &Merchant,
    mandate: &Mandate,
    channel: Channel,
    now: DateTime<Utc>,
) -> anyhow::Result<(String, DateTime<Utc>)> {
    let (token, token_hash) = new_token();
    let expires_at = now + links.validity;
    let link_id = new_id(IdPrefix::Link);
    mandates::insert_link(
        tx,
        &NewLink {
            id: &link_id,
            merchant_id: &merchant.id,
            mandate_id: &mandate.id,
            token_hash: &token_hash,
            channel: channel.as_str(),
            expires_at,
        },
        now,
    )
    .await?;
    Ok((format!("{}/m/{token}", links.base_url), expires_at))
}

/// Queues the email or text message with a new link, inside `tx`. Returns the link's URL.
#[allow(clippy::too_many_arguments)]
async fn send_link(
    tx: &mut Tx,
    links: &LinkSettings,
    brand: &compose::Branding,
    merchant: &Merchant,
    customer: &Customer,
    mandate: &Mandate,
    subscription: Option<&Subscription>,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<String, MandateError> {
    let recipient = match channel {
        Channel::Email if customer.email.is_empty() => return Err(MandateError::NoEmail),
        Channel::Sms if customer.phone.is_empty() => return Err(MandateError::NoPhone),
        Channel::Email => customer.email.clone(),
        Channel::Sms => customer.phone.clone(),
    };
    let (url, expires_at) = add_link(tx, links, merchant, mandate, channel, now).await?;
    let language = language_of(customer, merchant);
    let t = mandate_texts(language, merchant, mandate, customer, subscription)
        .arg("date", expires_at.format("%Y-%m-%d").to_string());
    let (subject, text, html) = match channel {
        Channel::Email => {
            let c = compose::mandate_request(&t, brand, &url, mandate.iban.is_empty())?;
            (c.subject, c.text, c.html)
        }
        Channel::Sms => (
            t.get("mandate-title"),
            compose::mandate_request_sms(&t, &url),
            String::new(),
        ),
    };
    let message_id = new_id(IdPrefix::Message);
    messages::enqueue(
        tx,
        &NewMessage {
            id: &message_id,
            merchant_id: &merchant.id,
            customer_id: Some(&customer.id),
            channel: channel.as_str(),
            recipient: &recipient,
            subject: &subject,
            body_text: &text,
            body_html: &html,
            sender_name: &merchant.name,
            reply_to: &merchant.contact_email,
            attachment_invoice_id: None,
        },
        now,
    )
    .await?;
    Ok(url)
}

/// An activity entry about a mandate.
fn entry<'a>(
    actor: &'a dyn Actor,
    mandate_id: &'a str,
    action: &'a str,
    details: String,
) -> NewActivity<'a> {
    NewActivity::by(actor, "mandate", mandate_id, action, details)
}

/// Everything the confirmation page shows.
#[derive(Debug, Clone)]
pub struct MandateView {
    pub merchant: Merchant,
    pub mandate: Mandate,
    pub customer: Customer,
    pub subscriptions: Vec<Subscription>,
    pub language: Language,
}

impl MandateView {
    /// The page's texts in `language`.
    pub fn texts(&self, language: Language) -> Texts {
        mandate_texts(
            language,
            &self.merchant,
            &self.mandate,
            &self.customer,
            self.subscriptions.first(),
        )
    }
}

/// What a link leads to.
#[derive(Debug, Clone)]
pub enum LinkState {
    Unknown,
    Used(Box<MandateView>),
    Expired(Box<MandateView>),
    Revoked(Box<MandateView>),
    Open(Box<MandateView>),
}

async fn view_of(db: &Db, link: &Link) -> anyhow::Result<MandateView> {
    view_of_mandate(db, &link.merchant_id, &link.mandate_id).await
}

/// What the pages and emails of one of the merchant's mandates show.
pub async fn view_of_mandate(
    db: &Db,
    merchant_id: &str,
    mandate_id: &str,
) -> anyhow::Result<MandateView> {
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the mandate's merchant")?;
    let mandate = mandates::get(db, merchant_id, mandate_id)
        .await?
        .context("the mandate")?;
    let customer = customers::get(db, merchant_id, &mandate.customer_id)
        .await?
        .context("the mandate's customer")?;
    let subscriptions = subscriptions::for_mandate(db, merchant_id, &mandate.id).await?;
    let language = language_of(&customer, &merchant);
    Ok(MandateView {
        merchant,
        mandate,
        customer,
        subscriptions,
        language,
    })
}

/// Looks up a link by its token.
pub async fn link_state(db: &Db, token: &str) -> anyhow::Result<LinkState> {
    let Some(link) = mandates::link_by_hash(db, &hash_token(token)).await? else {
        return Ok(LinkState::Unknown);
    };
    let view = Box::new(view_of(db, &link).await?);
    Ok(if link.used_at.is_some() {
        LinkState::Used(view)
    } else if link.revoked_at.is_some() {
        LinkState::Revoked(view)
    } else if link.expires_at <= store::now() {
        LinkState::Expired(view)
    } else {
        LinkState::Open(view)
    })
}

/// The merchant sends a pending mandate's link again: a new token, the old ones withdrawn.
pub async fn resend(
    db: &Db,
    links: &LinkSettings,
    user: &User,
    mandate_id: &str,
) -> Result<String, MandateError> {
    let merchant = merchants::get(db, &user.merchant_id)
        .await?
        .context("merchant")?;
    let mandate = mandates::get(db, &merchant.id, mandate_id)
        .await?
        .ok_or(MandateError::NotFound)?;
    if mandate.status != "pending" {
        return Err(MandateError::NotPending);
    }
    if mandate.method == "online_payment" {
        return Err(MandateError::ByPayment);
    }
    let customer = customers::get(db, &merchant.id, &mandate.customer_id)
        .await?
        .context("customer")?;
    let subscriptions = subscriptions::for_mandate(db, &merchant.id, &mandate.id).await?;
    let channel = if mandate.method == "sms" {
        Channel::Sms
    } else {
        Channel::Email
    };
    let now = store::now();
    let brand = branding(&merchant, &links.base_url);
    let mut tx = db.begin().await?;
    mandates::revoke_links(&mut tx, &merchant.id, &mandate.id, now).await?;
    let url = send_link(
        &mut tx,
        links,
        &brand,
        &merchant,
        &customer,
        &mandate,
        subscriptions.first(),
        channel,
        now,
    )
    .await?;
    let details = format!("new link sent by {}", channel.as_str());
    activity::record(
        &mut tx,
        &entry(user, &mandate.id, "mandate.link_resent", details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(url)
}

/// The merchant revokes a mandate: no more collections under it, open links withdrawn,
/// subscriptions still waiting for it ended.
pub async fn revoke(db: &Db, actor: &dyn Actor, mandate_id: &str) -> Result<(), MandateError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    let mandate = mandates::get(db, actor.merchant_id(), mandate_id)
        .await?
        .ok_or(MandateError::NotFound)?;
    if !mandates::revoke(&mut tx, actor.merchant_id(), &mandate.id, now).await? {
        return Err(MandateError::AlreadyRevoked);
    }
    mandates::revoke_links(&mut tx, actor.merchant_id(), &mandate.id, now).await?;
    subscriptions::end_pending(&mut tx, actor.merchant_id(), &mandate.id, now).await?;
    activity::record(
        &mut tx,
        &entry(actor, &mandate.id, "mandate.revoked", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
