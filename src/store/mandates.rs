//! SEPA mandates, their single-use confirmation links (stored only as hashes) and the evidence
//! recorded when a customer confirms one.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use super::webhooks::record_event;
use super::{Db, Tx};
use super::{on_db, on_tx};
use crate::domain::webhook::{Event, EventType};

/// A mandate as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Mandate {
    pub id: String,
    pub merchant_id: String,
    pub customer_id: String,
    pub reference: String,
    pub iban: String,
    pub bic: Option<String>,
    pub account_holder: String,
    pub method: String,
    pub status: String,
    pub signed_on: Option<NaiveDate>,
    pub first_used_on: Option<NaiveDate>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, merchant_id, customer_id, reference, iban, bic, account_holder, method, status, \
     signed_on, first_used_on, revoked_at, created_at";

/// Creates a mandate (its use and revocation dates start empty; emits `mandate.valid` when it is
/// valid from the start); a unique violation means the reference is taken.
pub async fn insert(tx: &mut Tx, m: &Mandate, at: DateTime<Utc>) -> Result<(), sqlx::Error> {
    insert_many(tx, std::slice::from_ref(m), at).await?;
    super::idempotency::note_created("mandates", &m.id);
    if m.status == "valid" {
        let event = Event::new(EventType::MandateValid, &m.merchant_id, &m.id)
            .customer(&m.customer_id)
            .status("valid", None);
        record_event(tx, &event, at).await?;
    }
    Ok(())
}

/// Emits `mandate.valid` or `mandate.revoked` for a mandate whose status changed in `tx`.
async fn announce(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    customer_id: &str,
    status: &str,
    previous: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let event_type = if status == "valid" {
        EventType::MandateValid
    } else {
        EventType::MandateRevoked
    };
    let event = Event::new(event_type, merchant_id, id)
        .customer(customer_id)
        .status(status, Some(previous));
    record_event(tx, &event, at)
        .await
        .context("announcing a mandate change")
}

/// Creates mandates in one statement (an import's chunk, which announces no webhook event per row).
pub async fn insert_many(
    tx: &mut Tx,
    mandates: &[Mandate],
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    if mandates.is_empty() {
        return Ok(());
    }
    for part in mandates.chunks(super::rows_per_statement(10)) {
        let sql = format!(
            "INSERT INTO mandates (id, merchant_id, customer_id, reference, iban, bic, account_holder, method, \
             status, signed_on, created_at, updated_at) VALUES {}",
            super::value_tuples(part.len(), 10)
        );
        on_tx!(tx, conn => {
            let mut query = sqlx::query(&sql).bind(at);
            for m in part {
                query = query
                    .bind(&m.id)
                    .bind(&m.merchant_id)
                    .bind(&m.customer_id)
                    .bind(&m.reference)
                    .bind(&m.iban)
                    .bind(&m.bic)
                    .bind(&m.account_holder)
                    .bind(&m.method)
                    .bind(&m.status)
                    .bind(m.signed_on);
            }
            query.execute(conn).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// One of the merchant's mandates.
pub async fn get(db: &Db, merchant_id: &str, id: &str) -> anyhow::Result<Option<Mandate>> {
    let sql = format!("SELECT {COLUMNS} FROM mandates WHERE merchant_id = $1 AND id = $2");
    on_db!(db, pool => {
        sqlx::query_as::<_, Mandate>(&sql).bind(merchant_id).bind(id).fetch_optional(pool).await
    })
    .context("loading a mandate")
}

/// The merchant a mandate belongs to (a new-mandate link names only the mandate).
pub async fn merchant_of(db: &Db, id: &str) -> anyhow::Result<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => {
        sqlx::query_as("SELECT merchant_id FROM mandates WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
    .context("finding a mandate's merchant")?;
    Ok(row.map(|(m,)| m))
}

/// Records `new_id` as the successor of a revoked mandate; false when it already has one (a
/// double submit) or is not revoked. The row lock makes concurrent answers take turns.
pub async fn claim_replacement(
    tx: &mut Tx,
    merchant_id: &str,
    old_id: &str,
    new_id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE mandates SET replaced_by = $3, updated_at = $4 WHERE merchant_id = $1 \
             AND id = $2 AND status = 'revoked' AND replaced_by IS NULL",
        )
        .bind(merchant_id)
        .bind(old_id)
        .bind(new_id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected() == 1)
    })
    .context("recording a mandate's successor")
}

/// The mandate that replaced a revoked one, if the customer gave one.
pub async fn replacement_of(
    db: &Db,
    merchant_id: &str,
    old_id: &str,
) -> anyhow::Result<Option<Mandate>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mandates WHERE merchant_id = $1 AND id = \
         (SELECT replaced_by FROM mandates WHERE merchant_id = $1 AND id = $2)"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Mandate>(&sql).bind(merchant_id).bind(old_id).fetch_optional(pool).await
    })
    .context("loading a mandate's successor")
}

