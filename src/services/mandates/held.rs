//! Mandates the merchant already holds: signed on paper (entered with a subscription) or recorded
//! through the API; valid at once.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Bic, Iban, MandateReference};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::customers::{self};
use crate::store::mandates::{self, Mandate};
use crate::store::merchants::{self, Merchant};
use crate::store::subscriptions::{self};
use crate::store::{self, Db, Tx, products};

use super::{MandateError, entry};
use crate::services::subscriptions::subscription_for;

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
    user: &dyn Actor,
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
        &entry(user, &mandate.id, "mandate.recorded", details),
        now,
    )
    .await?;
    let details = format!("{} from {}", product.name, paper.start_date);
    activity::record(
        &mut tx,
        &NewActivity::by(
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
    actor: &dyn Actor,
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
        &entry(actor, &mandate.id, "mandate.recorded", details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(mandate)
}
