//! The mandate confirmation link `/m/{token}`: the SEPA mandate in the customer's language,
//! "I authorise" and "This is not me".

use actix_web::http::{StatusCode, header};

use super::{Framing, render, respond};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{Iban, Language, Money};
use crate::i18n::{Texts, interval_every};
use crate::services::mandates::{self, Answered, ConfirmationContext, LinkState, MandateView};
use crate::web::AppState;
use crate::web::error::{AppError, see_other};
use crate::web::session::client_ip;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/{token}", web::get().to(show))
        .route("/m/{token}", web::post().to(answer));
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

#[derive(Deserialize)]
struct AnswerForm {
    answer: String,
    #[serde(default)]
    lang: String,
}

/// One line of the mandate's subscriptions.
struct Line {
    product: String,
    amount: String,
}

#[derive(Template)]
#[template(path = "public/mandate.html")]
struct MandatePage {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    creditor: String,
    creditor_id: String,
    address: String,
    reference: String,
    account_holder: String,
    iban: String,
    lines: Vec<Line>,
    token: String,
    languages: &'static [Language],
}

#[derive(Template)]
#[template(path = "public/notice.html")]
struct NoticePage {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    title: String,
    paragraphs: Vec<String>,
}

/// The language asked for by `?lang=` or the form, else the customer's.
fn chosen(requested: Option<&str>, view: &MandateView) -> Language {
    requested
        .and_then(|l| Language::parse(l).ok())
        .unwrap_or(view.language)
}

/// A mandate page: never framed (a framing site could cover the mandate text).
fn page(status: StatusCode, template: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(respond(status, Framing::Nobody, None, render(template)?))
}

fn mandate_page(view: &MandateView, language: Language, token: &str) -> MandatePage {
    let merchant = &view.merchant;
    let address = [
        merchant.street.as_str(),
        &format!("{} {}", merchant.postal_code, merchant.city),
        &merchant.country,
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ");
    let lines = view
        .subscriptions
        .iter()
        .map(|s| Line {
            product: s.description.clone(),
            amount: format!(
                "{} {}",
                Money::from_minor(s.amount_minor).format_eur(),
                crate::domain::Interval::parse(&s.billing_interval)
                    .map(|i| interval_every(language, &i))
                    .unwrap_or_default()
            ),
        })
        .collect();
    MandatePage {
        t: view.texts(language),
        brand_colour: merchant.brand_colour.clone(),
        merchant_name: merchant.name.clone(),
        creditor: mandates::creditor_name(merchant),
        creditor_id: merchant.creditor_id.clone().unwrap_or_default(),
        address,
        reference: view.mandate.reference.clone(),
        account_holder: view.mandate.account_holder.clone(),
        iban: Iban::parse(&view.mandate.iban)
            .map(|i| i.masked())
            .unwrap_or_default(),
        lines,
        token: token.to_string(),
        languages: Language::ALL,
    }
}

/// The page for a link that cannot be used, saying why and whom to contact.
fn refused(state: LinkState, requested: Option<&str>) -> Result<HttpResponse, AppError> {
    let (view, reason, status) = match state {
        LinkState::Unknown => {
            let language = requested
                .and_then(|l| Language::parse(l).ok())
                .unwrap_or_default();
            let t = Texts::new(language);
            let notice = NoticePage {
                title: t.get("link-problem-title"),
                paragraphs: vec![t.get("link-unknown")],
                t,
                brand_colour: "#1f5f8b".into(),
                merchant_name: String::new(),
            };
            return page(StatusCode::NOT_FOUND, &notice);
        }
        LinkState::Used(view) => (view, "link-used", StatusCode::GONE),
        LinkState::Expired(view) => (view, "link-expired", StatusCode::GONE),
        LinkState::Revoked(view) => (view, "link-revoked", StatusCode::GONE),
        LinkState::Open(view) => (view, "link-unknown", StatusCode::CONFLICT),
    };
    let language = chosen(requested, &view);
    let t = view.texts(language);
    let contact = if view.merchant.contact_email.is_empty() {
        "link-contact"
    } else {
        "link-contact-email"
    };
    let notice = NoticePage {
        title: t.get("link-problem-title"),
        paragraphs: vec![t.get(reason), t.get(contact)],
        brand_colour: view.merchant.brand_colour.clone(),
        merchant_name: view.merchant.name.clone(),
        t,
    };
    page(status, &notice)
}

async fn show(
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<LangQuery>,
) -> Result<HttpResponse, AppError> {
    match mandates::link_state(&state.db, &token).await? {
        LinkState::Open(view) => {
            let language = chosen(query.lang.as_deref(), &view);
            // Confirming redirects to the merchant's success page, if the sign-up gave one.
            let success = view
                .subscriptions
                .iter()
                .find_map(|s| s.success_redirect_url.as_deref());
            let body = render(&mandate_page(&view, language, &token))?;
            Ok(respond(StatusCode::OK, Framing::Nobody, success, body))
        }
        other => refused(other, query.lang.as_deref()),
    }
}

async fn answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<AnswerForm>,
) -> Result<HttpResponse, AppError> {
    let requested = Some(form.lang.as_str()).filter(|l| !l.is_empty());
    let language = requested.and_then(|l| Language::parse(l).ok());
    let answered = match form.answer.as_str() {
        "confirm" => {
            let context = ConfirmationContext {
                ip_address: client_ip(&req, state.config.behind_proxy),
                user_agent: req
                    .headers()
                    .get(header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string(),
                language: language.unwrap_or_default(),
            };
            mandates::confirm(&state.db, &state.link_settings(), &token, &context).await?
        }
        "decline" => mandates::decline(&state.db, &token).await?,
        _ => return Err(AppError::NotFound),
    };
    match answered {
        Answered::Confirmed {
            redirect: Some(url),
            ..
        } => Ok(see_other(&url)),
        Answered::Confirmed {
            view,
            redirect: None,
        } => {
            let t = view.texts(language.unwrap_or(view.language));
            let notice = NoticePage {
                title: t.get("mandate-confirmed-title"),
                paragraphs: vec![t.get("mandate-confirmed-text")],
                brand_colour: view.merchant.brand_colour.clone(),
                merchant_name: view.merchant.name.clone(),
                t,
            };
            page(StatusCode::OK, &notice)
        }
        Answered::Declined(view) => {
            let t = view.texts(language.unwrap_or(view.language));
            let notice = NoticePage {
                title: t.get("mandate-declined-title"),
                paragraphs: vec![t.get("mandate-declined-text")],
                brand_colour: view.merchant.brand_colour.clone(),
                merchant_name: view.merchant.name.clone(),
                t,
            };
            page(StatusCode::OK, &notice)
        }
        Answered::Refused(state) => refused(state, requested),
    }
}
