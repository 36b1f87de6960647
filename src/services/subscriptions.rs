//! Changing subscriptions: pause, resume, cancel, change the mandate, and the changes their
//! dates bring. Every status change goes through `domain::subscription::Status::next`.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::store::customers::{self, NewCustomer};
use crate::store::products::Product;
use crate::store::{Tx, signup_pages};

use crate::domain::Interval;
use crate::domain::subscription::{Event, Status, TransitionError};
use crate::store::activity::{self, Actor, NewActivity, System};
use crate::store::mandates;
use crate::store::subscriptions::{self, Subscription};
use crate::store::{self, Db};

/// Why a change was refused.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("That subscription does not exist")]
    NotFound,
    #[error(transparent)]
    NotAllowed(#[from] TransitionError),
    #[error("{0}")]
    BadDate(&'static str),
    #[error("Choose a valid mandate of this customer")]
    BadMandate,
    #[error("The subscription changed meanwhile; look again and retry")]
    Conflict,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// When a cancellation takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelWhen {
    /// Runs through today.
    Now,
    /// Runs until the day before the next charge.
    EndOfPeriod,
    On(NaiveDate),
}

/// The first charge date on or after `today`, counted from the start date (never drifting).
pub fn next_charge(subscription: &Subscription, today: NaiveDate) -> Option<NaiveDate> {
    let interval = Interval::parse(&subscription.billing_interval).ok()?;
    (0..10_000).find_map(|k| {
        interval
            .charge_date(subscription.start_date, k)
            .filter(|d| *d >= today)
    })
}

fn status_of(s: &Subscription) -> anyhow::Result<Status> {
    Status::parse(&s.status).context("stored subscription status")
}

/// Saves `changed` if the subscription still has status `from`, with an activity entry.
async fn save(
    db: &Db,
    actor: &dyn Actor,
    changed: &Subscription,
    from: Status,
    action: &str,
    details: String,
) -> Result<(), ChangeError> {
    let now = store::now();
    let mut tx = db.begin().await?;
    if !subscriptions::save_change(&mut tx, changed, from.as_str(), now).await? {
        return Err(ChangeError::Conflict);
    }
    let entry = NewActivity::by(actor, "subscription", &changed.id, action, details);
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(())
}

async fn load(db: &Db, user: &dyn Actor, id: &str) -> Result<(Subscription, Status), ChangeError> {
    let s = subscriptions::get(db, user.merchant_id(), id)
        .await?
        .ok_or(ChangeError::NotFound)?;
    let status = status_of(&s)?;
    Ok((s, status))
}

/// Pauses now, or from a later date (the subscription stays active until then); an optional
/// resume date ends the pause by itself.
pub async fn pause(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    from: Option<NaiveDate>,
    resume_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    let paused = status.next(Event::Pause)?;
    let starts = from.unwrap_or(today).max(today);
    if resume_on.is_some_and(|r| r <= starts) {
        return Err(ChangeError::BadDate(
            "The resume date must be after the pause starts",
        ));
    }
    s.resume_on = resume_on;
    let details = match resume_on {
        Some(r) => format!("paused from {starts} until {r}"),
        None => format!("paused from {starts}"),
    };
    if starts > today {
        s.pause_on = Some(starts);
    } else {
        s.pause_on = None;
        s.status = paused.as_str().into();
    }
    save(db, user, &s, status, "subscription.paused", details).await
}

/// Ends a pause now.
pub async fn resume(db: &Db, user: &dyn Actor, id: &str) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    s.status = status.next(Event::Resume)?.as_str().into();
    s.pause_on = None;
    s.resume_on = None;
    save(db, user, &s, status, "subscription.resumed", String::new()).await
}

/// Cancels: a running subscription runs until its cancel date; one that never started ends now.
pub async fn cancel(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    when: CancelWhen,
    today: NaiveDate,
) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    let next = status.next(Event::Cancel)?;
    let cancel_on = match when {
        CancelWhen::Now => today,
        CancelWhen::EndOfPeriod => next_charge(&s, today + chrono::Duration::days(1))
            .and_then(|d| d.pred_opt())
            .unwrap_or(today),
        CancelWhen::On(date) if date < today => {
            return Err(ChangeError::BadDate(
                "The cancel date cannot be in the past",
            ));
        }
        CancelWhen::On(date) => date,
    };
    s.status = next.as_str().into();
    s.cancel_on = Some(cancel_on);
    s.pause_on = None;
    s.resume_on = None;
    let details = if next == Status::Ended {
        "ended before it started".to_string()
    } else {
        format!("runs until {cancel_on}")
    };
    save(db, user, &s, status, "subscription.cancelled", details).await
}

