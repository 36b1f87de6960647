//! Customers entered by staff: create and edit, with duplicates explained.

use crate::domain::id::{IdPrefix, new_id};
use crate::store::activity::Actor;
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, NewCustomer};
use crate::store::{self, Db};

/// Why a customer could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("That customer does not exist")]
    NotFound,
    #[error("Another customer already has this reference")]
    ReferenceTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a customer (its id and merchant are set here); returns the id.
pub async fn create(
    db: &Db,
    actor: &dyn Actor,
    mut customer: NewCustomer,
) -> Result<String, CustomerError> {
    customer.id = new_id(IdPrefix::Customer);
    customer.merchant_id = actor.merchant_id().to_string();
    let now = store::now();
    let mut tx = db.begin().await?;
    match customers::insert(&mut tx, &customer, now).await {
        Ok(()) => {}
        Err(e) if store::is_unique_violation(&e) => return Err(CustomerError::ReferenceTaken),
        Err(e) => return Err(anyhow::Error::new(e).context("inserting a customer").into()),
    }
    let name = format!("{} {}", customer.first_name, customer.last_name)
        .trim()
        .to_string();
    let entry = NewActivity::by_user(actor, "customer", &customer.id, "customer.created", name);
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(customer.id)
}

/// Saves a customer's fields.
pub async fn update(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    mut customer: NewCustomer,
) -> Result<(), CustomerError> {
    customer.id = id.to_string();
    customer.merchant_id = actor.merchant_id().to_string();
    let now = store::now();
    let mut tx = db.begin().await?;
    match customers::update(&mut tx, &customer, now).await {
        Ok(true) => {}
        Ok(false) => return Err(CustomerError::NotFound),
        Err(e) if store::is_unique_violation(&e) => return Err(CustomerError::ReferenceTaken),
        Err(e) => return Err(anyhow::Error::new(e).context("saving a customer").into()),
    }
    let entry = NewActivity::by_user(actor, "customer", id, "customer.updated", String::new());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Why a privacy action was refused.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("That customer does not exist")]
    NotFound,
    #[error("The customer still has a running or waiting subscription: cancel it first")]
    SubscriptionRunning,
    #[error(
        "Payments were collected from this customer, so the records must stay: anonymise instead"
    )]
    FinancialRecords,
    #[error("This customer is already anonymised")]
    AlreadyAnonymised,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn privacy_entry<'a>(
    actor: &'a dyn Actor,
    id: &'a str,
    action: &'a str,
    details: String,
) -> NewActivity<'a> {
    NewActivity::by_user(actor, "customer", id, action, details)
}

/// Removes the customer's personal data (keeping amounts, dates and country); refused while a
/// subscription runs or waits for its mandate.
pub async fn anonymise(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), PrivacyError> {
    let customer = customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    if customer.anonymised_at.is_some() {
        return Err(PrivacyError::AlreadyAnonymised);
    }
    let now = store::now();
    let mut tx = db.begin().await?;
    let (running, _) = customers::financial_ties(&mut tx, actor.merchant_id(), id).await?;
    if running > 0 {
        return Err(PrivacyError::SubscriptionRunning);
    }
    customers::anonymise(&mut tx, actor.merchant_id(), id, now).await?;
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, "customer.anonymised", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a customer nothing financial refers to.
pub async fn delete(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), PrivacyError> {
    customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let (running, collected) = customers::financial_ties(&mut tx, actor.merchant_id(), id).await?;
    if collected > 0 {
        return Err(PrivacyError::FinancialRecords);
    }
    if running > 0 {
        return Err(PrivacyError::SubscriptionRunning);
    }
    customers::delete(&mut tx, actor.merchant_id(), id).await?;
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, "customer.deleted", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws every open mandate link of the customer; returns how many.
pub async fn revoke_links(db: &Db, actor: &dyn Actor, id: &str) -> Result<u64, PrivacyError> {
    customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let mut revoked = 0;
    for mandate in crate::store::mandates::for_customer(db, actor.merchant_id(), id).await? {
        revoked +=
            crate::store::mandates::revoke_links(&mut tx, actor.merchant_id(), &mandate.id, now)
                .await?;
    }
    activity::record(
        &mut tx,
        &privacy_entry(
            actor,
            id,
            "customer.links_revoked",
            format!("{revoked} link(s)"),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Puts a customer on the grey list, or takes them off; a reason is always recorded.
pub async fn set_grey_listed(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    on: bool,
    reason: &str,
) -> Result<(), PrivacyError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !customers::set_grey_listed(&mut tx, actor.merchant_id(), id, on, reason, now).await? {
        return Err(PrivacyError::NotFound);
    }
    let action = if on {
        "customer.grey_listed"
    } else {
        "customer.grey_list_removed"
    };
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, action, reason.to_string()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
