//! The CSRF guard of every form POST: cross-site requests are refused, and the admin's forms
//! carry the session's token.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::StreamExt;

use super::error::AppError;
use super::session::stored_csrf_token;

/// Largest form body the CSRF guard reads (file uploads carry the token in the query instead).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Paths whose POSTs are not checked at all: the JSON API authenticates each request.
fn exempt(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Public pages work without cookies (so inside iFrames too): the secret in their URL is what
/// a forger would lack, so they need no session token, but cross-site posts are still refused.
fn needs_session_token(path: &str) -> bool {
    !(path.starts_with("/m/") || path.starts_with("/s/") || path.starts_with("/pay/"))
}

/// Refuses state-changing requests that come from another site or lack the session's token.
pub async fn csrf_guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method().is_safe() || exempt(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let refuse = |req: ServiceRequest, why: &str| {
        tracing::warn!(path = req.path(), why, "refused a form post");
        let response = AppError::Csrf.error_response();
        Ok(req.into_response(response))
    };
    if header_str(&req, "sec-fetch-site") == Some("cross-site") {
        return refuse(req, "cross-site fetch");
    }
    if let Some(origin) = header_str(&req, "origin") {
        let host = req.connection_info().host().to_string();
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        if origin_host != Some(host.as_str()) {
            return refuse(req, "foreign origin");
        }
    }
    if !needs_session_token(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let expected = stored_csrf_token(&req.get_session());
    let mut submitted = query_token(req.query_string());
    let is_form = header_str(&req, "content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if submitted.is_none() && is_form {
        let mut body = web::BytesMut::new();
        let mut payload = req.take_payload();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > MAX_FORM_BYTES {
                return Ok(
                    req.into_response(HttpResponse::PayloadTooLarge().body("form too large"))
                );
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find(|(k, _)| k == "csrf_token")
                    .map(|(_, v)| v)
            });
        req.set_payload(Payload::from(body));
    }
    let valid = match (expected, submitted) {
        (Some(expected), Some(submitted)) => {
            crate::services::tokens::equal_secrets(expected.as_bytes(), submitted.as_bytes())
        }
        _ => false,
    };
    if !valid {
        return refuse(req, "missing or wrong token");
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn header_str<'a>(req: &'a ServiceRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn query_token(query: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
}
