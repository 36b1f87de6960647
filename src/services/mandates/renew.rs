//! A new mandate from the customer after the bank said the old one can't be used (account
//! closed, no mandate at the debtor's bank…): the email's signed link opens a page for the new
//! account; confirming it makes a valid mandate with evidence, moves the running subscriptions
//! and scheduled transactions to it, and collects what failed under the old one again (its own
//! notice; the retry cap still holds), all in one transaction and exactly once.

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::MandateReference;
use crate::domain::collection::{MAX_RETRIES, ReturnAction, ReturnPolicy};
use crate::domain::fields::FieldErrors;
use crate::domain::id::{IdPrefix, new_id};
use crate::domain::webhook::{Event, EventType};
use crate::i18n::{Texts, long_date, money};
use crate::notify::compose::{self, NoticeParts};
use crate::services::collections::dunning::Links;
use crate::store::activity::{self, System};
use crate::store::collections::{self as collections, NewHistory, OpenDebit};
use crate::store::customers::{self};
use crate::store::mandates::{self, Mandate};
use crate::store::merchants::{self};
use crate::store::messages::{self, NewMessage};
use crate::store::subscriptions::{self};
use crate::store::webhooks::record_event;
use crate::store::{self, Db};

use super::{ConfirmationContext, MandateView, branding, entry, language_of};

/// How long the link in the email opens the page.
pub const LINK_DAYS: i64 = 30;

/// The page for a new mandate: the old mandate and what waits for a new one.
#[derive(Debug, Clone)]
pub struct Renewal {
    /// The old mandate with its running subscriptions.
    pub view: MandateView,
    /// Failed transactions the new mandate collects again (the merchant's table says the
    /// mandate was unusable, and the retry cap leaves room).
    pub again: Vec<OpenDebit>,
    /// The merchant asked for it (a new bank account, say): the old mandate still works and is
    /// revoked when the new one is given.
    pub asked: bool,
}

/// What a new-mandate link leads to.
#[derive(Debug, Clone)]
pub enum RenewState {
    /// Not a link Abbo signed, or for no mandate.
    Unknown,
    /// Past its date; the customer contacts the merchant.
    Expired(Box<MandateView>),
    /// The customer gave the new mandate already (this one).
    Given(Box<MandateView>, Box<Mandate>),
    /// The mandate is usable, or nothing waits for a new one any more.
    NotNeeded(Box<MandateView>),
    Open(Box<Renewal>),
}

/// The link's signed fields, as the URL carries them.
#[derive(Debug, Clone, Copy)]
pub struct LinkParts<'a> {
    pub mandate_id: &'a str,
    pub until: &'a str,
    pub signature: &'a str,
}

/// The link asking for a new mandate in place of `mandate_id`, open until `until`.
pub fn link(links: &Links, mandate_id: &str, until: NaiveDate) -> String {
    let until = until.format("%Y-%m-%d").to_string();
    format!(
        "{}/m/new/{mandate_id}?until={until}&s={}",
        links.base_url,
        links.sign(&format!("new-mandate:{mandate_id}:{until}"))
    )
}

/// The link the merchant sends to ask for a new mandate in place of a valid one (a customer's new
/// bank account), open until `until`: the same page, signed for that purpose.
pub fn asked_link(links: &Links, mandate_id: &str, until: NaiveDate) -> String {
    let until = until.format("%Y-%m-%d").to_string();
    format!(
        "{}/m/new/{mandate_id}?until={until}&s={}",
        links.base_url,
        links.sign(&format!("new-mandate-asked:{mandate_id}:{until}"))
    )
}

