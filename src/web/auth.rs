//! Signing in and out.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::error::{AppError, render, see_other};
use super::session::{self, Flash, FlashKind, client_ip, csrf_token, flash, take_flashes};
use crate::services::users::{self as service, LoginError};
use crate::store::merchants;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(show))
        .route("/login", web::post().to(submit))
        .route("/logout", web::post().to(logout));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
    flashes: Vec<Flash>,
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Only local admin paths are followed after sign-in, never another site.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/admin")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
    {
        next
    } else {
        "/admin"
    }
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    if !merchants::any_exists(&state.db).await? {
        return Ok(see_other("/setup"));
    }
    let page = LoginPage {
        csrf: csrf_token(&session)?,
        email: String::new(),
        next: safe_next(query.next.as_deref().unwrap_or_default()).to_string(),
        error: None,
        flashes: take_flashes(&session),
    };
    render(StatusCode::OK, &page)
}

async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    session: Session,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let ip = client_ip(&req, state.config.behind_proxy);
    let result = service::authenticate(
        &state.db,
        &state.config.auth,
        &form.email,
        &form.password,
        &ip,
    )
    .await;
    let (status, error) = match result {
        Ok(user) => {
            let token = service::open_session(&state.db, &user).await?;
            session::sign_in(&session, &user.id, &token)?;
            return Ok(see_other(safe_next(&form.next)));
        }
        Err(LoginError::Unexpected(e)) => return Err(e.into()),
        Err(e @ LoginError::InvalidCredentials) => {
            (StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
        }
        Err(e @ LoginError::Throttled { .. }) => (StatusCode::TOO_MANY_REQUESTS, e.to_string()),
    };
    let page = LoginPage {
        csrf: csrf_token(&session)?,
        email: form.email,
        next: safe_next(&form.next).to_string(),
        error: Some(error),
        flashes: Vec::new(),
    };
    render(status, &page)
}

async fn logout(state: web::Data<AppState>, session: Session) -> Result<HttpResponse, AppError> {
    if let Some(token) = session::session_token(&session) {
        service::close_session(&state.db, &token).await?;
    }
    session::sign_out(&session);
    flash(&session, FlashKind::Info, "You are signed out.");
    Ok(see_other("/login"))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_only_follows_admin_paths() {
        assert_eq!(safe_next("/admin/settings"), "/admin/settings");
        assert_eq!(safe_next("https://evil.example/admin"), "/admin");
        assert_eq!(safe_next("//evil.example"), "/admin");
        assert_eq!(safe_next("/admin\\@evil"), "/admin");
        assert_eq!(safe_next(""), "/admin");
        assert_eq!(safe_next("/admin\r\nSet-Cookie: x=1"), "/admin");
    }
}
