//! The mandate confirmation link `/m/{token}`: the SEPA mandate in the customer's language,
//! "I authorise" and "This is not me".

use actix_web::http::{StatusCode, header};

use super::{Brand, Framing, Line, render, respond};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::fields::FieldErrors;
use crate::domain::{Formality, Iban, Language};
use crate::i18n::{Texts, interval_every, long_date, money};
use crate::services::mandates::renew::{
    self, AccountAnswers, LinkParts, RenewState, Renewal, Renewed,
};
use crate::services::mandates::{self, Answered, ConfirmationContext, LinkState, MandateView};
use crate::web::AppState;
use crate::web::error::{AppError, see_other};
use crate::web::session::client_ip;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/{token}", web::get().to(show))
        .route("/m/{token}", web::post().to(answer))
        .route("/m/new/{mandate}", web::get().to(renew_show))
        .route("/m/new/{mandate}", web::post().to(renew_answer));
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
    /// The account, when the mandate was sent without one.
    #[serde(default)]
    iban: String,
    #[serde(default)]
    account_holder: String,
}

#[derive(Template)]
#[template(path = "public/mandate.html")]
struct MandatePage {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    brand: Brand,
    creditor: String,
    creditor_id: String,
    address: String,
    reference: String,
    account_holder: String,
    iban: String,
    lines: Vec<Line>,
    token: String,
    languages: &'static [Language],
    /// The mandate was sent without an account: the customer enters it here.
    enter_account: bool,
    form: AccountAnswers,
    errors: FieldErrors,
    /// The key of the IBAN field's example.
    iban_hint: &'static str,
}

#[derive(Template)]
#[template(path = "public/notice.html")]
struct NoticePage {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    brand: Brand,
    title: String,
    paragraphs: Vec<String>,
    /// On a confirmation: what was ordered.
    summary: Vec<Line>,
    /// On a confirmation: the way back to the merchant's website (when the settings give it).
    back: bool,
}

#[derive(Deserialize)]
struct RenewQuery {
    #[serde(default)]
    until: String,
    #[serde(default)]
    s: String,
    lang: Option<String>,
}

#[derive(Deserialize)]
struct RenewForm {
    #[serde(default)]
    lang: String,
    #[serde(flatten)]
    answers: AccountAnswers,
}

