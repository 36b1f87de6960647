//! The arithmetic and numbering of invoices: VAT per rate, and invoice numbers from a format.
//!
//! **Rounding rule.** Amounts Abbo collects include VAT (a subscription's amount is what each
//! period collects). An invoice sums its lines' amounts per VAT rate and takes the VAT of each
//! rate from that sum once: `VAT = round(sum × rate / (100 % + rate))`, rounded half away from
//! zero to whole cents; the amount excluding VAT of the rate is the sum minus its VAT. So the
//! invoice's total is exactly what is collected, VAT is never rounded per line (3 lines of € 0.01
//! at 21 % carry € 0.01 VAT together, not 3 × € 0.00), and a credit note (the same lines negated)
//! mirrors its invoice to the cent.

use chrono::{Datelike, NaiveDate};

/// One invoice line's amount (VAT included) and its VAT rate in basis points (2100 = 21 %).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAmount {
    pub amount_minor: i64,
    pub vat_basis_points: u32,
}

/// The totals of one VAT rate on an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateTotal {
    pub vat_basis_points: u32,
    /// Excluding VAT.
    pub net_minor: i64,
    pub vat_minor: i64,
    /// Including VAT: what the lines of this rate add up to.
    pub gross_minor: i64,
}

/// `numerator / denominator` rounded half away from zero (`denominator` > 0).
fn div_round(numerator: i128, denominator: i128) -> i128 {
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// The VAT included in `gross_minor` at `basis_points`, by the rounding rule above.
pub fn vat_included(gross_minor: i64, basis_points: u32) -> i64 {
    let bp = i128::from(basis_points);
    let vat = div_round(i128::from(gross_minor) * bp, 10_000 + bp);
    // |vat| ≤ |gross|: always fits.
    i64::try_from(vat).unwrap_or(0)
}

/// The totals per VAT rate of `lines`, lowest rate first.
pub fn per_rate(lines: &[LineAmount]) -> Vec<RateTotal> {
    let mut sums: std::collections::BTreeMap<u32, i64> = std::collections::BTreeMap::new();
    for line in lines {
        *sums.entry(line.vat_basis_points).or_default() += line.amount_minor;
    }
    sums.into_iter()
        .map(|(vat_basis_points, gross_minor)| {
            let vat_minor = vat_included(gross_minor, vat_basis_points);
            RateTotal {
                vat_basis_points,
                net_minor: gross_minor - vat_minor,
                vat_minor,
                gross_minor,
            }
        })
        .collect()
}

/// Why a numbering format was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberFormatError {
    #[error("Put {{SEQ}} (or {{SEQ:5}} for five digits) in the format exactly once")]
    Sequence,
    #[error(
        "Use letters, digits, - / . _ and the placeholders {{YYYY}}, {{YY}}, {{MM}}, {{SEQ:n}}"
    )]
    Characters,
    #[error("Keep the format to at most 20 characters")]
    TooLong,
    #[error("Digits for {{SEQ:n}} go from 1 to 9")]
    Digits,
}

/// A numbering format such as `{YYYY}-{SEQ:5}` (2027-00001) or `C{YYYY}-{SEQ:5}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat(String);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Year4,
    Year2,
    Month,
    Sequence(usize),
}

impl NumberFormat {
    /// Checks a format: `{SEQ}` or `{SEQ:n}` once; `{YYYY}`, `{YY}`, `{MM}` any times; otherwise
    /// letters, digits and `- / . _`.
    pub fn parse(text: &str) -> Result<NumberFormat, NumberFormatError> {
        let text = text.trim();
        if text.chars().count() > 20 {
            return Err(NumberFormatError::TooLong);
        }
        let parts = parts(text)?;
        if parts
            .iter()
            .filter(|p| matches!(p, Part::Sequence(_)))
            .count()
            != 1
        {
            return Err(NumberFormatError::Sequence);
        }
        Ok(NumberFormat(text.to_string()))
    }

    /// The series an issue on `date` counts in: the format with its date parts filled in and the
    /// sequence left out, so that `{YYYY}-{SEQ:5}` starts again at 1 every year.
    pub fn series(&self, date: NaiveDate) -> String {
        self.render(date, None)
    }

