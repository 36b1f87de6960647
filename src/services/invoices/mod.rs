//! Invoices, credit notes and SEPA pre-notifications: issued in the transaction that creates the
//! transactions they are for, numbered from the merchant's gapless series, never edited (a
//! credit note corrects them), rendered to PDF once and sent through the outbox.

pub mod notices;
pub mod pdf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::id::{IdPrefix, new_id};
use crate::domain::invoice::{LineAmount, NumberFormat, RateTotal, per_rate};
use crate::domain::webhook::{Event, EventType};
use crate::store::activity::{self, Actor, NewActivity};
use crate::store::customers::{self, Customer};
use crate::store::invoices::{self, Invoice, NewInvoice};
use crate::store::merchants::Merchant;
use crate::store::transactions::{self, NewTransaction};
use crate::store::webhooks::record_event;
use crate::store::{self, Db, Tx};

/// One party of an invoice as it was when issued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Party {
    pub name: String,
    pub company: String,
    pub address: Vec<String>,
    pub email: String,
    pub vat_number: String,
    /// The supplier's Chamber of Commerce number.
    pub kvk_number: String,
    /// The supplier's account and creditor identifier.
    pub iban: String,
    pub creditor_id: String,
    /// The customer's reference at the merchant.
    pub reference: String,
    /// The supplier's footer text.
    pub footer: String,
}

impl Party {
    /// The person's name, or the company when there is none.
    pub fn display_name(&self) -> &str {
        if self.name.is_empty() {
            &self.company
        } else {
            &self.name
        }
    }
}

/// One line of an invoice: amounts include VAT (what is collected).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub description: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    pub amount_minor: i64,
    pub vat_basis_points: u32,
}

impl Invoice {
    /// The lines as issued.
    pub fn line_items(&self) -> Vec<Line> {
        serde_json::from_str(&self.lines).unwrap_or_default()
    }

    /// VAT per rate, from the lines.
    pub fn rates(&self) -> Vec<RateTotal> {
        let lines: Vec<LineAmount> = self
            .line_items()
            .iter()
            .map(|l| LineAmount {
                amount_minor: l.amount_minor,
                vat_basis_points: l.vat_basis_points,
            })
            .collect();
        per_rate(&lines)
    }

    /// The supplier as issued.
    pub fn supplier_party(&self) -> Party {
        serde_json::from_str(&self.supplier).unwrap_or_default()
    }

    /// The customer as issued.
    pub fn recipient_party(&self) -> Party {
        serde_json::from_str(&self.recipient).unwrap_or_default()
    }

    /// The amount, VAT included.
    pub fn total(&self) -> crate::domain::Money {
        crate::domain::Money::from_minor(self.total_minor)
    }

    /// "Invoice" or "Credit note", for the admin.
    pub fn kind_label(&self) -> &'static str {
        if self.kind == "credit_note" {
            "Credit note"
        } else {
            "Invoice"
        }
    }
}

/// The merchant as an invoice's supplier.
pub fn supplier(merchant: &Merchant) -> Party {
    Party {
        name: crate::services::mandates::texts::creditor_name(merchant),
        address: address_lines(
            &merchant.street,
            &merchant.postal_code,
            &merchant.city,
            &merchant.country,
        ),
        email: merchant.contact_email.clone(),
        vat_number: merchant.vat_number.clone(),
        kvk_number: merchant.kvk_number.clone(),
        iban: merchant.creditor_iban.clone().unwrap_or_default(),
        creditor_id: merchant.creditor_id.clone().unwrap_or_default(),
        footer: merchant.invoice_footer.clone(),
        ..Party::default()
    }
}

/// The customer as an invoice's recipient.
pub fn recipient(customer: &Customer) -> Party {
    let name = format!("{} {}", customer.first_name, customer.last_name)
        .trim()
        .to_string();
    Party {
        name,
        company: customer.company.clone(),
        address: address_lines(
            &customer.street,
            &customer.postal_code,
            &customer.city,
            &customer.country,
        ),
        email: customer.email.clone(),
        vat_number: customer.vat_number.clone(),
        reference: customer.reference.clone().unwrap_or_default(),
        ..Party::default()
    }
}

fn address_lines(street: &str, postal_code: &str, city: &str, country: &str) -> Vec<String> {
    let place = format!("{} {}", postal_code.trim(), city.trim())
        .trim()
        .to_string();
    [street.trim().to_string(), place, country.trim().to_string()]
        .into_iter()
        .filter(|l| !l.is_empty())
        .collect()
}

/// A transaction to invoice, with what its line needs from the subscription.
pub struct ToInvoice<'a> {
    pub transaction: &'a NewTransaction,
    pub vat_basis_points: u32,
    /// The line's description when set; otherwise the transaction's description.
    pub invoice_text: &'a str,
}

