//! The hosted sign-up page `/s/{slug}` (and `?embed=1` inside an iFrame): no cookies, a signed
//! single-use form token, a honeypot, a minimum fill time and rate limits against abuse.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Brand, Framing, Line, render, respond};
use crate::domain::fields::FieldErrors;
use crate::domain::{Formality, Interval, Language};
use crate::i18n::{Texts, interval_every, money};
use crate::notify::Channel;
use crate::services::mandates;
use crate::services::sign_ups::{self, PageAnswers, PageRefusal, PageSignedUp, Visitor};
use crate::services::signup_pages::{TokenError, issue_token, verify_token};
use crate::store::merchants::{self, Merchant};
use crate::store::signup_pages::{self as pages, Page};
use crate::store::{self, products};
use crate::web::AppState;
use crate::web::error::{AppError, see_other};
use crate::web::session::client_ip;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/{slug}", web::get().to(show))
        .route("/s/{slug}", web::post().to(submit));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    lang: String,
    embed: String,
}

/// The form as typed: the page's own fields around the customer's answers.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SignUpForm {
    token: String,
    lang: String,
    embed: String,
    /// Hidden from people; robots fill it in.
    website: String,
    #[serde(flatten)]
    answers: PageAnswers,
}

/// A product as the form offers it.
struct Offer {
    id: String,
    name: String,
    description: String,
    price: String,
    /// What is debited when, from the start date the form gives.
    schedule: String,
    /// The amount paid online at sign-up (online-payment pages).
    pay_now: Option<String>,
}

#[derive(Template)]
#[template(path = "public/sign_up.html")]
struct SignUpPage {
    t: Texts,
    page: Page,
    merchant_name: String,
    brand: Brand,
    brand_colour: String,
    offers: Vec<Offer>,
    form: PageAnswers,
    errors: FieldErrors,
    notice: Option<String>,
    embed: bool,
    token: String,
    ask_start_date: bool,
    allowed_origins: String,
    /// The amount an online-payment page takes at sign-up, when the same for every product.
    pay_now: Option<String>,
    languages: &'static [Language],
    /// The page's title and intro in the page's language.
    title: String,
    intro: String,
}

#[derive(Template)]
#[template(path = "public/sign_up_done.html")]
struct DonePage {
    t: Texts,
    title: String,
    text: String,
    merchant_name: String,
    brand: Brand,
    brand_colour: String,
    embed: bool,
    allowed_origins: String,
    /// Tells the embedding page the customer signed up and must now confirm by this channel
    /// (`email`, `sms`). The merchant's success page waits for the confirmation.
    signed_up: Option<&'static str>,
    /// An embedded online sign-up: the payment page, opened in the whole window.
    pay: Option<String>,
    /// What was ordered.
    summary: Vec<Line>,
    /// The way back to the merchant's website (not inside the website's frame).
    back: bool,
}

/// The page's language: asked for, else the page's, else the merchant's.
fn language(requested: &str, page: &Page, merchant: &Merchant) -> Language {
    Language::parse(requested)
        .ok()
        .or_else(|| {
            page.language
                .as_deref()
                .and_then(|l| Language::parse(l).ok())
        })
        .or_else(|| Language::parse(&merchant.default_language).ok())
        .unwrap_or_default()
}

/// The active page at `slug` with its merchant, or a friendly 404.
async fn active_page(
    state: &AppState,
    slug: &str,
    lang: &str,
) -> Result<Result<(Page, Merchant), HttpResponse>, AppError> {
    // A page taking online payments is not offered while they are off.
    let offered =
        |p: &Page| p.active && (p.mandate_type != "online_payment" || state.payments.is_some());
    if let Some(page) = pages::by_slug(&state.db, slug).await?.filter(offered)
        && let Some(merchant) = merchants::get(&state.db, &page.merchant_id).await?
    {
        return Ok(Ok((page, merchant)));
    }
    // No page, so no merchant to ask: formal, as when in doubt.
    let t = Texts::new(Language::parse(lang).unwrap_or_default(), Formality::Formal);
    let done = DonePage {
        title: t.get("page-not-found-title"),
        text: t.get("page-not-found-text"),
        t,
        brand: Brand::default(),
        merchant_name: String::new(),
        brand_colour: "#1f5f8b".into(),
        embed: false,
        allowed_origins: String::new(),
        signed_up: None,
        pay: None,
        summary: Vec::new(),
        back: false,
    };
    Ok(Err(respond(
        StatusCode::NOT_FOUND,
        Framing::Nobody,
        None,
        render(&done)?,
    )))
}

