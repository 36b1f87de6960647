//! Amounts of money in euro cents.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount in minor units (cents). Arithmetic is exact; `Decimal` only at the edges.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Money(i64);

/// Why an amount was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("Enter an amount")]
    Empty,
    #[error("Enter an amount like 12.95, without thousands separators")]
    Invalid,
    #[error("Enter an amount with at most 2 decimals, like 12.95")]
    TooManyDecimals,
    #[error("The amount cannot be negative")]
    Negative,
    #[error("The amount is too large")]
    TooLarge,
}

impl Money {
    /// The amount of `minor` cents.
    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    /// The amount in cents.
    pub const fn minor(&self) -> i64 {
        self.0
    }

    /// Parses a non-negative amount: "12.95", "12,95", "12", "0.5".
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let money = Money::parse_signed(s)?;
        if money.0 < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(money)
    }

    /// Parses an amount that may be negative (refunds, corrections).
    pub fn parse_signed(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, s),
        };
        // One decimal separator at most, '.' or ','; anything else (like "1.234,56") is ambiguous.
        let separators = digits.matches(['.', ',']).count();
        if separators > 1 {
            return Err(MoneyError::Invalid);
        }
        let (whole, fraction) = match digits.split_once(['.', ',']) {
            Some((w, f)) => (w, f),
            None => (digits, ""),
        };
        let all_digits = |p: &str| p.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (separators == 1 && fraction.is_empty())
        {
            return Err(MoneyError::Invalid);
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let cents: i64 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| MoneyError::Invalid)?;
        let minor = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or(MoneyError::TooLarge)?;
        Ok(Money(if negative { -minor } else { minor }))
    }

    /// The amount as a decimal number of euros.
    pub fn to_decimal(&self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// The amount with the euro sign, e.g. "€ 12.95".
    pub fn format_eur(&self) -> String {
        format!("€ {self}")
    }

    /// The sum, or `None` on overflow.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }

    /// The amount times `n`, or `None` on overflow.
    pub fn checked_mul_i64(self, n: i64) -> Option<Money> {
        self.0.checked_mul(n).map(Money)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl TryFrom<String> for Money {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Money::parse_signed(&s)
    }
}

impl From<Money> for String {
    fn from(m: Money) -> String {
        m.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_decimal_separators_and_short_forms() {
        assert_eq!(Money::parse("12.95"), Ok(Money::from_minor(1295)));
        assert_eq!(Money::parse("12,95"), Ok(Money::from_minor(1295)));
        assert_eq!(Money::parse("12"), Ok(Money::from_minor(1200)));
        assert_eq!(Money::parse("0.5"), Ok(Money::from_minor(50)));
        assert_eq!(Money::parse(" 12.95 "), Ok(Money::from_minor(1295)));
        assert_eq!(Money::parse("0"), Ok(Money::from_minor(0)));
        assert_eq!(Money::parse("007.10"), Ok(Money::from_minor(710)));
    }

    #[test]
    fn rejects_more_than_two_decimals() {
        assert_eq!(Money::parse("12.955"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("0,001"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn rejects_negatives_unless_signed() {
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse_signed("-1.00"), Ok(Money::from_minor(-100)));
        assert_eq!(Money::parse_signed("-0.05").unwrap().to_string(), "-0.05");
    }

    #[test]
    fn rejects_junk_and_thousands_separators() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        for bad in [
            "abc", "1e3", "1.234,56", "1,234.56", "12.", ".5", "1 000", "€12", "+5", "--1", "12.a",
        ] {
            assert_eq!(Money::parse(bad), Err(MoneyError::Invalid), "{bad}");
        }
    }

    #[test]
    fn rejects_overflow() {
        assert_eq!(
            Money::parse("92233720368547758.08"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Money::from_minor(i64::MAX).checked_add(Money::from_minor(1)),
            None
        );
        assert_eq!(Money::from_minor(i64::MAX).checked_mul_i64(2), None);
    }

    #[test]
    fn displays_with_two_decimals() {
        assert_eq!(Money::from_minor(1295).to_string(), "12.95");
        assert_eq!(Money::from_minor(5).to_string(), "0.05");
        assert_eq!(Money::from_minor(-1200).to_string(), "-12.00");
        assert_eq!(Money::from_minor(1295).format_eur(), "€ 12.95");
        assert_eq!(Money::from_minor(1295).to_decimal().to_string(), "12.95");
        assert_eq!(
            Money::parse(&Money::from_minor(123_456).to_string()),
            Ok(Money::from_minor(123_456))
        );
    }
}