    /// The number `sequence` of the series of `date`.
    pub fn number(&self, date: NaiveDate, sequence: i64) -> String {
        self.render(date, Some(sequence))
    }

    fn render(&self, date: NaiveDate, sequence: Option<i64>) -> String {
        let mut out = String::new();
        for part in parts(&self.0).unwrap_or_default() {
            match part {
                Part::Text(t) => out.push_str(&t),
                Part::Year4 => out.push_str(&format!("{:04}", date.year())),
                Part::Year2 => out.push_str(&format!("{:02}", date.year() % 100)),
                Part::Month => out.push_str(&format!("{:02}", date.month())),
                Part::Sequence(width) => match sequence {
                    Some(n) => out.push_str(&format!("{n:0width$}")),
                    None => out.push_str("{SEQ}"),
                },
            }
        }
        out
    }
}

super::string_newtype!(NumberFormat, NumberFormatError);

fn parts(text: &str) -> Result<Vec<Part>, NumberFormatError> {
    let mut parts = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('{') {
            let (name, tail) = after.split_once('}').ok_or(NumberFormatError::Characters)?;
            let part = match name {
                "YYYY" => Part::Year4,
                "YY" => Part::Year2,
                "MM" => Part::Month,
                "SEQ" => Part::Sequence(1),
                other => match other.strip_prefix("SEQ:") {
                    Some(n) => match n.parse::<usize>() {
                        Ok(width @ 1..=9) => Part::Sequence(width),
                        _ => return Err(NumberFormatError::Digits),
                    },
                    None => return Err(NumberFormatError::Characters),
                },
            };
            parts.push(part);
            rest = tail;
        } else {
            let end = rest.find('{').unwrap_or(rest.len());
            let literal = &rest[..end];
            if !literal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-/._".contains(c))
            {
                return Err(NumberFormatError::Characters);
            }
            parts.push(Part::Text(literal.to_string()));
            rest = &rest[end..];
        }
    }
    Ok(parts)
}

/// Why a VAT identification number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VatNumberError {
    #[error("A Dutch VAT number looks like NL123456789B01")]
    Dutch,
    #[error("Start with the country code, e.g. NL123456789B01 or BE0123456789")]
    Shape,
}

