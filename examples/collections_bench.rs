//! Seeds a merchant with scheduled direct debits (100,000 by default), each with its customer,
//! valid mandate and subscription, and creates the collection file for them as the admin and
//! the command line do (`services::collections::export`), printing its time, debits/s and peak
//! memory next to a baseline measured in the same run on the same database: a plain SELECT of
//! the same rows with the same columns (what any export has to read). Then it marks the batch
//! uploaded and reads a camt.054 with 10,000 returns (`services::collections::returns::import`)
//! next to its own baseline: parsing the same file and one prepared UPDATE per return in one
//! transaction (rolled back, so the real import finds the attempts untouched).
//!
//! `cargo run --release --example collections_bench [-- TRANSACTIONS]`
//! Uses SQLite in a temporary folder, or PostgreSQL when `BENCH_DATABASE_URL` is set (to a fresh,
//! empty database).
//!
//! The data: one in five mandates is unused (its debit is FRST), half have no BIC (written as
//! NOTPROVIDED), names and descriptions vary per row; notices are off, so every debit is ready.
//! Seeding is set-based SQL and not measured. The returns: 40 % AM04 (a new attempt with its
//! notice), 30 % MS02 (failed, the payment-link email queued), 30 % MD06 (charged back).
//!
//! Memory: the peak resident size is reset before each job (Linux `clear_refs`) and read after
//! it; the export streams chunks of 2,000 debits into stored parts of 1 MB, so its peak above the
//! size before must not grow with the number of debits.
//!
//! Exits non-zero when the file holds other than the seeded number of debits or the import
//! applies other than 10,000 returns.

use std::time::{Duration, Instant};

use abbo::services::collections::{self, ExportRequest, Step, dunning};
use abbo::store::activity::System;
use abbo::store::{Db, Tx};
use chrono::NaiveDate;
use futures_util::TryStreamExt;

mod support;
use support::{BenchApp, mb, memory_kb, start_peak, step};

/// Returns in the camt.054.
const RETURNS: usize = 10_000;

async fn execute(db: &Db, sql: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    match &mut tx {
        Tx::Sqlite(t) => {
            sqlx::raw_sql(sql).execute(&mut **t).await?;
        }
        Tx::Postgres(t) => {
            sqlx::raw_sql(sql).execute(&mut **t).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Customers, valid mandates, subscriptions and one scheduled debit each, due on `date`.
async fn seed(
    db: &Db,
    merchant_id: &str,
    product_id: &str,
    count: usize,
    date: NaiveDate,
) -> anyhow::Result<()> {
    let postgres = matches!(db, Db::Postgres(_));
    let (day, at) = if postgres {
        (
            format!("DATE '{date}'"),
            "TIMESTAMPTZ '2026-11-01T00:00:00Z'".to_string(),
        )
    } else {
        (format!("'{date}'"), "'2026-11-01T00:00:00Z'".to_string())
    };
    let (signed, used) = if postgres {
        ("DATE '2026-01-15'", "DATE '2026-06-01'")
    } else {
        ("'2026-01-15'", "'2026-06-01'")
    };
    let rows = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count})"
    );
    let m = merchant_id;
    for sql in [
        format!(
            "{rows} INSERT INTO customers (id, merchant_id, first_name, last_name, email, \
             created_at, updated_at) SELECT 'cst_bench' || CAST(i AS TEXT), '{m}', \
             'Klant' || CAST(i AS TEXT), CASE WHEN i % 3 = 0 THEN 'Ødegård' ELSE 'de Vries' END, \
             'klant' || CAST(i AS TEXT) || '@example.nl', {at}, {at} FROM n"
        ),
        format!(
            "{rows} INSERT INTO mandates (id, merchant_id, customer_id, reference, iban, bic, \
             account_holder, method, status, signed_on, first_used_on, created_at, updated_at) \
             SELECT 'mdt_bench' || CAST(i AS TEXT), '{m}', 'cst_bench' || CAST(i AS TEXT), \
             'BENCH-' || CAST(i AS TEXT), 'NL91ABNA0417164300', \
             CASE WHEN i % 2 = 0 THEN 'ABNANL2A' END, 'K. de Vries ' || CAST(i AS TEXT), 'api', \
             'valid', {signed}, CASE WHEN i % 5 = 0 THEN NULL ELSE {used} END, {at}, {at} FROM n"
        ),
        format!(
            "{rows} INSERT INTO subscriptions (id, merchant_id, customer_id, product_id, \
             mandate_id, description, amount_minor, vat_basis_points, billing_interval, \
             start_date, status, created_at, updated_at) SELECT 'sub_bench' || CAST(i AS TEXT), \
             '{m}', 'cst_bench' || CAST(i AS TEXT), '{product_id}', 'mdt_bench' || CAST(i AS TEXT), \
             'Fiets Plus', 1295, 2100, '1 month', {signed}, 'active', {at}, {at} FROM n"
        ),
        format!(
            "{rows} INSERT INTO transactions (id, merchant_id, subscription_id, customer_id, \
             mandate_id, kind, period_start, period_end, due_date, amount_minor, description, \
             sequence_type, status, notice_status, created_at, updated_at) \
             SELECT 'trx_bench' || CAST(i AS TEXT), '{m}', 'sub_bench' || CAST(i AS TEXT), \
             'cst_bench' || CAST(i AS TEXT), 'mdt_bench' || CAST(i AS TEXT), 'period', {day}, \
             {day}, {day}, 1000 + i % 1000, 'Fiets Plus periode ' || CAST(i AS TEXT), \
             'RCUR', 'scheduled', 'none', {at}, {at} FROM n"
        ),
        format!("UPDATE merchants SET send_notices = FALSE WHERE id = '{m}'"),
    ] {
        execute(db, &sql).await?;
    }
    if let Db::Postgres(pool) = db {
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    }
    Ok(())
}

