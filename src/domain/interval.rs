//! Billing intervals ("1 month", "14 days") and the charge-date arithmetic built on them.

use std::fmt;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// The unit an interval counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum IntervalUnit {
    Day,
    Week,
    Month,
    Year,
}

impl IntervalUnit {
    fn name(&self, count: u32) -> &'static str {
        match (self, count == 1) {
            (IntervalUnit::Day, true) => "day",
            (IntervalUnit::Day, false) => "days",
            (IntervalUnit::Week, true) => "week",
            (IntervalUnit::Week, false) => "weeks",
            (IntervalUnit::Month, true) => "month",
            (IntervalUnit::Month, false) => "months",
            (IntervalUnit::Year, true) => "year",
            (IntervalUnit::Year, false) => "years",
        }
    }
}

/// How often a subscription is charged: N days, weeks, months or years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Interval {
    count: u32,
    unit: IntervalUnit,
}

/// Why an interval was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    #[error("Enter an interval like \"1 month\" or \"14 days\"")]
    Invalid,
    #[error("The number must be between 1 and 999")]
    OutOfRange,
}

impl Interval {
    /// An interval of `count` units (1 to 999).
    pub fn new(count: u32, unit: IntervalUnit) -> Result<Interval, IntervalError> {
        if !(1..=999).contains(&count) {
            return Err(IntervalError::OutOfRange);
        }
        Ok(Interval { count, unit })
    }

    /// Parses "<N> <unit>", singular or plural, any case: "14 days", "1 Month", "2 weeks".
    pub fn parse(s: &str) -> Result<Interval, IntervalError> {
        let mut parts = s.split_whitespace();
        let (Some(count), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(IntervalError::Invalid);
        };
        if !count.chars().all(|c| c.is_ascii_digit()) {
            return Err(IntervalError::Invalid);
        }
        let count: u32 = count.parse().map_err(|_| IntervalError::OutOfRange)?;
        let unit = match unit.to_ascii_lowercase().as_str() {
            "day" | "days" => IntervalUnit::Day,
            "week" | "weeks" => IntervalUnit::Week,
            "month" | "months" => IntervalUnit::Month,
            "year" | "years" => IntervalUnit::Year,
            _ => return Err(IntervalError::Invalid),
        };
        Interval::new(count, unit)
    }

    /// How many units.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Which unit.
    pub fn unit(&self) -> IntervalUnit {
        self.unit
    }

    /// The k-th charge date: `anchor + k × interval`, always computed from the anchor so that
    /// clamped month ends never drift (31 Jan → 28/29 Feb → 31 Mar). `None` past year 262143.
    pub fn charge_date(&self, anchor: NaiveDate, k: u32) -> Option<NaiveDate> {
        let steps = self.count.checked_mul(k)?;
        match self.unit {
            IntervalUnit::Day => anchor.checked_add_days(Days::new(u64::from(steps))),
            IntervalUnit::Week => anchor.checked_add_days(Days::new(u64::from(steps) * 7)),
            IntervalUnit::Month => anchor.checked_add_months(Months::new(steps)),
            IntervalUnit::Year => anchor.checked_add_months(Months::new(steps.checked_mul(12)?)),
        }
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.count, self.unit.name(self.count))
    }
}

impl TryFrom<String> for Interval {
    type Error = IntervalError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Interval::parse(&s)
    }
}

