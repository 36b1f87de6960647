//! The email/SMS mandate flow: a pending mandate and subscription with a single-use link, the
//! customer's confirmation (with evidence) or refusal, and the merchant's resend and revoke.

use anyhow::Context;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Bic, Iban, Interval, Language, MandateReference, Money};
use crate::i18n::{Texts, interval_every};
use crate::notify::{Channel, compose};
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, Customer, NewCustomer};
use crate::store::mandates::{self, Evidence, Link, Mandate, NewLink};
use crate::store::merchants::{self, Merchant};
use crate::store::messages::{self, NewMessage};
use crate::store::products::Product;
use crate::store::subscriptions::{self, Subscription};
use crate::store::users::User;
use crate::store::{self, Db, Tx, pages, products};

/// The version of the consent text customers see; stored with every confirmation.
pub const MANDATE_TEXT_VERSION: &str = "sepa-core-consent-2025-1";

/// Where links point and how long they live.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub base_url: String,
    pub validity: chrono::Duration,
}

/// A new random link token (256 bits) and the hash that is stored instead of it.
/// A fresh 256-bit secret (URL-safe) and its stored hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Who asked for a change, for the activity log.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: Option<&'a str>,
    pub label: &'a str,
}

impl<'a> Actor<'a> {
    /// A signed-in staff member.
    pub fn user(user: &'a User) -> Actor<'a> {
        Actor::of(user)
    }

    /// A staff member or an API key.
    pub fn of(actor: &'a dyn crate::store::activity::Actor) -> Actor<'a> {
        Actor {
            id: Some(actor.actor_id()),
            label: actor.actor_label(),
        }
    }
}

/// A request for a customer's mandate for one product.
#[derive(Debug, Clone)]
pub struct MandateRequest {
    pub merchant_id: String,
    pub customer_id: String,
    pub product_id: String,
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub account_holder: String,
    pub channel: Channel,
    pub start_date: NaiveDate,
    pub success_redirect_url: Option<String>,
    /// A customer to create in the same transaction (a self sign-up); `customer_id` is then ignored.
    pub new_customer: Option<NewCustomer>,
    /// The single-use token of the form that asked, claimed in the same transaction.
    pub form_nonce: Option<String>,
    /// What an API client adds to the subscription.
    pub options: crate::store::subscriptions::Options,
    /// False when the merchant delivers the link themselves (the API's `confirmation_sent`).
    pub deliver: bool,
}

/// What a request created.
#[derive(Debug, Clone)]
pub struct Requested {
    pub mandate_id: String,
    pub subscription_id: String,
    pub confirmation_url: String,
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
    #[error(
        "This mandate is given by an online payment: the customer can retry the payment, no link is sent"
    )]
    ByPayment,
    #[error("This product is archived")]
    ProductArchived,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The stored form of a customer about to be created.
fn customer_from(new: &NewCustomer, merchant_id: &str, now: DateTime<Utc>) -> Customer {
    Customer {
        id: new_id(IdPrefix::Customer),
        merchant_id: merchant_id.to_string(),
        reference: new.reference.clone(),
        first_name: new.first_name.clone(),
        last_name: new.last_name.clone(),
        company: new.company.clone(),
        email: new.email.clone(),
        phone: new.phone.clone(),
        street: new.street.clone(),
        postal_code: new.postal_code.clone(),
        city: new.city.clone(),
        country: new.country.clone(),
        language: new.language.clone(),
        automatic_billing: new.automatic_billing,
        payment_method: new.payment_method.clone(),
        grey_listed: false,
        grey_list_reason: String::new(),
        anonymised_at: None,
        created_at: now,
    }
}

/// The language a customer reads: their own, else the merchant's default.
pub fn language_of(customer: &Customer, merchant: &Merchant) -> Language {
    customer
        .language
        .as_deref()
        .and_then(|l| Language::parse(l).ok())
        .or_else(|| Language::parse(&merchant.default_language).ok())
        .unwrap_or_default()
}

/// The texts of mandate pages and messages with every argument they use filled in.
pub fn mandate_texts(
    language: Language,
    merchant: &Merchant,
    mandate: &Mandate,
    customer: &Customer,
    subscription: Option<&Subscription>,
) -> Texts {
    let iban = Iban::parse(&mandate.iban)
        .map(|i| i.masked())
        .unwrap_or_default();
    let (product, amount, interval) = subscription
        .map(|s| {
            let interval = Interval::parse(&s.billing_interval)
                .map(|i| interval_every(language, &i))
                .unwrap_or_default();
            (
                s.description.clone(),
                Money::from_minor(s.amount_minor).format_eur(),
                interval,
            )
        })
        .unwrap_or_default();
    Texts::new(language)
        .arg("creditor", creditor_name(merchant))
        .arg("name", customer.display_name())
        .arg("iban", iban)
        .arg("reference", mandate.reference.clone())
        .arg("product", product)
        .arg("amount", amount)
        .arg("interval", interval)
        .arg("email", merchant.contact_email.clone())
}

/// The name mandates carry: the legal name when set.
pub fn creditor_name(merchant: &Merchant) -> String {
    if merchant.legal_name.trim().is_empty() {
        merchant.name.clone()
    } else {
        merchant.legal_name.clone()
    }
}

/// The merchant's look for emails, with an absolute logo URL when a logo was uploaded.
async fn branding(
    db: &Db,
    merchant: &Merchant,
    base_url: &str,
) -> anyhow::Result<compose::Branding> {
    let logo_url = merchants::logo_version(db, &merchant.id)
        .await?
        .map(|at| format!("{base_url}/media/logo/{}?v={}", merchant.id, at.timestamp()));
    Ok(compose::Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url,
    })
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
            let c = compose::mandate_request(&t, brand, &url)?;
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
        },
        now,
    )
    .await?;
    Ok(url)
}

