//! The merchant's products: create, edit, archive (never delete one in use), with activity.

use crate::domain::id::{IdPrefix, new_id};
use crate::store::activity::Actor;
use crate::store::activity::{self, NewActivity};
use crate::store::products::{self, ProductFields};
use crate::store::{self, Db};

/// Why a product change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("That product does not exist")]
    NotFound,
    #[error("Subscriptions use this product, so it cannot be deleted; archive it instead")]
    InUse,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a product; returns its id.
pub async fn create(db: &Db, actor: &dyn Actor, fields: &ProductFields) -> anyhow::Result<String> {
    let id = new_id(IdPrefix::Product);
    let now = store::now();
    let mut tx = db.begin().await?;
    products::create(&mut tx, actor.merchant_id(), &id, fields, now).await?;
    let entry = NewActivity::by(
        actor,
        "product",
        &id,
        "product.created",
        fields.name.clone(),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a product's fields. Running subscriptions keep the price they were signed up with.
pub async fn update(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    fields: &ProductFields,
) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::update(&mut tx, actor.merchant_id(), id, fields, now).await? {
        return Err(ProductError::NotFound);
    }
    let entry = NewActivity::by(actor, "product", id, "product.updated", fields.name.clone());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Archives (hides from new sign-ups) or restores a product.
pub async fn set_active(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    active: bool,
) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::set_active(&mut tx, actor.merchant_id(), id, active, now).await? {
        return Err(ProductError::NotFound);
    }
    let action = if active {
        "product.restored"
    } else {
        "product.archived"
    };
    activity::record(
        &mut tx,
        &NewActivity::by(actor, "product", id, action, String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a product nobody ever subscribed to.
pub async fn delete(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::delete_unused(&mut tx, actor.merchant_id(), id).await? {
        drop(tx);
        return match products::get(db, actor.merchant_id(), id).await? {
            Some(_) => Err(ProductError::InUse),
            None => Err(ProductError::NotFound),
        };
    }
    activity::record(
        &mut tx,
        &NewActivity::by(actor, "product", id, "product.deleted", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
