//! The admin's form pattern, written once: the form parsed into domain values goes to one
//! service call; success flashes a message and redirects (303, so a reload does not post again);
//! field problems, from the parsing or from the service, re-render the form with the user's
//! input and a message next to each field (422).

use actix_session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use askama::Template;

use super::error::{AppError, render, see_other};
use super::session::{FlashKind, flash};
use crate::domain::fields::FieldErrors;

/// Where a saved form leads: the flash message and the page shown next.
pub struct Saved {
    pub message: String,
    pub location: String,
}

impl Saved {
    /// Saved with `message`, then on to `location`.
    pub fn new(message: impl Into<String>, location: impl Into<String>) -> Saved {
        Saved {
            message: message.into(),
            location: location.into(),
        }
    }
}

/// A service's refusal as an admin form shows it.
pub enum Refusal {
    /// A message next to one of the form's fields.
    Field(&'static str, String),
    /// No form can show it: a 404, a 403 or an unexpected failure.
    Page(AppError),
}

impl Refusal {
    /// `message` next to `field`.
    pub fn field(field: &'static str, message: impl ToString) -> Refusal {
        Refusal::Field(field, message.to_string())
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Refusal {
        Refusal::Page(e)
    }
}

impl From<anyhow::Error> for Refusal {
    fn from(e: anyhow::Error) -> Refusal {
        Refusal::Page(AppError::Unexpected(e))
    }
}

/// Runs the pattern: `checked` goes to `save` unless it holds field problems; `form` renders the
/// form again with the problems.
pub async fn submit<T, E, P>(
    session: &Session,
    checked: Result<T, FieldErrors>,
    save: impl AsyncFnOnce(T) -> Result<Saved, E>,
    form: impl AsyncFnOnce(FieldErrors) -> Result<P, AppError>,
) -> Result<HttpResponse, AppError>
where
    E: Into<Refusal>,
    P: Template,
{
    let errors = match checked {
        Ok(value) => match save(value).await.map_err(Into::into) {
            Ok(saved) => {
                flash(session, FlashKind::Success, &saved.message);
                return Ok(see_other(&saved.location));
            }
            Err(Refusal::Page(e)) => return Err(e),
            Err(Refusal::Field(field, message)) => {
                let mut errors = FieldErrors::default();
                errors.add(field, message);
                errors
            }
        },
        Err(errors) => errors,
    };
    render(StatusCode::UNPROCESSABLE_ENTITY, &form(errors).await?)
}
