//! SEPA creditor identifiers, e.g. `NL79ZZZ999999990000`.

use serde::{Deserialize, Serialize};

use super::{compact_upper, mod97};

/// A valid SEPA creditor identifier: country, check digits, business code, national identifier.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorId(String);

/// Why a creditor identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditorIdError {
    #[error("Enter your creditor identifier")]
    Empty,
    #[error("A creditor identifier is at least 8 characters, like NL79ZZZ999999990000")]
    TooShort,
    #[error("A creditor identifier is at most 35 characters")]
    TooLong,
    #[error(
        "A creditor identifier starts with a country code and two digits, then letters and digits only"
    )]
    InvalidCharacters,
    #[error("This creditor identifier contains a typing error: its check digits do not match")]
    InvalidCheckDigits,
}

impl CreditorId {
    /// Checks the ISO 7064 MOD 97-10 check digits over the national identifier and country;
    /// the three-character business code is not part of the check.
    pub fn parse(s: &str) -> Result<CreditorId, CreditorIdError> {
        let s = compact_upper(s);
        if s.is_empty() {
            return Err(CreditorIdError::Empty);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(CreditorIdError::InvalidCharacters);
        }
        if s.len() < 8 {
            return Err(CreditorIdError::TooShort);
        }
        if s.len() > 35 {
            return Err(CreditorIdError::TooLong);
        }
        let bytes = s.as_bytes();
        if !bytes[..2].iter().all(u8::is_ascii_alphabetic)
            || !bytes[2..4].iter().all(u8::is_ascii_digit)
        {
            return Err(CreditorIdError::InvalidCharacters);
        }
        // Compare the digits themselves, not "remainder == 1": 00, 01 and 99 would pass that.
        let national = &s[7..];
        let remainder = mod97(national.chars().chain(s[..2].chars()).chain("00".chars()))
            .ok_or(CreditorIdError::InvalidCharacters)?;
        if s[2..4] != format!("{:02}", 98 - remainder) {
            return Err(CreditorIdError::InvalidCheckDigits);
        }
        Ok(CreditorId(s))
    }

    /// The identifier, upper case without spaces.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country_code(&self) -> &str {
        &self.0[..2]
    }
}

super::string_newtype!(CreditorId, CreditorIdError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_identifiers() {
        for good in [
            "DE98ZZZ09999999999",
            "NL79ZZZ999999990000",
            "NL69ZZZ123456780000",
            "NL02ZZZ123456780042",
            "NL97ZZZ123456780078",
            "BE68ZZZ0123456789",
            "FR72ZZZ123456",
            "IT66ZZZA1B2C3D4E5F6G7H8",
            "ES59ZZZX1234567L",
        ] {
            assert_eq!(CreditorId::parse(good).unwrap().as_str(), good);
        }
        let id = CreditorId::parse(" nl79 zzz 999999990000 ").unwrap();
        assert_eq!(id.as_str(), "NL79ZZZ999999990000");
        assert_eq!(id.to_string(), "NL79ZZZ999999990000");
        assert_eq!(id.country_code(), "NL");
    }

    #[test]
    fn the_business_code_is_not_checked() {
        assert!(CreditorId::parse("DE98ABC09999999999").is_ok());
        assert!(CreditorId::parse("DE9800109999999999").is_ok());
        assert!(CreditorId::parse("NL69A1B123456780000").is_ok());
    }

    #[test]
    fn rejects_wrong_check_digits() {
        for bad in [
            "DE71ZZZ00000111111",
            "DE97ZZZ09999999999",
            "NL97ZZZ123456780000",
            // Congruent to the right digits modulo 97, but not the digits themselves.
            "NL99ZZZ123456780042",
            "NL00ZZZ123456780078",
            "DE01ZZZ09999999999",
        ] {
            assert_eq!(
                CreditorId::parse(bad),
                Err(CreditorIdError::InvalidCheckDigits),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_malformed_identifiers() {
        assert_eq!(CreditorId::parse(" "), Err(CreditorIdError::Empty));
        assert_eq!(CreditorId::parse("DE98ZZZ"), Err(CreditorIdError::TooShort));
        assert!(CreditorId::parse("DE09ZZZ1").is_ok(), "shortest");
        let longest = "DE83ZZZAAAA123456789012345678901234";
        assert!(CreditorId::parse(longest).is_ok(), "35 characters");
        assert_eq!(
            CreditorId::parse(&format!("{longest}0")),
            Err(CreditorIdError::TooLong)
        );
        assert_eq!(
            CreditorId::parse("DE98-ZZZ-0999"),
            Err(CreditorIdError::InvalidCharacters)
        );
        assert_eq!(
            CreditorId::parse("1298ZZZ09999999999"),
            Err(CreditorIdError::InvalidCharacters)
        );
        assert_eq!(
            CreditorId::parse("DEX8ZZZ09999999999"),
            Err(CreditorIdError::InvalidCharacters)
        );
    }
}