const BASELINE: &str = "SELECT t.id, t.amount_minor, t.description, m.reference, m.signed_on, \
     m.iban, m.bic, m.account_holder, c.first_name, c.last_name, c.company FROM transactions t \
     JOIN mandates m ON m.id = t.mandate_id JOIN customers c ON c.id = t.customer_id \
     WHERE t.merchant_id = $1 AND t.status = 'scheduled' AND t.due_date <= $2";

type Row = (
    String,
    i64,
    String,
    String,
    Option<NaiveDate>,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
);

/// The baseline: every row the file needs, read once, in one query.
async fn baseline(
    db: &Db,
    merchant_id: &str,
    date: NaiveDate,
) -> anyhow::Result<(usize, Duration)> {
    let started = Instant::now();
    let mut n = 0usize;
    let mut bytes = 0usize;
    match db {
        Db::Sqlite { read, .. } => {
            let mut rows = sqlx::query_as::<_, Row>(BASELINE)
                .bind(merchant_id)
                .bind(date)
                .fetch(read);
            while let Some(r) = rows.try_next().await? {
                n += 1;
                bytes += r.0.len() + r.3.len();
            }
        }
        Db::Postgres(pool) => {
            let mut rows = sqlx::query_as::<_, Row>(BASELINE)
                .bind(merchant_id)
                .bind(date)
                .fetch(pool);
            while let Some(r) = rows.try_next().await? {
                n += 1;
                bytes += r.0.len() + r.3.len();
            }
        }
    }
    std::hint::black_box(bytes);
    Ok((n, started.elapsed()))
}

/// A camt.054 returning these debits.
fn camt054(returns: &[(String, &str, i64)]) -> Vec<u8> {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">\
         <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-RETURNS</MsgId><CreDtTm>2026-12-09T08:00:00</CreDtTm></GrpHdr>\
         <Ntfctn><Id>N1</Id><Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>\
         <BookgDt><Dt>2026-12-09</Dt></BookgDt><NtryDtls>\n",
    );
    for (e2e, code, cents) in returns {
        xml.push_str(&format!(
            "<TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs><AmtDtls><TxAmt><Amt Ccy=\"EUR\">{}.{:02}</Amt></TxAmt></AmtDtls>\
             <RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls>\n",
            cents / 100,
            cents % 100
        ));
    }
    xml.push_str("</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n");
    xml.into_bytes()
}

