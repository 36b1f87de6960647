//! HTTP: routes, middleware and the handlers of each area.

pub mod admin;
pub mod api;
mod assets;
mod auth;
mod csrf;
pub mod error;
mod forms;
mod inputs;
mod middleware;
mod public;
pub mod session;
mod setup;
mod state;

pub use state::AppState;

use actix_session::SessionMiddleware;
use actix_session::config::{CookieContentSecurity, PersistentSession};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite};
use actix_web::{HttpResponse, web};

use crate::config::Config;
use crate::store::merchants;
use error::AppError;

/// Registers every route of the application.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(index))
        .route("/healthz", web::get().to(healthz));
    assets::routes(cfg);
    setup::routes(cfg);
    auth::routes(cfg);
    admin::routes(cfg);
    api::routes(cfg);
    public::routes(cfg);
    cfg.default_service(web::to(not_found));
}

/// Sessions in an encrypted, signed cookie.
pub fn session_middleware(config: &Config) -> SessionMiddleware<CookieSessionStore> {
    let key = Key::derive_from(&config.secrets.cookie_key);
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("abbo_session".into())
        .cookie_http_only(true)
        .cookie_secure(config.secure_cookies())
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        // The cookie lives as long as the absolute timeout; idle expiry is checked server-side.
        .session_lifecycle(PersistentSession::default().session_ttl(
            actix_web::cookie::time::Duration::hours(config.auth.absolute_timeout_hours),
        ))
        .build()
}

pub use csrf::csrf_guard;
pub use inputs::refuse_control_characters;
pub use middleware::{head_as_get, request_context};

async fn index(
    state: web::Data<AppState>,
    session: actix_session::Session,
) -> Result<HttpResponse, AppError> {
    if !merchants::any_exists(&state.db).await? {
        return Ok(error::see_other("/setup"));
    }
    Ok(error::see_other(if session::has_user(&session) {
        "/admin"
    } else {
        "/login"
    }))
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    match state.db.ping().await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        Err(e) => {
            tracing::error!(error = ?e, "health check failed");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unavailable")
        }
    }
}

async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&AppError::NotFound)
}
