//! A subscription's billing schedule: its periods, counted from the anchor (never from the
//! previous charge, so clamped month ends never drift), which of them are charged, when each is
//! collected, and how far a cancellation must reach to respect the minimum term and the notice.
//!
//! One function answers "what will be charged when" for the billing run, the customer and
//! subscription pages and the API: `Plan::chargeable`.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::Interval;
use super::calendar::business_day_on_or_after;
use super::interval::IntervalUnit;

/// A stretch of time a subscription was (or will be) paused: periods starting in it are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: NaiveDate,
    /// The day it resumes; `None` while no resume date is known.
    pub until: Option<NaiveDate>,
}

impl Pause {
    fn covers(&self, day: NaiveDate) -> bool {
        day >= self.from && self.until.is_none_or(|until| day < until)
    }
}

/// Everything that decides which periods of a subscription are charged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The first day of period 0 (the start date).
    pub anchor: NaiveDate,
    pub interval: Interval,
    /// No period starting before this day is charged: it was billed before the subscription came
    /// to Abbo (an import), or it lies before the start.
    pub billing_from: NaiveDate,
    /// The first day without service (the day after a cancelled subscription's last day): no
    /// period starting on or after it is charged.
    pub ends_on: Option<NaiveDate>,
    /// Periods starting while paused are not charged.
    pub pauses: Vec<Pause>,
}

/// One period: from `start` through `end` (the day before the next period starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub index: u32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Plan {
    /// Period `index`, or `None` past the calendar.
    pub fn period(&self, index: u32) -> Option<Period> {
        let start = self.interval.charge_date(self.anchor, index)?;
        let next = self
            .interval
            .charge_date(self.anchor, index.checked_add(1)?)?;
        Some(Period {
            index,
            start,
            end: next.pred_opt()?,
        })
    }

    /// The index of the first period starting on or after `day` (0 before the anchor).
    pub fn first_index_on_or_after(&self, day: NaiveDate) -> Option<u32> {
        if day <= self.anchor {
            return Some(0);
        }
        let count = self.interval.count();
        // An estimate from the calendar, then a few steps to the exact period: clamped month
        // ends make the estimate at most one period off.
        let estimate = match self.interval.unit() {
            IntervalUnit::Day => (day - self.anchor).num_days() / i64::from(count),
            IntervalUnit::Week => (day - self.anchor).num_days() / (7 * i64::from(count)),
            IntervalUnit::Month | IntervalUnit::Year => {
                let months = i64::from(day.year() - self.anchor.year()) * 12
                    + i64::from(day.month())
                    - i64::from(self.anchor.month());
                let per = if self.interval.unit() == IntervalUnit::Year {
                    12 * i64::from(count)
                } else {
                    i64::from(count)
                };
                months / per
            }
        };
        let mut index = u32::try_from(estimate.max(1) - 1).ok()?;
        while self.interval.charge_date(self.anchor, index)? < day {
            index = index.checked_add(1)?;
        }
        while index > 0 && self.interval.charge_date(self.anchor, index - 1)? >= day {
            index -= 1;
        }
        Some(index)
    }

    /// Whether the period starting on `start` is charged: on or after `billing_from`, before the
    /// end, not in a pause.
    pub fn charges(&self, start: NaiveDate) -> bool {
        start >= self.billing_from
            && self.ends_on.is_none_or(|end| start < end)
            && !self.pauses.iter().any(|p| p.covers(start))
    }

    /// The periods to charge that start from `from` through `through`, in order.
    pub fn chargeable(&self, from: NaiveDate, through: NaiveDate) -> Vec<Period> {
        let from = from.max(self.billing_from);
        let mut periods = Vec::new();
        let Some(mut index) = self.first_index_on_or_after(from) else {
            return periods;
        };
        while let Some(period) = self.period(index) {
            if period.start > through || self.ends_on.is_some_and(|end| period.start >= end) {
                break;
            }
            if self.charges(period.start) {
                periods.push(period);
            }
            let Some(next) = index.checked_add(1) else {
                break;
            };
            index = next;
        }
        periods
    }

    /// The first period to charge starting from `from` through `through` that `wanted` accepts
    /// (one not charged yet, say).
    pub fn first_chargeable(
        &self,
        from: NaiveDate,
        through: NaiveDate,
        wanted: impl Fn(&Period) -> bool,
    ) -> Option<Period> {
        let mut index = self.first_index_on_or_after(from.max(self.billing_from))?;
        loop {
            let period = self.period(index)?;
            if period.start > through || self.ends_on.is_some_and(|end| period.start >= end) {
                return None;
            }
            if self.charges(period.start) && wanted(&period) {
                return Some(period);
            }
            index = index.checked_add(1)?;
        }
    }

    /// The period `day` falls in (the last one starting on or before it).
    pub fn period_containing(&self, day: NaiveDate) -> Option<Period> {
        let index = self.first_index_on_or_after(day)?;
        let period = self.period(index)?;
        if period.start == day || index == 0 {
            Some(period)
        } else {
            self.period(index - 1)
        }
    }
}

