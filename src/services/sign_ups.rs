//! Signing a customer up to a product on behalf of an integrating system: under a mandate the
//! merchant holds already, or by starting the mandate flow (a link by email or SMS, or an online
//! first payment).

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::subscription::{Event, Status, TransitionError};
use crate::domain::{Bic, Iban};
use crate::notify::Channel;
use crate::services::mandates::{self, LinkSettings, MandateError, MandateRequest};
use crate::services::payments::{self, OnlineError, OnlineSignUp, PaymentProvider};
use crate::services::subscriptions::subscription_for;
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::subscriptions::{self, Options};
use crate::store::{self, Db, customers, products};

/// Where the subscription's mandate comes from.
#[derive(Debug, Clone)]
pub enum MandateSource {
    /// One of the customer's mandates; a pending one is accepted when `accepted_on` is given.
    Existing {
        mandate_id: String,
        accepted_on: Option<NaiveDate>,
    },
    /// A link by email or SMS; `deliver` false when the merchant sends the link themselves.
    Link {
        channel: Channel,
        iban: Iban,
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
    pub customer_id: String,
    pub product_id: String,
    pub start_date: NaiveDate,
    pub mandate: MandateSource,
    /// Start paused (only under a valid mandate).
    pub paused: bool,
    pub resume_on: Option<NaiveDate>,
    pub cancel_on: Option<NaiveDate>,
    pub success_redirect_url: Option<String>,
    pub options: Options,
}

impl SignUp {
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
            MandateError::Unexpected(e) => SignUpError::Unexpected(e),
            other => invalid("mandate", other),
        }
    }
}

/// Signs the customer up. A subscription under a valid mandate is planned or active by its start
/// date (then paused or cancelled as asked); otherwise it waits for the mandate.
pub async fn sign_up(
    db: &Db,
    links: &LinkSettings,
    provider: &impl PaymentProvider,
    actor: &dyn Actor,
    signup: SignUp,
    today: NaiveDate,
) -> Result<SignedUp, SignUpError> {
    let merchant_id = actor.merchant_id();
    let product = products::get_row(db, merchant_id, &signup.product_id)
        .await?
        .ok_or_else(|| invalid("product_id", "That product does not exist"))?;
    if !product.active {
        return Err(invalid("product_id", "This product is archived"));
    }
    if !matches!(signup.mandate, MandateSource::Existing { .. }) {
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
                links,
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
                    new_customer: None,
                    form_nonce: None,
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
            if !product.offers("online_payment") {
                return Err(invalid(
                    "mandate_id",
                    "This product offers no online first payment: give a mandate_id, or an \
                     iban and account_holder to send a confirmation link",
                ));
            }
            customers::get(db, merchant_id, &signup.customer_id)
                .await?
                .ok_or_else(|| invalid("customer_id", "That customer does not exist"))?;
            let started = payments::start(
                db,
                provider,
                OnlineSignUp {
                    merchant_id: merchant_id.to_string(),
                    customer_id: Some(signup.customer_id),
                    new_customer: None,
                    product_id: signup.product_id,
                    start_date: signup.start_date,
                    success_redirect_url: signup.success_redirect_url,
                    form_nonce: None,
                    options: signup.options,
                },
            )
            .await
            .map_err(|e| match e {
                OnlineError::Unexpected(e) => SignUpError::Unexpected(e),
                other => invalid("product_id", other),
            })?;
            Ok(SignedUp {
                subscription_id: started.subscription_id,
                confirmation_url: Some(started.checkout_url),
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
    let product = products::get(db, merchant_id, &signup.product_id)
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
