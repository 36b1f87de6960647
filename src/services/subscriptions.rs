//! Changing subscriptions: pause, resume, cancel, change the mandate, and the changes their
//! dates bring. Every status change goes through `domain::subscription::Status::next`.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::store::customers::{self, Customer, NewCustomer};
use crate::store::merchants::Merchant;
use crate::store::products::Product;
use crate::store::{Tx, signup_pages};

use crate::domain::schedule::{Reach, cancellation};
use crate::domain::subscription::{Event, Status, TransitionError};
use crate::i18n::{Texts, long_date};
use crate::notify::compose::{self, Branding, NoticeParts};
use crate::services::billing;
use crate::services::invoices::notices::{Recipient, enqueue as enqueue_email};
use crate::services::mandates::texts::{creditor_name, language_of};
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
    /// Runs through the last day of the current period.
    EndOfPeriod,
    On(NaiveDate),
}

/// How a cancellation came out: the last day it runs (none when it never started), and why that
/// is later than asked when the minimum term or the notice period reached further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled {
    pub last_day: Option<NaiveDate>,
    pub moved_by: Option<Reach>,
}

impl Cancelled {
    /// A sentence for staff and the activity log.
    pub fn summary(&self) -> String {
        match (self.last_day, self.moved_by) {
            (None, _) => "ended before it started".to_string(),
            (Some(last), None) => format!("runs until {last}"),
            (Some(last), Some(Reach::MinimumTerm(term))) => {
                format!("runs until {last}: the minimum term runs through {term}")
            }
            (Some(last), Some(Reach::Notice(notice))) => {
                format!("runs until {last}: the notice period runs through {notice}")
            }
        }
    }
}

fn status_of(s: &Subscription) -> anyhow::Result<Status> {
    Status::parse(&s.status).context("stored subscription status")
}

/// What a change does to the record of pauses, in the same transaction.
#[derive(Debug, Clone, Copy)]
enum PauseRecord {
    Unchanged,
    /// A pause starts on this day (until the resume date, if known).
    Starts(NaiveDate, Option<NaiveDate>),
    /// The pause ends on this day.
    Ends(NaiveDate),
}

/// The email a change sends the customer, in their language: the text keys of its subject and
/// opening line, and the dates the line names.
#[derive(Debug, Clone)]
struct Told {
    subject: &'static str,
    intro: &'static str,
    dates: Vec<(&'static str, NaiveDate)>,
}

/// What a change records besides the subscription itself.
struct Change {
    /// The activity log's action and details.
    action: &'static str,
    details: String,
    pause: PauseRecord,
    /// The email to the customer, when the change is one they are told about.
    told: Option<Told>,
}

impl Change {
    fn new(action: &'static str, details: String, pause: PauseRecord) -> Change {
        Change {
            action,
            details,
            pause,
            told: None,
        }
    }

    fn telling(mut self, told: Told) -> Change {
        self.told = Some(told);
        self
    }
}

/// The email `told` describes for `s`'s customer; `None` when they have no email address.
async fn letter(
    db: &Db,
    s: &Subscription,
    told: &Told,
) -> anyhow::Result<Option<(Merchant, Customer, compose::Composed)>> {
    let customer = customers::get(db, &s.merchant_id, &s.customer_id)
        .await?
        .context("the subscription's customer")?;
    if customer.email.trim().is_empty() {
        return Ok(None);
    }
    let merchant = store::merchants::get(db, &s.merchant_id)
        .await?
        .context("the subscription's merchant")?;
    let language = language_of(&customer, &merchant);
    let mut t = Texts::new(language, merchant.formality())
        .arg("name", customer.display_name())
        .arg("creditor", creditor_name(&merchant))
        .arg("product", s.description.clone())
        .arg("email", merchant.contact_email.clone());
    for (name, date) in &told.dates {
        t = t.arg(name, long_date(language, *date));
    }
    let brand = Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url: None,
    };
    let parts = NoticeParts {
        subject: told.subject,
        intro: told.intro,
        collects: false,
        has_period: false,
        has_contact: !merchant.contact_email.is_empty(),
        link: None,
    };
    let composed = compose::notice(&t, &brand, parts)?;
    Ok(Some((merchant, customer, composed)))
}

