//! `/api/v1/transactions`: what customers owe for subscription periods and one-off charges, and
//! how their collection stands; one-off charges are created and scheduled ones cancelled here.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiError, Caller, ListOf, PageParams, Problem, amount, created, date, not_allowed, pagination,
};
use crate::services::transactions::{self as service, ChargeInput, TransactionError};
use crate::store::transactions::{self, Transaction, TransactionFilter};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/transactions")
            .get(list)
            .post(create)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/transactions/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/transactions/{id}/cancel")
            .post(cancel)
            .default_service(not_allowed("POST")),
    );
}

/// What a customer owes for one subscription period (`kind` period) or a one-off charge.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionView {
    #[schema(example = "trx_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub subscription_id: String,
    pub customer_id: String,
    /// The mandate it is collected under.
    pub mandate_id: Option<String>,
    /// period or one_off.
    pub kind: String,
    /// The first and last day of the period it pays for (none for a one-off charge).
    pub period_start: Option<NaiveDate>,
    pub period_end: Option<NaiveDate>,
    /// The collection date (a TARGET2 business day).
    pub due_date: NaiveDate,
    #[schema(example = "12.95")]
    pub amount: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
    pub description: String,
    /// FRST or RCUR for direct debits, ONLINE for a payment through the payment provider.
    pub sequence_type: String,
    /// scheduled, submitted, paid, failed, charged_back or cancelled.
    pub status: String,
    pub failure_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Transaction> for TransactionView {
    fn from(t: Transaction) -> TransactionView {
        TransactionView {
            id: t.id,
            subscription_id: t.subscription_id,
            customer_id: t.customer_id,
            mandate_id: t.mandate_id,
            kind: t.kind,
            period_start: t.period_start,
            period_end: t.period_end,
            due_date: t.due_date,
            amount: amount(t.amount_minor),
            currency: "EUR",
            description: t.description,
            sequence_type: t.sequence_type,
            status: t.status,
            failure_reason: t.failure_reason,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// One change of a transaction's collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// exported, submitted, rejected, returned, rescheduled, paid, failed, charged_back or
    /// batch_cancelled.
    pub event: String,
    /// The transaction's status after it.
    pub status: String,
    /// The collection attempt (1 for the first, 2 and 3 for retries).
    pub attempt: Option<i32>,
    /// The bank's reason code (AM04, MD06…).
    pub reason_code: String,
    /// The batch or return file it came from.
    pub source: String,
    /// The (new) collection date.
    pub due_date: Option<NaiveDate>,
    pub note: String,
    pub at: DateTime<Utc>,
}

/// A transaction with its history (eCurring's `history[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionDetail {
    #[serde(flatten)]
    pub transaction: TransactionView,
    pub history: Vec<HistoryView>,
}

/// Filters of the transaction list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionQuery {
    pub subscription_id: Option<String>,
    pub customer_id: Option<String>,
    /// scheduled, submitted, paid, failed, charged_back or cancelled.
    pub status: Option<String>,
    /// Due on or after this date.
    #[param(format = Date)]
    pub due_from: Option<String>,
    /// Due on or before this date.
    #[param(format = Date)]
    pub due_to: Option<String>,
}

impl TransactionQuery {
    fn filter(&self) -> Result<TransactionFilter, ApiError> {
        // A date filter given must be a date: `?due_to=` is refused, not read as no filter.
        let day =
            |field, value: &Option<String>| value.as_deref().map(|v| date(field, v)).transpose();
        let status = pagination::filter(&self.status);
        if let Some(status) = status
            && !transactions::STATUSES.contains(&status)
        {
            return Err(ApiError::invalid(
                "status",
                format!("Use one of {}", transactions::STATUSES.join(", ")),
            ));
        }
        Ok(TransactionFilter {
            status: status.map(str::to_string),
            due_from: day("due_from", &self.due_from)?,
            due_to: day("due_to", &self.due_to)?,
            customer_id: pagination::filter(&self.customer_id).map(str::to_string),
            subscription_id: pagination::filter(&self.subscription_id).map(str::to_string),
        })
    }
}

/// List transactions, newest first.
#[utoipa::path(get, path = "/api/v1/transactions", tag = "transactions",
    params(PageParams, TransactionQuery),
    responses((status = 200, description = "A page of transactions", body = ListOf<TransactionView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    query: web::Query<TransactionQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter()?;
    pagination::list(
        &page,
        async |limit, after| {
            transactions::list_after(&state.db, &caller.0.merchant_id, &filter, after, limit).await
        },
        TransactionView::from,
    )
    .await
}

/// Get a transaction.
#[utoipa::path(get, path = "/api/v1/transactions/{id}", tag = "transactions",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The transaction with its history", body = TransactionDetail),
        (status = 404, description = "No such transaction", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = transactions::get(&state.db, &caller.0.merchant_id, &id)
        .await?
        .ok_or(ApiError::NotFound("transaction"))?;
    let history = crate::store::collections::history(&state.db, &caller.0.merchant_id, &t.id)
        .await?
        .into_iter()
        .map(|h| HistoryView {
            event: h.event,
            status: h.status,
            attempt: h.attempt,
            reason_code: h.reason_code,
            source: h.source,
            due_date: h.due_date,
            note: h.note,
            at: h.at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TransactionDetail {
        transaction: TransactionView::from(t),
        history,
    }))
}

/// A one-off charge (eCurring's "create transaction").
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeRequest {
    pub subscription_id: String,
    /// A decimal string, e.g. "25.00": above zero, at most 999999999.99.
    #[schema(example = "25.00")]
    pub amount: String,
    /// The collection date: no earlier than today plus the merchant's pre-notification lead
    /// (moved to the next TARGET2 business day).
    #[schema(format = Date, example = "2027-01-15")]
    pub due_date: String,
    /// What it is for; on the customer's bank statement (at most 140 characters).
    #[schema(max_length = 140)]
    pub description: String,
}

fn refused(e: TransactionError) -> ApiError {
    match e {
        TransactionError::SubscriptionNotFound | TransactionError::NotRunning => {
            ApiError::invalid("subscription_id", e)
        }
        TransactionError::NoMandate => ApiError::invalid("subscription_id", e),
        TransactionError::NotFound => ApiError::NotFound("transaction"),
        TransactionError::NotScheduled(_) | TransactionError::InBatch => {
            ApiError::Conflict(e.to_string())
        }
        TransactionError::Unexpected(e) => ApiError::Internal(e),
    }
}

/// Charge a subscription once.
#[utoipa::path(post, path = "/api/v1/transactions", tag = "transactions",
    request_body = ChargeRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "Created", body = TransactionView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    input: web::Json<ChargeRequest>,
) -> Result<HttpResponse, ApiError> {
    let input = input.into_inner();
    let earliest = service::earliest_collection(&state.db, &caller.0.merchant_id).await?;
    let charge = ChargeInput {
        amount: input.amount,
        due_date: input.due_date,
        description: input.description,
    }
    .parse(earliest)
    .map_err(|e| ApiError::from_fields(&e))?;
    let t = service::charge(&state.db, &caller.0, &input.subscription_id, charge)
        .await
        .map_err(refused)?;
    Ok(created(
        format!("/api/v1/transactions/{}", t.id),
        &TransactionView::from(t),
    ))
}

/// Cancel a transaction that is still scheduled.
#[utoipa::path(post, path = "/api/v1/transactions/{id}/cancel", tag = "transactions",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The cancelled transaction", body = TransactionView),
        (status = 404, description = "No such transaction", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not scheduled any more", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = service::cancel(&state.db, &caller.0, &id)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(TransactionView::from(t)))
}
