//! What mandate pages and messages say: the customer's language, the creditor's name, the texts
//! with their arguments, and the merchant's look for emails.

use crate::domain::{Iban, Interval, Language, Money};
use crate::i18n::{Texts, interval_every};
use crate::notify::compose;
use crate::store::Db;
use crate::store::customers::Customer;
use crate::store::mandates::Mandate;
use crate::store::merchants::{self, Merchant};
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
                Money::from_minor(s.amount_minor).format_eur(),
                interval,
            )
        })
        .unwrap_or_default();
    // The first collection as the billing run will make it: the first period's first day, no
    // earlier than today plus the notice lead, on a business day.
    let earliest =
        merchant.today() + chrono::Duration::days(i64::from(merchant.notice_lead_days.max(0)));
    let first_date = subscription
        .and_then(|s| crate::services::billing::plan(s, &[])?.period(0))
        .map(|p| {
            crate::i18n::long_date(
                language,
                crate::domain::schedule::collection_date(p.start, earliest),
            )
        })
        .unwrap_or_default();
    Texts::new(language)
        .arg("first_date", first_date)
        .arg("creditor", creditor_name(merchant))
        .arg("name", customer.display_name())
        .arg("iban", iban)
        .arg("reference", mandate.reference.clone())
        .arg("product", product)
        .arg("amount", amount)
        .arg("interval", interval)
        .arg("email", merchant.contact_email.clone())
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
pub(super) async fn branding(
    db: &Db,
    merchant: &Merchant,
    base_url: &str,
) -> anyhow::Result<compose::Branding> {
    let logo_url = merchants::logo_version(db, &merchant.id)
        .await?
        .map(|at| format!("{base_url}/media/logo/{}?v={}", merchant.id, at.timestamp()));
    Ok(compose::Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url,
    })
}
