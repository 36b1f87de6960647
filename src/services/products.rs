//! The merchant's products: their fields checked once for the admin and the API, created,
//! edited, archived (never deleted once in use), with activity.

use crate::domain::Language;
use crate::domain::fields::FieldErrors;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Interval, Money, VatRate};
use crate::store::activity::Actor;
use crate::store::activity::{self, NewActivity};
use crate::store::products::{self, ProductFields, ProductRow};
use crate::store::{self, Db};

/// A product's fields as typed in the admin's form (the API lays its JSON over one), not yet
/// checked.
#[derive(Debug, Clone, serde::Deserialize, Default)]
#[serde(default)]
pub struct ProductInput {
    pub name: String,
    pub description: String,
    pub price: String,
    pub vat_rate: String,
    pub prices_include_vat: Option<String>,
    pub interval: String,
    pub method_email: Option<String>,
    pub method_sms: Option<String>,
    pub method_online_payment: Option<String>,
    pub minimum_term_months: String,
    pub notice_period_days: String,
    /// Whether its subscriptions get invoices: `merchant` (the merchant's default), `always`,
    /// `never`.
    pub invoices: String,
    /// The name in each language, for customers choosing it (empty: the name above).
    pub name_en: String,
    pub name_nl: String,
    pub name_fr: String,
    pub name_de: String,
}

/// The choices of `ProductInput::invoices`.
pub const INVOICE_DEFAULTS: [&str; 3] = ["merchant", "always", "never"];

impl ProductInput {
    /// The fields of a stored product.
    pub fn from_row(p: &ProductRow) -> ProductInput {
        let on = |b: bool| b.then(|| "on".to_string());
        let name_in = |l| crate::i18n::translated(&p.translations, l, "name").unwrap_or_default();
        ProductInput {
            name: p.name.clone(),
            description: p.description.clone(),
            price: Money::from_minor(p.amount_minor).to_string(),
            vat_rate: p.vat_label().trim_end_matches('%').to_string(),
            prices_include_vat: on(p.prices_include_vat),
            interval: p.billing_interval.clone(),
            method_email: on(p.offers("email")),
            method_sms: on(p.offers("sms")),
            method_online_payment: on(p.offers("online_payment")),
            minimum_term_months: p
                .minimum_term_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            notice_period_days: p
                .notice_period_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            invoices: p.invoice_default.clone(),
            name_en: name_in(Language::En),
            name_nl: name_in(Language::Nl),
            name_fr: name_in(Language::Fr),
            name_de: name_in(Language::De),
        }
    }

    /// An empty form: 21 % VAT included, monthly, mandates by email.
    pub fn blank() -> ProductInput {
        ProductInput {
            vat_rate: "21".into(),
            prices_include_vat: Some("on".into()),
            interval: "1 month".into(),
            method_email: Some("on".into()),
            invoices: "merchant".into(),
            ..ProductInput::default()
        }
    }

