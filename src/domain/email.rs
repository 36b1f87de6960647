//! Email addresses, checked for the shape mail servers accept.

use serde::{Deserialize, Serialize};

/// A syntactically valid email address; the domain is lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why an email address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address")]
    Empty,
    #[error("Enter an email address like name@example.com")]
    Invalid,
    #[error("This email address is too long")]
    TooLong,
}

impl EmailAddress {
    /// Checks the address (one `@`, a dotted domain of letters, digits and hyphens, no spaces).
    pub fn parse(s: &str) -> Result<EmailAddress, EmailError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.split_once('@').ok_or(EmailError::Invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || "!#$%&'*+-/=?^_`{|}~.".contains(c)
                    || (!c.is_ascii() && c.is_alphanumeric())
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = domain.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            // An all-digit last label is an IP address, not a domain; "xn--p1ai" is a fine TLD.
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()));
        if !local_ok || !domain_ok {
            return Err(EmailError::Invalid);
        }
        Ok(EmailAddress(format!("{local}@{}", domain.to_lowercase())))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::string_newtype!(EmailAddress, EmailError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_addresses_and_lowercases_the_domain() {
        assert_eq!(
            EmailAddress::parse(" Jan.de-Vries+abo@Example.COM ")
                .unwrap()
                .as_str(),
            "Jan.de-Vries+abo@example.com"
        );
        assert!(EmailAddress::parse("a@b.nl").is_ok());
        assert!(EmailAddress::parse("info@sub.domain.co.uk").is_ok());
        assert!(EmailAddress::parse("josé@bücher.de").is_ok());
        assert!(EmailAddress::parse("info@example.xn--p1ai").is_ok());
        assert!(EmailAddress::parse("o'brien@example.ie").is_ok());
        let max_local = format!("{}@example.com", "a".repeat(64));
        assert!(EmailAddress::parse(&max_local).is_ok());
    }

    #[test]
    fn rejects_malformed_addresses() {
        assert_eq!(EmailAddress::parse(""), Err(EmailError::Empty));
        for bad in [
            "plainaddress",
            "@example.com",
            "jan@",
            "jan@example",
            "jan@@example.com",
            "jan de vries@example.com",
            "jan@exa mple.com",
            "jan@-example.com",
            "jan@example-.com",
            "jan@example..com",
            ".jan@example.com",
            "jan..de@example.com",
            "jan@1.2.3.4",
            "jan@example.c",
            "jan\u{a0}de@example.com",
            "jan\u{200b}@example.com",
            "jan@exa\u{200b}mple.com",
            "jan@example.com.",
            "jan,piet@example.com",
            "jan@example.com<script>",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailError::Invalid));
    }
}
