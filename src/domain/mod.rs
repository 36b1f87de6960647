//! Pure domain types and rules: no I/O, nothing else of the project.
//!
//! Every value type has a `parse` that returns a typed error whose message can be shown next to
//! a form field; once a value is one of these types, nobody checks it again.

/// `Display` and string conversions (for serde) of a newtype over its canonical text,
/// converting back through the type's `parse`.
macro_rules! string_newtype {
    ($type:ident, $error:ty) => {
        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $type {
            type Error = $error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $type::parse(&s)
            }
        }

        impl From<$type> for String {
            fn from(value: $type) -> String {
                value.0
            }
        }
    };
}
use string_newtype;

pub mod bic;
pub mod branding;
pub mod calendar;
pub mod collection;
pub mod country;
pub mod creditor_id;
pub mod date;
pub mod email;
pub mod fields;
pub mod iban;
pub mod id;
pub mod interval;
pub mod invoice;
pub mod mandate_reference;
pub mod money;
pub mod phone;
pub mod role;
pub mod schedule;
pub mod subscription;
pub mod vat_rate;
pub mod webhook;

pub use bic::Bic;
pub use branding::{BrandColour, Formality, Language};
pub use country::CountryCode;
pub use creditor_id::CreditorId;
pub use email::EmailAddress;
pub use iban::Iban;
pub use interval::{Interval, IntervalUnit};
pub use mandate_reference::MandateReference;
pub use money::Money;
pub use phone::PhoneNumber;
pub use vat_rate::VatRate;

/// Letters A–Z as numbers 10–35 and digits as themselves, then the remainder modulo 97
/// (ISO 7064 MOD 97-10, as IBANs and creditor identifiers use it).
fn mod97(chars: impl Iterator<Item = char>) -> Option<u32> {
    let mut remainder = 0u32;
    for c in chars {
        let value = c.to_digit(36)?;
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    Some(remainder)
}

/// Upper-cases and removes spaces, the way people type bank identifiers.
fn compact_upper(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}
