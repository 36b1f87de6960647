//! `Idempotency-Key` on every POST: the first response is stored per API key and replayed to a
//! repeat of the same request; the same key with another request is refused.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, Uri, header};
use actix_web::middleware::Next;
use actix_web::web;
use actix_web::{HttpMessage, HttpResponse};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::{ApiError, MAX_BODY_BYTES};
use crate::store;
use crate::store::api_keys::ApiKey;
use crate::store::idempotency::{self, Claim, Scope, StoredResponse};
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
    let other_request = || {
        ApiError::Unprocessable(
            "This Idempotency-Key was used with a different request; use a new key".into(),
        )
    };
    let recovered = match claimed {
        Err(e) => return Ok(req.error_response(ApiError::Internal(e))),
        Ok(Claim::Answered(stored)) if stored.request_hash != request_hash => {
            return Ok(req.error_response(other_request()));
        }
        Ok(Claim::Answered(stored)) => {
            let status = stored.status_code.unwrap_or(200);
            return Ok(req.into_response(replay(status, &stored)));
        }
        Ok(
            Claim::Running { request_hash: held }
            | Claim::Done {
                request_hash: held, ..
            },
        ) if held != request_hash => {
            return Ok(req.error_response(other_request()));
        }
        Ok(Claim::Running { .. }) => {
            return Ok(req.error_response(ApiError::Conflict(
                "A request with this Idempotency-Key is still being handled; retry shortly".into(),
            )));
        }
        Ok(Claim::Done { created, .. }) => match recovery(req.path(), &created) {
            Some(recovery) => Some(recovery),
            None => {
                return Ok(req.error_response(ApiError::Conflict(
                    "The request with this Idempotency-Key was done, but its answer was lost; \
                     look the resource up"
                        .into(),
                )));
            }
        },
        Ok(Claim::Run) => None,
    };
    let (res, committed) = match &recovered {
        // The work is done: answer with what it created (or changed), as it is now.
        Some(recovery) => {
            let uri: Uri = recovery.location.parse().map_err(|_| {
                ApiError::Internal(anyhow::anyhow!("a recovered location is not a URI"))
            })?;
            req.head_mut().method = Method::GET;
            req.head_mut().uri = uri.clone();
            req.match_info_mut().get_mut().update(&uri);
            req.set_payload(Payload::None);
            (next.call(req).await?, true)
        }
        None => {
            let (res, committed) = Scope::run(&key.id, idempotency_key, next.call(req)).await;
            (res?, committed)
        }
    };
    crash_after_work_for_tests(committed);
    let (req, res) = res.into_parts();
    let (mut res, body) = res.into_parts();
    let body = actix_web::body::to_bytes(body)
        .await
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("reading the response body")))?;
    if let Some(recovery) = &recovered
        && res.status().is_success()
    {
        *res.status_mut() = recovery.status;
        if recovery.status == StatusCode::CREATED
            && let Ok(location) = header::HeaderValue::from_str(&recovery.location)
        {
            res.headers_mut().insert(header::LOCATION, location);
        }
        res.headers_mut().insert(
            header::HeaderName::from_static("idempotent-replayed"),
            header::HeaderValue::from_static("true"),
        );
    }
    let status = res.status();
    if status.is_server_error() {
        // Unless its work committed, nothing was done: let the client retry with the same key.
        if !committed
            && let Err(e) = idempotency::release(&state.db, &key.id, idempotency_key).await
        {
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

/// How a request whose work is done, but whose answer was lost, is answered again: with the
/// resource it created (201) or acted on (200), as it is now.
#[derive(Debug, PartialEq, Eq)]
struct Recovery {
    location: String,
    status: StatusCode,
}

/// The recovery of a POST to `path` that created `created` (`kind/id`, newest last): a create
/// (`/api/v1/customers`, or a product's `sign-up`) answers with the newest resource of its kind,
/// an action (`/api/v1/subscriptions/{id}/pause`) with its resource.
fn recovery(path: &str, created: &[String]) -> Option<Recovery> {
    let segments: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    let kind = match segments.as_slice() {
        [kind] => *kind,
        [_, _, "sign-up"] => "subscriptions",
        [kind, id, _action] => {
            return Some(Recovery {
                location: format!("/api/v1/{kind}/{id}"),
                status: StatusCode::OK,
            });
        }
        _ => return None,
    };
    let id = created
        .iter()
        .rev()
        .find_map(|c| c.strip_prefix(kind)?.strip_prefix('/'))?;
    Some(Recovery {
        location: format!("/api/v1/{kind}/{id}"),
        status: StatusCode::CREATED,
    })
}

/// Debug builds only: with `CRASH_AFTER_WORK_FOR_TESTS` set, the process dies right after a
/// request's work committed and before its answer is stored (the crash the tests replay).
fn crash_after_work_for_tests(committed: bool) {
    if cfg!(debug_assertions)
        && committed
        && std::env::var_os("CRASH_AFTER_WORK_FOR_TESTS").is_some()
    {
        eprintln!("CRASH_AFTER_WORK_FOR_TESTS: stopping after the work committed");
        std::process::abort();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_answer_is_recovered_from_what_the_work_created() {
        let created = vec![
            "customers/cst_1".to_string(),
            "mandates/mdt_1".to_string(),
            "subscriptions/sub_1".to_string(),
        ];
        assert_eq!(
            recovery("/api/v1/customers", &created),
            Some(Recovery {
                location: "/api/v1/customers/cst_1".into(),
                status: StatusCode::CREATED
            })
        );
        assert_eq!(
            recovery("/api/v1/products/prd_1/sign-up", &created).map(|r| r.location),
            Some("/api/v1/subscriptions/sub_1".into())
        );
        assert_eq!(
            recovery("/api/v1/subscriptions/sub_9/pause", &[]),
            Some(Recovery {
                location: "/api/v1/subscriptions/sub_9".into(),
                status: StatusCode::OK
            })
        );
        assert_eq!(recovery("/api/v1/transactions", &created), None);
        assert_eq!(recovery("/elsewhere", &created), None);
    }
}
