//! Reading the bank's return files: pain.002 status reports (rejects before settlement) and
//! camt.053 / camt.054 (returns and refunds after). Each entry is matched to its attempt by
//! EndToEndId (a rejected file or block: every attempt in it) and its reason code decides, by
//! the merchant's table: a new attempt with its own notice, failed with a payment link, failed
//! with a request for a new mandate, or charged back.
//!
//! Exactly once: an entry moves its attempt only from the states it can come from (a conditional
//! update), so the same file twice, or a camt.053 repeating a camt.054, changes nothing; the file
//! is recorded by its hash and a second upload answers with the first import.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::dunning::{self, Links, Unpaid};
use crate::domain::collection::{self, MAX_RETRIES, ReturnAction, ReturnPolicy};
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::{Event, EventType};
use crate::sepa::returns::{self as sepa, Entry, EntryKind, ReadError, Target};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::collections::{self as store, AttemptRow, NewHistory, ReturnImport, Settings};
use crate::store::customers;
use crate::store::mandates;
use crate::store::merchants::{self, Merchant};
use crate::store::transactions;
use crate::store::webhooks::record_event;
use crate::store::{self as db_store, Db, Tx};

/// Entries applied per database transaction.
const CHUNK: usize = 250;

/// Why a return file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    #[error("{0}")]
    Read(#[from] ReadError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// An entry that matched no attempt of the merchant.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Unmatched {
    /// The EndToEndId, or the message or block id of a rejected file.
    pub reference: String,
    pub reason_code: String,
    pub amount_minor: Option<i64>,
}

/// What reading a file did.
#[derive(Debug, Clone)]
pub struct Imported {
    pub import: ReturnImport,
    /// The same file was read before: nothing changed now.
    pub again: bool,
    pub unmatched: Vec<Unmatched>,
}

/// The PmtInfId of a batch's block is `{MsgId}-{FRST|RCUR}`.
fn block_of(pmt_inf_id: &str) -> (&str, Option<&str>) {
    match pmt_inf_id.rsplit_once('-') {
        Some((msg, seq @ ("FRST" | "RCUR"))) => (msg, Some(seq)),
        _ => (pmt_inf_id, None),
    }
}