/// Issues an invoice for each of `items` inside the caller's transaction (which also records
/// the transactions): numbers from the merchant's series of `issue_date`, reserved in one step
/// so that they are used exactly when the invoices commit. Returns the invoices' ids.
pub async fn issue(
    tx: &mut Tx,
    merchant: &Merchant,
    items: &[ToInvoice<'_>],
    issue_date: NaiveDate,
    at: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let format = NumberFormat::parse(&merchant.invoice_number_format)
        .context("the merchant's invoice number format")?;
    let customer_ids: Vec<&str> = items
        .iter()
        .map(|i| i.transaction.customer_id.as_str())
        .collect();
    let customers: std::collections::HashMap<String, Customer> =
        customers::get_many_in(tx, &merchant.id, &customer_ids)
            .await?
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
    let count = i64::try_from(items.len()).unwrap_or(i64::MAX);
    let first =
        invoices::reserve_numbers(tx, &merchant.id, &format.series(issue_date), count).await?;
    let supplier = serde_json::to_string(&supplier(merchant))?;
    let language_default = merchant.default_language.clone();
    let mut ids = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let t = item.transaction;
        let customer = customers
            .get(&t.customer_id)
            .with_context(|| format!("customer {} of {}", t.customer_id, t.id))?;
        let description = if item.invoice_text.trim().is_empty() {
            t.description.clone()
        } else {
            item.invoice_text.trim().to_string()
        };
        let line = Line {
            description,
            period_start: t.period_start,
            period_end: t.period_end,
            amount_minor: t.amount_minor,
            vat_basis_points: item.vat_basis_points,
        };
        let totals = sums(std::slice::from_ref(&line));
        let invoice = NewInvoice {
            id: new_id(IdPrefix::Invoice),
            merchant_id: merchant.id.clone(),
            kind: "invoice",
            number: format.number(issue_date, first + n as i64),
            transaction_id: t.id.clone(),
            subscription_id: t.subscription_id.clone(),
            customer_id: t.customer_id.clone(),
            credits_invoice_id: None,
            credit_reason: String::new(),
            issue_date,
            supply_start: t.period_start,
            supply_end: t.period_end,
            language: customer
                .language
                .clone()
                .unwrap_or_else(|| language_default.clone()),
            lines: serde_json::to_string(&[line])?,
            supplier: supplier.clone(),
            recipient: serde_json::to_string(&recipient(customer))?,
            net_minor: totals.0,
            vat_minor: totals.1,
            total_minor: totals.2,
            status: if t.status == "paid" { "paid" } else { "open" },
        };
        invoices::insert(tx, &invoice, at).await?;
        let event = Event::new(EventType::InvoiceIssued, &merchant.id, &invoice.id)
            .customer(&invoice.customer_id)
            .in_subscription(&invoice.subscription_id)
            .status(invoice.status, None);
        record_event(tx, &event, at)
            .await
            .context("announcing an invoice")?;
        if invoice.status == "paid" {
            // Paid at issue (an online first payment): it became paid too.
            let paid = Event::new(EventType::InvoicePaid, &merchant.id, &invoice.id)
                .customer(&invoice.customer_id)
                .in_subscription(&invoice.subscription_id)
                .status("paid", None);
            record_event(tx, &paid, at)
                .await
                .context("announcing a paid invoice")?;
        }
        ids.push(invoice.id);
    }
    Ok(ids)
}

/// Net, VAT and total of some lines, by the rounding rule of `domain::invoice`.
fn sums(lines: &[Line]) -> (i64, i64, i64) {
    let amounts: Vec<LineAmount> = lines
        .iter()
        .map(|l| LineAmount {
            amount_minor: l.amount_minor,
            vat_basis_points: l.vat_basis_points,
        })
        .collect();
    per_rate(&amounts).iter().fold((0, 0, 0), |acc, r| {
        (
            acc.0 + r.net_minor,
            acc.1 + r.vat_minor,
            acc.2 + r.gross_minor,
        )
    })
}