/// The page's products as the form offers them, each with what it costs and when it is debited
/// if the subscription starts on `start`: an online-payment page takes the first period now and
/// collects from the second.
async fn offers(
    state: &AppState,
    page: &Page,
    merchant: &Merchant,
    language: Language,
    start: chrono::NaiveDate,
) -> Result<Vec<Offer>, AppError> {
    let online = page.mandate_type == "online_payment";
    let mut offers = Vec::new();
    for id in page.products() {
        if let Some(p) = products::get_row(&state.db, &page.merchant_id, id)
            .await?
            .filter(|p| p.active)
        {
            let every = Interval::parse(&p.billing_interval)
                .map(|i| interval_every(language, &i))
                .unwrap_or_default();
            let gross = p.gross().minor();
            let schedule = mandates::schedule_text(
                language,
                merchant,
                &p.billing_interval,
                start,
                start,
                gross,
                online,
            );
            offers.push(Offer {
                id: p.id.clone(),
                name: p.name_in(language),
                description: p.description.clone(),
                price: format!("{} {every}", money(language, gross)),
                schedule: schedule.unwrap_or_default(),
                pay_now: online.then(|| money(language, gross)),
            });
        }
    }
    Ok(offers)
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    page: Page,
    merchant: &Merchant,
    language: Language,
    form: PageAnswers,
    errors: FieldErrors,
    notice: Option<String>,
    embed: bool,
) -> Result<SignUpPage, AppError> {
    let today = merchant.today();
    let start = sign_ups::start_date(&page, &form, today).unwrap_or(today);
    let offers = offers(state, &page, merchant, language, start).await?;
    let t = Texts::new(language, merchant.formality())
        .arg("creditor", mandates::creditor_name(merchant));
    // The button names the amount when it is the same whichever product is chosen.
    let first = offers.first().and_then(|o| o.pay_now.clone());
    let pay_now = first.filter(|a| offers.iter().all(|o| o.pay_now.as_ref() == Some(a)));
    Ok(SignUpPage {
        languages: Language::ALL,
        title: page.title_in(language),
        intro: page.intro_in(language),
        pay_now,
        token: issue_token(
            &state.config.secrets.link_key,
            &page.id,
            store::now().timestamp(),
        ),
        ask_start_date: page.start_rule == "customer",
        allowed_origins: page.origins().join(" "),
        brand: Brand::of(merchant),
        merchant_name: merchant.name.clone(),
        brand_colour: merchant.brand_colour.clone(),
        t,
        page,
        offers,
        form,
        errors,
        notice,
        embed,
    })
}

async fn show(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (page, merchant) = match active_page(&state, &slug, &query.lang).await? {
        Ok(found) => found,
        Err(not_found) => return Ok(not_found),
    };
    let language = language(&query.lang, &page, &merchant);
    let embed = query.embed == "1";
    // A start date the customer picks defaults to today, the earliest allowed.
    let start_date = if page.start_rule == "customer" {
        merchant.today().to_string()
    } else {
        String::new()
    };
    let form = PageAnswers {
        country: merchant.country.clone(),
        start_date,
        ..PageAnswers::default()
    };
    let body = render(
        &form_page(
            &state,
            page.clone(),
            &merchant,
            language,
            form,
            FieldErrors::default(),
            None,
            embed,
        )
        .await?,
    )?;
    Ok(respond(StatusCode::OK, Framing::Page(&page), None, body))
}

/// The nonce of the form's signed token, or the text saying why the form cannot be taken: sent
/// too fast (a robot, or a person who should look again), forged or expired, or the honeypot
/// filled in.
fn form_nonce(state: &AppState, form: &SignUpForm, page: &Page) -> Result<String, &'static str> {
    let checked = verify_token(
        &state.config.secrets.link_key,
        &form.token,
        &page.id,
        store::now().timestamp(),
        state.config.mandates.min_fill_seconds,
    );
    match checked {
        Ok(nonce) if form.website.is_empty() => Ok(nonce),
        Ok(_) => {
            tracing::warn!(page = %page.id, "honeypot filled in; sign-up refused");
            Err("error-form-expired")
        }
        Err(TokenError::TooFast) => Err("error-too-fast"),
        Err(_) => Err("error-form-expired"),
    }
}

