//! The billing engine: periods from the anchor, the merchant's time zone, pauses, cancellations
//! with minimum term and notice, catch-up, FRST/RCUR, business days, exactly-once under
//! concurrency and interruption, and the admin and CLI around it. Dates are fixed (2028 and on)
//! and runs are asked "as of" a day, the way `abbo billing run --date` looks ahead.

use abbo::services::billing::{self, RunOptions, RunReport};
use abbo::services::subscriptions::{self as subscription_service, CancelWhen};
use abbo::store::activity::System;
use abbo::store::transactions::{self, Transaction};
use chrono::{DateTime, Months, NaiveDate, Utc};
use reqwest::StatusCode;

use crate::helpers::{TestApp, location, spawn_app, text_of};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A shop with a signed-in owner.
struct Shop {
    app: TestApp,
    merchant_id: String,
    customers: usize,
}

impl Shop {
    async fn new() -> Shop {
        let app = spawn_app().await;
        app.setup().await;
        let merchant_id = abbo::store::merchants::list(&app.db)
            .await
            .unwrap()
            .remove(0)
            .id;
        Shop {
            app,
            merchant_id,
            customers: 0,
        }
    }

    /// A product of € 12.95 (VAT included) per `interval`, with optional extra fields (terms).
    async fn product(&self, name: &str, interval: &str, extra: &[(&str, &str)]) -> String {
        let mut fields = vec![
            ("name", name),
            ("price", "12.95"),
            ("vat_rate", "21"),
            ("prices_include_vat", "on"),
            ("interval", interval),
            ("method_email", "on"),
        ];
        fields.extend_from_slice(extra);
        let response = self
            .app
            .submit("/admin/products/new", "/admin/products", &fields)
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "product {name}");
        abbo::store::products::list(&self.app.db, &self.merchant_id)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
            .id
    }

    /// A new customer with a paper mandate subscribed to `product` from `start`; returns the
    /// subscription's id.
    async fn subscribe(&mut self, product: &str, start: NaiveDate) -> String {
        self.customers += 1;
        let n = self.customers;
        let email = format!("klant{n}@example.nl");
        let response = self
            .app
            .submit(
                "/admin/customers/new",
                "/admin/customers",
                &[
                    ("first_name", "Klant"),
                    ("last_name", &format!("Nummer {n}")),
                    ("email", &email),
                    ("payment_method", "direct_debit"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "customer {n}");
        let customer = location(&response);
        let start = start.to_string();
        let reference = format!("MDT-{n}");
        let response = self
            .app
            .submit(
                &customer,
                &format!("{customer}/subscriptions"),
                &[
                    ("product_id", product),
                    ("start_date", &start),
                    ("way", "paper"),
                    ("iban", "NL91ABNA0417164300"),
                    ("account_holder", "Klant"),
                    ("reference", &reference),
                    ("signed_on", "2026-01-15"),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "subscription {n}");
        let customer_id = customer.rsplit('/').next().unwrap();
        abbo::store::subscriptions::for_customer(&self.app.db, &self.merchant_id, customer_id)
            .await
            .unwrap()
            .remove(0)
            .id
    }

    fn options(&self, as_of: NaiveDate) -> RunOptions {
        RunOptions {
            as_of: Some(as_of),
            ..RunOptions::now("test")
        }
    }

    /// A billing run as of `as_of`.
    async fn run(&self, as_of: &str) -> RunReport {
        billing::run(&self.app.db, &self.merchant_id, &self.options(day(as_of)))
            .await
            .unwrap()
    }

    /// The subscription's transactions by period start (one-off charges by due date).
    async fn transactions(&self, subscription: &str) -> Vec<Transaction> {
        let mut all = transactions::for_subscription(&self.app.db, &self.merchant_id, subscription)
            .await
            .unwrap();
        all.sort_by_key(|t| (t.period_start.unwrap_or(t.due_date), t.id.clone()));
        all
    }

    /// (period start, period end, due date, sequence type) of each period.
    async fn periods(&self, subscription: &str) -> Vec<(String, String, String, String)> {
        self.transactions(subscription)
            .await
            .into_iter()
            .filter(|t| t.kind == "period")
            .map(|t| {
                (
                    t.period_start.unwrap().to_string(),
                    t.period_end.unwrap().to_string(),
                    t.due_date.to_string(),
                    t.sequence_type,
                )
            })
            .collect()
    }

    async fn count_transactions(&self) -> i64 {
        let (count,): (i64,) = crate::on_db!(&self.app.db, pool => {
            sqlx::query_as("SELECT COUNT(*) FROM transactions")
                .fetch_one(pool)
                .await
                .unwrap()
        });
        count
    }

    /// The actor of service calls made "by the shop" on a chosen day.
    fn staff(&self) -> System<'_> {
        System::new(&self.merchant_id, "test")
    }

    async fn save_billing_settings(&self, zone: &str, lead: &str, max: &str) -> reqwest::Response {
        self.app
            .submit(
                "/admin/billing",
                "/admin/billing/settings",
                &[
                    ("time_zone", zone),
                    ("notice_lead_days", lead),
                    ("billing_max_periods", max),
                    // The rest of the form as the page fills it in.
                    ("send_notices", "on"),
                    ("invoice_number_format", "{YYYY}-{SEQ:5}"),
                    ("credit_note_number_format", "C{YYYY}-{SEQ:5}"),
                ],
            )
            .await
    }
}

fn owned(rows: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    rows.iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
}

#[tokio::test]
async fn periods_are_billed_once_in_advance_on_business_days_frst_then_rcur() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let yearly = shop.product("Jaar", "1 year", &[]).await;
    // Good Friday and Easter Monday 2028 (14 and 17 April), a Sunday.
    let easter = shop.subscribe(&monthly, day("2028-01-14")).await;
    // Month ends clamp from the anchor (29 February, 31 March, 30 April), 1 May is a holiday.
    let month_end = shop.subscribe(&monthly, day("2028-01-31")).await;
    // A Saturday, then Christmas and Boxing Day, then a weekday.
    let christmas = shop.subscribe(&monthly, day("2028-11-25")).await;
    // New Year's Day 2029 is a Monday.
    let new_year = shop.subscribe(&monthly, day("2028-12-01")).await;
    // 1 May (Labour Day) on a Monday and on a Tuesday.
    let may_day = shop.subscribe(&yearly, day("2028-05-01")).await;

    let starts = [
        "2028-01-14",
        "2028-01-31",
        "2028-02-14",
        "2028-02-29",
        "2028-03-14",
        "2028-03-31",
        "2028-04-14",
        "2028-04-30",
        "2028-05-01",
        "2028-05-14",
        "2028-11-25",
        "2028-12-01",
        "2028-12-25",
        "2029-01-01",
        "2029-01-25",
        "2029-05-01",
    ];
    // A run every day, as the hourly run does: each period is created the day it comes within
    // the 14 days' lead, and a second run on such a day creates nothing.
    let mut created = 0;
    let mut as_of = day("2027-12-25");
    while as_of <= day("2029-04-17") {
        let report = shop.run(&as_of.to_string()).await;
        assert!(report.complete);
        assert_eq!(report.refused_count, 0, "{as_of}");
        created += report.created;
        if starts.contains(&(as_of + chrono::Duration::days(14)).to_string().as_str()) {
            assert!(report.created > 0, "{as_of}");
            assert_eq!(
                shop.run(&as_of.to_string()).await.created,
                0,
                "again on {as_of}"
            );
        }
        as_of = as_of.succ_opt().unwrap();
    }
    assert_eq!(
        shop.periods(&easter).await[..5],
        owned(&[
            ("2028-01-14", "2028-02-13", "2028-01-14", "FRST"),
            ("2028-02-14", "2028-03-13", "2028-02-14", "RCUR"),
            ("2028-03-14", "2028-04-13", "2028-03-14", "RCUR"),
            ("2028-04-14", "2028-05-13", "2028-04-18", "RCUR"),
            ("2028-05-14", "2028-06-13", "2028-05-15", "RCUR"),
        ])
    );
    assert_eq!(
        shop.periods(&month_end).await[..4],
        owned(&[
            ("2028-01-31", "2028-02-28", "2028-01-31", "FRST"),
            ("2028-02-29", "2028-03-30", "2028-02-29", "RCUR"),
            ("2028-03-31", "2028-04-29", "2028-03-31", "RCUR"),
            ("2028-04-30", "2028-05-30", "2028-05-02", "RCUR"),
        ])
    );
    assert_eq!(
        shop.periods(&christmas).await[..3],
        owned(&[
            ("2028-11-25", "2028-12-24", "2028-11-27", "FRST"),
            ("2028-12-25", "2029-01-24", "2028-12-27", "RCUR"),
            ("2029-01-25", "2029-02-24", "2029-01-25", "RCUR"),
        ])
    );
    assert_eq!(
        shop.periods(&new_year).await[..2],
        owned(&[
            ("2028-12-01", "2028-12-31", "2028-12-01", "FRST"),
            ("2029-01-01", "2029-01-31", "2029-01-02", "RCUR"),
        ])
    );
    assert_eq!(
        shop.periods(&may_day).await,
        owned(&[
            ("2028-05-01", "2029-04-30", "2028-05-02", "FRST"),
            ("2029-05-01", "2030-04-30", "2029-05-02", "RCUR"),
        ])
    );
    assert_eq!(created as i64, shop.count_transactions().await);
    // Each period's amount is the subscription's, VAT included.
    let first = &shop.transactions(&easter).await[0];
    assert_eq!(first.amount_minor, 1295);
    assert_eq!(first.status, "scheduled");
}

