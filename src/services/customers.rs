//! Customers entered by staff: create and edit, with duplicates explained.

use anyhow::Context;

use crate::domain::email::EmailError;
use crate::domain::fields::FieldErrors;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::phone::PhoneError;
use crate::domain::{CountryCode, EmailAddress, Formality, Language, PhoneNumber};
use crate::i18n::Texts;
use crate::store::activity::Actor;
use crate::store::activity::{self, NewActivity};
use crate::store::customers::{self, Customer, NewCustomer};
use crate::store::{self, Db};

/// A customer's fields as typed in the form or read from an import file, not yet checked.
#[derive(Debug, Clone, serde::Deserialize, Default)]
#[serde(default)]
pub struct CustomerInput {
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub reference: String,
    pub email: String,
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub language: String,
    pub automatic_billing: Option<String>,
    pub payment_method: String,
    /// VAT identification number (optional), printed on invoices.
    pub vat_number: String,
}

impl CustomerInput {
    /// Checks every field, with messages in English (the admin, the API and imports);
    /// `default_country` completes national phone numbers.
    pub fn parse(&self, default_country: &str) -> Result<NewCustomer, FieldErrors> {
        self.parse_in(
            default_country,
            &Texts::new(Language::En, Formality::Formal),
        )
    }

    /// Checks every field, with messages from `t` (the customer's language on the sign-up page).
    pub fn parse_in(&self, default_country: &str, t: &Texts) -> Result<NewCustomer, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = |errors: &mut FieldErrors, field: &'static str, value: &str, max: usize| {
            let value = value.trim();
            if value.chars().count() > max {
                let max = i64::try_from(max).unwrap_or(i64::MAX);
                errors.add(field, t.clone().number("max", max).get("field-too-long"));
            }
            value.to_string()
        };
        let first_name = text(&mut errors, "first_name", &self.first_name, 70);
        let last_name = text(&mut errors, "last_name", &self.last_name, 70);
        let company = text(&mut errors, "company", &self.company, 70);
        if last_name.is_empty() && company.is_empty() {
            errors.add("last_name", t.get("customer-name-missing"));
        }
        let reference = text(&mut errors, "reference", &self.reference, 35);
        let email = if self.email.trim().is_empty() {
            String::new()
        } else {
            match EmailAddress::parse(&self.email) {
                Ok(e) => e.to_string(),
                Err(e) => {
                    errors.add("email", t.get(email_message(&e)));
                    String::new()
                }
            }
        };
        let country = if self.country.trim().is_empty() {
            String::new()
        } else {
            match CountryCode::parse(&self.country) {
                Ok(c) => c.to_string(),
                Err(_) => {
                    errors.add("country", t.get("country-invalid"));
                    String::new()
                }
            }
        };
        let phone_country = if country.is_empty() {
            default_country
        } else {
            country.as_str()
        };
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            match PhoneNumber::parse(&self.phone, phone_country) {
                Ok(p) => p.to_string(),
                Err(e) => {
                    errors.add("phone", t.get(phone_message(&e)));
                    String::new()
                }
            }
        };
        let language = if self.language.is_empty() {
            None
        } else {
            match Language::parse(&self.language) {
                Ok(l) => Some(l.code().to_string()),
                Err(_) => {
                    errors.add("language", t.get("language-invalid"));
                    None
                }
            }
        };
        let payment_method = match self.payment_method.as_str() {
            "direct_debit" | "manual" => self.payment_method.clone(),
            _ => {
                errors.add("payment_method", t.get("payment-method-invalid"));
                String::new()
            }
        };
        let vat_number = match crate::domain::invoice::vat_number(&self.vat_number) {
            Ok(v) => v,
            Err(e) => {
                errors.add("vat_number", e.to_string());
                String::new()
            }
        };
        let customer = NewCustomer {
            vat_number,
            reference: Some(reference).filter(|r| !r.is_empty()),
            first_name,
            last_name,
            company,
            email,
            phone,
            street: text(&mut errors, "street", &self.street, 70),
            postal_code: text(&mut errors, "postal_code", &self.postal_code, 16),
            city: text(&mut errors, "city", &self.city, 35),
            country,
            language,
            automatic_billing: self.automatic_billing.is_some(),
            payment_method,
            ..NewCustomer::default()
        };
        if errors.is_empty() {
            Ok(customer)
        } else {
            Err(errors)
        }
    }
}

