//! Mandates: the list, one mandate with its links and evidence, resend and revoke.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Confirmation, Layout, PageQuery, Pagination};
use crate::domain::Iban;
use crate::domain::subscription::Status;
use crate::services::mandates::{self, MandateError};
use crate::store::customers::{self, Customer};
use crate::store::mandates::{self as mandate_store, Evidence, Link, Mandate, MandateRow};
use crate::store::subscriptions::{self, Subscription};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/mandates", web::get().to(list))
        .route("/mandates/{id}", web::get().to(show))
        .route("/mandates/{id}/resend", web::post().to(resend))
        .route("/mandates/{id}/revoke", web::get().to(confirm_revoke))
        .route("/mandates/{id}/revoke", web::post().to(revoke));
}

/// An IBAN for lists: masked.
pub fn masked(iban: &str) -> String {
    Iban::parse(iban)
        .map(|i| i.masked())
        .unwrap_or_else(|_| iban.to_string())
}

#[derive(Template)]
#[template(path = "admin/mandates.html")]
struct MandatesPage {
    layout: Layout,
    mandates: Vec<MandateRow>,
    pagination: Pagination,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let mut rows =
        mandate_store::list(&state.db, user.merchant_id(), query.limit(), query.offset()).await?;
    let pagination = Pagination::of(&query, &mut rows, "/admin/mandates");
    let page = MandatesPage {
        layout: Layout::new(&session, &user, "Mandates", "mandates")?,
        mandates: rows,
        pagination,
    };
    render(StatusCode::OK, &page)
}

/// One of the merchant's mandates with its customer.
async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<(Mandate, Customer), AppError> {
    let mandate = mandate_store::get(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = customers::get(&state.db, user.merchant_id(), &mandate.customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((mandate, customer))
}

#[derive(Template)]
#[template(path = "admin/mandate.html")]
struct MandatePage {
    layout: Layout,
    mandate: Mandate,
    customer: Customer,
    subscriptions: Vec<Subscription>,
    links: Vec<Link>,
    evidence: Vec<Evidence>,
    now: chrono::DateTime<chrono::Utc>,
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (mandate, customer) = load(&state, &user, &id).await?;
    let page = MandatePage {
        layout: Layout::new(
            &session,
            &user,
            &format!("Mandate {}", mandate.reference),
            "mandates",
        )?,
        subscriptions: subscriptions::for_mandate(&state.db, user.merchant_id(), &mandate.id)
            .await?,
        links: mandate_store::links_for(&state.db, user.merchant_id(), &mandate.id).await?,
        evidence: mandate_store::evidence_for(&state.db, user.merchant_id(), &mandate.id).await?,
        now: crate::store::now(),
        mandate,
        customer,
    };
    render(StatusCode::OK, &page)
}

/// Shows a refusal as a flash message; unknown mandates are 404, failures 500.
fn refusal(session: &Session, e: MandateError) -> Result<(), AppError> {
    match e {
        MandateError::NotFound => Err(AppError::NotFound),
        MandateError::Unexpected(e) => Err(e.into()),
        other => {
            flash(session, FlashKind::Error, &other.to_string());
            Ok(())
        }
    }
}

async fn resend(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match mandates::resend(&state.db, &state.link_settings(), &user.user, &id).await {
        Ok(_) => {
            flash(
                &session,
                FlashKind::Success,
                "A new link is on its way; the previous links no longer work.",
            );
        }
        Err(e) => refusal(&session, e)?,
    }
    Ok(see_other(&format!("/admin/mandates/{id}")))
}

async fn confirm_revoke(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (mandate, customer) = load(&state, &user, &id).await?;
    let running = subscriptions::for_mandate(&state.db, user.merchant_id(), &mandate.id)
        .await?
        .iter()
        .filter(|s| Status::parse(&s.status).is_ok_and(|s| s.is_running()))
        .count();
    Confirmation {
        question: format!(
            "Revoke mandate {} of {}?",
            mandate.reference,
            customer.display_name()
        ),
        losses: vec![
            "Nothing more can be collected under it, and it cannot be made valid again: the \
             customer would have to sign a new mandate."
                .into(),
            format!("{running} running subscription(s) under it can no longer be collected."),
            "Its open confirmation links stop working, and subscriptions still waiting for it end."
                .into(),
        ],
        action: format!("/admin/mandates/{}/revoke", mandate.id),
        button: "Revoke mandate",
        back: format!("/admin/mandates/{}", mandate.id),
    }
    .render(&session, &user, "mandates")
}

async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match mandates::revoke(&state.db, &user.user, &id).await {
        Ok(()) => flash(
            &session,
            FlashKind::Success,
            "The mandate is revoked. Nothing more will be collected under it.",
        ),
        Err(e) => refusal(&session, e)?,
    }
    Ok(see_other(&format!("/admin/mandates/{id}")))
}
