//! Customers of a merchant.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::webhooks::record_event;
use super::{Db, Tx};
use super::{on_db, on_tx};
use crate::domain::webhook::{Event, EventType};

/// A customer as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Customer {
    pub id: String,
    pub merchant_id: String,
    pub reference: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub language: Option<String>,
    pub automatic_billing: bool,
    pub payment_method: String,
    pub grey_listed: bool,
    pub grey_list_reason: String,
    pub anonymised_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// VAT identification number, for invoices to businesses.
    pub vat_number: String,
}

impl Customer {
    /// First and last name, or the company when there is no name.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.company.clone()
        } else {
            name.to_string()
        }
    }
}

/// A customer to create or save, already checked.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewCustomer {
    pub id: String,
    pub merchant_id: String,
    pub reference: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub language: Option<String>,
    pub automatic_billing: bool,
    /// `direct_debit` or `manual`.
    pub payment_method: String,
    #[serde(default)]
    pub vat_number: String,
}

impl Default for NewCustomer {
    fn default() -> Self {
        NewCustomer {
            id: String::new(),
            merchant_id: String::new(),
            reference: None,
            first_name: String::new(),
            last_name: String::new(),
            company: String::new(),
            email: String::new(),
            phone: String::new(),
            street: String::new(),
            postal_code: String::new(),
            city: String::new(),
            country: String::new(),
            language: None,
            automatic_billing: true,
            payment_method: "direct_debit".into(),
            vat_number: String::new(),
        }
    }
}

impl NewCustomer {
    /// The overview's default order: last name, or the company when there is none, then first name.
    fn sort_name(&self) -> String {
        let last = if self.last_name.is_empty() {
            &self.company
        } else {
            &self.last_name
        };
        format!("{} {}", last.to_lowercase(), self.first_name.to_lowercase())
    }

    /// The email as the one-customer-per-address rule compares it; `None` without one.
    pub fn email_key(&self) -> Option<String> {
        email_key(&self.email)
    }

