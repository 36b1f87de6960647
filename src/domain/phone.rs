//! Mobile phone numbers in E.164 form (+31612345678), for text messages.

use serde::{Deserialize, Serialize};

/// A phone number in international E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("Enter a phone number")]
    Empty,
    #[error("Enter a phone number like +31 6 12345678 or 06 12345678")]
    Invalid,
    #[error("Add the country code, like +32 for Belgium")]
    CountryUnknown,
}

/// Country calling codes of the countries where national numbers are accepted without one.
const CALLING_CODES: &[(&str, &str)] = &[
    ("NL", "31"),
    ("BE", "32"),
    ("FR", "33"),
    ("DE", "49"),
    ("LU", "352"),
    ("AT", "43"),
    ("CH", "41"),
    ("ES", "34"),
    ("IT", "39"),
    ("PT", "351"),
    ("IE", "353"),
    ("GB", "44"),
    ("DK", "45"),
    ("SE", "46"),
    ("NO", "47"),
    ("FI", "358"),
    ("PL", "48"),
];

impl PhoneNumber {
    /// Normalises `+31 6 1234 5678`, `0031612345678` and, with `default_country` NL,
    /// `06-12345678` to `+31612345678`. Spaces, dashes, dots and brackets are ignored.
    pub fn parse(s: &str, default_country: &str) -> Result<PhoneNumber, PhoneError> {
        // "+31 (0)6 …": the bracketed trunk zero is dialled only nationally.
        let s = s.trim().replace("(0)", "");
        let s = s.trim();
        if s.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()/+".contains(c))
            || s.matches('+').count() > 1
        {
            return Err(PhoneError::Invalid);
        }
        if s.contains('+') && !s.starts_with('+') {
            return Err(PhoneError::Invalid);
        }
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let international = if s.starts_with('+') {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_string()
        } else if let Some(national) = digits.strip_prefix('0') {
            let code = CALLING_CODES
                .iter()
                .find(|(country, _)| country.eq_ignore_ascii_case(default_country))
                .map(|(_, code)| *code)
                .ok_or(PhoneError::CountryUnknown)?;
            format!("{code}{national}")
        } else {
            return Err(PhoneError::CountryUnknown);
        };
        // E.164: at most 15 digits, and no country code starts with 0.
        if !(8..=15).contains(&international.len()) || international.starts_with('0') {
            return Err(PhoneError::Invalid);
        }
        Ok(PhoneNumber(format!("+{international}")))
    }

    /// Repairs a number that a spreadsheet stored as a number, which drops the leading zero or
    /// plus: with `country` NL, `612345678` (national, trunk zero lost) becomes `0612345678` and
    /// `31612345678` (international, plus lost) becomes `+31612345678`. Anything else (a plus,
    /// spaces, a leading zero, another country) is returned as it is, for `parse` to judge.
    pub fn repair_spreadsheet_number(cell: &str, country: &str) -> String {
        let cell = cell.trim();
        let Some(code) = CALLING_CODES
            .iter()
            .find(|(c, _)| c.eq_ignore_ascii_case(country))
            .map(|(_, code)| *code)
        else {
            return cell.to_string();
        };
        if cell.is_empty() || cell.starts_with('0') || !cell.bytes().all(|b| b.is_ascii_digit()) {
            return cell.to_string();
        }
        // A national number (without its trunk zero) has at most 9 digits in these countries
        // for mobiles; only a longer one that starts with the calling code lost its plus.
        // "318123456" (0318 123456, Veenendaal) is national though it starts with 31.
        let national_digits = cell.len().saturating_sub(code.len());
        if cell.starts_with(code) && national_digits >= 9 {
            format!("+{cell}")
        } else {
            format!("0{cell}")
        }
    }

    /// The number as `+<digits>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        // Stored numbers are already international.
        PhoneNumber::parse(&s, "")
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        for (input, country, expected) in [
            ("+31 6 1234 5678", "NL", "+31612345678"),
            ("06-12345678", "NL", "+31612345678"),
            ("0031 (0)6 12345678", "NL", "+31612345678"),
            ("0612345678", "nl", "+31612345678"),
            ("0470 12 34 56", "BE", "+32470123456"),
            ("+49 151 23456789", "NL", "+4915123456789"),
            ("0151/23456789", "DE", "+4915123456789"),
        ] {
            assert_eq!(
                PhoneNumber::parse(input, country).unwrap().as_str(),
                expected,
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_what_cannot_be_a_number() {
        assert_eq!(PhoneNumber::parse("  ", "NL"), Err(PhoneError::Empty));
        for bad in [
            "call me",
            "06-1234567x",
            "+31+612345678",
            "31+612345678",
            "+3161",
            "+31 6 1234 5678 9012 34",
        ] {
            assert_eq!(
                PhoneNumber::parse(bad, "NL"),
                Err(PhoneError::Invalid),
                "{bad}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("612345678", "NL"),
            Err(PhoneError::CountryUnknown)
        );
        assert_eq!(
            PhoneNumber::parse("0612345678", "US"),
            Err(PhoneError::CountryUnknown)
        );
        assert_eq!(
            PhoneNumber::parse("+0612345678", "NL"),
            Err(PhoneError::Invalid)
        );
    }

    #[test]
    fn numbers_a_spreadsheet_mangled_are_repaired_with_the_country() {
        for (cell, country, expected) in [
            ("612345999", "NL", "+31612345999"),
            ("31612340001", "NL", "+31612340001"),
            ("318123456", "NL", "+31318123456"),
            ("470123456", "BE", "+32470123456"),
            ("32470123456", "BE", "+32470123456"),
        ] {
            let repaired = PhoneNumber::repair_spreadsheet_number(cell, country);
            assert_eq!(
                PhoneNumber::parse(&repaired, country).unwrap().as_str(),
                expected,
                "{cell}"
            );
        }
        for kept in ["+31612345678", "06 12345678", "0612345678", "call me", ""] {
            assert_eq!(PhoneNumber::repair_spreadsheet_number(kept, "NL"), kept);
        }
        assert_eq!(
            PhoneNumber::repair_spreadsheet_number("612345999", "US"),
            "612345999"
        );
    }

    #[test]
    fn stored_numbers_round_trip() {
        let n = PhoneNumber::parse("06 12345678", "NL").unwrap();
        assert_eq!(PhoneNumber::try_from(n.to_string()), Ok(n));
    }
}
