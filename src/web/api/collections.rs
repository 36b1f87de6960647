//! `/api/v1/collections`: the collection batches (one pain.008 file each), their files, the
//! batch steps (submit, cancel, settle), and the bank's return files.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiError, Caller, ListOf, PageParams, Problem, amount, not_allowed, pagination};
use crate::services::collections::returns::{self, ReturnError};
use crate::services::collections::{self as service, CollectionError, Step};
use crate::store::collections::{self as store, Batch};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/collections")
            .get(list)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/collections/returns")
            .app_data(web::PayloadConfig::new(crate::sepa::returns::MAX_BYTES))
            .post(import_returns)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/collections/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/collections/{id}/file")
            .get(file)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/collections/{id}/submit")
            .post(submit)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/collections/{id}/cancel")
            .post(cancel)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/collections/{id}/settle")
            .post(settle)
            .default_service(not_allowed("POST")),
    );
}

/// A collection batch: one pain.008 file for one collection date.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionView {
    #[schema(example = "bat_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub collection_date: NaiveDate,
    /// pain.008.001.02 or pain.008.001.08.
    pub format: String,
    /// The file's GrpHdr/MsgId.
    pub message_id: String,
    /// exported, submitted (uploaded to the bank), settled (paid) or cancelled.
    pub status: String,
    pub transactions: i64,
    #[schema(example = "1295.00")]
    pub amount: String,
    /// Of which first collections under their mandate (FRST).
    pub first_transactions: i64,
    pub first_amount: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
    /// SHA-256 of the stored file: every download gives these bytes.
    pub file_sha256: String,
    pub file_bytes: i64,
    /// Transactions included although their pre-notification went out too recently.
    pub overrides: i64,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// The day the batch counts as paid when no return came.
    pub settle_on: Option<NaiveDate>,
    pub settled_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<Batch> for CollectionView {
    fn from(b: Batch) -> CollectionView {
        CollectionView {
            id: b.id,
            collection_date: b.collection_date,
            format: b.format,
            message_id: b.message_id,
            status: b.status,
            transactions: b.transactions,
            amount: amount(b.total_minor),
            first_transactions: b.first_count,
            first_amount: amount(b.first_minor),
            currency: "EUR",
            file_sha256: b.file_sha256,
            file_bytes: b.file_bytes,
            overrides: b.overrides,
            created_at: b.created_at,
            submitted_at: b.submitted_at,
            settle_on: b.settle_on,
            settled_at: b.settled_at,
            cancelled_at: b.cancelled_at,
        }
    }
}

/// List collection batches, newest first.
#[utoipa::path(get, path = "/api/v1/collections", tag = "collections",
    params(PageParams),
    responses((status = 200, description = "A page of collection batches", body = ListOf<CollectionView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            // The list is newest first: its cursor is the last row shown.
            store::batches(&state.db, &caller.0.merchant_id, after, limit).await
        },
        CollectionView::from,
    )
    .await
}

fn refused(e: CollectionError) -> ApiError {
    match e {
        CollectionError::NotFound => ApiError::NotFound("collection batch"),
        CollectionError::WrongState { .. } | CollectionError::Busy => {
            ApiError::Conflict(e.to_string())
        }
        CollectionError::Unexpected(e) => ApiError::Internal(e),
        other => ApiError::Unprocessable(other.to_string()),
    }
}

async fn found(state: &AppState, caller: &Caller, id: &str) -> Result<Batch, ApiError> {
    service::batch(&state.db, &caller.0.merchant_id, id)
        .await
        .map_err(refused)
}

/// Get a collection batch.
#[utoipa::path(get, path = "/api/v1/collections/{id}", tag = "collections",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The batch", body = CollectionView),
        (status = 404, description = "No such batch", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let b = found(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(CollectionView::from(b)))
}

/// The batch's pain.008 file: the same bytes on every download.
#[utoipa::path(get, path = "/api/v1/collections/{id}/file", tag = "collections",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The pain.008 XML file", content_type = "application/xml", body = String),
        (status = 404, description = "No such batch", body = Problem, content_type = "application/problem+json"),
    ))]