/// How a refused sign-up is shown: the status, the notice above the form and the field messages.
fn shown(refusal: PageRefusal, t: &Texts) -> Result<(StatusCode, String, FieldErrors), AppError> {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(match refusal {
        PageRefusal::Fields(errors) => (unprocessable, t.get("signup-errors-title"), errors),
        PageRefusal::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            t.get("error-rate-limited"),
            FieldErrors::default(),
        ),
        PageRefusal::Refused(notice) => (unprocessable, notice, FieldErrors::default()),
        PageRefusal::Unexpected(e) => return Err(e.into()),
    })
}

async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    form: web::Form<SignUpForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let (page, merchant) = match active_page(&state, &slug, &form.lang).await? {
        Ok(found) => found,
        Err(not_found) => return Ok(not_found),
    };
    let language = language(&form.lang, &page, &merchant);
    let embed = form.embed == "1";
    let t = Texts::new(language, merchant.formality())
        .arg("creditor", mandates::creditor_name(&merchant));
    let signed_up = match form_nonce(&state, &form, &page) {
        Err(notice) => Err(PageRefusal::Refused(t.get(notice))),
        Ok(form_nonce) => {
            let visitor = Visitor {
                client_ip: client_ip(&req, state.config.behind_proxy),
                form_nonce,
            };
            let today = merchant.today();
            let ctx = state.sign_ups();
            sign_ups::from_page(&ctx, &page, &merchant, &form.answers, &visitor, &t, today).await
        }
    };
    let (channel, email, phone) = match signed_up {
        Ok(PageSignedUp::Pay { checkout_url }) if !embed => return Ok(see_other(&checkout_url)),
        // A payment page does not belong in a frame (real providers refuse it, and the
        // merchant's success page would open inside it): the whole window goes there.
        Ok(PageSignedUp::Pay { checkout_url }) => {
            let done = DonePage {
                title: t.get("signup-pay-title"),
                text: t.get("signup-pay-text"),
                t,
                brand: Brand::of(&merchant),
                merchant_name: merchant.name.clone(),
                brand_colour: merchant.brand_colour.clone(),
                embed,
                allowed_origins: page.origins().join(" "),
                signed_up: None,
                pay: Some(checkout_url),
                summary: Vec::new(),
                back: false,
            };
            let body = render(&done)?;
            return Ok(respond(StatusCode::OK, Framing::Page(&page), None, body));
        }
        Ok(PageSignedUp::LinkSent {
            channel,
            email,
            phone,
        }) => (channel, email, phone),
        Err(refusal) => {
            let (status, notice, errors) = shown(refusal, &t)?;
            let answers = form.answers;
            let again = form_page(
                &state,
                page.clone(),
                &merchant,
                language,
                answers,
                errors,
                Some(notice),
                embed,
            );
            let body = render(&again.await?)?;
            return Ok(respond(status, Framing::Page(&page), None, body));
        }
    };
    let today = merchant.today();
    let start = sign_ups::start_date(&page, &form.answers, today).unwrap_or(today);
    let offered = offers(&state, &page, &merchant, language, start).await?;
    let only = offered.len() == 1;
    let summary = offered
        .into_iter()
        .filter(|o| only || o.id == form.answers.product_id)
        .map(|o| Line {
            product: o.name,
            amount: o.price,
            schedule: o.schedule,
        })
        .collect();
    let t = t.arg("email", email).arg("phone", phone);
    let (title, text, by) = match channel {
        Channel::Sms => ("signup-check-phone-title", "signup-check-phone-text", "sms"),
        Channel::Email => (
            "signup-check-email-title",
            "signup-check-email-text",
            "email",
        ),
    };
    let done = DonePage {
        title: t.get(title),
        text: t.get(text),
        t,
        brand: Brand::of(&merchant),
        merchant_name: merchant.name.clone(),
        brand_colour: merchant.brand_colour.clone(),
        embed,
        allowed_origins: page.origins().join(" "),
        signed_up: Some(by),
        pay: None,
        summary,
        back: !embed,
    };
    Ok(respond(
        StatusCode::OK,
        Framing::Page(&page),
        None,
        render(&done)?,
    ))
}
