//! The JSON API under `/api/v1`: Bearer API keys, RFC 9457 problem documents, idempotency keys,
//! cursor pagination and the OpenAPI document generated from these handlers.

mod collections;
mod customers;
mod doc;
mod idempotency;
mod invoices;
mod mandates;
mod pagination;
mod problem;
mod products;
mod subscriptions;
mod transactions;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Next, from_fn};
use actix_web::web;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

pub use doc::ApiDoc;
pub use pagination::{ListOf, PageParams};
pub use problem::{ApiError, FieldProblem, Problem};

use super::AppState;
use crate::store::api_keys::ApiKey;

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(
                web::JsonConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(problem::json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(problem::query_error))
            .app_data(web::PathConfig::default().error_handler(problem::path_error))
            .wrap(from_fn(guard))
            .service(
                web::resource("/openapi.json")
                    .get(doc::openapi)
                    .default_service(not_allowed("GET")),
            )
            .configure(customers::routes)
            .configure(products::routes)
            .configure(mandates::routes)
            .configure(subscriptions::routes)
            .configure(invoices::routes)
            .configure(collections::routes)
            .configure(transactions::routes)
            .default_service(web::to(|| async {
                ApiError::NotFound("resource").error_response()
            })),
    );
}

/// The OpenAPI document of this API.
pub fn document() -> anyhow::Result<serde_json::Value> {
    use utoipa::OpenApi;
    anyhow::Context::context(
        serde_json::to_value(ApiDoc::openapi()),
        "serialising the OpenAPI document",
    )
}

/// The 405 answer of a resource for methods it does not have.
fn not_allowed(allow: &'static str) -> actix_web::Route {
    web::to(move || async move { ApiError::MethodNotAllowed(allow).error_response() })
}

/// The API key of the request, put there by the guard.
pub struct Caller(pub ApiKey);

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(
            req.extensions()
                .get::<ApiKey>()
                .cloned()
                .map(Caller)
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// Authenticates every request but the OpenAPI document, and answers repeated idempotency keys.
async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.path() == "/api/v1/openapi.json" {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Err(ApiError::Internal(anyhow::anyhow!("no app state")).into());
    };
    let secret = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let key = match crate::services::api_keys::authenticate(&state.db, &secret).await {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(req.error_response(ApiError::Unauthorized)),
        Err(e) => return Ok(req.error_response(ApiError::Internal(e))),
    };
    req.extensions_mut().insert(key.clone());
    let idempotency_key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_string));
    match idempotency_key {
        Some(Ok(k)) if req.method() == Method::POST => {
            idempotency::idempotent(&state, &key, &k, req, next).await
        }
        Some(Err(_)) => Ok(req.error_response(ApiError::BadRequest(
            "The Idempotency-Key header must be printable ASCII".into(),
        ))),
        _ => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// A 201 with the new resource and its address.
pub fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// Amounts as decimal strings with two decimals ("12.95").
pub fn amount(minor: i64) -> String {
    crate::domain::Money::from_minor(minor).to_string()
}

/// A date field of a request, with the field's own message.
pub fn date(field: &'static str, value: &str) -> Result<chrono::NaiveDate, ApiError> {
    use crate::domain::date::{DateError, parse_date};
    parse_date(value).map_err(|e| match e {
        DateError::Invalid => ApiError::invalid(field, "Use a date like 2026-01-31"),
        DateError::OutOfRange => ApiError::invalid(field, e),
    })
}
