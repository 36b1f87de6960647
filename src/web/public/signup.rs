//! The hosted sign-up page `/s/{slug}` (and `?embed=1` inside an iFrame): no cookies, a signed
//! single-use form token, a honeypot, a minimum fill time and rate limits against abuse.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{Datelike, Duration, NaiveDate};
use serde::Deserialize;

use crate::domain::fields::FieldErrors;
use crate::domain::{CountryCode, EmailAddress, Iban, Interval, Language, PhoneNumber};
use crate::i18n::{Texts, interval_every};
use crate::notify::Channel;
use crate::services::mandates::{self, MandateError, MandateRequest};
use crate::services::signup_pages::{TokenError, issue_token, verify_token};
use crate::store::customers::{self, NewCustomer};
use crate::store::merchants::{self, Merchant};
use crate::store::pages::{self, Page};
use crate::store::products;
use crate::store::{self};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::client_ip;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/s/{slug}", web::get().to(show))
        .route("/s/{slug}", web::post().to(submit));
}

/// Sign-ups allowed per client address and per page per hour, and text messages per number per day.
const PER_IP_PER_HOUR: i64 = 20;
const PER_PAGE_PER_HOUR: i64 = 300;
const SMS_PER_NUMBER_PER_DAY: i64 = 3;

#[derive(Deserialize, Default)]
#[serde(default)]
struct PageQuery {
    lang: String,
    embed: String,
}

/// The form as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SignUpForm {
    token: String,
    lang: String,
    embed: String,
    /// Hidden from people; robots fill it in.
    website: String,
    product_id: String,
    first_name: String,
    last_name: String,
    email: String,
    phone: String,
    company: String,
    street: String,
    postal_code: String,
    city: String,
    country: String,
    birth_date: String,
    iban: String,
    account_holder: String,
    start_date: String,
    consent: Option<String>,
}

/// A product as the form offers it.
struct Offer {
    id: String,
    name: String,
    description: String,
    price: String,
}

#[derive(Template)]
#[template(path = "public/signup.html")]
struct SignUpPage {
    t: Texts,
    page: Page,
    merchant_name: String,
    brand_colour: String,
    offers: Vec<Offer>,
    form: SignUpForm,
    errors: FieldErrors,
    notice: Option<String>,
    embed: bool,
    token: String,
    ask_start_date: bool,
    allowed_origins: String,
    signed_up: Option<String>,
    logo_url: Option<String>,
}

#[derive(Template)]
#[template(path = "public/signup_done.html")]
struct DonePage {
    t: Texts,
    title: String,
    text: String,
    merchant_name: String,
    brand_colour: String,
    embed: bool,
    allowed_origins: String,
    /// Tells the embedding page the sign-up is done (with the success address, may be empty).
    signed_up: Option<String>,
}

/// Customer pages may be framed only by the page's allowed origins (and the admin preview).
fn respond(status: StatusCode, page: Option<&Page>, body: String) -> HttpResponse {
    let ancestors = page.map_or("'none'".to_string(), |p| {
        let mut list = vec!["'self'".to_string()];
        list.extend(p.origins().iter().map(|o| o.to_string()));
        list.join(" ")
    });
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; \
                 form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors {ancestors}"
            ),
        ))
        .body(body)
}

fn rendered(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering a sign-up page: {e}")))
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
    if let Some(page) = pages::by_slug(&state.db, slug).await?.filter(|p| p.active)
        && let Some(merchant) = merchants::get(&state.db, &page.merchant_id).await?
    {
        return Ok(Ok((page, merchant)));
    }
    let t = Texts::new(Language::parse(lang).unwrap_or_default());
    let done = DonePage {
        title: t.get("page-not-found-title"),
        text: t.get("page-not-found-text"),
        t,
        merchant_name: String::new(),
        brand_colour: "#1f5f8b".into(),
        embed: false,
        allowed_origins: String::new(),
        signed_up: None,
    };
    Ok(Err(respond(StatusCode::NOT_FOUND, None, rendered(&done)?)))
}

