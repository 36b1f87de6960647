//! VAT rates and the arithmetic of net, VAT and gross amounts.

use std::fmt;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::Money;

/// A VAT percentage with up to two decimals, kept in basis points (21% = 2100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VatRate {
    basis_points: u32,
}

/// Why a VAT rate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatRateError {
    #[error("Enter a VAT percentage like 21 or 9")]
    Invalid,
    #[error("A VAT percentage is between 0 and 100")]
    OutOfRange,
    #[error("Enter a percentage with at most 2 decimals, like 5.5")]
    TooManyDecimals,
}

impl VatRate {
    /// The rate of `basis_points` hundredths of a percent.
    pub fn from_basis_points(basis_points: u32) -> Result<VatRate, VatRateError> {
        if basis_points > 10_000 {
            return Err(VatRateError::OutOfRange);
        }
        Ok(VatRate { basis_points })
    }

    /// Parses "21", "21%", "5.5", "5,5", "19.25 %".
    pub fn parse(s: &str) -> Result<VatRate, VatRateError> {
        let s = s.trim();
        let number = s
            .strip_suffix('%')
            .unwrap_or(s)
            .trim_end()
            .replace(',', ".");
        let (negative, number) = match number.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, number.as_str()),
        };
        let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !all_digits(whole)
            || !all_digits(fraction)
            || (whole.len() < number.len() && fraction.is_empty())
        {
            return Err(VatRateError::Invalid);
        }
        if negative {
            return Err(VatRateError::OutOfRange);
        }
        if fraction.len() > 2 {
            return Err(VatRateError::TooManyDecimals);
        }
        let whole: u32 = whole.parse().map_err(|_| VatRateError::OutOfRange)?;
        let fraction: u32 = format!("{fraction:0<2}")
            .parse()
            .map_err(|_| VatRateError::Invalid)?;
        let basis_points = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(fraction))
            .ok_or(VatRateError::OutOfRange)?;
        VatRate::from_basis_points(basis_points)
    }

    /// Hundredths of a percent.
    pub fn basis_points(&self) -> u32 {
        self.basis_points
    }

    fn fraction(&self) -> Decimal {
        Decimal::new(i64::from(self.basis_points), 4)
    }

    /// The VAT on a net amount, rounded half away from zero to the cent.
    pub fn vat_on_net(&self, net: Money) -> Money {
        to_money(net.to_decimal() * self.fraction())
    }

    /// Splits a VAT-inclusive amount into (net, VAT); net + VAT is exactly the gross.
    pub fn split_gross(&self, gross: Money) -> (Money, Money) {
        let net = to_money(gross.to_decimal() / (Decimal::ONE + self.fraction()));
        (net, Money::from_minor(gross.minor() - net.minor()))
    }
}

fn to_money(amount: Decimal) -> Money {
    let cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        * Decimal::ONE_HUNDRED;
    // Amounts come from i64 cents times a rate of at most 100%, so they fit back.
    Money::from_minor(cents.to_i64().unwrap_or(i64::MAX))
}

impl fmt::Display for VatRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}%",
            Decimal::new(i64::from(self.basis_points), 2).normalize()
        )
    }
}

impl TryFrom<String> for VatRate {
    type Error = VatRateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        VatRate::parse(&s)
    }
}

impl From<VatRate> for String {
    fn from(v: VatRate) -> String {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::from_minor(minor)
    }

    #[test]
    fn parses_common_notations() {
        assert_eq!(VatRate::parse("21").unwrap().basis_points(), 2100);
        assert_eq!(VatRate::parse("21%").unwrap().basis_points(), 2100);
        assert_eq!(VatRate::parse("9").unwrap().basis_points(), 900);
        assert_eq!(VatRate::parse("0").unwrap().basis_points(), 0);
        assert_eq!(VatRate::parse("5.5").unwrap().basis_points(), 550);
        assert_eq!(VatRate::parse("5,5").unwrap().basis_points(), 550);
        assert_eq!(VatRate::parse("19.25 %").unwrap().basis_points(), 1925);
        assert_eq!(VatRate::parse("100").unwrap().basis_points(), 10_000);
    }

