//! The billing run: every running subscription's periods that start on or before today plus the
//! pre-notification lead become transactions, exactly once.
//!
//! The run streams a merchant's subscriptions in chunks by id; each chunk is one database
//! transaction that inserts the new periods with `ON CONFLICT DO NOTHING` (one transaction per
//! subscription period is a unique constraint), announces them to webhook receivers and commits.
//! A run stopped between chunks leaves nothing half-done, and the next run (or a second one at the
//! same time, on another instance) creates what is missing and nothing twice. Which periods a
//! subscription has and when each is collected comes from `domain::schedule`, the same function
//! the customer and subscription pages and the API show upcoming charges with (`upcoming`).

mod schedule;
pub mod settings;

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::domain::calendar::date_in;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::schedule::collection_date;
use crate::domain::webhook::EventType;
use crate::services::invoices;
use crate::store::billing::{self, Billable, Run};
use crate::store::merchants::{self, Merchant};
use crate::store::transactions::{self, NewTransaction};
use crate::store::webhooks::{self as store_webhooks, Receiver};
use crate::store::{self, Db};

pub use schedule::{
    Charge, PlanSource, charged_periods, earliest_collection, first_charge, next_charges,
    pauses_by_subscription, plan, upcoming,
};

/// Subscriptions read and billed per database transaction.
pub const CHUNK: i64 = 2000;
/// How long ended subscriptions stay in the run (a cancellation's last periods after an outage).
const ENDED_GRACE_DAYS: i64 = 90;
/// Refused subscriptions named in a run's record (all are counted).
const NAMED_REFUSALS: usize = 100;

/// How a run is asked for.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run as if this were today (the merchant's today when `None`).
    pub as_of: Option<NaiveDate>,
    /// Compute what would be created, write nothing.
    pub dry_run: bool,
    /// The instant whose day in the merchant's time zone is today (now when `None`); ignored
    /// with `as_of`.
    pub at: Option<DateTime<Utc>>,
    /// Subscriptions read and billed per database transaction.
    pub chunk: i64,
    /// Stop after this many chunks (tests stop a run halfway to show it resumes).
    pub max_chunks: Option<usize>,
    /// Who asked: `schedule`, `command line`, or a staff member's email.
    pub started_by: String,
}

impl RunOptions {
    /// A run for `started_by` as of today.
    pub fn now(started_by: &str) -> RunOptions {
        RunOptions {
            as_of: None,
            dry_run: false,
            at: None,
            chunk: CHUNK,
            max_chunks: None,
            started_by: started_by.to_string(),
        }
    }
}

/// A subscription a run did not bill because it would have created too many periods at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub subscription_id: String,
    pub periods: usize,
}

/// What a run did (or, dry, would do).
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub merchant_id: String,
    pub as_of: NaiveDate,
    pub horizon: NaiveDate,
    /// Transactions written (dry: that would be written).
    pub created: u64,
    /// Their amount together, in cents.
    pub total_minor: i64,
    /// The first charges a dry run would create, for a preview.
    pub preview: Vec<PreviewLine>,
    pub refused: Vec<Refusal>,
    pub refused_count: u64,
    /// False when the run stopped early (`max_chunks`).
    pub complete: bool,
}

/// One charge a dry run would create.
#[derive(Debug, Clone)]
pub struct PreviewLine {
    pub subscription_id: String,
    pub description: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub due_date: NaiveDate,
    pub amount_minor: i64,
    pub sequence_type: &'static str,
}

/// Preview lines a dry run keeps.
const PREVIEW_LINES: usize = 200;

/// The periods of one chunk to write, what was refused, and (dry) the preview.
struct ChunkPlan {
    new: Vec<NewTransaction>,
    refused: Vec<Refusal>,
}

/// Bills one merchant's subscriptions.
#[tracing::instrument(skip(db, options), fields(merchant_id))]
pub async fn run(db: &Db, merchant_id: &str, options: &RunOptions) -> anyhow::Result<RunReport> {
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    let as_of = options
        .as_of
        .unwrap_or_else(|| date_in(merchant.zone(), options.at.unwrap_or_else(store::now)));
    let lead = Duration::days(i64::from(merchant.notice_lead_days.max(0)));
    let horizon = as_of + lead;
    let mut report = RunReport {
        merchant_id: merchant.id.clone(),
        as_of,
        horizon,
        ..RunReport::default()
    };
    let record = Run {
        id: new_id(IdPrefix::BillingRun),
        merchant_id: merchant.id.clone(),
        as_of,
        horizon,
        started_by: options.started_by.clone(),
        status: "running".into(),
        created: 0,
        refused: 0,
        refusals: String::new(),
        error: String::new(),
        started_at: store::now(),
        finished_at: None,
    };
    if !options.dry_run {
        billing::start_run(db, &record).await?;
    }
    let outcome = run_chunks(db, &merchant, options, &mut report).await;
    if !options.dry_run {
        let refusals = report
            .refused
            .iter()
            .map(|r| format!("{}:{}", r.subscription_id, r.periods))
            .collect::<Vec<_>>()
            .join(" ");
        let (status, error) = match &outcome {
            Ok(()) => ("done", String::new()),
            Err(e) => ("failed", format!("{e:#}")),
        };
        billing::finish_run(
            db,
            &record.id,
            status,
            i64::try_from(report.created).unwrap_or(i64::MAX),
            i64::try_from(report.refused_count).unwrap_or(i64::MAX),
            &refusals,
            &error,
            store::now(),
        )
        .await?;
    }
    outcome.map(|()| report)
}