/// Reads a return file for the merchant and applies it.
pub async fn import(
    db: &Db,
    actor: &dyn Actor,
    links: &Links,
    file_name: &str,
    bytes: &[u8],
) -> Result<Imported, ReturnError> {
    let merchant_id = actor.merchant_id();
    let report = sepa::read(bytes)?;
    let sha = hex::encode(Sha256::digest(bytes));
    if let Some(import) = store::import_by_hash(db, merchant_id, &sha).await? {
        let unmatched = serde_json::from_str(&import.unmatched).unwrap_or_default();
        return Ok(Imported {
            import,
            again: true,
            unmatched,
        });
    }
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    let settings = store::settings(db, merchant_id)
        .await?
        .context("the collection settings")?;
    let policy = ReturnPolicy::parse(&settings.return_actions).unwrap_or_default();
    // Resolve every entry to its attempts.
    let ids: Vec<&str> = report
        .entries
        .iter()
        .filter_map(|e| match &e.target {
            Target::EndToEnd(id) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let found = store::attempts_by_end_to_end(db, merchant_id, &ids).await?;
    let by_id: std::collections::HashMap<&str, &AttemptRow> = found
        .iter()
        .map(|a| (a.end_to_end_id.as_str(), a))
        .collect();
    let mut pairs: Vec<(AttemptRow, &Entry)> = Vec::new();
    let mut unmatched = Vec::new();
    for e in &report.entries {
        let code = e.reason_code.clone().unwrap_or_default();
        let rows: Vec<AttemptRow> = match &e.target {
            Target::EndToEnd(id) => by_id
                .get(id.as_str())
                .map(|a| (*a).clone())
                .into_iter()
                .collect(),
            Target::Message(msg) => store::attempts_of_message(db, merchant_id, msg, None).await?,
            Target::PaymentInfo(block) => {
                let (msg, seq) = block_of(block);
                store::attempts_of_message(db, merchant_id, msg, seq).await?
            }
        };
        if rows.is_empty() {
            let reference = match &e.target {
                Target::EndToEnd(s) | Target::Message(s) | Target::PaymentInfo(s) => s.clone(),
            };
            unmatched.push(Unmatched {
                reference,
                reason_code: code,
                amount_minor: e.amount_minor,
            });
            continue;
        }
        pairs.extend(rows.into_iter().map(|r| (r, e)));
    }
    let import_id = new_id(IdPrefix::Import);
    let source = if file_name.trim().is_empty() {
        import_id.clone()
    } else {
        file_name.trim().chars().take(200).collect()
    };
    let mut applied = 0i64;
    let mut known = 0i64;
    let context = Apply {
        db,
        merchant: &merchant,
        settings: &settings,
        policy: &policy,
        links,
        source: &source,
    };
    for chunk in pairs.chunks(CHUNK) {
        let now = db_store::now();
        let mut tx = db.begin().await?;
        for (row, entry) in chunk {
            if context.apply(&mut tx, row, entry, now).await? {
                applied += 1;
            } else {
                known += 1;
            }
        }
        tx.commit().await?;
    }
    let import = ReturnImport {
        id: import_id,
        merchant_id: merchant_id.to_string(),
        file_name: source.clone(),
        file_sha256: sha.clone(),
        message_type: report.message_type.as_str().to_string(),
        message_id: report.message_id.clone(),
        entries: report.entries.len() as i64,
        applied,
        known,
        unmatched: serde_json::to_string(&unmatched).context("listing unmatched entries")?,
        created_by: actor.actor_label().to_string(),
        created_at: db_store::now(),
    };
    let mut tx = db.begin().await?;
    if !store::insert_import(&mut tx, &import).await? {
        // Read concurrently by someone else: theirs is the record.
        drop(tx);
        let import = store::import_by_hash(db, merchant_id, &sha)
            .await?
            .context("the return file read meanwhile")?;
        return Ok(Imported {
            import,
            again: true,
            unmatched,
        });
    }
    let details = format!(
        "{} {}: {} entries, {applied} applied, {known} known already, {} unmatched",
        import.message_type,
        source,
        import.entries,
        unmatched.len()
    );
    let entry = NewActivity::by(
        actor,
        "collection",
        &import.id,
        "collection.returns_imported",
        details,
    );
    activity::record(&mut tx, &entry, import.created_at).await?;
    tx.commit().await?;
    Ok(Imported {
        import,
        again: false,
        unmatched,
    })
}

/// What applying entries needs.
struct Apply<'a> {
    db: &'a Db,
    merchant: &'a Merchant,
    settings: &'a Settings,
    policy: &'a ReturnPolicy,
    links: &'a Links,
    source: &'a str,
}

impl Apply<'_> {
    /// Applies one entry to one attempt; false when it was applied before.
    async fn apply(
        &self,
        tx: &mut Tx,
        row: &AttemptRow,
        entry: &Entry,
        now: DateTime<Utc>,
    ) -> anyhow::Result<bool> {
        let m = self.merchant.id.as_str();
        let code = entry
            .reason_code
            .as_deref()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let (from, to, event): (&[&str], _, _) = match entry.kind {
            EntryKind::Reject => (&["exported", "submitted"], "rejected", "rejected"),
            EntryKind::Return => (&["submitted", "settled"], "returned", "returned"),
        };
        if !store::mark_attempt(tx, &row.end_to_end_id, m, from, to, &code, now).await? {
            return Ok(false);
        }
        let t = &row.transaction_id;
        let previous = row.transaction_status.as_str();
        self.history(tx, row, event, previous, &code, None, "", now)
            .await?;
        if entry.kind == EntryKind::Reject && row.sequence_type == "FRST" {
            // It never reached the debtor's bank: the next attempt is a FRST again.
            if let Some(mandate_id) = &row.mandate_id {
                store::unuse_mandate(tx, mandate_id).await?;
            }
        }
        let cap = self.settings.retry_count.clamp(0, MAX_RETRIES);
        let action = match self.policy.action(&code) {
            ReturnAction::Retry if row.retries >= cap => ReturnAction::Fail,
            other => other,
        };
        match action {
            ReturnAction::Retry => {
                let due = collection::retry_date(
                    self.merchant.today(),
                    self.settings.retry_after_days,
                    self.merchant.notice_lead_days,
                );
                let sequence = if entry.kind == EntryKind::Reject {
                    row.sequence_type.as_str()
                } else {
                    "RCUR"
                };
                let notice = self.merchant.send_notices || row.notice_status != "none";
                store::reschedule(tx, t, due, sequence, &code, notice, now).await?;
                let note = format!("attempt {} on {due}", row.attempt + 1);
                self.history(
                    tx,
                    row,
                    "rescheduled",
                    "scheduled",
                    &code,
                    Some(due),
                    &note,
                    now,
                )
                .await?;
                self.announce(tx, row, EventType::TransactionRescheduled, "scheduled", now)
                    .await?;
            }
            ReturnAction::Refund => {
                store::end_unpaid(tx, t, "charged_back", &code, now).await?;
                self.history(
                    tx,
                    row,
                    "charged_back",
                    "charged_back",
                    &code,
                    None,
                    "",
                    now,
                )
                .await?;
                self.announce(
                    tx,
                    row,
                    EventType::TransactionChargedBack,
                    "charged_back",
                    now,
                )
                .await?;
                self.grey_list(tx, row, now).await?;
            }
            ReturnAction::Fail | ReturnAction::NewMandate => {
                store::end_unpaid(tx, t, "failed", &code, now).await?;
                let new_mandate = action == ReturnAction::NewMandate;
                let note = if new_mandate {
                    "mandate unusable: the customer is asked for a new one"
                } else {
                    "the customer is asked to pay another way"
                };
                self.history(tx, row, "failed", "failed", &code, None, note, now)
                    .await?;
                self.announce(tx, row, EventType::TransactionFailed, "failed", now)
                    .await?;
                self.tell_customer(tx, row, &code, new_mandate, now).await?;
                self.grey_list(tx, row, now).await?;
            }
        }
        Ok(true)
    }

    #[allow(clippy::too_many_arguments)]
    async fn history(
        &self,
        tx: &mut Tx,
        row: &AttemptRow,
        event: &str,
        status: &str,
        code: &str,
        due_date: Option<chrono::NaiveDate>,
        note: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let h = NewHistory {
            merchant_id: &self.merchant.id,
            transaction_id: &row.transaction_id,
            event,
            status,
            attempt: Some(row.attempt),
            reason_code: code,
            source: self.source,
            due_date,
            note,
        };
        store::record_history(tx, &h, now).await
    }

    async fn announce(
        &self,
        tx: &mut Tx,
        row: &AttemptRow,
        event_type: EventType,
        status: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let event = Event::new(event_type, &self.merchant.id, &row.transaction_id)
            .customer(&row.customer_id)
            .in_subscription(&row.subscription_id)
            .status(status, Some(&row.transaction_status));
        record_event(tx, &event, now)
            .await
            .context("announcing a returned transaction")
    }

    /// The email with a payment link, or (the mandate being unusable) the mandate revoked and
    /// the email asking for a new one; the subscription waits for it (billing needs a valid
    /// mandate).
    async fn tell_customer(
        &self,
        tx: &mut Tx,
        row: &AttemptRow,
        code: &str,
        new_mandate: bool,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let m = self.merchant.id.as_str();
        let Some(customer) = customers::get(self.db, m, &row.customer_id).await? else {
            return Ok(());
        };
        let t = transactions::get(self.db, m, &row.transaction_id)
            .await?
            .context("the returned transaction")?;
        let mandate = match &row.mandate_id {
            Some(id) => mandates::get(self.db, m, id).await?,
            None => None,
        };
        let unpaid = Unpaid {
            merchant: self.merchant,
            customer: &customer,
            transaction_id: &row.transaction_id,
            amount_minor: row.amount_minor,
            description: &t.description,
            reason_code: code,
            mandate_reference: mandate.as_ref().map(|m| m.reference.as_str()).unwrap_or(""),
        };
        match &mandate {
            Some(mandate) if new_mandate => {
                // Several returns under one mandate (one file or two) ask the customer once.
                if !mandates::revoke(tx, m, &mandate.id, now).await? {
                    return Ok(());
                }
                let entry = NewActivity {
                    merchant_id: m,
                    actor_id: None,
                    actor_label: "bank return",
                    subject_type: "mandate",
                    subject_id: &mandate.id,
                    action: "mandate.unusable",
                    details: format!("{code}: {}", collection::meaning(code)),
                };
                activity::record(tx, &entry, now).await?;
                dunning::queue_mandate_request(tx, self.links, &unpaid, &mandate.id, now).await?;
            }
            _ => {
                dunning::queue_payment_request(tx, self.links, &unpaid, now).await?;
            }
        }
        Ok(())
    }

    /// Grey-lists the customer after the merchant's number of unpaid collections in a row.
    async fn grey_list(
        &self,
        tx: &mut Tx,
        row: &AttemptRow,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let n = self.settings.grey_list_after;
        if !store::unpaid_in_a_row(tx, &row.customer_id, n).await? {
            return Ok(());
        }
        let m = self.merchant.id.as_str();
        let already = customers::get(self.db, m, &row.customer_id)
            .await?
            .is_none_or(|c| c.grey_listed);
        if already {
            return Ok(());
        }
        let reason = format!("{n} direct debits in a row went unpaid");
        if customers::set_grey_listed(tx, m, &row.customer_id, true, &reason, now).await? {
            let entry = NewActivity {
                merchant_id: m,
                actor_id: None,
                actor_label: "bank return",
                subject_type: "customer",
                subject_id: &row.customer_id,
                action: "customer.grey_listed",
                details: reason,
            };
            activity::record(tx, &entry, now).await?;
        }
        Ok(())
    }
}