/// Saves `changed` if the subscription still has status `from`, with an activity entry and,
/// when the change is one the customer is told about, their email: all in one transaction.
async fn save(
    db: &Db,
    actor: &dyn Actor,
    changed: &Subscription,
    from: Status,
    change: Change,
) -> Result<(), ChangeError> {
    let letter = match &change.told {
        Some(told) => letter(db, changed, told).await?,
        None => None,
    };
    let now = store::now();
    let mut tx = db.begin().await?;
    if !subscriptions::save_change(&mut tx, changed, from.as_str(), now).await? {
        return Err(ChangeError::Conflict);
    }
    let (merchant, id) = (&changed.merchant_id, &changed.id);
    match change.pause {
        PauseRecord::Unchanged => {}
        PauseRecord::Starts(on, until) => {
            store::billing::start_pause(&mut tx, merchant, id, on, until).await?;
        }
        PauseRecord::Ends(on) => store::billing::end_pause(&mut tx, merchant, id, on).await?,
    }
    if let Some((merchant, customer, composed)) = &letter {
        let to = Recipient {
            customer_id: &customer.id,
            email: &customer.email,
        };
        enqueue_email(&mut tx, merchant, to, composed, None, now).await?;
    }
    let entry = NewActivity::by(actor, "subscription", id, change.action, change.details);
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
/// resume date ends the pause by itself. Periods starting in the pause are not charged.
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
    let told = Told {
        subject: "subscription-paused-subject",
        intro: if resume_on.is_some() {
            "subscription-paused-until"
        } else {
            "subscription-paused-intro"
        },
        dates: [("from", Some(starts)), ("until", resume_on)]
            .into_iter()
            .filter_map(|(name, date)| Some((name, date?)))
            .collect(),
    };
    let record = if starts > today {
        s.pause_on = Some(starts);
        PauseRecord::Unchanged
    } else {
        s.pause_on = None;
        s.status = paused.as_str().into();
        PauseRecord::Starts(today, resume_on)
    };
    let change = Change::new("subscription.paused", details, record).telling(told);
    save(db, user, &s, status, change).await
}

/// Ends a pause now.
pub async fn resume(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    today: NaiveDate,
) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    s.status = status.next(Event::Resume)?.as_str().into();
    let record = if s.pause_on.is_some() {
        // A pause that had not started yet is simply called off.
        PauseRecord::Unchanged
    } else {
        PauseRecord::Ends(today)
    };
    s.pause_on = None;
    s.resume_on = None;
    let told = Told {
        subject: "subscription-resumed-subject",
        intro: "subscription-resumed-intro",
        dates: vec![("date", today)],
    };
    let change = Change::new("subscription.resumed", String::new(), record).telling(told);
    save(db, user, &s, status, change).await
}

/// Cancels: a running subscription runs until its cancel date (moved out, and said so, when the
/// product's minimum term or notice period reaches further); one that never started ends now.
/// The customer gets the confirmation by email.
pub async fn cancel(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    when: CancelWhen,
    today: NaiveDate,
) -> Result<Cancelled, ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    let (next, outcome) = cancellation_of(db, user, &s, status, when, today).await?;
    s.status = next.as_str().into();
    s.cancel_on = Some(outcome.last_day.unwrap_or(today));
    s.pause_on = None;
    s.resume_on = None;
    let told = match outcome.last_day {
        Some(last) => Told {
            subject: "subscription-cancelled-subject",
            intro: "subscription-cancelled-intro",
            dates: vec![("date", last)],
        },
        None => Told {
            subject: "subscription-cancelled-subject",
            intro: "subscription-cancelled-unstarted",
            dates: Vec::new(),
        },
    };
    let change = Change::new(
        "subscription.cancelled",
        outcome.summary(),
        PauseRecord::Unchanged,
    )
    .telling(told);
    save(db, user, &s, status, change).await?;
    Ok(outcome)
}

/// What cancelling would come to, without cancelling: for the confirmation step.
pub async fn preview_cancel(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    when: CancelWhen,
    today: NaiveDate,
) -> Result<Cancelled, ChangeError> {
    let (s, status) = load(db, user, id).await?;
    Ok(cancellation_of(db, user, &s, status, when, today).await?.1)
}

