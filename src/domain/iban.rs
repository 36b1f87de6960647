//! International bank account numbers, checked the way banks do before accepting a mandate.

use serde::{Deserialize, Serialize};

use super::{compact_upper, mod97};

/// A valid IBAN in electronic format (no spaces, upper case).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

/// Why an IBAN was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IbanError {
    #[error("Enter an IBAN")]
    Empty,
    #[error(
        "An IBAN has only letters and digits, and starts with a country code and two digits, like NL91ABNA0417164300"
    )]
    InvalidCharacters,
    #[error("{0} is not a country that uses IBANs")]
    UnknownCountry(String),
    #[error(
        "This IBAN does not have the length or format used in {0}; check for a missing or extra character"
    )]
    WrongFormat(String),
    #[error("The check digits of this IBAN are impossible (they must be between 02 and 98)")]
    InvalidCheckDigits,
    #[error("This IBAN contains a typing error: its check digits do not match")]
    ChecksumMismatch,
}

impl Iban {
    /// Normalises spaces and case, then checks country, length, BBAN format and check digits.
    pub fn parse(s: &str) -> Result<Iban, IbanError> {
        let s = compact_upper(s);
        if s.is_empty() {
            return Err(IbanError::Empty);
        }
        let bytes = s.as_bytes();
        if s.len() < 5
            || s.len() > 34
            || !s.chars().all(|c| c.is_ascii_alphanumeric())
            || !bytes[..2].iter().all(u8::is_ascii_alphabetic)
            || !bytes[2..4].iter().all(u8::is_ascii_digit)
        {
            return Err(IbanError::InvalidCharacters);
        }
        let country = &s[..2];
        let bban = &s[4..];
        // Ask the country table about the BBAN alone: re-compute the check digits so that a
        // typing error is reported as such, not as a wrong format.
        let remainder = mod97(bban.chars().chain(country.chars()).chain("00".chars()))
            .ok_or(IbanError::InvalidCharacters)?;
        let with_correct_digits = format!("{country}{:02}{bban}", 98 - remainder);
        match iban::Iban::try_from(with_correct_digits.as_str()) {
            Ok(_) => {}
            Err(iban::ParseIbanError::UnknownCountry(_)) => {
                return Err(IbanError::UnknownCountry(country.to_string()));
            }
            Err(_) => return Err(IbanError::WrongFormat(country.to_string())),
        }
        if matches!(&s[2..4], "00" | "01" | "99") {
            return Err(IbanError::InvalidCheckDigits);
        }
        if mod97(bban.chars().chain(s[..4].chars())) != Some(1) {
            return Err(IbanError::ChecksumMismatch);
        }
        Ok(Iban(s))
    }

    /// The electronic format, e.g. `NL91ABNA0417164300`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country_code(&self) -> &str {
        &self.0[..2]
    }

    /// Groups of four for people to read: `NL91 ABNA 0417 1643 00`.
    pub fn formatted(&self) -> String {
        group_by_four(&self.0)
    }

    /// Only the first and last four characters shown: `NL91 **** **** **43 00`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let hidden: String = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 4 || i >= n - 4 { c } else { '*' })
            .collect();
        group_by_four(&hidden)
    }

    /// The last `n` characters, for searching by "last digits".
    pub fn last_digits(&self, n: usize) -> &str {
        &self.0[self.0.len().saturating_sub(n)..]
    }
}

fn group_by_four(s: &str) -> String {
    s.chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

super::string_newtype!(Iban, IbanError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_ibans_of_several_countries() {
        for good in [
            "NO9386011117947",
            "MT84MALT011000012345MTLCAST001S",
            "NL91ABNA0417164300",
            "DE89370400440532013000",
            "BE68539007547034",
            "FR1420041010050500013M02606",
            "GB29NWBK60161331926819",
        ] {
            assert_eq!(Iban::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn normalises_spaces_and_case() {
        let iban = Iban::parse(" nl91 abna 0417 1643 00 ").unwrap();
        assert_eq!(iban.as_str(), "NL91ABNA0417164300");
        assert_eq!(iban.formatted(), "NL91 ABNA 0417 1643 00");
        assert_eq!(iban.masked(), "NL91 **** **** **43 00");
        assert_eq!(iban.last_digits(4), "4300");
        assert_eq!(iban.country_code(), "NL");
    }

    #[test]
    fn rejects_check_digits_outside_02_to_98() {
        assert_eq!(
            Iban::parse("GB01BARC20714583608387"),
            Err(IbanError::InvalidCheckDigits)
        );
        // A number whose mod-97 would pass with 00 or 99 is still refused.
        assert_eq!(
            Iban::parse("NL00ABNA0417164300"),
            Err(IbanError::InvalidCheckDigits)
        );
        assert_eq!(
            Iban::parse("NL99ABNA0417164300"),
            Err(IbanError::InvalidCheckDigits)
        );
    }

    #[test]
    fn rejects_the_wrong_length_for_the_country() {
        assert_eq!(
            Iban::parse("GB96BARC202015300934591"),
            Err(IbanError::WrongFormat("GB".into()))
        );
        assert_eq!(
            Iban::parse("NL91ABNA041716430"),
            Err(IbanError::WrongFormat("NL".into()))
        );
    }

    #[test]
    fn rejects_a_bban_in_the_wrong_format() {
        // Dutch BBANs are 4 letters then 10 digits.
        assert_eq!(
            Iban::parse("NL91ABN10417164300"),
            Err(IbanError::WrongFormat("NL".into()))
        );
    }

    #[test]
    fn rejects_typing_errors() {
        assert_eq!(
            Iban::parse("NL91ABNA0417164301"),
            Err(IbanError::ChecksumMismatch)
        );
        assert_eq!(
            Iban::parse("DE89370400440532013001"),
            Err(IbanError::ChecksumMismatch)
        );
    }

    #[test]
    fn rejects_unknown_countries_and_junk() {
        assert_eq!(
            Iban::parse("XX82WEST12345698765432"),
            Err(IbanError::UnknownCountry("XX".into()))
        );
        assert_eq!(Iban::parse(""), Err(IbanError::Empty));
        assert_eq!(
            Iban::parse("NL91-ABNA-0417"),
            Err(IbanError::InvalidCharacters)
        );
        assert_eq!(
            Iban::parse("1291ABNA0417164300"),
            Err(IbanError::InvalidCharacters)
        );
        assert_eq!(
            Iban::parse("NLAAABNA0417164300"),
            Err(IbanError::InvalidCharacters)
        );
        assert_eq!(
            Iban::parse("NL91ABNA04171643ÄÄ"),
            Err(IbanError::InvalidCharacters)
        );
    }
}
