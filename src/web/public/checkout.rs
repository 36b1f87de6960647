//! The built-in test provider's checkout `/pay/{id}`: the tester chooses how the payment ends,
//! as payment providers' test modes let you; then the sign-up continues as with a real provider.

use actix_web::http::StatusCode;

use super::{Brand, Framing, render, respond};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::{Iban, Money};
use crate::i18n::Texts;
use crate::services::mandates;
use crate::services::payments::{self, OnlineError, Outcome, Provider};
use crate::store::payments::{self as store, Payment};
use crate::store::{customers, merchants, subscriptions};
use crate::web::AppState;
use crate::web::error::{AppError, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/pay/due/{transaction}", web::get().to(pay_due))
        .route("/pay/{id}", web::get().to(show))
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
    brand: Brand,
    brand_colour: String,
    paid: bool,
    title: String,
    text: String,
}

#[derive(Template)]
#[template(path = "public/notice.html")]
struct LinkNotice {
    t: Texts,
    brand_colour: String,
    merchant_name: String,
    brand: Brand,
    title: String,
    paragraphs: Vec<String>,
    /// Never a summary or a way back here (the template's fields for confirmations).
    summary: Vec<super::Line>,
    back: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DueQuery {
    s: String,
}

/// A payment link from a dunning email: opens the provider's checkout for the failed
/// transaction's amount, or says why it can't.
async fn pay_due(
    state: web::Data<AppState>,
    transaction: web::Path<String>,
    query: web::Query<DueQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::services::collections::dunning::{self, PayError};
    let links = state.dunning_links();
    let outcome = match dunning::due(&state.db, &links, &transaction, &query.s).await {
        Ok(t) => dunning::start_payment(&state.db, state.payments.as_ref(), &t)
            .await
            .map(|url| (url, t)),
        Err(e) => Err(e),
    };
    let error = match outcome {
        Ok((url, _)) => return Ok(see_other(&url)),
        Err(PayError::Unexpected(e)) => return Err(e.into()),
        Err(e) => e,
    };
    let (status, key) = match error {
        PayError::NotFound => (StatusCode::NOT_FOUND, "pay-link-unknown"),
        PayError::NotDue => (StatusCode::GONE, "pay-link-not-due"),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "pay-link-offline"),
    };
    // The merchant's look once the link is known to be theirs.
    let merchant = match error {
        PayError::NotFound => None,
        _ => {
            let id = crate::store::transactions::merchant_of(&state.db, &transaction).await?;
            match id {
                Some(id) => merchants::get(&state.db, &id).await?,
                None => None,
            }
        }
    };
    let language = merchant
        .as_ref()
        .and_then(|m| crate::domain::Language::parse(&m.default_language).ok())
        .unwrap_or_default();
    let formality = merchant.as_ref().map(|m| m.formality()).unwrap_or_default();
    let t = Texts::new(language, formality);
    let notice = LinkNotice {
        summary: Vec::new(),
        back: false,
        title: t.get("pay-link-title"),
        paragraphs: vec![t.get(key)],
        brand_colour: merchant
            .as_ref()
            .map(|m| m.brand_colour.clone())
            .unwrap_or_else(|| "#1f5f8b".into()),
        brand: merchant.as_ref().map(Brand::of).unwrap_or_default(),
        merchant_name: merchant.map(|m| m.name).unwrap_or_default(),
        t,
    };
    Ok(page(status, None, render(&notice)?))
}

/// A checkout page: framable like a payment provider's, redirecting to the merchant's success
/// page after a payment when the sign-up gave one.
fn page(status: StatusCode, success: Option<&str>, body: String) -> HttpResponse {
    respond(status, Framing::Anyone, success, body)
}

/// The test provider, when it is the one configured (otherwise this checkout does not exist).
fn test_provider(state: &AppState) -> Option<&Provider> {
    state.payments.as_ref().filter(|p| p.is_test())
}

/// A test payment, its merchant's name and the sign-up's success page (if it gave one).
async fn load(
    state: &AppState,
    id: &str,
) -> Result<(Payment, merchants::Merchant, Option<String>), AppError> {
    test_provider(state).ok_or(AppError::NotFound)?;
    let payment = store::get(&state.db, id)
        .await?
        .filter(|p| p.provider == "test")
        .ok_or(AppError::NotFound)?;
    let merchant = merchants::get(&state.db, &payment.merchant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let success = subscriptions::get(&state.db, &payment.merchant_id, &payment.subscription_id)
        .await?
        .and_then(|s| s.success_redirect_url);
    Ok((payment, merchant, success))
}

async fn show(state: web::Data<AppState>, id: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (payment, merchant, success) = load(&state, &id).await?;
    let merchant_name = merchant.name;
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
        iban: String::new(),
        account_holder: customer.display_name(),
        error: None,
    };
    Ok(page(StatusCode::OK, success.as_deref(), render(&checkout)?))
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
    let (payment, merchant, success) = load(&state, &id).await?;
    let merchant_name = merchant.name.clone();
    let outcome = Outcome::parse(&form.outcome).ok_or(AppError::NotFound)?;
    let holder = form.account_holder.trim();
    // A paid payment says which account paid; the others leave the mandate without one.
    let account = match (outcome, Iban::parse(&form.iban)) {
        (Outcome::Paid, Ok(iban)) if !holder.is_empty() => Some((iban, holder)),
        _ => None,
    };
    if outcome == Outcome::Paid
        && account.is_none()
        && payment.status == "open"
        && payment.transaction_id.is_none()
    {
        let checkout = CheckoutPage {
            amount: Money::from_minor(payment.amount_minor).format_eur(),
            payment,
            merchant_name,
            iban: form.iban.clone(),
            account_holder: form.account_holder.clone(),
            error: Some("Enter a valid IBAN and the account holder to pay".into()),
        };
        let body = render(&checkout)?;
        return Ok(page(
            StatusCode::UNPROCESSABLE_ENTITY,
            success.as_deref(),
            body,
        ));
    }
    let account = account.as_ref().map(|(iban, holder)| (iban, *holder));
    payments::settle(
        &state.db,
        &payment,
        outcome,
        account,
        merchant.today(),
        &state.config.base_url,
    )
    .await?;
    let settled = store::get(&state.db, &payment.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if settled.status == "paid" && settled.transaction_id.is_none() {
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
    let t = Texts::new(language, merchant.formality())
        .arg("creditor", mandates::creditor_name(&merchant));
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
        brand: Brand::of(&merchant),
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
        None,
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
    let Some(provider) = test_provider(&state) else {
        return Err(AppError::NotFound);
    };
    match payments::retry(&state.db, provider, &payment).await {
        Ok(url) => Ok(see_other(&url)),
        Err(OnlineError::Unexpected(e)) => Err(e.into()),
        Err(_) => result(&state, &payment).await,
    }
}
