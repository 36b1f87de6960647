//! Bank identifier codes (BIC / SWIFT), e.g. `ABNANL2A`.

use serde::{Deserialize, Serialize};

use super::compact_upper;

/// A BIC of 8 or 11 characters, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bic(String);

/// Why a BIC was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BicError {
    #[error("Enter a BIC")]
    Empty,
    #[error(
        "A BIC is 8 or 11 characters: 4 letters for the bank, 2 for the country, then letters or digits, like ABNANL2A"
    )]
    Invalid,
}

impl Bic {
    /// Checks the ISO 9362 shape: bank code, country, location, optional branch.
    pub fn parse(s: &str) -> Result<Bic, BicError> {
        let s = compact_upper(s);
        if s.is_empty() {
            return Err(BicError::Empty);
        }
        let b = s.as_bytes();
        let valid = (b.len() == 8 || b.len() == 11)
            && b[..6].iter().all(u8::is_ascii_alphabetic)
            && b[6..].iter().all(u8::is_ascii_alphanumeric);
        if !valid {
            return Err(BicError::Invalid);
        }
        Ok(Bic(s))
    }

    /// The BIC as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::string_newtype!(Bic, BicError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_8_and_11_character_bics() {
        assert_eq!(Bic::parse("abnanl2a").unwrap().as_str(), "ABNANL2A");
        assert_eq!(
            Bic::parse("DEUT DE FF 500").unwrap().as_str(),
            "DEUTDEFF500"
        );
        assert!(Bic::parse("INGBNL2A").is_ok());
        assert!(Bic::parse("DEUTDEFFXXX").is_ok());
        assert!(Bic::parse("GEBABEBB36A").is_ok());
        assert_eq!(Bic::parse(" rabo nl 2u ").unwrap().to_string(), "RABONL2U");
    }

    #[test]
    fn rejects_other_shapes() {
        assert_eq!(Bic::parse(""), Err(BicError::Empty));
        for bad in [
            "ABN",
            "ABNANL2",
            "ABNANL2AX",
            "AB1ANL2A",
            "ABNA122A",
            "ABNANL2A-01",
            "ABNANL2A0123",
            "ABNANL2A01",
            "ABNANL2Ä",
            "ABNANL-A",
        ] {
            assert_eq!(Bic::parse(bad), Err(BicError::Invalid), "{bad}");
        }
    }
}