#[derive(Template)]
#[template(path = "public/mandate_renew.html")]
struct RenewPage {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    brand: Brand,
    creditor: String,
    creditor_id: String,
    address: String,
    /// The running subscriptions, as "product: amount interval".
    lines: Vec<String>,
    /// The failed amounts collected again, as "description: amount".
    again: Vec<String>,
    form: AccountAnswers,
    errors: FieldErrors,
    /// The key of the IBAN field's example.
    iban_hint: &'static str,
    /// The page's own address with the link's signed fields.
    action: String,
    languages: &'static [Language],
    /// The merchant asked for it (not a failed debit): the page says so.
    asked: bool,
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

/// The creditor's address on one line, the country named in `language`.
fn address_of(merchant: &crate::store::merchants::Merchant, language: Language) -> String {
    [
        merchant.street.as_str(),
        &format!("{} {}", merchant.postal_code, merchant.city),
        &crate::i18n::country_name(language, &merchant.country),
    ]
    .iter()
    .map(|s| s.trim())
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// A subscription's amount and interval, as the mandate pages show it.
fn amount_of(s: &crate::store::subscriptions::Subscription, language: Language) -> String {
    format!(
        "{} {}",
        money(language, s.amount_minor),
        crate::domain::Interval::parse(&s.billing_interval)
            .map(|i| interval_every(language, &i))
            .unwrap_or_default()
    )
}

/// The mandate's subscriptions, each with what is debited when.
fn lines(view: &MandateView, language: Language) -> Vec<Line> {
    view.subscriptions
        .iter()
        .map(|s| Line {
            product: s.description.clone(),
            amount: amount_of(s, language),
            schedule: mandates::subscription_schedule(language, &view.merchant, s, false)
                .unwrap_or_default(),
        })
        .collect()
}

fn mandate_page(
    view: &MandateView,
    language: Language,
    token: &str,
    form: AccountAnswers,
    errors: FieldErrors,
) -> MandatePage {
    let merchant = &view.merchant;
    let address = address_of(merchant, language);
    let lines = lines(view, language);
    MandatePage {
        t: view.texts(language),
        brand_colour: merchant.brand_colour.clone(),
        brand: Brand::of(merchant),
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
        enter_account: view.mandate.iban.is_empty(),
        form,
        errors,
        iban_hint: "mandate-enter-account-iban-hint",
    }
}

/// The page for a link that cannot be used, saying why and whom to contact.
fn refused(state: LinkState, requested: Option<&str>) -> Result<HttpResponse, AppError> {
    let (view, reason, status) = match state {
        LinkState::Unknown => {
            let language = requested
                .and_then(|l| Language::parse(l).ok())
                .unwrap_or_default();
            // An unknown link names no merchant: formal, as when in doubt.
            let t = Texts::new(language, Formality::Formal);
            let notice = NoticePage {
                summary: Vec::new(),
                back: false,
                title: t.get("link-problem-title"),
                paragraphs: vec![t.get("link-unknown")],
                t,
                brand_colour: "#1f5f8b".into(),
                brand: Brand::default(),
                merchant_name: String::new(),
            };
            return page(StatusCode::NOT_FOUND, &notice);
        }
        // The mandate was confirmed (by this link or another one sent for it): say so.
        LinkState::Used(view) | LinkState::Revoked(view) | LinkState::Expired(view)
            if view.mandate.status == "valid" =>
        {
            return already_confirmed(&view, chosen(requested, &view));
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
        summary: Vec::new(),
        back: false,
        title: t.get("link-problem-title"),
        paragraphs: vec![t.get(reason), t.get(contact)],
        brand_colour: view.merchant.brand_colour.clone(),
        brand: Brand::of(&view.merchant),
        merchant_name: view.merchant.name.clone(),
        t,
    };
    page(status, &notice)
}

/// The page for a link of a mandate that is confirmed already: when it was confirmed and what
/// happens next.
fn already_confirmed(view: &MandateView, language: Language) -> Result<HttpResponse, AppError> {
    let merchant = &view.merchant;
    let today = merchant.today();
    let date = view.mandate.signed_on.map(|d| long_date(language, d));
    let t = view.texts(language).arg("date", date.unwrap_or_default());
    let mut paragraphs = vec![t.get("mandate-already-confirmed-text")];
    for s in &view.subscriptions {
        let not_started = s.start_date >= today && s.status == "planned";
        let schedule =
            not_started.then(|| mandates::subscription_schedule(language, merchant, s, false));
        let line = match schedule.flatten() {
            Some(schedule) => format!("{}: {schedule}", s.description),
            None => t
                .clone()
                .arg("product", s.description.clone())
                .arg("amount", amount_of(s, language))
                .get("mandate-next"),
        };
        paragraphs.push(line);
    }
    paragraphs.push(t.get("email-confirmed-refund"));
    let notice = NoticePage {
        summary: Vec::new(),
        back: true,
        title: t.get("mandate-already-confirmed-title"),
        paragraphs,
        brand_colour: merchant.brand_colour.clone(),
        brand: Brand::of(merchant),
        merchant_name: merchant.name.clone(),
        t,
    };
    page(StatusCode::OK, &notice)
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
            // The holder's name the staff gave (if any) starts the form.
            let form = AccountAnswers {
                account_holder: view.mandate.account_holder.clone(),
                ..AccountAnswers::default()
            };
            let page = mandate_page(&view, language, &token, form, FieldErrors::default());
            let body = render(&page)?;
            Ok(respond(StatusCode::OK, Framing::Nobody, success, body))
        }
        other => refused(other, query.lang.as_deref()),
    }
}

/// Who confirms, as the evidence records it.
fn confirmation_context(
    req: &HttpRequest,
    state: &AppState,
    language: Language,
) -> ConfirmationContext {
    ConfirmationContext {
        ip_address: client_ip(req, state.config.behind_proxy),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string(),
        language,
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
    let account = AccountAnswers {
        iban: form.iban.clone(),
        account_holder: form.account_holder.clone(),
        consent: None,
    };
    let answered = match form.answer.as_str() {
        "confirm" => {
            let context = confirmation_context(&req, &state, language.unwrap_or_default());
            let links = state.link_settings();
            mandates::confirm(&state.db, &links, &token, &context, &account).await?
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
                summary: lines(&view, t.language()),
                back: true,
                title: t.get("mandate-confirmed-title"),
                paragraphs: vec![t.get("mandate-confirmed-text")],
                brand_colour: view.merchant.brand_colour.clone(),
                brand: Brand::of(&view.merchant),
                merchant_name: view.merchant.name.clone(),
                t,
            };
            page(StatusCode::OK, &notice)
        }
        Answered::Declined(view) => {
            let t = view.texts(language.unwrap_or(view.language));
            let notice = NoticePage {
                summary: Vec::new(),
                back: false,
                title: t.get("mandate-declined-title"),
                paragraphs: vec![t.get("mandate-declined-text")],
                brand_colour: view.merchant.brand_colour.clone(),
                brand: Brand::of(&view.merchant),
                merchant_name: view.merchant.name.clone(),
                t,
            };
            page(StatusCode::OK, &notice)
        }
        Answered::AccountRefused { view, errors } => {
            let language = language.unwrap_or(view.language);
            let body = mandate_page(&view, language, &token, account, errors);
            page(StatusCode::UNPROCESSABLE_ENTITY, &body)
        }
        Answered::Refused(state) => refused(state, requested),
    }
}

/// The new-mandate page for the old mandate's renewal.
fn renew_page(
    renewal: &Renewal,
    language: Language,
    action: String,
    form: AccountAnswers,
    errors: FieldErrors,
) -> RenewPage {
    let view = &renewal.view;
    let merchant = &view.merchant;
    RenewPage {
        t: view.texts(language),
        brand_colour: merchant.brand_colour.clone(),
        brand: Brand::of(merchant),
        merchant_name: merchant.name.clone(),
        creditor: mandates::creditor_name(merchant),
        creditor_id: merchant.creditor_id.clone().unwrap_or_default(),
        address: address_of(merchant, language),
        lines: view
            .subscriptions
            .iter()
            .map(|s| format!("{}: {}", s.description, amount_of(s, language)))
            .collect(),
        again: renewal
            .again
            .iter()
            .map(|d| format!("{}: {}", d.description, money(language, d.amount_minor)))
            .collect(),
        form,
        errors,
        iban_hint: "renew-iban-hint",
        action,
        languages: Language::ALL,
        asked: renewal.asked,
    }
}

/// The link's own address (what the form posts to).
fn renew_action(mandate_id: &str, query: &RenewQuery) -> String {
    let encode = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "/m/new/{}?until={}&s={}",
        encode(mandate_id),
        encode(&query.until),
        encode(&query.s)
    )
}

