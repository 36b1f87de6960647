//! Customers of a merchant.

use anyhow::Context;
use chrono::{DateTime, Utc};

use super::{Db, Tx};
use crate::{on_db, on_tx};

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
    pub created_at: DateTime<Utc>,
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

/// A customer to create, already checked.
#[derive(Debug, Clone, Default)]
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
}

const COLUMNS: &str = "id, merchant_id, reference, first_name, last_name, company, email, phone, street, \
     postal_code, city, country, language, created_at";

/// Creates a customer; a unique violation means the reference is taken.
pub async fn insert(tx: &mut Tx, c: &NewCustomer, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO customers (id, merchant_id, reference, first_name, last_name, company, email, phone, \
             street, postal_code, city, country, language, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        )
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
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
}

/// One of the merchant's customers.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Customer>> {
    let sql = format!("SELECT {COLUMNS} FROM customers WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Customer>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a customer")
}
