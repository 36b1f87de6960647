//! Customer-facing text in English, Dutch, French and German, from `locales/<lang>/main.ftl`
//! (Fluent). Admin pages are English.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

use crate::domain::Language;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they end up in emails and SMS.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// Texts in one language, with the arguments the page or message fills in.
#[derive(Clone)]
pub struct Texts {
    language: Language,
    id: LanguageIdentifier,
    args: HashMap<Cow<'static, str>, FluentValue<'static>>,
}

impl Texts {
    /// Texts in `language`.
    pub fn new(language: Language) -> Texts {
        let id = language
            .code()
            .parse()
            .unwrap_or_else(|_| fluent_templates::langid!("en"));
        Texts {
            language,
            id,
            args: HashMap::new(),
        }
    }

    /// Adds an argument every text can use, such as `creditor`.
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Texts {
        self.args
            .insert(Cow::Borrowed(name), FluentValue::from(value.into()));
        self
    }

    /// Adds a numeric argument (for plural rules).
    pub fn number(mut self, name: &'static str, value: i64) -> Texts {
        self.args
            .insert(Cow::Borrowed(name), FluentValue::from(value));
        self
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The text for `key` with the arguments given so far.
    pub fn get(&self, key: &str) -> String {
        LOCALES.lookup_with_args(&self.id, key, &self.args)
    }
}

/// "every month", "elke 2 maanden", … for an interval.
pub fn interval_every(language: Language, interval: &crate::domain::Interval) -> String {
    use crate::domain::IntervalUnit;
    let unit = match interval.unit() {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
        IntervalUnit::Year => "year",
    };
    Texts::new(language)
        .arg("unit", unit)
        .number("count", i64::from(interval.count()))
        .get("interval-every")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::Interval;

    fn keys(language: &str) -> BTreeSet<String> {
        let path = format!("{}/locales/{language}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter_map(|line| line.split_once(" ="))
            .map(|(key, _)| key.to_string())
            .filter(|key| {
                key.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !key.is_empty()
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_key() {
        let english = keys("en");
        assert!(english.len() > 30, "{english:?}");
        for language in Language::ALL {
            let theirs = keys(language.code());
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{}: missing {missing:?}, extra {extra:?}",
                language.code()
            );
        }
    }

    #[test]
    fn texts_fill_in_arguments_per_language() {
        let nl = Texts::new(Language::Nl).arg("creditor", "Fietsabo");
        assert_eq!(nl.get("mandate-title"), "Machtiging SEPA-incasso");
        assert!(
            nl.get("mandate-consent")
                .contains("toestemming aan Fietsabo")
        );
        let de = Texts::new(Language::De).arg("creditor", "Fietsabo");
        assert!(de.get("mandate-consent").contains("8 Wochen"));
        assert_eq!(
            Texts::new(Language::Fr).get("mandate-confirm"),
            "J'autorise ce mandat"
        );
    }

    #[test]
    fn intervals_read_naturally() {
        let monthly = Interval::parse("1 month").unwrap();
        let two_months = Interval::parse("2 months").unwrap();
        let fortnight = Interval::parse("14 days").unwrap();
        assert_eq!(interval_every(Language::En, &monthly), "every month");
        assert_eq!(interval_every(Language::En, &fortnight), "every 14 days");
        assert_eq!(interval_every(Language::Nl, &two_months), "elke 2 maanden");
        assert_eq!(interval_every(Language::De, &monthly), "monatlich");
        assert_eq!(
            interval_every(Language::Fr, &Interval::parse("1 year").unwrap()),
            "par an"
        );
    }
}