/// The page for a new-mandate link that leads nowhere (any more).
fn renew_refused(state: RenewState, requested: Option<&str>) -> Result<HttpResponse, AppError> {
    let (view, paragraphs, status) = match state {
        RenewState::Unknown | RenewState::Open(_) => return refused(LinkState::Unknown, requested),
        RenewState::Given(view, new) => {
            let language = chosen(requested, &view);
            let given = MandateView {
                mandate: *new,
                ..*view.clone()
            };
            let date = given.mandate.signed_on.unwrap_or(given.merchant.today());
            let t = given.texts(language).arg("date", long_date(language, date));
            (view, vec![t.get("renew-given")], StatusCode::OK)
        }
        RenewState::NotNeeded(view) => {
            let t = view.texts(chosen(requested, &view));
            (view, vec![t.get("renew-not-needed")], StatusCode::OK)
        }
        RenewState::Expired(view) => {
            let t = view.texts(chosen(requested, &view));
            let contact = if view.merchant.contact_email.is_empty() {
                "renew-contact"
            } else {
                "renew-contact-email"
            };
            (
                view,
                vec![t.get("renew-expired"), t.get(contact)],
                StatusCode::GONE,
            )
        }
    };
    let t = view.texts(chosen(requested, &view));
    let notice = NoticePage {
        summary: Vec::new(),
        back: false,
        title: t.get("renew-title"),
        paragraphs,
        brand_colour: view.merchant.brand_colour.clone(),
        brand: Brand::of(&view.merchant),
        merchant_name: view.merchant.name.clone(),
        t,
    };
    page(status, &notice)
}

