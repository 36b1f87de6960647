//! Collections from the merchant's own bank: which scheduled direct debits a pain.008 file for a
//! collection date takes (and why others wait), the file written in chunks and stored with its
//! hash, and the batch's life: exported → submitted (uploaded to the bank) → settled (paid), or
//! cancelled before upload. Bank returns and dunning live in `returns` and `dunning`.
//!
//! Exactly once: a transaction is in at most one live batch (a unique index); an export holds a
//! per-merchant lease and leaves a `draft` until its last step, which an interrupted export's
//! next run deletes and redoes; every batch step is one conditional database transaction with
//! its history and webhook events.

pub mod dunning;
pub mod returns;
pub mod settings;

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sha2::{Digest, Sha256};

use crate::domain::calendar::date_in;
use crate::domain::collection::{self, end_to_end_id};
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::{Event, EventType};
use crate::sepa::charset;
use crate::sepa::pain008::{self, Block, Creditor, Debit, GroupHeader, Sequence, Version};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::collections::{self as store, Batch, Candidate, NewAttempt, Settings};
use crate::store::merchants::{self, Merchant};
use crate::store::webhooks::{Receiver, endpoints_wanting, record_event_to};
use crate::store::{Db, Tx};

/// Transactions read, checked and recorded per database transaction.
const CHUNK: usize = 2000;
/// Bytes per stored part of a file.
const PART_BYTES: usize = 1024 * 1024;
/// Waiting transactions a page or report names (all are counted).
const NAMED_WAITING: usize = 200;

/// Why a collection step was refused.
#[derive(Debug, thiserror::Error)]
pub enum CollectionError {
    #[error("Collection files need {0}: add it under Settings")]
    MissingSetting(&'static str),
    #[error(
        "Nothing can be collected on {date}: {waiting} transactions wait (see why on the Collections page)"
    )]
    NothingDue { date: NaiveDate, waiting: usize },
    #[error("The earliest collection date is {0}: the bank needs the file a business day before")]
    TooEarly(NaiveDate),
    #[error("{0} is not a business day for SEPA collections (TARGET2 is closed)")]
    NotBusinessDay(NaiveDate),
    #[error("Another collection file is being created for this merchant; try again in a minute")]
    Busy,
    #[error("That collection batch does not exist")]
    NotFound,
    #[error("This batch is {status}: it can't be {step}")]
    WrongState { status: String, step: &'static str },
    #[error("The export was stopped before it finished (it resumes on the next export)")]
    Interrupted,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Why a transaction is not (yet) in a file for the chosen date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wait {
    NoMandate,
    NoAccount,
    /// The debtor's name has nothing in the SEPA character set (all Cyrillic, say).
    NoSepaName,
    /// Its pre-notification is not sent yet.
    NoticeNotSent,
    /// No pre-notification could go out (the customer has no email address).
    NoNotice,
    /// The notice went out on this day: less than the lead before the collection.
    NoticeTooRecent(NaiveDate),
}

impl Wait {
    /// What staff read.
    pub fn describe(&self) -> String {
        match self {
            Wait::NoMandate => "no valid mandate".into(),
            Wait::NoAccount => "the mandate has no IBAN".into(),
            Wait::NoSepaName => {
                "the account holder's name has no letters the SEPA character set can write: \
                 correct it on the mandate"
                    .into()
            }
            Wait::NoticeNotSent => "its pre-notification has not been sent yet".into(),
            Wait::NoNotice => {
                "no pre-notification could be sent (the customer has no email address)".into()
            }
            Wait::NoticeTooRecent(day) => format!(
                "its pre-notification went out on {day}, less than the notice period before"
            ),
        }
    }

    /// Whether the merchant may include it anyway (a logged override).
    pub fn overridable(&self) -> bool {
        matches!(self, Wait::NoticeTooRecent(_) | Wait::NoNotice)
    }
}

/// A transaction that waits, and why.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub transaction_id: String,
    pub customer_name: String,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub reason: Wait,
}