#[tokio::test]
async fn anchors_at_month_ends_tile_without_gap_or_overlap_for_48_periods() {
    let mut shop = Shop::new().await;
    let response = shop
        .save_billing_settings("Europe/Amsterdam", "14", "120")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let intervals = ["14 days", "1 month", "2 months", "6 months", "1 year"];
    let anchors = [
        "2028-01-28",
        "2028-01-29",
        "2028-01-30",
        "2028-01-31",
        "2028-02-29",
    ];
    let mut subscriptions = Vec::new();
    for interval in intervals {
        let product = shop.product(interval, interval, &[]).await;
        for anchor in anchors {
            let id = shop.subscribe(&product, day(anchor)).await;
            subscriptions.push((interval, anchor, id));
        }
    }
    // Four years at a time keeps every subscription under the bound of 120 periods per run.
    let mut as_of = day("2028-01-01");
    while as_of < day("2077-01-01") {
        let report = billing::run(&shop.app.db, &shop.merchant_id, &shop.options(as_of))
            .await
            .unwrap();
        assert_eq!(report.refused_count, 0, "as of {as_of}");
        as_of = as_of.checked_add_months(Months::new(48)).unwrap();
    }
    for (interval, anchor, id) in &subscriptions {
        let periods = shop.transactions(id).await;
        assert!(periods.len() >= 48, "{interval} from {anchor}");
        assert_eq!(periods[0].period_start, Some(day(anchor)));
        for pair in periods[..48].windows(2) {
            let (this, next) = (&pair[0], &pair[1]);
            let end = this.period_end.unwrap();
            assert!(end >= this.period_start.unwrap(), "{interval} {anchor}");
            assert_eq!(
                end.succ_opt(),
                next.period_start,
                "{interval} from {anchor}: {} – {end} then {:?}",
                this.period_start.unwrap(),
                next.period_start
            );
        }
        // Each start is the anchor plus k intervals, clamped to the month's end: no drift.
        for (k, t) in periods[..48].iter().enumerate() {
            assert_eq!(
                t.period_start,
                Some(nth_start(day(anchor), interval, k as u32)),
                "{interval} from {anchor}, period {k}"
            );
        }
    }
}

