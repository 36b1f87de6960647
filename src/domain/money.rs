//! Amounts of money in euro cents.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// An amount in minor units (cents): integer cents keep sums exact, `Decimal` is only for VAT.
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
    #[error("Enter an amount in digits, like 12.95")]
    Invalid,
    #[error("Leave out thousands separators, like 1234.56")]
    ThousandsSeparators,
    #[error("Enter an amount with at most 2 decimals, like 12.95")]
    TooManyDecimals,
    #[error("The amount cannot be negative")]
    Negative,
    #[error("The amount is too large: at most 999999999.99 (the largest SEPA direct debit)")]
    TooLarge,
}

impl Money {
    /// Zero euros.
    pub const ZERO: Money = Money(0);
    /// The largest amount one SEPA direct debit may collect, 999,999,999.99: no amount Abbo
    /// takes may be larger (a negative one no smaller than its opposite).
    pub const MAX: Money = Money(99_999_999_999);

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

    /// Parses an amount that may be negative, for refunds and corrections.
    pub fn parse_signed(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        // '.' and ',' are both decimal separators, so a second separator (or a space or
        // apostrophe, as in "1 000" and "1'000") can only be grouping, which we refuse
        // rather than guess: "1.234" is 1234 to a Dutch customer and 1.234 to an English one.
        let grouping = digits.matches(['.', ',']).count() > 1 || digits.contains([' ', '\'']);
        if grouping {
            let number_like = digits.starts_with(|c: char| c.is_ascii_digit())
                && digits
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".,' ".contains(c));
            return Err(if number_like {
                MoneyError::ThousandsSeparators
            } else {
                MoneyError::Invalid
            });
        }
        let (whole, fraction) = digits.split_once(['.', ',']).unwrap_or((digits, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (whole.len() < digits.len() && fraction.is_empty())
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
            .filter(|m| *m <= Money::MAX.0)
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
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn cents(minor: i64) -> Result<Money, MoneyError> {
        Ok(Money::from_minor(minor))
    }

    #[test]
    fn parses_both_decimal_separators_and_short_forms() {
        assert_eq!(Money::parse("12.95"), cents(1295));
        assert_eq!(Money::parse("12,95"), cents(1295));
        assert_eq!(Money::parse("12"), cents(1200));
        assert_eq!(Money::parse("0.5"), cents(50));
        assert_eq!(Money::parse(" 12.95 "), cents(1295));
        assert_eq!(Money::parse("0"), cents(0));
        assert_eq!(Money::parse("007.10"), cents(710));
        assert_eq!(Money::parse("-0.00"), cents(0));
    }

    #[test]
    fn rejects_more_than_two_decimals() {
        assert_eq!(Money::parse("12.955"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("0,001"), Err(MoneyError::TooManyDecimals));
        assert_eq!(Money::parse("1.234"), Err(MoneyError::TooManyDecimals));
    }

    #[test]
    fn rejects_negatives_unless_signed() {
        assert_eq!(Money::parse("-1.00"), Err(MoneyError::Negative));
        assert_eq!(Money::parse_signed("-1.00"), cents(-100));
        assert_eq!(Money::parse_signed(" -12,5 "), cents(-1250));
        assert_eq!(Money::parse_signed("-0.05").unwrap().to_string(), "-0.05");
        assert_eq!(Money::parse_signed("- 1"), Err(MoneyError::Invalid));
        assert_eq!(Money::parse_signed("-"), Err(MoneyError::Invalid));
    }

    #[test]
    fn rejects_thousands_separators() {
        for bad in ["1.234,56", "1,234.56", "1.234.567", "1 000", "1'000.00"] {
            assert_eq!(
                Money::parse(bad),
                Err(MoneyError::ThousandsSeparators),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_junk() {
        assert_eq!(Money::parse(""), Err(MoneyError::Empty));
        assert_eq!(Money::parse("   "), Err(MoneyError::Empty));
        for bad in [
            "abc", "1e3", "12.", ".5", "€12", "12 EUR", "+5", "--1", "12.a", "0x10", "١٢",
        ] {
            assert_eq!(Money::parse(bad), Err(MoneyError::Invalid), "{bad}");
        }
    }

    #[test]
    fn rejects_more_than_one_direct_debit_can_collect() {
        assert_eq!(Money::parse("999999999.99"), Ok(Money::MAX));
        assert_eq!(Money::parse("1000000000"), Err(MoneyError::TooLarge));
        assert_eq!(Money::parse("99999999999999.00"), Err(MoneyError::TooLarge));
        assert_eq!(
            Money::parse("92233720368547758.08"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Money::parse("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(
            Money::parse_signed("-99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn checked_arithmetic() {
        let price = Money::from_minor(1295);
        assert_eq!(price.checked_add(Money::from_minor(5)), cents(1300).ok());
        assert_eq!(price.checked_mul_i64(3), cents(3885).ok());
        assert_eq!(price.checked_mul_i64(-1), cents(-1295).ok());
        assert_eq!(
            Money::from_minor(i64::MAX).checked_add(Money::from_minor(1)),
            None
        );
        assert_eq!(Money::from_minor(i64::MAX).checked_mul_i64(2), None);
    }

    #[test]
    fn displays_with_two_decimals() {
        assert_eq!(Money::from_minor(1295).to_string(), "12.95");
        assert_eq!(Money::from_minor(50).to_string(), "0.50");
        assert_eq!(Money::from_minor(5).to_string(), "0.05");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(Money::from_minor(-1200).to_string(), "-12.00");
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(
            Money::from_minor(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
        assert_eq!(Money::from_minor(1295).format_eur(), "€ 12.95");
        assert_eq!(Money::from_minor(-1295).format_eur(), "€ -12.95");
        assert_eq!(Money::from_minor(1295).to_decimal().to_string(), "12.95");
        assert_eq!(Money::from_minor(-5).to_decimal().to_string(), "-0.05");
    }

    #[test]
    fn serializes_as_the_display_string() {
        assert_eq!(String::from(Money::from_minor(-1250)), "-12.50");
        let de: StrDeserializer<'_, DeError> = "-12.50".into_deserializer();
        assert_eq!(Money::deserialize(de), Ok(Money::from_minor(-1250)));
        let de: StrDeserializer<'_, DeError> = "1,234.56".into_deserializer();
        let err = Money::deserialize(de).unwrap_err().to_string();
        assert_eq!(err, MoneyError::ThousandsSeparators.to_string());
    }
}
