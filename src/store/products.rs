//! Products (plans) a merchant sells.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use crate::{on_db, on_tx};

/// A product as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Product {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub description: String,
    pub amount_minor: i64,
    pub currency: String,
    pub vat_basis_points: i32,
    pub prices_include_vat: bool,
    pub billing_interval: String,
    pub active: bool,
}

/// A product to create, already checked.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub id: String,
    pub merchant_id: String,
    pub name: String,
    pub description: String,
    pub amount_minor: i64,
    pub vat_basis_points: i32,
    pub prices_include_vat: bool,
    pub billing_interval: String,
}

/// Creates a product.
pub async fn insert(tx: &mut Tx, p: &NewProduct, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO products (id, merchant_id, name, description, amount_minor, vat_basis_points, \
             prices_include_vat, billing_interval, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        )
        .bind(&p.id)
        .bind(&p.merchant_id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.amount_minor)
        .bind(p.vat_basis_points)
        .bind(p.prices_include_vat)
        .bind(&p.billing_interval)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("inserting a product")
}

/// One of the merchant's products.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Product>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Product>(
            "SELECT id, merchant_id, name, description, amount_minor, currency, vat_basis_points, \
             prices_include_vat, billing_interval, active FROM products WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .fetch_optional(pool)
        .await
    })
    .context("loading a product")
}
