//! The built-in test provider's checkout `/pay/{id}`: the tester chooses how the payment ends,
//! as payment providers' test modes let you; then the sign-up continues as with a real provider.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{Iban, Money};
use crate::i18n::Texts;
use crate::services::mandates;
use crate::services::payments::{self, OnlineError, Outcome, TestProvider};
use crate::store::payments::{self as store, Payment};
use crate::store::{customers, merchants, subscriptions};
use crate::web::AppState;
use crate::web::error::{AppError, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pay/{id}", web::get().to(show))
        .route("/pay/{id}", web::post().to(finish))
        .route("/pay/{id}/retry", web::post().to(retry));
}

#[derive(Template)]
#[template(path = "public/checkout.html")]
struct CheckoutPage {
    payment: Payment,
    merchant_name: String,
    amount: String,
    iban: String,
    account_holder: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "public/payment_result.html")]
struct ResultPage {
    t: Texts,
    payment_id: String,
    merchant_name: String,
    brand_colour: String,
    paid: bool,
    title: String,
    text: String,
}

fn page(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self' https:; \
             base-uri 'none'; object-src 'none'; frame-ancestors *",
        ))
        .body(body)
}

fn render(template: &impl Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("rendering the checkout: {e}")))
}

async fn load(state: &AppState, id: &str) -> Result<(Payment, String), AppError> {
    let payment = store::get(&state.db, id)
        .await?
        .filter(|p| p.provider == "test")
        .ok_or(AppError::NotFound)?;
    let merchant = merchants::get(&state.db, &payment.merchant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((payment, merchant.name))
}

async fn show(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (payment, merchant_name) = load(&state, &id).await?;
    if payment.status != "open" {
        return result(&state, &payment).await;
    }
    let customer = customers::get(&state.db, &payment.merchant_id, &payment.customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let checkout = CheckoutPage {
        amount: Money::from_minor(payment.amount_minor).format_eur(),
        payment,
        merchant_name,
        iban: "NL91 ABNA 0417 1643 00".into(),
        account_holder: customer.display_name(),
        error: None,
    };
    Ok(page(StatusCode::OK, render(&checkout)?))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FinishForm {
    outcome: String,
    iban: String,
    account_holder: String,
}

async fn finish(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<FinishForm>,
) -> Result<HttpResponse, AppError> {
    let (payment, merchant_name) = load(&state, &id).await?;
    let outcome = Outcome::parse(&form.outcome).ok_or(AppError::NotFound)?;
    let iban = Iban::parse(&form.iban);
    let holder = form.account_holder.trim();
    if outcome == Outcome::Paid && (iban.is_err() || holder.is_empty()) && payment.status == "open"
    {
        let checkout = CheckoutPage {
            amount: Money::from_minor(payment.amount_minor).format_eur(),
            payment,
            merchant_name,
            iban: form.iban.clone(),
            account_holder: form.account_holder.clone(),
            error: Some("Enter a valid IBAN and the account holder to pay".into()),
        };
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, render(&checkout)?));
    }
    let iban =
        iban.unwrap_or_else(|_| Iban::parse("NL91ABNA0417164300").expect("a valid test IBAN"));
    payments::settle(
        &state.db,
        &payment,
        outcome,
        &iban,
        holder,
        payments::today(),
    )
    .await?;
    let settled = store::get(&state.db, &payment.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if settled.status == "paid" {
        let subscription =
            subscriptions::get(&state.db, &settled.merchant_id, &settled.subscription_id).await?;
        if let Some(url) = subscription.and_then(|s| s.success_redirect_url) {
            return Ok(see_other(&url));
        }
    }
    result(&state, &settled).await
}

/// The page after a payment: thanks, or what went wrong with a way to try again.
async fn result(state: &AppState, payment: &Payment) -> Result<HttpResponse, AppError> {
    let merchant = merchants::get(&state.db, &payment.merchant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let customer = customers::get(&state.db, &payment.merchant_id, &payment.customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let language = mandates::language_of(&customer, &merchant);
    let t = Texts::new(language).arg("creditor", mandates::creditor_name(&merchant));
    let paid = payment.status == "paid";
    let (title, text) = match payment.status.as_str() {
        "paid" => (t.get("payment-paid-title"), t.get("payment-paid-text")),
        "cancelled" => (
            t.get("payment-failed-title"),
            t.get("payment-cancelled-text"),
        ),
        "expired" => (t.get("payment-failed-title"), t.get("payment-expired-text")),
        _ => (t.get("payment-failed-title"), t.get("payment-failed-text")),
    };
    let result = ResultPage {
        t,
        payment_id: payment.id.clone(),
        merchant_name: merchant.name,
        brand_colour: merchant.brand_colour,
        paid,
        title,
        text,
    };
    Ok(page(
        if paid {
            StatusCode::OK
        } else {
            StatusCode::PAYMENT_REQUIRED
        },
        render(&result)?,
    ))
}

async fn retry(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let payment = store::get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let provider = TestProvider {
        base_url: state.config.base_url.clone(),
    };
    match payments::retry(&state.db, &provider, &payment).await {
        Ok(url) => Ok(see_other(&url)),
        Err(OnlineError::Unexpected(e)) => Err(e.into()),
        Err(_) => result(&state, &payment).await,
    }
}
