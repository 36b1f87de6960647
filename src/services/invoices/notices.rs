//! Pre-notifications: every direct debit is announced to the customer before it is collected,
//! by the invoice email when the transaction has an invoice, by a notice of its own otherwise.
//!
//! The billing run marks each new transaction's notice `pending` in the transaction that
//! creates it (the transaction row is the outbox record, so a million periods cost no extra
//! rows). A round here turns pending notices into messages: for each, in one database
//! transaction, it claims the notice (`pending` → `queued`, so a second instance finds nothing)
//! and queues the email with its text in the customer's language; the outbox worker sends it.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::{Iban, Language};
use crate::i18n::{Texts, long_date, money};
use crate::notify::compose::{self, Branding, NoticeParts};
use crate::store::invoices::Invoice;
use crate::store::merchants::{self, Merchant};
use crate::store::messages::{self, NewMessage};
use crate::store::transactions::{self, PendingNotice};
use crate::store::{self, Db, Tx};

/// Notices claimed per database transaction.
const BATCH: i64 = 200;

/// The IBAN as a notice shows it: country and check digits, then only the last four.
fn masked_iban(iban: &str) -> String {
    Iban::parse(iban)
        .map(|i| i.masked())
        .unwrap_or_else(|_| "****".into())
}

/// The merchant's name as creditor.
fn creditor(merchant: &Merchant) -> String {
    crate::services::mandates::texts::creditor_name(merchant)
}

/// The language of a customer's messages: theirs, else the merchant's.
fn language(customer_language: Option<&str>, merchant: &Merchant) -> Language {
    customer_language
        .and_then(|l| Language::parse(l).ok())
        .or_else(|| Language::parse(&merchant.default_language).ok())
        .unwrap_or_default()
}

/// The texts of a notice about a collection of `amount_minor` on `date`.
#[allow(clippy::too_many_arguments)]
fn collection_texts(
    language: Language,
    merchant: &Merchant,
    name: &str,
    description: &str,
    amount_minor: i64,
    date: NaiveDate,
    iban: &str,
    reference: &str,
) -> Texts {
    Texts::new(language, merchant.formality())
        .arg("creditor", creditor(merchant))
        .arg("name", name.to_string())
        .arg("description", description.to_string())
        .arg("amount", money(language, amount_minor))
        .arg("date", long_date(language, date))
        .arg("iban", masked_iban(iban))
        .arg("reference", reference.to_string())
        .arg(
            "creditor_id",
            merchant.creditor_id.clone().unwrap_or_default(),
        )
        .arg("email", merchant.contact_email.clone())
}

/// The sentence an invoice prints about its collection ("€ 12,95 wordt op 1 maart 2027
/// afgeschreven van IBAN NL91 **** …"), in the invoice's language: for open invoices of direct
/// debits that are still to be collected.
pub async fn collection_sentence(db: &Db, invoice: &Invoice) -> anyhow::Result<Option<String>> {
    if invoice.kind != "invoice" {
        return Ok(None);
    }
    let Some(t) = transactions::get(db, &invoice.merchant_id, &invoice.transaction_id).await?
    else {
        return Ok(None);
    };
    if !matches!(t.sequence_type.as_str(), "FRST" | "RCUR") || t.status != "scheduled" {
        return Ok(None);
    }
    let Some(mandate_id) = &t.mandate_id else {
        return Ok(None);
    };
    let Some(mandate) = crate::store::mandates::get(db, &invoice.merchant_id, mandate_id).await?
    else {
        return Ok(None);
    };
    let merchant = merchants::get(db, &invoice.merchant_id)
        .await?
        .context("the invoice's merchant")?;
    let language = Language::parse(&invoice.language).unwrap_or_default();
    let texts = collection_texts(
        language,
        &merchant,
        "",
        &t.description,
        t.amount_minor,
        t.due_date,
        &mandate.iban,
        &mandate.reference,
    );
    Ok(Some(texts.get("notice-collection")))
}