impl From<Interval> for String {
    fn from(i: Interval) -> String {
        i.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn parses_the_usual_intervals_and_round_trips() {
        for (text, count, unit) in [
            ("14 days", 14, IntervalUnit::Day),
            ("1 month", 1, IntervalUnit::Month),
            ("2 months", 2, IntervalUnit::Month),
            ("3 months", 3, IntervalUnit::Month),
            ("6 months", 6, IntervalUnit::Month),
            ("1 year", 1, IntervalUnit::Year),
            ("2 weeks", 2, IntervalUnit::Week),
            ("1 day", 1, IntervalUnit::Day),
        ] {
            let interval = Interval::parse(text).unwrap();
            assert_eq!((interval.count(), interval.unit()), (count, unit), "{text}");
            assert_eq!(interval.to_string(), text);
        }
        assert_eq!(
            Interval::parse("  1   Months ").unwrap().to_string(),
            "1 month"
        );
        assert_eq!(Interval::parse("2 YEAR").unwrap().to_string(), "2 years");
    }

    #[test]
    fn rejects_bad_intervals() {
        assert_eq!(Interval::parse("0 months"), Err(IntervalError::OutOfRange));
        assert_eq!(Interval::parse("1000 days"), Err(IntervalError::OutOfRange));
        for bad in [
            "",
            "month",
            "-1 days",
            "1 fortnight",
            "1.5 months",
            "1 month 2",
            "one month",
        ] {
            assert_eq!(Interval::parse(bad), Err(IntervalError::Invalid), "{bad}");
        }
    }

    #[test]
    fn month_ends_are_clamped() {
        let monthly = Interval::parse("1 month").unwrap();
        assert_eq!(
            monthly.charge_date(date(2025, 1, 31), 1),
            Some(date(2025, 2, 28))
        );
        assert_eq!(
            monthly.charge_date(date(2025, 1, 31), 2),
            Some(date(2025, 3, 31))
        );
        assert_eq!(
            monthly.charge_date(date(2024, 1, 31), 1),
            Some(date(2024, 2, 29))
        );
        let bimonthly = Interval::parse("2 months").unwrap();
        assert_eq!(
            bimonthly.charge_date(date(2025, 12, 31), 1),
            Some(date(2026, 2, 28))
        );
    }

    #[test]
    fn leap_days_in_yearly_intervals() {
        let yearly = Interval::parse("1 year").unwrap();
        assert_eq!(
            yearly.charge_date(date(2024, 2, 29), 1),
            Some(date(2025, 2, 28))
        );
        assert_eq!(
            yearly.charge_date(date(2024, 2, 29), 4),
            Some(date(2028, 2, 29))
        );
    }

    #[test]
    fn charge_dates_never_drift() {
        let monthly = Interval::parse("1 month").unwrap();
        let anchor = date(2025, 1, 31);
        for k in 0..=36 {
            let charge = monthly.charge_date(anchor, k).unwrap();
            let months_since = (charge.year() - 2025) * 12 + charge.month0() as i32;
            assert_eq!(months_since, k as i32, "k={k}: one charge per month");
            if NaiveDate::from_ymd_opt(charge.year(), charge.month(), 31).is_some() {
                assert_eq!(charge.day(), 31, "k={k}: back on the 31st");
            } else {
                assert_eq!(
                    charge.succ_opt().unwrap().day(),
                    1,
                    "k={k}: clamped to month end"
                );
            }
        }
        let quarterly = Interval::parse("3 months").unwrap();
        assert_eq!(
            quarterly.charge_date(date(2024, 11, 30), 1),
            Some(date(2025, 2, 28))
        );
        assert_eq!(
            quarterly.charge_date(date(2024, 11, 30), 2),
            Some(date(2025, 5, 30))
        );
    }

    #[test]
    fn days_and_weeks_count_exactly() {
        let fortnightly = Interval::parse("14 days").unwrap();
        assert_eq!(
            fortnightly.charge_date(date(2025, 12, 25), 1),
            Some(date(2026, 1, 8))
        );
        assert_eq!(
            fortnightly.charge_date(date(2025, 12, 25), 0),
            Some(date(2025, 12, 25))
        );
        let weekly = Interval::parse("2 weeks").unwrap();
        assert_eq!(
            weekly.charge_date(date(2024, 2, 22), 1),
            Some(date(2024, 3, 7))
        );
        assert_eq!(weekly.charge_date(date(2025, 1, 1), u32::MAX), None);
    }

    #[test]
    fn serializes_as_the_display_string() {
        let interval = Interval::new(2, IntervalUnit::Month).unwrap();
        assert_eq!(String::from(interval), "2 months");
        assert_eq!(Interval::try_from("2 months".to_string()), Ok(interval));
        assert_eq!(
            Interval::new(0, IntervalUnit::Day),
            Err(IntervalError::OutOfRange)
        );
        assert!(Interval::new(999, IntervalUnit::Day).is_ok());
    }
}