/// Moves a running subscription to another valid mandate of the same customer.
pub async fn change_mandate(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    mandate_id: &str,
) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    if !status.is_running() {
        return Err(ChangeError::NotAllowed(TransitionError {
            from: status,
            event: Event::Resume,
            message: "Only a running subscription can change its mandate",
        }));
    }
    let mandate = mandates::get(db, user.merchant_id(), mandate_id)
        .await?
        .ok_or(ChangeError::BadMandate)?;
    if mandate.customer_id != s.customer_id || mandate.status != "valid" {
        return Err(ChangeError::BadMandate);
    }
    s.mandate_id = Some(mandate.id.clone());
    save(
        db,
        user,
        &s,
        status,
        "subscription.mandate_changed",
        format!("now under mandate {}", mandate.reference),
    )
    .await
}

/// Applies the changes that dates bring (start, scheduled pause, resume, end after cancel) for
/// every merchant. Idempotent: run it as often as you like; returns how many changed.
pub async fn apply_dates(db: &Db, today: NaiveDate) -> anyhow::Result<usize> {
    let mut changed = 0;
    for mut s in subscriptions::with_due_dates(db, today).await? {
        let status = status_of(&s)?;
        let (event, action) = match status {
            Status::Planned => (Event::StartDateReached, "subscription.started"),
            Status::Active => (Event::Pause, "subscription.paused"),
            Status::Paused => (Event::Resume, "subscription.resumed"),
            Status::Cancelled => (Event::CancelDateReached, "subscription.ended"),
            _ => continue,
        };
        let Ok(next) = status.next(event) else {
            continue;
        };
        s.status = next.as_str().into();
        match event {
            Event::Pause => s.pause_on = None,
            Event::Resume => s.resume_on = None,
            _ => {}
        }
        let schedule = System::new(&s.merchant_id, "schedule");
        match save(db, &schedule, &s, status, action, "by date".into()).await {
            Ok(()) => changed += 1,
            Err(ChangeError::Conflict) => {}
            Err(e) => return Err(anyhow::anyhow!(e)),
        }
    }
    Ok(changed)
}

/// Applies date-driven changes now and then every hour, until the process stops.
pub fn spawn_schedule(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match apply_dates(&db, chrono::Utc::now().date_naive()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(changed = n, "subscription dates applied"),
                Err(e) => tracing::error!(error = ?e, "applying subscription dates failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}

/// A subscription to `product` under `mandate_id`, with price, VAT and interval copied from the
/// product at this moment.
pub fn subscription_for(
    product: &Product,
    customer_id: &str,
    mandate_id: &str,
    start_date: NaiveDate,
    status: &str,
    success_redirect_url: Option<String>,
) -> Subscription {
    Subscription {
        id: new_id(IdPrefix::Subscription),
        merchant_id: product.merchant_id.clone(),
        customer_id: customer_id.to_string(),
        product_id: product.id.clone(),
        mandate_id: Some(mandate_id.to_string()),
        description: product.name.clone(),
        amount_minor: product.amount_minor,
        vat_basis_points: product.vat_basis_points,
        billing_interval: product.billing_interval.clone(),
        start_date,
        status: status.into(),
        success_redirect_url,
        pause_on: None,
        resume_on: None,
        cancel_on: None,
        subscription_webhook_url: None,
        transaction_webhook_url: None,
        metadata: None,
        create_invoice: false,
        invoice_text: String::new(),
        created_at: store::now(),
    }
}

/// How opening a sign-up went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// Go on in the same transaction.
    Fresh,
    /// The form's token was used already (a double submit).
    AlreadySent,
    /// Another sign-up created a customer with this email meanwhile: sign up that one instead.
    EmailTaken,
}

/// Opens a self sign-up inside `tx`: claims the form's single-use token and creates the new
/// customer under `customer_id`.
pub async fn begin_sign_up(
    tx: &mut Tx,
    form_nonce: Option<&str>,
    new_customer: Option<&NewCustomer>,
    customer_id: &str,
    merchant_id: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Opened> {
    if let Some(nonce) = form_nonce
        && !signup_pages::use_form_token(tx, nonce, now).await?
    {
        return Ok(Opened::AlreadySent);
    }
    if let Some(new) = new_customer {
        let mut new = new.clone();
        new.id = customer_id.to_string();
        new.merchant_id = merchant_id.to_string();
        match customers::insert(tx, &new, now).await {
            Ok(()) => {}
            Err(e) if store::violates(&e, "customers_email_key", "email_key") => {
                return Ok(Opened::EmailTaken);
            }
            Err(e) => return Err(anyhow::Error::new(e).context("inserting the customer")),
        }
    }
    Ok(Opened::Fresh)
}