fn entry<'a>(
    merchant_id: &'a str,
    actor: Actor<'a>,
    mandate_id: &'a str,
    action: &'a str,
    details: String,
) -> NewActivity<'a> {
    NewActivity {
        merchant_id,
        actor_id: actor.id,
        actor_label: actor.label,
        subject_type: "mandate",
        subject_id: mandate_id,
        action,
        details,
    }
}

/// A subscription to `product` under `mandate_id`, with price, VAT and interval copied from the
/// product at this moment.
pub fn subscription_for(
    product: &Product,
    customer_id: &str,
    mandate_id: &str,
    start_date: NaiveDate,
    status: &str,
    success_redirect_url: Option<String>,
) -> Subscription {
    Subscription {
        id: new_id(IdPrefix::Subscription),
        merchant_id: product.merchant_id.clone(),
        customer_id: customer_id.to_string(),
        product_id: product.id.clone(),
        mandate_id: Some(mandate_id.to_string()),
        description: product.name.clone(),
        amount_minor: product.amount_minor,
        vat_basis_points: product.vat_basis_points,
        billing_interval: product.billing_interval.clone(),
        start_date,
        status: status.into(),
        success_redirect_url,
        pause_on: None,
        resume_on: None,
        cancel_on: None,
        subscription_webhook_url: None,
        transaction_webhook_url: None,
        metadata: None,
        create_invoice: false,
        invoice_text: String::new(),
        created_at: store::now(),
    }
}

/// Opens a self sign-up inside `tx`: claims the form's single-use token and creates the new
/// customer under `customer_id`. False when the token was already used (a double submit).
pub async fn begin_sign_up(
    tx: &mut Tx,
    form_nonce: Option<&str>,
    new_customer: Option<&NewCustomer>,
    customer_id: &str,
    merchant_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if let Some(nonce) = form_nonce
        && !pages::use_form_token(tx, nonce, now).await?
    {
        return Ok(false);
    }
    if let Some(new) = new_customer {
        let mut new = new.clone();
        new.id = customer_id.to_string();
        new.merchant_id = merchant_id.to_string();
        customers::insert(tx, &new, now)
            .await
            .context("inserting the customer")?;
    }
    Ok(true)
}

