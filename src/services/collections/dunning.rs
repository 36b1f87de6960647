//! Chasing what a direct debit could not collect: the email with a payment link when a
//! transaction failed for good, the email asking for a new mandate when the account can't be
//! debited, and the online payment the link starts (paying it marks the transaction paid).
//!
//! The link is `/pay/due/{transaction}?s={signature}`: signed with the instance's link key, so
//! it needs no stored token and only opens a checkout for a transaction that is still failed.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::domain::Language;
use crate::domain::collection::meaning;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::{Event, EventType};
use crate::i18n::{Texts, long_date, money};
use crate::notify::compose::{self, Branding, NoticeParts};
use crate::services::mandates::renew;
use crate::services::payments::{CheckoutRequest, Outcome, PaymentProvider};
use crate::services::tokens::{equal_secrets, hmac_sha256};
use crate::store::collections::{self as store, NewHistory};
use crate::store::customers::Customer;
use crate::store::merchants::Merchant;
use crate::store::messages::{self, NewMessage};
use crate::store::payments::{self, Payment};
use crate::store::transactions::{self, Transaction};
use crate::store::webhooks::record_event;
use crate::store::{Db, Tx, activity};

/// Where links point and what signs them.
#[derive(Debug, Clone)]
pub struct Links {
    pub base_url: String,
    pub key: Vec<u8>,
    /// Whether an online payment provider is configured (else the email asks to get in touch).
    pub online: bool,
}

impl Links {
    /// The signature of a link's fields: its first 16 bytes of HMAC-SHA256, hex.
    pub fn sign(&self, fields: &str) -> String {
        hex::encode(&hmac_sha256(&self.key, fields.as_bytes())[..16])
    }

    /// Whether `s` is the signature of `fields`.
    pub fn verify_signed(&self, fields: &str, s: &str) -> bool {
        equal_secrets(self.sign(fields).as_bytes(), s.as_bytes())
    }

    /// The payment link of a failed transaction.
    pub fn payment_link(&self, transaction_id: &str) -> String {
        format!(
            "{}/pay/due/{transaction_id}?s={}",
            self.base_url,
            self.sign(&format!("pay-due:{transaction_id}"))
        )
    }

    /// Whether `s` is the signature of this transaction's link.
    pub fn verify(&self, transaction_id: &str, s: &str) -> bool {
        self.verify_signed(&format!("pay-due:{transaction_id}"), s)
    }
}

/// What a dunning email is about.
pub struct Unpaid<'a> {
    pub merchant: &'a Merchant,
    pub customer: &'a Customer,
    pub transaction_id: &'a str,
    pub amount_minor: i64,
    pub description: &'a str,
    pub reason_code: &'a str,
    pub mandate_reference: &'a str,
}

fn texts(u: &Unpaid<'_>, language: Language) -> Texts {
    Texts::new(language, u.merchant.formality())
        .arg(
            "creditor",
            crate::services::mandates::texts::creditor_name(u.merchant),
        )
        .arg("name", u.customer.display_name())
        .arg("amount", money(language, u.amount_minor))
        .arg("description", u.description.to_string())
        .arg("reason", meaning(u.reason_code).to_string())
        .arg("reference", u.mandate_reference.to_string())
        .arg("email", u.merchant.contact_email.clone())
        .arg("date", long_date(language, u.merchant.today()))
}

/// Queues the email asking the customer to pay a failed transaction (with the payment link
/// when online payments are on), in the caller's transaction. False without an address.
pub async fn queue_payment_request(
    tx: &mut Tx,
    links: &Links,
    u: &Unpaid<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let link = links.online.then(|| links.payment_link(u.transaction_id));
    let parts = NoticeParts {
        subject: "dunning-subject",
        intro: if link.is_some() {
            "dunning-intro"
        } else {
            "dunning-no-link"
        },
        collects: false,
        has_period: false,
        has_contact: !u.merchant.contact_email.is_empty(),
        link: link.as_deref().map(|l| ("dunning-pay", l)),
    };
    queue(tx, u, parts, now).await
}

/// Queues the email telling the customer the mandate can't be used and asking for a new one,
/// with the link to the page where they give it (open for `renew::LINK_DAYS`).
pub async fn queue_mandate_request(
    tx: &mut Tx,
    links: &Links,
    u: &Unpaid<'_>,
    mandate_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let until = u.merchant.today() + chrono::Duration::days(renew::LINK_DAYS);
    let link = renew::link(links, mandate_id, until);
    let parts = NoticeParts {
        subject: "mandate-needed-subject",
        intro: "mandate-needed-intro",
        collects: false,
        has_period: false,
        has_contact: !u.merchant.contact_email.is_empty(),
        link: Some(("mandate-needed-action", &link)),
    };
    queue(tx, u, parts, now).await
}

