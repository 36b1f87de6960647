//! International bank account numbers, checked the way banks do before accepting a mandate.

use ::iban::{Iban as RegistryIban, ParseIbanError};
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
        "An IBAN from {country} has {expected} characters; check for a missing or extra character"
    )]
    WrongLength { country: String, expected: usize },
    #[error("The check digits of this IBAN are impossible (they must be between 02 and 98)")]
    InvalidCheckDigits,
    #[error("This IBAN contains a typing error: its check digits do not match")]
    ChecksumMismatch,
    #[error(
        "This IBAN does not follow the account number format of {0}; check for a mistyped letter or digit"
    )]
    InvalidBbanFormat(String),
}

/// IBAN length per country, as in the SWIFT IBAN registry that `iban_validate` 5.0.1 carries.
/// The crate only says "wrong BBAN", so this tells a missing character from a mistyped one;
/// a test keeps the two lists of countries identical.
#[rustfmt::skip]
const LENGTHS: [(&str, usize); 87] = [
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16),
    ("BG", 22), ("BH", 22), ("BI", 27), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22),
    ("CY", 28), ("CZ", 24), ("DE", 22), ("DJ", 27), ("DK", 18), ("DO", 28), ("EE", 20),
    ("EG", 29), ("ES", 24), ("FI", 18), ("FK", 18), ("FO", 18), ("FR", 27), ("GB", 22),
    ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27), ("GT", 28), ("HR", 21), ("HU", 28),
    ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27), ("JO", 30), ("KW", 30),
    ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20), ("LV", 21),
    ("LY", 25), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MN", 20), ("MR", 27),
    ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18), ("NO", 15), ("OM", 23), ("PL", 28),
    ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("RU", 33), ("SA", 24),
    ("SC", 31), ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("SO", 23),
    ("ST", 25), ("SV", 28), ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22),
    ("VG", 24), ("XK", 20), ("YE", 30),
];

impl Iban {
    /// Normalises spaces and case, then checks country, length, check digits, BBAN format
    /// and the mod-97 checksum, in the order that gives the most useful message.
    pub fn parse(s: &str) -> Result<Iban, IbanError> {
        let s = compact_upper(s);
        if s.is_empty() {
            return Err(IbanError::Empty);
        }
        let b = s.as_bytes();
        if !b.iter().all(u8::is_ascii_alphanumeric)
            || b.len() < 4
            || !b[..2].iter().all(u8::is_ascii_alphabetic)
            || !b[2..4].iter().all(u8::is_ascii_digit)
        {
            return Err(IbanError::InvalidCharacters);
        }
        let (country, digits, bban) = (&s[..2], &s[2..4], &s[4..]);
        let expected = LENGTHS
            .iter()
            .find(|(c, _)| *c == country)
            .map(|&(_, len)| len)
            .ok_or_else(|| IbanError::UnknownCountry(country.to_string()))?;
        if s.len() != expected {
            return Err(IbanError::WrongLength {
                country: country.to_string(),
                expected,
            });
        }
        // 00, 01 and 99 are congruent to valid digits, so mod-97 alone lets them through.
        if matches!(digits, "00" | "01" | "99") {
            return Err(IbanError::InvalidCheckDigits);
        }
        // The registry check also verifies the checksum; give it correct check digits so that
        // it judges the BBAN format alone and a typing error is reported as such below.
        let remainder = mod97(bban.chars().chain(country.chars()).chain("00".chars()))
            .ok_or(IbanError::InvalidCharacters)?;
        let with_correct_digits = format!("{country}{:02}{bban}", 98 - remainder);
        match RegistryIban::try_from(with_correct_digits.as_str()) {
            Ok(_) => {}
            Err(ParseIbanError::UnknownCountry(_)) => {
                return Err(IbanError::UnknownCountry(country.to_string()));
            }
            Err(_) => return Err(IbanError::InvalidBbanFormat(country.to_string())),
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

    /// Only the first and last four characters shown, safe for lists and emails:
    /// `NL91 **** **** **43 00`.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let hidden: String = self
            .0
            .chars()
            .enumerate()
            .map(|(i, c)| if i < 4 || i + 4 >= n { c } else { '*' })
            .collect();
        group_by_four(&hidden)
    }

    /// The last `n` characters (all of them if `n` is larger), for "account ending in …".
    pub fn last_digits(&self, n: usize) -> &str {
        &self.0[self.0.len().saturating_sub(n)..]
    }
}

fn group_by_four(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

super::string_newtype!(Iban, IbanError);

#[cfg(test)]
mod tests {
    use super::*;

    fn wrong_length(country: &str, expected: usize) -> Result<Iban, IbanError> {
        Err(IbanError::WrongLength {
            country: country.into(),
            expected,
        })
    }

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
            "NL02ABNA0417164350",
            "NL98ABNA0417164368",
        ] {
            assert_eq!(Iban::parse(good).unwrap().as_str(), good);
        }
    }