async fn file(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let b = found(&state, &caller, &id).await?;
    Ok(crate::web::admin::collection_file(state.db.clone(), b))
}

async fn step(
    state: &AppState,
    caller: &Caller,
    id: &str,
    step: Step,
) -> Result<HttpResponse, ApiError> {
    let b = service::step(&state.db, &caller.0, id, step)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(CollectionView::from(b)))
}

/// Mark the batch uploaded to the bank: its transactions become `submitted`.
#[utoipa::path(post, path = "/api/v1/collections/{id}/submit", tag = "collections",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The submitted batch", body = CollectionView),
        (status = 404, description = "No such batch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not exported (submitted, settled or cancelled already)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(&state, &caller, &id, Step::Submit).await
}

/// Cancel a batch that was not uploaded: its transactions go into the next file.
#[utoipa::path(post, path = "/api/v1/collections/{id}/cancel", tag = "collections",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The cancelled batch", body = CollectionView),
        (status = 404, description = "No such batch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not exported (submitted, settled or cancelled already)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(&state, &caller, &id, Step::Cancel).await
}

/// Mark a submitted batch paid now, before its settle window ends.
#[utoipa::path(post, path = "/api/v1/collections/{id}/settle", tag = "collections",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The settled batch", body = CollectionView),
        (status = 404, description = "No such batch", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
    ))]
async fn settle(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    step(&state, &caller, &id, Step::Settle).await
}

/// An entry of a return file that matched no collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnmatchedView {
    /// The EndToEndId, or the message or block id of a rejected file.
    pub reference: String,
    pub reason_code: String,
    pub amount: Option<String>,
}

/// A return file as read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnFileView {
    pub id: String,
    /// pain.002, camt.053 or camt.054.
    pub message_type: String,
    pub message_id: String,
    pub entries: i64,
    /// Entries that changed a transaction.
    pub applied: i64,
    /// Entries applied by an earlier file.
    pub known: i64,
    pub unmatched: Vec<UnmatchedView>,
    /// The same file was read before; nothing changed now.
    pub read_before: bool,
    pub created_at: DateTime<Utc>,
}

/// Read a bank return file (pain.002, camt.053 or camt.054; the XML as the body, at most
/// 32 MB): rejected and returned debits are retried, failed or charged back by the merchant's
/// reason code table. Reading the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/collections/returns", tag = "collections",
    request_body(content = String, content_type = "application/xml", description = "The return file (the same file twice is recognised by its hash, so no Idempotency-Key is needed)"),
    responses(
        (status = 201, description = "The file was read", body = ReturnFileView),
        (status = 200, description = "The same file was read before; nothing changed", body = ReturnFileView),
        (status = 422, description = "Not a readable return file", body = Problem, content_type = "application/problem+json"),
    ))]
async fn import_returns(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if body.is_empty() {
        return Err(ApiError::Unprocessable(
            "Send the pain.002 or camt.053/054 file as the request body".into(),
        ));
    }
    let name = req
        .headers()
        .get("X-File-Name")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("api upload")
        .to_string();
    let links = state.dunning_links();
    let done = returns::import(&state.db, &caller.0, &links, &name, &body)
        .await
        .map_err(|e| match e {
            ReturnError::Unexpected(e) => ApiError::Internal(e),
            other => ApiError::Unprocessable(other.to_string()),
        })?;
    let view = ReturnFileView {
        id: done.import.id.clone(),
        message_type: done.import.message_type.clone(),
        message_id: done.import.message_id.clone(),
        entries: done.import.entries,
        applied: done.import.applied,
        known: done.import.known,
        unmatched: done
            .unmatched
            .into_iter()
            .map(|u| UnmatchedView {
                reference: u.reference,
                reason_code: u.reason_code,
                amount: u.amount_minor.map(amount),
            })
            .collect(),
        read_before: done.again,
        created_at: done.import.created_at,
    };
    Ok(if done.again {
        HttpResponse::Ok().json(view)
    } else {
        HttpResponse::Created().json(view)
    })
}
