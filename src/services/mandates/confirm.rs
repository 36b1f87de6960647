//! The customer's answer on the mandate page: confirm (with evidence) or decline.

use crate::domain::Language;
use crate::domain::id::{IdPrefix, new_id};
use crate::i18n::{long_date, money};
use crate::notify::{Channel, compose};
use crate::store::activity::{self, System};
use crate::store::mandates::{self, Evidence};
use crate::store::messages::{self, NewMessage};
use crate::store::subscriptions::{self};
use crate::store::{self, Db};

use super::account::{self, AccountAnswers};
use super::{LinkSettings, LinkState, MandateView, branding, entry, link_state, texts};
use crate::domain::fields::FieldErrors;
use crate::services::tokens::hash_token;

/// The version of the consent text customers see; stored with every confirmation.
pub const MANDATE_TEXT_VERSION: &str = "sepa-core-consent-2025-1";

/// How the customer's browser confirmed, kept as evidence.
#[derive(Debug, Clone)]
pub struct ConfirmationContext {
    pub ip_address: String,
    pub user_agent: String,
    pub language: Language,
}

impl ConfirmationContext {
    /// The evidence record of this confirmation, made now, of a mandate for `iban` held by
    /// `account_holder`.
    pub fn evidence(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        iban: &str,
        account_holder: &str,
    ) -> Evidence {
        Evidence {
            iban: iban.to_string(),
            account_holder: account_holder.to_string(),
            id: new_id(IdPrefix::Evidence),
            confirmed_at: now,
            ip_address: self.ip_address.clone(),
            user_agent: self.user_agent.chars().take(500).collect(),
            language: self.language.code().to_string(),
            text_version: MANDATE_TEXT_VERSION.to_string(),
        }
    }
}

/// The customer's answer on the mandate page.
#[derive(Debug, Clone)]
pub enum Answered {
    Confirmed {
        view: Box<MandateView>,
        redirect: Option<String>,
    },
    Declined(Box<MandateView>),
    /// The mandate was sent without an account and the one the customer entered is wrong: the
    /// page again, with a message per field.
    AccountRefused {
        view: Box<MandateView>,
        errors: FieldErrors,
    },
    /// The link could not be used (any more); the state says why.
    Refused(LinkState),
}

/// The customer authorises the mandate: it becomes valid (with the account the customer entered
/// in `account`, when it was sent without one), its subscriptions planned or active, the
/// evidence is stored and a confirmation email queued, all in one transaction.
pub async fn confirm(
    db: &Db,
    links: &LinkSettings,
    token: &str,
    context: &ConfirmationContext,
    account: &AccountAnswers,
) -> anyhow::Result<Answered> {
    let state = link_state(db, token).await?;
    let LinkState::Open(mut view) = state else {
        return Ok(Answered::Refused(state));
    };
    // Staff may send the link without the account: the customer enters it here.
    let entered = if view.mandate.iban.is_empty() {
        let mut errors = FieldErrors::default();
        match account::parse(account, &view.texts(context.language), &mut errors) {
            Some(entered) => Some(entered),
            None => return Ok(Answered::AccountRefused { view, errors }),
        }
    } else {
        None
    };
    let today = view.merchant.today();
    let now = store::now();
    let brand = branding(&view.merchant, &links.base_url);
    // Owned: the view takes the entered account below.
    let (merchant_id, mandate_id) = (view.merchant.id.clone(), view.mandate.id.clone());
    let (merchant_id, mandate_id) = (merchant_id.as_str(), mandate_id.as_str());
    let mut tx = db.begin().await?;
    if !mandates::use_link(&mut tx, &hash_token(token), now).await? {
        // Someone else (a double click) got there first.
        drop(tx);
        return Ok(Answered::Refused(link_state(db, token).await?));
    }
    if let Some(entered) = &entered {
        let iban = entered.iban.to_string();
        let holder = &entered.account_holder;
        if !mandates::set_account(&mut tx, merchant_id, mandate_id, &iban, holder, now).await? {
            drop(tx);
            return Ok(Answered::Refused(link_state(db, token).await?));
        }
        view.mandate.iban = iban;
        view.mandate.account_holder = holder.clone();
    }
    mandates::make_valid(&mut tx, merchant_id, mandate_id, today, now).await?;
    mandates::revoke_links(&mut tx, merchant_id, mandate_id, now).await?;
    let evidence = context.evidence(now, &view.mandate.iban, &view.mandate.account_holder);
    mandates::insert_evidence(&mut tx, merchant_id, mandate_id, &evidence).await?;
    subscriptions::start_pending(&mut tx, merchant_id, mandate_id, today, now).await?;
    let customer_actor = System::new(merchant_id, "customer");
    let details = format!(
        "confirmed from {} in {}{}",
        context.ip_address,
        context.language.code(),
        if entered.is_some() {
            ", with the account the customer entered"
        } else {
            ""
        }
    );
    activity::record(
        &mut tx,
        &entry(&customer_actor, mandate_id, "mandate.confirmed", details),
        now,
    )
    .await?;
    queue_confirmation(&mut tx, &view, context.language, &brand, None, now).await?;
    tx.commit().await?;
    let redirect = view
        .subscriptions
        .iter()
        .find_map(|s| s.success_redirect_url.clone());
    Ok(Answered::Confirmed { view, redirect })
}