    /// What the overview's search box matches: name, company, email and reference.
    fn search_text(&self) -> String {
        [
            &self.first_name,
            &self.last_name,
            &self.company,
            &self.email,
            self.reference.as_deref().unwrap_or_default(),
        ]
        .iter()
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The key of an email address: lower-cased, `None` when empty.
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

const COLUMNS: &str = "id, merchant_id, reference, first_name, last_name, company, email, phone, street, \
     postal_code, city, country, language, automatic_billing, payment_method, grey_listed, grey_list_reason, anonymised_at, created_at, vat_number";

/// Creates a customer (emits `customer.created`); a unique violation means the reference is taken.
pub async fn insert(tx: &mut Tx, c: &NewCustomer, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    insert_many(tx, std::slice::from_ref(c), at).await?;
    super::idempotency::note_created("customers", &c.id);
    let event = Event::new(EventType::CustomerCreated, &c.merchant_id, &c.id);
    record_event(tx, &event, at).await
}

/// Creates customers in one statement (an import's chunk, which announces no webhook event per
/// row); a unique violation means a reference is taken.
pub async fn insert_many(
    tx: &mut Tx,
    customers: &[NewCustomer],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if customers.is_empty() {
        return Ok(());
    }
    for part in customers.chunks(super::rows_per_statement(19)) {
        let sql = format!(
            "INSERT INTO customers (id, merchant_id, reference, first_name, last_name, company, email, phone, \
             street, postal_code, city, country, language, automatic_billing, payment_method, search_text, \
             sort_name, email_key, vat_number, created_at, updated_at) VALUES {}",
            super::value_tuples(part.len(), 19)
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(&sql).bind(at);
            for c in part {
                query = query
                    .bind(&c.id)
                    .bind(&c.merchant_id)
                    .bind(&c.reference)
                    .bind(&c.first_name)
                    .bind(&c.last_name)
                    .bind(&c.company)
                    .bind(&c.email)
                    .bind(&c.phone)
                    .bind(&c.street)
                    .bind(&c.postal_code)
                    .bind(&c.city)
                    .bind(&c.country)
                    .bind(&c.language)
                    .bind(c.automatic_billing)
                    .bind(&c.payment_method)
                    .bind(c.search_text())
                    .bind(c.sort_name())
                    .bind(c.email_key())
                    .bind(&c.vat_number);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Dates the merchant's customers as customers since the day their old system says (an import):
/// `since` holds (customer id, that day).
pub async fn set_customer_since(
    tx: &mut Tx,
    merchant_id: &str,
    since: &[(String, chrono::NaiveDate)],
) -> Result<(), sqlx::Error> {
    for (id, day) in since {
        let at = day.and_time(chrono::NaiveTime::MIN).and_utc();
        on_tx!(&mut *tx, conn => {
            sqlx::query("UPDATE customers SET created_at = $3 WHERE merchant_id = $1 AND id = $2")
                .bind(merchant_id)
                .bind(id)
                .bind(at)
                .execute(conn)
                .await
                .map(|_| ())
        })?;
    }
    Ok(())
}

/// Saves a customer's fields (`c.id` and `c.merchant_id` say which; emits `customer.updated`);
/// false when not found.
pub async fn update(tx: &mut Tx, c: &NewCustomer, at: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let found = on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE customers SET reference = $3, first_name = $4, last_name = $5, company = $6, email = $7, \
             phone = $8, street = $9, postal_code = $10, city = $11, country = $12, language = $13, \
             automatic_billing = $14, payment_method = $15, search_text = $16, sort_name = $17, updated_at = $18, \
             email_key = $19, vat_number = $20 WHERE merchant_id = $1 AND id = $2",
        )
        .bind(&c.merchant_id)
        .bind(&c.id)
        .bind(&c.reference)
        .bind(&c.first_name)
        .bind(&c.last_name)
        .bind(&c.company)
        .bind(&c.email)
        .bind(&c.phone)
        .bind(&c.street)
        .bind(&c.postal_code)
        .bind(&c.city)
        .bind(&c.country)
        .bind(&c.language)
        .bind(c.automatic_billing)
        .bind(&c.payment_method)
        .bind(c.search_text())
        .bind(c.sort_name())
        .bind(at)
        .bind(c.email_key())
        .bind(&c.vat_number)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })?;
    if found {
        let event = Event::new(EventType::CustomerUpdated, &c.merchant_id, &c.id);
        record_event(tx, &event, at).await?;
    }
    Ok(found)
}

/// The customer of the merchant's with this email (compared by its key), other than `except_id`.
pub async fn with_email(
    db: &Db,
    merchant_id: &str,
    email: &str,
    except_id: &str,
) -> anyhow::Result<Option<Customer>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND email_key = $2 AND id <> $3 LIMIT 1"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Customer>(&sql)
            .bind(merchant_id)
            .bind(email_key(email))
            .bind(except_id)
            .fetch_optional(pool)
            .await
    })
    .context("looking for a customer by email")
}

/// What the overview filters on.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Words of a name, company, email or reference, or the last digits of an IBAN.
    pub search: String,
    pub subscription_status: Option<String>,
    pub mandate_status: Option<String>,
    pub grey_listed_only: bool,
    /// `name`, `newest` or `oldest`.
    pub sort: String,
}

/// A row of the overview, with the status badges computed in the same query.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerRow {
    pub id: String,
    pub reference: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub email: String,
    pub grey_listed: bool,
    pub created_at: DateTime<Utc>,
    pub running_subscriptions: i64,
    pub mandate_status: Option<String>,
}

impl CustomerRow {
    /// First and last name, or the company.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name, self.last_name);
        let name = name.trim();
        if name.is_empty() {
            self.company.clone()
        } else {
            name.to_string()
        }
    }
}

