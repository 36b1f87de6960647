//! Merchants (tenants): their settings and logo.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use super::{on_db, on_tx};

/// A merchant as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Merchant {
    pub id: String,
    pub name: String,
    pub legal_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub creditor_id: Option<String>,
    pub creditor_iban: Option<String>,
    pub creditor_bic: Option<String>,
    pub default_language: String,
    pub brand_colour: String,
    pub contact_email: String,
    /// An IANA name: every "today" of this merchant is counted there.
    pub time_zone: String,
    /// Days between a pre-notification and its collection.
    pub notice_lead_days: i32,
    /// The most periods one billing run creates for one subscription at once.
    pub billing_max_periods: i32,
    /// Chamber of Commerce (KvK) number, printed on invoices.
    pub kvk_number: String,
    /// VAT identification number (btw-id), printed on invoices.
    pub vat_number: String,
    pub invoice_footer: String,
    /// Numbering formats (`domain::invoice::NumberFormat`).
    pub invoice_number_format: String,
    pub credit_note_number_format: String,
    /// Whether subscriptions ask for invoices when neither the request nor the product says.
    pub invoice_by_default: bool,
    /// Whether direct debits get a pre-notification of their own (invoices are sent anyway).
    pub send_notices: bool,
    /// The footer of customer pages; empty when not given.
    pub website_url: String,
    pub contact_phone: String,
    pub privacy_url: String,
    pub terms_url: String,
    /// When the logo was uploaded (its version in URLs); `None` without a logo.
    pub logo_updated_at: Option<DateTime<Utc>>,
    /// How Dutch and German texts address customers (`domain::Formality`).
    pub formality: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Merchant {
    /// The merchant's time zone (the default one if the stored name is unknown).
    pub fn zone(&self) -> chrono_tz::Tz {
        crate::domain::calendar::parse_time_zone(&self.time_zone)
            .unwrap_or(chrono_tz::Europe::Amsterdam)
    }

    /// The logo's address on this server (versioned, so browsers may keep it), if there is one.
    pub fn logo_path(&self) -> Option<String> {
        self.logo_updated_at
            .map(|at| format!("/media/logo/{}?v={}", self.id, at.timestamp()))
    }

    /// How customer-facing texts address the customer (formal if the stored code is unknown).
    pub fn formality(&self) -> crate::domain::Formality {
        crate::domain::Formality::parse(&self.formality).unwrap_or_default()
    }

    /// Today where the merchant is.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::domain::calendar::today_in(self.zone())
    }
}

/// The fields of the settings page, already checked.
#[derive(Debug, Clone)]
pub struct MerchantSettings {
    pub name: String,
    pub legal_name: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub creditor_id: Option<String>,
    pub creditor_iban: Option<String>,
    pub creditor_bic: Option<String>,
    pub default_language: String,
    pub brand_colour: String,
    pub contact_email: String,
    pub website_url: String,
    pub contact_phone: String,
    pub privacy_url: String,
    pub terms_url: String,
    /// How texts address customers; `None` keeps the stored choice.
    pub formality: Option<String>,
}

/// A stored logo image.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Logo {
    pub content_type: String,
    pub data: Vec<u8>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, legal_name, street, postal_code, city, country, creditor_id, \
     creditor_iban, creditor_bic, default_language, brand_colour, contact_email, time_zone, \
     notice_lead_days, billing_max_periods, kvk_number, vat_number, invoice_footer, \
     invoice_number_format, credit_note_number_format, invoice_by_default, send_notices, \
     website_url, contact_phone, privacy_url, terms_url, formality, created_at, updated_at, \
     (SELECT l.updated_at FROM merchant_logos l WHERE l.merchant_id = merchants.id) AS logo_updated_at";

/// True when at least one merchant exists.
#[tracing::instrument(skip(db))]
pub async fn any_exists(db: &Db) -> anyhow::Result<bool> {
    let row: Option<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT id FROM merchants LIMIT 1").fetch_optional(pool).await
    })
    .context("looking for a merchant")?;
    Ok(row.is_some())
}

/// Claims the one-time first-run setup; false when another request already did.
pub async fn claim_first_run(tx: &mut Tx, at: DateTime<Utc>) -> anyhow::Result<bool> {
    let result = on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO app_state (key, value, updated_at) VALUES ('setup_completed', 'yes', $1) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming first-run setup")?;
    Ok(result == 1)
}

/// Creates a merchant with default settings.
#[tracing::instrument(skip(tx))]
pub async fn insert(tx: &mut Tx, id: &str, name: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO merchants (id, name, legal_name, created_at, updated_at) VALUES ($1, $2, $2, $3, $3)",
        )
        .bind(id)
        .bind(name)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("inserting a merchant")?;
    Ok(())
}