/// The import's baseline: parse the file and update each return's attempt with a prepared
/// statement in one transaction, rolled back.
async fn import_baseline(db: &Db, file: &[u8], merchant_id: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let report = abbo::sepa::returns::read(file)?;
    let mut tx = db.begin().await?;
    let sql = "UPDATE collection_attempts SET status = 'returned', reason_code = $3 \
               WHERE merchant_id = $1 AND end_to_end_id = $2";
    for e in &report.entries {
        let abbo::sepa::returns::Target::EndToEnd(id) = &e.target else {
            continue;
        };
        let code = e.reason_code.as_deref().unwrap_or_default();
        match &mut tx {
            Tx::Sqlite(t) => {
                sqlx::query(sql)
                    .bind(merchant_id)
                    .bind(id)
                    .bind(code)
                    .execute(&mut **t)
                    .await?;
            }
            Tx::Postgres(t) => {
                sqlx::query(sql)
                    .bind(merchant_id)
                    .bind(id)
                    .bind(code)
                    .execute(&mut **t)
                    .await?;
            }
        }
    }
    let elapsed = started.elapsed();
    match tx {
        Tx::Sqlite(t) => t.rollback().await?,
        Tx::Postgres(t) => t.rollback().await?,
    }
    Ok(elapsed)
}

