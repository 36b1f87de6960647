//! What mandate pages and messages say: the customer's language, the creditor's name, the texts
//! with their arguments, and the merchant's look for emails.

use crate::domain::{Iban, Interval, Language};
use crate::i18n::{Texts, interval_every, long_date, money};
use crate::notify::compose;
use crate::services::billing;
use crate::store::customers::Customer;
use crate::store::mandates::Mandate;
use crate::store::merchants::Merchant;
use crate::store::subscriptions::Subscription;

/// The language a customer reads: their own, else the merchant's default.
pub fn language_of(customer: &Customer, merchant: &Merchant) -> Language {
    customer
        .language
        .as_deref()
        .and_then(|l| Language::parse(l).ok())
        .or_else(|| Language::parse(&merchant.default_language).ok())
        .unwrap_or_default()
}

/// The texts of mandate pages and messages with every argument they use filled in.
pub fn mandate_texts(
    language: Language,
    merchant: &Merchant,
    mandate: &Mandate,
    customer: &Customer,
    subscription: Option<&Subscription>,
) -> Texts {
    let iban = Iban::parse(&mandate.iban)
        .map(|i| i.masked())
        .unwrap_or_default();
    let (product, amount, interval) = subscription
        .map(|s| {
            let interval = Interval::parse(&s.billing_interval)
                .map(|i| interval_every(language, &i))
                .unwrap_or_default();
            (
                s.description.clone(),
                money(language, s.amount_minor),
                interval,
            )
        })
        .unwrap_or_default();
    Texts::new(language, merchant.formality())
        .arg("creditor", creditor_name(merchant))
        .arg("name", customer.display_name())
        .arg("iban", iban)
        .arg("reference", mandate.reference.clone())
        .arg("product", product)
        .arg("amount", amount)
        .arg("interval", interval)
        .arg("email", merchant.contact_email.clone())
}

/// "Starts on …. The first collection of … is on …, then … every month.": what a subscription
/// starting on `start` (charged from `billing_from`) will have debited when, in `language`, as
/// the billing run will make it from today. With `first_paid`, the first period was paid online
/// and the collections start with the second.
pub fn schedule_text(
    language: Language,
    merchant: &Merchant,
    billing_interval: &str,
    start: chrono::NaiveDate,
    billing_from: chrono::NaiveDate,
    amount_minor: i64,
    first_paid: bool,
) -> Option<String> {
    let interval = Interval::parse(billing_interval).ok()?;
    let from = if first_paid {
        interval.charge_date(start, 1)?.max(billing_from)
    } else {
        billing_from
    };
    let earliest = billing::earliest_collection(merchant);
    let first = billing::first_charge(&interval, start, from, amount_minor, earliest)?;
    Some(
        Texts::new(language, merchant.formality())
            .arg("start", long_date(language, start))
            .arg("first_date", long_date(language, first.collection_date))
            .arg("amount", money(language, amount_minor))
            .arg("interval", interval_every(language, &interval))
            .get("collection-schedule"),
    )
}

/// A stored subscription's schedule (`schedule_text`).
pub fn subscription_schedule(
    language: Language,
    merchant: &Merchant,
    s: &Subscription,
    first_paid: bool,
) -> Option<String> {
    schedule_text(
        language,
        merchant,
        &s.billing_interval,
        s.start_date,
        s.billing_from.unwrap_or(s.start_date),
        s.amount_minor,
        first_paid,
    )
}

/// The name mandates carry: the legal name when set.
pub fn creditor_name(merchant: &Merchant) -> String {
    if merchant.legal_name.trim().is_empty() {
        merchant.name.clone()
    } else {
        merchant.legal_name.clone()
    }
}

/// The merchant's look for emails, with an absolute logo URL when a logo was uploaded.
pub(crate) fn branding(merchant: &Merchant, base_url: &str) -> compose::Branding {
    compose::Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url: merchant.logo_path().map(|path| format!("{base_url}{path}")),
    }
}
