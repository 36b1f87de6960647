//! The commit worker: accepted rows written in chunks, each in one transaction that also moves
//! the import's committed-through line, under a lease so one worker of several does it.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;

use super::{ImportError, ImportRecord};
use crate::domain::id::{IdPrefix, new_id};
use crate::services::subscriptions::subscription_for;
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, NewCustomer};
use crate::store::imports::{self as import_store};
use crate::store::mandates::{self, Mandate};
use crate::store::products::{self, Product};
use crate::store::subscriptions::{self, Subscription};
use crate::store::{self, Db};

/// Accepted rows written per transaction.
pub const CHUNK_ROWS: i64 = 500;
/// How long a worker may hold an import between two chunks before another takes over.
const LEASE: chrono::Duration = chrono::Duration::minutes(2);

/// Hands a previewed import (or one that failed) to the worker.
#[tracing::instrument(skip(db))]
pub async fn start_commit(db: &Db, merchant_id: &str, import_id: &str) -> Result<(), ImportError> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .ok_or(ImportError::NotFound)?;
    if !import_store::start_commit(db, &import.merchant_id, &import.id, store::now()).await? {
        return Err(ImportError::NotEditable);
    }
    Ok(())
}

/// Where a run of the commit stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every accepted row is written.
    Done,
    /// `max_chunks` chunks were written; rows remain.
    Stopped,
    /// Another worker holds the import, or it is not being committed.
    Busy,
    /// A chunk failed; the import is marked failed with the reason.
    Failed,
}

/// Commits up to `max_chunks` chunks of an import being committed (all when `None`): claims it
/// with a lease, writes each chunk in one transaction that marks its rows committed, and releases
/// the lease when it stops.
#[tracing::instrument(skip(db))]
pub async fn run_chunks(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    max_chunks: Option<usize>,
) -> anyhow::Result<RunOutcome> {
    let now = store::now();
    let mut lease = now + LEASE;
    if !import_store::claim(db, merchant_id, import_id, now, lease).await? {
        return Ok(RunOutcome::Busy);
    }
    let mut through = import_store::get(db, merchant_id, import_id)
        .await?
        .context("import")?
        .committed_through;
    let mut products: HashMap<String, Product> = HashMap::new();
    let mut chunks = 0;
    loop {
        if max_chunks.is_some_and(|max| chunks >= max) {
            import_store::release(db, merchant_id, import_id, lease).await?;
            return Ok(RunOutcome::Stopped);
        }
        let rows =
            import_store::next_chunk(db, merchant_id, import_id, through, CHUNK_ROWS).await?;
        let Some(last_line) = rows.last().map(|r| r.line) else {
            finish_done(db, merchant_id, import_id).await?;
            return Ok(RunOutcome::Done);
        };
        let chunk = import_store::Chunk {
            last_line,
            rows: i64::try_from(rows.len()).unwrap_or(i64::MAX),
            held_until: lease,
            lease_until: store::now() + LEASE,
        };
        let written = commit_chunk(db, merchant_id, import_id, &rows, chunk, &mut products).await;
        if let Ok(false) = written {
            tracing::warn!(import_id, "lost the lease on an import to another worker");
            return Ok(RunOutcome::Busy);
        }
        if let Err(e) = written {
            tracing::error!(error = ?e, import_id, "an import chunk failed");
            let message = format!("Line {} or after: {e:#}", rows[0].line);
            let mut tx = db.begin().await?;
            import_store::finish(
                &mut tx,
                merchant_id,
                import_id,
                "failed",
                &message,
                store::now(),
            )
            .await?;
            tx.commit().await?;
            return Ok(RunOutcome::Failed);
        }
        lease = chunk.lease_until;
        through = last_line;
        chunks += 1;
    }
}