/// The debtor's name as the file writes it: the account holder's, else the customer's.
fn debtor_name(account_holder: &str, first: &str, last: &str, company: &str) -> String {
    if !account_holder.trim().is_empty() {
        return account_holder.trim().to_string();
    }
    let name = format!("{first} {last}");
    if name.trim().is_empty() {
        company.trim().to_string()
    } else {
        name.trim().to_string()
    }
}

/// Whether a candidate can be collected on `date`, or why it waits.
fn check(
    c: &Candidate,
    merchant: &Merchant,
    date: NaiveDate,
    include_recent: bool,
) -> Result<(), Wait> {
    if c.mandate_status.as_deref() != Some("valid") {
        return Err(Wait::NoMandate);
    }
    if c.iban.as_deref().unwrap_or_default().is_empty() {
        return Err(Wait::NoAccount);
    }
    let name = debtor_name(
        c.account_holder.as_deref().unwrap_or_default(),
        &c.first_name,
        &c.last_name,
        &c.company,
    );
    if charset::to_basic(&name).is_empty() {
        return Err(Wait::NoSepaName);
    }
    let wait = match (c.notice_status.as_str(), c.notice_sent_at) {
        ("none", _) if merchant.send_notices => Some(Wait::NoNotice),
        ("none", _) => None,
        (_, None) => Some(Wait::NoticeNotSent),
        (_, Some(sent)) => {
            let sent_on = date_in(merchant.zone(), sent);
            let lead = i64::from(merchant.notice_lead_days.max(0));
            (sent_on + Duration::days(lead) > date).then_some(Wait::NoticeTooRecent(sent_on))
        }
    };
    match wait {
        Some(w) if include_recent && w.overridable() => Ok(()),
        Some(w) => Err(w),
        None => Ok(()),
    }
}

/// The waiting row of a candidate.
fn waiting(c: &Candidate, reason: Wait) -> Waiting {
    Waiting {
        transaction_id: c.id.clone(),
        customer_name: debtor_name("", &c.first_name, &c.last_name, &c.company),
        due_date: c.due_date,
        amount_minor: c.amount_minor,
        reason,
    }
}

/// The earliest collection date of a file made now, by the merchant's clock and cut-off.
pub fn earliest_date(merchant: &Merchant, settings: &Settings) -> NaiveDate {
    let now = Utc::now().with_timezone(&merchant.zone()).naive_local();
    collection::earliest_collection(now, cutoff(settings))
}

/// The bank's cut-off time (16:00 when the stored one does not read).
fn cutoff(settings: &Settings) -> NaiveTime {
    NaiveTime::parse_from_str(&settings.bank_cutoff, "%H:%M")
        .unwrap_or_else(|_| NaiveTime::from_hms_opt(16, 0, 0).unwrap_or_default())
}

/// What the Collections page shows.
#[derive(Debug, Clone)]
pub struct Overview {
    pub merchant: Merchant,
    pub settings: Settings,
    /// The proposed collection date.
    pub earliest: NaiveDate,
    /// The date the waiting list is for.
    pub date: NaiveDate,
    /// Scheduled debits (not in a live batch) due in the coming weeks, per day and type.
    pub groups: Vec<store::DueGroup>,
    /// Due on or before `date` and ready for a file.
    pub ready: (usize, i64),
    pub waiting: Vec<Waiting>,
    pub waiting_count: usize,
    /// Settings a file needs that are missing.
    pub missing: Vec<&'static str>,
}

/// The settings a file needs that the merchant has not given.
pub fn missing_settings(merchant: &Merchant) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if merchant
        .creditor_id
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        missing.push("a creditor identifier");
    }
    if merchant
        .creditor_iban
        .as_deref()
        .unwrap_or_default()
        .is_empty()
    {
        missing.push("the IBAN to collect to");
    }
    missing
}

async fn load(db: &Db, merchant_id: &str) -> anyhow::Result<(Merchant, Settings)> {
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    let settings = store::settings(db, merchant_id)
        .await?
        .context("the merchant's collection settings")?;
    Ok((merchant, settings))
}

