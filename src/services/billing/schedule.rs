//! A subscription's plan as stored (its dates, pauses and charged periods), and the upcoming
//! charges it gives: what the billing run creates and what the pages and the API show are the
//! same periods, from `domain::schedule::Plan::chargeable`.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};

use crate::domain::Interval;
use crate::domain::schedule::{Pause, Period, Plan, collection_date};
use crate::store::billing::{self, Billable, PauseRow};
use crate::store::subscriptions::Subscription;
use crate::store::{Db, transactions};

/// The stored dates of a subscription that decide its plan.
pub trait PlanSource {
    fn start_date(&self) -> NaiveDate;
    fn billing_interval(&self) -> &str;
    fn billing_from(&self) -> NaiveDate;
    fn status(&self) -> &str;
    fn pause_on(&self) -> Option<NaiveDate>;
    fn resume_on(&self) -> Option<NaiveDate>;
    fn cancel_on(&self) -> Option<NaiveDate>;
}

impl PlanSource for Billable {
    fn start_date(&self) -> NaiveDate {
        self.start_date
    }
    fn billing_interval(&self) -> &str {
        &self.billing_interval
    }
    fn billing_from(&self) -> NaiveDate {
        self.billing_from
    }
    fn status(&self) -> &str {
        &self.status
    }
    fn pause_on(&self) -> Option<NaiveDate> {
        self.pause_on
    }
    fn resume_on(&self) -> Option<NaiveDate> {
        self.resume_on
    }
    fn cancel_on(&self) -> Option<NaiveDate> {
        self.cancel_on
    }
}

impl PlanSource for Subscription {
    fn start_date(&self) -> NaiveDate {
        self.start_date
    }
    fn billing_interval(&self) -> &str {
        &self.billing_interval
    }
    fn billing_from(&self) -> NaiveDate {
        self.billing_from.unwrap_or(self.start_date)
    }
    fn status(&self) -> &str {
        &self.status
    }
    fn pause_on(&self) -> Option<NaiveDate> {
        self.pause_on
    }
    fn resume_on(&self) -> Option<NaiveDate> {
        self.resume_on
    }
    fn cancel_on(&self) -> Option<NaiveDate> {
        self.cancel_on
    }
}

/// The plan of a subscription with its `recorded` pauses (each with its resume date, if known);
/// `None` when its interval is unreadable. A pause scheduled ahead counts from its date.
pub fn plan(source: &impl PlanSource, recorded: &[Pause]) -> Option<Plan> {
    let interval = Interval::parse(source.billing_interval()).ok()?;
    let mut pauses = recorded.to_vec();
    if let Some(from) = source.pause_on() {
        pauses.push(Pause {
            from,
            until: source.resume_on(),
        });
    }
    Some(Plan {
        anchor: source.start_date(),
        interval,
        billing_from: source.billing_from(),
        ends_on: source.cancel_on().and_then(|d| d.succ_opt()),
        pauses,
    })
}

/// Recorded pauses by subscription id.
pub fn pauses_by_subscription(rows: Vec<PauseRow>) -> HashMap<String, Vec<Pause>> {
    let mut by_id: HashMap<String, Vec<Pause>> = HashMap::new();
    for (id, from, until) in rows {
        by_id.entry(id).or_default().push(Pause { from, until });
    }
    by_id
}

/// A charge to come: a period that has no transaction yet, and when it will be collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub period: Period,
    pub collection_date: NaiveDate,
    pub amount_minor: i64,
}

impl Charge {
    /// The amount collected.
    pub fn amount(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.amount_minor)
    }
}

/// The first day a charge made today can be collected: today in the merchant's time zone plus
/// the pre-notification lead (the billing run's horizon).
pub fn earliest_collection(merchant: &crate::store::merchants::Merchant) -> NaiveDate {
    merchant.today() + Duration::days(i64::from(merchant.notice_lead_days.max(0)))
}

/// When a subscription starting on `start` is first collected and for which period, as the
/// billing run will make it: its first charged period (from `billing_from`), collected no
/// earlier than `earliest`. What the sign-up form, the mandate page and the emails tell the
/// customer.
pub fn first_charge(
    interval: &Interval,
    start: NaiveDate,
    billing_from: NaiveDate,
    amount_minor: i64,
    earliest: NaiveDate,
) -> Option<Charge> {
    let plan = Plan {
        anchor: start,
        interval: *interval,
        billing_from,
        ends_on: None,
        pauses: Vec::new(),
    };
    // Nothing paused or ended: the first period starting on or after `billing_from` is charged.
    let period = plan.period(plan.first_index_on_or_after(billing_from.max(start))?)?;
    Some(Charge {
        collection_date: collection_date(period.start, earliest),
        amount_minor,
        period,
    })
}

/// Whether a subscription's periods are charged at all: running, or cancelled and running out.
fn is_billed(status: &str) -> bool {
    matches!(status, "planned" | "active" | "paused" | "cancelled")
}

/// The charges of `subscription` from `from` through `through` that have no transaction yet
/// (`charged` holds its periods' starts), collected no earlier than `earliest_collection` (today
/// plus the pre-notification lead): what the billing run will create, as the pages show it.
pub fn upcoming(
    subscription: &Subscription,
    pauses: &[Pause],
    charged: &HashSet<NaiveDate>,
    from: NaiveDate,
    through: NaiveDate,
    earliest_collection: NaiveDate,
) -> Vec<Charge> {
    if !is_billed(&subscription.status) {
        return Vec::new();
    }
    let Some(plan) = plan(subscription, pauses) else {
        return Vec::new();
    };
    plan.chargeable(from, through)
        .into_iter()
        .filter(|p| !charged.contains(&p.start))
        .map(|period| Charge {
            collection_date: collection_date(period.start, earliest_collection),
            amount_minor: subscription.amount_minor,
            period,
        })
        .collect()
}

/// The charged period starts of the given subscriptions, by subscription id.
pub async fn charged_periods(
    db: &Db,
    merchant_id: &str,
    subscription_ids: &[&str],
) -> anyhow::Result<HashMap<String, HashSet<NaiveDate>>> {
    let mut by_id: HashMap<String, HashSet<NaiveDate>> = HashMap::new();
    for (id, start) in transactions::period_starts(db, merchant_id, subscription_ids).await? {
        by_id.entry(id).or_default().insert(start);
    }
    Ok(by_id)
}

/// The start of each subscription's next uncharged period on or after `today` (what renews
/// next), in two queries for all of them.
pub async fn next_charges(
    db: &Db,
    merchant_id: &str,
    subscriptions: &[&Subscription],
    today: NaiveDate,
) -> anyhow::Result<HashMap<String, NaiveDate>> {
    let ids: Vec<&str> = subscriptions.iter().map(|s| s.id.as_str()).collect();
    let charged = charged_periods(db, merchant_id, &ids).await?;
    let pauses = pauses_by_subscription(billing::pauses_of(db, merchant_id, &ids).await?);
    let none = HashSet::new();
    let mut next = HashMap::new();
    for s in subscriptions {
        let recorded = pauses.get(&s.id).map(Vec::as_slice).unwrap_or_default();
        let charged = charged.get(&s.id).unwrap_or(&none);
        if !is_billed(&s.status) {
            continue;
        }
        let Some(plan) = plan(*s, recorded) else {
            continue;
        };
        // Within ten years of its start or today, or there is none (a pause without end, an
        // end before it).
        let far = today.max(plan.billing_from) + Duration::days(3660);
        if let Some(period) = plan.first_chargeable(today, far, |p| !charged.contains(&p.start)) {
            next.insert(s.id.clone(), period.start);
        }
    }
    Ok(next)
}