/// A row of the mandates list, with the customer's name (one query, no lookups per row).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MandateRow {
    pub id: String,
    pub reference: String,
    pub iban: String,
    pub method: String,
    pub status: String,
    pub signed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
}

/// A page of the merchant's mandates, newest first.
pub async fn list(
    db: &Db,
    merchant_id: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<MandateRow>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, MandateRow>(
            "SELECT m.id, m.reference, m.iban, m.method, m.status, m.signed_on, m.created_at, \
             c.first_name, c.last_name, c.company FROM mandates m JOIN customers c ON c.id = m.customer_id \
             WHERE m.merchant_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT $2 OFFSET $3",
        )
        .bind(merchant_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(pool)
        .await
    })
    .context("listing mandates")
}

/// Gives a pending mandate that was requested without an account the one the customer entered;
/// false when it has one already (or is no longer pending).
pub async fn set_account(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    iban: &str,
    account_holder: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE mandates SET iban = $3, account_holder = $4, updated_at = $5 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'pending' AND iban = ''",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(iban)
        .bind(account_holder)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("giving a mandate its account")?;
    Ok(n == 1)
}

/// Makes a pending mandate valid (emits `mandate.valid`); false when it was not pending.
pub async fn make_valid(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    signed_on: NaiveDate,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let customer: Option<(String,)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "UPDATE mandates SET status = 'valid', signed_on = $3, updated_at = $4 \
             WHERE merchant_id = $1 AND id = $2 AND status = 'pending' RETURNING customer_id",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(signed_on)
        .bind(at)
        .fetch_optional(conn)
        .await
    })
    .context("making a mandate valid")?;
    if let Some((customer_id,)) = &customer {
        announce(tx, merchant_id, id, customer_id, "valid", "pending", at).await?;
    }
    Ok(customer.is_some())
}

/// Revokes a mandate (emits `mandate.revoked`); false when it already was.
pub async fn revoke(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let before: Option<(String, String)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT customer_id, status FROM mandates WHERE merchant_id = $1 AND id = $2")
            .bind(merchant_id)
            .bind(id)
            .fetch_optional(conn)
            .await
    })
    .context("loading a mandate to revoke")?;
    let n = on_tx!(&mut *tx, conn => {
        sqlx::query(
            "UPDATE mandates SET status = 'revoked', revoked_at = $3, updated_at = $3 \
             WHERE merchant_id = $1 AND id = $2 AND status <> 'revoked'",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(at)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("revoking a mandate")?;
    if let (1, Some((customer_id, previous))) = (n, &before) {
        announce(tx, merchant_id, id, customer_id, "revoked", previous, at).await?;
    }
    Ok(n == 1)
}

/// A confirmation link as stored (the token itself is never stored).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Link {
    pub id: String,
    pub merchant_id: String,
    pub mandate_id: String,
    pub channel: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const LINK_COLUMNS: &str =
    "id, merchant_id, mandate_id, channel, expires_at, used_at, revoked_at, created_at";

/// A link to store: the hash of its token, never the token.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    pub id: &'a str,
    pub merchant_id: &'a str,
    pub mandate_id: &'a str,
    pub token_hash: &'a str,
    pub channel: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new link.
pub async fn insert_link(tx: &mut Tx, link: &NewLink<'_>, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO mandate_links (id, merchant_id, mandate_id, token_hash, channel, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(link.id)
        .bind(link.merchant_id)
        .bind(link.mandate_id)
        .bind(link.token_hash)
        .bind(link.channel)
        .bind(link.expires_at)
        .bind(at)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("storing a confirmation link")
}

/// The link with this token hash (looked up before the merchant is known).
pub async fn link_by_hash(db: &Db, token_hash: &str) -> anyhow::Result<Option<Link>> {
    let sql = format!("SELECT {LINK_COLUMNS} FROM mandate_links WHERE token_hash = $1");
    on_db!(db, pool => sqlx::query_as::<_, Link>(&sql).bind(token_hash).fetch_optional(pool).await)
        .context("looking up a confirmation link")
}

/// Uses a link once: true only for the one request that finds it open (a double submit loses).
pub async fn use_link(tx: &mut Tx, token_hash: &str, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let n = on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE mandate_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL \
             AND revoked_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("using a confirmation link")?;
    Ok(n == 1)
}

/// Withdraws every open link of a mandate.
pub async fn revoke_links(
    tx: &mut Tx,
    merchant_id: &str,
    mandate_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<u64> {
    on_tx!(tx, conn => {
        sqlx::query(
            "UPDATE mandate_links SET revoked_at = $3 WHERE merchant_id = $1 AND mandate_id = $2 \
             AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected())
    })
    .context("withdrawing confirmation links")
}

/// A mandate's links, newest first.
pub async fn links_for(db: &Db, merchant_id: &str, mandate_id: &str) -> anyhow::Result<Vec<Link>> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM mandate_links WHERE merchant_id = $1 AND mandate_id = $2 ORDER BY created_at DESC, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Link>(&sql).bind(merchant_id).bind(mandate_id).fetch_all(pool).await
    })
    .context("loading confirmation links")
}

/// What was recorded when a customer confirmed a mandate.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Evidence {
    pub id: String,
    pub confirmed_at: DateTime<Utc>,
    pub ip_address: String,
    pub user_agent: String,
    pub language: String,
    pub text_version: String,
    /// The account the customer confirmed the mandate for.
    pub iban: String,
    pub account_holder: String,
}

