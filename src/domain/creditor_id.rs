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
        let national = &s[7..];
        let remainder = mod97(national.chars().chain(s[..4].chars()))
            .ok_or(CreditorIdError::InvalidCharacters)?;
        if remainder != 1 {
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
        assert_eq!(
            CreditorId::parse("DE98ZZZ09999999999").unwrap().as_str(),
            "DE98ZZZ09999999999"
        );
        assert_eq!(
            CreditorId::parse("nl79 zzz 999999990000").unwrap().as_str(),
            "NL79ZZZ999999990000"
        );
        assert!(CreditorId::parse("IT66ZZZA1B2C3D4E5F6G7H8").is_ok());
        assert!(CreditorId::parse("ES59ZZZX1234567L").is_ok());
        assert_eq!(
            CreditorId::parse("DE98ZZZ09999999999")
                .unwrap()
                .country_code(),
            "DE"
        );
    }

    #[test]
    fn the_business_code_is_not_checked() {
        assert!(CreditorId::parse("DE98ABC09999999999").is_ok());
        assert!(CreditorId::parse("NL79001999999990000").is_ok());
    }

    #[test]
    fn rejects_wrong_check_digits() {
        assert_eq!(
            CreditorId::parse("DE71ZZZ00000111111"),
            Err(CreditorIdError::InvalidCheckDigits)
        );
        assert_eq!(
            CreditorId::parse("DE97ZZZ09999999999"),
            Err(CreditorIdError::InvalidCheckDigits)
        );
    }

    #[test]
    fn rejects_malformed_identifiers() {
        assert_eq!(CreditorId::parse(" "), Err(CreditorIdError::Empty));
        assert_eq!(CreditorId::parse("DE98ZZZ"), Err(CreditorIdError::TooShort));
        assert_eq!(
            CreditorId::parse(&format!("DE98ZZZ{}", "9".repeat(29))),
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