/// The merchant with this id.
#[tracing::instrument(skip(db))]
pub async fn get(db: &Db, merchant_id: &str) -> anyhow::Result<Option<Merchant>> {
    let sql = format!("SELECT {COLUMNS} FROM merchants WHERE id = $1");
    on_db!(db, pool => {
        sqlx::query_as::<_, Merchant>(&sql).bind(merchant_id).fetch_optional(pool).await
    })
    .context("loading a merchant")
}

/// All merchants, oldest first (for the command line).
pub async fn list(db: &Db) -> anyhow::Result<Vec<Merchant>> {
    let sql = format!("SELECT {COLUMNS} FROM merchants ORDER BY created_at, id");
    on_db!(db, pool => sqlx::query_as::<_, Merchant>(&sql).fetch_all(pool).await)
        .context("listing merchants")
}

/// Saves the settings page.
#[tracing::instrument(skip(tx, s))]
pub async fn update_settings(
    tx: &mut Tx,
    merchant_id: &str,
    s: &MerchantSettings,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE merchants SET name = $2, legal_name = $3, street = $4, postal_code = $5, city = $6, \
             country = $7, creditor_id = $8, creditor_iban = $9, creditor_bic = $10, \
             default_language = $11, brand_colour = $12, contact_email = $13, \
             website_url = $15, contact_phone = $16, privacy_url = $17, terms_url = $18, \
             formality = COALESCE($19, formality), updated_at = $14 WHERE id = $1",
        )
        .bind(merchant_id)
        .bind(&s.name)
        .bind(&s.legal_name)
        .bind(&s.street)
        .bind(&s.postal_code)
        .bind(&s.city)
        .bind(&s.country)
        .bind(&s.creditor_id)
        .bind(&s.creditor_iban)
        .bind(&s.creditor_bic)
        .bind(&s.default_language)
        .bind(&s.brand_colour)
        .bind(&s.contact_email)
        .bind(at)
        .bind(&s.website_url)
        .bind(&s.contact_phone)
        .bind(&s.privacy_url)
        .bind(&s.terms_url)
        .bind(&s.formality)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("saving merchant settings")?;
    Ok(())
}

/// The merchant's logo, if one was uploaded.
pub async fn logo(db: &Db, merchant_id: &str) -> anyhow::Result<Option<Logo>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Logo>(
            "SELECT content_type, data, updated_at FROM merchant_logos WHERE merchant_id = $1",
        )
        .bind(merchant_id)
        .fetch_optional(pool)
        .await
    })
    .context("loading a logo")
}

/// When the logo last changed (for cache-busting links), without loading the image.
pub async fn logo_version(db: &Db, merchant_id: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
    let row: Option<(DateTime<Utc>,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT updated_at FROM merchant_logos WHERE merchant_id = $1")
            .bind(merchant_id)
            .fetch_optional(pool)
            .await
    })
    .context("looking for a logo")?;
    Ok(row.map(|(at,)| at))
}

/// Stores (or replaces) the logo.
pub async fn set_logo(
    tx: &mut Tx,
    merchant_id: &str,
    content_type: &str,
    data: &[u8],
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO merchant_logos (merchant_id, content_type, data, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (merchant_id) DO UPDATE SET content_type = excluded.content_type, \
             data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(merchant_id)
        .bind(content_type)
        .bind(data)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("saving a logo")?;
    Ok(())
}

/// Removes the logo; false when there was none.
pub async fn remove_logo(tx: &mut Tx, merchant_id: &str) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query("DELETE FROM merchant_logos WHERE merchant_id = $1")
            .bind(merchant_id)
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
    })
    .context("removing a logo")?;
    Ok(n > 0)
}

/// The settings of the billing page, already checked.
#[derive(Debug, Clone)]
pub struct BillingSettings {
    pub time_zone: String,
    pub notice_lead_days: i32,
    pub billing_max_periods: i32,
    pub send_notices: bool,
    pub invoice_by_default: bool,
    pub kvk_number: String,
    pub vat_number: String,
    pub invoice_footer: String,
    pub invoice_number_format: String,
    pub credit_note_number_format: String,
}

/// Saves the billing settings.
pub async fn update_billing_settings(
    tx: &mut Tx,
    merchant_id: &str,
    s: &BillingSettings,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE merchants SET time_zone = $2, notice_lead_days = $3, billing_max_periods = $4, \
             updated_at = $5, send_notices = $6, invoice_by_default = $7, kvk_number = $8, \
             vat_number = $9, invoice_footer = $10, invoice_number_format = $11, \
             credit_note_number_format = $12 WHERE id = $1",
        )
        .bind(merchant_id)
        .bind(&s.time_zone)
        .bind(s.notice_lead_days)
        .bind(s.billing_max_periods)
        .bind(at)
        .bind(s.send_notices)
        .bind(s.invoice_by_default)
        .bind(&s.kvk_number)
        .bind(&s.vat_number)
        .bind(&s.invoice_footer)
        .bind(&s.invoice_number_format)
        .bind(&s.credit_note_number_format)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("saving billing settings")
}
