//! The checks of one row: the customer form's rules, the mandate, the product, and duplicates
//! against the merchant's data and earlier rows of the same file.

use std::collections::{HashMap, HashSet};

use anyhow::Context;
use chrono::NaiveDate;

use super::{ImportRecord, MANDATE_FIELDS, MandateRecord, columns};
use crate::domain::{Bic, CountryCode, Iban, MandateReference, PhoneNumber};
use crate::services::customers::CustomerInput;
use crate::store::customers::NewCustomer;
use crate::store::imports::{self as import_store};
use crate::store::products::{self, Product};
use crate::store::{Db, merchants};

/// The date formats found in files: ISO, day first with `-` `/` `.`, and Excel serial numbers.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(serial) = s.parse::<i64>() {
        // Excel counts days from 1899-12-30; only plausible dates (1954-2119) are taken.
        return (20_000..=80_000)
            .contains(&serial)
            .then(|| NaiveDate::from_ymd_opt(1899, 12, 30))
            .flatten()
            .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(serial)));
    }
    let date_part = if s.len() > 10 && s.is_char_boundary(10) {
        &s[..10]
    } else {
        s
    };
    ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(date_part, f).ok())
        .and_then(|d| crate::domain::date::in_range(d).ok())
}

/// Payment method words in four languages.
fn payment_method(s: &str) -> Option<&'static str> {
    match s.trim().to_lowercase().as_str() {
        ""
        | "direct_debit"
        | "direct debit"
        | "directdebit"
        | "sepa"
        | "incasso"
        | "automatische incasso"
        | "prelevement"
        | "prélèvement"
        | "lastschrift" => Some("direct_debit"),
        "manual" | "handmatig" | "factuur" | "invoice" | "overboeking" | "virement" | "manuel"
        | "manuelle" | "überweisung" | "ueberweisung" | "rechnung" => Some("manual"),
        _ => None,
    }
}

/// Yes/no words in four languages; `None` when not understood.
fn yes_no(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "ja" | "j" | "oui" | "on" | "x" | "wahr" => Some(true),
        "no" | "n" | "false" | "0" | "nee" | "non" | "nein" | "off" | "onwaar" | "falsch" => {
            Some(false)
        }
        _ => None,
    }
}

/// Checks rows against the merchant's data and against earlier rows of the same file.
pub(super) struct Checker {
    merchant_name: String,
    default_country: String,
    today: NaiveDate,
    by_reference: HashMap<String, String>,
    by_email: HashMap<String, String>,
    /// Mandate reference -> (customer id, mandate id).
    mandates: HashMap<String, (String, String)>,
    subscriptions: HashSet<(String, String)>,
    products_by_id: HashMap<String, Product>,
    products_by_name: HashMap<String, Product>,
    /// Keys already seen in the file -> their line.
    seen: HashMap<String, i64>,
}

impl Checker {
    pub(super) async fn load(
        db: &Db,
        merchant_id: &str,
        today: NaiveDate,
    ) -> anyhow::Result<Checker> {
        let merchant = merchants::get(db, merchant_id).await?.context("merchant")?;
        let mut checker = Checker {
            default_country: if merchant.country.is_empty() {
                "NL".into()
            } else {
                merchant.country.clone()
            },
            merchant_name: merchant.name,
            today,
            by_reference: HashMap::new(),
            by_email: HashMap::new(),
            mandates: HashMap::new(),
            subscriptions: import_store::subscription_keys(db, merchant_id)
                .await?
                .into_iter()
                .collect(),
            products_by_id: HashMap::new(),
            products_by_name: HashMap::new(),
            seen: HashMap::new(),
        };
        for key in import_store::customer_keys(db, merchant_id).await? {
            if let Some(reference) = key.reference {
                checker
                    .by_reference
                    .insert(reference.to_lowercase(), key.id.clone());
            }
            if !key.email.is_empty() {
                checker.by_email.insert(key.email.to_lowercase(), key.id);
            }
        }
        for (reference, customer_id, mandate_id) in
            import_store::mandate_keys(db, merchant_id).await?
        {
            checker
                .mandates
                .insert(reference, (customer_id, mandate_id));
        }
        for row in products::list(db, merchant_id).await? {
            if let Some(product) = products::get(db, merchant_id, &row.id).await? {
                // Active products first, so a name shared with an archived one finds the active one.
                let name = product.name.trim().to_lowercase();
                if product.active || !checker.products_by_name.contains_key(&name) {
                    checker.products_by_name.insert(name, product.clone());
                }
                checker.products_by_id.insert(product.id.clone(), product);
            }
        }
        Ok(checker)
    }