async fn offers(state: &AppState, page: &Page, language: Language) -> Result<Vec<Offer>, AppError> {
    let mut offers = Vec::new();
    for id in page.products() {
        if let Some(p) = products::get_row(&state.db, &page.merchant_id, id)
            .await?
            .filter(|p| p.active)
        {
            let every = Interval::parse(&p.billing_interval)
                .map(|i| interval_every(language, &i))
                .unwrap_or_default();
            offers.push(Offer {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                price: format!("{} {every}", p.gross().format_eur()),
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
    form: SignUpForm,
    errors: FieldErrors,
    notice: Option<String>,
    embed: bool,
) -> Result<SignUpPage, AppError> {
    let offers = offers(state, &page, language).await?;
    let t = Texts::new(language).arg("creditor", mandates::creditor_name(merchant));
    let logo_url = merchants::logo_version(&state.db, &merchant.id)
        .await?
        .map(|at| format!("/media/logo/{}?v={}", merchant.id, at.timestamp()));
    Ok(SignUpPage {
        logo_url,
        token: issue_token(
            &state.config.secrets.link_key,
            &page.id,
            store::now().timestamp(),
        ),
        ask_start_date: page.start_rule == "customer",
        allowed_origins: page.origins().join(" "),
        signed_up: None,
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
    let form = SignUpForm {
        country: merchant.country.clone(),
        ..SignUpForm::default()
    };
    let body = rendered(
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
    Ok(respond(StatusCode::OK, Some(&page), body))
}

/// The checked sign-up, ready for the mandate request.
struct Checked {
    customer: NewCustomer,
    /// The account to debit; comes from the first payment for online-payment pages.
    iban: Option<Iban>,
    account_holder: String,
    start_date: NaiveDate,
}

fn check(
    form: &SignUpForm,
    page: &Page,
    t: &Texts,
    offers: &[Offer],
    merchant: &Merchant,
    today: NaiveDate,
) -> Result<Checked, FieldErrors> {
    let mut errors = FieldErrors::default();
    let required = |errors: &mut FieldErrors, field: &'static str, value: &str, needed: bool| {
        let value = value.trim();
        if needed && value.is_empty() {
            errors.add(field, t.get("error-required"));
        }
        value.chars().take(70).collect::<String>()
    };
    if !offers.iter().any(|o| o.id == form.product_id) {
        errors.add("product_id", t.get("error-product"));
    }
    let first_name = required(&mut errors, "first_name", &form.first_name, true);
    let last_name = required(&mut errors, "last_name", &form.last_name, true);
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => e.to_string(),
        Err(_) => {
            errors.add("email", t.get("error-email"));
            String::new()
        }
    };
    let needs_phone = page.requires("phone") || page.mandate_type == "sms";
    let country = CountryCode::parse(&form.country)
        .map(|c| c.to_string())
        .unwrap_or_default();
    let phone_country = if country.is_empty() {
        merchant.country.as_str()
    } else {
        country.as_str()
    };
    let phone = if form.phone.trim().is_empty() {
        if needs_phone {
            errors.add("phone", t.get("error-required"));
        }
        String::new()
    } else {
        match PhoneNumber::parse(
            &form.phone,
            if phone_country.is_empty() {
                "NL"
            } else {
                phone_country
            },
        ) {
            Ok(p) => p.to_string(),
            Err(_) => {
                errors.add("phone", t.get("error-phone"));
                String::new()
            }
        }
    };
    let company = required(
        &mut errors,
        "company",
        &form.company,
        page.requires("company"),
    );
    let needs_address = page.requires("address");
    let street = required(&mut errors, "street", &form.street, needs_address);
    let postal_code = required(&mut errors, "postal_code", &form.postal_code, needs_address);
    let city = required(&mut errors, "city", &form.city, needs_address);
    if page.requires("birth_date") || !form.birth_date.trim().is_empty() {
        let born = NaiveDate::parse_from_str(form.birth_date.trim(), "%Y-%m-%d").ok();
        if born.is_none_or(|d| d >= today) {
            errors.add("birth_date", t.get("error-date"));
        }
    }
    let online = page.mandate_type == "online_payment";
    let iban = if online {
        None
    } else {
        Iban::parse(&form.iban)
            .map_err(|_| errors.add("iban", t.get("error-iban")))
            .ok()
    };
    let account_holder = required(&mut errors, "account_holder", &form.account_holder, !online);
    let start_date = match page.start_rule.as_str() {
        "customer" => match NaiveDate::parse_from_str(form.start_date.trim(), "%Y-%m-%d") {
            Ok(d) if d >= today => Some(d),
            _ => {
                errors.add("start_date", t.get("error-start-date"));
                None
            }
        },
        "first_of_next_month" => NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1))),
        _ => Some(today),
    };
    if form.consent.is_none() {
        errors.add("consent", t.get("error-consent"));
    }
    let (Some(start_date), true) = (start_date, errors.is_empty() && (online || iban.is_some()))
    else {
        return Err(errors);
    };
    Ok(Checked {
        customer: NewCustomer {
            first_name,
            last_name,
            company,
            email,
            phone,
            street,
            postal_code,
            city,
            country,
            language: Some(t.language().code().to_string()),
            ..NewCustomer::default()
        },
        iban,
        account_holder,
        start_date,
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
    let t = Texts::new(language).arg("creditor", mandates::creditor_name(&merchant));
    let now = store::now();
    let refuse = |status: StatusCode, notice: String, errors: FieldErrors| {
        let state = state.clone();
        let (page, merchant, form) = (page.clone(), merchant.clone(), form.clone());
        async move {
            let body = rendered(
                &form_page(
                    &state,
                    page.clone(),
                    &merchant,
                    language,
                    form,
                    errors,
                    Some(notice),
                    embed,
                )
                .await?,
            )?;
            Ok::<_, AppError>(respond(status, Some(&page), body))
        }
    };
    let nonce = match verify_token(
        &state.config.secrets.link_key,
        &form.token,
        &page.id,
        now.timestamp(),
        state.config.mandates.min_fill_seconds,
    ) {
        Ok(nonce) => nonce,
        Err(TokenError::TooFast) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("error-too-fast"),
                FieldErrors::default(),
            )
            .await;
        }
        Err(_) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("error-form-expired"),
                FieldErrors::default(),
            )
            .await;
        }
    };
    if !form.website.is_empty() {
        tracing::warn!(page = %page.id, "honeypot filled in; sign-up refused");
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("error-form-expired"),
            FieldErrors::default(),
        )
        .await;
    }
    let ip_key = format!("signup-ip:{}", client_ip(&req, state.config.behind_proxy));
    let page_key = format!("signup-page:{}", page.id);
    let hour_ago = now - Duration::hours(1);
    if pages::events_since(&state.db, &ip_key, hour_ago).await? >= PER_IP_PER_HOUR
        || pages::events_since(&state.db, &page_key, hour_ago).await? >= PER_PAGE_PER_HOUR
    {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            t.get("error-rate-limited"),
            FieldErrors::default(),
        )
        .await;
    }
    let today = chrono::Utc::now().date_naive();
    let offers = offers(&state, &page, language).await?;
    let checked = match check(&form, &page, &t, &offers, &merchant, today) {
        Ok(checked) => checked,
        Err(errors) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("signup-errors-title"),
                errors,
            )
            .await;
        }
    };
    let channel = if page.mandate_type == "sms" {
        Channel::Sms
    } else {
        Channel::Email
    };
    let sms_key = format!("signup-sms:{}", checked.customer.phone);
    if channel == Channel::Sms
        && pages::events_since(&state.db, &sms_key, now - Duration::days(1)).await?
            >= SMS_PER_NUMBER_PER_DAY
    {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            t.get("error-rate-limited"),
            FieldErrors::default(),
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    let keys: Vec<&str> = if channel == Channel::Sms {
        vec![&ip_key, &page_key, &sms_key]
    } else {
        vec![&ip_key, &page_key]
    };
    pages::count_event(&mut tx, &keys, now, now - Duration::days(2)).await?;
    tx.commit().await?;

    // The same email at this merchant is the same customer.
    let existing =
        customers::with_email(&state.db, &merchant.id, &checked.customer.email, "").await?;
    let (customer_id, new_customer) = match existing {
        Some(c) => (c.id, None),
        None => (String::new(), Some(checked.customer.clone())),
    };
    if page.mandate_type == "online_payment" {
        let provider = crate::services::payments::TestProvider {
            base_url: state.config.base_url.clone(),
        };
        let signup = crate::services::payments::OnlineSignUp {
            merchant_id: merchant.id.clone(),
            customer_id: Some(customer_id.clone()).filter(|id| !id.is_empty()),
            new_customer,
            product_id: form.product_id.clone(),
            start_date: checked.start_date,
            success_redirect_url: Some(page.success_url.clone()).filter(|u| !u.is_empty()),
            form_nonce: Some(nonce),
            options: Default::default(),
        };
        return match crate::services::payments::start(&state.db, &provider, signup).await {
            Ok(started) => Ok(crate::web::error::see_other(&started.checkout_url)),
            Err(crate::services::payments::OnlineError::Unexpected(e)) => Err(e.into()),
            Err(_) => {
                refuse(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t.get("error-form-expired"),
                    FieldErrors::default(),
                )
                .await
            }
        };
    }
    let Some(iban) = checked.iban else {
        return Err(AppError::Unexpected(anyhow::anyhow!(
            "a debit sign-up without IBAN"
        )));
    };
    let request = MandateRequest {
        merchant_id: merchant.id.clone(),
        customer_id,
        product_id: form.product_id.clone(),
        iban,
        bic: None,
        account_holder: checked.account_holder,
        channel,
        start_date: checked.start_date,
        success_redirect_url: Some(page.success_url.clone()).filter(|u| !u.is_empty()),
        new_customer,
        form_nonce: Some(nonce),
        options: Default::default(),
        deliver: true,
    };
    let actor = crate::store::activity::System::new(&merchant.id, "sign-up page");
    match mandates::request(&state.db, &state.link_settings(), &actor, request).await {
        // A double click sends the same form twice: the first created the sign-up.
        Ok(_) | Err(MandateError::DoubleSubmit) => {}
        Err(MandateError::Unexpected(e)) => return Err(e.into()),
        Err(e) => {
            tracing::warn!(error = %e, page = %page.id, "sign-up refused");
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("error-form-expired"),
                FieldErrors::default(),
            )
            .await;
        }
    }
    state.outbox.wake();
    let t = t
        .arg("email", checked.customer.email)
        .arg("phone", checked.customer.phone);
    let (title, text) = match channel {
        Channel::Sms => (
            t.get("signup-check-phone-title"),
            t.get("signup-check-phone-text"),
        ),
        Channel::Email => (
            t.get("signup-check-email-title"),
            t.get("signup-check-email-text"),
        ),
    };
    let done = DonePage {
        title,
        text,
        t,
        merchant_name: merchant.name.clone(),
        brand_colour: merchant.brand_colour.clone(),
        embed,
        allowed_origins: page.origins().join(" "),
        signed_up: Some(page.success_url.clone()),
    };
    Ok(respond(StatusCode::OK, Some(&page), rendered(&done)?))
}
