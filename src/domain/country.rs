//! ISO 3166-1 alpha-2 country codes.

use serde::{Deserialize, Serialize};

/// An officially assigned two-letter country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

/// Why a country code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CountryError {
    #[error("Enter a country")]
    Empty,
    #[error("Enter a two-letter country code, like NL, BE or DE")]
    Unknown,
}

/// Every officially assigned ISO 3166-1 alpha-2 code (249), sorted for binary search.
const CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

impl CountryCode {
    /// Accepts any case and surrounding spaces.
    pub fn parse(s: &str) -> Result<CountryCode, CountryError> {
        let s = s.trim().to_ascii_uppercase();
        if s.is_empty() {
            return Err(CountryError::Empty);
        }
        if CODES.binary_search(&s.as_str()).is_err() {
            return Err(CountryError::Unknown);
        }
        Ok(CountryCode(s))
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::string_newtype!(CountryCode, CountryError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_and_well_formed() {
        assert!(
            CODES
                .iter()
                .all(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        );
        assert!(
            CODES.windows(2).all(|w| w[0] < w[1]),
            "sorted, no duplicates"
        );
    }

    #[test]
    fn accepts_assigned_codes_in_any_case() {
        assert_eq!(CountryCode::parse(" nl ").unwrap().as_str(), "NL");
        assert!(CountryCode::parse("BE").is_ok());
        assert!(CountryCode::parse("zw").is_ok());
        assert!(CountryCode::parse("AD").is_ok());
        // Recent and easily forgotten assignments.
        for code in ["SS", "SX", "CW", "BQ", "AX", "BL", "MF"] {
            assert!(CountryCode::parse(code).is_ok(), "{code}");
        }
        assert_eq!(CountryCode::parse("be").unwrap().to_string(), "BE");
    }

    #[test]
    fn rejects_unassigned_codes_and_names() {
        assert_eq!(CountryCode::parse(""), Err(CountryError::Empty));
        for bad in [
            "XX",
            "UK",
            "EU",
            "AN",
            "YU",
            "XK",
            "NLD",
            "N",
            "N1",
            "Netherlands",
        ] {
            assert_eq!(CountryCode::parse(bad), Err(CountryError::Unknown), "{bad}");
        }
    }
}