/// A page of the overview: one query however many rows.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    f: &CustomerFilter,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<CustomerRow>> {
    let order = match f.sort.as_str() {
        "newest" => "c.created_at DESC, c.id DESC",
        "oldest" => "c.created_at, c.id",
        _ => "c.sort_name, c.id",
    };
    let search = f.search.trim().to_lowercase();
    let digits: String = search.chars().filter(|c| !c.is_whitespace()).collect();
    let iban_pattern = if digits.len() >= 3 && digits.chars().all(|c| c.is_ascii_digit()) {
        format!("%{digits}")
    } else {
        String::new()
    };
    let sql = format!(
        "SELECT c.id, c.reference, c.first_name, c.last_name, c.company, c.email, c.grey_listed, c.created_at, \
         (SELECT COUNT(*) FROM subscriptions s WHERE s.merchant_id = c.merchant_id AND s.customer_id = c.id \
            AND s.status IN ('planned', 'active', 'paused', 'cancelled')) AS running_subscriptions, \
         (SELECT m.status FROM mandates m WHERE m.merchant_id = c.merchant_id AND m.customer_id = c.id \
            ORDER BY m.created_at DESC, m.id DESC LIMIT 1) AS mandate_status \
         FROM customers c WHERE c.merchant_id = $1 \
         AND ($2 = '' OR c.search_text LIKE $3 OR ($4 <> '' AND EXISTS (SELECT 1 FROM mandates m \
              WHERE m.merchant_id = c.merchant_id AND m.customer_id = c.id AND m.iban LIKE $4))) \
         AND ($5 = '' OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.merchant_id = c.merchant_id \
              AND s.customer_id = c.id AND s.status = $5)) \
         AND ($6 = '' OR EXISTS (SELECT 1 FROM mandates m WHERE m.merchant_id = c.merchant_id \
              AND m.customer_id = c.id AND m.status = $6)) \
         AND ($7 = FALSE OR c.grey_listed = TRUE) \
         ORDER BY {order} LIMIT $8 OFFSET $9"
    );
    let like = format!("%{}%", search.replace(['\\', '%', '_'], ""));
    on_db!(db, pool => {
        sqlx::query_as::<_, CustomerRow>(&sql)
            .bind(merchant_id)
            .bind(&search)
            .bind(&like)
            .bind(&iban_pattern)
            .bind(f.subscription_status.clone().unwrap_or_default())
            .bind(f.mandate_status.clone().unwrap_or_default())
            .bind(f.grey_listed_only)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await
    })
    .context("listing customers")
}

/// One of the merchant's customers.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Customer>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Customer>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a customer")
}

/// Some of the merchant's customers, inside a transaction (one query per 500).
pub async fn get_many_in(
    tx: &mut Tx,
    merchant_id: &str,
    ids: &[&str],
) -> anyhow::Result<Vec<Customer>> {
    let mut all = Vec::with_capacity(ids.len());
    for part in ids.chunks(500) {
        let list = super::in_list(part.len());
        let sql =
            format!("SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND id IN ({list})");
        let rows: Vec<Customer> = on_tx!(&mut *tx, conn => {
            let mut query = sqlx::query_as::<_, Customer>(&sql).bind(merchant_id);
            for id in part {
                query = query.bind(*id);
            }
            query.fetch_all(conn).await
        })
        .context("loading customers")?;
        all.extend(rows);
    }
    Ok(all)
}

/// Sets or clears the grey-list flag with its reason.
pub async fn set_grey_listed(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    on: bool,
    reason: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE customers SET grey_listed = $3, grey_list_reason = $4, updated_at = $5 WHERE merchant_id = $1 AND id = $2",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(on)
        .bind(reason)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("grey-listing a customer")?;
    Ok(n == 1)
}

/// How many of the customer's subscriptions run or wait, and how many financial records
/// (collected mandates, transactions) refer to them.
pub async fn financial_ties(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
) -> anyhow::Result<(i64, i64)> {
    let row: (i64, i64) = on_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM subscriptions WHERE merchant_id = $1 AND customer_id = $2 \
               AND status IN ('pending_mandate', 'planned', 'active', 'paused', 'cancelled')), \
             (SELECT COUNT(*) FROM mandates WHERE merchant_id = $1 AND customer_id = $2 AND first_used_on IS NOT NULL) \
             + (SELECT COUNT(*) FROM transactions WHERE merchant_id = $1 AND customer_id = $2)",
        )
        .bind(merchant_id)
        .bind(id)
        .fetch_one(conn)
        .await
    })
    .context("checking what refers to a customer")?;
    Ok(row)
}

/// The activity log's details of a customer name them (who was created, what changed): emptied
/// when the customer is anonymised or deleted; the actions and times stay.
const SCRUB_ACTIVITY: &str = "UPDATE activity SET details = '' WHERE merchant_id = $1 \
     AND subject_type = 'customer' AND subject_id = $2";