async fn end_to_end_ids(
    db: &Db,
    batch_id: &str,
    limit: usize,
) -> anyhow::Result<Vec<(String, i64)>> {
    let sql = "SELECT end_to_end_id, amount_minor FROM collection_attempts WHERE batch_id = $1 \
               ORDER BY end_to_end_id LIMIT $2";
    Ok(match db {
        Db::Sqlite { read, .. } => {
            sqlx::query_as(sql)
                .bind(batch_id)
                .bind(limit as i64)
                .fetch_all(read)
                .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as(sql)
                .bind(batch_id)
                .bind(limit as i64)
                .fetch_all(pool)
                .await?
        }
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|a| a.replace(['_', ','], "").parse())
        .transpose()?
        .unwrap_or(100_000);
    let bench = BenchApp::start(|_| {}).await?;
    let (db, merchant_id) = (&bench.db, bench.merchant_id.clone());
    let backend = match db {
        Db::Sqlite { .. } => "SQLite",
        Db::Postgres(_) => "PostgreSQL",
    };
    let settings = bench
        .submit(
            "/admin/settings",
            "/admin/settings",
            &[
                ("name", "Bench BV"),
                ("legal_name", "Bench B.V."),
                ("street", "Keizersgracht 1"),
                ("postal_code", "1015 CJ"),
                ("city", "Amsterdam"),
                ("country", "nl"),
                ("creditor_id", "DE98ZZZ09999999999"),
                ("creditor_iban", "NL91ABNA0417164300"),
                ("creditor_bic", "ABNANL2A"),
                ("default_language", "nl"),
                ("brand_colour", "#1f6feb"),
                ("contact_email", "bench@example.com"),
            ],
        )
        .await?;
    anyhow::ensure!(
        settings.status().as_u16() == 303,
        "saving the creditor settings"
    );
    let product = abbo::store::products::NewProduct {
        id: abbo::domain::id::new_id(abbo::domain::id::IdPrefix::Product),
        merchant_id: merchant_id.clone(),
        name: "Fiets Plus".into(),
        description: String::new(),
        amount_minor: 1295,
        vat_basis_points: 2100,
        prices_include_vat: true,
        billing_interval: "1 month".into(),
    };
    let mut tx = db.begin().await?;
    abbo::store::products::insert(&mut tx, &product, abbo::store::now()).await?;
    tx.commit().await?;
    let merchant = abbo::store::merchants::get(db, &merchant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the merchant"))?;
    let coll = abbo::store::collections::settings(db, &merchant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the settings"))?;
    let date = collections::earliest_date(&merchant, &coll);

    step("seeding");
    seed(db, &merchant_id, &product.id, count, date).await?;

    step("baseline: a plain SELECT of the same rows");
    let (rows, baseline_time) = baseline(db, &merchant_id, date).await?;
    anyhow::ensure!(rows == count, "the baseline read {rows} rows, not {count}");

    step("export");
    let (rss_before, peak_reset) = start_peak();
    let actor = System::new(&merchant_id, "benchmark");
    let started = Instant::now();
    let done = collections::export(db, &actor, &ExportRequest::on(date))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let export_time = started.elapsed();
    let (_, export_peak) = memory_kb();
    anyhow::ensure!(
        done.batch.transactions as usize == count,
        "the file holds {} debits, not {count}",
        done.batch.transactions
    );

    step("marking the batch uploaded");
    collections::step(db, &actor, &done.batch.id, Step::Submit)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let returns = RETURNS.min(count);
    let ids = end_to_end_ids(db, &done.batch.id, returns).await?;
    let entries: Vec<(String, &str, i64)> = ids
        .into_iter()
        .enumerate()
        .map(|(i, (id, cents))| {
            let code = match i % 10 {
                0..=3 => "AM04",
                4..=6 => "MS02",
                _ => "MD06",
            };
            (id, code, cents)
        })
        .collect();
    let file = camt054(&entries);

    step("import baseline: parse and one UPDATE per return");
    let import_baseline_time = import_baseline(db, &file, &merchant_id).await?;

    step("import");
    let (import_rss_before, _) = start_peak();
    let links = dunning::Links {
        base_url: bench.address.clone(),
        key: vec![7; 32],
        online: true,
    };
    let started = Instant::now();
    let imported = collections::returns::import(db, &actor, &links, "bench.xml", &file)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let import_time = started.elapsed();
    let (_, import_peak) = memory_kb();
    anyhow::ensure!(
        imported.import.applied as usize == returns,
        "the import applied {} returns, not {returns}",
        imported.import.applied
    );

    let secs = |d: Duration| d.as_secs_f64();
    println!("collection file of {count} debits on {backend}, {date}");
    println!(
        "baseline (plain SELECT)       {:>8.2} s  {:>9.0} rows/s",
        secs(baseline_time),
        count as f64 / secs(baseline_time)
    );
    println!(
        "export (file stored)          {:>8.2} s  {:>9.0} debits/s  ratio {:.2} of the baseline",
        secs(export_time),
        count as f64 / secs(export_time),
        secs(baseline_time) / secs(export_time)
    );
    println!(
        "file                          {:>8.1} MB, {} FRST",
        done.batch.file_bytes as f64 / 1_048_576.0,
        done.batch.first_count
    );
    if peak_reset {
        println!(
            "export memory                 RSS before {:.0} MB, peak {:.0} MB (+{:.0} MB)",
            mb(rss_before),
            mb(export_peak),
            mb(export_peak.saturating_sub(rss_before))
        );
    }
    println!(
        "camt.054 with {returns} returns ({:.1} MB)",
        file.len() as f64 / 1_048_576.0
    );
    println!(
        "import baseline               {:>8.2} s  {:>9.0} returns/s",
        secs(import_baseline_time),
        returns as f64 / secs(import_baseline_time)
    );
    println!(
        "import (applied)              {:>8.2} s  {:>9.0} returns/s  ratio {:.2} of the baseline",
        secs(import_time),
        returns as f64 / secs(import_time),
        secs(import_baseline_time) / secs(import_time)
    );
    if peak_reset {
        println!(
            "import memory                 RSS before {:.0} MB, peak {:.0} MB (+{:.0} MB)",
            mb(import_rss_before),
            mb(import_peak),
            mb(import_peak.saturating_sub(import_rss_before))
        );
    }
    Ok(())
}