/// The Collections page's figures for a file on `date` (the proposed date when `None`).
pub async fn overview(
    db: &Db,
    merchant_id: &str,
    date: Option<NaiveDate>,
) -> anyhow::Result<Overview> {
    let (merchant, settings) = load(db, merchant_id).await?;
    let earliest = earliest_date(&merchant, &settings);
    let date = date.unwrap_or(earliest);
    let groups = store::upcoming(db, merchant_id, date.max(earliest) + Duration::days(45)).await?;
    let mut ready = (0usize, 0i64);
    let mut named = Vec::new();
    let mut waiting_count = 0;
    let mut after: Option<(NaiveDate, String)> = None;
    loop {
        let rows =
            store::candidates_after(db, merchant_id, date, after.as_ref(), CHUNK as i64).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.due_date, last.id.clone()));
        for c in &rows {
            match check(c, &merchant, date, false) {
                Ok(()) => {
                    ready.0 += 1;
                    ready.1 += c.amount_minor;
                }
                Err(w) => {
                    waiting_count += 1;
                    if named.len() < NAMED_WAITING {
                        named.push(waiting(c, w));
                    }
                }
            }
        }
    }
    Ok(Overview {
        missing: missing_settings(&merchant),
        merchant,
        settings,
        earliest,
        date,
        groups,
        ready,
        waiting: named,
        waiting_count,
    })
}

/// A request for a collection file.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub collection_date: NaiveDate,
    /// The merchant's setting when `None`.
    pub format: Option<Version>,
    /// Include transactions whose notice went out too recently (logged).
    pub include_recent: bool,
    /// Transactions per chunk (tests make it small).
    pub chunk: usize,
    /// Stop after this many chunks, leaving the draft (tests of an interrupted export).
    pub max_chunks: Option<usize>,
}

impl ExportRequest {
    /// A file for `date` with the merchant's settings.
    pub fn on(date: NaiveDate) -> ExportRequest {
        ExportRequest {
            collection_date: date,
            format: None,
            include_recent: false,
            chunk: CHUNK,
            max_chunks: None,
        }
    }
}

/// What an export made.
#[derive(Debug, Clone)]
pub struct Exported {
    pub batch: Batch,
    pub waiting: Vec<Waiting>,
    pub waiting_count: usize,
}

/// An in-memory spool the XML writer writes into; full parts are taken out as they fill, so
/// only about a part's worth is ever held.
#[derive(Clone, Default)]
struct Spool(Arc<Mutex<Vec<u8>>>);

impl Spool {
    fn take(&self, at_least: usize) -> Vec<u8> {
        match self.0.lock() {
            Ok(mut buf) if buf.len() >= at_least => std::mem::take(&mut *buf),
            _ => Vec::new(),
        }
    }
}

impl Write for Spool {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("the file spool was poisoned"))?
            .extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Stores a file part by part, hashing as it goes.
struct Parts<'a> {
    db: &'a Db,
    batch_id: &'a str,
    next: i32,
    hasher: Sha256,
    bytes: i64,
}

impl Parts<'_> {
    async fn store(&mut self, data: Vec<u8>) -> anyhow::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        self.hasher.update(&data);
        self.bytes += data.len() as i64;
        let mut tx = self.db.begin().await?;
        store::insert_part(&mut tx, self.batch_id, self.next, &data).await?;
        tx.commit().await?;
        self.next += 1;
        Ok(())
    }
}

fn sequence(s: &str) -> Sequence {
    if s == "FRST" {
        Sequence::Frst
    } else {
        Sequence::Rcur
    }
}