    /// The record of a good row, or every reason it is rejected.
    pub(super) fn check(
        &mut self,
        line: i64,
        cells: &[String],
        mapping: &[String],
    ) -> Result<ImportRecord, Vec<String>> {
        let get = |key: &str| -> String {
            mapping
                .iter()
                .position(|k| k == key)
                .and_then(|i| cells.get(i))
                .map(|c| c.trim().to_string())
                .unwrap_or_default()
        };
        let mut reasons = Vec::new();
        let label = |key: &str| columns::field(key).map_or(key.to_string(), |f| f.label.into());
        // A mapped cell with a control character (a NUL byte of a binary file, a stray tab)
        // cannot be stored, nor written into a SEPA file.
        for (key, cell) in mapping.iter().zip(cells) {
            if !key.is_empty() && cell.trim().chars().any(|c| c.is_control()) {
                reasons.push(format!("{}: holds a control character", label(key)));
            }
        }
        let billing = get("automatic_billing");
        let automatic_billing = if billing.is_empty() {
            true
        } else {
            yes_no(&billing).unwrap_or_else(|| {
                reasons.push(format!(
                    "{}: \"{billing}\" is not yes or no",
                    label("automatic_billing")
                ));
                true
            })
        };
        let method_text = get("payment_method");
        let method = payment_method(&method_text).unwrap_or_else(|| {
            reasons.push(format!(
                "{}: \"{method_text}\" is not direct debit or manual",
                label("payment_method")
            ));
            "direct_debit"
        });
        // Excel stores a phone number typed without quotes as a number: its leading 0 or + is
        // gone. The customer's country (else the merchant's) tells which one it was.
        let country = get("country");
        let phone_country = CountryCode::parse(&country)
            .map_or_else(|_| self.default_country.clone(), |c| c.to_string());
        let input = CustomerInput {
            first_name: get("first_name"),
            last_name: get("last_name"),
            company: get("company"),
            reference: get("reference"),
            email: get("email"),
            phone: PhoneNumber::repair_spreadsheet_number(&get("phone"), &phone_country),
            street: get("street"),
            postal_code: get("postal_code"),
            city: get("city"),
            country,
            language: get("language").to_lowercase(),
            automatic_billing: automatic_billing.then(|| "on".into()),
            payment_method: method.into(),
            vat_number: String::new(),
        };
        let mut customer = match input.parse(&self.default_country) {
            Ok(customer) => Some(customer),
            Err(problems) => {
                for (field, message) in problems {
                    reasons.push(format!("{}: {message}", label(field)));
                }
                None
            }
        };
        // Duplicates inside the file, then a match with a stored customer.
        let mut keys = Vec::new();
        if let Some(c) = &customer {
            if let Some(reference) = &c.reference {
                keys.push(("reference", format!("ref:{}", reference.to_lowercase())));
            }
            if !c.email.is_empty() {
                keys.push(("email", format!("email:{}", c.email.to_lowercase())));
            }
        }
        for (what, key) in &keys {
            if let Some(first) = self.seen.get(key) {
                reasons.push(format!(
                    "Duplicate in the file: line {first} has the same {}",
                    label(what).to_lowercase()
                ));
            }
        }
        if let Some(c) = customer.as_mut() {
            let by_reference = c
                .reference
                .as_ref()
                .and_then(|r| self.by_reference.get(&r.to_lowercase()));
            let by_email = (!c.email.is_empty())
                .then(|| self.by_email.get(&c.email.to_lowercase()))
                .flatten();
            match (by_reference, by_email) {
                (Some(a), Some(b)) if a != b => reasons.push(
                    "The reference matches one customer and the email another: fix one of them"
                        .into(),
                ),
                (Some(id), _) | (None, Some(id)) => c.id = id.clone(),
                (None, None) => {}
            }
        }
        let since_text = get("customer_since");
        let customer_since = if since_text.is_empty() {
            None
        } else {
            self.past_date(&since_text, &label("customer_since"), &mut reasons)
        };
        let mandate = self.check_mandate(&get, customer.as_ref(), &mut reasons, &label);
        let mandate_given = MANDATE_FIELDS.iter().any(|k| !get(k).is_empty());
        let product_text = get("product");
        let mut subscription = None;
        if !product_text.is_empty() {
            let product = self
                .products_by_id
                .get(&product_text)
                .or_else(|| self.products_by_name.get(&product_text.to_lowercase()));
            match product {
                None => reasons.push(format!("Unknown product \"{product_text}\"")),
                Some(p) if !p.active => {
                    reasons.push(format!("The product \"{}\" is archived", p.name))
                }
                Some(p) => {
                    let start_text = get("start_date");
                    let start = if start_text.is_empty() {
                        Some(self.today)
                    } else {
                        parse_date(&start_text)
                    };
                    match start {
                        None => reasons.push(format!(
                            "{}: \"{start_text}\" is not a date like 2026-12-01 or 01-12-2026",
                            label("start_date")
                        )),
                        Some(_) if mandate.is_none() && !mandate_given => reasons.push(
                            "A subscription needs a mandate: fill in the IBAN and the signature date"
                                .into(),
                        ),
                        Some(start) => {
                            let existing = customer.as_ref().is_some_and(|c| {
                                self.subscriptions.contains(&(c.id.clone(), p.id.clone()))
                            });
                            // A customer who already has this product keeps their subscription.
                            if !existing {
                                subscription = Some((p.id.clone(), start));
                            }
                        }
                    }
                }
            }
        }
        match customer {
            Some(customer) if reasons.is_empty() => {
                for (_, key) in keys {
                    self.seen.insert(key, line);
                }
                if let Some(m) = &mandate {
                    self.seen.insert(format!("mandate:{}", m.reference), line);
                }
                Ok(ImportRecord {
                    customer,
                    customer_since,
                    keep_billing: billing.is_empty() && method_text.is_empty(),
                    mandate,
                    subscription,
                })
            }
            _ => Err(reasons),
        }
    }