/// Why an invoice could not be credited.
#[derive(Debug, thiserror::Error)]
pub enum CreditError {
    #[error("Say why the invoice is credited (at most 200 characters)")]
    Reason,
    #[error("This invoice was credited already")]
    Credited,
    #[error("A credit note cannot be credited")]
    CreditNote,
    #[error("No such invoice")]
    NotFound,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// What crediting did.
#[derive(Debug, Clone)]
pub struct Credited {
    pub credit_note_id: String,
    pub number: String,
    /// Whether the invoice's transaction was still scheduled and is now cancelled.
    pub transaction_cancelled: bool,
}

/// Credits an invoice fully with a credit note (own series, negative amounts, the invoice's
/// snapshot), cancels its transaction when still scheduled, and logs who did it and why.
pub async fn credit(
    db: &Db,
    actor: &dyn Actor,
    invoice_id: &str,
    reason: &str,
) -> Result<Credited, CreditError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(CreditError::Reason);
    }
    let merchant_id = actor.merchant_id();
    let merchant = crate::store::merchants::get(db, merchant_id)
        .await?
        .ok_or(CreditError::NotFound)?;
    let format = NumberFormat::parse(&merchant.credit_note_number_format)
        .context("the merchant's credit note number format")?;
    let now = store::now();
    let today = merchant.today();
    let mut tx = db.begin().await?;
    let invoice = invoices::get_in(&mut tx, merchant_id, invoice_id)
        .await?
        .ok_or(CreditError::NotFound)?;
    if invoice.kind != "invoice" {
        return Err(CreditError::CreditNote);
    }
    if !invoices::mark_credited(&mut tx, merchant_id, invoice_id, now).await? {
        return Err(CreditError::Credited);
    }
    let lines: Vec<Line> = invoice
        .line_items()
        .into_iter()
        .map(|l| Line {
            amount_minor: -l.amount_minor,
            ..l
        })
        .collect();
    let totals = sums(&lines);
    let first = invoices::reserve_numbers(&mut tx, merchant_id, &format.series(today), 1).await?;
    let note = NewInvoice {
        id: new_id(IdPrefix::Invoice),
        merchant_id: merchant_id.to_string(),
        kind: "credit_note",
        number: format.number(today, first),
        transaction_id: invoice.transaction_id.clone(),
        subscription_id: invoice.subscription_id.clone(),
        customer_id: invoice.customer_id.clone(),
        credits_invoice_id: Some(invoice.id.clone()),
        credit_reason: reason.to_string(),
        issue_date: today,
        supply_start: invoice.supply_start,
        supply_end: invoice.supply_end,
        language: invoice.language.clone(),
        lines: serde_json::to_string(&lines).context("writing credit note lines")?,
        supplier: invoice.supplier.clone(),
        recipient: invoice.recipient.clone(),
        net_minor: totals.0,
        vat_minor: totals.1,
        total_minor: totals.2,
        status: "issued",
    };
    invoices::insert(&mut tx, &note, now).await?;
    let transaction_cancelled =
        transactions::cancel(&mut tx, merchant_id, &invoice.transaction_id, now).await?;
    for (event_type, id, status) in [
        (EventType::InvoiceCredited, invoice.id.as_str(), "credited"),
        (EventType::InvoiceIssued, note.id.as_str(), "issued"),
    ] {
        let event = Event::new(event_type, merchant_id, id)
            .customer(&invoice.customer_id)
            .in_subscription(&invoice.subscription_id)
            .status(status, None);
        record_event(&mut tx, &event, now)
            .await
            .context("announcing a credit note")?;
    }
    let details = format!(
        "{} credited by {}: {reason}{}",
        invoice.number,
        note.number,
        if transaction_cancelled {
            "; its collection is cancelled"
        } else {
            ""
        }
    );
    let entry = NewActivity::by(actor, "invoice", &invoice.id, "invoice.credited", details);
    activity::record(&mut tx, &entry, now).await?;
    let description = lines.first().map(|l| l.description.as_str()).unwrap_or("");
    let mail = notices::DocumentMail {
        id: &note.id,
        kind: note.kind,
        number: &note.number,
        language: &note.language,
        recipient: &note.recipient,
        customer_id: &note.customer_id,
        credited_number: &invoice.number,
        description,
    };
    notices::queue_document(&mut tx, &merchant, &mail, now).await?;
    tx.commit().await?;
    Ok(Credited {
        credit_note_id: note.id,
        number: note.number,
        transaction_cancelled,
    })
}

