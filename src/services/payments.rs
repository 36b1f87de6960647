//! Mandates by online first payment: the customer pays the first period through a payment
//! provider; a paid payment makes the mandate valid (with the account it came from) and is
//! recorded as the first transaction.
//!
//! Providers plug in behind `PaymentProvider`. The built-in `test` provider has its own checkout
//! page (`/pay/{id}`) where the tester chooses the outcome, as payment providers' test modes do;
//! a real provider (Mollie first) returns its own checkout URL and reports the outcome to a
//! webhook that calls `settle` the same way.

use std::future::Future;

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Iban, MandateReference};
use crate::services::billing;
use crate::services::subscriptions::{Opened, begin_sign_up, subscription_for};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::customers::NewCustomer;
use crate::store::mandates::{self, Mandate};
use crate::store::payments::{self, Payment};
use crate::store::subscriptions;
use crate::store::transactions::{self, NewTransaction};
use crate::store::{self, Db, merchants, products};

/// A payment to start at a provider.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub payment_id: &'a str,
    pub amount_minor: i64,
    pub description: &'a str,
}

/// A payment service provider.
pub trait PaymentProvider: Send + Sync {
    /// The stored name of the provider.
    fn name(&self) -> &'static str;
    /// Starts a payment and returns the URL the customer pays at.
    fn create_checkout(
        &self,
        request: &CheckoutRequest<'_>,
    ) -> impl Future<Output = anyhow::Result<String>> + Send;
}

/// The built-in provider for trying every flow locally.
#[derive(Debug, Clone)]
pub struct TestProvider {
    pub base_url: String,
}

impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn create_checkout(&self, request: &CheckoutRequest<'_>) -> anyhow::Result<String> {
        Ok(format!("{}/pay/{}", self.base_url, request.payment_id))
    }
}

/// The payment provider this instance takes online first payments with.
#[derive(Debug, Clone)]
pub enum Provider {
    /// The built-in test checkout (`/pay/{id}`).
    Test(TestProvider),
}

impl Provider {
    /// The provider `payments.provider` names, paying at this instance's `base_url`; `None`
    /// when online payments are off.
    pub fn configured(
        settings: &crate::config::PaymentSettings,
        base_url: &str,
    ) -> Option<Provider> {
        match settings.provider.as_str() {
            "test" => Some(Provider::Test(TestProvider {
                base_url: base_url.to_string(),
            })),
            _ => None,
        }
    }

    /// What staff are told the provider is.
    pub fn description(&self) -> &'static str {
        match self {
            Provider::Test(_) => "the built-in test checkout: no real payment",
        }
    }

    /// Whether payments only pretend: anyone at the checkout can declare them paid.
    pub fn is_test(&self) -> bool {
        matches!(self, Provider::Test(_))
    }
}

impl PaymentProvider for Provider {
    fn name(&self) -> &'static str {
        match self {
            Provider::Test(p) => p.name(),
        }
    }

    async fn create_checkout(&self, request: &CheckoutRequest<'_>) -> anyhow::Result<String> {
        match self {
            Provider::Test(p) => p.create_checkout(request).await,
        }
    }
}

/// Why an online sign-up could not start.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("That product does not exist")]
    ProductNotFound,
    #[error("This form was already sent")]
    DoubleSubmit,
    #[error("Another customer already uses this email address")]
    EmailTaken,
    #[error("This payment can no longer be retried")]
    NotRetriable,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A customer signing up with an online first payment.
#[derive(Debug, Clone)]
pub struct OnlineSignUp {
    pub merchant_id: String,
    /// An existing customer, or one to create.
    pub customer_id: Option<String>,
    pub new_customer: Option<NewCustomer>,
    pub product_id: String,
    pub start_date: NaiveDate,
    pub success_redirect_url: Option<String>,
    pub form_nonce: Option<String>,
    /// What an API client adds to the subscription.
    pub options: crate::store::subscriptions::Options,
}