    /// The date of a cell that cannot lie ahead (a signature, "customer since"); `None` with the
    /// reason added when it is no date or in the future.
    fn past_date(&self, text: &str, label: &str, reasons: &mut Vec<String>) -> Option<NaiveDate> {
        match parse_date(text) {
            Some(d) if d > self.today => {
                reasons.push(format!("{label}: {d} is in the future"));
                None
            }
            Some(d) => Some(d),
            None => {
                reasons.push(format!(
                    "{label}: \"{text}\" is not a date like 2026-12-01 or 01-12-2026"
                ));
                None
            }
        }
    }

    /// The mandate columns of a row, when any is filled in.
    fn check_mandate(
        &self,
        get: &dyn Fn(&str) -> String,
        customer: Option<&NewCustomer>,
        reasons: &mut Vec<String>,
        label: &dyn Fn(&str) -> String,
    ) -> Option<MandateRecord> {
        let (reference, signed, iban, bic, holder) = (
            get("mandate_reference"),
            get("signed_on"),
            get("iban"),
            get("bic"),
            get("account_holder"),
        );
        if !MANDATE_FIELDS.iter().any(|k| !get(k).is_empty()) {
            return None;
        }
        let before = reasons.len();
        let iban = Iban::parse(&iban)
            .map_err(|e| reasons.push(format!("{}: {e}", label("iban"))))
            .ok();
        let bic = if bic.is_empty() {
            None
        } else {
            Bic::parse(&bic)
                .map_err(|e| reasons.push(format!("{}: {e}", label("bic"))))
                .ok()
        };
        let signed_on = self.past_date(&signed, &label("signed_on"), reasons);
        let reference = if reference.is_empty() {
            Some(MandateReference::generate(&self.merchant_name))
        } else {
            MandateReference::parse(&reference)
                .map_err(|e| reasons.push(format!("{}: {e}", label("mandate_reference"))))
                .ok()
        };
        let mut existing_id = None;
        if let Some(r) = &reference {
            if let Some(first) = self.seen.get(&format!("mandate:{}", r.as_str())) {
                reasons.push(format!(
                    "Duplicate in the file: line {first} has the same mandate reference"
                ));
            }
            if let Some((customer_id, mandate_id)) = self.mandates.get(r.as_str()) {
                match customer {
                    Some(c) if !c.id.is_empty() && &c.id == customer_id => {
                        existing_id = Some(mandate_id.clone())
                    }
                    _ => reasons.push(format!(
                        "{}: {} is already used by another customer",
                        label("mandate_reference"),
                        r.as_str()
                    )),
                }
            }
        }
        if reasons.len() > before {
            return None;
        }
        let holder = if holder.is_empty() {
            customer.map(|c| {
                let name = format!("{} {}", c.first_name, c.last_name);
                if name.trim().is_empty() {
                    c.company.clone()
                } else {
                    name.trim().to_string()
                }
            })?
        } else {
            holder.chars().take(70).collect()
        };
        Some(MandateRecord {
            existing_id,
            reference: reference?.to_string(),
            iban: iban?.to_string(),
            bic: bic.map(|b| b.to_string()),
            account_holder: holder,
            signed_on: signed_on?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_several_formats_and_excel_serials() {
        let d = NaiveDate::from_ymd_opt(2025, 1, 15);
        assert_eq!(parse_date("2025-01-15"), d);
        assert_eq!(parse_date("15-01-2025"), d);
        assert_eq!(parse_date("15/01/2025"), d);
        assert_eq!(parse_date("15.01.2025"), d);
        assert_eq!(parse_date("2025-01-15 00:00:00"), d);
        assert_eq!(parse_date("45672"), d);
        assert_eq!(parse_date("31-02-2025"), None);
        assert_eq!(parse_date("12"), None);
        assert_eq!(parse_date("soon"), None);
    }
}