/// Period `k`'s start, computed here independently: days add up; months land on the anchor's
/// day or the month's last day.
fn nth_start(anchor: NaiveDate, interval: &str, k: u32) -> NaiveDate {
    use chrono::Datelike;
    let (count, unit) = interval.split_once(' ').unwrap();
    let count: u32 = count.parse().unwrap();
    let months = match unit {
        "days" => return anchor + chrono::Duration::days(i64::from(count * k)),
        "month" | "months" => count * k,
        _ => 12 * count * k,
    };
    let index = anchor.year() * 12 + anchor.month0() as i32 + months as i32;
    let (year, month) = (index / 12, index as u32 % 12 + 1);
    let last = (28..=31)
        .rev()
        .find(|d| NaiveDate::from_ymd_opt(year, month, *d).is_some())
        .unwrap();
    NaiveDate::from_ymd_opt(year, month, anchor.day().min(last)).unwrap()
}

#[tokio::test]
async fn the_safety_bound_refuses_a_subscription_with_too_many_periods_at_once() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let long_ago = shop.subscribe(&monthly, day("2028-01-01")).await;
    let recent = shop.subscribe(&monthly, day("2028-06-01")).await;
    // As of 1 July 2028: the first has seven periods due (bound 4), the second two.
    let report = shop.run("2028-07-01").await;
    assert_eq!(report.refused_count, 1);
    assert_eq!(report.refused[0].subscription_id, long_ago);
    assert_eq!(report.refused[0].periods, 7);
    assert_eq!(report.created, 2);
    assert!(shop.transactions(&long_ago).await.is_empty());
    assert_eq!(shop.transactions(&recent).await.len(), 2);

    // The CLI says so, and the Billing page lists the run with the refusal.
    let output = shop
        .app
        .abbo(&["billing", "run", "--date", "2028-07-01"], "");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("created 0 transactions"), "{stdout}");
    assert!(stdout.contains("refused 1 subscription"), "{stdout}");
    assert!(
        stdout.contains(&format!("{long_ago}\t7 periods")),
        "{stdout}"
    );
    let html = shop.app.page("/admin/billing").await;
    let runs = text_of(&html, "runs").unwrap();
    assert!(runs.contains("command line"), "{runs}");
    assert!(html.contains(&format!("/admin/subscriptions/{long_ago}")));

    // Raising the bound lets the next run bill it.
    let response = shop
        .save_billing_settings("Europe/Amsterdam", "14", "12")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(shop.run("2028-07-01").await.created, 7);
}

#[tokio::test]
async fn pauses_skip_the_periods_that_start_in_them() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let with_end = shop.subscribe(&monthly, day("2028-01-10")).await;
    let resumed_early = shop.subscribe(&monthly, day("2028-01-10")).await;
    let scheduled = shop.subscribe(&monthly, day("2028-01-10")).await;
    let db = &shop.app.db;
    subscription_service::apply_dates(db, day("2028-01-10"))
        .await
        .unwrap();
    assert_eq!(shop.run("2028-01-10").await.created, 3);
    let on = day("2028-01-20");
    subscription_service::pause(
        db,
        &shop.staff(),
        &with_end,
        None,
        Some(day("2028-03-15")),
        on,
    )
    .await
    .unwrap();
    subscription_service::pause(db, &shop.staff(), &resumed_early, None, None, on)
        .await
        .unwrap();
    // A pause that starts later, on 1 February, until 1 April.
    subscription_service::pause(
        db,
        &shop.staff(),
        &scheduled,
        Some(day("2028-02-01")),
        Some(day("2028-04-01")),
        on,
    )
    .await
    .unwrap();
    assert_eq!(shop.run("2028-01-27").await.created, 0, "10 Feb is paused");
    subscription_service::resume(db, &shop.staff(), &resumed_early, day("2028-02-20"))
        .await
        .unwrap();
    assert_eq!(shop.run("2028-02-25").await.created, 1, "10 March, resumed");
    // The pause with an end resumes by its date; the one ahead has begun.
    subscription_service::apply_dates(db, day("2028-03-15"))
        .await
        .unwrap();
    assert_eq!(shop.run("2028-03-27").await.created, 3, "10 April for all");
    let starts = |periods: Vec<(String, String, String, String)>| {
        periods.into_iter().map(|p| p.0).collect::<Vec<_>>()
    };
    assert_eq!(
        starts(shop.periods(&with_end).await),
        ["2028-01-10", "2028-04-10"]
    );
    assert_eq!(
        starts(shop.periods(&resumed_early).await),
        ["2028-01-10", "2028-03-10", "2028-04-10"]
    );
    assert_eq!(
        starts(shop.periods(&scheduled).await),
        ["2028-01-10", "2028-04-10"]
    );
    // The skipped periods stay skipped in later runs.
    assert_eq!(shop.run("2028-03-27").await.created, 0);
}

