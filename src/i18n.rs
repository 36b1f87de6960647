//! Customer-facing text in English, Dutch, French and German, from `locales/<lang>/main.ftl`
//! (Fluent). Admin pages are English.
//!
//! Texts address the customer formally ("u", "Sie") unless the merchant chose informal address:
//! then `locales/<lang>-informal/main.ftl` ("je", "du") is read first. It holds only the texts
//! whose wording differs; fluent_templates negotiates the tag `nl-informal` to the bundles
//! `nl-informal`, then `nl` (a plain `nl` never reaches `nl-informal`), so every other key falls
//! back to the formal file, and a language without such a file (English, French) is unchanged.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

use crate::domain::{Formality, Language};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments: they end up in emails and SMS.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A merchant's own text in `language` from a translations document
/// (`{"de": {"title": "..."}}`), or `None` when none was given: the caller shows the default.
pub fn translated(document: &str, language: Language, field: &str) -> Option<String> {
    let all: serde_json::Value = serde_json::from_str(document).ok()?;
    let text = all.get(language.code())?.get(field)?.as_str()?.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The translations document of `texts` (language, field, text); empty texts are left out.
pub fn translations(texts: &[(Language, &str, &str)]) -> String {
    let mut all = serde_json::Map::new();
    for (language, field, text) in texts {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let entry = all
            .entry(language.code().to_string())
            .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
        if let Some(fields) = entry.as_object_mut() {
            fields.insert((*field).to_string(), serde_json::Value::from(text));
        }
    }
    serde_json::Value::Object(all).to_string()
}

/// Texts in one language, with the arguments the page or message fills in.
#[derive(Clone)]
pub struct Texts {
    language: Language,
    id: LanguageIdentifier,
    args: HashMap<Cow<'static, str>, FluentValue<'static>>,
}

impl Texts {
    /// Texts in `language`, addressing the reader as `formality` says (a merchant's
    /// `Merchant::formality()`; formal where no merchant is known).
    pub fn new(language: Language, formality: Formality) -> Texts {
        let tag = match formality {
            Formality::Formal => language.code().to_string(),
            Formality::Informal => format!("{}-informal", language.code()),
        };
        let id = tag
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

    /// The text for `key` with the arguments given so far. An argument ending in a full stop
    /// (a legal name such as "Fietsabo B.V.") ends a sentence without a second one.
    pub fn get(&self, key: &str) -> String {
        let mut text = LOCALES.lookup_with_args(&self.id, key, &self.args);
        for value in self.args.values() {
            if let FluentValue::String(s) = value
                && s.ends_with('.')
            {
                let doubled = format!("{s}.");
                if text.contains(&doubled) {
                    text = text.replace(&doubled, s);
                }
            }
        }
        text
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
    // No text of an interval addresses anyone.
    Texts::new(language, Formality::Formal)
        .arg("unit", unit)
        .number("count", i64::from(interval.count()))
        .get("interval-every")
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

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
        let nl = Texts::new(Language::Nl, Formality::Formal).arg("creditor", "Fietsabo");
        assert_eq!(nl.get("mandate-title"), "Machtiging SEPA-incasso");
        assert!(
            nl.get("mandate-consent")
                .contains("toestemming aan Fietsabo")
        );
        let de = Texts::new(Language::De, Formality::Formal).arg("creditor", "Fietsabo");
        assert!(de.get("mandate-consent").contains("8 Wochen"));
        assert_eq!(
            Texts::new(Language::Fr, Formality::Formal).get("mandate-confirm"),
            "J'autorise ce mandat"
        );
    }

    #[test]
    fn a_name_ending_in_a_full_stop_ends_the_sentence_once() {
        for language in Language::ALL {
            for formality in Formality::ALL {
                let t = Texts::new(*language, *formality)
                    .arg("creditor", "Fietsabo B.V.")
                    .arg("email", "");
                for key in ["link-contact", "mandate-declined-text", "renew-not-needed"] {
                    let text = t.get(key);
                    assert!(text.contains("Fietsabo B.V."), "{key}: {text}");
                    assert!(!text.contains("B.V.."), "{key}: {text}");
                }
            }
        }
        let plain = Texts::new(Language::En, Formality::Formal).arg("creditor", "Fietsabo");
        assert!(
            plain
                .get("link-contact")
                .ends_with("Fietsabo for a new link.")
        );
    }

    /// Each message's text by key.
    type Messages = BTreeMap<String, String>;

    /// The messages of `locales/<dir>/main.ftl`, each with its whole text (indented lines of a
    /// message with variants included).
    fn messages(dir: &str) -> Messages {
        let path = format!("{}/locales/{dir}/main.ftl", env!("CARGO_MANIFEST_DIR"));
        let mut messages = BTreeMap::new();
        let mut current: Option<String> = None;
        for line in std::fs::read_to_string(path).unwrap().lines() {
            if line.starts_with([' ', '\t']) {
                if let Some(text) = current.as_ref().and_then(|key| messages.get_mut(key)) {
                    let text: &mut String = text;
                    text.push('\n');
                    text.push_str(line.trim());
                }
                continue;
            }
            current = None;
            if let Some((key, text)) = line.split_once(" =")
                && !key.is_empty()
                && key.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            {
                messages.insert(key.to_string(), text.trim().to_string());
                current = Some(key.to_string());
            }
        }
        messages
    }

    /// The names of the variables (`{ $name }`) a text uses.
    fn variables(text: &str) -> BTreeSet<String> {
        text.split('$')
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect()
    }

    /// The words of `text` that address the reader formally: Dutch "u" and "uw" (in any case);
    /// German "Sie", "Ihnen" and the forms of "Ihr", capitalised (lower case they are "she",
    /// "they" and "her"). At a sentence start a capital cannot tell "Sie" (you) from "Sie"
    /// (they); no informal text needs the latter there, so every capitalised one counts.
    fn formal_words(language: Language, text: &str) -> Vec<String> {
        let words = text.split(|c: char| !c.is_alphabetic());
        match language {
            Language::Nl => words
                .filter(|w| matches!(w.to_lowercase().as_str(), "u" | "uw" | "uzelf"))
                .map(str::to_string)
                .collect(),
            Language::De => words
                .filter(|w| {
                    matches!(
                        *w,
                        "Sie" | "Ihnen" | "Ihr" | "Ihre" | "Ihrem" | "Ihren" | "Ihrer" | "Ihres"
                    )
                })
                .map(str::to_string)
                .collect(),
            Language::En | Language::Fr => Vec::new(),
        }
    }

    /// The languages with informal texts, with their formal and informal messages.
    fn formal_and_informal() -> Vec<(Language, Messages, Messages)> {
        [Language::Nl, Language::De]
            .into_iter()
            .map(|l| {
                let code = l.code();
                (l, messages(code), messages(&format!("{code}-informal")))
            })
            .collect()
    }

    #[test]
    fn every_informal_text_replaces_a_formal_one_with_the_same_arguments() {
        for (language, formal, informal) in formal_and_informal() {
            assert!(informal.len() > 30, "{language}: {}", informal.len());
            for (key, text) in &informal {
                let original = formal
                    .get(key)
                    .unwrap_or_else(|| panic!("{language}-informal: {key} is not a formal text"));
                assert_eq!(
                    variables(text),
                    variables(original),
                    "{language}-informal: {key}"
                );
                assert_ne!(text, original, "{language}-informal: {key} reads the same");
            }
        }
    }

    #[test]
    fn informal_texts_never_address_the_reader_formally() {
        for (language, _, informal) in formal_and_informal() {
            for (key, text) in &informal {
                let formal = formal_words(language, text);
                assert!(
                    formal.is_empty(),
                    "{language}-informal: {key} says {formal:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn every_formal_address_has_an_informal_text() {
        for (language, formal, informal) in formal_and_informal() {
            let addressing: Vec<_> = formal
                .iter()
                .filter(|(_, text)| !formal_words(language, text).is_empty())
                .map(|(key, _)| key)
                .collect();
            // The check finds what it looks for.
            assert!(addressing.len() > 30, "{language}: {addressing:?}");
            let missing: Vec<_> = addressing
                .into_iter()
                .filter(|key| !informal.contains_key(*key))
                .collect();
            assert!(missing.is_empty(), "{language}-informal misses {missing:?}");
        }
    }

    /// Texts with every variable of every message filled in, so no lookup fails over to English.
    fn filled(language: Language, formality: Formality) -> Texts {
        let mut t = Texts::new(language, formality);
        for text in messages("en").values() {
            for name in variables(text) {
                t = t.arg(Box::leak(name.into_boxed_str()), "X");
            }
        }
        t
    }

    #[test]
    fn texts_address_the_customer_as_the_merchant_chose() {
        let informal = Texts::new(Language::Nl, Formality::Informal);
        assert_eq!(
            informal.get("signup-check-email-title"),
            "Kijk in je e-mail"
        );
        assert_eq!(
            Texts::new(Language::Nl, Formality::Formal).get("signup-check-email-title"),
            "Kijk in uw e-mail"
        );
        // A text that reads the same either way comes from the formal file.
        assert_eq!(informal.get("mandate-title"), "Machtiging SEPA-incasso");
        let de = Texts::new(Language::De, Formality::Informal).arg("creditor", "Fietsabo");
        assert!(
            filled(Language::De, Formality::Informal)
                .get("mandate-confirmed-text")
                .ends_with("Du erhältst eine Bestätigung.")
        );
        assert!(de.get("mandate-consent").contains("ermächtigst du"));
        assert_eq!(
            interval_every(Language::De, &Interval::parse("1 month").unwrap()),
            "monatlich"
        );

        for language in Language::ALL {
            let code = language.code();
            let overridden = match language {
                Language::Nl | Language::De => messages(&format!("{code}-informal")),
                Language::En | Language::Fr => BTreeMap::new(),
            };
            let (formal, informal) = (
                filled(*language, Formality::Formal),
                filled(*language, Formality::Informal),
            );
            for key in messages(code).keys() {
                let (f, i) = (formal.get(key), informal.get(key));
                assert!(!f.contains("Unknown localization key"), "{code}: {key}");
                if overridden.contains_key(key) {
                    // The formal text never reads the informal file, and the other way round.
                    assert_ne!(f, i, "{code}: {key}");
                    assert!(formal_words(*language, &i).is_empty(), "{code}: {key}: {i}");
                } else {
                    assert_eq!(f, i, "{code}: {key}");
                }
            }
        }
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

/// A date written out in `language`: "1 March 2027", "1 maart 2027", "1 mars 2027",
/// "1. März 2027".
pub fn long_date(language: Language, date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let months = match language {
        Language::En => {
            "January February March April May June July August September October November December"
        }
        Language::Nl => {
            "januari februari maart april mei juni juli augustus september oktober november december"
        }
        Language::Fr => {
            "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
        }
        Language::De => {
            "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"
        }
    };
    let month = months
        .split(' ')
        .nth(date.month0() as usize)
        .unwrap_or_default();
    let (day, year) = (date.day(), date.year());
    match language {
        Language::De => format!("{day}. {month} {year}"),
        Language::En | Language::Nl | Language::Fr => format!("{day} {month} {year}"),
    }
}

/// An amount of euro cents as `language` writes it: "€ 1,234.56" and "-€ 12.95" (en);
/// "€ 1.234,56" and "€ -12,95" (nl, de); "1 234,56 €" and "-12,95 €" (fr, where both spaces
/// are no-break spaces U+00A0 so that the amount never wraps).
pub fn money(language: Language, minor: i64) -> String {
    const NBSP: char = '\u{a0}';
    let (thousands, decimal) = match language {
        Language::En => (',', '.'),
        Language::Nl | Language::De => ('.', ','),
        Language::Fr => (NBSP, ','),
    };
    let sign = if minor < 0 { "-" } else { "" };
    let cents = minor.unsigned_abs();
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in units.chars().enumerate() {
        if i > 0 && (units.len() - i).is_multiple_of(3) {
            grouped.push(thousands);
        }
        grouped.push(digit);
    }
    let number = format!("{grouped}{decimal}{:02}", cents % 100);
    match language {
        Language::En => format!("{sign}€ {number}"),
        Language::Nl | Language::De => format!("€ {sign}{number}"),
        Language::Fr => format!("{sign}{number}{NBSP}€"),
    }
}

#[cfg(test)]
mod format_tests {
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn long_dates_read_as_each_language_writes_them() {
        let day = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        assert_eq!(long_date(Language::En, day), "1 March 2027");
        assert_eq!(long_date(Language::Nl, day), "1 maart 2027");
        assert_eq!(long_date(Language::Fr, day), "1 mars 2027");
        assert_eq!(long_date(Language::De, day), "1. März 2027");
        let last = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
        assert_eq!(long_date(Language::En, last), "31 December 2027");
        assert_eq!(
            long_date(Language::Fr, NaiveDate::from_ymd_opt(2027, 8, 15).unwrap()),
            "15 août 2027"
        );
    }

    #[test]
    fn money_uses_each_languages_separators_and_sign() {
        assert_eq!(money(Language::En, 123_456), "€ 1,234.56");
        assert_eq!(money(Language::Nl, 123_456), "€ 1.234,56");
        assert_eq!(money(Language::De, 123_456), "€ 1.234,56");
        assert_eq!(money(Language::Fr, 123_456), "1\u{a0}234,56\u{a0}€");
        assert_eq!(money(Language::En, -1295), "-€ 12.95");
        assert_eq!(money(Language::Nl, -1295), "€ -12,95");
        assert_eq!(money(Language::De, -123_456), "€ -1.234,56");
        assert_eq!(money(Language::Fr, -1295), "-12,95\u{a0}€");
        assert_eq!(money(Language::En, 0), "€ 0.00");
        assert_eq!(money(Language::En, 5), "€ 0.05");
        assert_eq!(money(Language::Nl, -1), "€ -0,01");
        assert_eq!(money(Language::En, 100_000), "€ 1,000.00");
        assert_eq!(money(Language::En, 99_999), "€ 999.99");
        assert_eq!(money(Language::Nl, 99_999_999_999), "€ 999.999.999,99");
        assert_eq!(
            money(Language::En, i64::MIN),
            "-€ 92,233,720,368,547,758.08"
        );
    }
}

/// The SEPA countries (and a few neighbours) by ISO code, named in en, nl, fr, de.
const COUNTRIES: &[(&str, [&str; 4])] = &[
    ("AD", ["Andorra", "Andorra", "Andorre", "Andorra"]),
    ("AL", ["Albania", "Albanië", "Albanie", "Albanien"]),
    ("AT", ["Austria", "Oostenrijk", "Autriche", "Österreich"]),
    ("BE", ["Belgium", "België", "Belgique", "Belgien"]),
    ("BG", ["Bulgaria", "Bulgarije", "Bulgarie", "Bulgarien"]),
    ("CH", ["Switzerland", "Zwitserland", "Suisse", "Schweiz"]),
    ("CY", ["Cyprus", "Cyprus", "Chypre", "Zypern"]),
    ("CZ", ["Czechia", "Tsjechië", "Tchéquie", "Tschechien"]),
    ("DE", ["Germany", "Duitsland", "Allemagne", "Deutschland"]),
    ("DK", ["Denmark", "Denemarken", "Danemark", "Dänemark"]),
    ("EE", ["Estonia", "Estland", "Estonie", "Estland"]),
    ("ES", ["Spain", "Spanje", "Espagne", "Spanien"]),
    ("FI", ["Finland", "Finland", "Finlande", "Finnland"]),
    ("FR", ["France", "Frankrijk", "France", "Frankreich"]),
    (
        "GB",
        [
            "United Kingdom",
            "Verenigd Koninkrijk",
            "Royaume-Uni",
            "Vereinigtes Königreich",
        ],
    ),
    ("GI", ["Gibraltar", "Gibraltar", "Gibraltar", "Gibraltar"]),
    ("GR", ["Greece", "Griekenland", "Grèce", "Griechenland"]),
    ("HR", ["Croatia", "Kroatië", "Croatie", "Kroatien"]),
    ("HU", ["Hungary", "Hongarije", "Hongrie", "Ungarn"]),
    ("IE", ["Ireland", "Ierland", "Irlande", "Irland"]),
    ("IS", ["Iceland", "IJsland", "Islande", "Island"]),
    ("IT", ["Italy", "Italië", "Italie", "Italien"]),
    (
        "LI",
        [
            "Liechtenstein",
            "Liechtenstein",
            "Liechtenstein",
            "Liechtenstein",
        ],
    ),
    ("LT", ["Lithuania", "Litouwen", "Lituanie", "Litauen"]),
    ("LU", ["Luxembourg", "Luxemburg", "Luxembourg", "Luxemburg"]),
    ("LV", ["Latvia", "Letland", "Lettonie", "Lettland"]),
    ("MC", ["Monaco", "Monaco", "Monaco", "Monaco"]),
    ("MD", ["Moldova", "Moldavië", "Moldavie", "Moldau"]),
    (
        "ME",
        ["Montenegro", "Montenegro", "Monténégro", "Montenegro"],
    ),
    (
        "MK",
        [
            "North Macedonia",
            "Noord-Macedonië",
            "Macédoine du Nord",
            "Nordmazedonien",
        ],
    ),
    ("MT", ["Malta", "Malta", "Malte", "Malta"]),
    (
        "NL",
        ["Netherlands", "Nederland", "Pays-Bas", "Niederlande"],
    ),
    ("NO", ["Norway", "Noorwegen", "Norvège", "Norwegen"]),
    ("PL", ["Poland", "Polen", "Pologne", "Polen"]),
    ("PT", ["Portugal", "Portugal", "Portugal", "Portugal"]),
    ("RO", ["Romania", "Roemenië", "Roumanie", "Rumänien"]),
    ("RS", ["Serbia", "Servië", "Serbie", "Serbien"]),
    ("SE", ["Sweden", "Zweden", "Suède", "Schweden"]),
    ("SI", ["Slovenia", "Slovenië", "Slovénie", "Slowenien"]),
    ("SK", ["Slovakia", "Slowakije", "Slovaquie", "Slowakei"]),
    (
        "SM",
        ["San Marino", "San Marino", "Saint-Marin", "San Marino"],
    ),
    (
        "US",
        [
            "United States",
            "Verenigde Staten",
            "États-Unis",
            "Vereinigte Staaten",
        ],
    ),
    (
        "VA",
        ["Vatican City", "Vaticaanstad", "Vatican", "Vatikanstadt"],
    ),
];

/// A country's name in `language` for its ISO 3166 code ("NL" → "Nederland"); the code itself
/// for a country outside the list.
pub fn country_name(language: Language, code: &str) -> String {
    let code = code.trim();
    let column = match language {
        Language::En => 0,
        Language::Nl => 1,
        Language::Fr => 2,
        Language::De => 3,
    };
    COUNTRIES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, names)| names[column].to_string())
        .unwrap_or_else(|| code.to_string())
}

#[cfg(test)]
mod country_tests {
    use super::*;

    #[test]
    fn countries_are_named_in_the_readers_language() {
        assert_eq!(country_name(Language::Nl, "NL"), "Nederland");
        assert_eq!(country_name(Language::Fr, "be"), "Belgique");
        assert_eq!(country_name(Language::De, "NL"), "Niederlande");
        assert_eq!(country_name(Language::En, "DE"), "Germany");
        assert_eq!(country_name(Language::Nl, "JP"), "JP");
        assert_eq!(country_name(Language::En, ""), "");
        // Every SEPA country code is one of the codes Abbo accepts.
        for (code, _) in COUNTRIES {
            assert!(
                crate::domain::country::CountryCode::parse(code).is_ok(),
                "{code}"
            );
        }
    }
}
