//! Signing a customer up to a product: the one path for the hosted sign-up page, the admin's
//! "assign a product" and the API.
//!
//! `sign_up` takes a parsed request and starts the subscription under its mandate: one the
//! customer already has, a signed paper mandate the merchant holds, a link by email or text
//! message, or an online first payment. `from_page` adds the rules of a public page in front of
//! it: rate limits, the page's required fields, the customer's language for every message, the
//! same email being the same customer, and the page's way of giving the mandate.

use anyhow::Context as _;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use crate::config::SignupSettings;
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::domain::subscription::{Event, Status, TransitionError};
use crate::domain::{Bic, CountryCode, Iban, MandateReference};
use crate::i18n::Texts;
use crate::notify::Channel;
use crate::services::customers::CustomerInput;
use crate::services::mandates::{self, LinkSettings, MandateError, MandateRequest, PaperMandate};
use crate::services::payments::{self, OnlineError, OnlineSignUp, Provider};
use crate::services::subscriptions::subscription_for;
use crate::store::activity::{self, Actor, NewActivity, System};
use crate::store::customers::{self, NewCustomer};
use crate::store::merchants::Merchant;
use crate::store::rate_limits::{self, Limit};
use crate::store::signup_pages::Page;
use crate::store::subscriptions::{self, Options};
use crate::store::{self, Db};

/// What a sign-up needs of the running app.
pub struct Context<'a> {
    pub db: &'a Db,
    pub links: LinkSettings,
    /// `None` when online payments are off.
    pub provider: Option<&'a Provider>,
    pub limits: &'a SignupSettings,
}

/// Where the subscription's mandate comes from.
#[derive(Debug, Clone)]
pub enum MandateSource {
    /// One of the customer's mandates; a pending one is accepted when `accepted_on` is given.
    Existing {
        mandate_id: String,
        accepted_on: Option<NaiveDate>,
    },
    /// A mandate the merchant holds on paper, recorded and valid at once.
    Paper {
        /// `None` generates one.
        reference: Option<MandateReference>,
        signed_on: NaiveDate,
        iban: Iban,
        bic: Option<Bic>,
        account_holder: String,
    },
    /// A link by email or SMS; `deliver` false when the merchant sends the link themselves.
    /// Without `iban` the customer enters the account on the link's page.
    Link {
        channel: Channel,
        iban: Option<Iban>,
        bic: Option<Bic>,
        account_holder: String,
        deliver: bool,
    },
    /// An online first payment; the customer pays at the returned URL.
    OnlinePayment,
}

/// Everything a sign-up asks for, already parsed.
#[derive(Debug, Clone)]
pub struct SignUp {
    /// An existing customer; ignored when `new_customer` is given.
    pub customer_id: String,
    /// A customer to create in the same transaction (a sign-up on a public page).
    pub new_customer: Option<NewCustomer>,
    pub product_id: String,
    pub start_date: NaiveDate,
    pub mandate: MandateSource,
    /// Start paused (only under a valid mandate).
    pub paused: bool,
    pub resume_on: Option<NaiveDate>,
    pub cancel_on: Option<NaiveDate>,
    pub success_redirect_url: Option<String>,
    pub options: Options,
    /// The single-use token of the form that asked, claimed in the same transaction.
    pub form_nonce: Option<String>,
}

impl SignUp {
    /// A plain sign-up of an existing customer: active from `start_date`, nothing else asked.
    pub fn new(
        customer_id: String,
        product_id: String,
        start_date: NaiveDate,
        mandate: MandateSource,
    ) -> SignUp {
        SignUp {
            customer_id,
            new_customer: None,
            product_id,
            start_date,
            mandate,
            paused: false,
            resume_on: None,
            cancel_on: None,
            success_redirect_url: None,
            options: Options::default(),
            form_nonce: None,
        }
    }

    /// A subscription still waiting for its mandate cannot start paused, or with a cancel or
    /// resume date: refuses those, naming the field.
    fn refuse_changes_without_valid_mandate(&self) -> Result<(), SignUpError> {
        let field = if self.paused {
            "status"
        } else if self.cancel_on.is_some() {
            "cancel_date"
        } else if self.resume_on.is_some() {
            "resume_date"
        } else {
            return Ok(());
        };
        Err(invalid(
            field,
            "Only a subscription under a valid mandate can start paused or with a cancel or \
             resume date",
        ))
    }
}

/// The new subscription, and where the customer confirms the mandate when that is still to do.
#[derive(Debug, Clone)]
pub struct SignedUp {
    pub subscription_id: String,
    pub confirmation_url: Option<String>,
}

