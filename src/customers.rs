//! Customers entered by staff: create and edit, with duplicates explained.

use crate::domain::id::{IdPrefix, new_id};
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, NewCustomer};
use crate::store::users::User;
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
    actor: &User,
    mut customer: NewCustomer,
) -> Result<String, CustomerError> {
    customer.id = new_id(IdPrefix::Customer);
    customer.merchant_id = actor.merchant_id.clone();
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
    actor: &User,
    id: &str,
    mut customer: NewCustomer,
) -> Result<(), CustomerError> {
    customer.id = id.to_string();
    customer.merchant_id = actor.merchant_id.clone();
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