/// Creates the collection file for `request.collection_date`: every scheduled direct debit due
/// on or before it that is ready (valid mandate, notice in time), FRST for a mandate's first
/// collection and RCUR after, stored with its hash as an exported batch.
pub async fn export(
    db: &Db,
    actor: &dyn Actor,
    request: &ExportRequest,
) -> Result<Exported, CollectionError> {
    let merchant_id = actor.merchant_id();
    let (merchant, settings) = load(db, merchant_id).await?;
    if let Some(missing) = missing_settings(&merchant).first() {
        return Err(CollectionError::MissingSetting(missing));
    }
    let date = request.collection_date;
    if !crate::domain::calendar::is_business_day(date) {
        return Err(CollectionError::NotBusinessDay(date));
    }
    let earliest = earliest_date(&merchant, &settings);
    if date < earliest {
        return Err(CollectionError::TooEarly(earliest));
    }
    let lease = format!("collections-export:{merchant_id}");
    let holder = new_id(IdPrefix::Worker);
    let now = crate::store::now();
    if !crate::store::billing::claim_lease(db, &lease, &holder, now, now + Duration::minutes(30))
        .await?
    {
        return Err(CollectionError::Busy);
    }
    let result = export_leased(db, actor, &merchant, &settings, request).await;
    crate::store::billing::release_lease(db, &lease, &holder).await?;
    result
}

async fn export_leased(
    db: &Db,
    actor: &dyn Actor,
    merchant: &Merchant,
    settings: &Settings,
    request: &ExportRequest,
) -> Result<Exported, CollectionError> {
    let merchant_id = merchant.id.as_str();
    // An interrupted export left a draft that no one saw: start again without it.
    for draft in store::drafts(db, merchant_id).await? {
        let mut tx = db.begin().await?;
        store::delete_draft(&mut tx, merchant_id, &draft).await?;
        tx.commit().await?;
        tracing::info!(batch_id = %draft, "redoing an interrupted collection export");
    }
    let version = request
        .format
        .or_else(|| Version::parse(&settings.pain_format))
        .unwrap_or(Version::V02);
    let id = new_id(IdPrefix::Batch);
    let now = crate::store::now();
    let mut batch = Batch {
        message_id: id.replace('_', "-"),
        id,
        merchant_id: merchant_id.to_string(),
        collection_date: request.collection_date,
        format: version.as_str().to_string(),
        status: "draft".into(),
        transactions: 0,
        total_minor: 0,
        first_count: 0,
        first_minor: 0,
        file_sha256: String::new(),
        file_bytes: 0,
        overrides: 0,
        created_by: actor.actor_label().to_string(),
        created_at: now,
        submitted_at: None,
        settle_on: None,
        settled_at: None,
        cancelled_at: None,
    };
    {
        let mut tx = db.begin().await?;
        store::insert_batch(&mut tx, &batch).await?;
        tx.commit().await?;
    }
    let date = request.collection_date;
    let mut first_given: HashSet<String> = HashSet::new();
    let mut named = Vec::new();
    let mut waiting_count = 0;
    let mut overrides = 0i64;
    let mut after: Option<(NaiveDate, String)> = None;
    let mut chunks = 0;
    let (mut written, mut analyzed_at) = (0usize, 0usize);
    loop {
        if request.max_chunks.is_some_and(|max| chunks >= max) {
            return Err(CollectionError::Interrupted);
        }
        let rows = store::candidates_after(
            db,
            merchant_id,
            date,
            after.as_ref(),
            request.chunk.max(1) as i64,
        )
        .await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.due_date, last.id.clone()));
        chunks += 1;
        let mut attempts = Vec::with_capacity(rows.len());
        for c in &rows {
            if let Err(w) = check(c, merchant, date, false) {
                if !(request.include_recent && w.overridable()) {
                    waiting_count += 1;
                    if named.len() < NAMED_WAITING {
                        named.push(waiting(c, w));
                    }
                    continue;
                }
                overrides += 1;
            }
            let Some(mandate_id) = &c.mandate_id else {
                continue;
            };
            let first = c.first_used_on.is_none() && first_given.insert(mandate_id.clone());
            let attempt = c.retries + 1;
            attempts.push(NewAttempt {
                end_to_end_id: end_to_end_id(&c.id, attempt, &batch.id),
                transaction_id: c.id.clone(),
                attempt,
                sequence_type: if first { "FRST" } else { "RCUR" },
                amount_minor: c.amount_minor,
            });
        }
        if !attempts.is_empty() {
            let mut tx = db.begin().await?;
            store::insert_attempts(
                &mut tx,
                merchant_id,
                &batch.id,
                &attempts,
                crate::store::now(),
            )
            .await?;
            tx.commit().await?;
            written += attempts.len();
            if written >= analyzed_at.max(1) * 4 {
                // Statistics of a table grown from empty: after a chunk, then each fourfold.
                store::analyze_attempts(db).await?;
                analyzed_at = written;
            }
        }
    }
    store::analyze_attempts(db).await?;
    let totals = store::attempt_totals(db, &batch.id).await?;
    let count: i64 = totals.iter().map(|t| t.1).sum();
    if count == 0 {
        let mut tx = db.begin().await?;
        store::delete_draft(&mut tx, merchant_id, &batch.id).await?;
        tx.commit().await?;
        return Err(CollectionError::NothingDue {
            date,
            waiting: waiting_count,
        });
    }
    batch.transactions = count;
    batch.total_minor = totals.iter().map(|t| t.2).sum();
    let first = totals.iter().find(|t| t.0 == "FRST");
    batch.first_count = first.map(|t| t.1).unwrap_or(0);
    batch.first_minor = first.map(|t| t.2).unwrap_or(0);
    batch.overrides = overrides;
    let (sha, bytes) = write_file(db, merchant, &batch, version, &totals).await?;
    batch.file_sha256 = sha;
    batch.file_bytes = bytes;
    let now = crate::store::now();
    let mut tx = db.begin().await?;
    let exported = store::Exported {
        transactions: batch.transactions,
        total_minor: batch.total_minor,
        first_count: batch.first_count,
        first_minor: batch.first_minor,
        file_sha256: &batch.file_sha256,
        file_bytes: batch.file_bytes,
        overrides,
    };
    if !store::finish_export(&mut tx, merchant_id, &batch, &exported, now).await? {
        return Err(anyhow::anyhow!("the draft batch disappeared during its export").into());
    }
    let mut details = format!(
        "{} for {}: {} debits, {} ({} FRST)",
        batch.format,
        date,
        batch.transactions,
        crate::domain::Money::from_minor(batch.total_minor).format_eur(),
        batch.first_count
    );
    if overrides > 0 {
        details.push_str(&format!(
            "; {overrides} included although their pre-notification went out less than {} days before",
            merchant.notice_lead_days
        ));
    }
    let entry = NewActivity::by(
        actor,
        "collection",
        &batch.id,
        "collection.exported",
        details,
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    batch.status = "exported".into();
    Ok(Exported {
        batch,
        waiting: named,
        waiting_count,
    })
}