    #[test]
    fn rejects_bad_rates() {
        for bad in [
            "-1",
            "-0",
            "-21%",
            "100.01",
            "101",
            "42949672.99",
            "99999999999",
        ] {
            assert_eq!(VatRate::parse(bad), Err(VatRateError::OutOfRange), "{bad}");
        }
        assert_eq!(VatRate::parse("5.555"), Err(VatRateError::TooManyDecimals));
        assert_eq!(VatRate::parse("5,555%"), Err(VatRateError::TooManyDecimals));
        for bad in [
            "", " ", "%", "abc", "21.", ".5", "2 1", "1.2.3", "21%%", "%21", "21 pct", "+21", "-x",
            "- 5",
        ] {
            assert_eq!(VatRate::parse(bad), Err(VatRateError::Invalid), "{bad}");
        }
        assert_eq!(
            VatRate::from_basis_points(10_001),
            Err(VatRateError::OutOfRange)
        );
    }

    #[test]
    fn displays_without_trailing_zeros() {
        assert_eq!(VatRate::parse("21").unwrap().to_string(), "21%");
        assert_eq!(VatRate::parse("5.5").unwrap().to_string(), "5.5%");
        assert_eq!(VatRate::parse("0").unwrap().to_string(), "0%");
        assert_eq!(VatRate::parse("19.25").unwrap().to_string(), "19.25%");
    }

    #[test]
    fn vat_on_net_rounds_half_up_to_the_cent() {
        let high = VatRate::parse("21").unwrap();
        assert_eq!(high.vat_on_net(eur(1000)), eur(210));
        // 0.05 × 21% = 0.0105 → 0.01; 0.50 × 9% = 0.045 → 0.05.
        assert_eq!(high.vat_on_net(eur(5)), eur(1));
        let low = VatRate::parse("9").unwrap();
        assert_eq!(low.vat_on_net(eur(50)), eur(5));
        assert_eq!(low.vat_on_net(eur(49)), eur(4));
        // Refunds round the same way, mirrored: −0.045 → −0.05.
        assert_eq!(low.vat_on_net(eur(-50)), eur(-5));
        assert_eq!(VatRate::parse("0").unwrap().vat_on_net(eur(1295)), eur(0));
        assert_eq!(
            high.vat_on_net(Money::from_minor(i64::MAX)).minor(),
            1_936_908_127_739_502_919
        );
    }

    #[test]
    fn split_gross_adds_back_up() {
        let high = VatRate::parse("21").unwrap();
        assert_eq!(high.split_gross(eur(1210)), (eur(1000), eur(210)));
        // 9.99 / 1.09 = 9.16513… → net 9.17, VAT 0.82.
        assert_eq!(
            VatRate::parse("9").unwrap().split_gross(eur(999)),
            (eur(917), eur(82))
        );
        // 0.03 / 2 = 0.015 → net 0.02: the half rounds up.
        let full = VatRate::from_basis_points(10_000).unwrap();
        assert_eq!(full.split_gross(eur(3)), (eur(2), eur(1)));
        assert_eq!(
            VatRate::parse("0").unwrap().split_gross(eur(1295)),
            (eur(1295), eur(0))
        );
        for rate in ["21", "9", "5.5", "19.25"] {
            let rate = VatRate::parse(rate).unwrap();
            for gross in [0, 1, 99, 1295, 4999, 123_456, -1295] {
                let (net, vat) = rate.split_gross(eur(gross));
                assert_eq!(net.minor() + vat.minor(), gross);
            }
        }
    }

    #[test]
    fn serializes_as_the_display_string() {
        let rate = VatRate::parse("5,5").unwrap();
        assert_eq!(String::from(rate), "5.5%");
        assert_eq!(VatRate::try_from("5.5%".to_string()), Ok(rate));
    }
}