/// The merchant and its email look, loaded once per round.
struct Sender {
    merchant: Merchant,
    brand: Branding,
}

async fn sender(db: &Db, merchant_id: &str, base_url: &str) -> anyhow::Result<Sender> {
    let merchant = merchants::get(db, merchant_id)
        .await?
        .context("a notice's merchant")?;
    let logo_url = merchants::logo_version(db, merchant_id)
        .await?
        .map(|at| format!("{base_url}/media/logo/{merchant_id}?v={}", at.timestamp()));
    let brand = Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url,
    };
    Ok(Sender { merchant, brand })
}

/// Queues the messages of pending notices, in batches; returns how many it queued.
pub async fn queue_pending(db: &Db, base_url: &str) -> anyhow::Result<usize> {
    let mut senders: HashMap<String, Sender> = HashMap::new();
    let mut queued = 0;
    let mut after = None;
    loop {
        let pending = transactions::pending_notices(db, after.as_ref(), BATCH).await?;
        let Some(last) = pending.last() else {
            return Ok(queued);
        };
        after = Some((last.created_at, last.id.clone()));
        for p in &pending {
            if !senders.contains_key(&p.merchant_id) {
                let s = sender(db, &p.merchant_id, base_url).await?;
                senders.insert(p.merchant_id.clone(), s);
            }
        }
        // Composed before the database transaction, which only claims and queues.
        let composed = pending
            .iter()
            .map(|p| compose_one(&senders[&p.merchant_id], p))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let now = store::now();
        let mut tx = db.begin().await?;
        for (p, c) in pending.iter().zip(&composed) {
            let s = &senders[&p.merchant_id];
            if queue_one(&mut tx, s, p, c.as_ref(), now).await? {
                queued += 1;
            }
        }
        tx.commit().await?;
    }
}

/// Claims one pending notice and queues its email (`None`: the customer has no address);
/// false when another round claimed it first.
async fn queue_one(
    tx: &mut Tx,
    s: &Sender,
    p: &PendingNotice,
    composed: Option<&compose::Composed>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Some(c) = composed else {
        // Nobody to tell: the collection waits for a person (the collections list says why).
        transactions::set_notice(tx, &p.id, "none", None, now).await?;
        return Ok(false);
    };
    if !transactions::claim_notice(tx, &p.id, now).await? {
        return Ok(false);
    }
    let to = Recipient {
        customer_id: &p.customer_id,
        email: &p.email,
    };
    // The invoice's PDF goes with the first notice only.
    let attachment = p.invoice_id.as_deref().filter(|_| p.retries == 0);
    let message_id = enqueue(tx, &s.merchant, to, c, attachment, now).await?;
    transactions::set_notice(tx, &p.id, "queued", Some(&message_id), now).await?;
    Ok(true)
}

/// The email of a pending notice in the customer's language; none without an address.
fn compose_one(s: &Sender, p: &PendingNotice) -> anyhow::Result<Option<compose::Composed>> {
    if p.email.trim().is_empty() {
        return Ok(None);
    }
    let language = language(p.language.as_deref(), &s.merchant);
    let name = {
        let n = format!("{} {}", p.first_name, p.last_name);
        let n = n.trim().to_string();
        if n.is_empty() { p.company.clone() } else { n }
    };
    let collects = matches!(p.sequence_type.as_str(), "FRST" | "RCUR") && p.iban.is_some();
    let mut t = collection_texts(
        language,
        &s.merchant,
        &name,
        &p.description,
        p.amount_minor,
        p.due_date,
        p.iban.as_deref().unwrap_or_default(),
        p.mandate_reference.as_deref().unwrap_or_default(),
    );
    if let (Some(start), Some(end)) = (p.period_start, p.period_end) {
        t = t
            .arg("start", long_date(language, start))
            .arg("end", long_date(language, end));
    }
    if let Some(number) = &p.invoice_number {
        t = t.arg("number", number.clone());
    }
    let retry = p.retries > 0;
    if retry {
        t = t.arg(
            "reason",
            crate::domain::collection::meaning(&p.failure_reason).to_string(),
        );
    }
    // A retry's notice is about the new attempt, not the invoice (sent with the first).
    let invoice = p.invoice_id.is_some() && !retry;
    let parts = NoticeParts {
        subject: if retry {
            "notice-retry-subject"
        } else if invoice {
            "notice-invoice-subject"
        } else {
            "notice-subject"
        },
        intro: if retry {
            "notice-retry-intro"
        } else if invoice {
            "notice-invoice-intro"
        } else {
            "notice-intro"
        },
        collects,
        has_period: p.period_start.is_some(),
        has_contact: !s.merchant.contact_email.is_empty(),
        link: None,
    };
    compose::notice(&t, &s.brand, parts).map(Some)
}

