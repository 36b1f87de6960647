//! Every email and text message sent on the merchant's behalf, with its delivery state and
//! content, so a merchant on the default file transport can still read every message; the links
//! only the customer may open are shown redacted (`services::messages`).

use actix_session::Session;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Layout, PageQuery, Pagination};
use crate::store::messages::{self, Message, MessageSummary};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/messages", web::get().to(list))
        .route("/messages/{id}", web::get().to(show))
        .route("/messages/{id}/html", web::get().to(html_body))
        .route("/messages/{id}/resend", web::post().to(resend));
}

/// How a status reads in the list.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "queued" => "Queued",
        "sending" => "Sending",
        "sent" => "Sent",
        "stored" => "Stored (no SMS gateway configured)",
        "failed" => "Failed",
        "unconfirmed" => "Unconfirmed: check with the recipient",
        _ => "Unknown",
    }
}

#[derive(Template)]
#[template(path = "admin/messages.html")]
struct MessagesPage {
    layout: Layout,
    messages: Vec<MessageSummary>,
    pagination: Pagination,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let mut rows =
        messages::list(&state.db, user.merchant_id(), query.limit(), query.offset()).await?;
    let pagination = Pagination::of(&query, &mut rows, "/admin/messages");
    let page = MessagesPage {
        layout: Layout::new(&session, &user, "Messages", "messages")?,
        messages: rows,
        pagination,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct MessagePage {
    layout: Layout,
    message: Message,
}

/// The message as stored: only to send it again.
async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Message, AppError> {
    messages::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The message as staff read it: the customer's links redacted.
async fn load_for_staff(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Message, AppError> {
    crate::services::messages::for_staff(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let message = load_for_staff(&state, &user, &id).await?;
    let page = MessagePage {
        layout: Layout::new(&session, &user, &message.subject, "messages")?,
        message,
    };
    render(StatusCode::OK, &page)
}

/// The HTML of an email, shown in a sandboxed frame: no scripts, no forms, nothing of the admin.
async fn html_body(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let message = load_for_staff(&state, &user, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; img-src https: data:; \
             style-src 'unsafe-inline'; frame-ancestors 'self'",
        ))
        .body(message.body_html))
}

async fn resend(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let message = load(&state, &user, &id).await?;
    let queued = crate::notify::send_again(&state.db, &user.user, &message).await?;
    if queued {
        flash(
            &session,
            FlashKind::Success,
            "The message is queued to be sent again.",
        );
    } else {
        flash(
            &session,
            FlashKind::Error,
            "Only failed or unconfirmed messages can be sent again.",
        );
    }
    Ok(see_other(&format!("/admin/messages/{}", message.id)))
}
