//! The one place every text input passes through before a handler sees it: the path, the query
//! string, and form and JSON bodies. C0 control characters are refused there (a NUL byte cannot
//! be stored in PostgreSQL and would make a SEPA file invalid); tabs and line breaks only in
//! fields that hold several lines.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use futures_util::StreamExt;

use super::api::{ApiError, MAX_BODY_BYTES};
use super::error::ErrorPage;

/// Largest form body read (the app's form limit).
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Fields that hold several lines (and the JSON objects whose strings may).
const MULTI_LINE: &[&str] = &[
    "allowed_origins",
    "description",
    "intro",
    "invoice_footer",
    "invoice_text",
    "metadata",
    "reason",
];

/// The first control character of `value` that its field may not hold.
fn forbidden(field: &str, value: &str) -> Option<char> {
    let multi_line = MULTI_LINE.contains(&field);
    value.chars().find(|c| {
        c.is_ascii_control() && !(multi_line && matches!(c, '\t' | '\n' | '\r')) || *c == '\u{7f}'
    })
}

/// A refused input: the field (or `path`, `query`) and the character found.
struct Refused {
    field: String,
    found: char,
}

impl Refused {
    fn message(&self) -> String {
        format!(
            "Remove the control character U+{:04X}: only tabs and line breaks are allowed, and only \
             in fields of several lines",
            u32::from(self.found)
        )
    }
}

/// `path` (percent-encoded) with every encoded control character replaced by an encoded U+FFFD;
/// `None` when it has none.
fn without_control_characters(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let (mut i, mut changed) = (0, false);
    while i < bytes.len() {
        let control = bytes[i] == b'%'
            && i + 2 < bytes.len()
            && std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                .is_some_and(|b| b < 0x20 || b == 0x7f);
        if control {
            out.extend_from_slice(b"%EF%BF%BD");
            changed = true;
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// The first refused value of urlencoded `pairs`.
fn check_pairs(pairs: &[(String, String)]) -> Option<Refused> {
    pairs.iter().find_map(|(key, value)| {
        forbidden("", key)
            .or_else(|| forbidden(key, value))
            .map(|found| Refused {
                field: key.clone(),
                found,
            })
    })
}

/// The first refused string of a JSON document (keys included); `field` is the innermost key.
fn check_json(value: &serde_json::Value, field: &str, within_multi_line: bool) -> Option<Refused> {
    let multi_line = within_multi_line || MULTI_LINE.contains(&field);
    match value {
        serde_json::Value::String(s) => {
            let as_field = if multi_line { "metadata" } else { field };
            forbidden(as_field, s).map(|found| Refused {
                field: field.to_string(),
                found,
            })
        }
        serde_json::Value::Array(items) => {
            items.iter().find_map(|v| check_json(v, field, multi_line))
        }
        serde_json::Value::Object(map) => map.iter().find_map(|(key, v)| {
            forbidden("", key)
                .map(|found| Refused {
                    field: key.clone(),
                    found,
                })
                .or_else(|| check_json(v, key, multi_line))
        }),
        _ => None,
    }
}

/// Reads the body, at most `max` bytes; `None` when it is larger.
async fn read_body(
    req: &mut ServiceRequest,
    max: usize,
) -> Result<Option<web::Bytes>, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// Refuses requests whose path, query or body holds a control character it may not.
pub async fn refuse_control_characters(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let api = req.path().starts_with("/api/");
    // A path with a control character names nothing that can exist: it goes on with U+FFFD in
    // their place, so every page and endpoint answers it with its own "not found".
    if let Some(path) = without_control_characters(req.path()) {
        let uri = match req.query_string() {
            "" => path,
            query => format!("{path}?{query}"),
        };
        if let Ok(uri) = uri.parse::<actix_web::http::Uri>() {
            req.match_info_mut().get_mut().update(&uri);
            req.head_mut().uri = uri;
        }
    }
    let query = serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string());
    let mut refused = match query {
        Ok(pairs) => check_pairs(&pairs),
        // Undecodable query strings are the extractors' to refuse.
        Err(_) => None,
    };
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let form = content_type.starts_with("application/x-www-form-urlencoded");
    let json = content_type.contains("json");
    if refused.is_none() && (form || json) && !req.method().is_safe() {
        let max = if json { MAX_BODY_BYTES } else { MAX_FORM_BYTES };
        let Some(body) = read_body(&mut req, max).await? else {
            let response = if api {
                ApiError::PayloadTooLarge.error_response()
            } else {
                HttpResponse::PayloadTooLarge().body("form too large")
            };
            return Ok(req.into_response(response));
        };
        refused = if form {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
                .ok()
                .and_then(|pairs| check_pairs(&pairs))
        } else {
            serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|doc| check_json(&doc, "", false))
        };
        req.set_payload(Payload::from(body));
    }
    let Some(refused) = refused else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    tracing::warn!(path = req.path(), field = %refused.field, "refused a control character");
    let response = if api {
        ApiError::invalid(&refused.field, refused.message()).error_response()
    } else {
        let label = refused.field.replace('_', " ");
        let message = format!(
            "The field “{label}” holds a character that cannot be stored. {} Go back, correct it \
             and send the form again.",
            refused.message()
        );
        let page = ErrorPage {
            title: "This cannot be saved",
            message: &message,
            request_id: None,
        };
        HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
            .content_type("text/html; charset=utf-8")
            .body(page.to_html())
    };
    Ok(req.into_response(response))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_but_line_breaks_in_multi_line_fields() {
        assert_eq!(forbidden("last_name", "Jan\0"), Some('\0'));
        assert_eq!(forbidden("last_name", "Jan\tde Vries"), Some('\t'));
        assert_eq!(forbidden("description", "two\r\nlines\tok"), None);
        assert_eq!(forbidden("description", "bell\u{7}"), Some('\u{7}'));
        assert_eq!(forbidden("city", "Zoë Ørsted"), None);
        let doc = serde_json::json!({"email": "a@b.nl", "metadata": {"note": "a\nb"}});
        assert!(check_json(&doc, "", false).is_none());
        let doc = serde_json::json!({"customer": {"last_name": "x\u{0}"}});
        assert_eq!(check_json(&doc, "", false).unwrap().field, "last_name");
        let pairs = vec![("iban".to_string(), "NL91\u{1b}".to_string())];
        assert_eq!(check_pairs(&pairs).unwrap().field, "iban");
        assert_eq!(
            without_control_characters("/api/v1/customers/%00x%0a%ff").as_deref(),
            Some("/api/v1/customers/%EF%BF%BDx%EF%BF%BD%ff")
        );
        assert_eq!(without_control_characters("/m/abc%20d"), None);
        assert_eq!(without_control_characters("/m/%0"), None);
    }
}
