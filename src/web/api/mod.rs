//! The JSON API under `/api/v1`: Bearer API keys, RFC 9457 problem documents, idempotency keys,
//! cursor pagination and the OpenAPI document generated from these handlers.

mod customers;
mod doc;
mod mandates;
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
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

pub use doc::ApiDoc;
pub use problem::{ApiError, FieldProblem, Problem};

use super::AppState;
use crate::store::api_keys::{self, ApiKey, StoredResponse};
use crate::store::{self, After};

/// Largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long a stored response answers a repeated idempotency key.
const IDEMPOTENCY_HOURS: i64 = 24;

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
            .configure(transactions::routes)
            .default_service(web::to(|| async {
                ApiError::NotFound("resource").error_response()
            })),
    );
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
            idempotent(&state, &key, &k, req, next).await
        }
        Some(Err(_)) => Ok(req.error_response(ApiError::BadRequest(
            "The Idempotency-Key header must be printable ASCII".into(),
        ))),
        _ => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

/// Runs a POST once per idempotency key: a repeat gets the stored response, the same key with
/// another request 422, and a repeat while the first still runs 409.
async fn idempotent(
    state: &AppState,
    key: &ApiKey,
    idempotency_key: &str,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if idempotency_key.is_empty()
        || idempotency_key.len() > 255
        || !idempotency_key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Ok(req.error_response(ApiError::BadRequest(
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters".into(),
        )));
    }
    // Read the body (it is part of what the key promises), then hand it on.
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Ok(req.error_response(ApiError::PayloadTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str());
    hasher.update(b" ");
    hasher.update(req.uri().to_string());
    hasher.update(b"\n");
    hasher.update(&body);
    let request_hash = hex::encode(hasher.finalize());
    req.set_payload(Payload::from(body));

    let now = store::now();
    let lifetime = chrono::Duration::hours(IDEMPOTENCY_HOURS);
    let claimed = api_keys::claim(
        &state.db,
        &key.id,
        idempotency_key,
        &request_hash,
        now,
        lifetime,
    )
    .await;
    match claimed {
        Err(e) => return Ok(req.error_response(ApiError::Internal(e))),
        Ok(Some(stored)) if stored.request_hash != request_hash => {
            return Ok(req.error_response(ApiError::Unprocessable(
                "This Idempotency-Key was used with a different request; use a new key".into(),
            )));
        }
        Ok(Some(stored)) => {
            let Some(status) = stored.status_code else {
                return Ok(req.error_response(ApiError::Conflict(
                    "A request with this Idempotency-Key is still being handled; retry shortly"
                        .into(),
                )));
            };
            return Ok(req.into_response(replay(status, &stored)));
        }
        Ok(None) => {}
    }
    let res = next.call(req).await?;
    let (req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("reading the response body")))?;
    let status = res.status();
    if status.is_server_error() {
        // Nothing was done: let the client retry with the same key.
        if let Err(e) = api_keys::release(&state.db, &key.id, idempotency_key).await {
            tracing::error!(error = ?e, "releasing an idempotency key");
        }
    } else {
        let header_text = |name| {
            res.headers()
                .get(name)
                .and_then(|v: &header::HeaderValue| v.to_str().ok())
                .map(str::to_string)
        };
        let stored = StoredResponse {
            request_hash,
            status_code: Some(i32::from(status.as_u16())),
            content_type: header_text(header::CONTENT_TYPE),
            location: header_text(header::LOCATION),
            response_body: Some(String::from_utf8_lossy(&body).into_owned()),
        };
        if let Err(e) = api_keys::complete(&state.db, &key.id, idempotency_key, &stored).await {
            tracing::error!(error = ?e, "storing an idempotent response");
        }
    }
    let res = res.set_body(BoxBody::new(body));
    Ok(ServiceResponse::new(req, res))
}

/// The stored answer to a repeated request, marked as a replay.
fn replay(status: i32, stored: &StoredResponse) -> HttpResponse {
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
        .unwrap_or(actix_web::http::StatusCode::OK);
    let mut res = HttpResponse::build(status);
    res.insert_header(("idempotent-replayed", "true"));
    if let Some(ct) = &stored.content_type {
        res.insert_header((header::CONTENT_TYPE, ct.as_str()));
    }
    if let Some(location) = &stored.location {
        res.insert_header((header::LOCATION, location.as_str()));
    }
    res.body(stored.response_body.clone().unwrap_or_default())
}

/// `?limit=&cursor=` of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[A-Za-z0-9_-]{1,200}$")]
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size and where the page starts.
    pub fn parse(&self) -> Result<(i64, Option<After>), ApiError> {
        let limit = self.limit.unwrap_or(20);
        if !(1..=100).contains(&limit) {
            return Err(ApiError::invalid("limit", "Use a limit from 1 to 100"));
        }
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::invalid("cursor", "This cursor is not one this API gave out")
            })?),
        };
        Ok((limit, after))
    }
}

fn decode_cursor(cursor: &str) -> Option<After> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (at, id) = text.split_once('|')?;
    let created_at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
    Some(After {
        created_at,
        id: id.to_string(),
    })
}

fn encode_cursor(created_at: DateTime<Utc>, id: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}|{id}", created_at.to_rfc3339()))
}

/// One page of a list and the cursor of the next page (`null` on the last page).
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOf<T: ToSchema> {
    pub data: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> ListOf<T> {
    /// A page from `rows` fetched with `limit + 1`: the extra row only says there is more.
    pub fn page<R>(
        mut rows: Vec<R>,
        limit: i64,
        key: impl Fn(&R) -> (DateTime<Utc>, String),
        view: impl Fn(R) -> T,
    ) -> ListOf<T> {
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if more {
            rows.last().map(|r| {
                let (at, id) = key(r);
                encode_cursor(at, &id)
            })
        } else {
            None
        };
        ListOf {
            data: rows.into_iter().map(view).collect(),
            next_cursor,
        }
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
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "Use a date like 2026-01-31"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T01:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let cursor = encode_cursor(at, "cst_abc");
        assert_eq!(
            decode_cursor(&cursor),
            Some(After {
                created_at: at,
                id: "cst_abc".into()
            })
        );
        assert_eq!(decode_cursor("nonsense"), None);
        assert_eq!(decode_cursor(""), None);
    }
}
