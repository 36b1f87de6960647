//! First-run setup: the merchant's name and the owner's account. Gone (404) once done.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::error::{AppError, render, see_other};
use super::session::{self, FlashKind, csrf_token, flash};
use crate::domain::EmailAddress;
use crate::domain::fields::FieldErrors;
use crate::services::users::{self, NewPassword, SetupError};
use crate::store::merchants;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup", web::get().to(show))
        .route("/setup", web::post().to(submit));
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    csrf: String,
    merchant_name: String,
    email: String,
    errors: FieldErrors,
}

#[derive(Deserialize)]
struct SetupForm {
    merchant_name: String,
    email: String,
    password: String,
    password_confirm: String,
}

async fn show(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    if merchants::any_exists(&state.db).await? {
        return Err(AppError::NotFound);
    }
    let page = SetupPage {
        csrf: csrf_token(&session)?,
        merchant_name: String::new(),
        email: String::new(),
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &page)
}

async fn submit(
    state: web::Data<AppState>,
    session: Session,
    form: web::Form<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let name = form.merchant_name.trim();
    if name.is_empty() {
        errors.add("merchant_name", "Enter your business name");
    } else if name.chars().count() > 140 {
        errors.add("merchant_name", "Use at most 140 characters");
    }
    let email = errors.check("email", EmailAddress::parse(&form.email));
    let password = errors.check("password", NewPassword::parse(&form.password));
    if password.is_some() && form.password != form.password_confirm {
        errors.add("password_confirm", "The two passwords are not the same");
    }
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        let page = SetupPage {
            csrf: csrf_token(&session)?,
            merchant_name: form.merchant_name,
            email: form.email,
            errors,
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let user = match users::setup_first_merchant(&state.db, name, &email, &password).await {
        Ok(user) => user,
        Err(SetupError::AlreadyDone) => return Err(AppError::NotFound),
        Err(SetupError::Unexpected(e)) => return Err(e.into()),
    };
    let token = users::open_session(&state.db, &user).await?;
    session::sign_in(&session, &user.id, &token)?;
    flash(
        &session,
        FlashKind::Success,
        "Welcome to Abbo. Fill in your settings so you can start collecting.",
    );
    Ok(see_other("/admin/settings"))
}
