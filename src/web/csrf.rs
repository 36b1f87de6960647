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

/// Largest form body the CSRF guard reads.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Most of a multipart body read to find its token: the boundary, the first part's headers and
/// the token. File uploads carry the token as their first field, so a forged upload is refused
/// before its file is read.
const MAX_TOKEN_PART_BYTES: usize = 4 * 1024;

/// A request body handed on as a stream.
type BodyStream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<web::Bytes, actix_web::error::PayloadError>>>,
>;

/// The header that may carry the token instead (scripts, and bodies that are no form).
const TOKEN_HEADER: &str = "x-csrf-token";

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
    // Never from the URL: a token there ends up in logs and Referer headers.
    let mut submitted = header_str(&req, TOKEN_HEADER).map(str::to_string);
    let content_type = header_str(&req, "content-type")
        .unwrap_or_default()
        .to_string();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let multipart_boundary = content_type
        .starts_with("multipart/form-data")
        .then(|| req.mime_type().ok().flatten())
        .flatten()
        .and_then(|m| {
            m.get_param(actix_web::mime::BOUNDARY)
                .map(|b| b.as_str().to_string())
        });
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
    } else if let (None, Some(boundary)) = (&submitted, multipart_boundary) {
        let mut payload = req.take_payload();
        let mut read = web::BytesMut::new();
        loop {
            match first_field_token(&read, &boundary) {
                FirstField::Token(token) => {
                    submitted = Some(token);
                    break;
                }
                FirstField::Incomplete if read.len() < MAX_TOKEN_PART_BYTES => {
                    match payload.next().await {
                        Some(chunk) => read.extend_from_slice(&chunk?),
                        None => break,
                    }
                }
                FirstField::Incomplete | FirstField::Other => break,
            }
        }
        // The handler reads the whole body: what was read here, then the rest.
        let read = read.freeze();
        let body: BodyStream =
            Box::pin(futures_util::stream::once(async move { Ok(read) }).chain(payload));
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

/// What the start of a multipart body says about its first field.
#[derive(Debug, PartialEq, Eq)]
enum FirstField {
    /// The first field is `csrf_token`, with this value.
    Token(String),
    /// The first field is another one (or the body is no multipart form).
    Other,
    /// More of the body is needed to tell.
    Incomplete,
}

/// The `csrf_token` field of a multipart body, when it is the first field of `start`.
fn first_field_token(start: &[u8], boundary: &str) -> FirstField {
    let delimiter = format!("--{boundary}\r\n");
    let Some(rest) = start.strip_prefix(delimiter.as_bytes()) else {
        return if delimiter.as_bytes().starts_with(start) {
            FirstField::Incomplete
        } else {
            FirstField::Other
        };
    };
    let Some(headers_end) = find(rest, b"\r\n\r\n") else {
        return FirstField::Incomplete;
    };
    let headers = String::from_utf8_lossy(&rest[..headers_end]);
    let is_token = headers.lines().any(|line| {
        let Some((name, value)) = line.split_once(':') else {
            return false;
        };
        name.trim().eq_ignore_ascii_case("content-disposition")
            && value
                .split(';')
                .any(|param| matches!(param.trim(), "name=\"csrf_token\"" | "name=csrf_token"))
            && !value.contains("filename")
    });
    if !is_token {
        return FirstField::Other;
    }
    let value = &rest[headers_end + 4..];
    match find(value, format!("\r\n--{boundary}").as_bytes()) {
        Some(end) => FirstField::Token(String::from_utf8_lossy(&value[..end]).trim().to_string()),
        None => FirstField::Incomplete,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_found_only_as_the_first_field_of_a_multipart_body() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc123\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx\r\n--XyZ--\r\n";
        assert_eq!(
            first_field_token(body, "XyZ"),
            FirstField::Token("abc123".into())
        );
        for cut in [0, 3, 20, 60, 64] {
            assert_eq!(
                first_field_token(&body[..cut], "XyZ"),
                FirstField::Incomplete,
                "{cut} bytes"
            );
        }
        let file_first = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"csrf_token\"\r\n\r\nx\r\n--XyZ--";
        assert_eq!(first_field_token(file_first, "XyZ"), FirstField::Other);
        let named_file = b"--XyZ\r\nContent-Disposition: form-data; name=\"csrf_token\"; filename=\"t\"\r\n\r\nx\r\n--XyZ--";
        assert_eq!(first_field_token(named_file, "XyZ"), FirstField::Other);
        assert_eq!(first_field_token(b"not a form", "XyZ"), FirstField::Other);
    }
}
