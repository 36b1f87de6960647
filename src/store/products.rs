//! Products (plans) a merchant sells.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

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
    /// `merchant` (the merchant's default), `always` or `never`.
    pub invoice_default: String,
    /// The merchant's default, for `merchant`.
    pub merchant_invoice_default: bool,
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
             prices_include_vat, billing_interval, active, invoice_default, \
             (SELECT m.invoice_by_default FROM merchants m WHERE m.id = products.merchant_id) \
             AS merchant_invoice_default FROM products WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .fetch_optional(pool)
        .await
    })
    .context("loading a product")
}

/// The editable fields of a product, already checked.
#[derive(Debug, Clone)]
pub struct ProductFields {
    pub name: String,
    pub description: String,
    pub amount_minor: i64,
    pub vat_basis_points: i32,
    pub prices_include_vat: bool,
    pub billing_interval: String,
    /// Comma-separated: email, sms, online_payment.
    pub mandate_methods: String,
    pub minimum_term_months: Option<i32>,
    pub notice_period_days: Option<i32>,
    /// `merchant`, `always` or `never`.
    pub invoice_default: String,
    /// The name in other languages (`i18n::translations`).
    pub translations: String,
}

/// A product with everything the back-office shows, including how many subscriptions run on it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProductRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub amount_minor: i64,
    pub vat_basis_points: i32,
    pub prices_include_vat: bool,
    pub billing_interval: String,
    pub mandate_methods: String,
    pub minimum_term_months: Option<i32>,
    pub notice_period_days: Option<i32>,
    pub invoice_default: String,
    pub active: bool,
    pub running_subscriptions: i64,
    pub all_subscriptions: i64,
    pub created_at: DateTime<Utc>,
    /// The name in other languages (`i18n::translated`).
    pub translations: String,
}

const ROW_SELECT: &str = "SELECT p.id, p.name, p.description, p.amount_minor, p.vat_basis_points, p.prices_include_vat, \
     p.billing_interval, p.mandate_methods, p.minimum_term_months, p.notice_period_days, \
     p.invoice_default, p.active, \
     (SELECT COUNT(*) FROM subscriptions s WHERE s.merchant_id = p.merchant_id AND s.product_id = p.id \
        AND s.status IN ('planned', 'active', 'paused', 'cancelled')) AS running_subscriptions, \
     (SELECT COUNT(*) FROM subscriptions s WHERE s.merchant_id = p.merchant_id AND s.product_id = p.id) AS all_subscriptions, \
     p.created_at, p.translations FROM products p";

/// The merchant's products, active first, by name (one query, counts included).
pub async fn list(db: &Db, merchant_id: &str) -> anyhow::Result<Vec<ProductRow>> {
    let sql = format!("{ROW_SELECT} WHERE p.merchant_id = $1 ORDER BY p.active DESC, p.name, p.id");
    on_db!(db, pool => sqlx::query_as::<_, ProductRow>(&sql).bind(merchant_id).fetch_all(pool).await)
        .context("listing products")
}