async fn queue(
    tx: &mut Tx,
    u: &Unpaid<'_>,
    parts: NoticeParts<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if u.customer.email.trim().is_empty() {
        return Ok(false);
    }
    let language = crate::services::mandates::texts::language_of(u.customer, u.merchant);
    let t = texts(u, language);
    let brand = Branding {
        name: u.merchant.name.clone(),
        colour: u.merchant.brand_colour.clone(),
        logo_url: None,
    };
    let c = compose::notice(&t, &brand, parts)?;
    let id = new_id(IdPrefix::Message);
    messages::enqueue(
        tx,
        &NewMessage {
            id: &id,
            merchant_id: &u.merchant.id,
            customer_id: Some(&u.customer.id),
            channel: "email",
            recipient: &u.customer.email,
            subject: &c.subject,
            body_text: &c.text,
            body_html: &c.html,
            sender_name: &u.merchant.name,
            reply_to: &u.merchant.contact_email,
            attachment_invoice_id: None,
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Why a payment link does not open a checkout.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    #[error("This payment link is not valid")]
    NotFound,
    #[error("This amount has been paid already, or no longer needs paying")]
    NotDue,
    #[error("Online payment is not available; please contact the merchant")]
    Offline,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The failed transaction a payment link is for.
pub async fn due(
    db: &Db,
    links: &Links,
    transaction_id: &str,
    s: &str,
) -> Result<Transaction, PayError> {
    if !links.verify(transaction_id, s) {
        return Err(PayError::NotFound);
    }
    let merchant_id = transactions::merchant_of(db, transaction_id)
        .await?
        .ok_or(PayError::NotFound)?;
    let t = transactions::get(db, &merchant_id, transaction_id)
        .await?
        .ok_or(PayError::NotFound)?;
    if t.status != "failed" {
        return Err(PayError::NotDue);
    }
    Ok(t)
}

/// Starts the online payment of a failed transaction; returns the checkout URL.
pub async fn start_payment(
    db: &Db,
    provider: Option<&impl PaymentProvider>,
    t: &Transaction,
) -> Result<String, PayError> {
    let provider = provider.ok_or(PayError::Offline)?;
    let mandate_id = t.mandate_id.clone().ok_or(PayError::NotDue)?;
    let id = new_id(IdPrefix::Payment);
    let checkout_url = provider
        .create_checkout(&CheckoutRequest {
            payment_id: &id,
            amount_minor: t.amount_minor,
            description: &t.description,
        })
        .await?;
    let payment = Payment {
        id,
        merchant_id: t.merchant_id.clone(),
        provider: provider.name().into(),
        customer_id: t.customer_id.clone(),
        subscription_id: t.subscription_id.clone(),
        mandate_id,
        amount_minor: t.amount_minor,
        description: t.description.clone(),
        status: "open".into(),
        checkout_url: checkout_url.clone(),
        transaction_id: Some(t.id.clone()),
    };
    let mut tx = db.begin().await?;
    payments::insert(&mut tx, &payment, crate::store::now()).await?;
    tx.commit().await?;
    Ok(checkout_url)
}

/// Records the outcome of a payment link's payment once: paid marks the transaction and its
/// invoice paid. Returns false when the payment was already settled.
pub async fn settle_payment(db: &Db, payment: &Payment, outcome: Outcome) -> anyhow::Result<bool> {
    let transaction_id = payment
        .transaction_id
        .as_deref()
        .context("a payment link's transaction")?;
    let m = payment.merchant_id.as_str();
    let now = crate::store::now();
    let mut tx = db.begin().await?;
    if !payments::settle(&mut tx, &payment.id, outcome.as_str(), now).await? {
        return Ok(false);
    }
    if outcome == Outcome::Paid && store::paid_online(&mut tx, m, transaction_id, now).await? {
        let history = NewHistory {
            merchant_id: m,
            transaction_id,
            event: "paid",
            status: "paid",
            attempt: None,
            reason_code: "",
            source: &payment.id,
            due_date: None,
            note: "paid online with the payment link",
        };
        store::record_history(&mut tx, &history, now).await?;
        let event = Event::new(EventType::TransactionPaid, m, transaction_id)
            .customer(&payment.customer_id)
            .in_subscription(&payment.subscription_id)
            .status("paid", Some("failed"));
        record_event(&mut tx, &event, now)
            .await
            .context("announcing a paid transaction")?;
        if let Some(invoice) = crate::store::invoices::of_transaction(db, m, transaction_id).await?
        {
            let event = Event::new(EventType::InvoicePaid, m, &invoice.id)
                .customer(&payment.customer_id)
                .in_subscription(&payment.subscription_id)
                .status("paid", Some("overdue"));
            record_event(&mut tx, &event, now)
                .await
                .context("announcing a paid invoice")?;
        }
        let entry = activity::NewActivity {
            merchant_id: m,
            actor_id: None,
            actor_label: "payment provider",
            subject_type: "transaction",
            subject_id: transaction_id,
            action: "transaction.paid_online",
            details: format!("payment {} with the payment link", payment.id),
        };
        activity::record(&mut tx, &entry, now).await?;
    }
    tx.commit().await?;
    Ok(true)
}