/// The collection date of a charge for the period starting on `period_start` when a
/// pre-notification sent now can allow nothing before `earliest`: the later of the two, moved to
/// a TARGET2 business day.
pub fn collection_date(period_start: NaiveDate, earliest: NaiveDate) -> NaiveDate {
    business_day_on_or_after(period_start.max(earliest))
}

/// What the minimum term and the notice period leave of a cancellation asked for on `today` with
/// `last_day` as the subscription's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancellation {
    /// The last day the subscription runs (its cancel date).
    pub last_day: NaiveDate,
    /// Why `last_day` is later than asked, if it is.
    pub moved_by: Option<Reach>,
}

/// What pushed a cancellation's last day out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The minimum term runs through this day.
    MinimumTerm(NaiveDate),
    /// The notice period, given today, runs through this day.
    Notice(NaiveDate),
}

/// Cancels `plan` on `today` with `asked` as the last day: a last day inside the minimum term
/// (`minimum_term_months` from the anchor) or the notice period (`notice_days`, counted from
/// `today` inclusive) moves to the end of the period in which they have both run.
pub fn cancellation(
    plan: &Plan,
    today: NaiveDate,
    asked: NaiveDate,
    minimum_term_months: Option<u32>,
    notice_days: Option<u32>,
) -> Cancellation {
    let term_end = minimum_term_months
        .filter(|m| *m > 0)
        .and_then(|m| plan.anchor.checked_add_months(Months::new(m)))
        .and_then(|d| d.pred_opt())
        .map(Reach::MinimumTerm);
    let notice_end = notice_days
        .filter(|d| *d > 0)
        .map(|d| Reach::Notice(today + Duration::days(i64::from(d) - 1)));
    let day_of = |reach: &Reach| match reach {
        Reach::MinimumTerm(d) | Reach::Notice(d) => *d,
    };
    let binding = [term_end, notice_end]
        .into_iter()
        .flatten()
        .filter(|r| day_of(r) > asked)
        .max_by_key(day_of);
    match binding {
        None => Cancellation {
            last_day: asked,
            moved_by: None,
        },
        Some(reach) => {
            let earliest = day_of(&reach);
            let last_day = plan
                .period_containing(earliest)
                .map_or(earliest, |p| p.end.max(earliest));
            Cancellation {
                last_day,
                moved_by: Some(reach),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn plan(anchor: NaiveDate, interval: &str) -> Plan {
        Plan {
            anchor,
            interval: Interval::parse(interval).unwrap(),
            billing_from: anchor,
            ends_on: None,
            pauses: Vec::new(),
        }
    }

    #[test]
    fn periods_tile_without_gap_or_overlap_for_every_anchor_and_interval() {
        let anchors = [
            d(2026, 1, 28),
            d(2026, 1, 29),
            d(2026, 1, 30),
            d(2026, 1, 31),
            d(2024, 2, 29),
            d(2025, 8, 31),
        ];
        for anchor in anchors {
            for interval in [
                "14 days",
                "1 month",
                "2 months",
                "6 months",
                "12 months",
                "1 year",
            ] {
                let plan = plan(anchor, interval);
                let periods = plan.chargeable(anchor, d(2100, 1, 1));
                assert!(periods.len() >= 48, "{anchor} {interval}");
                assert_eq!(periods[0].start, anchor);
                for pair in periods[..48].windows(2) {
                    assert_eq!(
                        pair[0].end.succ_opt().unwrap(),
                        pair[1].start,
                        "{anchor} {interval}: {pair:?}"
                    );
                    assert!(pair[0].start <= pair[0].end);
                }
                // Each period's start is computed from the anchor, whichever day asks.
                for p in &periods[..48] {
                    assert_eq!(plan.first_index_on_or_after(p.start), Some(p.index));
                    assert_eq!(plan.period_containing(p.end).unwrap().index, p.index);
                }
            }
        }
    }

    #[test]
    fn month_ends_are_clamped_and_never_drift() {
        let monthly = plan(d(2026, 1, 31), "1 month");
        let starts: Vec<NaiveDate> = monthly
            .chargeable(d(2026, 1, 1), d(2026, 6, 30))
            .iter()
            .map(|p| p.start)
            .collect();
        assert_eq!(
            starts,
            [
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30),
                d(2026, 5, 31),
                d(2026, 6, 30)
            ]
        );
        let leap = plan(d(2024, 2, 29), "1 year");
        let starts: Vec<NaiveDate> = leap
            .chargeable(d(2024, 1, 1), d(2028, 3, 1))
            .iter()
            .map(|p| p.start)
            .collect();
        assert_eq!(
            starts,
            [
                d(2024, 2, 29),
                d(2025, 2, 28),
                d(2026, 2, 28),
                d(2027, 2, 28),
                d(2028, 2, 29)
            ]
        );
    }

    #[test]
    fn pauses_billing_from_and_the_end_decide_what_is_charged() {
        let mut p = plan(d(2026, 1, 15), "1 month");
        p.billing_from = d(2026, 3, 1);
        p.pauses = vec![Pause {
            from: d(2026, 5, 1),
            until: Some(d(2026, 7, 15)),
        }];
        p.ends_on = Some(d(2026, 10, 15));
        let starts: Vec<u32> = p
            .chargeable(d(2026, 1, 1), d(2027, 1, 1))
            .iter()
            .map(|p| p.start.month())
            .collect();
        // March and April; May and June start in the pause (July 15 is the resume day, not a
        // pause day, so July is charged); nothing from the end on.
        assert_eq!(starts, [3, 4, 7, 8, 9]);
        p.pauses[0].until = None;
        let starts: Vec<u32> = p
            .chargeable(d(2026, 1, 1), d(2027, 1, 1))
            .iter()
            .map(|p| p.start.month())
            .collect();
        assert_eq!(starts, [3, 4], "paused without a resume date");
    }

    #[test]
    fn a_charge_is_collected_on_its_start_or_as_soon_as_its_notice_allows() {
        // Normally the start itself, moved off a weekend.
        assert_eq!(
            collection_date(d(2026, 12, 15), d(2026, 12, 1)),
            d(2026, 12, 15)
        );
        assert_eq!(
            collection_date(d(2026, 12, 5), d(2026, 12, 1)),
            d(2026, 12, 7)
        );
        // Created late (after an outage): the earliest date the notice allows.
        assert_eq!(
            collection_date(d(2026, 12, 10), d(2026, 12, 14)),
            d(2026, 12, 14)
        );
        assert_eq!(
            collection_date(d(2026, 12, 20), d(2026, 12, 25)),
            d(2026, 12, 28)
        );
    }

    #[test]
    fn cancellations_respect_the_minimum_term_and_the_notice() {
        let p = plan(d(2026, 1, 10), "1 month");
        // No terms: as asked.
        let free = cancellation(&p, d(2026, 3, 20), d(2026, 4, 9), None, None);
        assert_eq!((free.last_day, free.moved_by), (d(2026, 4, 9), None));
        // A 12-month minimum term runs through 9 January 2027.
        let term = cancellation(&p, d(2026, 3, 20), d(2026, 3, 20), Some(12), None);
        assert_eq!(term.last_day, d(2027, 1, 9));
        assert_eq!(term.moved_by, Some(Reach::MinimumTerm(d(2027, 1, 9))));
        // 30 days' notice from 20 March reaches 18 April: the period 10 April–9 May runs out.
        let notice = cancellation(&p, d(2026, 3, 20), d(2026, 4, 9), None, Some(30));
        assert_eq!(notice.last_day, d(2026, 5, 9));
        assert_eq!(notice.moved_by, Some(Reach::Notice(d(2026, 4, 18))));
        // A date past both is kept.
        let later = cancellation(&p, d(2026, 3, 20), d(2027, 6, 9), Some(12), Some(30));
        assert_eq!((later.last_day, later.moved_by), (d(2027, 6, 9), None));
    }
}
