//! Calendar dates as people type them (`2026-01-31`), within the years Abbo deals in: a start,
//! signature or birth date in year 0 or 9999 is a typing error, not a date to bill from.

use chrono::{Datelike, NaiveDate};

/// The first year a date may have.
pub const FIRST_YEAR: i32 = 1900;
/// The last year a date may have.
pub const LAST_YEAR: i32 = 2199;

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("Enter a date like 2026-12-01")]
    Invalid,
    #[error("Enter a date between 1900 and 2199")]
    OutOfRange,
}

/// Parses `YYYY-MM-DD` (spaces around it ignored) within `FIRST_YEAR..=LAST_YEAR`.
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    let date = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| DateError::Invalid)?;
    in_range(date)
}

/// `date` if its year is within `FIRST_YEAR..=LAST_YEAR`.
pub fn in_range(date: NaiveDate) -> Result<NaiveDate, DateError> {
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) {
        Ok(date)
    } else {
        Err(DateError::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_and_within_the_years_abbo_deals_in() {
        assert_eq!(
            parse_date(" 2026-01-31 "),
            Ok(NaiveDate::from_ymd_opt(2026, 1, 31).unwrap())
        );
        assert_eq!(parse_date("0000-01-01"), Err(DateError::OutOfRange));
        assert_eq!(parse_date("1899-12-31"), Err(DateError::OutOfRange));
        assert_eq!(parse_date("2200-01-01"), Err(DateError::OutOfRange));
        assert_eq!(parse_date("9999-12-31"), Err(DateError::OutOfRange));
        assert!(parse_date("1900-01-01").is_ok() && parse_date("2199-12-31").is_ok());
        assert_eq!(parse_date("2026-02-30"), Err(DateError::Invalid));
        assert_eq!(parse_date("31-01-2026"), Err(DateError::Invalid));
        assert_eq!(parse_date(""), Err(DateError::Invalid));
    }
}