/// Creates a pending mandate and a subscription waiting for it, and sends the customer the link.
#[tracing::instrument(skip(db, links, request), fields(merchant_id = %request.merchant_id))]
pub async fn request(
    db: &Db,
    links: &LinkSettings,
    actor: Actor<'_>,
    request: MandateRequest,
) -> Result<Requested, MandateError> {
    let merchant = merchants::get(db, &request.merchant_id)
        .await?
        .context("merchant")?;
    let now = store::now();
    let customer = match &request.new_customer {
        Some(new) => customer_from(new, &merchant.id, now),
        None => customers::get(db, &merchant.id, &request.customer_id)
            .await?
            .ok_or(MandateError::CustomerNotFound)?,
    };
    let product = products::get(db, &merchant.id, &request.product_id)
        .await?
        .ok_or(MandateError::ProductNotFound)?;
    if !product.active {
        return Err(MandateError::ProductArchived);
    }
    let mandate = Mandate {
        id: new_id(IdPrefix::Mandate),
        merchant_id: merchant.id.clone(),
        customer_id: customer.id.clone(),
        reference: MandateReference::generate(&merchant.name).to_string(),
        iban: request.iban.to_string(),
        bic: request.bic.map(|b| b.to_string()),
        account_holder: request.account_holder.clone(),
        method: request.channel.as_str().to_string(),
        status: "pending".into(),
        signed_on: None,
        first_used_on: None,
        revoked_at: None,
        created_at: now,
    };
    let subscription = subscription_for(
        &product,
        &customer.id,
        &mandate.id,
        request.start_date,
        "pending_mandate",
        request.success_redirect_url.clone(),
    )
    .with_options(&request.options);
    let brand = branding(db, &merchant, &links.base_url).await?;
    let mut tx = db.begin().await?;
    let fresh = begin_sign_up(
        &mut tx,
        request.form_nonce.as_deref(),
        request.new_customer.as_ref(),
        &customer.id,
        &merchant.id,
        now,
    )
    .await?;
    if !fresh {
        return Err(MandateError::DoubleSubmit);
    }
    mandates::insert(&mut tx, &mandate, now)
        .await
        .context("inserting a mandate")?;
    subscriptions::insert(&mut tx, &subscription, now).await?;
    let url = if request.deliver {
        send_link(
            &mut tx,
            links,
            &brand,
            &merchant,
            &customer,
            &mandate,
            Some(&subscription),
            request.channel,
            now,
        )
        .await?
    } else {
        add_link(&mut tx, links, &merchant, &mandate, request.channel, now)
            .await?
            .0
    };
    let details = if request.deliver {
        format!("link sent by {}", request.channel.as_str())
    } else {
        "link handed to the API client".to_string()
    };
    activity::record(
        &mut tx,
        &entry(
            &merchant.id,
            actor,
            &mandate.id,
            "mandate.requested",
            details,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Requested {
        mandate_id: mandate.id,
        subscription_id: subscription.id,
        confirmation_url: url,
    })
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
    let merchant = merchants::get(db, &link.merchant_id)
        .await?
        .context("the link's merchant")?;
    let mandate = mandates::get(db, &link.merchant_id, &link.mandate_id)
        .await?
        .context("the link's mandate")?;
    let customer = customers::get(db, &link.merchant_id, &mandate.customer_id)
        .await?
        .context("the mandate's customer")?;
    let subscriptions = subscriptions::for_mandate(db, &link.merchant_id, &mandate.id).await?;
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

/// How the customer's browser confirmed, kept as evidence.
#[derive(Debug, Clone)]
pub struct ConfirmationContext {
    pub ip_address: String,
    pub user_agent: String,
    pub language: Language,
}

/// The customer's answer on the mandate page.
#[derive(Debug, Clone)]
pub enum Answered {
    Confirmed {
        view: Box<MandateView>,
        redirect: Option<String>,
    },
    Declined(Box<MandateView>),
    /// The link could not be used (any more); the state says why.
    Refused(LinkState),
}

/// The customer authorises the mandate: it becomes valid, its subscriptions planned or active,
/// the evidence is stored and a confirmation email queued, all in one transaction.
pub async fn confirm(
    db: &Db,
    links: &LinkSettings,
    token: &str,
    context: &ConfirmationContext,
    today: NaiveDate,
) -> anyhow::Result<Answered> {
    let state = link_state(db, token).await?;
    let LinkState::Open(view) = state else {
        return Ok(Answered::Refused(state));
    };
    let now = store::now();
    let brand = branding(db, &view.merchant, &links.base_url).await?;
    let (merchant_id, mandate_id) = (view.merchant.id.as_str(), view.mandate.id.as_str());
    let mut tx = db.begin().await?;
    if !mandates::use_link(&mut tx, &hash_token(token), now).await? {
        // Someone else (a double click) got there first.
        drop(tx);
        return Ok(Answered::Refused(link_state(db, token).await?));
    }
    mandates::make_valid(&mut tx, merchant_id, mandate_id, today, now).await?;
    mandates::revoke_links(&mut tx, merchant_id, mandate_id, now).await?;
    let evidence = Evidence {
        id: new_id(IdPrefix::Evidence),
        confirmed_at: now,
        ip_address: context.ip_address.clone(),
        user_agent: context.user_agent.chars().take(500).collect(),
        language: context.language.code().to_string(),
        text_version: MANDATE_TEXT_VERSION.to_string(),
    };
    mandates::insert_evidence(&mut tx, merchant_id, mandate_id, &evidence).await?;
    subscriptions::start_pending(&mut tx, merchant_id, mandate_id, today, now).await?;
    let customer_actor = Actor {
        id: None,
        label: "customer",
    };
    let details = format!(
        "confirmed from {} in {}",
        context.ip_address,
        context.language.code()
    );
    activity::record(
        &mut tx,
        &entry(
            merchant_id,
            customer_actor,
            mandate_id,
            "mandate.confirmed",
            details,
        ),
        now,
    )
    .await?;
    if !view.customer.email.is_empty() {
        let t = view.texts(context.language);
        let c = compose::mandate_confirmed(&t, &brand)?;
        let message_id = new_id(IdPrefix::Message);
        messages::enqueue(
            &mut tx,
            &NewMessage {
                id: &message_id,
                merchant_id,
                customer_id: Some(&view.customer.id),
                channel: Channel::Email.as_str(),
                recipient: &view.customer.email,
                subject: &c.subject,
                body_text: &c.text,
                body_html: &c.html,
                sender_name: &view.merchant.name,
                reply_to: &view.merchant.contact_email,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    let redirect = view
        .subscriptions
        .iter()
        .find_map(|s| s.success_redirect_url.clone());
    Ok(Answered::Confirmed { view, redirect })
}

/// The customer says the sign-up was not theirs: the link is used up, the mandate revoked and
/// the waiting subscriptions ended.
pub async fn decline(db: &Db, token: &str) -> anyhow::Result<Answered> {
    let state = link_state(db, token).await?;
    let LinkState::Open(view) = state else {
        return Ok(Answered::Refused(state));
    };
    let now = store::now();
    let (merchant_id, mandate_id) = (view.merchant.id.as_str(), view.mandate.id.as_str());
    let mut tx = db.begin().await?;
    if !mandates::use_link(&mut tx, &hash_token(token), now).await? {
        drop(tx);
        return Ok(Answered::Refused(link_state(db, token).await?));
    }
    mandates::revoke(&mut tx, merchant_id, mandate_id, now).await?;
    mandates::revoke_links(&mut tx, merchant_id, mandate_id, now).await?;
    subscriptions::end_pending(&mut tx, merchant_id, mandate_id, now).await?;
    let customer_actor = Actor {
        id: None,
        label: "customer",
    };
    activity::record(
        &mut tx,
        &entry(
            merchant_id,
            customer_actor,
            mandate_id,
            "mandate.declined",
            String::new(),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Answered::Declined(view))
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
    let brand = branding(db, &merchant, &links.base_url).await?;
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
        &entry(
            &merchant.id,
            Actor::user(user),
            &mandate.id,
            "mandate.link_resent",
            details,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(url)
}

/// The merchant revokes a mandate: no more collections under it, open links withdrawn,
/// subscriptions still waiting for it ended.
pub async fn revoke(
    db: &Db,
    actor: &dyn crate::store::activity::Actor,
    mandate_id: &str,
) -> Result<(), MandateError> {
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
        &entry(
            actor.merchant_id(),
            Actor::of(actor),
            &mandate.id,
            "mandate.revoked",
            String::new(),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A mandate the merchant already holds on paper, entered with a subscription.
#[derive(Debug, Clone)]
pub struct PaperMandate {
    pub merchant_id: String,
    pub customer_id: String,
    pub product_id: String,
    /// `None` generates one.
    pub reference: Option<MandateReference>,
    pub signed_on: NaiveDate,
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub account_holder: String,
    pub start_date: NaiveDate,
}

/// Records a signed paper mandate, accepted at once, and the subscription under it: planned when
/// it starts after `today`, active otherwise. Returns (mandate id, subscription id).
pub async fn record_paper(
    db: &Db,
    user: &User,
    paper: PaperMandate,
    today: NaiveDate,
) -> Result<(String, String), MandateError> {
    let merchant = merchants::get(db, &paper.merchant_id)
        .await?
        .context("merchant")?;
    let customer = customers::get(db, &merchant.id, &paper.customer_id)
        .await?
        .ok_or(MandateError::CustomerNotFound)?;
    let product = products::get(db, &merchant.id, &paper.product_id)
        .await?
        .ok_or(MandateError::ProductNotFound)?;
    if !product.active {
        return Err(MandateError::ProductArchived);
    }
    let now = store::now();
    let mandate = SignedMandate {
        customer_id: customer.id.clone(),
        reference: paper.reference,
        signed_on: paper.signed_on,
        iban: paper.iban,
        bic: paper.bic,
        account_holder: paper.account_holder,
    }
    .into_mandate(&merchant, "paper", now);
    let status = if paper.start_date > today {
        "planned"
    } else {
        "active"
    };
    let subscription = subscription_for(
        &product,
        &customer.id,
        &mandate.id,
        paper.start_date,
        status,
        None,
    );
    let mut tx = db.begin().await?;
    insert_held(&mut tx, &mandate, now).await?;
    subscriptions::insert(&mut tx, &subscription, now).await?;
    let details = format!("paper mandate signed {}", paper.signed_on);
    activity::record(
        &mut tx,
        &entry(
            &merchant.id,
            Actor::user(user),
            &mandate.id,
            "mandate.recorded",
            details,
        ),
        now,
    )
    .await?;
    let details = format!("{} from {}", product.name, paper.start_date);
    activity::record(
        &mut tx,
        &NewActivity::by_user(
            user,
            "subscription",
            &subscription.id,
            "subscription.created",
            details,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok((mandate.id, subscription.id))
}

/// A mandate the merchant already holds, entered without a subscription (the API's
/// `POST /mandates`).
#[derive(Debug, Clone)]
pub struct SignedMandate {
    pub customer_id: String,
    /// `None` generates one.
    pub reference: Option<MandateReference>,
    pub signed_on: NaiveDate,
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub account_holder: String,
}

impl SignedMandate {
    /// The stored form: valid from its signature, issued by `method`.
    fn into_mandate(self, merchant: &Merchant, method: &str, now: DateTime<Utc>) -> Mandate {
        Mandate {
            id: new_id(IdPrefix::Mandate),
            merchant_id: merchant.id.clone(),
            customer_id: self.customer_id,
            reference: self
                .reference
                .unwrap_or_else(|| MandateReference::generate(&merchant.name))
                .to_string(),
            iban: self.iban.to_string(),
            bic: self.bic.map(|b| b.to_string()),
            account_holder: self.account_holder,
            method: method.into(),
            status: "valid".into(),
            signed_on: Some(self.signed_on),
            first_used_on: None,
            revoked_at: None,
            created_at: now,
        }
    }
}

/// Stores a mandate the merchant holds; a taken reference is the caller's error to show.
async fn insert_held(
    tx: &mut Tx,
    mandate: &Mandate,
    now: DateTime<Utc>,
) -> Result<(), MandateError> {
    match mandates::insert(tx, mandate, now).await {
        Ok(()) => Ok(()),
        Err(e) if store::is_unique_violation(&e) => Err(MandateError::ReferenceTaken),
        Err(e) => Err(anyhow::Error::new(e).context("inserting a mandate").into()),
    }
}

/// Records a signed mandate, valid at once. Returns it.
pub async fn record_signed(
    db: &Db,
    actor: &dyn crate::store::activity::Actor,
    signed: SignedMandate,
) -> Result<Mandate, MandateError> {
    let merchant = merchants::get(db, actor.merchant_id())
        .await?
        .context("merchant")?;
    customers::get(db, &merchant.id, &signed.customer_id)
        .await?
        .ok_or(MandateError::CustomerNotFound)?;
    let now = store::now();
    let signed_on = signed.signed_on;
    let mandate = signed.into_mandate(&merchant, "api", now);
    let mut tx = db.begin().await?;
    insert_held(&mut tx, &mandate, now).await?;
    let details = format!("signed {signed_on}");
    activity::record(
        &mut tx,
        &entry(
            &merchant.id,
            Actor::of(actor),
            &mandate.id,
            "mandate.recorded",
            details,
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(mandate)
}