/// Looks a link up.
pub async fn renewal_state(
    db: &Db,
    links: &Links,
    parts: LinkParts<'_>,
) -> anyhow::Result<RenewState> {
    let fields = |purpose: &str| format!("{purpose}:{}:{}", parts.mandate_id, parts.until);
    let after_failure = links.verify_signed(&fields("new-mandate"), parts.signature);
    let asked = links.verify_signed(&fields("new-mandate-asked"), parts.signature);
    let until = NaiveDate::parse_from_str(parts.until, "%Y-%m-%d");
    let (true, Ok(until)) = (after_failure || asked, until) else {
        return Ok(RenewState::Unknown);
    };
    let Some(merchant_id) = mandates::merchant_of(db, parts.mandate_id).await? else {
        return Ok(RenewState::Unknown);
    };
    let merchant = merchants::get(db, &merchant_id)
        .await?
        .context("the mandate's merchant")?;
    let mandate = mandates::get(db, &merchant_id, parts.mandate_id)
        .await?
        .context("the mandate")?;
    let customer = customers::get(db, &merchant_id, &mandate.customer_id)
        .await?
        .context("the mandate's customer")?;
    let subscriptions = subscriptions::for_mandate(db, &merchant_id, &mandate.id)
        .await?
        .into_iter()
        // Running ones, including those cancelled to end later: their last debits need it too.
        .filter(|s| {
            matches!(
                s.status.as_str(),
                "planned" | "active" | "paused" | "cancelled"
            )
        })
        .collect();
    let language = language_of(&customer, &merchant);
    let view = MandateView {
        merchant,
        mandate,
        customer,
        subscriptions,
        language,
    };
    if let Some(new) = mandates::replacement_of(db, &merchant_id, parts.mandate_id).await? {
        return Ok(RenewState::Given(Box::new(view), Box::new(new)));
    }
    if until < view.merchant.today() {
        return Ok(RenewState::Expired(Box::new(view)));
    }
    let policy = policy_of(db, &merchant_id).await?;
    let mut again = Vec::new();
    for d in collections::failed_under_mandate(db, &merchant_id, parts.mandate_id).await? {
        if d.retries < MAX_RETRIES && policy.action(&d.failure_reason) == ReturnAction::NewMandate {
            again.push(d);
        }
    }
    let usable = if asked { "valid" } else { "revoked" };
    if view.mandate.status != usable || (view.subscriptions.is_empty() && again.is_empty()) {
        return Ok(RenewState::NotNeeded(Box::new(view)));
    }
    Ok(RenewState::Open(Box::new(Renewal { view, again, asked })))
}

async fn policy_of(db: &Db, merchant_id: &str) -> anyhow::Result<ReturnPolicy> {
    let settings = collections::settings(db, merchant_id)
        .await?
        .context("collection settings")?;
    Ok(ReturnPolicy::parse(&settings.return_actions).unwrap_or_default())
}

pub use super::account::{AccountAnswers, NewAccount};

/// Checks the answers against the old mandate: a valid IBAN (after a failure, another than the
/// unusable one), a holder's name, the consent.
pub fn check(
    answers: &AccountAnswers,
    renewal: &Renewal,
    t: &Texts,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::default();
    let account = super::account::parse(answers, t, &mut errors);
    let old = &renewal.view.mandate;
    if !renewal.asked
        && account
            .as_ref()
            .is_some_and(|a| a.iban.to_string() == old.iban)
    {
        errors.add("iban", t.get("renew-same-iban"));
    }
    if answers.consent.is_none() {
        errors.add("consent", t.get("error-consent"));
    }
    match account {
        Some(account) if errors.is_empty() => Ok(account),
        _ => Err(errors),
    }
}

/// What giving the new mandate did.
#[derive(Debug, Clone)]
pub enum Renewed {
    Done {
        view: Box<MandateView>,
        mandate: Box<Mandate>,
        /// Failed transactions collected again: (amount, new collection date).
        again: Vec<(i64, NaiveDate)>,
    },
    /// The link can't be used (any more): the state says why.
    Refused(RenewState),
}