/// A first period paid online, for the receipt in the confirmation email.
pub struct Receipt<'a> {
    pub payment_id: &'a str,
    pub amount_minor: i64,
    pub paid_on: chrono::NaiveDate,
    pub description: &'a str,
}

/// Queues the email confirming the mandate to the customer (when there is an address to send it
/// to) in the caller's transaction: what is debited when, and with `receipt` what was paid now
/// (whose period the collections then start after).
pub async fn queue_confirmation(
    tx: &mut crate::store::Tx,
    view: &MandateView,
    language: Language,
    brand: &compose::Branding,
    receipt: Option<&Receipt<'_>>,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    if view.customer.email.is_empty() {
        return Ok(());
    }
    let t = view.texts(language);
    let schedule = view
        .subscriptions
        .first()
        .and_then(|s| texts::subscription_schedule(language, &view.merchant, s, receipt.is_some()));
    let receipt = receipt.map(|r| {
        t.clone()
            .arg("paid", money(language, r.amount_minor))
            .arg("paid_on", long_date(language, r.paid_on))
            .arg("description", r.description)
            .arg("payment", r.payment_id)
            .get("email-receipt")
    });
    let c = compose::mandate_confirmed(&t, brand, schedule.as_deref(), receipt.as_deref())?;
    let message_id = new_id(IdPrefix::Message);
    messages::enqueue(
        tx,
        &NewMessage {
            id: &message_id,
            merchant_id: &view.merchant.id,
            customer_id: Some(&view.customer.id),
            channel: Channel::Email.as_str(),
            recipient: &view.customer.email,
            subject: &c.subject,
            body_text: &c.text,
            body_html: &c.html,
            sender_name: &view.merchant.name,
            reply_to: &view.merchant.contact_email,
            attachment_invoice_id: None,
        },
        now,
    )
    .await
}

/// The customer says the sign-up was not theirs: the link is used up, the mandate revoked and
/// the waiting subscriptions ended.
pub async fn decline(db: &Db, token: &str) -> anyhow::Result<Answered> {
    let state = link_state(db, token).await?;
    let LinkState::Open(view) = state else {
        return Ok(Answered::Refused(state));
    };
    let now = store::now();
    let (merchant_id, mandate_id) = (view.merchant.id.as_str(), view.mandate.id.as_str());
    let mut tx = db.begin().await?;
    if !mandates::use_link(&mut tx, &hash_token(token), now).await? {
        drop(tx);
        return Ok(Answered::Refused(link_state(db, token).await?));
    }
    mandates::revoke(&mut tx, merchant_id, mandate_id, now).await?;
    mandates::revoke_links(&mut tx, merchant_id, mandate_id, now).await?;
    subscriptions::end_pending(&mut tx, merchant_id, mandate_id, now).await?;
    let customer_actor = System::new(merchant_id, "customer");
    activity::record(
        &mut tx,
        &entry(
            &customer_actor,
            mandate_id,
            "mandate.declined",
            String::new(),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Answered::Declined(view))
}