/// The message key of a refused email address.
fn email_message(e: &EmailError) -> &'static str {
    match e {
        EmailError::Empty => "email-empty",
        EmailError::Invalid => "error-email",
        EmailError::TooLong => "email-too-long",
    }
}

/// The message key of a refused phone number.
fn phone_message(e: &PhoneError) -> &'static str {
    match e {
        PhoneError::Empty => "error-required",
        PhoneError::Invalid => "phone-invalid",
        PhoneError::CountryUnknown => "phone-country-unknown",
    }
}

impl CustomerInput {
    /// An empty form: billed automatically by direct debit.
    pub fn blank() -> CustomerInput {
        CustomerInput {
            automatic_billing: Some("on".into()),
            payment_method: "direct_debit".into(),
            ..CustomerInput::default()
        }
    }
}

impl From<&Customer> for CustomerInput {
    fn from(c: &Customer) -> CustomerInput {
        CustomerInput {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            company: c.company.clone(),
            reference: c.reference.clone().unwrap_or_default(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            street: c.street.clone(),
            postal_code: c.postal_code.clone(),
            city: c.city.clone(),
            country: c.country.clone(),
            language: c.language.clone().unwrap_or_default(),
            automatic_billing: c.automatic_billing.then(|| "on".into()),
            payment_method: c.payment_method.clone(),
            vat_number: c.vat_number.clone(),
        }
    }
}

/// Parses `input` for the merchant (whose country completes national phone numbers) and refuses
/// an email another customer than `except_id` already has.
pub async fn check(
    db: &Db,
    merchant_id: &str,
    input: &CustomerInput,
    except_id: &str,
) -> anyhow::Result<Result<NewCustomer, FieldErrors>> {
    let merchant = crate::store::merchants::get(db, merchant_id)
        .await?
        .context("the merchant")?;
    let default_country = if merchant.country.is_empty() {
        "NL"
    } else {
        merchant.country.as_str()
    };
    let mut parsed = input.parse(default_country);
    if let Ok(customer) = &parsed
        && !customer.email.is_empty()
        && let Some(other) =
            customers::with_email(db, merchant_id, &customer.email, except_id).await?
    {
        let mut errors = FieldErrors::default();
        errors.add(
            "email",
            format!("{} already uses this email address", other.display_name()),
        );
        parsed = Err(errors);
    }
    Ok(parsed)
}

/// Why a customer could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum CustomerError {
    #[error("That customer does not exist")]
    NotFound,
    #[error("Another customer already has this reference")]
    ReferenceTaken,
    #[error("Another customer already uses this email address")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// What a failed insert or update of a customer means: a taken reference or email (a race the
/// form's check lost), or a failure.
fn refused(e: sqlx::Error, doing: &'static str) -> CustomerError {
    if store::violates(&e, "customers_email_key", "email_key") {
        CustomerError::EmailTaken
    } else if store::is_unique_violation(&e) {
        CustomerError::ReferenceTaken
    } else {
        anyhow::Error::new(e).context(doing).into()
    }
}

/// Creates a customer (its id and merchant are set here); returns the id.
pub async fn create(
    db: &Db,
    actor: &dyn Actor,
    mut customer: NewCustomer,
) -> Result<String, CustomerError> {
    customer.id = new_id(IdPrefix::Customer);
    customer.merchant_id = actor.merchant_id().to_string();
    let now = store::now();
    let mut tx = db.begin().await?;
    match customers::insert(&mut tx, &customer, now).await {
        Ok(()) => {}
        Err(e) => return Err(refused(e, "inserting a customer")),
    }
    let name = format!("{} {}", customer.first_name, customer.last_name)
        .trim()
        .to_string();
    let entry = NewActivity::by(actor, "customer", &customer.id, "customer.created", name);
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(customer.id)
}

/// Saves a customer's fields.
pub async fn update(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    mut customer: NewCustomer,
) -> Result<(), CustomerError> {
    customer.id = id.to_string();
    customer.merchant_id = actor.merchant_id().to_string();
    let now = store::now();
    let mut tx = db.begin().await?;
    match customers::update(&mut tx, &customer, now).await {
        Ok(true) => {}
        Ok(false) => return Err(CustomerError::NotFound),
        Err(e) => return Err(refused(e, "saving a customer")),
    }
    let entry = NewActivity::by(actor, "customer", id, "customer.updated", String::new());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Why a privacy action was refused.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error("That customer does not exist")]
    NotFound,
    #[error("The customer still has a running or waiting subscription: cancel it first")]
    SubscriptionRunning,
    #[error(
        "Payments were collected from this customer, so the records must stay: anonymise instead"
    )]
    FinancialRecords,
    #[error("This customer is already anonymised")]
    AlreadyAnonymised,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn privacy_entry<'a>(
    actor: &'a dyn Actor,
    id: &'a str,
    action: &'a str,
    details: String,
) -> NewActivity<'a> {
    NewActivity::by(actor, "customer", id, action, details)
}