    #[test]
    fn normalises_spaces_and_case() {
        let iban = Iban::parse(" nl91 abna 0417 1643 00 ").unwrap();
        assert_eq!(iban.as_str(), "NL91ABNA0417164300");
        assert_eq!(iban.to_string(), "NL91ABNA0417164300");
        assert_eq!(iban.country_code(), "NL");
        assert_eq!(Iban::parse("nl91abna0417164300"), Ok(iban));
    }

    #[test]
    fn formats_masks_and_shows_last_digits() {
        let iban = Iban::parse("NL91ABNA0417164300").unwrap();
        assert_eq!(iban.formatted(), "NL91 ABNA 0417 1643 00");
        assert_eq!(iban.masked(), "NL91 **** **** **43 00");
        assert_eq!(iban.last_digits(4), "4300");
        assert_eq!(iban.last_digits(0), "");
        assert_eq!(iban.last_digits(99), "NL91ABNA0417164300");
        let short = Iban::parse("NO9386011117947").unwrap();
        assert_eq!(short.formatted(), "NO93 8601 1117 947");
        assert_eq!(short.masked(), "NO93 **** ***7 947");
    }

    #[test]
    fn rejects_check_digits_outside_02_to_98() {
        // Each of these passes mod-97: 01 ≡ 98, 00 ≡ 97 and 99 ≡ 02.
        for bad in [
            "GB01BARC20714583608387",
            "NL01ABNA0417164368",
            "NL00ABNA0417164386",
            "NL99ABNA0417164350",
        ] {
            assert_eq!(
                Iban::parse(bad),
                Err(IbanError::InvalidCheckDigits),
                "{bad}"
            );
        }
    }

    #[test]
    fn rejects_the_wrong_length_for_the_country() {
        assert_eq!(
            Iban::parse("GB96BARC202015300934591"),
            wrong_length("GB", 22)
        );
        assert_eq!(Iban::parse("NL91ABNA041716430"), wrong_length("NL", 18));
        assert_eq!(Iban::parse("NL91"), wrong_length("NL", 18));
    }

    #[test]
    fn rejects_a_bban_in_the_wrong_format() {
        // Dutch BBANs are 4 letters then 10 digits; the check digits fit the mistyped text.
        assert_eq!(
            Iban::parse("NL44ABN10417164300"),
            Err(IbanError::InvalidBbanFormat("NL".into()))
        );
        assert_eq!(
            Iban::parse("NL91ABN10417164300"),
            Err(IbanError::InvalidBbanFormat("NL".into()))
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
        // Two swapped digits.
        assert_eq!(
            Iban::parse("NL91ABNA0417164030"),
            Err(IbanError::ChecksumMismatch)
        );
    }

    #[test]
    fn rejects_unknown_countries_and_junk() {
        assert_eq!(
            Iban::parse("XX82WEST12345698765432"),
            Err(IbanError::UnknownCountry("XX".into()))
        );
        assert_eq!(
            Iban::parse("US12345678901234"),
            Err(IbanError::UnknownCountry("US".into()))
        );
        assert_eq!(Iban::parse(""), Err(IbanError::Empty));
        assert_eq!(Iban::parse("   "), Err(IbanError::Empty));
        for bad in [
            "NL91-ABNA-0417-1643-00",
            "1291ABNA0417164300",
            "NLAAABNA0417164300",
            "NL91ABNA04171643ÄÄ",
            "NL9",
            "N",
        ] {
            assert_eq!(Iban::parse(bad), Err(IbanError::InvalidCharacters), "{bad}");
        }
    }

    #[test]
    fn the_length_table_covers_exactly_the_registry_countries() {
        let letters = 'A'..='Z';
        for a in letters.clone() {
            for b in letters.clone() {
                let country = format!("{a}{b}");
                // A BBAN of 11 digits has valid check digits but fits no known country, so
                // the registry answers either "unknown country" or "wrong BBAN".
                let bban = "12345678901";
                let remainder = mod97(bban.chars().chain(country.chars()).chain("00".chars()));
                let candidate = format!("{country}{:02}{bban}", 98 - remainder.unwrap());
                let known = !matches!(
                    RegistryIban::try_from(candidate.as_str()),
                    Err(ParseIbanError::UnknownCountry(_))
                );
                let listed = LENGTHS.iter().any(|(c, _)| *c == country);
                assert_eq!(known, listed, "{country}");
            }
        }
        assert!(
            LENGTHS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicates"
        );
        assert!(LENGTHS.iter().all(|&(_, len)| (15..=34).contains(&len)));
    }
}
