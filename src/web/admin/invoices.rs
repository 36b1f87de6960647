//! Invoices and credit notes: the list with filters and totals, its CSV for the bookkeeper, a
//! ZIP of a month's PDFs, and one document's page (PDF preview and download, send again,
//! credit with a reason). Nothing here edits an issued document.

use std::io::Write;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::{Layout, PageQuery, Pagination};
use crate::domain::Money;
use crate::domain::date::parse_date;
use crate::domain::fields::FieldErrors;
use crate::services::invoices::{self as service, CreditError, Line, Party};
use crate::store::customers::{self, Customer};
use crate::store::invoices::{self, Invoice, InvoiceFilter, STATUSES};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/invoices", web::get().to(list))
        .route("/invoices.csv", web::get().to(download))
        .route("/invoices.zip", web::get().to(zip_month))
        .route("/invoices/{id}", web::get().to(show))
        .route("/invoices/{id}/pdf", web::get().to(pdf))
        .route("/invoices/{id}/send", web::post().to(send_again))
        .route("/invoices/{id}/credit", web::post().to(credit));
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ListQuery {
    status: String,
    kind: String,
    issued_from: String,
    issued_to: String,
    customer_id: String,
    subscription_id: String,
    page: Option<i64>,
}

impl ListQuery {
    /// The filter, or the fields' problems (shown next to the filter form).
    fn filter(&self) -> (InvoiceFilter, FieldErrors) {
        let mut errors = FieldErrors::default();
        let status = if self.status.is_empty() {
            None
        } else if STATUSES.contains(&self.status.as_str()) {
            Some(self.status.clone())
        } else {
            errors.add("status", "Choose one of the listed statuses");
            None
        };
        let kind = match self.kind.as_str() {
            "" => None,
            "invoice" | "credit_note" => Some(self.kind.clone()),
            _ => {
                errors.add("kind", "Choose invoices or credit notes");
                None
            }
        };
        let mut date = |field: &'static str, text: &str| -> Option<NaiveDate> {
            if text.trim().is_empty() {
                None
            } else {
                errors.check(field, parse_date(text))
            }
        };
        let issued_from = date("issued_from", &self.issued_from);
        let issued_to = date("issued_to", &self.issued_to);
        if let (Some(from), Some(to)) = (issued_from, issued_to)
            && to < from
        {
            errors.add("issued_to", "The end of the range is before its start");
        }
        let id = |text: &str| (!text.trim().is_empty()).then(|| text.trim().to_string());
        let filter = InvoiceFilter {
            status,
            kind,
            issued_from,
            issued_to,
            customer_id: id(&self.customer_id),
            subscription_id: id(&self.subscription_id),
        };
        (filter, errors)
    }

    /// The filters again, for the page links and the download, ending in `&` unless empty.
    fn params(&self) -> String {
        super::kept_params(&[
            ("status", self.status.as_str()),
            ("kind", &self.kind),
            ("issued_from", &self.issued_from),
            ("issued_to", &self.issued_to),
            ("customer_id", &self.customer_id),
            ("subscription_id", &self.subscription_id),
        ])
    }
}

/// An invoice in a list, with the customer's name as issued.
struct Row {
    invoice: Invoice,
    customer: String,
}

