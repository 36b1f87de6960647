//! The bank account a customer enters on a mandate page: with a link sent without one, and
//! for a new mandate after the bank could not use the old one.

use crate::domain::fields::FieldErrors;
use crate::domain::{Bic, Iban};
use crate::i18n::Texts;

/// The account as the customer typed it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AccountAnswers {
    pub iban: String,
    pub account_holder: String,
    pub consent: Option<String>,
}

/// The account, checked.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub iban: Iban,
    pub bic: Option<Bic>,
    pub account_holder: String,
}

/// Checks the IBAN and the holder's name as every form does, adding a message in the customer's
/// language to `errors` for each field that is wrong.
pub fn parse(answers: &AccountAnswers, t: &Texts, errors: &mut FieldErrors) -> Option<NewAccount> {
    let iban = match Iban::parse(&answers.iban) {
        Ok(iban) => Some(iban),
        Err(_) => {
            errors.add("iban", t.get("error-iban"));
            None
        }
    };
    let account_holder = answers.account_holder.trim().to_string();
    if account_holder.is_empty() {
        errors.add("account_holder", t.get("error-required"));
        return None;
    }
    if account_holder.chars().count() > 70 {
        errors.add(
            "account_holder",
            t.clone().number("max", 70).get("field-too-long"),
        );
        return None;
    }
    Some(NewAccount {
        iban: iban?,
        bic: None,
        account_holder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;

    #[test]
    fn the_iban_and_the_holder_are_checked_with_messages_in_the_customers_language() {
        let t = Texts::new(Language::Nl, crate::domain::Formality::default());
        let mut errors = FieldErrors::default();
        let answers = AccountAnswers {
            iban: "NL91 ABNA 0417 1643 00".into(),
            account_holder: " J. de Vries ".into(),
            consent: None,
        };
        let account = parse(&answers, &t, &mut errors).unwrap();
        assert_eq!(account.iban.to_string(), "NL91ABNA0417164300");
        assert_eq!(account.account_holder, "J. de Vries");
        assert!(errors.is_empty());
        let bad = AccountAnswers {
            iban: "NL00ABNA0417164300".into(),
            account_holder: String::new(),
            consent: None,
        };
        assert!(parse(&bad, &t, &mut errors).is_none());
        assert_eq!(errors.get("iban"), Some(t.get("error-iban").as_str()));
        assert!(errors.get("account_holder").is_some());
    }
}
