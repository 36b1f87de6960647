//! A merchant's look and language: brand colour, the languages customers can get, and how the
//! texts address them.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A colour as `#rrggbb`, lower case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BrandColour(String);

/// Why a colour was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Enter a colour as a hex code, like #1f5f8b")]
pub struct BrandColourError;

impl BrandColour {
    /// Accepts `#rrggbb`, `rrggbb` and the short `#rgb`.
    pub fn parse(s: &str) -> Result<BrandColour, BrandColourError> {
        let hex = s.trim();
        let hex = hex.strip_prefix('#').unwrap_or(hex);
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(BrandColourError);
        }
        let full = match hex.len() {
            6 => hex.to_string(),
            3 => hex.chars().flat_map(|c| [c, c]).collect(),
            _ => return Err(BrandColourError),
        };
        Ok(BrandColour(format!("#{}", full.to_ascii_lowercase())))
    }

    /// The colour as `#rrggbb`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::string_newtype!(BrandColour, BrandColourError);

/// A language customer-facing pages and messages are offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Nl,
    Fr,
    De,
}

/// Why a language was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose English, Nederlands, Français or Deutsch")]
pub struct LanguageError;

impl Language {
    /// Every supported language.
    pub const ALL: &'static [Language] = &[Language::En, Language::Nl, Language::Fr, Language::De];

    /// Accepts codes such as `nl`, `NL` and `nl-BE`.
    pub fn parse(s: &str) -> Result<Language, LanguageError> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        match primary.to_ascii_lowercase().as_str() {
            "en" => Ok(Language::En),
            "nl" => Ok(Language::Nl),
            "fr" => Ok(Language::Fr),
            "de" => Ok(Language::De),
            _ => Err(LanguageError),
        }
    }

    /// The ISO 639-1 code.
    pub fn code(&self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Nl => "nl",
            Language::Fr => "fr",
            Language::De => "de",
        }
    }

    /// The language's name in itself.
    pub fn name(&self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Nl => "Nederlands",
            Language::Fr => "Français",
            Language::De => "Deutsch",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How customer-facing texts address the customer where the language distinguishes it: formal
/// Dutch "u" and German "Sie", or informal "je" and "du". English and French read the same
/// either way (French stays "vous").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Formality {
    #[default]
    Formal,
    Informal,
}

/// Why a formality was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose formal or informal")]
pub struct FormalityError;

impl Formality {
    /// Both, formal first.
    pub const ALL: &'static [Formality] = &[Formality::Formal, Formality::Informal];

    /// Accepts `formal` and `informal`.
    pub fn parse(s: &str) -> Result<Formality, FormalityError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "formal" => Ok(Formality::Formal),
            "informal" => Ok(Formality::Informal),
            _ => Err(FormalityError),
        }
    }

    /// The stored code.
    pub fn code(&self) -> &'static str {
        match self {
            Formality::Formal => "formal",
            Formality::Informal => "informal",
        }
    }

    /// What the settings page offers.
    pub fn label(&self) -> &'static str {
        match self {
            Formality::Formal => "Formally: u (Dutch), Sie (German)",
            Formality::Informal => "Informally: je (Dutch), du (German)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_normalised() {
        assert_eq!(BrandColour::parse("#1A2b3C").unwrap().as_str(), "#1a2b3c");
        assert_eq!(BrandColour::parse("1a2b3c").unwrap().as_str(), "#1a2b3c");
        assert_eq!(BrandColour::parse("#AbC").unwrap().as_str(), "#aabbcc");
        assert_eq!(
            BrandColour::parse(" #1a2B3c ").unwrap().to_string(),
            "#1a2b3c"
        );
    }

    #[test]
    fn bad_colours_are_refused() {
        for bad in [
            "",
            "#",
            "blue",
            "#12345",
            "#1234567",
            "#ggg",
            "rgb(0,0,0)",
            "#12 345",
            "##abc",
            "#abcd",
            "0x1a2b3c",
        ] {
            assert_eq!(BrandColour::parse(bad), Err(BrandColourError), "{bad}");
        }
    }

    #[test]
    fn languages_parse_from_codes_and_tags() {
        assert_eq!(Language::parse("nl"), Ok(Language::Nl));
        assert_eq!(Language::parse("NL"), Ok(Language::Nl));
        assert_eq!(Language::parse("nl-NL"), Ok(Language::Nl));
        assert_eq!(Language::parse("fr_BE"), Ok(Language::Fr));
        assert_eq!(Language::parse("de"), Ok(Language::De));
        assert_eq!(Language::parse(" EN-gb "), Ok(Language::En));
        assert_eq!(Language::default(), Language::En);
        for language in Language::ALL {
            assert_eq!(Language::parse(language.code()), Ok(*language));
        }
    }

    #[test]
    fn languages_have_codes_and_native_names() {
        let names: Vec<_> = Language::ALL.iter().map(|l| (l.code(), l.name())).collect();
        assert_eq!(
            names,
            [
                ("en", "English"),
                ("nl", "Nederlands"),
                ("fr", "Français"),
                ("de", "Deutsch"),
            ]
        );
        assert_eq!(Language::Nl.to_string(), "nl");
    }

    #[test]
    fn formality_parses_from_its_codes_only() {
        assert_eq!(Formality::default(), Formality::Formal);
        for formality in Formality::ALL {
            assert_eq!(Formality::parse(formality.code()), Ok(*formality));
        }
        assert_eq!(Formality::parse(" Informal "), Ok(Formality::Informal));
        for bad in ["", "u", "je", "informeel", "casual", "formal informal"] {
            assert_eq!(Formality::parse(bad), Err(FormalityError), "{bad}");
        }
    }

    #[test]
    fn unsupported_languages_are_refused() {
        for bad in ["", "es", "english", "n", "-nl", "nld"] {
            assert_eq!(Language::parse(bad), Err(LanguageError), "{bad}");
        }
    }
}
