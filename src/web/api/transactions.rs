//! `/api/v1/transactions`: the collections and payments of subscription periods (read only).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, Caller, ListOf, PageParams, Problem, amount, not_allowed, pagination};
use crate::store::payments::{self, Transaction};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/transactions")
            .get(list)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/transactions/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    );
}

/// The charge of one subscription period.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransactionView {
    #[schema(example = "trx_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub subscription_id: String,
    pub customer_id: String,
    /// The first day of the period it pays for.
    pub period_start: NaiveDate,
    pub due_date: NaiveDate,
    #[schema(example = "12.95")]
    pub amount: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
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
            period_start: t.period_start,
            due_date: t.due_date,
            amount: amount(t.amount_minor),
            currency: "EUR",
            sequence_type: t.sequence_type,
            status: t.status,
            failure_reason: t.failure_reason,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// Filters of the transaction list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionFilter {
    pub subscription_id: Option<String>,
}

/// List transactions, newest first.
#[utoipa::path(get, path = "/api/v1/transactions", tag = "transactions",
    params(PageParams, TransactionFilter),
    responses((status = 200, description = "A page of transactions", body = ListOf<TransactionView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    filter: web::Query<TransactionFilter>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            payments::list_transactions_after(
                &state.db,
                &caller.0.merchant_id,
                after,
                pagination::filter(&filter.subscription_id),
                limit,
            )
            .await
        },
        TransactionView::from,
    )
    .await
}

/// Get a transaction.
#[utoipa::path(get, path = "/api/v1/transactions/{id}", tag = "transactions",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The transaction", body = TransactionView),
        (status = 404, description = "No such transaction", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let t = payments::get_transaction(&state.db, &caller.0.merchant_id, &id)
        .await?
        .ok_or(ApiError::NotFound("transaction"))?;
    Ok(HttpResponse::Ok().json(TransactionView::from(t)))
}