/// Writes a draft batch's pain.008 file into its stored parts; returns its hash and size.
async fn write_file(
    db: &Db,
    merchant: &Merchant,
    batch: &Batch,
    version: Version,
    totals: &[(String, i64, i64)],
) -> anyhow::Result<(String, i64)> {
    let spool = Spool::default();
    let creditor_name = crate::services::mandates::texts::creditor_name(merchant);
    let creditor = Creditor {
        name: &creditor_name,
        iban: merchant.creditor_iban.as_deref().unwrap_or_default(),
        bic: merchant.creditor_bic.as_deref().filter(|b| !b.is_empty()),
        creditor_id: merchant.creditor_id.as_deref().unwrap_or_default(),
    };
    let header = GroupHeader {
        message_id: &batch.message_id,
        created_at: batch.created_at,
        transactions: u64::try_from(batch.transactions).unwrap_or(0),
        control_sum_minor: batch.total_minor,
        initiating_party: &creditor_name,
    };
    let mut writer = pain008::Writer::start(spool.clone(), version, &header)
        .context("starting the collection file")?;
    let mut parts = Parts {
        db,
        batch_id: &batch.id,
        next: 0,
        hasher: Sha256::new(),
        bytes: 0,
    };
    let mut open: Option<String> = None;
    let mut after: Option<(String, String)> = None;
    loop {
        let rows = store::debits_after(db, &batch.id, after.as_ref(), CHUNK as i64).await?;
        let Some(last) = rows.last() else { break };
        after = Some((last.sequence_type.clone(), last.end_to_end_id.clone()));
        for d in &rows {
            if open.as_deref() != Some(d.sequence_type.as_str()) {
                if open.is_some() {
                    writer.end_block().context("closing a payment block")?;
                }
                let (_, count, sum) = totals
                    .iter()
                    .find(|t| t.0 == d.sequence_type)
                    .cloned()
                    .unwrap_or_default();
                let block_id = format!("{}-{}", batch.message_id, d.sequence_type);
                writer
                    .begin_block(
                        &Block {
                            payment_info_id: &block_id,
                            sequence: sequence(&d.sequence_type),
                            collection_date: batch.collection_date,
                            transactions: u64::try_from(count).unwrap_or(0),
                            control_sum_minor: sum,
                        },
                        &creditor,
                    )
                    .context("opening a payment block")?;
                open = Some(d.sequence_type.clone());
            }
            let name = debtor_name(&d.account_holder, &d.first_name, &d.last_name, &d.company);
            let remittance = d.invoice_number.clone().unwrap_or(d.description.clone());
            writer
                .debit(&Debit {
                    end_to_end_id: &d.end_to_end_id,
                    amount_minor: d.amount_minor,
                    mandate_id: &d.mandate_reference,
                    signed_on: d.signed_on.unwrap_or(batch.collection_date),
                    debtor_name: &name,
                    debtor_iban: &d.iban,
                    debtor_bic: d.bic.as_deref().filter(|b| !b.is_empty()),
                    remittance: &remittance,
                })
                .with_context(|| {
                    format!("writing the debit of transaction {}", d.transaction_id)
                })?;
        }
        parts.store(spool.take(PART_BYTES)).await?;
    }
    if open.is_some() {
        writer.end_block().context("closing a payment block")?;
    }
    writer.finish().context("finishing the collection file")?;
    parts.store(spool.take(0)).await?;
    Ok((hex::encode(parts.hasher.finalize()), parts.bytes))
}