#[tokio::test]
async fn cancelling_stops_billing_after_the_last_day_with_minimum_term_and_notice() {
    let mut shop = Shop::new().await;
    let plain = shop.product("Plain", "1 month", &[]).await;
    let term = shop
        .product("Term", "1 month", &[("minimum_term_months", "12")])
        .await;
    let notice = shop
        .product("Notice", "1 month", &[("notice_period_days", "45")])
        .await;
    let at_period_end = shop.subscribe(&plain, day("2028-01-10")).await;
    let in_term = shop.subscribe(&term, day("2028-01-01")).await;
    let in_notice = shop.subscribe(&notice, day("2028-01-01")).await;
    let db = &shop.app.db;
    subscription_service::apply_dates(db, day("2028-01-10"))
        .await
        .unwrap();

    let cancelled = subscription_service::cancel(
        db,
        &shop.staff(),
        &at_period_end,
        CancelWhen::EndOfPeriod,
        day("2028-02-20"),
    )
    .await
    .unwrap();
    assert_eq!(cancelled.last_day, Some(day("2028-03-09")));
    assert_eq!(cancelled.summary(), "runs until 2028-03-09");

    let cancelled = subscription_service::cancel(
        db,
        &shop.staff(),
        &in_term,
        CancelWhen::Now,
        day("2028-03-10"),
    )
    .await
    .unwrap();
    assert_eq!(cancelled.last_day, Some(day("2028-12-31")));
    assert_eq!(
        cancelled.summary(),
        "runs until 2028-12-31: the minimum term runs through 2028-12-31"
    );

    let cancelled = subscription_service::cancel(
        db,
        &shop.staff(),
        &in_notice,
        CancelWhen::Now,
        day("2028-03-10"),
    )
    .await
    .unwrap();
    assert_eq!(cancelled.last_day, Some(day("2028-04-30")));
    assert_eq!(
        cancelled.summary(),
        "runs until 2028-04-30: the notice period runs through 2028-04-23"
    );

    // One run far ahead with room for every period: none after a last day.
    let response = shop
        .save_billing_settings("Europe/Amsterdam", "14", "24")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    shop.run("2029-06-01").await;
    let months = |periods: Vec<(String, String, String, String)>| {
        periods
            .into_iter()
            .map(|p| p.0[..7].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        months(shop.periods(&at_period_end).await),
        ["2028-01", "2028-02"]
    );
    let in_term = months(shop.periods(&in_term).await);
    assert_eq!(in_term.len(), 12);
    assert_eq!(in_term.last().unwrap(), "2028-12");
    assert_eq!(
        months(shop.periods(&in_notice).await),
        ["2028-01", "2028-02", "2028-03", "2028-04"]
    );
    // Ended by its date, still nothing more.
    subscription_service::apply_dates(db, day("2029-01-01"))
        .await
        .unwrap();
    assert_eq!(shop.run("2029-06-01").await.created, 0);
}

#[tokio::test]
async fn a_cancel_inside_the_minimum_term_says_it_moved_the_end_date() {
    let mut shop = Shop::new().await;
    let term = shop
        .product("Term", "1 month", &[("minimum_term_months", "12")])
        .await;
    let today = crate::helpers::today();
    let id = shop.subscribe(&term, today).await;
    let page = format!("/admin/subscriptions/{id}");
    let response = shop
        .app
        .submit(
            &format!("{page}/cancel"),
            &format!("{page}/cancel"),
            &[("when", "now")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page(&page).await;
    let last = today.checked_add_months(Months::new(12)).unwrap() - chrono::Duration::days(1);
    assert!(
        html.contains(&format!(
            "runs until {last}: the minimum term runs through {last}"
        )),
        "{html}"
    );
}

#[tokio::test]
async fn a_catch_up_after_an_outage_bills_each_missed_period_once_with_a_possible_date() {
    let mut shop = Shop::new().await;
    let fortnightly = shop.product("Twee weken", "14 days", &[]).await;
    let id = shop.subscribe(&fortnightly, day("2028-03-01")).await;
    let mut runs = Vec::new();
    let mut as_of = day("2028-02-10");
    while as_of <= day("2028-03-20") {
        // Down from 1 through 3 March.
        if !(day("2028-03-01")..=day("2028-03-03")).contains(&as_of) {
            runs.push((as_of, shop.run(&as_of.to_string()).await.created));
        }
        as_of = as_of.succ_opt().unwrap();
    }
    assert_eq!(
        shop.periods(&id).await,
        owned(&[
            ("2028-03-01", "2028-03-14", "2028-03-01", "FRST"),
            // Due on 15 March, but a notice on 4 March allows 18 March (a Saturday) at the
            // earliest: Monday 20 March.
            ("2028-03-15", "2028-03-28", "2028-03-20", "RCUR"),
            ("2028-03-29", "2028-04-11", "2028-03-29", "RCUR"),
        ])
    );
    let creating: Vec<(NaiveDate, u64)> = runs.into_iter().filter(|(_, n)| *n > 0).collect();
    assert_eq!(
        creating,
        [
            (day("2028-02-16"), 1),
            (day("2028-03-04"), 1),
            (day("2028-03-15"), 1)
        ]
    );

    // A longer outage: two missed periods, each once, both on the first possible day.
    assert_eq!(shop.run("2028-04-20").await.created, 2);
    let periods = shop.periods(&id).await;
    assert_eq!(periods[3].0, "2028-04-12");
    assert_eq!(periods[4].0, "2028-04-26");
    assert_eq!(periods[3].2, "2028-05-04");
    assert_eq!(periods[4].2, "2028-05-04");
    assert_eq!(shop.run("2028-04-20").await.created, 0);
}

#[tokio::test]
async fn days_are_the_merchants_around_midnight() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let fifteenth = shop.subscribe(&monthly, day("2028-03-15")).await;
    let sixteenth = shop.subscribe(&monthly, day("2028-03-16")).await;
    let at = |instant: &str| RunOptions {
        at: Some(instant.parse::<DateTime<Utc>>().unwrap()),
        ..RunOptions::now("schedule")
    };
    let run = async |instant: &str| {
        billing::run(&shop.app.db, &shop.merchant_id, &at(instant))
            .await
            .unwrap()
    };
    // 23:30 in Amsterdam on 1 March (UTC+1): today is 1 March, periods through 15 March.
    let late = run("2028-03-01T22:30:00Z").await;
    assert_eq!((late.as_of, late.created), (day("2028-03-01"), 1));
    // 00:30 in Amsterdam is already 2 March, while it is still 1 March in UTC.
    let early = run("2028-03-01T23:30:00Z").await;
    assert_eq!((early.as_of, early.created), (day("2028-03-02"), 1));
    let again = run("2028-03-02T00:30:00Z").await;
    assert_eq!(again.created, 0);
    assert_eq!(shop.periods(&fifteenth).await.len(), 1);
    assert_eq!(shop.periods(&sixteenth).await.len(), 1);

    // Another time zone moves the merchant's midnight.
    let response = shop
        .save_billing_settings("America/New_York", "14", "4")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let report = run("2028-03-03T02:00:00Z").await;
    assert_eq!(report.as_of, day("2028-03-02"), "21:00 in New York");
}

#[tokio::test]
async fn two_runs_at_once_create_each_period_once() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(shop.subscribe(&monthly, day("2028-03-01")).await);
    }
    // Both runs read and write one subscription at a time, interleaving.
    let options = RunOptions {
        chunk: 1,
        ..shop.options(day("2028-03-20"))
    };
    let (a, b) = tokio::join!(
        billing::run(&shop.app.db, &shop.merchant_id, &options),
        billing::run(&shop.app.db, &shop.merchant_id, &options),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.complete && b.complete);
    // Two periods each (1 March and 1 April): twelve, however the runs shared them.
    assert_eq!(a.created + b.created, 12);
    assert_eq!(shop.count_transactions().await, 12);

    // The command line during an in-process run: the same.
    let later = RunOptions {
        chunk: 1,
        ..shop.options(day("2028-04-20"))
    };
    let data_dir = shop.app.data_dir.path().to_path_buf();
    let url = shop.app.config.database_url.clone();
    let cli = std::thread::spawn(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_abbo"))
            .args([
                "--config",
                &data_dir.join("missing.toml").display().to_string(),
            ])
            .args([
                "billing",
                "run",
                "--date",
                "2028-04-20",
                "--chunk-size",
                "1",
            ])
            .env("ABBO_DATABASE__URL", url)
            .env("ABBO_STORAGE__DATA_DIR", data_dir)
            .output()
            .unwrap()
    });
    let in_process = billing::run(&shop.app.db, &shop.merchant_id, &later)
        .await
        .unwrap();
    let output = cli.join().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let by_cli: u64 = stdout
        .split("created ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(in_process.created + by_cli, 6, "1 May for each");
    assert_eq!(shop.count_transactions().await, 18);
    for id in &ids {
        assert_eq!(shop.periods(id).await.len(), 3);
    }
}