/// Why a sign-up was refused; `field` names the input at fault where there is one.
#[derive(Debug, thiserror::Error)]
pub enum SignUpError {
    #[error("{message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// The form was already sent once (a double click); the first sending did the sign-up.
    #[error("This form was already sent")]
    AlreadySent,
    /// A new customer's email is another customer's since a moment ago (two sign-ups at once).
    #[error("Another customer already uses this email address")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

fn invalid(field: &'static str, message: impl ToString) -> SignUpError {
    SignUpError::Invalid {
        field,
        message: message.to_string(),
    }
}

impl From<MandateError> for SignUpError {
    fn from(e: MandateError) -> SignUpError {
        match e {
            MandateError::CustomerNotFound => invalid("customer_id", e),
            MandateError::ProductNotFound | MandateError::ProductArchived => {
                invalid("product_id", e)
            }
            MandateError::NoEmail | MandateError::NoPhone => invalid("channel", e),
            MandateError::ReferenceTaken => invalid("reference", e),
            MandateError::DoubleSubmit => SignUpError::AlreadySent,
            MandateError::EmailTaken => SignUpError::EmailTaken,
            MandateError::Unexpected(e) => SignUpError::Unexpected(e),
            other => invalid("mandate", other),
        }
    }
}

/// Signs the customer up. A subscription under a valid mandate is planned or active by its start
/// date (then paused or cancelled as asked); otherwise it waits for the mandate.
pub async fn sign_up(
    ctx: &Context<'_>,
    actor: &dyn Actor,
    signup: SignUp,
    today: NaiveDate,
) -> Result<SignedUp, SignUpError> {
    let db = ctx.db;
    let merchant_id = actor.merchant_id();
    let product = store::products::get_row(db, merchant_id, &signup.product_id)
        .await?
        .ok_or_else(|| invalid("product_id", "That product does not exist"))?;
    if !product.active {
        return Err(invalid("product_id", "This product is archived"));
    }
    if !matches!(
        signup.mandate,
        MandateSource::Existing { .. } | MandateSource::Paper { .. }
    ) {
        signup.refuse_changes_without_valid_mandate()?;
    }
    match signup.mandate.clone() {
        MandateSource::Link {
            channel,
            iban,
            bic,
            account_holder,
            deliver,
        } => {
            if !product.offers(channel.as_str()) {
                return Err(invalid(
                    "channel",
                    format!(
                        "This product does not offer mandates by {} link",
                        channel.as_str()
                    ),
                ));
            }
            let requested = mandates::request(
                db,
                &ctx.links,
                actor,
                MandateRequest {
                    merchant_id: merchant_id.to_string(),
                    customer_id: signup.customer_id,
                    product_id: signup.product_id,
                    iban,
                    bic,
                    account_holder,
                    channel,
                    start_date: signup.start_date,
                    success_redirect_url: signup.success_redirect_url,
                    new_customer: signup.new_customer,
                    form_nonce: signup.form_nonce,
                    options: signup.options,
                    deliver,
                },
            )
            .await?;
            Ok(SignedUp {
                subscription_id: requested.subscription_id,
                confirmation_url: Some(requested.confirmation_url),
            })
        }
        MandateSource::OnlinePayment => {
            let Some(provider) = ctx.provider else {
                return Err(invalid(
                    "mandate_id",
                    "Online first payments are off on this instance (payments.provider): give a \
                     mandate_id, or an iban and account_holder to send a confirmation link",
                ));
            };
            if !product.offers("online_payment") {
                return Err(invalid(
                    "mandate_id",
                    "This product offers no online first payment: give a mandate_id, or an \
                     iban and account_holder to send a confirmation link",
                ));
            }
            if signup.new_customer.is_none() {
                customers::get(db, merchant_id, &signup.customer_id)
                    .await?
                    .ok_or_else(|| invalid("customer_id", "That customer does not exist"))?;
            }
            let started = payments::start(
                db,
                provider,
                actor,
                OnlineSignUp {
                    merchant_id: merchant_id.to_string(),
                    customer_id: Some(signup.customer_id).filter(|id| !id.is_empty()),
                    new_customer: signup.new_customer,
                    product_id: signup.product_id,
                    start_date: signup.start_date,
                    success_redirect_url: signup.success_redirect_url,
                    form_nonce: signup.form_nonce,
                    options: signup.options,
                },
            )
            .await
            .map_err(|e| match e {
                OnlineError::Unexpected(e) => SignUpError::Unexpected(e),
                OnlineError::DoubleSubmit => SignUpError::AlreadySent,
                OnlineError::EmailTaken => SignUpError::EmailTaken,
                other => invalid("product_id", other),
            })?;
            Ok(SignedUp {
                subscription_id: started.subscription_id,
                confirmation_url: Some(started.checkout_url),
            })
        }
        MandateSource::Paper {
            reference,
            signed_on,
            iban,
            bic,
            account_holder,
        } => {
            let paper = PaperMandate {
                merchant_id: merchant_id.to_string(),
                customer_id: signup.customer_id,
                product_id: signup.product_id,
                reference,
                signed_on,
                iban,
                bic,
                account_holder,
                start_date: signup.start_date,
            };
            let (_, subscription_id) = mandates::record_paper(db, actor, paper, today).await?;
            Ok(SignedUp {
                subscription_id,
                confirmation_url: None,
            })
        }
        MandateSource::Existing {
            mandate_id,
            accepted_on,
        } => under_mandate(db, actor, &signup, &mandate_id, accepted_on, today)
            .await
            .map(|subscription_id| SignedUp {
                subscription_id,
                confirmation_url: None,
            }),
    }
}

/// A subscription under one of the customer's mandates, in one transaction.
async fn under_mandate(
    db: &Db,
    actor: &dyn Actor,
    signup: &SignUp,
    mandate_id: &str,
    accepted_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<String, SignUpError> {
    let merchant_id = actor.merchant_id();
    let customer = customers::get(db, merchant_id, &signup.customer_id)
        .await?
        .ok_or_else(|| invalid("customer_id", "That customer does not exist"))?;
    let product = store::products::get(db, merchant_id, &signup.product_id)
        .await?
        .ok_or_else(|| invalid("product_id", "That product does not exist"))?;
    let mandate = store::mandates::get(db, merchant_id, mandate_id)
        .await?
        .filter(|m| m.customer_id == customer.id)
        .ok_or_else(|| invalid("mandate_id", "This customer has no such mandate"))?;
    if accepted_on.is_some_and(|d| d > today) {
        return Err(invalid(
            "mandate_accepted_date",
            "The acceptance date cannot be in the future",
        ));
    }
    let accept = match (mandate.status.as_str(), accepted_on) {
        ("revoked", _) => return Err(invalid("mandate_id", "This mandate is revoked")),
        ("pending", Some(date)) => Some(date),
        _ => None,
    };
    let valid = mandate.status == "valid" || accept.is_some();
    let mut status = if !valid {
        Status::PendingMandate
    } else if signup.start_date > today {
        Status::Planned
    } else {
        Status::Active
    };
    if !valid {
        signup.refuse_changes_without_valid_mandate()?;
    }
    let refused = |field: &'static str, e: TransitionError| invalid(field, e.message);
    if signup.paused {
        status = status
            .next(Event::Pause)
            .map_err(|e| refused("status", e))?;
    }
    if let Some(resume) = signup.resume_on {
        if !signup.paused {
            return Err(invalid(
                "resume_date",
                "A resume date needs the status paused",
            ));
        }
        if resume <= today {
            return Err(invalid(
                "resume_date",
                "The resume date must be after today",
            ));
        }
    }
    if let Some(cancel) = signup.cancel_on {
        if cancel < today.max(signup.start_date) {
            return Err(invalid(
                "cancel_date",
                "The cancel date cannot be before today or the start date",
            ));
        }
        status = status
            .next(Event::Cancel)
            .map_err(|e| refused("cancel_date", e))?;
    }
    let mut subscription = subscription_for(
        &product,
        &customer.id,
        &mandate.id,
        signup.start_date,
        status.as_str(),
        signup.success_redirect_url.clone(),
    )
    .with_options(&signup.options);
    subscription.resume_on = signup.resume_on;
    subscription.cancel_on = signup.cancel_on;
    let now = store::now();
    let mut tx = db.begin().await?;
    if let Some(date) = accept {
        if !store::mandates::make_valid(&mut tx, merchant_id, &mandate.id, date, now).await? {
            return Err(invalid(
                "mandate_id",
                "The mandate changed meanwhile; retry",
            ));
        }
        let entry = NewActivity::by(
            actor,
            "mandate",
            &mandate.id,
            "mandate.accepted",
            format!("accepted {date}"),
        );
        activity::record(&mut tx, &entry, now).await?;
    }
    subscriptions::insert(&mut tx, &subscription, now)
        .await
        .context("inserting a subscription")?;
    let entry = NewActivity::by(
        actor,
        "subscription",
        &subscription.id,
        "subscription.created",
        format!("{} from {}", product.name, signup.start_date),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(subscription.id)
}

/// The answers of a sign-up page's form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PageAnswers {
    pub product_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    pub company: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub country: String,
    pub birth_date: String,
    pub iban: String,
    pub account_holder: String,
    pub start_date: String,
    pub consent: Option<String>,
}

/// Who sent a page's form: what the rate limits and the double-submit check need.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub client_ip: String,
    /// The nonce of the signed form token, used once.
    pub form_nonce: String,
}

/// What a page sign-up started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageSignedUp {
    /// A confirmation link went out by this channel (or the form was a repeat of one that did).
    LinkSent {
        channel: Channel,
        email: String,
        phone: String,
    },
    /// The customer pays the first period at this address.
    Pay { checkout_url: String },
}