/// The customer gives the new mandate.
pub async fn renew(
    db: &Db,
    links: &Links,
    parts: LinkParts<'_>,
    account: NewAccount,
    context: &ConfirmationContext,
) -> anyhow::Result<Renewed> {
    let state = renewal_state(db, links, parts).await?;
    let RenewState::Open(renewal) = state else {
        return Ok(Renewed::Refused(state));
    };
    let Renewal {
        view,
        again: failed,
        asked,
    } = &*renewal;
    let (merchant, old) = (&view.merchant, &view.mandate);
    let m = merchant.id.as_str();
    let today = merchant.today();
    let now = store::now();
    let mandate = Mandate {
        id: new_id(IdPrefix::Mandate),
        merchant_id: merchant.id.clone(),
        customer_id: old.customer_id.clone(),
        reference: MandateReference::generate(&merchant.name).to_string(),
        iban: account.iban.to_string(),
        bic: account.bic.map(|b| b.to_string()),
        account_holder: account.account_holder,
        method: "email".into(),
        status: "valid".into(),
        signed_on: Some(today),
        first_used_on: None,
        revoked_at: None,
        created_at: now,
    };
    let due = crate::domain::calendar::business_day_on_or_after(
        today + chrono::Duration::days(i64::from(merchant.notice_lead_days.max(1))),
    );
    let brand = branding(merchant, &links.base_url);
    let mut tx = db.begin().await?;
    mandates::insert(&mut tx, &mandate, now)
        .await
        .context("inserting the new mandate")?;
    if *asked {
        // The old account is no longer to be debited: the new mandate takes its place (and a
        // second answer finds it revoked and replaced).
        mandates::revoke(&mut tx, m, &old.id, now).await?;
    }
    if !mandates::claim_replacement(&mut tx, m, &old.id, &mandate.id, now).await? {
        // A second tab or a double click got there first.
        drop(tx);
        return Ok(Renewed::Refused(renewal_state(db, links, parts).await?));
    }
    let evidence = context.evidence(now, &mandate.iban, &mandate.account_holder);
    mandates::insert_evidence(&mut tx, m, &mandate.id, &evidence).await?;
    let moved = subscriptions::move_to_mandate(&mut tx, m, &old.id, &mandate.id, now).await?;
    collections::move_to_mandate(&mut tx, m, &old.id, &mandate.id, now).await?;
    let notice = merchant.send_notices;
    let mut again = Vec::new();
    for d in failed {
        collections::collect_again(&mut tx, m, &d.id, &mandate.id, due, notice, now).await?;
        let note = format!("new mandate {} from the customer", mandate.reference);
        let h = NewHistory {
            merchant_id: m,
            transaction_id: &d.id,
            event: "rescheduled",
            status: "scheduled",
            attempt: None,
            reason_code: &d.failure_reason,
            source: &mandate.id,
            due_date: Some(due),
            note: &note,
        };
        collections::record_history(&mut tx, &h, now).await?;
        let event = Event::new(EventType::TransactionRescheduled, m, &d.id)
            .customer(&old.customer_id)
            .in_subscription(&d.subscription_id)
            .status("scheduled", Some("failed"));
        record_event(&mut tx, &event, now)
            .await
            .context("announcing a transaction collected again")?;
        again.push((d.amount_minor, due));
    }
    let customer_actor = System::new(m, "customer");
    let details = format!(
        "new account from the customer's link{}, in place of {}; {moved} subscription(s) moved, \
         {} failed collection(s) again; confirmed from {} in {}",
        if *asked { " the merchant sent" } else { "" },
        old.reference,
        again.len(),
        context.ip_address,
        context.language.code()
    );
    activity::record(
        &mut tx,
        &entry(&customer_actor, &mandate.id, "mandate.replaced", details),
        now,
    )
    .await?;
    let new_view = MandateView {
        mandate: mandate.clone(),
        ..view.clone()
    };
    if !view.customer.email.trim().is_empty() {
        let language = context.language;
        let total: i64 = again.iter().map(|a| a.0).sum();
        let t = new_view
            .texts(language)
            .arg("old_reference", old.reference.clone())
            .arg("total", money(language, total))
            .arg("date", long_date(language, due));
        let parts = NoticeParts {
            subject: "renew-confirmed-subject",
            intro: if again.is_empty() {
                "renew-confirmed-intro"
            } else {
                "renew-confirmed-again"
            },
            collects: false,
            has_period: false,
            has_contact: !merchant.contact_email.is_empty(),
            link: None,
        };
        let c = compose::notice(&t, &brand, parts)?;
        queue_email(&mut tx, view, &c, now).await?;
    }
    tx.commit().await?;
    Ok(Renewed::Done {
        view: Box::new(new_view),
        mandate: Box::new(mandate),
        again,
    })
}

