//! A mandate asked for by link: the pending mandate, the subscription waiting for it, the link
//! and its message, in one transaction.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Bic, Iban, MandateReference};
use crate::notify::Channel;
use crate::store::activity::{self, Actor};
use crate::store::customers::{self, Customer, NewCustomer};
use crate::store::mandates::{self, Mandate};
use crate::store::merchants::{self};
use crate::store::subscriptions::{self};
use crate::store::{self, Db, products};

use super::{LinkSettings, MandateError, add_link, branding, entry, send_link};
use crate::services::subscriptions::{Opened, begin_sign_up, subscription_for};

/// A request for a customer's mandate for one product.
#[derive(Debug, Clone)]
pub struct MandateRequest {
    pub merchant_id: String,
    pub customer_id: String,
    pub product_id: String,
    /// `None`: the customer enters the account on the mandate page.
    pub iban: Option<Iban>,
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

/// The stored form of a customer about to be created.
fn customer_from(new: &NewCustomer, merchant_id: &str, now: DateTime<Utc>) -> Customer {
    Customer {
        vat_number: String::new(),
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

/// Creates a pending mandate and a subscription waiting for it, and sends the customer the link.
#[tracing::instrument(skip(db, links, actor, request), fields(merchant_id = %request.merchant_id))]
pub async fn request(
    db: &Db,
    links: &LinkSettings,
    actor: &dyn Actor,
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
        iban: request.iban.map(|i| i.to_string()).unwrap_or_default(),
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
    let brand = branding(&merchant, &links.base_url);
    let mut tx = db.begin().await?;
    let opened = begin_sign_up(
        &mut tx,
        request.form_nonce.as_deref(),
        request.new_customer.as_ref(),
        &customer.id,
        &merchant.id,
        now,
    )
    .await?;
    match opened {
        Opened::Fresh => {}
        Opened::AlreadySent => return Err(MandateError::DoubleSubmit),
        Opened::EmailTaken => return Err(MandateError::EmailTaken),
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
        &entry(actor, &mandate.id, "mandate.requested", details),
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