/// Why a page sign-up was refused; every message is in the customer's language.
#[derive(Debug, thiserror::Error)]
pub enum PageRefusal {
    /// Fields to correct, with their messages.
    #[error("fields to correct")]
    Fields(FieldErrors),
    /// Too many sign-ups from this address, on this page, or to this phone number.
    #[error("rate limited")]
    RateLimited,
    /// The sign-up could not be made as sent (a product changed meanwhile, …).
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The start date a page's rule gives, or the customer's choice.
pub fn start_date(page: &Page, answers: &PageAnswers, today: NaiveDate) -> Option<NaiveDate> {
    match page.start_rule.as_str() {
        "customer" => parse_date(&answers.start_date).ok().filter(|d| *d >= today),
        "first_of_next_month" => NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1))),
        _ => Some(today),
    }
}

/// What the page's form asks, checked by the page's rules and the shared customer check.
struct Checked {
    customer: NewCustomer,
    iban: Option<Iban>,
    account_holder: String,
    start_date: NaiveDate,
}

/// Checks a page's answers: the page's required fields first, then the customer fields as the
/// admin, the API and imports check them, then the mandate and the consent.
fn check(
    page: &Page,
    merchant: &Merchant,
    answers: &PageAnswers,
    t: &Texts,
    today: NaiveDate,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    if !page.products().contains(&answers.product_id.as_str()) {
        errors.add("product_id", t.get("error-product"));
    }
    let online = page.mandate_type == "online_payment";
    let required = [
        ("first_name", &answers.first_name, true),
        ("last_name", &answers.last_name, true),
        ("email", &answers.email, true),
        (
            "phone",
            &answers.phone,
            page.requires("phone") || page.mandate_type == "sms",
        ),
        ("company", &answers.company, page.requires("company")),
        ("street", &answers.street, page.requires("address")),
        (
            "postal_code",
            &answers.postal_code,
            page.requires("address"),
        ),
        ("city", &answers.city, page.requires("address")),
        ("account_holder", &answers.account_holder, !online),
    ];
    for (field, value, needed) in required {
        if needed && value.trim().is_empty() {
            errors.add(field, t.get("error-required"));
        }
    }
    // A page's country is a hidden field with the merchant's; a changed one is dropped.
    let country = CountryCode::parse(&answers.country)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let default_country = if merchant.country.is_empty() {
        "NL"
    } else {
        merchant.country.as_str()
    };
    let input = CustomerInput {
        first_name: answers.first_name.clone(),
        last_name: answers.last_name.clone(),
        company: answers.company.clone(),
        email: answers.email.clone(),
        phone: answers.phone.clone(),
        street: answers.street.clone(),
        postal_code: answers.postal_code.clone(),
        city: answers.city.clone(),
        country: country.clone(),
        language: t.language().code().to_string(),
        automatic_billing: Some("on".into()),
        payment_method: "direct_debit".into(),
        ..CustomerInput::default()
    };
    let customer = match input.parse_in(default_country, t) {
        Ok(customer) => Some(customer),
        Err(found) => {
            for (field, message) in found {
                errors.add(field, message);
            }
            None
        }
    };
    if page.requires("birth_date") || !answers.birth_date.trim().is_empty() {
        let born = parse_date(&answers.birth_date).ok();
        if born.is_none_or(|d| d >= today) {
            errors.add("birth_date", t.get("error-date"));
        }
    }
    let iban = if online {
        None
    } else {
        Iban::parse(&answers.iban)
            .map_err(|_| errors.add("iban", t.get("error-iban")))
            .ok()
    };
    let account_holder = answers.account_holder.trim().to_string();
    if account_holder.chars().count() > 70 {
        errors.add(
            "account_holder",
            t.clone().number("max", 70).get("field-too-long"),
        );
    }
    let start_date = start_date(page, answers, today);
    if start_date.is_none() {
        errors.add("start_date", t.get("error-start-date"));
    }
    if answers.consent.is_none() {
        errors.add("consent", t.get("error-consent"));
    }
    match (customer, start_date) {
        (Some(customer), Some(start_date)) if errors.is_empty() => Ok(Checked {
            customer,
            iban,
            account_holder,
            start_date,
        }),
        _ => Err(errors),
    }
}

