//! Request-wide middleware: request ids, security headers and error pages with the request id.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse};
use tracing_actix_web::RequestId;

use super::error::ErrorPage;

/// Whether answers under `path` may carry personal or financial data (the admin with its exports,
/// the API, sign-in and setup), so that no browser or proxy keeps a copy.
fn holds_personal_data(path: &str) -> bool {
    ["/admin", "/api/", "/login", "/setup"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// Answers `HEAD` wherever `GET` works (uptime monitors and link checkers send `HEAD`): the routes
/// are registered for `GET` only, so a `HEAD` request matched none of them and got the "not
/// found" page. It is routed as the `GET` it stands for; the HTTP layer remembers that the request
/// was a `HEAD` and sends the headers of the answer without its body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    next.call(req).await
}

/// Adds the request id and security headers to every response, and turns every 5xx response
/// of an HTML page into a page that shows the request id.
pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default();
    let personal = holds_personal_data(req.path());
    let mut res = next.call(req).await?.map_into_boxed_body();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if res.status().is_server_error() && !is_json {
        let page = ErrorPage {
            title: "Something went wrong",
            message: "We could not complete this request. Nothing was half-saved: try again in a moment. \
                      If it keeps happening, give this reference to your administrator.",
            request_id: Some(&request_id),
        };
        let status = res.status();
        res = res.into_response(
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(page.to_html()),
        );
    }
    let headers = res.headers_mut();
    if personal && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(header::HeaderName::from_static("x-request-id"), value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages that may be framed (the hosted sign-up page) set their own policy.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
            ),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    Ok(res)
}