/// Emails an invoice or credit note again with its PDF (logged); false when the customer has no
/// email address.
pub async fn send_again(db: &Db, actor: &dyn Actor, invoice: &Invoice) -> anyhow::Result<bool> {
    let merchant = crate::store::merchants::get(db, &invoice.merchant_id)
        .await?
        .context("the invoice's merchant")?;
    let credited = match &invoice.credits_invoice_id {
        Some(id) => invoices::get(db, &invoice.merchant_id, id)
            .await?
            .map(|i| i.number)
            .unwrap_or_default(),
        None => String::new(),
    };
    let lines = invoice.line_items();
    let now = store::now();
    let mut tx = db.begin().await?;
    let mail = notices::DocumentMail {
        id: &invoice.id,
        kind: &invoice.kind,
        number: &invoice.number,
        language: &invoice.language,
        recipient: &invoice.recipient,
        customer_id: &invoice.customer_id,
        credited_number: &credited,
        description: lines.first().map(|l| l.description.as_str()).unwrap_or(""),
    };
    let Some(message_id) = notices::queue_document(&mut tx, &merchant, &mail, now).await? else {
        return Ok(false);
    };
    let entry = NewActivity::by(
        actor,
        "invoice",
        &invoice.id,
        "invoice.sent_again",
        format!("{} as message {message_id}", invoice.number),
    );
    activity::record(&mut tx, &entry, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// The PDF of an invoice or credit note: the stored one, or rendered now and stored (once: if
/// another render stored first, that one is returned, so every download is the same bytes).
pub async fn pdf_of(db: &Db, invoice: &Invoice) -> anyhow::Result<Vec<u8>> {
    if let Some(pdf) = invoices::pdf(db, &invoice.merchant_id, &invoice.id).await? {
        return Ok(pdf);
    }
    let credits = match &invoice.credits_invoice_id {
        Some(id) => invoices::get(db, &invoice.merchant_id, id)
            .await?
            .map(|i| i.number),
        None => None,
    };
    let logo = crate::store::merchants::logo(db, &invoice.merchant_id).await?;
    let merchant = crate::store::merchants::get(db, &invoice.merchant_id)
        .await?
        .context("the invoice's merchant")?;
    let collection = notices::collection_sentence(db, invoice).await?;
    let document = document(invoice, &merchant, credits, logo, collection);
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&document))
        .await
        .context("rendering an invoice")??;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    if !invoices::store_pdf(db, &invoice.id, &bytes, &sha).await? {
        return invoices::pdf(db, &invoice.merchant_id, &invoice.id)
            .await?
            .context("the stored PDF");
    }
    Ok(bytes)
}

/// The PDF's data of an invoice as issued.
fn document(
    invoice: &Invoice,
    merchant: &Merchant,
    credits_number: Option<String>,
    logo: Option<crate::store::merchants::Logo>,
    collection: Option<String>,
) -> pdf::InvoicePdf {
    let supplier = invoice.supplier_party();
    let recipient = invoice.recipient_party();
    let language = crate::domain::Language::parse(&invoice.language).unwrap_or_default();
    pdf::InvoicePdf {
        kind: if invoice.kind == "credit_note" {
            pdf::DocumentKind::CreditNote
        } else {
            pdf::DocumentKind::Invoice
        },
        language,
        formality: merchant.formality(),
        number: invoice.number.clone(),
        issue_date: invoice.issue_date,
        supply_start: invoice.supply_start,
        supply_end: invoice.supply_end,
        credits_number,
        credit_reason: invoice.credit_reason.clone(),
        merchant_name: supplier.name,
        merchant_address: supplier.address,
        merchant_email: supplier.email,
        merchant_kvk: supplier.kvk_number,
        merchant_vat_number: supplier.vat_number,
        merchant_iban: supplier.iban,
        creditor_id: supplier.creditor_id,
        customer_name: recipient.name,
        customer_company: recipient.company,
        customer_address: recipient.address,
        customer_email: recipient.email,
        customer_vat_number: recipient.vat_number,
        customer_reference: recipient.reference,
        lines: invoice
            .line_items()
            .into_iter()
            .map(|l| pdf::PdfLine {
                description: l.description,
                period_start: l.period_start,
                period_end: l.period_end,
                amount_minor: l.amount_minor,
                vat_basis_points: l.vat_basis_points,
            })
            .collect(),
        collection,
        footer: supplier.footer,
        brand_colour: merchant.brand_colour.clone(),
        logo: logo.map(|l| (l.data, l.content_type)),
    }
}

/// What the outbox composes (pre-notifications) and attaches (PDFs) from invoices.
pub struct Documents {
    db: Db,
    base_url: String,
}

impl Documents {
    /// The documents of `db`, with links under `base_url`.
    pub fn new(db: Db, base_url: &str) -> Documents {
        Documents {
            db,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }
}

/// The file name of a document: its number, with characters file systems dislike replaced.
pub fn file_name(invoice: &Invoice) -> String {
    let safe: String = invoice
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}.pdf")
}

impl crate::notify::Documents for Documents {
    fn prepare(&self) -> futures_util::future::BoxFuture<'_, anyhow::Result<usize>> {
        Box::pin(notices::queue_pending(&self.db, &self.base_url))
    }

    fn attachment<'a>(
        &'a self,
        message: &'a crate::store::messages::Message,
    ) -> futures_util::future::BoxFuture<'a, anyhow::Result<Option<crate::notify::Attachment>>>
    {
        Box::pin(async move {
            let Some(id) = &message.attachment_invoice_id else {
                return Ok(None);
            };
            let invoice = invoices::get(&self.db, &message.merchant_id, id)
                .await?
                .context("the attached invoice")?;
            let data = pdf_of(&self.db, &invoice).await?;
            Ok(Some(crate::notify::Attachment {
                filename: file_name(&invoice),
                content_type: "application/pdf".into(),
                data,
            }))
        })
    }
}