/// A customer signs up on a public page: the page's rules, then `sign_up`.
pub async fn from_page(
    ctx: &Context<'_>,
    page: &Page,
    merchant: &Merchant,
    answers: &PageAnswers,
    visitor: &Visitor,
    t: &Texts,
    today: NaiveDate,
) -> Result<PageSignedUp, PageRefusal> {
    let db = ctx.db;
    let checked = check(page, merchant, answers, t, today).map_err(PageRefusal::Fields)?;
    let channel = if page.mandate_type == "sms" {
        Channel::Sms
    } else {
        Channel::Email
    };
    let ip_key = format!("signup-ip:{}", visitor.client_ip);
    let page_key = format!("signup-page:{}", page.id);
    let sms_key = format!("signup-sms:{}", checked.customer.phone);
    let hourly = |key, max| Limit {
        key,
        max,
        window: Duration::hours(1),
    };
    let mut limits = vec![
        hourly(&ip_key, ctx.limits.max_per_address_per_hour),
        hourly(&page_key, ctx.limits.max_per_page_per_hour),
    ];
    if channel == Channel::Sms {
        limits.push(Limit {
            key: &sms_key,
            max: ctx.limits.max_sms_per_number_per_day,
            window: Duration::days(1),
        });
    }
    let mut tx = db.begin().await?;
    if rate_limits::take(&mut tx, &limits, store::now())
        .await?
        .is_none()
    {
        return Err(PageRefusal::RateLimited);
    }
    tx.commit().await?;

    let mandate = match (page.mandate_type.as_str(), checked.iban) {
        ("online_payment", _) => MandateSource::OnlinePayment,
        (_, Some(iban)) => MandateSource::Link {
            iban: Some(iban),
            channel,
            bic: None,
            account_holder: checked.account_holder,
            deliver: true,
        },
        (_, None) => return Err(anyhow::anyhow!("a debit sign-up without IBAN").into()),
    };
    // Named as the form showed the product, in the customer's language.
    let description = crate::store::products::get_row(db, &merchant.id, &answers.product_id)
        .await?
        .map(|p| p.name_in(t.language()));
    let signup = SignUp {
        success_redirect_url: Some(page.success_url.clone()).filter(|u| !u.is_empty()),
        form_nonce: Some(visitor.form_nonce.clone()),
        options: Options {
            description,
            ..Options::default()
        },
        ..SignUp::new(
            String::new(),
            answers.product_id.clone(),
            checked.start_date,
            mandate,
        )
    };
    let actor = System::new(&merchant.id, "sign-up page");
    let link_sent = PageSignedUp::LinkSent {
        channel,
        email: checked.customer.email.clone(),
        phone: checked.customer.phone.clone(),
    };
    // The same email at this merchant is the same customer. When two sign-ups with one address
    // come at once, the one that loses the race to create the customer signs that one up.
    let mut result = Err(SignUpError::EmailTaken);
    for _ in 0..2 {
        let Err(SignUpError::EmailTaken) = result else {
            break;
        };
        let mut signup = signup.clone();
        match customers::with_email(db, &merchant.id, &checked.customer.email, "").await? {
            Some(existing) => signup.customer_id = existing.id,
            None => signup.new_customer = Some(checked.customer.clone()),
        }
        result = sign_up(ctx, &actor, signup, today).await;
    }
    match result {
        Ok(SignedUp {
            confirmation_url: Some(url),
            ..
        }) if page.mandate_type == "online_payment" => Ok(PageSignedUp::Pay { checkout_url: url }),
        // A double click sends the same form twice: the first created the sign-up.
        Ok(_) | Err(SignUpError::AlreadySent) if page.mandate_type != "online_payment" => {
            Ok(link_sent)
        }
        Ok(_) | Err(SignUpError::AlreadySent) => {
            Err(PageRefusal::Refused(t.get("error-form-expired")))
        }
        Err(SignUpError::Unexpected(e)) => Err(e.into()),
        Err(e @ (SignUpError::Invalid { .. } | SignUpError::EmailTaken)) => {
            tracing::warn!(page = %page.id, error = %e, "sign-up refused");
            Err(PageRefusal::Refused(t.get("error-form-expired")))
        }
    }
}