/// A run refreshes the table's statistics once it created this many transactions, and again
/// each time it has doubled them: a first run into an empty table would otherwise have its
/// reads planned for an empty table to the end (and the next run too, until autovacuum came).
const ANALYZE_AFTER: u64 = 10_000;

async fn run_chunks(
    db: &Db,
    merchant: &Merchant,
    options: &RunOptions,
    report: &mut RunReport,
) -> anyhow::Result<()> {
    let endpoints = {
        let mut tx = db.begin().await?;
        store_webhooks::endpoints_wanting(&mut tx, &merchant.id, EventType::TransactionCreated)
            .await?
    };
    let max_periods = usize::try_from(merchant.billing_max_periods.max(1)).unwrap_or(1);
    let earliest_collection = report.horizon;
    let ended_since = report.as_of - Duration::days(ENDED_GRACE_DAYS);
    // Mandates given their first collection (FRST) in this chunk: a chunk reads whether each
    // mandate was used after the chunks before it committed, so only a dry run (which commits
    // nothing) remembers them across chunks.
    let mut first_given: HashSet<String> = HashSet::new();
    let mut after = String::new();
    let mut chunks = 0;
    let mut analyzed_at = 0u64;
    loop {
        if options.max_chunks.is_some_and(|max| chunks >= max) {
            return Ok(());
        }
        if !options.dry_run {
            first_given.clear();
        }
        let rows =
            billing::billable_after(db, &merchant.id, &after, ended_since, options.chunk.max(1))
                .await?;
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
            report.complete = true;
            return Ok(());
        };
        let pauses = pauses_by_subscription(
            billing::pauses_between(db, &merchant.id, &first.id, &last.id).await?,
        );
        let chunk = plan_chunk(
            merchant,
            &rows,
            &pauses,
            report.horizon,
            earliest_collection,
            max_periods,
            &mut first_given,
        );
        report.refused_count += chunk.refused.len() as u64;
        let room = NAMED_REFUSALS.saturating_sub(report.refused.len());
        report.refused.extend(chunk.refused.into_iter().take(room));
        if options.dry_run {
            report.created += chunk.new.len() as u64;
            report.total_minor += chunk.new.iter().map(|t| t.amount_minor).sum::<i64>();
            let room = PREVIEW_LINES.saturating_sub(report.preview.len());
            report
                .preview
                .extend(chunk.new.iter().take(room).map(|t| PreviewLine {
                    subscription_id: t.subscription_id.clone(),
                    description: t.description.clone(),
                    period_start: t.period_start.unwrap_or(t.due_date),
                    period_end: t.period_end.unwrap_or(t.due_date),
                    due_date: t.due_date,
                    amount_minor: t.amount_minor,
                    sequence_type: t.sequence_type,
                }));
        } else if !chunk.new.is_empty() {
            let own_urls: HashMap<&str, &str> = rows
                .iter()
                .filter_map(|r| Some((r.id.as_str(), r.transaction_webhook_url.as_deref()?)))
                .filter(|(_, url)| !url.is_empty())
                .collect();
            let receivers = |t: &NewTransaction| {
                let mut to = endpoints.clone();
                if let Some(url) = own_urls.get(t.subscription_id.as_str()) {
                    to.push(Receiver {
                        endpoint_id: None,
                        url: url.to_string(),
                    });
                }
                to
            };
            let now = store::now();
            let mut tx = db.begin().await?;
            let written = transactions::insert_periods(&mut tx, &chunk.new, receivers, now).await?;
            let written_ids: HashSet<&str> = written.iter().map(String::as_str).collect();
            let by_id: HashMap<&str, &Billable> = rows.iter().map(|r| (r.id.as_str(), r)).collect();
            let to_invoice: Vec<invoices::ToInvoice> = chunk
                .new
                .iter()
                .filter(|t| written_ids.contains(t.id.as_str()))
                .filter_map(|t| {
                    let row = by_id.get(t.subscription_id.as_str())?;
                    row.create_invoice.then(|| invoices::ToInvoice {
                        transaction: t,
                        vat_basis_points: u32::try_from(row.vat_basis_points).unwrap_or(0),
                        invoice_text: &row.invoice_text,
                    })
                })
                .collect();
            invoices::issue(&mut tx, merchant, &to_invoice, report.as_of, now).await?;
            tx.commit().await?;
            if written.len() < chunk.new.len() {
                tracing::info!(
                    skipped = chunk.new.len() - written.len(),
                    "periods billed meanwhile by another run"
                );
            }
            report.created += written.len() as u64;
            let written: HashSet<&str> = written.iter().map(String::as_str).collect();
            report.total_minor += chunk
                .new
                .iter()
                .filter(|t| written.contains(t.id.as_str()))
                .map(|t| t.amount_minor)
                .sum::<i64>();
        }
        if !options.dry_run && report.created >= ANALYZE_AFTER.max(2 * analyzed_at) {
            billing::analyze_transactions(db).await?;
            analyzed_at = report.created;
        }
        after = last.id.clone();
        chunks += 1;
        crash_after_chunks_for_tests(chunks);
    }
}

