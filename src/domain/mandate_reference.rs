//! Mandate references (the "mandate ID" on a SEPA direct debit).

use rand::Rng;
use serde::{Deserialize, Serialize};

/// 1–35 characters of the SEPA identifier set without spaces (the restricted identifier set that
/// German and Dutch banks check), stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MandateReference(String);

/// Why a mandate reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MandateReferenceError {
    #[error("Enter a mandate reference")]
    Empty,
    #[error("A mandate reference is at most 35 characters")]
    TooLong,
    #[error("Use only letters A–Z, digits and / - ? : ( ) . , ' + (no spaces)")]
    InvalidCharacters,
    #[error("A mandate reference may not start or end with / or contain //")]
    InvalidSlashes,
}

/// Characters of the restricted SEPA identifier set besides letters and digits.
const SYMBOLS: &str = "/-?:().,'+";
/// Characters of generated references: no 0/O or 1/I to misread on the phone.
const UNAMBIGUOUS: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

impl MandateReference {
    /// Checks the character set and the EPC slash rules.
    pub fn parse(s: &str) -> Result<MandateReference, MandateReferenceError> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(MandateReferenceError::Empty);
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || SYMBOLS.contains(c))
        {
            return Err(MandateReferenceError::InvalidCharacters);
        }
        if s.chars().count() > 35 {
            return Err(MandateReferenceError::TooLong);
        }
        if s.starts_with('/') || s.ends_with('/') || s.contains("//") {
            return Err(MandateReferenceError::InvalidSlashes);
        }
        Ok(MandateReference(s))
    }

    /// A new random reference such as `ABBO-7KQ2M9XW3D8P`, with the merchant's prefix
    /// (letters and digits only, at most 10).
    pub fn generate(prefix: &str) -> MandateReference {
        let prefix: String = prefix
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(10)
            .collect::<String>()
            .to_ascii_uppercase();
        let mut rng = rand::rng();
        let body: String = (0..12)
            .map(|_| UNAMBIGUOUS[rng.random_range(0..UNAMBIGUOUS.len())] as char)
            .collect();
        if prefix.is_empty() {
            MandateReference(body)
        } else {
            MandateReference(format!("{prefix}-{body}"))
        }
    }

    /// The reference as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::string_newtype!(MandateReference, MandateReferenceError);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn accepts_the_sepa_character_set_and_upper_cases() {
        assert_eq!(
            MandateReference::parse(" mdt-2024/001 ").unwrap().as_str(),
            "MDT-2024/001"
        );
        assert!(MandateReference::parse("A").is_ok());
        assert!(MandateReference::parse("REF(1)?:.,'+").is_ok());
        assert!(MandateReference::parse(&"X".repeat(35)).is_ok());
    }

    #[test]
    fn rejects_what_banks_refuse() {
        assert_eq!(
            MandateReference::parse("  "),
            Err(MandateReferenceError::Empty)
        );
        assert_eq!(
            MandateReference::parse(&"X".repeat(36)),
            Err(MandateReferenceError::TooLong)
        );
        for bad in ["REF_1", "RÉF", "REF#1", "REF&CO", "REF\t1", "€", "REF 1"] {
            assert_eq!(
                MandateReference::parse(bad),
                Err(MandateReferenceError::InvalidCharacters),
                "{bad}"
            );
        }
        for bad in ["/REF", "REF/", "RE//F"] {
            assert_eq!(
                MandateReference::parse(bad),
                Err(MandateReferenceError::InvalidSlashes),
                "{bad}"
            );
        }
    }

    #[test]
    fn generated_references_are_valid_and_unique() {
        let refs: HashSet<MandateReference> = (0..10_000)
            .map(|_| MandateReference::generate("Abbo"))
            .collect();
        assert_eq!(refs.len(), 10_000);
        for r in &refs {
            let body = r.as_str().strip_prefix("ABBO-").unwrap();
            assert_eq!(body.len(), 12);
            assert!(body.bytes().all(|b| UNAMBIGUOUS.contains(&b)), "{r}");
            assert_eq!(MandateReference::parse(r.as_str()).as_ref(), Ok(r));
        }
        let long = MandateReference::generate("fiets & co. abonnementen");
        assert!(long.as_str().starts_with("FIETSCOABO-"), "{long}");
        assert_eq!(MandateReference::generate("").as_str().len(), 12);
    }
}
