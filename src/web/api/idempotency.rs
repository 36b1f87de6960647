//! `Idempotency-Key` on every POST: the first response is stored per API key and replayed to a
//! repeat of the same request; the same key with another request is refused.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::{ApiError, MAX_BODY_BYTES};
use crate::store;
use crate::store::api_keys::ApiKey;
use crate::store::idempotency::{self, StoredResponse};
use crate::web::AppState;

/// How long a stored response answers a repeated idempotency key.
const IDEMPOTENCY_HOURS: i64 = 24;

/// Runs a POST once per idempotency key: a repeat gets the stored response, the same key with
/// another request 422, and a repeat while the first still runs 409.
pub(super) async fn idempotent(
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
    let claimed = idempotency::claim(
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
        if let Err(e) = idempotency::release(&state.db, &key.id, idempotency_key).await {
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
        if let Err(e) = idempotency::complete(&state.db, &key.id, idempotency_key, &stored).await {
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