/// An invoice or credit note to email with its PDF.
pub struct DocumentMail<'a> {
    pub id: &'a str,
    /// `invoice` or `credit_note`.
    pub kind: &'a str,
    pub number: &'a str,
    pub language: &'a str,
    /// The recipient as issued (JSON of `Party`).
    pub recipient: &'a str,
    pub customer_id: &'a str,
    /// The invoice a credit note corrects.
    pub credited_number: &'a str,
    /// The first line's description.
    pub description: &'a str,
}

/// Queues the email of an invoice or credit note with its PDF, inside the caller's transaction
/// (a credit note when issued; an invoice again at a person's request). Returns the message id,
/// or none when the customer has no email address.
pub async fn queue_document(
    tx: &mut Tx,
    merchant: &Merchant,
    doc: &DocumentMail<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let recipient: super::Party = serde_json::from_str(doc.recipient).unwrap_or_default();
    if recipient.email.trim().is_empty() {
        return Ok(None);
    }
    let language = Language::parse(doc.language).unwrap_or_default();
    let t = Texts::new(language, merchant.formality())
        .arg("creditor", creditor(merchant))
        .arg("name", recipient.display_name().to_string())
        .arg("number", doc.number.to_string())
        .arg("credited", doc.credited_number.to_string())
        .arg("description", doc.description.to_string())
        .arg("email", merchant.contact_email.clone());
    let brand = Branding {
        name: merchant.name.clone(),
        colour: merchant.brand_colour.clone(),
        logo_url: None,
    };
    let credit = doc.kind == "credit_note";
    let parts = NoticeParts {
        subject: if credit {
            "notice-credit-subject"
        } else {
            "notice-invoice-subject"
        },
        intro: if credit {
            "notice-credit-intro"
        } else {
            "notice-invoice-intro"
        },
        collects: false,
        has_period: false,
        has_contact: !merchant.contact_email.is_empty(),
        link: None,
    };
    let c = compose::notice(&t, &brand, parts)?;
    let to = Recipient {
        customer_id: doc.customer_id,
        email: &recipient.email,
    };
    Ok(Some(
        enqueue(tx, merchant, to, &c, Some(doc.id), now).await?,
    ))
}

/// Who an email goes to.
#[derive(Clone, Copy)]
pub(crate) struct Recipient<'a> {
    pub customer_id: &'a str,
    pub email: &'a str,
}

/// Queues a composed email from the merchant, with the PDF of `attachment`; its message id.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    merchant: &Merchant,
    to: Recipient<'_>,
    c: &compose::Composed,
    attachment: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let message_id = new_id(IdPrefix::Message);
    messages::enqueue(
        tx,
        &NewMessage {
            id: &message_id,
            merchant_id: &merchant.id,
            customer_id: Some(to.customer_id),
            channel: "email",
            recipient: to.email,
            subject: &c.subject,
            body_text: &c.text,
            body_html: &c.html,
            sender_name: &merchant.name,
            reply_to: &merchant.contact_email,
            attachment_invoice_id: attachment,
        },
        now,
    )
    .await?;
    Ok(message_id)
}