/// One product with its counts.
pub async fn get_row(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<ProductRow>> {
    let sql = format!("{ROW_SELECT} WHERE p.merchant_id = $1 AND p.id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, ProductRow>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a product")
}

/// Creates a product from the form.
pub async fn create(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    f: &ProductFields,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    insert(
        tx,
        &NewProduct {
            id: id.to_string(),
            merchant_id: merchant_id.to_string(),
            name: f.name.clone(),
            description: f.description.clone(),
            amount_minor: f.amount_minor,
            vat_basis_points: f.vat_basis_points,
            prices_include_vat: f.prices_include_vat,
            billing_interval: f.billing_interval.clone(),
        },
        at,
    )
    .await?;
    super::idempotency::note_created("products", id);
    update(tx, merchant_id, id, f, at).await.map(|_| ())
}

/// Saves the form; false when the product does not exist.
pub async fn update(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    f: &ProductFields,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE products SET name = $3, description = $4, amount_minor = $5, vat_basis_points = $6, \
             prices_include_vat = $7, billing_interval = $8, mandate_methods = $9, minimum_term_months = $10, \
             notice_period_days = $11, updated_at = $12, invoice_default = $13, translations = $14 \
             WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(&f.name)
        .bind(&f.description)
        .bind(f.amount_minor)
        .bind(f.vat_basis_points)
        .bind(f.prices_include_vat)
        .bind(&f.billing_interval)
        .bind(&f.mandate_methods)
        .bind(f.minimum_term_months)
        .bind(f.notice_period_days)
        .bind(at)
        .bind(&f.invoice_default)
        .bind(&f.translations)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("saving a product")?;
    Ok(n == 1)
}

/// Archives or restores a product; false when it does not exist.
pub async fn set_active(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    active: bool,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query("UPDATE products SET active = $3, updated_at = $4 WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(id)
            .bind(active)
            .bind(at)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("archiving a product")?;
    Ok(n == 1)
}

/// Deletes a product that no subscription refers to; false otherwise.
pub async fn delete_unused(tx: &mut Tx, merchant_id: &str, id: &str) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "DELETE FROM products WHERE merchant_id = $1 AND id = $2 AND NOT EXISTS \
             (SELECT 1 FROM subscriptions s WHERE s.product_id = products.id)",
        )
        .bind(merchant_id)
        .bind(id)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("deleting a product")?;
    Ok(n == 1)
}

/// The VAT rate of `basis_points` (0 % for a stored value no rate has).
fn vat_rate(basis_points: i32) -> crate::domain::VatRate {
    crate::domain::VatRate::from_basis_points(u32::try_from(basis_points).unwrap_or(0))
        .unwrap_or_else(|_| crate::domain::VatRate::from_basis_points(0).expect("0% is a rate"))
}

/// A price including VAT: `amount_minor` as it is, or with the VAT of `basis_points` added.
fn gross(amount_minor: i64, basis_points: i32, includes_vat: bool) -> crate::domain::Money {
    let amount = crate::domain::Money::from_minor(amount_minor);
    if includes_vat {
        amount
    } else {
        amount
            .checked_add(vat_rate(basis_points).vat_on_net(amount))
            .unwrap_or(amount)
    }
}

impl Product {
    /// Whether a new subscription to it gets invoices, unless the request says.
    pub fn wants_invoices(&self) -> bool {
        match self.invoice_default.as_str() {
            "always" => true,
            "never" => false,
            _ => self.merchant_invoice_default,
        }
    }

    /// The price including VAT: what a subscription to it collects each period.
    pub fn gross(&self) -> crate::domain::Money {
        gross(
            self.amount_minor,
            self.vat_basis_points,
            self.prices_include_vat,
        )
    }
}

impl ProductRow {
    /// The name in `language`: the merchant's translation, else the product's own.
    pub fn name_in(&self, language: crate::domain::Language) -> String {
        crate::i18n::translated(&self.translations, language, "name")
            .unwrap_or_else(|| self.name.clone())
    }

    fn vat(&self) -> crate::domain::VatRate {
        vat_rate(self.vat_basis_points)
    }

    /// The price including VAT.
    pub fn gross(&self) -> crate::domain::Money {
        gross(
            self.amount_minor,
            self.vat_basis_points,
            self.prices_include_vat,
        )
    }

    /// The price excluding VAT.
    pub fn net(&self) -> crate::domain::Money {
        let amount = crate::domain::Money::from_minor(self.amount_minor);
        if self.prices_include_vat {
            self.vat().split_gross(amount).0
        } else {
            amount
        }
    }

    /// The VAT rate as people write it, e.g. "21%".
    pub fn vat_label(&self) -> String {
        self.vat().to_string()
    }

    /// Whether the product offers this mandate method.
    pub fn offers(&self, method: &str) -> bool {
        self.mandate_methods.split(',').any(|m| m == method)
    }
}

/// A page of the merchant's products for the API, newest first.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    limit: i64,
) -> anyhow::Result<Vec<ProductRow>> {
    let sql = format!(
        "{ROW_SELECT} WHERE p.merchant_id = $1 AND {} ORDER BY p.created_at DESC, p.id DESC LIMIT $4",
        super::after_cursor("p")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, ProductRow>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing products")
}