/// Creates the customer (if new), a pending mandate, the subscription waiting for it and an open
/// payment in one transaction.
pub async fn start(
    db: &Db,
    provider: &impl PaymentProvider,
    actor: &dyn Actor,
    signup: OnlineSignUp,
) -> Result<Started, OnlineError> {
    let merchant = merchants::get(db, &signup.merchant_id)
        .await?
        .context("merchant")?;
    let product = products::get(db, &merchant.id, &signup.product_id)
        .await?
        .filter(|p| p.active)
        .ok_or(OnlineError::ProductNotFound)?;
    let now = store::now();
    let customer_id = signup
        .customer_id
        .clone()
        .unwrap_or_else(|| new_id(IdPrefix::Customer));
    let mandate = Mandate {
        id: new_id(IdPrefix::Mandate),
        merchant_id: merchant.id.clone(),
        customer_id: customer_id.clone(),
        reference: MandateReference::generate(&merchant.name).to_string(),
        iban: String::new(),
        bic: None,
        account_holder: String::new(),
        method: "online_payment".into(),
        status: "pending".into(),
        signed_on: None,
        first_used_on: None,
        revoked_at: None,
        created_at: now,
    };
    let subscription = subscription_for(
        &product,
        &customer_id,
        &mandate.id,
        signup.start_date,
        "pending_mandate",
        signup.success_redirect_url.clone(),
    )
    .with_options(&signup.options);
    let payment_id = new_id(IdPrefix::Payment);
    let checkout_url = provider
        .create_checkout(&CheckoutRequest {
            payment_id: &payment_id,
            amount_minor: subscription.amount_minor,
            description: &product.name,
        })
        .await?;
    let mut tx = db.begin().await?;
    let opened = begin_sign_up(
        &mut tx,
        signup.form_nonce.as_deref(),
        signup.new_customer.as_ref(),
        &customer_id,
        &merchant.id,
        now,
    )
    .await?;
    match opened {
        Opened::Fresh => {}
        Opened::AlreadySent => return Err(OnlineError::DoubleSubmit),
        Opened::EmailTaken => return Err(OnlineError::EmailTaken),
    }
    mandates::insert(&mut tx, &mandate, now)
        .await
        .context("inserting a mandate")?;
    subscriptions::insert(&mut tx, &subscription, now).await?;
    let payment = Payment {
        id: payment_id,
        merchant_id: merchant.id.clone(),
        provider: provider.name().into(),
        customer_id,
        subscription_id: subscription.id.clone(),
        mandate_id: mandate.id.clone(),
        amount_minor: subscription.amount_minor,
        description: product.name.clone(),
        status: "open".into(),
        checkout_url: checkout_url.clone(),
        transaction_id: None,
    };
    payments::insert(&mut tx, &payment, now).await?;
    let entry = NewActivity::by(
        actor,
        "mandate",
        &mandate.id,
        "mandate.payment_started",
        format!("first payment {}", payment.id),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(Started {
        checkout_url,
        subscription_id: subscription.id,
    })
}

/// A first payment waiting at the provider.
#[derive(Debug, Clone)]
pub struct Started {
    /// Where the customer pays.
    pub checkout_url: String,
    /// The subscription that starts once the payment is paid.
    pub subscription_id: String,
}

/// How a payment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Paid,
    Failed,
    Cancelled,
    Expired,
}

impl Outcome {
    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s {
            "paid" => Some(Outcome::Paid),
            "failed" => Some(Outcome::Failed),
            "cancelled" => Some(Outcome::Cancelled),
            "expired" => Some(Outcome::Expired),
            _ => None,
        }
    }

    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Paid => "paid",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Expired => "expired",
        }
    }
}

