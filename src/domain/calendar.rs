//! Days as the merchant and the banks count them: "today" in the merchant's time zone, and the
//! TARGET2 business days on which SEPA direct debits are collected.

use chrono::{Datelike, Duration, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// The time zone merchants start with.
pub const DEFAULT_TIME_ZONE: &str = "Europe/Amsterdam";

/// Why a time zone was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a time zone name like Europe/Amsterdam")]
pub struct TimeZoneError;

/// Parses an IANA time zone name such as `Europe/Amsterdam`.
pub fn parse_time_zone(name: &str) -> Result<Tz, TimeZoneError> {
    name.trim().parse::<Tz>().map_err(|_| TimeZoneError)
}

/// Today's date in `zone` (billing compares days where the merchant is, never UTC days: a run
/// at 00:30 in Amsterdam is already tomorrow's run).
pub fn today_in(zone: Tz) -> NaiveDate {
    Utc::now().with_timezone(&zone).date_naive()
}

/// The date in `zone` at the instant `at`.
pub fn date_in(zone: Tz, at: chrono::DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous algorithm of Meeus).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a date")
}

/// Whether TARGET2 settles on `date`: not a Saturday or Sunday, 1 January, Good Friday, Easter
/// Monday, 1 May, 25 or 26 December.
pub fn is_business_day(date: NaiveDate) -> bool {
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return false;
    }
    let fixed = matches!(
        (date.month(), date.day()),
        (1, 1) | (5, 1) | (12, 25) | (12, 26)
    );
    let easter = easter_sunday(date.year());
    let moving = date == easter - Duration::days(2) || date == easter + Duration::days(1);
    !(fixed || moving)
}

/// `date` if it is a business day, else the next one.
pub fn business_day_on_or_after(date: NaiveDate) -> NaiveDate {
    let mut day = date;
    while !is_business_day(day) {
        day = day.succ_opt().unwrap_or(day);
        if day == NaiveDate::MAX {
            break;
        }
    }
    day
}

/// The first business day after `date`.
pub fn next_business_day(date: NaiveDate) -> NaiveDate {
    business_day_on_or_after(date.succ_opt().unwrap_or(date))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_falls_where_the_calendars_say() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
    }

    #[test]
    fn target2_closing_days_move_a_collection_to_the_next_business_day() {
        // Good Friday 3 April 2026 and Easter Monday 6 April: the Thursday before is open.
        assert!(is_business_day(d(2026, 4, 2)));
        assert_eq!(business_day_on_or_after(d(2026, 4, 3)), d(2026, 4, 7));
        assert_eq!(business_day_on_or_after(d(2026, 4, 6)), d(2026, 4, 7));
        // Christmas on a Friday in 2026: 25, 26 (Sat), 27 (Sun) closed, Monday 28 open.
        assert_eq!(business_day_on_or_after(d(2026, 12, 25)), d(2026, 12, 28));
        // New Year 2027 is a Friday; 1 May 2027 a Saturday.
        assert_eq!(business_day_on_or_after(d(2027, 1, 1)), d(2027, 1, 4));
        assert_eq!(business_day_on_or_after(d(2027, 5, 1)), d(2027, 5, 3));
        // A weekend, and a day that is already a business day.
        assert_eq!(business_day_on_or_after(d(2026, 12, 5)), d(2026, 12, 7));
        assert_eq!(business_day_on_or_after(d(2026, 12, 7)), d(2026, 12, 7));
        assert_eq!(next_business_day(d(2026, 12, 24)), d(2026, 12, 28));
        // Ascension, King's Day and Whit Monday are Dutch holidays, not TARGET2 ones.
        assert!(is_business_day(d(2026, 4, 27)));
    }

    #[test]
    fn today_is_counted_in_the_merchants_time_zone() {
        let zone = parse_time_zone("Europe/Amsterdam").unwrap();
        // 23:30 UTC on 31 December is already 1 January in Amsterdam (UTC+1).
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-31T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(date_in(zone, at), d(2027, 1, 1));
        assert_eq!(date_in(chrono_tz::UTC, at), d(2026, 12, 31));
        assert_eq!(parse_time_zone("Mars/Olympus"), Err(TimeZoneError));
    }
}