#[tokio::test]
async fn a_run_stopped_between_chunks_resumes_without_duplicates_or_losses() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    for _ in 0..5 {
        shop.subscribe(&monthly, day("2028-03-01")).await;
    }
    // The worker stops after its first chunk of two subscriptions.
    let halfway = RunOptions {
        chunk: 2,
        max_chunks: Some(1),
        ..shop.options(day("2028-02-20"))
    };
    let report = billing::run(&shop.app.db, &shop.merchant_id, &halfway)
        .await
        .unwrap();
    assert!(!report.complete);
    assert_eq!(report.created, 2);
    assert_eq!(shop.count_transactions().await, 2);
    // Started again, it bills the rest.
    let report = shop.run("2028-02-20").await;
    assert!(report.complete);
    assert_eq!(report.created, 3);
    assert_eq!(shop.count_transactions().await, 5);

    // The process killed halfway (abort, like kill -9) and started again.
    let crashed = {
        let data_dir = shop.app.data_dir.path();
        std::process::Command::new(env!("CARGO_BIN_EXE_abbo"))
            .arg("--config")
            .arg(data_dir.join("missing.toml"))
            .args([
                "billing",
                "run",
                "--date",
                "2028-03-20",
                "--chunk-size",
                "2",
            ])
            .env("ABBO_DATABASE__URL", &shop.app.config.database_url)
            .env("ABBO_STORAGE__DATA_DIR", data_dir)
            .env("CRASH_AFTER_BILLING_CHUNKS_FOR_TESTS", "2")
            .output()
            .unwrap()
    };
    assert!(!crashed.status.success());
    assert_eq!(shop.count_transactions().await, 5 + 4, "two chunks of two");
    let runs = abbo::store::billing::recent_runs(&shop.app.db, &shop.merchant_id, 10)
        .await
        .unwrap();
    let statuses: Vec<&str> = runs.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == "running").count(),
        1,
        "the killed run never finished: {statuses:?}"
    );
    let output = shop
        .app
        .abbo(&["billing", "run", "--date", "2028-03-20"], "");
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("created 1 transaction "));
    assert_eq!(shop.count_transactions().await, 10);
}

