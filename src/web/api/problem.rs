//! The API's error type and its RFC 9457 problem documents (`application/problem+json`).

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say what went wrong.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation errors: every field at fault with its message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// A field of the request and what is wrong with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

/// Why an API request could not be answered normally.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("A valid API key is required: send `Authorization: Bearer <key>`")]
    Unauthorized,
    #[error("There is no such {0}")]
    NotFound(&'static str),
    #[error("This resource does not allow this method; it allows {0}")]
    MethodNotAllowed(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("The request has invalid fields")]
    Invalid(Vec<FieldProblem>),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("The request body is larger than {} bytes", super::MAX_BODY_BYTES)]
    PayloadTooLarge,
    #[error("Send the body as application/json")]
    UnsupportedMediaType,
    #[error("Something went wrong on our side")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A validation error of one field.
    pub fn invalid(field: &str, message: impl ToString) -> ApiError {
        ApiError::Invalid(vec![FieldProblem {
            field: field.to_string(),
            message: message.to_string(),
        }])
    }

    /// A validation error from a form's field errors.
    pub fn from_fields(errors: &crate::domain::fields::FieldErrors) -> ApiError {
        ApiError::Invalid(
            errors
                .summary()
                .into_iter()
                .map(|(field, message)| FieldProblem {
                    field: field.to_string(),
                    message: message.to_string(),
                })
                .collect(),
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) | ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if let ApiError::Internal(e) = self {
            tracing::error!(error = ?e, "API request failed");
        }
        let problem = Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            detail: self.to_string(),
            errors: match self {
                ApiError::Invalid(errors) => errors.clone(),
                _ => Vec::new(),
            },
        };
        let mut res = HttpResponse::build(status);
        res.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            ApiError::MethodNotAllowed(allow) => {
                res.insert_header((header::ALLOW, *allow));
            }
            _ => {}
        }
        res.body(serde_json::to_string(&problem).unwrap_or_default())
    }
}

/// Malformed, mistyped or oversized JSON bodies as problems.
pub fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let problem = match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::Invalid(vec![serde_problem(&e)])
        }
        JsonPayloadError::Deserialize(e) => {
            ApiError::BadRequest(format!("The body is not valid JSON: {e}"))
        }
        other => ApiError::BadRequest(format!("The body could not be read: {other}")),
    };
    problem.into()
}

/// Names the field of a serde data error where it can ("unknown field `x`", "missing field `y`").
fn serde_problem(e: &serde_json::Error) -> FieldProblem {
    let text = e.to_string();
    let field = text
        .split('`')
        .nth(1)
        .filter(|_| text.starts_with("unknown field") || text.starts_with("missing field"))
        .unwrap_or("body")
        .to_string();
    let message = text.split(" at line ").next().unwrap_or(&text).to_string();
    FieldProblem { field, message }
}

/// Bad query parameters as problems.
pub fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("Invalid query parameters: {err}")).into()
}

/// Bad path segments as problems.
pub fn path_error(err: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("Invalid path: {err}")).into()
}