/// Replaces the customer's personal data, and that in their mandates and messages, with
/// placeholders; amounts, dates and the country stay for the books.
pub async fn anonymise(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let statements = [
        "UPDATE customers SET reference = NULL, first_name = 'Anonymised', last_name = 'customer', company = '', \
         email = '', email_key = NULL, phone = '', street = '', postal_code = '', city = '', grey_list_reason = '', vat_number = '', \
         search_text = '', sort_name = 'anonymised customer', anonymised_at = $3, updated_at = $3 \
         WHERE merchant_id = $1 AND id = $2",
        "UPDATE mandates SET iban = 'XX00ANONYMISED', bic = NULL, account_holder = 'Anonymised', updated_at = $3 \
         WHERE merchant_id = $1 AND customer_id = $2",
        "UPDATE mandate_links SET revoked_at = $3 WHERE merchant_id = $1 AND used_at IS NULL AND revoked_at IS NULL \
         AND mandate_id IN (SELECT id FROM mandates WHERE merchant_id = $1 AND customer_id = $2)",
    ];
    for sql in statements {
        on_tx!(tx, conn => sqlx::query(sql).bind(merchant_id).bind(id).bind(at).execute(conn).await.map(|_| ()))
            .context("anonymising a customer")?;
    }
    let without_time = [
        "UPDATE mandate_evidence SET ip_address = '', user_agent = '' WHERE merchant_id = $1 \
         AND mandate_id IN (SELECT id FROM mandates WHERE merchant_id = $1 AND customer_id = $2)",
        "UPDATE messages SET recipient = '', subject = 'Anonymised', body_text = '', body_html = '' \
         WHERE merchant_id = $1 AND customer_id = $2",
        SCRUB_ACTIVITY,
    ];
    for sql in without_time {
        on_tx!(tx, conn => sqlx::query(sql).bind(merchant_id).bind(id).execute(conn).await.map(|_| ()))
            .context("anonymising a customer")?;
    }
    let event = Event::new(EventType::CustomerUpdated, merchant_id, id);
    record_event(tx, &event, at)
        .await
        .context("announcing an anonymised customer")
}

/// Deletes the customer with their mandates, links, evidence and subscriptions; their messages
/// are kept without the link to them.
pub async fn delete(tx: &mut Tx, merchant_id: &str, id: &str) -> anyhow::Result<()> {
    let statements = [
        "UPDATE messages SET customer_id = NULL, recipient = '', body_text = '', body_html = '' WHERE merchant_id = $1 AND customer_id = $2",
        "DELETE FROM payments WHERE merchant_id = $1 AND customer_id = $2",
        "DELETE FROM subscription_pauses WHERE merchant_id = $1 AND subscription_id IN \
         (SELECT id FROM subscriptions WHERE merchant_id = $1 AND customer_id = $2)",
        "DELETE FROM subscriptions WHERE merchant_id = $1 AND customer_id = $2",
        "DELETE FROM mandate_evidence WHERE merchant_id = $1 AND mandate_id IN (SELECT id FROM mandates WHERE merchant_id = $1 AND customer_id = $2)",
        "DELETE FROM mandate_links WHERE merchant_id = $1 AND mandate_id IN (SELECT id FROM mandates WHERE merchant_id = $1 AND customer_id = $2)",
        "DELETE FROM mandates WHERE merchant_id = $1 AND customer_id = $2",
        "DELETE FROM customers WHERE merchant_id = $1 AND id = $2",
        SCRUB_ACTIVITY,
    ];
    for sql in statements {
        on_tx!(tx, conn => sqlx::query(sql).bind(merchant_id).bind(id).execute(conn).await.map(|_| ()))
            .context("deleting a customer")?;
    }
    Ok(())
}

/// A page of the merchant's customers for the API, newest first, optionally by email or reference.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    email: Option<&str>,
    reference: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Customer>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND {} \
         AND ($4 IS NULL OR email = $4) AND ($5 IS NULL OR reference = $5) \
         ORDER BY created_at DESC, id DESC LIMIT $6",
        super::after_cursor("")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Customer>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(email)
            .bind(reference)
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing customers")
}