fn rows_of(invoices: Vec<Invoice>) -> Vec<Row> {
    invoices
        .into_iter()
        .map(|invoice| Row {
            customer: invoice.recipient_party().display_name().to_string(),
            invoice,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/invoices.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    query: ListQuery,
    errors: FieldErrors,
    statuses: &'static [&'static str],
    customer: Option<Customer>,
    count: i64,
    net: Money,
    vat: Money,
    total: Money,
    /// The month the ZIP link offers by default (this month).
    month: String,
    pagination: Pagination,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let merchant = user.merchant_id();
    let (filter, errors) = query.filter();
    let page_query = PageQuery::new(query.page);
    let (mut found, (count, net, vat, total)) = if errors.is_empty() {
        let found = invoices::rows_after(
            &state.db,
            merchant,
            &filter,
            None,
            page_query.limit(),
            page_query.offset(),
        )
        .await?;
        (found, invoices::totals(&state.db, merchant, &filter).await?)
    } else {
        (Vec::new(), (0, 0, 0, 0))
    };
    let customer = match &filter.customer_id {
        Some(id) => customers::get(&state.db, merchant, id).await?,
        None => None,
    };
    let mut pagination = Pagination::of(&page_query, &mut found, "/admin/invoices");
    pagination.params = query.params();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let today = crate::domain::calendar::date_in(user.zone, chrono::Utc::now());
    let page = ListPage {
        layout: Layout::new(&session, &user, "Invoices", "invoices")?,
        rows: rows_of(found),
        query,
        errors,
        statuses: STATUSES,
        customer,
        count,
        net: Money::from_minor(net),
        vat: Money::from_minor(vat),
        total: Money::from_minor(total),
        month: format!("{:04}-{:02}", today.year(), today.month()),
        pagination,
    };
    render(status, &page)
}

/// Rows read per query while a download streams.
const EXPORT_CHUNK: i64 = 1000;

const HEADER: [&str; 16] = [
    "number",
    "kind",
    "issue_date",
    "status",
    "customer",
    "customer_vat_number",
    "description",
    "supply_start",
    "supply_end",
    "vat_rate",
    "amount_excl_vat",
    "vat",
    "amount_incl_vat",
    "currency",
    "credits",
    "id",
];

fn record(invoice: &Invoice, credited: &str) -> [String; 16] {
    let party = invoice.recipient_party();
    let customer = party.display_name().to_string();
    let lines: Vec<Line> = invoice.line_items();
    let rates = invoice
        .rates()
        .iter()
        .map(|r| rust_decimal::Decimal::new(i64::from(r.vat_basis_points), 2).to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let money = |m: i64| Money::from_minor(m).to_decimal().to_string();
    [
        invoice.number.clone(),
        invoice.kind.clone(),
        invoice.issue_date.to_string(),
        invoice.status.clone(),
        customer,
        party.vat_number,
        lines
            .iter()
            .map(|l| l.description.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        date(invoice.supply_start),
        date(invoice.supply_end),
        rates,
        money(invoice.net_minor),
        money(invoice.vat_minor),
        money(invoice.total_minor),
        "EUR".into(),
        credited.to_string(),
        invoice.id.clone(),
    ]
}

/// The filtered invoices and credit notes as CSV, streamed in chunks (flat memory).
async fn download(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, errors) = query.filter();
    if !errors.is_empty() {
        return Ok(see_other(&format!(
            "/admin/invoices?{}",
            query.params().trim_end_matches('&')
        )));
    }
    let db = state.db.clone();
    let merchant_id = user.merchant_id().to_string();
    struct Cursor {
        after: Option<(NaiveDate, String)>,
        header: bool,
        done: bool,
    }
    let start = Cursor {
        after: None,
        header: true,
        done: false,
    };
    let body = futures_util::stream::unfold(start, move |mut cursor| {
        let (db, merchant_id, filter) = (db.clone(), merchant_id.clone(), filter.clone());
        async move {
            if cursor.done {
                return None;
            }
            let mut out = if cursor.header {
                cursor.header = false;
                let mut bom = b"\xEF\xBB\xBF".to_vec();
                bom.extend(super::transactions::csv_line(&HEADER.map(String::from)));
                bom
            } else {
                Vec::new()
            };
            let found = match invoices::rows_after(
                &db,
                &merchant_id,
                &filter,
                cursor.after.as_ref(),
                EXPORT_CHUNK,
                0,
            )
            .await
            {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(error = ?e, "invoice export failed");
                    return Some((Err(std::io::Error::other("export failed")), cursor));
                }
            };
            cursor.done = (found.len() as i64) < EXPORT_CHUNK;
            if let Some(last) = found.last() {
                cursor.after = Some((last.issue_date, last.id.clone()));
            }
            // The numbers the chunk's credit notes refer to, in one query.
            let credited: Vec<&str> = found
                .iter()
                .filter_map(|i| i.credits_invoice_id.as_deref())
                .collect();
            let numbers = match invoices::numbers(&db, &merchant_id, &credited).await {
                Ok(numbers) => numbers,
                Err(e) => {
                    tracing::error!(error = ?e, "invoice export failed");
                    return Some((Err(std::io::Error::other("export failed")), cursor));
                }
            };
            for invoice in &found {
                let credited = invoice
                    .credits_invoice_id
                    .as_ref()
                    .and_then(|id| numbers.get(id))
                    .map_or("", String::as_str);
                out.extend(super::transactions::csv_line(&record(invoice, credited)));
            }
            Some((Ok::<_, std::io::Error>(web::Bytes::from(out)), cursor))
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"invoices.csv\"",
        ))
        .streaming(body))
}

#[derive(Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: String,
}