/// Records the evidence of a confirmation.
pub async fn insert_evidence(
    tx: &mut Tx,
    merchant_id: &str,
    mandate_id: &str,
    e: &Evidence,
) -> anyhow::Result<()> {
    on_tx!(tx, conn => {
        sqlx::query(
            "INSERT INTO mandate_evidence (id, merchant_id, mandate_id, confirmed_at, ip_address, user_agent, \
             language, text_version, iban, account_holder) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&e.id)
        .bind(merchant_id)
        .bind(mandate_id)
        .bind(e.confirmed_at)
        .bind(&e.ip_address)
        .bind(&e.user_agent)
        .bind(&e.language)
        .bind(&e.text_version)
        .bind(&e.iban)
        .bind(&e.account_holder)
        .execute(conn)
        .await
        .map(|_| ())
    })
    .context("recording mandate evidence")
}

/// The evidence of a mandate's confirmations.
pub async fn evidence_for(
    db: &Db,
    merchant_id: &str,
    mandate_id: &str,
) -> anyhow::Result<Vec<Evidence>> {
    on_db!(db, pool => {
        sqlx::query_as::<_, Evidence>(
            "SELECT id, confirmed_at, ip_address, user_agent, language, text_version, iban, account_holder \
             FROM mandate_evidence \
             WHERE merchant_id = $1 AND mandate_id = $2 ORDER BY confirmed_at",
        )
        .bind(merchant_id)
        .bind(mandate_id)
        .fetch_all(pool)
        .await
    })
    .context("loading mandate evidence")
}

/// A customer's mandates, newest first.
pub async fn for_customer(
    db: &Db,
    merchant_id: &str,
    customer_id: &str,
) -> anyhow::Result<Vec<Mandate>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mandates WHERE merchant_id = $1 AND customer_id = $2 ORDER BY created_at DESC, id"
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Mandate>(&sql).bind(merchant_id).bind(customer_id).fetch_all(pool).await
    })
    .context("loading a customer's mandates")
}

/// Completes a pending online-payment mandate with the account the first payment came from.
pub async fn complete_online(
    tx: &mut Tx,
    merchant_id: &str,
    id: &str,
    iban: &str,
    account_holder: &str,
    signed_on: NaiveDate,
    at: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let customer: Option<(String,)> = on_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "UPDATE mandates SET status = 'valid', iban = $3, account_holder = $4, signed_on = $5, \
             updated_at = $6 WHERE merchant_id = $1 AND id = $2 AND status = 'pending' RETURNING customer_id",
        )
        .bind(merchant_id)
        .bind(id)
        .bind(iban)
        .bind(account_holder)
        .bind(signed_on)
        .bind(at)
        .fetch_optional(conn)
        .await
    })
    .context("completing an online mandate")?;
    if let Some((customer_id,)) = &customer {
        announce(tx, merchant_id, id, customer_id, "valid", "pending", at).await?;
    }
    Ok(customer.is_some())
}

/// A page of the merchant's mandates for the API, newest first, optionally of one customer or status.
pub async fn list_after(
    db: &Db,
    merchant_id: &str,
    after: Option<&super::After>,
    customer_id: Option<&str>,
    status: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<Mandate>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mandates WHERE merchant_id = $1 AND {} \
         AND ($4 IS NULL OR customer_id = $4) AND ($5 IS NULL OR status = $5) \
         ORDER BY created_at DESC, id DESC LIMIT $6",
        super::after_cursor("")
    );
    on_db!(db, pool => {
        sqlx::query_as::<_, Mandate>(&sql)
            .bind(merchant_id)
            .bind(after.map(|a| a.created_at))
            .bind(after.map(|a| a.id.as_str()))
            .bind(customer_id)
            .bind(status)
            .bind(limit)
            .fetch_all(pool)
            .await
    })
    .context("listing mandates")
}
