//! Generates a CSV of customers with mandates and subscriptions (100,000 rows by default), starts
//! the real app, uploads the file over HTTP, checks and commits it, and prints rows/s of each step
//! next to a baseline measured in the same run, before the import: the same rows written with
//! plain multi-row inserts in transactions of the same size, with no staging, checking or
//! bookkeeping.
//!
//! `cargo run --release --example import_bench [-- ROWS]`
//! Uses SQLite in a temporary folder, or PostgreSQL when `BENCH_DATABASE_URL` is set.

use std::time::Instant;

use abbo::domain::id::{IdPrefix, new_id};
use abbo::services::imports::{self, RunOutcome};
use abbo::store;
use abbo::store::customers::{self, NewCustomer};
use abbo::store::mandates::{self, Mandate};
use abbo::store::subscriptions;

mod support;
use support::BenchApp;

/// The file a merchant would bring: customer, mandate and subscription columns.
fn csv_file(rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "Klantnummer;Voornaam;Achternaam;E-mailadres;Straat;Postcode;Plaats;IBAN;\
         Ondertekeningsdatum;Mandaatreferentie;Product;Ingangsdatum\r\n",
    );
    for i in 0..rows {
        text.push_str(&format!(
            "K-{i:06};Anna;Jansen {i};klant{i}@example.nl;Dorpsstraat {n};1234 AB;Utrecht;\
             NL91ABNA0417164300;15-01-2025;IMP-{i:06};Fiets Plus;2025-02-01\r\n",
            n = i % 200 + 1
        ));
    }
    text.into_bytes()
}

fn rate(rows: usize, seconds: f64) -> String {
    format!("{:>9.0} rows/s ({seconds:.2} s)", rows as f64 / seconds)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let bench = BenchApp::start(|s| s.import.max_upload_mb = 100).await?;
    let (address, client, db) = (&bench.address, &bench.client, &bench.db);
    bench
        .submit(
            "/admin/products/new",
            "/admin/products",
            &[
                ("name", "Fiets Plus"),
                ("price", "12.95"),
                ("vat_rate", "21"),
                ("prices_include_vat", "on"),
                ("interval", "1 month"),
                ("method_email", "on"),
            ],
        )
        .await?;
    let merchant_id = bench.merchant_id.clone();
    let product_id = abbo::store::products::list(db, &merchant_id)
        .await?
        .first()
        .map(|p| p.id.clone())
        .ok_or_else(|| anyhow::anyhow!("the product was not created"))?;

    let file = csv_file(rows);
    println!(
        "{rows} rows, {:.1} MB, on {}",
        file.len() as f64 / 1e6,
        if std::env::var("BENCH_DATABASE_URL").is_ok() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    // Baseline first, so that the import runs on the larger tables (the harder case): the same
    // rows (customer + mandate + subscription) with plain multi-row inserts, no staging or checks.
    let product = abbo::store::products::get(db, &merchant_id, &product_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no product"))?;
    let started = Instant::now();
    let start = chrono::NaiveDate::from_ymd_opt(2025, 2, 1).unwrap_or_default();
    let signed = chrono::NaiveDate::from_ymd_opt(2025, 1, 15);
    for chunk in (0..rows)
        .collect::<Vec<_>>()
        .chunks(imports::CHUNK_ROWS as usize)
    {
        let now = store::now();
        let mut batch_customers = Vec::with_capacity(chunk.len());
        let mut batch_mandates = Vec::with_capacity(chunk.len());
        let mut batch_subscriptions = Vec::with_capacity(chunk.len());
        for &i in chunk {
            let customer = NewCustomer {
                id: new_id(IdPrefix::Customer),
                merchant_id: merchant_id.clone(),
                reference: Some(format!("B-{i:06}")),
                first_name: "Anna".into(),
                last_name: format!("Jansen {i}"),
                email: format!("baseline{i}@example.nl"),
                street: format!("Dorpsstraat {}", i % 200 + 1),
                postal_code: "1234 AB".into(),
                city: "Utrecht".into(),
                ..NewCustomer::default()
            };
            let mandate = Mandate {
                id: new_id(IdPrefix::Mandate),
                merchant_id: merchant_id.clone(),
                customer_id: customer.id.clone(),
                reference: format!("BASE-{i:06}"),
                iban: "NL91ABNA0417164300".into(),
                bic: None,
                account_holder: "Anna Jansen".into(),
                method: "import".into(),
                status: "valid".into(),
                signed_on: signed,
                first_used_on: None,
                revoked_at: None,
                created_at: now,
            };
            batch_subscriptions.push(abbo::services::subscriptions::subscription_for(
                &product,
                &customer.id,
                &mandate.id,
                start,
                "active",
                None,
            ));
            batch_customers.push(customer);
            batch_mandates.push(mandate);
        }
        let mut tx = db.begin().await?;
        customers::insert_many(&mut tx, &batch_customers, now).await?;
        mandates::insert_many(&mut tx, &batch_mandates, now).await?;
        subscriptions::insert_many(&mut tx, &batch_subscriptions, now).await?;
        tx.commit().await?;
    }
    let baseline_s = started.elapsed().as_secs_f64();

    // The import as a merchant runs it: upload over HTTP, check, commit.
    let total = Instant::now();
    let token = bench.token("/admin/import").await?;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file).file_name("klanten.csv"),
    );
    let started = Instant::now();
    let response = client
        .post(format!("{address}/admin/import?csrf_token={token}"))
        .multipart(form)
        .send()
        .await?;
    anyhow::ensure!(
        response.status().as_u16() == 303,
        "upload answered {}",
        response.status()
    );
    let upload_s = started.elapsed().as_secs_f64();
    let import_id = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.rsplit('/').next())
        .unwrap_or_default()
        .to_string();
    let import = abbo::store::imports::get(db, &merchant_id, &import_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no import"))?;
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let counts = imports::apply_mapping(
        db,
        &merchant_id,
        &import_id,
        imports::mapping(&import),
        today,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let check_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(counts.new as usize == rows, "preview: {counts:?}");
    imports::start_commit(db, &merchant_id, &import_id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let outcome = imports::run_chunks(db, &merchant_id, &import_id, None).await?;
    let commit_s = started.elapsed().as_secs_f64();
    anyhow::ensure!(outcome == RunOutcome::Done, "commit: {outcome:?}");
    let total_s = total.elapsed().as_secs_f64();

    println!("upload + staging (HTTP)      {}", rate(rows, upload_s));
    println!("check rows (preview)         {}", rate(rows, check_s));
    println!("commit (worker, chunks)      {}", rate(rows, commit_s));
    println!("whole import                 {}", rate(rows, total_s));
    println!("baseline: batched inserts    {}", rate(rows, baseline_s));
    println!(
        "commit / baseline            {:>9.0} %",
        baseline_s / commit_s * 100.0
    );
    Ok(())
}