/// Marks an import done and logs it, in one transaction.
async fn finish_done(db: &Db, merchant_id: &str, import_id: &str) -> anyhow::Result<()> {
    let import = import_store::get(db, merchant_id, import_id)
        .await?
        .context("import")?;
    // The log names who uploaded it: the user, or the command line.
    let user = if import.created_by.is_empty() {
        None
    } else {
        crate::store::users::get(db, merchant_id, &import.created_by).await?
    };
    let (actor_id, actor_label) = match &user {
        Some(user) => (Some(user.id.as_str()), user.email.as_str()),
        None => (None, "command line"),
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    import_store::finish(&mut tx, merchant_id, import_id, "done", "", now).await?;
    import_store::drop_committed_rows(&mut tx, merchant_id, import_id).await?;
    activity::record(
        &mut tx,
        &NewActivity {
            merchant_id,
            actor_id,
            actor_label,
            subject_type: "import",
            subject_id: import_id,
            action: "import.completed",
            details: format!(
                "{}: {} new, {} updated customers",
                import.file_name, import.new_rows, import.updated_rows
            ),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Writes one chunk of accepted rows in one transaction that also records it as written, while
/// the chunk's lease is still this worker's; false (nothing written) when it is not.
async fn commit_chunk(
    db: &Db,
    merchant_id: &str,
    import_id: &str,
    rows: &[import_store::ImportRow],
    chunk: import_store::Chunk,
    products: &mut HashMap<String, Product>,
) -> anyhow::Result<bool> {
    let now = store::now();
    let today = now.date_naive();
    let mut new_customers = Vec::new();
    let mut updates = Vec::new();
    let mut new_mandates = Vec::new();
    let mut new_subscriptions = Vec::new();
    let mut customer_since = Vec::new();
    for row in rows {
        let record: ImportRecord = serde_json::from_str(&row.record)
            .with_context(|| format!("reading the checked row of line {}", row.line))?;
        let mut customer = record.customer;
        customer.merchant_id = merchant_id.to_string();
        if customer.id.is_empty() {
            customer.id = new_id(IdPrefix::Customer);
            new_customers.push(customer.clone());
        } else {
            let stored = customers::get(db, merchant_id, &customer.id)
                .await?
                .with_context(|| format!("line {}: the matched customer is gone", row.line))?;
            updates.push(merged(stored, customer.clone(), record.keep_billing));
        }
        if let Some(day) = record.customer_since {
            customer_since.push((customer.id.clone(), day));
        }
        let mandate_id = match record.mandate {
            Some(m) => Some(match m.existing_id {
                Some(id) => id,
                None => {
                    let mandate = Mandate {
                        id: new_id(IdPrefix::Mandate),
                        merchant_id: merchant_id.to_string(),
                        customer_id: customer.id.clone(),
                        reference: m.reference,
                        iban: m.iban,
                        bic: m.bic,
                        account_holder: m.account_holder,
                        method: "import".into(),
                        status: "valid".into(),
                        signed_on: Some(m.signed_on),
                        first_used_on: None,
                        revoked_at: None,
                        created_at: now,
                    };
                    let id = mandate.id.clone();
                    new_mandates.push(mandate);
                    id
                }
            }),
            None => None,
        };
        if let (Some((product_id, start)), Some(mandate_id)) = (record.subscription, mandate_id) {
            if !products.contains_key(&product_id) {
                let product = products::get(db, merchant_id, &product_id)
                    .await?
                    .with_context(|| format!("line {}: the product is gone", row.line))?;
                products.insert(product_id.clone(), product);
            }
            let product = &products[&product_id];
            let status = if start > today { "planned" } else { "active" };
            let subscription: Subscription =
                subscription_for(product, &customer.id, &mandate_id, start, status, None);
            new_subscriptions.push(subscription);
        }
    }
    let mut tx = db.begin().await?;
    customers::insert_many(&mut tx, &new_customers, now)
        .await
        .context("inserting customers (is a reference already taken?)")?;
    for customer in &updates {
        customers::update(&mut tx, customer, now)
            .await
            .context("updating a customer")?;
    }
    customers::set_customer_since(&mut tx, merchant_id, &customer_since)
        .await
        .context("dating customers")?;
    mandates::insert_many(&mut tx, &new_mandates, now)
        .await
        .context("inserting mandates (is a mandate reference already taken?)")?;
    subscriptions::insert_many(&mut tx, &new_subscriptions, now).await?;
    let held = import_store::mark_committed(&mut tx, merchant_id, import_id, chunk, now).await?;
    if !held {
        // Another worker took the import over: roll this chunk back, it writes it.
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The stored customer with the file's values where the file has one.
fn merged(stored: customers::Customer, file: NewCustomer, keep_billing: bool) -> NewCustomer {
    let pick = |new: String, old: String| if new.is_empty() { old } else { new };
    NewCustomer {
        id: stored.id,
        merchant_id: stored.merchant_id,
        reference: file.reference.or(stored.reference),
        first_name: pick(file.first_name, stored.first_name),
        last_name: pick(file.last_name, stored.last_name),
        company: pick(file.company, stored.company),
        email: pick(file.email, stored.email),
        phone: pick(file.phone, stored.phone),
        street: pick(file.street, stored.street),
        postal_code: pick(file.postal_code, stored.postal_code),
        city: pick(file.city, stored.city),
        country: pick(file.country, stored.country),
        language: file.language.or(stored.language),
        automatic_billing: if keep_billing {
            stored.automatic_billing
        } else {
            file.automatic_billing
        },
        payment_method: if keep_billing {
            stored.payment_method
        } else {
            file.payment_method
        },
        vat_number: pick(file.vat_number, stored.vat_number),
    }
}

/// Commits every import waiting for a worker (a crashed worker's expired lease included).
pub async fn run_due(db: &Db) -> anyhow::Result<()> {
    for (merchant_id, import_id) in import_store::claimable(db, store::now()).await? {
        run_chunks(db, &merchant_id, &import_id, None).await?;
    }
    Ok(())
}

/// Runs the import worker until the process stops.
pub fn spawn_worker(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_due(&db).await {
                tracing::error!(error = ?e, "import round failed");
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    })
}