/// The new transactions of one chunk: each subscription's periods after its last charged one up
/// to `horizon`, unless there are more than `max_periods`.
fn plan_chunk(
    merchant: &Merchant,
    rows: &[Billable],
    pauses: &HashMap<String, Vec<crate::domain::schedule::Pause>>,
    horizon: NaiveDate,
    earliest_collection: NaiveDate,
    max_periods: usize,
    first_given: &mut HashSet<String>,
) -> ChunkPlan {
    let mut chunk = ChunkPlan {
        new: Vec::with_capacity(rows.len()),
        refused: Vec::new(),
    };
    for row in rows {
        let recorded = pauses.get(&row.id).map(Vec::as_slice).unwrap_or_default();
        let Some(plan) = plan(row, recorded) else {
            tracing::warn!(subscription_id = %row.id, interval = %row.billing_interval, "unreadable interval; not billed");
            continue;
        };
        let from = row
            .last_period
            .and_then(|d| d.succ_opt())
            .unwrap_or(plan.billing_from);
        let periods = plan.chargeable(from, horizon);
        if periods.len() > max_periods {
            chunk.refused.push(Refusal {
                subscription_id: row.id.clone(),
                periods: periods.len(),
            });
            continue;
        }
        for period in periods {
            let first = row.mandate_used == 0 && first_given.insert(row.mandate_id.clone());
            chunk.new.push(NewTransaction {
                id: new_id(IdPrefix::Transaction),
                merchant_id: merchant.id.clone(),
                subscription_id: row.id.clone(),
                customer_id: row.customer_id.clone(),
                mandate_id: Some(row.mandate_id.clone()),
                kind: "period",
                period_start: Some(period.start),
                period_end: Some(period.end),
                due_date: collection_date(period.start, earliest_collection),
                amount_minor: row.amount_minor,
                description: row.description.clone(),
                sequence_type: if first { "FRST" } else { "RCUR" },
                status: "scheduled",
                payment_id: None,
                notice_status: if merchant.send_notices || row.create_invoice {
                    "pending"
                } else {
                    "none"
                },
            });
        }
    }
    chunk
}

/// Debug builds only: with `CRASH_AFTER_BILLING_CHUNKS_FOR_TESTS=N` set, the process dies (as
/// with `kill -9`) right after its N-th chunk committed, so tests show a run resumes.
fn crash_after_chunks_for_tests(chunks: usize) {
    if cfg!(debug_assertions)
        && std::env::var("CRASH_AFTER_BILLING_CHUNKS_FOR_TESTS")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            == Some(chunks)
    {
        eprintln!("CRASH_AFTER_BILLING_CHUNKS_FOR_TESTS: stopping after chunk {chunks}");
        std::process::abort();
    }
}

/// Bills every merchant; returns one report per merchant (a failing merchant does not stop the
/// others: its run is recorded as failed).
pub async fn run_all(db: &Db, options: &RunOptions) -> anyhow::Result<Vec<RunReport>> {
    let mut reports = Vec::new();
    for merchant in merchants::list(db).await? {
        match run(db, &merchant.id, options).await {
            Ok(report) => reports.push(report),
            Err(e) => tracing::error!(merchant_id = %merchant.id, error = ?e, "billing run failed"),
        }
    }
    Ok(reports)
}

/// The lease of the scheduled run, so that one instance of several bills at a time.
const LEASE: &str = "billing-run";

/// Bills every merchant now and then every hour, on whichever instance holds the lease, until
/// the process stops; the same round settles collection batches whose settle window passed.
pub fn spawn_schedule(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let holder = new_id(IdPrefix::Worker);
        loop {
            let now = store::now();
            match billing::claim_lease(&db, LEASE, &holder, now, now + Duration::minutes(50)).await
            {
                Ok(true) => {
                    if let Err(e) = billing::fail_abandoned(&db, now - Duration::hours(2)).await {
                        tracing::error!(error = ?e, "closing abandoned billing runs failed");
                    }
                    match run_all(&db, &RunOptions::now("schedule")).await {
                        Ok(reports) => {
                            let created: u64 = reports.iter().map(|r| r.created).sum();
                            if created > 0 {
                                tracing::info!(created, "billing run");
                            }
                        }
                        Err(e) => tracing::error!(error = ?e, "billing run failed"),
                    }
                    // Collection batches whose settle window passed without returns are paid.
                    match crate::services::collections::settle_due(&db).await {
                        Ok(0) => {}
                        Ok(settled) => tracing::info!(settled, "collection batches settled"),
                        Err(e) => tracing::error!(error = ?e, "settling collection batches failed"),
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = ?e, "claiming the billing lease failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}