/// Records a payment's outcome once. Paid: the mandate becomes valid with the paying `account`
/// (IBAN and holder, which a paid payment must have), the subscription planned or active, and
/// the first period a paid transaction. Returns false when the payment was already settled.
pub async fn settle(
    db: &Db,
    payment: &Payment,
    outcome: Outcome,
    account: Option<(&Iban, &str)>,
    today: NaiveDate,
    base_url: &str,
) -> anyhow::Result<bool> {
    if payment.transaction_id.is_some() {
        return crate::services::collections::dunning::settle_payment(db, payment, outcome).await;
    }
    let paid_from = match (outcome, account) {
        (Outcome::Paid, None) => anyhow::bail!("a paid payment without the paying account"),
        (Outcome::Paid, account) => account,
        _ => None,
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    if !payments::settle(&mut tx, &payment.id, outcome.as_str(), now).await? {
        return Ok(false);
    }
    let m = payment.merchant_id.as_str();
    if let Some((iban, account_holder)) = paid_from {
        mandates::complete_online(
            &mut tx,
            m,
            &payment.mandate_id,
            iban.as_str(),
            account_holder,
            today,
            now,
        )
        .await?;
        subscriptions::start_pending(&mut tx, m, &payment.mandate_id, today, now).await?;
        let subscription = subscriptions::get(db, m, &payment.subscription_id)
            .await?
            .context("the paid subscription")?;
        // The payment covers the first period: the billing run starts after it.
        let first = billing::plan(&subscription, &[]).and_then(|p| p.period(0));
        let paid = NewTransaction {
            id: new_id(IdPrefix::Transaction),
            merchant_id: m.to_string(),
            subscription_id: payment.subscription_id.clone(),
            customer_id: payment.customer_id.clone(),
            mandate_id: Some(payment.mandate_id.clone()),
            kind: "period",
            period_start: Some(subscription.start_date),
            period_end: first.map(|p| p.end),
            due_date: today,
            amount_minor: payment.amount_minor,
            description: subscription.description.clone(),
            sequence_type: "ONLINE",
            status: "paid",
            payment_id: Some(payment.id.clone()),
            // Paid already: only an invoice (if asked for) is emailed.
            notice_status: if subscription.create_invoice {
                "pending"
            } else {
                "none"
            },
        };
        transactions::insert(&mut tx, &paid, now).await?;
        // The customer gets the mandate's confirmation with a receipt of what was paid, in the
        // same transaction (the view is read before it commits: the account is the one paid from).
        let mut view =
            crate::services::mandates::view_of_mandate(db, m, &payment.mandate_id).await?;
        view.mandate.iban = iban.as_str().to_string();
        view.mandate.account_holder = account_holder.to_string();
        let brand = crate::services::mandates::branding(&view.merchant, base_url);
        let receipt = crate::services::mandates::Receipt {
            payment_id: &payment.id,
            amount_minor: payment.amount_minor,
            paid_on: today,
            description: &payment.description,
        };
        crate::services::mandates::queue_confirmation(
            &mut tx,
            &view,
            view.language,
            &brand,
            Some(&receipt),
            now,
        )
        .await?;
        if subscription.create_invoice {
            let merchant = crate::store::merchants::get(db, m)
                .await?
                .context("the merchant")?;
            let item = crate::services::invoices::ToInvoice {
                transaction: &paid,
                vat_basis_points: u32::try_from(subscription.vat_basis_points).unwrap_or(0),
                invoice_text: &subscription.invoice_text,
            };
            crate::services::invoices::issue(&mut tx, &merchant, &[item], today, now).await?;
        }
    }
    let entry = NewActivity {
        merchant_id: m,
        actor_id: None,
        actor_label: "payment provider",
        subject_type: "mandate",
        subject_id: &payment.mandate_id,
        action: if outcome == Outcome::Paid {
            "mandate.confirmed"
        } else {
            "mandate.payment_unsuccessful"
        },
        details: format!("first payment {}", outcome.as_str()),
    };
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// A new attempt after a failed, cancelled or expired payment, while the subscription still
/// waits; returns the new checkout URL.
pub async fn retry(
    db: &Db,
    provider: &impl PaymentProvider,
    payment: &Payment,
) -> Result<String, OnlineError> {
    let subscription = subscriptions::get(db, &payment.merchant_id, &payment.subscription_id)
        .await?
        .context("subscription")?;
    if payment.status == "open"
        || payment.status == "paid"
        || subscription.status != "pending_mandate"
    {
        return Err(OnlineError::NotRetriable);
    }
    let now = store::now();
    let id = new_id(IdPrefix::Payment);
    let checkout_url = provider
        .create_checkout(&CheckoutRequest {
            payment_id: &id,
            amount_minor: payment.amount_minor,
            description: &payment.description,
        })
        .await?;
    let next = Payment {
        id,
        status: "open".into(),
        checkout_url: checkout_url.clone(),
        provider: provider.name().into(),
        ..payment.clone()
    };
    let mut tx = db.begin().await?;
    payments::insert(&mut tx, &next, now).await?;
    tx.commit().await?;
    Ok(checkout_url)
}