/// The status after cancelling `s` and its last day.
async fn cancellation_of(
    db: &Db,
    user: &dyn Actor,
    s: &Subscription,
    status: Status,
    when: CancelWhen,
    today: NaiveDate,
) -> Result<(Status, Cancelled), ChangeError> {
    let next = status.next(Event::Cancel)?;
    let plan = billing::plan(s, &[]).context("the subscription's interval")?;
    let asked = match when {
        CancelWhen::Now => today,
        CancelWhen::EndOfPeriod => plan
            .period_containing(today.max(s.start_date))
            .map_or(today, |p| p.end),
        CancelWhen::On(date) if date < today => {
            return Err(ChangeError::BadDate(
                "The cancel date cannot be in the past",
            ));
        }
        CancelWhen::On(date) => date,
    };
    if next == Status::Ended {
        let never = Cancelled {
            last_day: None,
            moved_by: None,
        };
        return Ok((next, never));
    }
    let product = store::products::get_row(db, user.merchant_id(), &s.product_id).await?;
    let terms = |v: Option<i32>| v.and_then(|n| u32::try_from(n).ok());
    let c = cancellation(
        &plan,
        today,
        asked,
        product.as_ref().and_then(|p| terms(p.minimum_term_months)),
        product.as_ref().and_then(|p| terms(p.notice_period_days)),
    );
    let outcome = Cancelled {
        last_day: Some(c.last_day),
        moved_by: c.moved_by,
    };
    Ok((next, outcome))
}

/// Undoes a cancellation while the subscription still runs: it goes on as before the
/// cancellation (an open pause ends today). The customer is told by email.
pub async fn undo_cancel(
    db: &Db,
    user: &dyn Actor,
    id: &str,
    today: NaiveDate,
) -> Result<(), ChangeError> {
    let (mut s, status) = load(db, user, id).await?;
    s.status = status.next(Event::UndoCancel)?.as_str().into();
    let was = s.cancel_on.take();
    let told = Told {
        subject: "subscription-uncancelled-subject",
        intro: "subscription-uncancelled-intro",
        dates: Vec::new(),
    };
    let details = match was {
        Some(d) => format!("cancellation undone: it no longer ends after {d}"),
        None => "cancellation undone".to_string(),
    };
    let change = Change::new(
        "subscription.uncancelled",
        details,
        PauseRecord::Ends(today),
    )
    .telling(told);
    save(db, user, &s, status, change).await
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
    let details = format!("now under mandate {}", mandate.reference);
    let change = Change::new(
        "subscription.mandate_changed",
        details,
        PauseRecord::Unchanged,
    );
    save(db, user, &s, status, change).await
}

/// Applies the changes that dates bring (start, scheduled pause, resume, end after cancel) for
/// every merchant as of `today`. Idempotent: run it as often as you like; returns how many changed.
pub async fn apply_dates(db: &Db, today: NaiveDate) -> anyhow::Result<usize> {
    apply_dates_of(db, None, today).await
}

/// `apply_dates` for one merchant (all when `None`).
async fn apply_dates_of(
    db: &Db,
    merchant_id: Option<&str>,
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let mut changed = 0;
    for mut s in subscriptions::with_due_dates(db, merchant_id, today).await? {
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
        let record = match event {
            Event::Pause => {
                let from = s.pause_on.take().unwrap_or(today);
                PauseRecord::Starts(from, s.resume_on)
            }
            Event::Resume => PauseRecord::Ends(s.resume_on.take().unwrap_or(today)),
            _ => PauseRecord::Unchanged,
        };
        let schedule = System::new(&s.merchant_id, "schedule");
        let change = Change::new(action, "by date".into(), record);
        match save(db, &schedule, &s, status, change).await {
            Ok(()) => changed += 1,
            Err(ChangeError::Conflict) => {}
            Err(e) => return Err(anyhow::anyhow!(e)),
        }
    }
    Ok(changed)
}

/// Applies the changes dates bring for each merchant on its own today.
pub async fn apply_dates_everywhere(db: &Db) -> anyhow::Result<usize> {
    let mut changed = 0;
    for merchant in store::merchants::list(db).await? {
        changed += apply_dates_of(db, Some(&merchant.id), merchant.today()).await?;
    }
    Ok(changed)
}

/// Applies date-driven changes (starts, pauses, resumes, ends) now and then every hour, until the
/// process stops; the billing run has its own schedule (`services::billing::spawn_schedule`).
pub fn spawn_schedule(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match apply_dates_everywhere(&db).await {
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
        // What each period collects: VAT included, also for a product priced without it.
        amount_minor: product.gross().minor(),
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
        create_invoice: product.wants_invoices(),
        invoice_text: String::new(),
        // A sign-up is billed from its start; an import moves this to the first period after it.
        billing_from: Some(start_date),
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
