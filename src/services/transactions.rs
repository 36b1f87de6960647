//! Transactions staff and the API act on: one-off charges (eCurring's "create transaction") and
//! cancelling a transaction before it is collected. Periods are created by the billing run.

use anyhow::Context;
use chrono::{Duration, NaiveDate};

use crate::domain::calendar::business_day_on_or_after;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Money, fields::FieldErrors};
use crate::services::invoices;
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::transactions::{self, NewTransaction, Transaction};
use crate::store::{self, Db, mandates, merchants, subscriptions};

/// Longest description of a charge: the remittance information of a SEPA debit.
pub const MAX_DESCRIPTION: usize = 140;

/// A one-off charge as typed, not yet checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct ChargeInput {
    pub amount: String,
    pub due_date: String,
    pub description: String,
}

/// A one-off charge, checked.
#[derive(Debug, Clone)]
pub struct Charge {
    pub amount: Money,
    pub due_date: NaiveDate,
    pub description: String,
}

impl ChargeInput {
    /// Checks the fields; the due date against `earliest` (today plus the pre-notification lead).
    pub fn parse(&self, earliest: NaiveDate) -> Result<Charge, FieldErrors> {
        let mut errors = FieldErrors::default();
        let amount = errors.check("amount", Money::parse(&self.amount));
        if amount.is_some_and(|a| a.minor() == 0) {
            errors.add("amount", "A charge needs an amount above zero");
        }
        let due_date = errors.check("due_date", crate::domain::date::parse_date(&self.due_date));
        if due_date.is_some_and(|d| d < earliest) {
            errors.add(
                "due_date",
                format!(
                    "The earliest collection date is {earliest}: the customer is told of a debit \
                     in advance"
                ),
            );
        }
        let description = self.description.trim().to_string();
        if description.is_empty() {
            errors.add(
                "description",
                "Say what the charge is for (it is on the bank statement)",
            );
        } else if description.chars().count() > MAX_DESCRIPTION {
            errors.add(
                "description",
                format!("Use at most {MAX_DESCRIPTION} characters (the bank statement's limit)"),
            );
        }
        match (amount, due_date) {
            (Some(amount), Some(due_date)) if errors.is_empty() => Ok(Charge {
                amount,
                due_date,
                description,
            }),
            _ => Err(errors),
        }
    }
}

/// Why a transaction change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TransactionError {
    #[error("That subscription does not exist")]
    SubscriptionNotFound,
    #[error("That transaction does not exist")]
    NotFound,
    #[error("This subscription is not running, so it takes no charges")]
    NotRunning,
    #[error("This subscription has no valid mandate to collect a charge under")]
    NoMandate,
    #[error("Only a scheduled transaction can be cancelled; this one is {0}")]
    NotScheduled(String),
    #[error(
        "This transaction is in a collection file: cancel the file first, or let it be collected"
    )]
    InBatch,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The earliest collection date of a charge added today: today plus the merchant's lead.
pub async fn earliest_collection(db: &Db, merchant_id: &str) -> anyhow::Result<NaiveDate> {
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    Ok(merchant.today() + Duration::days(i64::from(merchant.notice_lead_days.max(0))))
}

/// Adds a one-off charge to a running subscription, collected under its mandate on `due_date`
/// (moved to a business day). Returns the transaction.
pub async fn charge(
    db: &Db,
    actor: &dyn Actor,
    subscription_id: &str,
    charge: Charge,
) -> Result<Transaction, TransactionError> {
    let merchant_id = actor.merchant_id();
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    let subscription = subscriptions::get(db, merchant_id, subscription_id)
        .await?
        .ok_or(TransactionError::SubscriptionNotFound)?;
    if !matches!(
        subscription.status.as_str(),
        "planned" | "active" | "paused" | "cancelled"
    ) {
        return Err(TransactionError::NotRunning);
    }
    let mandate = match &subscription.mandate_id {
        Some(id) => mandates::get(db, merchant_id, id).await?,
        None => None,
    }
    .filter(|m| m.status == "valid")
    .ok_or(TransactionError::NoMandate)?;
    let used =
        mandate.first_used_on.is_some() || transactions::mandate_in_use(db, &mandate.id).await?;
    let new = NewTransaction {
        id: new_id(IdPrefix::Transaction),
        merchant_id: merchant_id.to_string(),
        subscription_id: subscription.id.clone(),
        customer_id: subscription.customer_id.clone(),
        mandate_id: Some(mandate.id.clone()),
        kind: "one_off",
        period_start: None,
        period_end: None,
        due_date: business_day_on_or_after(charge.due_date),
        amount_minor: charge.amount.minor(),
        description: charge.description.clone(),
        sequence_type: if used { "RCUR" } else { "FRST" },
        status: "scheduled",
        payment_id: None,
        notice_status: if merchant.send_notices || subscription.create_invoice {
            "pending"
        } else {
            "none"
        },
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    transactions::insert(&mut tx, &new, now).await?;
    if subscription.create_invoice {
        let item = invoices::ToInvoice {
            transaction: &new,
            vat_basis_points: u32::try_from(subscription.vat_basis_points).unwrap_or(0),
            invoice_text: "",
        };
        invoices::issue(&mut tx, &merchant, &[item], merchant.today(), now).await?;
    }
    let details = format!(
        "{} on {}: {}",
        charge.amount.format_eur(),
        new.due_date,
        charge.description
    );
    let entry = NewActivity::by(
        actor,
        "subscription",
        &subscription.id,
        "transaction.charged",
        details,
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    transactions::get(db, merchant_id, &new.id)
        .await?
        .context("the new transaction")
        .map_err(Into::into)
}

/// Cancels a transaction that is still scheduled (nothing is collected for it).
pub async fn cancel(db: &Db, actor: &dyn Actor, id: &str) -> Result<Transaction, TransactionError> {
    let merchant_id = actor.merchant_id();
    let found = transactions::get(db, merchant_id, id)
        .await?
        .ok_or(TransactionError::NotFound)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    if !transactions::cancel(&mut tx, merchant_id, id, now).await? {
        if found.status == "scheduled" {
            return Err(TransactionError::InBatch);
        }
        return Err(TransactionError::NotScheduled(found.status));
    }
    let details = format!("{} due {}", found.amount().format_eur(), found.due_date);
    let entry = NewActivity::by(
        actor,
        "subscription",
        &found.subscription_id,
        "transaction.cancelled",
        details,
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    transactions::get(db, merchant_id, id)
        .await?
        .context("the cancelled transaction")
        .map_err(Into::into)
}