/// A batch's stored file, part by part (parts count from 0); `None` past the last.
pub async fn file_part(db: &Db, batch: &Batch, part: i32) -> anyhow::Result<Option<Vec<u8>>> {
    store::part(db, &batch.id, part).await
}

/// The file name a batch downloads as.
pub fn file_name(batch: &Batch) -> String {
    format!(
        "{}-{}-{}.xml",
        batch.format,
        batch.collection_date,
        batch.id.trim_start_matches("bat_")
    )
}

/// One of the merchant's batches.
pub async fn batch(db: &Db, merchant_id: &str, id: &str) -> Result<Batch, CollectionError> {
    store::batch(db, merchant_id, id)
        .await?
        .filter(|b| b.status != "draft")
        .ok_or(CollectionError::NotFound)
}

/// A step of a batch's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The merchant uploaded the file to the bank.
    Submit,
    /// Before upload: the transactions go back to the next file.
    Cancel,
    /// Paid: the settle window passed without returns, or the merchant says so.
    Settle,
}

impl Step {
    /// Parses the step's name in URLs and on the command line.
    pub fn parse(s: &str) -> Option<Step> {
        match s {
            "submit" => Some(Step::Submit),
            "cancel" => Some(Step::Cancel),
            "settle" => Some(Step::Settle),
            _ => None,
        }
    }

    fn verb(&self) -> &'static str {
        match self {
            Step::Submit => "marked uploaded",
            Step::Cancel => "cancelled",
            Step::Settle => "settled",
        }
    }
}