fn link_parts<'a>(mandate_id: &'a str, query: &'a RenewQuery) -> LinkParts<'a> {
    LinkParts {
        mandate_id,
        until: &query.until,
        signature: &query.s,
    }
}

async fn renew_show(
    state: web::Data<AppState>,
    mandate_id: web::Path<String>,
    query: web::Query<RenewQuery>,
) -> Result<HttpResponse, AppError> {
    let links = state.dunning_links();
    let parts = link_parts(&mandate_id, &query);
    match renew::renewal_state(&state.db, &links, parts).await? {
        RenewState::Open(renewal) => {
            let language = chosen(query.lang.as_deref(), &renewal.view);
            let form = AccountAnswers {
                account_holder: renewal.view.mandate.account_holder.clone(),
                ..AccountAnswers::default()
            };
            let action = renew_action(&mandate_id, &query);
            let body = renew_page(&renewal, language, action, form, FieldErrors::default());
            page(StatusCode::OK, &body)
        }
        other => renew_refused(other, query.lang.as_deref()),
    }
}

async fn renew_answer(
    state: web::Data<AppState>,
    req: HttpRequest,
    mandate_id: web::Path<String>,
    query: web::Query<RenewQuery>,
    form: web::Form<RenewForm>,
) -> Result<HttpResponse, AppError> {
    let links = state.dunning_links();
    let parts = link_parts(&mandate_id, &query);
    let requested = Some(form.lang.as_str()).filter(|l| !l.is_empty());
    let renewal = match renew::renewal_state(&state.db, &links, parts).await? {
        RenewState::Open(renewal) => renewal,
        other => return renew_refused(other, requested),
    };
    let language = chosen(requested, &renewal.view);
    let t = renewal.view.texts(language);
    let account = match renew::check(&form.answers, &renewal, &t) {
        Ok(account) => account,
        Err(errors) => {
            let action = renew_action(&mandate_id, &query);
            let body = renew_page(&renewal, language, action, form.answers.clone(), errors);
            return page(StatusCode::UNPROCESSABLE_ENTITY, &body);
        }
    };
    let context = confirmation_context(&req, &state, language);
    match renew::renew(&state.db, &links, parts, account, &context).await? {
        Renewed::Done { view, again, .. } => {
            let t = view.texts(language);
            let mut paragraphs = vec![t.get("renew-done-text")];
            if let Some(&(_, date)) = again.first() {
                let total: i64 = again.iter().map(|a| a.0).sum();
                let t = t
                    .clone()
                    .arg("total", money(language, total))
                    .arg("date", long_date(language, date));
                paragraphs.push(t.get("renew-done-again"));
            }
            let notice = NoticePage {
                summary: Vec::new(),
                back: false,
                title: t.get("renew-done-title"),
                paragraphs,
                brand_colour: view.merchant.brand_colour.clone(),
                brand: Brand::of(&view.merchant),
                merchant_name: view.merchant.name.clone(),
                t,
            };
            page(StatusCode::OK, &notice)
        }
        Renewed::Refused(state) => renew_refused(state, requested),
    }
}
