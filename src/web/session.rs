//! The admin session: who is signed in, timeouts, the CSRF token and flash messages.
//!
//! The session lives in an encrypted, signed cookie, so any instance behind a load balancer can
//! read it; the user is loaded from the database on every request so role changes and removals
//! take effect at once.

use std::future::Future;
use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpRequest, web};
use anyhow::Context;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::AppError;
use crate::config::AuthSettings;
use crate::domain::role::Role;
use crate::services::tokens::hash_token;
use crate::store::users::{self, User};

const USER_ID: &str = "uid";
/// The session's token; the database keeps its hash (`user_sessions`).
const SESSION: &str = "sid";
const LOGIN_AT: &str = "login_at";
const SEEN_AT: &str = "seen_at";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// The signed-in staff member, with their merchant's name for the page chrome.
pub struct CurrentUser {
    pub user: User,
    pub role: Role,
    pub merchant_name: String,
    /// Online payments go to the built-in test checkout (the admin says so on every page).
    pub test_payments: bool,
    /// The merchant's time zone, where "today" is.
    pub zone: chrono_tz::Tz,
}

impl CurrentUser {
    /// The merchant every query of this request is scoped to.
    pub fn merchant_id(&self) -> &str {
        &self.user.merchant_id
    }

    /// Today where the merchant is.
    pub fn today(&self) -> chrono::NaiveDate {
        crate::domain::calendar::today_in(self.zone)
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .context("application state is missing")?
                .clone();
            let session = req.get_session();
            let next = (req.method() == actix_web::http::Method::GET).then(|| {
                req.uri()
                    .path_and_query()
                    .map_or("/admin".to_string(), |p| p.to_string())
            });
            let login_required = || AppError::LoginRequired { next: next.clone() };
            let Some(user_id) = session.get::<String>(USER_ID).unwrap_or(None) else {
                return Err(login_required());
            };
            let now = crate::store::now().timestamp();
            let login_at = session.get::<i64>(LOGIN_AT).unwrap_or(None).unwrap_or(0);
            let seen_at = session.get::<i64>(SEEN_AT).unwrap_or(None).unwrap_or(0);
            if expired(&state.config.auth, now, login_at, seen_at) {
                sign_out(&session);
                flash(
                    &session,
                    FlashKind::Info,
                    "Your session expired. Please sign in again.",
                );
                return Err(login_required());
            }
            let token = session
                .get::<String>(SESSION)
                .unwrap_or(None)
                .unwrap_or_default();
            let Some(found) =
                users::get_session_user(&state.db, &user_id, &hash_token(&token)).await?
            else {
                sign_out(&session);
                return Err(login_required());
            };
            let role = Role::parse(&found.user.role).context("stored role is invalid")?;
            if !req.method().is_safe() && !role.can_change() {
                return Err(AppError::Forbidden(
                    "Your role is viewer: you can see everything but change nothing. \
                     Ask an owner if you need to make changes."
                        .into(),
                ));
            }
            session
                .insert(SEEN_AT, now)
                .context("updating the session")?;
            Ok(CurrentUser {
                user: found.user,
                role,
                merchant_name: found.merchant_name,
                test_payments: state.payments.as_ref().is_some_and(|p| p.is_test()),
                zone: crate::domain::calendar::parse_time_zone(&found.merchant_time_zone)
                    .unwrap_or(chrono_tz::Europe::Amsterdam),
            })
        })
    }
}

/// Whether a session signed in at `login_at` and last used at `seen_at` (Unix seconds) has
/// passed the idle or the absolute timeout.
fn expired(auth: &AuthSettings, now: i64, login_at: i64, seen_at: i64) -> bool {
    now - seen_at > auth.idle_timeout_minutes * 60
        || now - login_at > auth.absolute_timeout_hours * 3600
}

/// Starts a fresh session for `user_id` with the token of its stored session (new cookie, new
/// CSRF token: no session fixation).
pub fn sign_in(session: &Session, user_id: &str, token: &str) -> anyhow::Result<()> {
    session.renew();
    session.clear();
    let now = crate::store::now().timestamp();
    session.insert(USER_ID, user_id)?;
    session.insert(SESSION, token)?;
    session.insert(LOGIN_AT, now)?;
    session.insert(SEEN_AT, now)?;
    Ok(())
}

/// The token of the stored session this cookie belongs to, if any.
pub fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(SESSION).unwrap_or(None)
}

/// Empties the cookie (a new one, so a flash message can follow); `services::users::close_session`
/// ends the stored session.
pub fn sign_out(session: &Session) {
    session.renew();
    session.clear();
}

/// Whether the browser holds a session of a signed-in user (not checked against the database).
pub fn has_user(session: &Session) -> bool {
    session.get::<String>(USER_ID).ok().flatten().is_some()
}

/// The session's CSRF token, made on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF).unwrap_or(None) {
        return Ok(token);
    }
    let mut bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    session
        .insert(CSRF, &token)
        .context("storing the form token")?;
    Ok(token)
}

/// The CSRF token stored in the session, if any (for the guard).
pub fn stored_csrf_token(session: &Session) -> Option<String> {
    session.get::<String>(CSRF).unwrap_or(None)
}

/// How a flash message looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

/// A message shown once on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub text: String,
}

impl Flash {
    /// The CSS class of the message.
    pub fn class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash flash-success",
            FlashKind::Info => "flash flash-info",
            FlashKind::Error => "flash flash-error",
        }
    }
}

/// Queues a message for the next page.
pub fn flash(session: &Session, kind: FlashKind, text: &str) {
    let mut all = session
        .get::<Vec<Flash>>(FLASH)
        .unwrap_or(None)
        .unwrap_or_default();
    all.push(Flash {
        kind,
        text: text.to_string(),
    });
    // A failure here only loses a notice, never data.
    let _ = session.insert(FLASH, all);
}

/// Takes the queued messages.
pub fn take_flashes(session: &Session) -> Vec<Flash> {
    session
        .remove_as::<Vec<Flash>>(FLASH)
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// The client address used for sign-in throttling.
pub fn client_ip(req: &HttpRequest, behind_proxy: bool) -> String {
    if behind_proxy && let Some(ip) = req.connection_info().realip_remote_addr() {
        return ip.to_string();
    }
    req.peer_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.ip().to_string())
}

#[cfg(test)]
mod tests {
    use super::expired;
    use crate::config::Settings;

    #[test]
    fn sessions_expire_when_idle_or_too_old() {
        let auth = Settings::default().auth; // 60 minutes idle, 12 hours absolute
        let login = 1_000_000;
        assert!(
            !expired(&auth, login + 60 * 60, login, login),
            "exactly the idle limit is still fine"
        );
        assert!(
            expired(&auth, login + 60 * 60 + 1, login, login),
            "idle for longer"
        );
        // Active all the time, but past the absolute limit.
        let now = login + 12 * 3600 + 1;
        assert!(expired(&auth, now, login, now - 60));
        assert!(!expired(&auth, now - 2, login, now - 60));
        // A session without timestamps (tampering is impossible, but be safe) is expired.
        assert!(expired(&auth, login, 0, 0));
    }
}