/// A VAT identification number (btw-id) as printed: upper case without spaces or dots; empty
/// stays empty. Dutch ones are checked for their shape (NL, 9 digits, B, 2 digits), others for
/// a country code and 2 to 13 letters or digits.
pub fn vat_number(text: &str) -> Result<String, VatNumberError> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if compact.is_empty() {
        return Ok(compact);
    }
    if !compact.is_ascii() {
        return Err(VatNumberError::Shape);
    }
    let (country, rest) = compact.split_at(compact.len().min(2));
    if !country.chars().all(|c| c.is_ascii_uppercase())
        || !(2..=13).contains(&rest.len())
        || !rest.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(VatNumberError::Shape);
    }
    if country == "NL" {
        let b = rest.as_bytes();
        let dutch = b.len() == 12
            && b[..9].iter().all(u8::is_ascii_digit)
            && b[9] == b'B'
            && b[10..].iter().all(u8::is_ascii_digit);
        if !dutch {
            return Err(VatNumberError::Dutch);
        }
    }
    Ok(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(amount_minor: i64, vat_basis_points: u32) -> LineAmount {
        LineAmount {
            amount_minor,
            vat_basis_points,
        }
    }

    #[test]
    fn vat_is_taken_once_per_rate_from_the_summed_amount() {
        // Three lines of one cent at 21 % and a € 10.90 line at 9 %.
        let totals = per_rate(&[line(1, 2100), line(1, 2100), line(1, 2100), line(1090, 900)]);
        assert_eq!(
            totals,
            [
                RateTotal {
                    vat_basis_points: 900,
                    net_minor: 1000,
                    vat_minor: 90,
                    gross_minor: 1090
                },
                RateTotal {
                    vat_basis_points: 2100,
                    // 3 × 21 / 121 = 0.52 → 1 cent of VAT; per line it would be 0.
                    net_minor: 2,
                    vat_minor: 1,
                    gross_minor: 3
                },
            ]
        );
        assert_eq!(vat_included(1, 2100), 0, "per line, it rounds away");
    }

    #[test]
    fn a_price_without_vat_comes_back_exactly() {
        // € 10.00 excluding 21 % is collected as € 12.10: the invoice shows 10.00 + 2.10.
        assert_eq!(vat_included(1210, 2100), 210);
        // Every price up to € 1,000 excluding VAT at 21 %, 9 % and 0 %, plus the VAT rounded
        // half up, gives its own net and VAT back.
        for bp in [2100_i64, 900, 0] {
            for net in 0..100_000_i64 {
                let vat = (net * bp + 5000) / 10_000;
                let gross = net + vat;
                assert_eq!(vat_included(gross, bp as u32), vat, "{net} at {bp}");
            }
        }
    }

    #[test]
    fn a_credit_note_mirrors_its_invoice() {
        for amount in [1, 3, 1295, 99_999, 123_457] {
            let invoice = per_rate(&[line(amount, 2100)]);
            let credit = per_rate(&[line(-amount, 2100)]);
            assert_eq!(credit[0].vat_minor, -invoice[0].vat_minor);
            assert_eq!(credit[0].net_minor, -invoice[0].net_minor);
        }
    }

    #[test]
    fn numbers_follow_the_format_and_series_restart_by_year() {
        let format = NumberFormat::parse("{YYYY}-{SEQ:5}").unwrap();
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(format.number(day, 1), "2027-00001");
        assert_eq!(format.number(day, 123_456), "2027-123456");
        assert_eq!(format.series(day), "2027-{SEQ}");
        let next_year = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        assert_ne!(format.series(day), format.series(next_year));
        let credit = NumberFormat::parse("C{YY}{MM}/{SEQ}").unwrap();
        assert_eq!(credit.number(day, 7), "C2703/7");
        assert_eq!(credit.series(day), "C2703/{SEQ}");
        let plain = NumberFormat::parse("F{SEQ:4}").unwrap();
        assert_eq!(
            plain.series(day),
            plain.series(next_year),
            "one series forever"
        );
    }

    #[test]
    fn bad_formats_are_refused_with_a_reason() {
        assert_eq!(
            NumberFormat::parse("{YYYY}"),
            Err(NumberFormatError::Sequence)
        );
        assert_eq!(
            NumberFormat::parse("{SEQ}{SEQ}"),
            Err(NumberFormatError::Sequence)
        );
        assert_eq!(
            NumberFormat::parse("INV {SEQ}"),
            Err(NumberFormatError::Characters)
        );
        assert_eq!(
            NumberFormat::parse("{DAY}{SEQ}"),
            Err(NumberFormatError::Characters)
        );
        assert_eq!(
            NumberFormat::parse("{SEQ:0}"),
            Err(NumberFormatError::Digits)
        );
        assert_eq!(
            NumberFormat::parse("{SEQ:12}"),
            Err(NumberFormatError::Digits)
        );
        assert_eq!(
            NumberFormat::parse("ABCDEFGHIJKLMNOPQRSTU{SEQ}"),
            Err(NumberFormatError::TooLong)
        );
        assert_eq!(
            NumberFormat::parse("{SEQ"),
            Err(NumberFormatError::Characters)
        );
    }

    #[test]
    fn vat_numbers_are_compacted_and_dutch_ones_checked() {
        assert_eq!(
            vat_number(" nl 8536.75.620.B01 ").unwrap(),
            "NL853675620B01"
        );
        assert_eq!(vat_number("").unwrap(), "");
        assert_eq!(vat_number("BE0123456789").unwrap(), "BE0123456789");
        assert_eq!(vat_number("NL853675620"), Err(VatNumberError::Dutch));
        assert_eq!(vat_number("123456789"), Err(VatNumberError::Shape));
        assert_eq!(vat_number("NL€"), Err(VatNumberError::Shape));
        assert_eq!(vat_number("€123456"), Err(VatNumberError::Shape));
    }
}