/// The first and last day of a month typed as `YYYY-MM`.
fn month_range(text: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (year, month) = text.trim().split_once('-')?;
    let first = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)?;
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

/// A `Write` that hands what is written to the response stream in pieces.
struct ChannelWriter {
    sender: tokio::sync::mpsc::Sender<Result<web::Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl ChannelWriter {
    fn flush_buffer(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = web::Bytes::from(std::mem::take(&mut self.buffer));
        self.sender
            .blocking_send(Ok(piece))
            .map_err(|_| std::io::Error::other("the download was closed"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(data);
        if self.buffer.len() >= 64 * 1024 {
            self.flush_buffer()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flush_buffer()
    }
}

/// The PDFs of the invoices and credit notes issued in a month, as one ZIP streamed while it is
/// written (one PDF in memory at a time).
async fn zip_month(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let Some((first, last)) = month_range(&query.month) else {
        flash(
            &session,
            FlashKind::Error,
            "Choose a month as YYYY-MM, e.g. 2027-03, for the ZIP of its PDFs.",
        );
        return Ok(see_other("/admin/invoices"));
    };
    let filter = InvoiceFilter {
        issued_from: Some(first),
        issued_to: Some(last),
        ..InvoiceFilter::default()
    };
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    // A failure travels to the ZIP writer, which then breaks the download off: a ZIP that ends
    // normally holds every document of the month.
    let (pdfs, pdf_receiver) = tokio::sync::mpsc::channel::<anyhow::Result<(String, Vec<u8>)>>(2);
    let db = state.db.clone();
    let merchant_id = user.merchant_id().to_string();
    // Reads and renders the PDFs, newest first, and hands them to the ZIP writer.
    tokio::spawn(async move {
        let mut after: Option<(NaiveDate, String)> = None;
        loop {
            let found = match invoices::rows_after(
                &db,
                &merchant_id,
                &filter,
                after.as_ref(),
                100,
                0,
            )
            .await
            {
                Ok(found) => found,
                Err(e) => {
                    let _ = pdfs.send(Err(e)).await;
                    return;
                }
            };
            let Some(last) = found.last() else { return };
            after = Some((last.issue_date, last.id.clone()));
            for invoice in &found {
                let file = service::pdf_of(&db, invoice)
                    .await
                    .map(|bytes| (service::file_name(invoice), bytes));
                let failed = file.is_err();
                if pdfs.send(file).await.is_err() || failed {
                    return;
                }
            }
        }
    });
    tokio::task::spawn_blocking(move || {
        let mut pdf_receiver = pdf_receiver;
        let writer = ChannelWriter {
            sender: sender.clone(),
            buffer: Vec::new(),
        };
        let mut zip = zip::ZipWriter::new_stream(writer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let result: anyhow::Result<()> = (|| {
            while let Some(file) = pdf_receiver.blocking_recv() {
                let (name, bytes) = file?;
                zip.start_file(name, options)?;
                zip.write_all(&bytes)?;
            }
            let mut writer = zip.finish()?.into_inner();
            writer.flush_buffer()?;
            Ok(())
        })();
        if let Err(e) = result {
            tracing::error!(error = ?e, "invoice ZIP stopped");
            let _ = sender.blocking_send(Err(std::io::Error::other("the ZIP stopped")));
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|piece| (piece, receiver))
    });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"invoices-{:04}-{:02}.zip\"",
                first.year(),
                first.month()
            ),
        ))
        .streaming(stream))
}

#[derive(Template)]
#[template(path = "admin/invoice.html")]
struct ShowPage {
    layout: Layout,
    invoice: Invoice,
    lines: Vec<Line>,
    rates: Vec<RateView>,
    supplier: Party,
    recipient: Party,
    credits: Option<Invoice>,
    credit_note: Option<Invoice>,
    transaction_status: String,
}

/// A VAT rate's totals as the page shows them.
struct RateView {
    rate: String,
    net: Money,
    vat: Money,
    gross: Money,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let merchant = user.merchant_id();
    let invoice = invoices::get(&state.db, merchant, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let credits = match &invoice.credits_invoice_id {
        Some(id) => invoices::get(&state.db, merchant, id).await?,
        None => None,
    };
    let credit_note = if invoice.kind == "invoice" {
        invoices::credit_note_of(&state.db, merchant, &invoice.id).await?
    } else {
        None
    };
    let transaction_status =
        crate::store::transactions::get(&state.db, merchant, &invoice.transaction_id)
            .await?
            .map(|t| t.status)
            .unwrap_or_default();
    let rates = invoice
        .rates()
        .iter()
        .map(|r| RateView {
            rate: format!(
                "{} %",
                rust_decimal::Decimal::new(i64::from(r.vat_basis_points), 2).normalize()
            ),
            net: Money::from_minor(r.net_minor),
            vat: Money::from_minor(r.vat_minor),
            gross: Money::from_minor(r.gross_minor),
        })
        .collect();
    let title = format!("{} {}", invoice.kind_label(), invoice.number);
    let page = ShowPage {
        layout: Layout::new(&session, &user, &title, "invoices")?,
        lines: invoice.line_items(),
        rates,
        supplier: invoice.supplier_party(),
        recipient: invoice.recipient_party(),
        invoice,
        credits,
        credit_note,
        transaction_status,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct PdfQuery {
    /// `1`: shown in the page instead of downloaded.
    #[serde(default)]
    inline: String,
}

/// The stored PDF: the same bytes every time.
async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<PdfQuery>,
) -> Result<HttpResponse, AppError> {
    let invoice = invoices::get(&state.db, user.merchant_id(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = service::pdf_of(&state.db, &invoice).await?;
    let disposition = if query.inline == "1" {
        "inline"
    } else {
        "attachment"
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!(
                "{disposition}; filename=\"{}\"",
                service::file_name(&invoice)
            ),
        ))
        .body(bytes))
}

async fn send_again(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let invoice = invoices::get(&state.db, user.merchant_id(), &id)
        .await?
        .ok_or(AppError::NotFound)?;
    if service::send_again(&state.db, &user.user, &invoice).await? {
        flash(
            &session,
            FlashKind::Success,
            &format!(
                "{} {} is queued to be emailed again with its PDF.",
                invoice.kind_label(),
                invoice.number
            ),
        );
    } else {
        flash(
            &session,
            FlashKind::Error,
            "The customer has no email address: add one to the customer first.",
        );
    }
    Ok(see_other(&format!("/admin/invoices/{id}")))
}

#[derive(Deserialize)]
struct CreditForm {
    #[serde(default)]
    reason: String,
}

async fn credit(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<CreditForm>,
) -> Result<HttpResponse, AppError> {
    match service::credit(&state.db, &user.user, &id, &form.reason).await {
        Ok(done) => {
            flash(
                &session,
                FlashKind::Success,
                &format!(
                    "Credit note {} is issued{}.",
                    done.number,
                    if done.transaction_cancelled {
                        "; the collection of this invoice is cancelled"
                    } else {
                        ""
                    }
                ),
            );
            Ok(see_other(&format!(
                "/admin/invoices/{}",
                done.credit_note_id
            )))
        }
        Err(CreditError::NotFound) => Err(AppError::NotFound),
        Err(CreditError::Other(e)) => Err(AppError::Unexpected(e)),
        Err(e) => {
            flash(&session, FlashKind::Error, &e.to_string());
            Ok(see_other(&format!("/admin/invoices/{id}")))
        }
    }
}
