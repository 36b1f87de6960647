//! Seeds a merchant with many customers (100,000 by default), starts the real app on a random
//! port, and prints the latency of the customers overview: first page, a search and a filter.
//!
//! `cargo run --release --example customer_overview_bench [-- CUSTOMERS [REQUESTS]]`
//! Uses SQLite in a temporary folder, or PostgreSQL when `BENCH_DATABASE_URL` is set.

use std::time::{Duration, Instant};

use abbo::domain::id::{IdPrefix, new_id};
use abbo::store;
use abbo::store::customers::{self, NewCustomer};

mod support;
use support::BenchApp;

const FIRST: &[&str] = &[
    "Jan", "Anna", "Piet", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess",
];
const LAST: &[&str] = &[
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos",
];

fn median_and_p95(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p95)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let requests: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(50);
    let bench = BenchApp::start(|_| {}).await?;
    let (address, client, db, merchant_id) = (
        &bench.address,
        &bench.client,
        &bench.db,
        bench.merchant_id.clone(),
    );

    let seeding = Instant::now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(5_000) {
        let mut tx = db.begin().await?;
        for &i in chunk {
            let customer = NewCustomer {
                id: new_id(IdPrefix::Customer),
                merchant_id: merchant_id.clone(),
                reference: Some(format!("K-{i:06}")),
                first_name: FIRST[i % FIRST.len()].into(),
                last_name: format!("{} {}", LAST[(i / 10) % LAST.len()], i),
                email: format!("customer{i}@example.nl"),
                city: "Amsterdam".into(),
                country: "NL".into(),
                ..NewCustomer::default()
            };
            customers::insert(&mut tx, &customer, store::now()).await?;
        }
        tx.commit().await?;
    }
    println!(
        "seeded {count} customers in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    for (name, path) in [
        ("first page, by name", "/admin/customers"),
        ("newest first", "/admin/customers?sort=newest"),
        ("search 'customer4242'", "/admin/customers?q=customer4242"),
        (
            "filter: active subscription",
            "/admin/customers?subscription_status=active",
        ),
        ("page 100", "/admin/customers?page=100"),
    ] {
        let mut samples = Vec::with_capacity(requests);
        for _ in 0..requests {
            let started = Instant::now();
            let response = client.get(format!("{address}{path}")).send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "{path} answered {}",
                response.status()
            );
            response.bytes().await?;
            samples.push(started.elapsed());
        }
        let (median, p95) = median_and_p95(samples);
        println!(
            "{name:<30} median {:>7.1} ms   p95 {:>7.1} ms",
            median.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        );
    }
    Ok(())
}
