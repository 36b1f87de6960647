//! `/api/v1/invoices`: issued invoices and credit notes (read only: an issued document never
//! changes), their PDFs, and crediting an invoice.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, Caller, ListOf, PageParams, Problem, amount, date, not_allowed, pagination};
use crate::services::invoices::{self as service, CreditError};
use crate::store::invoices::{self, Invoice, InvoiceFilter, STATUSES};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/invoices")
            .get(list)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/invoices/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/invoices/{id}/pdf")
            .get(pdf)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/invoices/{id}/credit")
            .post(credit)
            .default_service(not_allowed("POST")),
    );
}

/// One line of an invoice.
#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub description: String,
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// Including VAT.
    #[schema(example = "12.95")]
    pub amount: String,
    /// Percent, e.g. "21.00".
    #[schema(example = "21.00")]
    pub vat_rate: String,
}

/// The totals of one VAT rate.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    #[schema(example = "21.00")]
    pub vat_rate: String,
    pub amount_excl_vat: String,
    pub vat: String,
    pub amount_incl_vat: String,
}

/// An invoice or credit note as issued.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvoiceView {
    #[schema(example = "inv_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    /// invoice or credit_note.
    pub kind: String,
    #[schema(example = "2027-00001")]
    pub number: String,
    pub issue_date: NaiveDate,
    pub supply_start: Option<NaiveDate>,
    pub supply_end: Option<NaiveDate>,
    pub transaction_id: String,
    pub subscription_id: String,
    pub customer_id: String,
    /// The invoice a credit note corrects.
    pub credits_invoice_id: Option<String>,
    pub credit_reason: String,
    /// open, paid, failed, overdue or credited; credit notes: issued.
    pub status: String,
    /// en, nl, fr or de: the language of the PDF.
    pub language: String,
    pub lines: Vec<LineView>,
    pub vat: Vec<RateView>,
    pub amount_excl_vat: String,
    pub vat_amount: String,
    pub total: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
    /// SHA-256 of the PDF once rendered.
    pub pdf_sha256: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn percent(basis_points: u32) -> String {
    rust_decimal::Decimal::new(i64::from(basis_points), 2).to_string()
}

impl From<Invoice> for InvoiceView {
    fn from(i: Invoice) -> InvoiceView {
        let lines = i
            .line_items()
            .into_iter()
            .map(|l| LineView {
                description: l.description,
                period_start: l.period_start,
                period_end: l.period_end,
                amount: amount(l.amount_minor),
                vat_rate: percent(l.vat_basis_points),
            })
            .collect();
        let vat = i
            .rates()
            .into_iter()
            .map(|r| RateView {
                vat_rate: percent(r.vat_basis_points),
                amount_excl_vat: amount(r.net_minor),
                vat: amount(r.vat_minor),
                amount_incl_vat: amount(r.gross_minor),
            })
            .collect();
        InvoiceView {
            id: i.id,
            kind: i.kind,
            number: i.number,
            issue_date: i.issue_date,
            supply_start: i.supply_start,
            supply_end: i.supply_end,
            transaction_id: i.transaction_id,
            subscription_id: i.subscription_id,
            customer_id: i.customer_id,
            credits_invoice_id: i.credits_invoice_id,
            credit_reason: i.credit_reason,
            status: i.status,
            language: i.language,
            lines,
            vat,
            amount_excl_vat: amount(i.net_minor),
            vat_amount: amount(i.vat_minor),
            total: amount(i.total_minor),
            currency: "EUR",
            pdf_sha256: i.pdf_sha256,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// Filters of the invoice list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvoiceQuery {
    pub customer_id: Option<String>,
    pub subscription_id: Option<String>,
    /// open, paid, failed, overdue, credited or issued.
    pub status: Option<String>,
    /// invoice or credit_note.
    pub kind: Option<String>,
    /// Issued on or after this date.
    #[param(format = Date)]
    pub issued_from: Option<String>,
    /// Issued on or before this date.
    #[param(format = Date)]
    pub issued_to: Option<String>,
}

impl InvoiceQuery {
    fn filter(&self) -> Result<InvoiceFilter, ApiError> {
        let day =
            |field, value: &Option<String>| value.as_deref().map(|v| date(field, v)).transpose();
        let status = pagination::filter(&self.status);
        if let Some(status) = status
            && !STATUSES.contains(&status)
        {
            return Err(ApiError::invalid(
                "status",
                format!("Use one of {}", STATUSES.join(", ")),
            ));
        }
        let kind = pagination::filter(&self.kind);
        if let Some(kind) = kind
            && !matches!(kind, "invoice" | "credit_note")
        {
            return Err(ApiError::invalid("kind", "Use invoice or credit_note"));
        }
        Ok(InvoiceFilter {
            status: status.map(str::to_string),
            kind: kind.map(str::to_string),
            issued_from: day("issued_from", &self.issued_from)?,
            issued_to: day("issued_to", &self.issued_to)?,
            customer_id: pagination::filter(&self.customer_id).map(str::to_string),
            subscription_id: pagination::filter(&self.subscription_id).map(str::to_string),
        })
    }
}

/// List invoices and credit notes, newest first.
#[utoipa::path(get, path = "/api/v1/invoices", tag = "invoices",
    params(PageParams, InvoiceQuery),
    responses((status = 200, description = "A page of invoices", body = ListOf<InvoiceView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    query: web::Query<InvoiceQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    pagination::list(
        &page,
        async |limit, after| {
            invoices::list_after(&state.db, &caller.0.merchant_id, &filter, after, limit).await
        },
        InvoiceView::from,
    )
    .await
}

async fn found(state: &AppState, caller: &Caller, id: &str) -> Result<Invoice, ApiError> {
    invoices::get(&state.db, &caller.0.merchant_id, id)
        .await?
        .ok_or(ApiError::NotFound("invoice"))
}

/// Get an invoice or credit note.
#[utoipa::path(get, path = "/api/v1/invoices/{id}", tag = "invoices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The invoice", body = InvoiceView),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invoice = found(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(InvoiceView::from(invoice)))
}

/// The PDF of an invoice or credit note: the same bytes on every download.
#[utoipa::path(get, path = "/api/v1/invoices/{id}/pdf", tag = "invoices",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
    ))]
async fn pdf(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invoice = found(&state, &caller, &id).await?;
    let bytes = service::pdf_of(&state.db, &invoice).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", service::file_name(&invoice)),
        ))
        .body(bytes))
}

/// Why an invoice is credited.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditRequest {
    /// Printed on the credit note (1 to 200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub reason: String,
}

/// Credit an invoice fully: a credit note with its own number and negative amounts; the
/// invoice's collection is cancelled when it was not submitted yet.
#[utoipa::path(post, path = "/api/v1/invoices/{id}/credit", tag = "invoices",
    request_body = CreditRequest,
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "The credit note", body = InvoiceView),
        (status = 404, description = "No such invoice", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Credited already, or a credit note", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn credit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    input: web::Json<CreditRequest>,
) -> Result<HttpResponse, ApiError> {
    let done = service::credit(&state.db, &caller.0, &id, &input.reason)
        .await
        .map_err(|e| match e {
            CreditError::Reason => ApiError::invalid("reason", e),
            CreditError::NotFound => ApiError::NotFound("invoice"),
            CreditError::Credited | CreditError::CreditNote => ApiError::Conflict(e.to_string()),
            CreditError::Other(e) => ApiError::Internal(e),
        })?;
    let note = found(&state, &caller, &done.credit_note_id).await?;
    Ok(super::created(
        format!("/api/v1/invoices/{}", note.id),
        &InvoiceView::from(note),
    ))
}
