//! The error type of HTML pages, with its status mapping.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

/// Why an HTML request could not be answered normally.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("page not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("sign-in required")]
    LoginRequired { next: Option<String> },
    #[error("the form token is missing or wrong")]
    Csrf,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// A page explaining an error in plain words.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub request_id: Option<&'a str>,
}

impl ErrorPage<'_> {
    /// Renders the page; falls back to plain text if even that fails.
    pub fn to_html(&self) -> String {
        self.render()
            .unwrap_or_else(|_| format!("{}: {}", self.title, self.message))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::LoginRequired { .. } => StatusCode::SEE_OTHER,
            AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let (title, message) = match self {
            AppError::LoginRequired { next } => {
                let location = match next {
                    Some(next) => format!(
                        "/login?{}",
                        serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
                    ),
                    None => "/login".to_string(),
                };
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, location))
                    .finish();
            }
            AppError::Unexpected(e) => {
                // The whole cause chain goes to the log; the visitor sees the request id only
                // (the request-context middleware renders that page).
                tracing::error!(error = ?e, "request failed");
                return HttpResponse::InternalServerError().finish();
            }
            AppError::NotFound => (
                "Page not found",
                "There is nothing at this address. Check the link, or go back to the start.",
            ),
            AppError::Forbidden(reason) => ("Not allowed", reason.as_str()),
            AppError::Csrf => (
                "This form has expired",
                "The form was not sent from this site, or your session changed since it was shown. \
                 Go back, reload the page and try again.",
            ),
        };
        let page = ErrorPage {
            title,
            message,
            request_id: None,
        };
        HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page.to_html())
    }
}

/// Renders a template with a status (200 for pages, 422 for forms with errors).
pub fn render(status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    let body = template
        .render()
        .map_err(|e| anyhow::anyhow!("rendering a template: {e}"))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// Redirects after a successful POST (303, so the browser GETs the target).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