/// Why the merchant's request for a new mandate was refused.
#[derive(Debug, thiserror::Error)]
pub enum AskError {
    #[error("That subscription does not exist")]
    NotFound,
    #[error(
        "The subscription's mandate is not valid, so there is none to replace: after a failed \
         debit Abbo asks the customer for a new one by itself"
    )]
    NotValid,
    #[error("The customer has no email address to send the link to: add one first")]
    NoEmail,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// The merchant asks the customer of `subscription_id` for a new mandate in place of its valid
/// one (a new bank account): the email with the link (open for `LINK_DAYS`) and the activity
/// entry, in one transaction. Giving it moves the customer's running subscriptions on that
/// mandate and revokes the old one (`renew`). Returns the address the link went to.
pub async fn ask(
    db: &Db,
    links: &Links,
    actor: &dyn crate::store::activity::Actor,
    subscription_id: &str,
) -> Result<String, AskError> {
    let m = actor.merchant_id();
    let subscription = subscriptions::get(db, m, subscription_id)
        .await?
        .ok_or(AskError::NotFound)?;
    let mandate_id = subscription.mandate_id.clone().ok_or(AskError::NotValid)?;
    let mandate = mandates::get(db, m, &mandate_id)
        .await?
        .filter(|md| md.status == "valid")
        .ok_or(AskError::NotValid)?;
    let merchant = merchants::get(db, m).await?.context("the merchant")?;
    let customer = customers::get(db, m, &subscription.customer_id)
        .await?
        .ok_or(AskError::NotFound)?;
    if customer.email.trim().is_empty() {
        return Err(AskError::NoEmail);
    }
    let until = merchant.today() + chrono::Duration::days(LINK_DAYS);
    let link = asked_link(links, &mandate.id, until);
    let language = language_of(&customer, &merchant);
    let view = MandateView {
        merchant,
        mandate,
        customer,
        subscriptions: vec![subscription],
        language,
    };
    let t = view.texts(language);
    let merchant = &view.merchant;
    let parts = NoticeParts {
        subject: "mandate-asked-subject",
        intro: "mandate-asked-intro",
        collects: false,
        has_period: false,
        has_contact: !merchant.contact_email.is_empty(),
        link: Some(("mandate-needed-action", &link)),
    };
    let c = compose::notice(&t, &branding(merchant, &links.base_url), parts)?;
    let now = store::now();
    let mut tx = db.begin().await?;
    queue_email(&mut tx, &view, &c, now).await?;
    let details = format!(
        "link for a new mandate in place of {} sent to {}",
        view.mandate.reference, view.customer.email
    );
    activity::record(
        &mut tx,
        &entry(actor, &view.mandate.id, "mandate.new_requested", details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(view.customer.email.clone())
}

/// Queues an email to the customer of `view`, from its merchant, in the caller's transaction.
async fn queue_email(
    tx: &mut store::Tx,
    view: &MandateView,
    c: &compose::Composed,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let merchant = &view.merchant;
    let message_id = new_id(IdPrefix::Message);
    messages::enqueue(
        tx,
        &NewMessage {
            id: &message_id,
            merchant_id: &merchant.id,
            customer_id: Some(&view.customer.id),
            channel: "email",
            recipient: &view.customer.email,
            subject: &c.subject,
            body_text: &c.text,
            body_html: &c.html,
            sender_name: &merchant.name,
            reply_to: &merchant.contact_email,
            attachment_invoice_id: None,
        },
        now,
    )
    .await?;
    Ok(())
}
