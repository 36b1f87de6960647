//! Seeds a merchant with running subscriptions (1,000,000 by default), each with its customer and
//! a valid mandate, bills them with the billing run as the command line does
//! (`services::billing::run`), and prints the run's time, transactions/s and peak memory next to
//! a baseline measured in the same run on the same database, then runs the billing a second time
//! on the same day (it must create nothing, and quickly).
//!
//! `cargo run --release --example billing_bench [-- SUBSCRIPTIONS]`
//! Uses SQLite in a temporary folder, or PostgreSQL when `BENCH_DATABASE_URL` is set (to a fresh,
//! empty database: the program runs the app's setup on it), e.g.
//! `createdb -h 127.0.0.1 -U postgres bench_billing` and
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_billing`.
//!
//! The data: intervals of 14 days (20 %), 1 month (50 %), 3 months (15 %) and 1 year (15 %),
//! anchored on a day in the past two years (so on every day of the month, 29–31 included), imported
//! as running subscriptions whose current period (the one today falls in) was not billed yet:
//! `billing_from` is that period's start. Each therefore has its current period to bill and, when
//! the next one starts within the pre-notification lead (today in the merchant's zone + 14 days),
//! that one too: 1 to 2 periods, below the merchant's safety bound of 4, about 1.46 transactions
//! per subscription. Seeding uses the store's multi-row inserts in transactions of
//! 20,000 subscriptions and is not measured. Ids look like the app's (prefix + 20 random-looking
//! characters) but are derived from the row number, so the baseline can make the same rows again
//! without keeping a million subscriptions in memory.
//!
//! The baseline: the same rows (one per period the run will create, same columns, same values
//! except the fresh transaction ids) written into the same `transactions` table, in subscription
//! id order as the run writes them, with prepared multi-row INSERT statements (no `ON CONFLICT`,
//! no `RETURNING`) in one transaction; on SQLite with a page cache sized for the job (restored
//! afterwards). Only binding, executing and committing are timed, not making the rows. The rows
//! are then deleted (and, on PostgreSQL, the table vacuumed) before the real run, so both write
//! into the same, empty table with the same indexes and foreign keys.
//!
//! Memory: on Linux the peak resident size (VmHWM) is reset just before the run by writing "5"
//! to /proc/self/clear_refs and read after it; the run streams chunks of subscriptions, so the
//! peak above the size before should not grow with the number of subscriptions. Freed memory of
//! seeding and baseline is handed back to the system first (glibc `malloc_trim`), so the run
//! cannot hide its own growth in it.
//!
//! Exits non-zero when the run refuses a subscription, creates other than the expected number of
//! transactions, or the second run creates any.

use std::time::{Duration, Instant};

use abbo::domain::id::IdPrefix;
use abbo::domain::schedule::collection_date;
use abbo::services::billing::{self, RunOptions};
use abbo::store::products::{self, NewProduct, Product};
use abbo::store::subscriptions::Subscription;
use abbo::store::{self, Db, Tx};
use chrono::{DateTime, NaiveDate, Utc};

mod support;
use support::{BenchApp, mb, memory_kb, step, trim_heap};

/// Subscriptions seeded per database transaction.
const SEED_CHUNK: usize = 20_000;
/// Rows per baseline INSERT statement (`BENCH_BASELINE_ROWS` tries others): the fastest found.
const BASELINE_ROWS_SQLITE: usize = 250;
const BASELINE_ROWS_POSTGRES: usize = 1000;

const FIRST: &[&str] = &[
    "Jan", "Anna", "Piet", "Sanne", "Daan", "Emma", "Lucas", "Julia", "Sem", "Tess",
];
const LAST: &[&str] = &[
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos",
];

/// The products: name, price in cents (VAT included), interval, share in percent.
const PRODUCTS: &[(&str, i64, &str, u64)] = &[
    ("Krant digitaal", 695, "14 days", 20),
    ("Fiets Plus", 1295, "1 month", 50),
    ("Kwartaalbox", 3495, "3 months", 15),
    ("Jaarlidmaatschap", 9900, "1 year", 15),
];

/// A well-mixed 64-bit value of `x` (splitmix64).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 20 characters after the prefix of row `i`'s id of kind `salt`: like `new_id`'s, but the
/// same every time.
fn id_body(salt: u64, i: u64) -> [u8; 20] {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut x = (u128::from(mix(salt ^ mix(i))) << 64) | u128::from(mix(mix(salt) ^ i));
    let mut body = [0u8; 20];
    for b in &mut body {
        *b = ALPHABET[(x % 36) as usize];
        x /= 36;
    }
    body
}

fn id(prefix: IdPrefix, salt: u64, i: u64) -> String {
    let body = id_body(salt, i);
    format!(
        "{}{}",
        prefix.as_str(),
        std::str::from_utf8(&body).unwrap_or_default()
    )
}

const CUSTOMER: u64 = 1;
const MANDATE: u64 = 2;
const SUBSCRIPTION: u64 = 3;

/// A seeded customer's fields that vary.
struct SeededCustomer {
    id: String,
    reference: String,
    first_name: &'static str,
    last_name: String,
    email: String,
    street: String,
}

/// A seeded mandate's fields that vary.
struct SeededMandate {
    id: String,
    customer_id: String,
    reference: String,
    account_holder: String,
    signed_on: NaiveDate,
}

/// Subscription `i` with its customer and mandate.
struct Seeded {
    customer: SeededCustomer,
    mandate: SeededMandate,
    subscription: Subscription,
}

/// Seeded subscription `i` with its customer and mandate, imported as running on `today`.
fn seeded(i: u64, merchant_id: &str, products: &[Product], today: NaiveDate) -> Seeded {
    let h = mix(i ^ 0x5eed);
    let mut share = h % 100;
    let product = PRODUCTS
        .iter()
        .zip(products)
        .find(|((_, _, _, percent), _)| {
            let here = share < *percent;
            share = share.saturating_sub(*percent);
            here
        })
        .map(|(_, p)| p)
        .unwrap_or(&products[0]);
    let anchor = today - chrono::Duration::days(((h >> 8) % 730) as i64);
    let customer = SeededCustomer {
        id: id(IdPrefix::Customer, CUSTOMER, i),
        reference: format!("K-{i:07}"),
        first_name: FIRST[(h >> 20) as usize % FIRST.len()],
        last_name: format!("{} {i}", LAST[(h >> 24) as usize % LAST.len()]),
        email: format!("klant{i}@example.nl"),
        street: format!("Dorpsstraat {}", i % 200 + 1),
    };
    let mandate = SeededMandate {
        id: id(IdPrefix::Mandate, MANDATE, i),
        customer_id: customer.id.clone(),
        reference: format!("ABBO-{i:07}"),
        account_holder: format!("{} {}", customer.first_name, customer.last_name),
        signed_on: anchor,
    };
    let mut subscription = abbo::services::subscriptions::subscription_for(
        product,
        &customer.id,
        &mandate.id,
        anchor,
        "active",
        None,
    );
    subscription.merchant_id = merchant_id.to_string();
    subscription.id = id(IdPrefix::Subscription, SUBSCRIPTION, i);
    // The current period was not billed before the import.
    subscription.billing_from = billing::plan(&subscription, &[])
        .and_then(|plan| plan.period_containing(today))
        .map(|period| period.start);
    Seeded {
        customer,
        mandate,
        subscription,
    }
}

/// The periods the run is to create for `subscription` up to `horizon`.
fn periods_to_bill(
    subscription: &Subscription,
    horizon: NaiveDate,
) -> Vec<abbo::domain::schedule::Period> {
    billing::plan(subscription, &[])
        .map(|plan| plan.chargeable(subscription.billing_from.unwrap_or(horizon), horizon))
        .unwrap_or_default()
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}

/// How the SQLite writer connection is tuned: page cache (negative: KiB) and where temporary
/// data such as statement journals go (0 default, 2 memory).
#[derive(Debug, Clone, Copy)]
struct Tuning {
    cache_size: i64,
    temp_store: i64,
}

/// Tunes SQLite's writer connection for a job, returning the tuning before; nothing on
/// PostgreSQL.
async fn tune_sqlite(db: &Db, tuning: Tuning) -> anyhow::Result<Tuning> {
    let Db::Sqlite { write, .. } = db else {
        return Ok(tuning);
    };
    let mut conn = write.acquire().await?;
    let (cache_size,): (i64,) = sqlx::query_as("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    let (temp_store,): (i64,) = sqlx::query_as("PRAGMA temp_store")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA cache_size = {}", tuning.cache_size))
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA temp_store = {}", tuning.temp_store))
        .execute(&mut *conn)
        .await?;
    Ok(Tuning {
        cache_size,
        temp_store,
    })
}

/// The tuning of a bulk job: a page cache that holds what it touches, statement journals in
/// memory.
const BULK: Tuning = Tuning {
    cache_size: -1_000_000,
    temp_store: 2,
};

/// Brings the database to rest after bulk writes: SQLite's WAL checkpointed, PostgreSQL's
/// tables vacuumed and analysed (as autovacuum would in a while).
async fn settle(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite { write, .. } => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(write)
                .await?;
        }
        Db::Postgres(pool) => {
            sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
        }
    }
    Ok(())
}

/// A value of a row to insert.
enum Value {
    Text(String),
    Static(&'static str),
    Int(i64),
    Date(NaiveDate),
    MaybeDate(Option<NaiveDate>),
    Time(DateTime<Utc>),
}

/// A multi-row INSERT of `rows` rows into `head` ("table (columns)") of `width` columns. On
/// SQLite with anonymous `?` parameters: SQLite finds the position of a named (`$N`) parameter
/// by a linear scan, which makes binding a long statement quadratic.
fn insert_sql(head: &str, width: usize, rows: usize, sqlite: bool) -> String {
    let mut sql = format!("INSERT INTO {head} VALUES ");
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for col in 0..width {
            if col > 0 {
                sql.push_str(", ");
            }
            n += 1;
            if sqlite {
                sql.push('?');
            } else {
                sql.push_str(&format!("${n}"));
            }
        }
        sql.push(')');
    }
    sql
}

/// Runs `sql` (from `insert_sql`) with `rows`; returns the time binding and executing took.
async fn execute(tx: &mut Tx, sql: &str, rows: &[Vec<Value>]) -> anyhow::Result<Duration> {
    let started = Instant::now();
    on_tx!(tx, conn => {
        let mut query = sqlx::query(sql);
        for value in rows.iter().flatten() {
            query = match value {
                Value::Text(v) => query.bind(v),
                Value::Static(v) => query.bind(*v),
                Value::Int(v) => query.bind(*v),
                Value::Date(v) => query.bind(*v),
                Value::MaybeDate(v) => query.bind(*v),
                Value::Time(v) => query.bind(*v),
            };
        }
        query.execute(conn).await.map(|_| ())
    })?;
    Ok(started.elapsed())
}

/// Writes rows of `head` in statements of `per_statement` rows as they are pushed.
struct Writer {
    head: &'static str,
    width: usize,
    per_statement: usize,
    sqlite: bool,
    full: String,
    rows: Vec<Vec<Value>>,
    written: u64,
    took: Duration,
}

impl Writer {
    fn new(db: &Db, head: &'static str, width: usize, per_statement: usize) -> Writer {
        let sqlite = matches!(db, Db::Sqlite { .. });
        Writer {
            head,
            width,
            per_statement,
            sqlite,
            full: insert_sql(head, width, per_statement, sqlite),
            rows: Vec::with_capacity(per_statement),
            written: 0,
            took: Duration::ZERO,
        }
    }

    async fn push(&mut self, tx: &mut Tx, row: Vec<Value>) -> anyhow::Result<()> {
        debug_assert_eq!(row.len(), self.width);
        self.rows.push(row);
        if self.rows.len() == self.per_statement {
            self.took += execute(tx, &self.full, &self.rows).await?;
            self.written += self.rows.len() as u64;
            self.rows.clear();
        }
        Ok(())
    }

    async fn flush(&mut self, tx: &mut Tx) -> anyhow::Result<()> {
        if !self.rows.is_empty() {
            let sql = insert_sql(self.head, self.width, self.rows.len(), self.sqlite);
            self.took += execute(tx, &sql, &self.rows).await?;
            self.written += self.rows.len() as u64;
            self.rows.clear();
        }
        Ok(())
    }
}

const CUSTOMERS: &str = "customers (id, merchant_id, reference, first_name, last_name, email, \
     street, postal_code, city, country, search_text, sort_name, email_key, created_at, updated_at)";
const MANDATES: &str = "mandates (id, merchant_id, customer_id, reference, iban, account_holder, \
     method, status, signed_on, created_at, updated_at)";
const SUBSCRIPTIONS: &str = "subscriptions (id, merchant_id, customer_id, product_id, mandate_id, \
     description, amount_minor, vat_basis_points, billing_interval, start_date, status, billing_from, \
     created_at, updated_at)";
/// The columns `transactions::insert_periods` writes.
const TRANSACTIONS: &str = "transactions (id, merchant_id, subscription_id, customer_id, mandate_id, \
     kind, period_start, period_end, due_date, amount_minor, description, sequence_type, status, \
     failure_reason, notice_status, created_at, updated_at)";

/// Rows a statement when seeding rows of `width`: about 4,000 parameters on SQLite, 20,000 on
/// PostgreSQL.
fn seed_rows(db: &Db, width: usize) -> usize {
    match db {
        Db::Sqlite { .. } => 4000 / width,
        Db::Postgres(_) => 20_000 / width,
    }
}

/// Seeds `count` subscriptions with their customers and mandates; returns the periods due.
async fn seed(
    db: &Db,
    merchant_id: &str,
    products: &[Product],
    today: NaiveDate,
    horizon: NaiveDate,
    max_periods: usize,
    count: usize,
) -> anyhow::Result<u64> {
    let mut expected = 0u64;
    // The same rows a statement for all three, so that each statement's customers (and
    // mandates) are written before the statement that refers to them.
    let per_statement = seed_rows(db, 15);
    let mut customers = Writer::new(db, CUSTOMERS, 15, per_statement);
    let mut mandates = Writer::new(db, MANDATES, 11, per_statement);
    let mut subscriptions = Writer::new(db, SUBSCRIPTIONS, 14, per_statement);
    for start in (0..count).step_by(SEED_CHUNK) {
        let now = store::now();
        let mut tx = db.begin().await?;
        for i in start..(start + SEED_CHUNK).min(count) {
            let Seeded {
                customer,
                mandate,
                subscription,
            } = seeded(i as u64, merchant_id, products, today);
            let periods = periods_to_bill(&subscription, horizon).len();
            anyhow::ensure!(
                (1..=max_periods).contains(&periods),
                "seeded subscription {i} has {periods} periods to bill"
            );
            expected += periods as u64;
            let search_text = [
                customer.first_name,
                customer.last_name.as_str(),
                customer.email.as_str(),
                customer.reference.as_str(),
            ]
            .map(|s| s.to_lowercase())
            .join(" ");
            let sort_name = format!(
                "{} {}",
                customer.last_name.to_lowercase(),
                customer.first_name.to_lowercase()
            );
            customers
                .push(
                    &mut tx,
                    vec![
                        Value::Text(customer.id),
                        Value::Text(merchant_id.to_string()),
                        Value::Text(customer.reference),
                        Value::Static(customer.first_name),
                        Value::Text(customer.last_name),
                        Value::Text(customer.email.clone()),
                        Value::Text(customer.street),
                        Value::Static("1234 AB"),
                        Value::Static("Utrecht"),
                        Value::Static("NL"),
                        Value::Text(search_text),
                        Value::Text(sort_name),
                        Value::Text(customer.email),
                        Value::Time(now),
                        Value::Time(now),
                    ],
                )
                .await?;
            mandates
                .push(
                    &mut tx,
                    vec![
                        Value::Text(mandate.id),
                        Value::Text(merchant_id.to_string()),
                        Value::Text(mandate.customer_id),
                        Value::Text(mandate.reference),
                        Value::Static("NL91ABNA0417164300"),
                        Value::Text(mandate.account_holder),
                        Value::Static("import"),
                        Value::Static("valid"),
                        Value::Date(mandate.signed_on),
                        Value::Time(now),
                        Value::Time(now),
                    ],
                )
                .await?;
            let s = subscription;
            subscriptions
                .push(
                    &mut tx,
                    vec![
                        Value::Text(s.id),
                        Value::Text(s.merchant_id),
                        Value::Text(s.customer_id),
                        Value::Text(s.product_id),
                        Value::Text(s.mandate_id.unwrap_or_default()),
                        Value::Text(s.description),
                        Value::Int(s.amount_minor),
                        Value::Int(i64::from(s.vat_basis_points)),
                        Value::Text(s.billing_interval),
                        Value::Date(s.start_date),
                        Value::Text(s.status),
                        Value::MaybeDate(s.billing_from),
                        Value::Time(now),
                        Value::Time(now),
                    ],
                )
                .await?;
        }
        customers.flush(&mut tx).await?;
        mandates.flush(&mut tx).await?;
        subscriptions.flush(&mut tx).await?;
        tx.commit().await?;
    }
    Ok(expected)
}

/// Writes the rows the run will create, in subscription id order as the run writes them, in one
/// transaction; returns the rows written and the time binding, executing and committing took.
async fn baseline(
    db: &Db,
    merchant_id: &str,
    products: &[Product],
    today: NaiveDate,
    horizon: NaiveDate,
    count: usize,
    per_statement: usize,
) -> anyhow::Result<(u64, Duration)> {
    let mut order: Vec<([u8; 20], u32)> = (0..count as u32)
        .map(|i| (id_body(SUBSCRIPTION, u64::from(i)), i))
        .collect();
    order.sort_unstable();
    let order: Vec<u32> = order.into_iter().map(|(_, i)| i).collect();
    let mut writer = Writer::new(db, TRANSACTIONS, 17, per_statement);
    let mut tx = db.begin().await?;
    let at = store::now();
    for &i in &order {
        let s = seeded(u64::from(i), merchant_id, products, today).subscription;
        for (n, period) in periods_to_bill(&s, horizon).into_iter().enumerate() {
            let row = vec![
                Value::Text(abbo::domain::id::new_id(IdPrefix::Transaction)),
                Value::Text(merchant_id.to_string()),
                Value::Text(s.id.clone()),
                Value::Text(s.customer_id.clone()),
                Value::Text(s.mandate_id.clone().unwrap_or_default()),
                Value::Static("period"),
                Value::Date(period.start),
                Value::Date(period.end),
                Value::Date(collection_date(period.start, horizon)),
                Value::Int(s.amount_minor),
                Value::Text(s.description.clone()),
                Value::Static(if n == 0 { "FRST" } else { "RCUR" }),
                Value::Static("scheduled"),
                Value::Static(""),
                // The pre-notification to send, as the run marks it.
                Value::Static("pending"),
                Value::Time(at),
                Value::Time(at),
            ];
            writer.push(&mut tx, row).await?;
        }
    }
    writer.flush(&mut tx).await?;
    let started = Instant::now();
    tx.commit().await?;
    Ok((writer.written, writer.took + started.elapsed()))
}

async fn count_transactions(db: &Db, merchant_id: &str) -> anyhow::Result<i64> {
    let sql = "SELECT COUNT(*) FROM transactions WHERE merchant_id = $1";
    let (n,): (i64,) = match db {
        Db::Sqlite { read, .. } => {
            sqlx::query_as(sql)
                .bind(merchant_id)
                .fetch_one(read)
                .await?
        }
        Db::Postgres(pool) => {
            sqlx::query_as(sql)
                .bind(merchant_id)
                .fetch_one(pool)
                .await?
        }
    };
    Ok(n)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .map(|a| a.replace(['_', ','], "").parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let bench = BenchApp::start(|_| {}).await?;
    let (db, merchant_id) = (&bench.db, bench.merchant_id.clone());
    let backend = match db {
        Db::Sqlite { .. } => "SQLite",
        Db::Postgres(_) => "PostgreSQL",
    };

    let mut products = Vec::new();
    let mut tx = db.begin().await?;
    for (name, price, interval, _) in PRODUCTS {
        let product = NewProduct {
            id: abbo::domain::id::new_id(IdPrefix::Product),
            merchant_id: merchant_id.clone(),
            name: (*name).into(),
            description: String::new(),
            amount_minor: *price,
            vat_basis_points: 2100,
            prices_include_vat: true,
            billing_interval: (*interval).into(),
        };
        products::insert(&mut tx, &product, store::now()).await?;
        products.push(product.id);
    }
    tx.commit().await?;
    let mut loaded = Vec::new();
    for id in &products {
        loaded.push(
            products::get(db, &merchant_id, id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("product {id} was not created"))?,
        );
    }
    let products = loaded;
    let merchant = abbo::store::merchants::get(db, &merchant_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no merchant"))?;
    let today = merchant.today();
    let horizon = today + chrono::Duration::days(i64::from(merchant.notice_lead_days));
    let max_periods = usize::try_from(merchant.billing_max_periods).unwrap_or(1);

    // Seeding, with a page cache that holds the tables' hot pages (restored before measuring).
    step("seeding");
    let seeding = Instant::now();
    let app_tuning = tune_sqlite(db, BULK).await?;
    let expected = seed(
        db,
        &merchant_id,
        &products,
        today,
        horizon,
        max_periods,
        count,
    )
    .await?;
    settle(db).await?;
    println!(
        "{backend}: seeded {count} subscriptions (customer + valid mandate each) in {:.1} s; \
         {expected} periods due from {today} through {horizon}",
        seeding.elapsed().as_secs_f64()
    );

    // Baseline: the same rows with plain prepared multi-row inserts, then deleted again.
    step("baseline");
    tune_sqlite(db, BULK).await?;
    let per_statement = std::env::var("BENCH_BASELINE_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(match db {
            Db::Sqlite { .. } => BASELINE_ROWS_SQLITE,
            Db::Postgres(_) => BASELINE_ROWS_POSTGRES,
        });
    let (baseline_rows, baseline_time) = baseline(
        db,
        &merchant_id,
        &products,
        today,
        horizon,
        count,
        per_statement,
    )
    .await?;
    step("baseline written");
    tune_sqlite(db, app_tuning).await?;
    anyhow::ensure!(
        baseline_rows == expected,
        "the baseline wrote {baseline_rows} rows, expected {expected}"
    );
    step("deleting the baseline's rows");
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, conn => {
        sqlx::query("DELETE FROM transactions WHERE merchant_id = $1")
            .bind(&merchant_id)
            .execute(conn)
            .await
            .map(|_| ())
    })?;
    tx.commit().await?;
    settle(db).await?;

    // The run, as `abbo billing run` does it.
    step("billing run");
    trim_heap();
    let (rss_before, _) = memory_kb();
    let peak_reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let options = RunOptions::now("command line");
    let started = Instant::now();
    let report = billing::run(db, &merchant_id, &options).await?;
    let run_time = started.elapsed();
    let (rss_after, peak) = memory_kb();
    let in_table = count_transactions(db, &merchant_id).await?;

    step("second billing run");
    let second_started = Instant::now();
    let second = billing::run(db, &merchant_id, &options).await?;
    let second_time = second_started.elapsed();

    let run_s = run_time.as_secs_f64();
    let baseline_s = baseline_time.as_secs_f64();
    println!(
        "billing run                  {:>9} transactions in {run_s:.2} s = {:.0} transactions/s \
         ({} refused)",
        report.created,
        report.created as f64 / run_s,
        report.refused_count
    );
    println!(
        "baseline: multi-row inserts  {baseline_rows:>9} rows         in {baseline_s:.2} s = {:.0} rows/s \
         ({} rows a statement, one transaction)",
        baseline_rows as f64 / baseline_s,
        per_statement
    );
    println!("baseline / run               {:>9.2}", baseline_s / run_s);
    if peak_reset {
        println!(
            "memory                       RSS before {:.1} MB, peak during the run {:.1} MB \
             (+{:.1} MB), after {:.1} MB",
            mb(rss_before),
            mb(peak),
            mb(peak.saturating_sub(rss_before)),
            mb(rss_after)
        );
    } else {
        println!(
            "memory                       (peak not measurable here: no /proc/self/clear_refs)"
        );
    }
    println!(
        "second run, same day         {:>9} transactions in {:.2} s = {:.1} % of the first",
        second.created,
        second_time.as_secs_f64(),
        second_time.as_secs_f64() / run_s * 100.0
    );

    anyhow::ensure!(
        report.refused_count == 0,
        "the run refused {} subscriptions",
        report.refused_count
    );
    anyhow::ensure!(
        report.created == expected && in_table == expected as i64 && report.created >= count as u64,
        "the run created {} transactions ({in_table} in the table), expected {expected}",
        report.created
    );
    anyhow::ensure!(report.complete, "the run did not complete");
    anyhow::ensure!(
        second.created == 0,
        "the second run created {} transactions",
        second.created
    );
    Ok(())
}