#[tokio::test]
async fn a_one_off_charge_on_a_fresh_mandate_is_its_first_collection() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let id = shop.subscribe(&monthly, day("2028-06-01")).await;
    let page = format!("/admin/subscriptions/{id}");
    let due = (crate::helpers::today() + chrono::Duration::days(30)).to_string();
    let response = shop
        .app
        .submit(
            &page,
            &format!("{page}/charges"),
            &[
                ("amount", "25,00"),
                ("due_date", &due),
                ("description", "Extra slot"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    shop.run("2028-05-18").await;
    let all = shop.transactions(&id).await;
    let kinds: Vec<(&str, &str, i64)> = all
        .iter()
        .map(|t| (t.kind.as_str(), t.sequence_type.as_str(), t.amount_minor))
        .collect();
    assert_eq!(kinds, [("one_off", "FRST", 2500), ("period", "RCUR", 1295)]);
}

/// The error next to `field` on a re-rendered admin form.
fn field_error(html: &str, field: &str) -> String {
    text_of(html, &format!("{field}-error")).unwrap_or_else(|| panic!("{field} error in {html}"))
}

#[tokio::test]
async fn bad_one_off_charges_are_refused_with_a_reason_in_admin_and_api() {
    let (app, key) = crate::api::app_with_key().await;
    let merchant_id = abbo::store::merchants::list(&app.db)
        .await
        .unwrap()
        .remove(0)
        .id;
    let mut shop = Shop {
        app,
        merchant_id,
        customers: 0,
    };
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let id = shop.subscribe(&monthly, day("2028-06-01")).await;
    let ended = shop.subscribe(&monthly, day("2028-06-01")).await;
    let api = crate::api::Api::new(&shop.app, key);
    subscription_service::cancel(
        &shop.app.db,
        &shop.staff(),
        &ended,
        CancelWhen::Now,
        crate::helpers::today(),
    )
    .await
    .unwrap();
    let today = crate::helpers::today();
    let good_due = (today + chrono::Duration::days(20)).to_string();
    let yesterday = (today - chrono::Duration::days(1)).to_string();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        ("amount", "-5.00", &good_due, "Extra", "cannot be negative"),
        ("amount", "0", &good_due, "Extra", "above zero"),
        ("amount", "1000000000", &good_due, "Extra", "too large"),
        (
            "due_date",
            "5.00",
            &yesterday,
            "Extra",
            "earliest collection date",
        ),
        (
            "due_date",
            "5.00",
            &tomorrow,
            "Extra",
            "told of a debit in advance",
        ),
        (
            "description",
            "5.00",
            &good_due,
            "",
            "Say what the charge is for",
        ),
    ];
    let page = format!("/admin/subscriptions/{id}");
    for (field, amount, due, description, message) in cases {
        let response = shop
            .app
            .submit(
                &page,
                &format!("{page}/charges"),
                &[
                    ("amount", amount),
                    ("due_date", due),
                    ("description", description),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let html = response.text().await.unwrap();
        assert!(
            field_error(&html, field).contains(message),
            "{field}: {html}"
        );
        // The form keeps what was typed.
        assert!(html.contains(&format!("value=\"{amount}\"")));

        let problem = crate::api::problem(
            api.post(
                "/api/v1/transactions",
                serde_json::json!({"subscription_id": id, "amount": amount,
                                   "due_date": due, "description": description}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(crate::api::fields_of(&problem), [field], "{problem}");
        assert!(problem.to_string().contains(message), "{problem}");
    }
    // An ended subscription takes no charges.
    let ended_page = format!("/admin/subscriptions/{ended}");
    let response = shop
        .app
        .submit(
            &page,
            &format!("{ended_page}/charges"),
            &[
                ("amount", "5.00"),
                ("due_date", &good_due),
                ("description", "Extra"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("This subscription is not running, so it takes no charges"),
        "{html}"
    );
    let problem = crate::api::problem(
        api.post(
            "/api/v1/transactions",
            serde_json::json!({"subscription_id": ended, "amount": "5.00",
                               "due_date": good_due, "description": "Extra"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(crate::api::fields_of(&problem), ["subscription_id"]);
    assert!(problem.to_string().contains("not running"));
    // Nothing was stored by any of them.
    assert_eq!(shop.count_transactions().await, 0);

    // A good one through the API, listed, fetched and cancelled; a second cancel conflicts.
    let created = api
        .post_ok(
            "/api/v1/transactions",
            serde_json::json!({"subscription_id": id, "amount": "19.99",
                               "due_date": good_due, "description": "Helmet"}),
            201,
        )
        .await;
    assert_eq!(created["amount"], "19.99");
    assert_eq!(created["kind"], "one_off");
    assert_eq!(created["status"], "scheduled");
    let trx = created["id"].as_str().unwrap();
    let listed = api
        .get_json(&format!(
            "/api/v1/transactions?subscription_id={id}&status=scheduled"
        ))
        .await;
    assert_eq!(listed["data"][0]["id"], trx);
    let bad_status =
        crate::api::problem(api.get("/api/v1/transactions?status=unpaid").await, 422).await;
    assert_eq!(crate::api::fields_of(&bad_status), ["status"]);
    for query in ["due_to=", "due_from=2028-02-30"] {
        let bad_date =
            crate::api::problem(api.get(&format!("/api/v1/transactions?{query}")).await, 422).await;
        assert_eq!(crate::api::fields_of(&bad_date).len(), 1, "{query}");
    }
    let cancelled = api
        .post_ok(
            &format!("/api/v1/transactions/{trx}/cancel"),
            serde_json::json!({}),
            200,
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    crate::api::problem(
        api.post(
            &format!("/api/v1/transactions/{trx}/cancel"),
            serde_json::json!({}),
        )
        .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn the_transactions_section_filters_totals_downloads_and_cancels() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let first = shop.subscribe(&monthly, day("2028-03-01")).await;
    let second = shop.subscribe(&monthly, day("2028-03-15")).await;
    for as_of in ["2028-02-16", "2028-03-01", "2028-03-18"] {
        shop.run(as_of).await;
    }
    // 1 March and 1 April (collected Monday 3 April) for the first; 15 March for the second.
    let html = shop.app.page("/admin/transactions").await;
    assert_eq!(
        text_of(&html, "totals").unwrap(),
        "3 transactions, together € 38.85."
    );
    let html = shop
        .app
        .page(&format!("/admin/transactions?subscription_id={first}"))
        .await;
    assert_eq!(
        text_of(&html, "totals").unwrap(),
        "2 transactions, together € 25.90."
    );
    assert!(
        text_of(&html, "subscription-filter")
            .unwrap()
            .contains("Maand")
    );
    let html = shop
        .app
        .page("/admin/transactions?due_from=2028-03-10&due_to=2028-03-31")
        .await;
    assert!(
        text_of(&html, "totals")
            .unwrap()
            .starts_with("1 transaction,")
    );
    // A bad filter is explained, not ignored.
    let response = shop
        .app
        .get("/admin/transactions?due_from=2028-03-31&due_to=2028-03-01&status=nope")
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(field_error(&html, "status").contains("Choose one"));
    assert!(field_error(&html, "due_to").contains("before its start"));

    let response = shop
        .app
        .get(&format!("/admin/transactions.csv?subscription_id={second}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("transactions.csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("id,due_date,status,amount"));
    assert!(
        lines[1].contains(",2028-03-15,scheduled,12.95,EUR,FRST,period,"),
        "{csv}"
    );
    assert!(lines[1].contains("Klant Nummer 2"));

    // Cancel a scheduled one from its page; it stays cancelled and is not billed again.
    let trx = &shop.transactions(&second).await[0];
    let page = format!("/admin/transactions/{}", trx.id);
    let html = shop.app.page(&page).await;
    assert_eq!(text_of(&html, "status").unwrap(), "scheduled");
    let response = shop.app.submit(&page, &format!("{page}/cancel"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page(&page).await;
    assert_eq!(text_of(&html, "status").unwrap(), "cancelled");
    assert!(html.contains("is cancelled; nothing is collected for it"));
    assert!(!html.contains("Cancel the transaction"));
    // A second cancel (another tab) is explained.
    let response = shop.app.submit(&page, &format!("{page}/cancel"), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page(&page).await;
    assert!(html.contains("Only a scheduled transaction can be cancelled; this one is cancelled"));
    assert_eq!(
        shop.run("2028-03-18").await.created,
        0,
        "the cancelled period stays"
    );
    assert_eq!(shop.transactions(&second).await.len(), 1);
}

#[tokio::test]
async fn the_billing_page_previews_a_day_and_checks_its_settings() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let id = shop.subscribe(&monthly, day("2028-03-01")).await;
    let html = shop.app.page("/admin/billing?date=2028-02-20").await;
    assert_eq!(
        text_of(&html, "preview-summary").unwrap(),
        "A run on 2028-02-20 would create 1 transaction for periods starting through 2028-03-05, \
         together € 12.95."
    );
    assert!(
        text_of(&html, "preview-lines")
            .unwrap()
            .contains("2028-03-01 – 2028-03-31")
    );
    assert!(html.contains(&format!("/admin/subscriptions/{id}")));
    // A preview writes nothing.
    assert_eq!(shop.count_transactions().await, 0);
    assert!(text_of(&html, "no-runs").is_some());

    let response = shop.app.get("/admin/billing?date=2028-02-30").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&response.text().await.unwrap(), "date-error").is_some());

    for (zone, lead, max, field) in [
        ("Mars/Olympus", "14", "4", "time_zone"),
        ("Europe/Amsterdam", "0", "4", "notice_lead_days"),
        ("Europe/Amsterdam", "ten", "4", "notice_lead_days"),
        ("Europe/Amsterdam", "14", "0", "billing_max_periods"),
        ("Europe/Amsterdam", "14", "1000", "billing_max_periods"),
    ] {
        let response = shop.save_billing_settings(zone, lead, max).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}"
        );
        let html = response.text().await.unwrap();
        assert!(!field_error(&html, field).is_empty());
        assert!(
            html.contains(&format!("value=\"{lead}\"")),
            "kept what was typed"
        );
    }
    let merchant = abbo::store::merchants::get(&shop.app.db, &shop.merchant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            merchant.time_zone.as_str(),
            merchant.notice_lead_days,
            merchant.billing_max_periods
        ),
        ("Europe/Amsterdam", 14, 4),
        "nothing saved"
    );
    // A short lead is allowed with a warning, and a run then reaches less far.
    let response = shop
        .save_billing_settings("Europe/Brussels", "5", "6")
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page("/admin/billing").await;
    assert!(html.contains("Customers are told 5 days ahead: SEPA Core asks for 14"));
    assert!(text_of(&html, "short-lead").is_some());
    assert_eq!(shop.run("2028-02-20").await.horizon, day("2028-02-25"));
    assert_eq!(shop.count_transactions().await, 0);
}

#[tokio::test]
async fn upcoming_charges_on_the_pages_are_what_the_run_creates() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let today = crate::helpers::today();
    let id = shop.subscribe(&monthly, today).await;
    let page = format!("/admin/subscriptions/{id}");
    // What the subscription and customer pages say will come, before any run.
    let html = shop.app.page(&page).await;
    assert_eq!(text_of(&html, "next-charge").unwrap(), today.to_string());
    let shown = upcoming_rows(&html);
    assert!(shown.len() >= 2, "{shown:?}");
    let customer_id = abbo::store::subscriptions::get(&shop.app.db, &shop.merchant_id, &id)
        .await
        .unwrap()
        .unwrap()
        .customer_id;
    let customer_page = shop
        .app
        .page(&format!("/admin/customers/{customer_id}"))
        .await;
    let upcoming = text_of(&customer_page, "upcoming").unwrap();
    assert!(upcoming.contains(&shown[0].1.to_string()), "{upcoming}");

    // Today's run creates exactly the first period shown, collected when the pages said.
    let created = shop.run(&today.to_string()).await;
    assert_eq!(created.created, 1);
    let first = shop.transactions(&id).await.remove(0);
    assert_eq!((first.period_start.unwrap(), first.due_date), shown[0]);
    // Now the pages show it as charged, and the next charge is the first period not billed.
    let html = shop.app.page(&page).await;
    assert_eq!(
        text_of(&html, "next-charge").unwrap(),
        shown[1].0.to_string()
    );
    let customer_page = shop
        .app
        .page(&format!("/admin/customers/{customer_id}"))
        .await;
    let upcoming = text_of(&customer_page, "upcoming").unwrap();
    assert!(
        upcoming.contains(&first.due_date.to_string()),
        "scheduled: {upcoming}"
    );
    assert_eq!(
        upcoming.matches(&first.due_date.to_string()).count(),
        1,
        "listed once"
    );
}

/// (period start, collection date) of the rows "to come" in a subscription page's periods.
fn upcoming_rows(html: &str) -> Vec<(NaiveDate, NaiveDate)> {
    let document = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("#periods tr.upcoming").unwrap();
    let cells = scraper::Selector::parse("td").unwrap();
    document
        .select(&rows)
        .map(|row| {
            let texts: Vec<String> = row.select(&cells).map(|c| c.text().collect()).collect();
            let start = texts[0].split(" – ").next().unwrap();
            (day(start.trim()), day(texts[1].trim()))
        })
        .collect()
}

#[tokio::test]
async fn other_merchants_and_viewers_cannot_reach_billing() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let id = shop.subscribe(&monthly, day("2028-03-01")).await;
    shop.run("2028-03-01").await;
    let trx = shop.transactions(&id).await.remove(0).id;

    let other = shop.app.other_merchant().await;
    for path in [
        format!("/admin/transactions/{trx}"),
        format!("/admin/subscriptions/{id}"),
    ] {
        let response = shop.app.get_as(&other, &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    for path in [
        "/admin/transactions".to_string(),
        format!("/admin/transactions?subscription_id={id}"),
        format!("/admin/transactions.csv?subscription_id={id}"),
        "/admin/transactions.csv".to_string(),
    ] {
        let body = shop.app.page_as(&other, &path).await;
        assert!(!body.contains(&trx), "{path}");
    }
    let billing_page = shop.app.page_as(&other, "/admin/billing").await;
    assert!(
        text_of(&billing_page, "no-runs").is_some(),
        "another merchant's runs"
    );
    // Cancelling another merchant's transaction: not found, and it stays scheduled.
    let page = shop.app.page_as(&other, "/admin/transactions").await;
    let token = crate::helpers::csrf_token(&page);
    let response = shop
        .app
        .post_form_as(
            &other,
            &format!("/admin/transactions/{trx}/cancel"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = shop
        .app
        .post_form_as(
            &other,
            &format!("/admin/subscriptions/{id}/charges"),
            &[
                ("csrf_token", &token),
                ("amount", "5.00"),
                ("due_date", "2099-01-01"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A viewer sees the pages but every POST is forbidden.
    let viewer = shop
        .app
        .user_with_role("viewer@example.com", "viewer")
        .await;
    let html = shop
        .app
        .page_as(&viewer, &format!("/admin/transactions/{trx}"))
        .await;
    assert!(!html.contains("Cancel the transaction"));
    let token = crate::helpers::csrf_token(&html);
    for (path, fields) in [
        (format!("/admin/transactions/{trx}/cancel"), vec![]),
        (
            format!("/admin/subscriptions/{id}/charges"),
            vec![
                ("amount", "5.00"),
                ("due_date", "2099-01-01"),
                ("description", "x"),
            ],
        ),
        (
            "/admin/billing/settings".to_string(),
            vec![
                ("time_zone", "Europe/Amsterdam"),
                ("notice_lead_days", "3"),
                ("billing_max_periods", "4"),
            ],
        ),
    ] {
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend(fields);
        let response = shop.app.post_form_as(&viewer, &path, &all).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(shop.transactions(&id).await[0].status, "scheduled");
    assert_eq!(shop.transactions(&id).await.len(), 1);
    let merchant = abbo::store::merchants::get(&shop.app.db, &shop.merchant_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(merchant.notice_lead_days, 14);

    // The API of another merchant does not see or touch the transaction.
    let key = abbo::services::api_keys::create(
        &shop.app.db,
        &other_merchant_id(&shop).await,
        None,
        "Other",
    )
    .await
    .unwrap();
    let api = crate::api::Api::new(&shop.app, key.secret);
    let response = api.get(&format!("/api/v1/transactions/{trx}")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let listed = api.get_json("/api/v1/transactions").await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 0);
    let response = api
        .post(
            &format!("/api/v1/transactions/{trx}/cancel"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = api
        .post(
            "/api/v1/transactions",
            serde_json::json!({"subscription_id": id, "amount": "5.00",
                               "due_date": "2099-01-01", "description": "x"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 422);
    assert_eq!(shop.transactions(&id).await.len(), 1);
}

async fn other_merchant_id(shop: &Shop) -> String {
    abbo::store::merchants::list(&shop.app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.id != shop.merchant_id)
        .unwrap()
        .id
}

#[tokio::test]
async fn a_customer_with_transactions_can_be_anonymised_but_not_deleted() {
    let mut shop = Shop::new().await;
    let monthly = shop.product("Maand", "1 month", &[]).await;
    let id = shop.subscribe(&monthly, day("2028-03-01")).await;
    shop.run("2028-02-20").await;
    // It ends (a planned subscription cancelled ends at once); its transaction stays.
    subscription_service::cancel(
        &shop.app.db,
        &shop.staff(),
        &id,
        CancelWhen::Now,
        crate::helpers::today(),
    )
    .await
    .unwrap();
    let trx = shop.transactions(&id).await.remove(0);
    let page = format!("/admin/customers/{}", trx.customer_id);
    shop.app.submit(&page, &format!("{page}/delete"), &[]).await;
    let html = shop.app.page(&page).await;
    assert!(
        html.contains("Payments were collected from this customer"),
        "{html}"
    );
    let response = shop
        .app
        .submit(&page, &format!("{page}/anonymise"), &[])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = shop.app.page(&page).await;
    assert!(!html.contains("Nummer 1"), "the name is gone: {html}");
    let kept = shop.transactions(&id).await.remove(0);
    assert_eq!(
        (kept.id, kept.amount_minor, kept.due_date),
        (trx.id, 1295, trx.due_date)
    );
}