    /// Checks every field.
    pub fn parse(&self) -> Result<ProductFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Enter the product's name");
        } else if name.chars().count() > 100 {
            errors.add("name", "Use at most 100 characters");
        }
        let names = [
            (Language::En, "name_en", &self.name_en),
            (Language::Nl, "name_nl", &self.name_nl),
            (Language::Fr, "name_fr", &self.name_fr),
            (Language::De, "name_de", &self.name_de),
        ];
        for (_, field, typed) in &names {
            if typed.trim().chars().count() > 100 {
                errors.add(field, "Use at most 100 characters");
            }
        }
        let translations = crate::i18n::translations(
            &names.map(|(language, _, typed)| (language, "name", typed.as_str())),
        );
        if self.description.chars().count() > 1000 {
            errors.add("description", "Use at most 1000 characters");
        }
        let price = errors.check("price", Money::parse(&self.price));
        if price.is_some_and(|p| p.minor() == 0) {
            errors.add("price", "A subscription needs a price above zero");
        }
        let vat = errors.check("vat_rate", VatRate::parse(&self.vat_rate));
        let interval = errors.check("interval", Interval::parse(&self.interval));
        let methods: Vec<&str> = [
            ("email", &self.method_email),
            ("sms", &self.method_sms),
            ("online_payment", &self.method_online_payment),
        ]
        .iter()
        .filter(|(_, on)| on.is_some())
        .map(|(m, _)| *m)
        .collect();
        if methods.is_empty() {
            errors.add(
                "method_email",
                "Offer at least one way to issue the mandate",
            );
        }
        let whole =
            |errors: &mut FieldErrors, field: &'static str, value: &str, max: i32| -> Option<i32> {
                let value = value.trim();
                if value.is_empty() {
                    return None;
                }
                match value.parse::<i32>() {
                    Ok(n) if (0..=max).contains(&n) => Some(n),
                    _ => {
                        errors.add(
                            field,
                            format!("Enter a whole number from 0 to {max}, or leave it empty"),
                        );
                        None
                    }
                }
            };
        let minimum_term_months = whole(
            &mut errors,
            "minimum_term_months",
            &self.minimum_term_months,
            120,
        );
        let notice_period_days = whole(
            &mut errors,
            "notice_period_days",
            &self.notice_period_days,
            365,
        );
        let invoice_default = if self.invoices.is_empty() {
            "merchant".to_string()
        } else if INVOICE_DEFAULTS.contains(&self.invoices.as_str()) {
            self.invoices.clone()
        } else {
            errors.add("invoices", "Choose the merchant's default, always or never");
            String::new()
        };
        match (price, vat, interval) {
            (Some(price), Some(vat), Some(interval)) if errors.is_empty() => Ok(ProductFields {
                name: name.to_string(),
                description: self.description.trim().to_string(),
                amount_minor: price.minor(),
                vat_basis_points: i32::try_from(vat.basis_points()).unwrap_or(0),
                prices_include_vat: self.prices_include_vat.is_some(),
                billing_interval: interval.to_string(),
                mandate_methods: methods.join(","),
                minimum_term_months,
                notice_period_days,
                invoice_default,
                translations,
            }),
            _ => Err(errors),
        }
    }
}

/// Why a product change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("That product does not exist")]
    NotFound,
    #[error("Subscriptions use this product, so it cannot be deleted; archive it instead")]
    InUse,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Creates a product; returns its id.
pub async fn create(db: &Db, actor: &dyn Actor, fields: &ProductFields) -> anyhow::Result<String> {
    let id = new_id(IdPrefix::Product);
    let now = store::now();
    let mut tx = db.begin().await?;
    products::create(&mut tx, actor.merchant_id(), &id, fields, now).await?;
    let entry = NewActivity::by(
        actor,
        "product",
        &id,
        "product.created",
        fields.name.clone(),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves a product's fields. Running subscriptions keep the price they were signed up with.
pub async fn update(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    fields: &ProductFields,
) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::update(&mut tx, actor.merchant_id(), id, fields, now).await? {
        return Err(ProductError::NotFound);
    }
    let entry = NewActivity::by(actor, "product", id, "product.updated", fields.name.clone());
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Archives (hides from new sign-ups) or restores a product.
pub async fn set_active(
    db: &Db,
    actor: &dyn Actor,
    id: &str,
    active: bool,
) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::set_active(&mut tx, actor.merchant_id(), id, active, now).await? {
        return Err(ProductError::NotFound);
    }
    let action = if active {
        "product.restored"
    } else {
        "product.archived"
    };
    activity::record(
        &mut tx,
        &NewActivity::by(actor, "product", id, action, String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a product nobody ever subscribed to.
pub async fn delete(db: &Db, actor: &dyn Actor, id: &str) -> Result<(), ProductError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !products::delete_unused(&mut tx, actor.merchant_id(), id).await? {
        drop(tx);
        return match products::get(db, actor.merchant_id(), id).await? {
            Some(_) => Err(ProductError::InUse),
            None => Err(ProductError::NotFound),
        };
    }
    activity::record(
        &mut tx,
        &NewActivity::by(actor, "product", id, "product.deleted", String::new()),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