/// Removes the customer's personal data (keeping amounts, dates and country); refused while a
/// subscription runs or waits for its mandate.
pub async fn anonymise(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), PrivacyError> {
    let customer = customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    if customer.anonymised_at.is_some() {
        return Err(PrivacyError::AlreadyAnonymised);
    }
    let now = store::now();
    let mut tx = db.begin().await?;
    let (running, _) = customers::financial_ties(&mut tx, actor.merchant_id(), id).await?;
    if running > 0 {
        return Err(PrivacyError::SubscriptionRunning);
    }
    customers::anonymise(&mut tx, actor.merchant_id(), id, now).await?;
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, "customer.anonymised", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a customer nothing financial refers to.
pub async fn delete(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), PrivacyError> {
    customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let (running, collected) = customers::financial_ties(&mut tx, actor.merchant_id(), id).await?;
    if collected > 0 {
        return Err(PrivacyError::FinancialRecords);
    }
    if running > 0 {
        return Err(PrivacyError::SubscriptionRunning);
    }
    customers::delete(&mut tx, actor.merchant_id(), id).await?;
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, "customer.deleted", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws every open mandate link of the customer; returns how many.
pub async fn revoke_links(db: &Db, actor: &dyn Actor, id: &str) -> Result<u64, PrivacyError> {
    customers::get(db, actor.merchant_id(), id)
        .await?
        .ok_or(PrivacyError::NotFound)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    let mut revoked = 0;
    for mandate in crate::store::mandates::for_customer(db, actor.merchant_id(), id).await? {
        revoked +=
            crate::store::mandates::revoke_links(&mut tx, actor.merchant_id(), &mandate.id, now)
                .await?;
    }
    activity::record(
        &mut tx,
        &privacy_entry(
            actor,
            id,
            "customer.links_revoked",
            format!("{revoked} link(s)"),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(revoked)
}

/// Puts a customer on the grey list, or takes them off; a reason is always recorded.
pub async fn set_grey_listed(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    on: bool,
    reason: &str,
) -> Result<(), PrivacyError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !customers::set_grey_listed(&mut tx, actor.merchant_id(), id, on, reason, now).await? {
        return Err(PrivacyError::NotFound);
    }
    let action = if on {
        "customer.grey_listed"
    } else {
        "customer.grey_list_removed"
    };
    activity::record(
        &mut tx,
        &privacy_entry(actor, id, action, reason.to_string()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::country::CountryError;

    #[test]
    fn english_messages_are_the_domain_types_own() {
        let en = Texts::new(Language::En, Formality::Formal);
        for e in [EmailError::Empty, EmailError::Invalid, EmailError::TooLong] {
            assert_eq!(en.get(email_message(&e)), e.to_string());
        }
        for e in [PhoneError::Invalid, PhoneError::CountryUnknown] {
            assert_eq!(en.get(phone_message(&e)), e.to_string());
        }
        assert_eq!(en.get("country-invalid"), CountryError::Unknown.to_string());
        assert_eq!(
            en.get("language-invalid"),
            crate::domain::branding::LanguageError.to_string()
        );
    }

    #[test]
    fn the_same_check_speaks_the_customers_language() {
        let input = CustomerInput {
            first_name: "x".repeat(71),
            email: "jan@".into(),
            payment_method: "direct_debit".into(),
            ..CustomerInput::default()
        };
        let english = input.parse("NL").unwrap_err();
        assert_eq!(english.get("first_name"), Some("Use at most 70 characters"));
        assert_eq!(
            english.get("last_name"),
            Some("Enter a last name or a company name")
        );
        let dutch = input
            .parse_in("NL", &Texts::new(Language::Nl, Formality::Formal))
            .unwrap_err();
        assert_eq!(
            dutch.get("first_name"),
            Some("Gebruik ten hoogste 70 tekens")
        );
        assert_eq!(
            dutch.get("email"),
            Some("Vul een e-mailadres in zoals naam@voorbeeld.nl")
        );
    }
}