/// Takes a step of one of the merchant's batches, with its history, activity and webhooks.
pub async fn step(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    step: Step,
) -> Result<Batch, CollectionError> {
    let merchant_id = actor.merchant_id();
    let found = batch(db, merchant_id, id).await?;
    let (_, settings) = load(db, merchant_id).await?;
    let now = crate::store::now();
    let mut tx = db.begin().await?;
    let done = match step {
        Step::Submit => {
            let settle_on = collection::settle_on(
                found.collection_date,
                u32::try_from(settings.settle_days).unwrap_or(0),
            );
            store::submit(&mut tx, merchant_id, id, settle_on, now).await?
        }
        Step::Cancel => store::cancel(&mut tx, merchant_id, id, now).await?,
        Step::Settle => store::settle(&mut tx, merchant_id, id, now).await?,
    };
    if !done {
        return Err(CollectionError::WrongState {
            status: found.status,
            step: step.verb(),
        });
    }
    match step {
        Step::Submit => {
            announce(
                &mut tx,
                db,
                &found,
                "submitted",
                EventType::TransactionSubmitted,
                ("submitted", "scheduled"),
                now,
            )
            .await?
        }
        Step::Cancel => {}
        Step::Settle => {
            announce(
                &mut tx,
                db,
                &found,
                "settled",
                EventType::TransactionPaid,
                ("paid", "submitted"),
                now,
            )
            .await?
        }
    }
    let details = format!(
        "{} debits, {}, collection date {}",
        found.transactions,
        crate::domain::Money::from_minor(found.total_minor).format_eur(),
        found.collection_date
    );
    let action = match step {
        Step::Submit => "collection.submitted",
        Step::Cancel => "collection.cancelled",
        Step::Settle => "collection.settled",
    };
    let entry = NewActivity::by(actor, "collection", id, action, details);
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    batch(db, merchant_id, id).await
}

/// Announces a batch step for each transaction whose attempt is now in `attempt_status`, to
/// the endpoints that want it and the subscriptions' own addresses (and `invoice.paid` for
/// their invoices when they were paid). Nothing is read when nobody listens.
async fn announce(
    tx: &mut Tx,
    db: &Db,
    batch: &Batch,
    attempt_status: &str,
    event_type: EventType,
    (status, previous): (&str, &str),
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    let m = batch.merchant_id.as_str();
    let endpoints = endpoints_wanting(tx, m, event_type).await?;
    let invoice_endpoints = if event_type == EventType::TransactionPaid {
        endpoints_wanting(tx, m, EventType::InvoicePaid).await?
    } else {
        Vec::new()
    };
    let own = store::batch_has_own_webhooks(db, &batch.id).await?;
    if endpoints.is_empty() && invoice_endpoints.is_empty() && !own {
        return Ok(());
    }
    let mut after = String::new();
    loop {
        let rows = store::moved_after(tx, &batch.id, attempt_status, &after, 1000).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.transaction_id.clone();
        for r in &rows {
            let mut to = endpoints.clone();
            if let Some(url) = r
                .transaction_webhook_url
                .as_deref()
                .filter(|u| !u.is_empty())
            {
                to.push(Receiver {
                    endpoint_id: None,
                    url: url.to_string(),
                });
            }
            if !to.is_empty() {
                let event = Event::new(event_type, m, &r.transaction_id)
                    .customer(&r.customer_id)
                    .in_subscription(&r.subscription_id)
                    .status(status, Some(previous));
                record_event_to(tx, &event, &to, at)
                    .await
                    .context("announcing a collection step")?;
            }
            if let (Some(invoice_id), false) = (&r.invoice_id, invoice_endpoints.is_empty()) {
                let event = Event::new(EventType::InvoicePaid, m, invoice_id)
                    .customer(&r.customer_id)
                    .in_subscription(&r.subscription_id)
                    .status("paid", Some("open"));
                record_event_to(tx, &event, &invoice_endpoints, at)
                    .await
                    .context("announcing a paid invoice")?;
            }
        }
    }
}

/// Settles every submitted batch whose settle day has come in its merchant's time zone;
/// returns how many it settled. Idempotent (a settled batch is not submitted any more).
pub async fn settle_due(db: &Db) -> anyhow::Result<usize> {
    let tomorrow = Utc::now().date_naive() + Duration::days(1);
    let mut settled = 0;
    for b in store::due_for_settling(db, tomorrow).await? {
        let Some(merchant) = merchants::get(db, &b.merchant_id).await? else {
            continue;
        };
        if b.settle_on.is_none_or(|day| day > merchant.today()) {
            continue;
        }
        let actor = activity::System::new(&b.merchant_id, "settle window");
        match step(db, &actor, &b.id, Step::Settle).await {
            Ok(_) => settled += 1,
            Err(CollectionError::WrongState { .. }) => {}
            Err(e) => return Err(anyhow::Error::new(e).context("settling a batch")),
        }
    }
    Ok(settled)
}
