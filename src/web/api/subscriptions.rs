//! `/api/v1/subscriptions` (create with the options eCurring clients send, read, list, pause,
//! resume, cancel) and `POST /api/v1/products/{id}/sign-up` (MijnKlantportaal's sign-up call).

use actix_web::{HttpResponse, web};
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiError, Caller, ListOf, PageParams, Problem, amount, created, date, not_allowed, pagination,
};
use crate::domain::{Bic, Iban};
use crate::notify::Channel;
use crate::services::billing;
use crate::services::sign_ups::{self, MandateSource, SignUp, SignUpError};
use crate::services::subscriptions::{self as service, CancelWhen, ChangeError};
use crate::store::mandates;
use crate::store::subscriptions::{self, Options, Subscription};
use crate::web::AppState;

/// Largest `metadata` document, serialised.
const MAX_METADATA_BYTES: usize = 1024;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/subscriptions")
            .get(list)
            .post(create)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/subscriptions/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/subscriptions/{id}/pause")
            .post(pause)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/subscriptions/{id}/resume")
            .post(resume)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/subscriptions/{id}/cancel")
            .post(cancel)
            .default_service(not_allowed("POST")),
    )
    .service(
        web::resource("/products/{id}/sign-up")
            .post(product_sign_up)
            .default_service(not_allowed("POST")),
    );
}

/// Invoice options of a subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOptions {
    pub create_invoice: bool,
    pub invoice_text: String,
}

/// A subscription.
///
/// Status names and the seeds' vocabularies: `pending_mandate` (eCurring unverified), `planned`,
/// `active` (in_progress), `paused`, `cancelled` (runs until `cancel_date`, then `ended`;
/// MijnKlantportaal terminated), `ended`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    #[schema(example = "sub_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub customer_id: String,
    pub product_id: String,
    pub mandate_id: Option<String>,
    pub description: String,
    /// pending_mandate, planned, active, paused, cancelled or ended.
    pub status: String,
    pub starts_at: NaiveDate,
    /// "1 month", "14 days"…
    pub interval: String,
    /// The start of the next period to be charged (the first one without a transaction: a
    /// period already paid, such as an online first payment, is never charged again).
    pub renews_at: Option<NaiveDate>,
    #[schema(example = "EUR")]
    pub currency: &'static str,
    #[schema(example = "12.95")]
    pub amount: String,
    /// Percent, e.g. "21%".
    pub vat_rate: String,
    pub pause_date: Option<NaiveDate>,
    pub resume_date: Option<NaiveDate>,
    pub cancel_date: Option<NaiveDate>,
    pub success_redirect_url: Option<String>,
    /// What the client stored with the subscription.
    pub metadata: Option<serde_json::Value>,
    pub options: SubscriptionOptions,
    /// Only when the subscription was just created and waits for its mandate: where the customer
    /// confirms it (send it yourself when `confirmation_sent` was true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl SubscriptionView {
    fn new(
        s: Subscription,
        renews_at: Option<NaiveDate>,
        confirmation_url: Option<String>,
    ) -> SubscriptionView {
        let vat = crate::domain::VatRate::from_basis_points(
            u32::try_from(s.vat_basis_points).unwrap_or(0),
        )
        .map(|v| v.to_string())
        .unwrap_or_default();
        SubscriptionView {
            renews_at,
            amount: amount(s.amount_minor),
            currency: "EUR",
            vat_rate: vat,
            metadata: s
                .metadata
                .as_deref()
                .and_then(|m| serde_json::from_str(m).ok()),
            options: SubscriptionOptions {
                create_invoice: s.create_invoice,
                invoice_text: s.invoice_text,
            },
            confirmation_url,
            id: s.id,
            customer_id: s.customer_id,
            product_id: s.product_id,
            mandate_id: s.mandate_id,
            description: s.description,
            status: s.status,
            starts_at: s.start_date,
            interval: s.billing_interval,
            pause_date: s.pause_on,
            resume_date: s.resume_on,
            cancel_date: s.cancel_on,
            success_redirect_url: s.success_redirect_url,
            created_at: s.created_at,
        }
    }
}

/// A new subscription, with the options eCurring clients know.
///
/// The mandate: `mandate_id` or `mandate_code` (the reference) of one of the customer's mandates
/// (`mandate_accepted` true accepts a pending one as of `mandate_accepted_date`); otherwise `iban`
/// and `account_holder` start a confirmation link by `channel` (sent by us unless
/// `confirmation_sent` is true); otherwise, when the product offers it, an online first payment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionInput {
    pub customer_id: String,
    pub product_id: String,
    pub mandate_id: Option<String>,
    /// The reference of one of the customer's mandates.
    pub mandate_code: Option<String>,
    pub mandate_accepted: Option<bool>,
    /// A date (2026-01-31) or an RFC 3339 time; today when omitted.
    pub mandate_accepted_date: Option<String>,
    #[schema(example = "NL91ABNA0417164300")]
    pub iban: Option<String>,
    pub bic: Option<String>,
    #[schema(max_length = 70)]
    pub account_holder: Option<String>,
    /// email (default) or sms.
    #[schema(pattern = "^(email|sms)$")]
    pub channel: Option<String>,
    /// Today when omitted.
    #[schema(format = Date, example = "2026-01-31")]
    pub start_date: Option<String>,
    /// active (the default under a valid mandate) or paused.
    #[schema(pattern = "^(active|paused)$")]
    pub status: Option<String>,
    #[schema(format = Date)]
    pub cancel_date: Option<String>,
    /// With status paused: when the pause ends.
    #[schema(format = Date)]
    pub resume_date: Option<String>,
    /// True when you send the confirmation link yourself.
    pub confirmation_sent: Option<bool>,
    #[schema(format = "uri")]
    pub success_redirect_url: Option<String>,
    /// Receives this subscription's events too (signed with the merchant's signing secret).
    #[schema(format = "uri")]
    pub subscription_webhook_url: Option<String>,
    /// Receives the events of this subscription's transactions too.
    #[schema(format = "uri")]
    pub transaction_webhook_url: Option<String>,
    /// Any JSON, at most 1 kB.
    pub metadata: Option<serde_json::Value>,
    pub create_invoice: Option<bool>,
    #[schema(max_length = 200)]
    pub invoice_text: Option<String>,
}

/// MijnKlantportaal's sign-up of a customer to a product.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductSignUpInput {
    pub customer_id: String,
    /// Today when omitted.
    #[schema(format = Date, example = "2026-01-31")]
    pub start_date: Option<String>,
    /// Omit to start the mandate flow: with `iban` and `account_holder` a confirmation link by
    /// `channel`, otherwise an online first payment.
    pub mandate_id: Option<String>,
    pub iban: Option<String>,
    pub bic: Option<String>,
    pub account_holder: Option<String>,
    #[schema(pattern = "^(email|sms)$")]
    pub channel: Option<String>,
    pub create_invoice: Option<bool>,
    #[schema(max_length = 200)]
    pub invoice_text: Option<String>,
}

fn optional_date(field: &'static str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    value.map(|v| date(field, v)).transpose()
}

fn options(
    metadata: Option<serde_json::Value>,
    create_invoice: Option<bool>,
    invoice_text: Option<String>,
) -> Result<Options, ApiError> {
    let metadata = match metadata {
        None | Some(serde_json::Value::Null) => None,
        Some(value) => {
            let text = value.to_string();
            if text.len() > MAX_METADATA_BYTES {
                return Err(ApiError::invalid(
                    "metadata",
                    format!("Keep metadata under {MAX_METADATA_BYTES} bytes of JSON"),
                ));
            }
            Some(text)
        }
    };
    let invoice_text = invoice_text.unwrap_or_default().trim().to_string();
    if invoice_text.chars().count() > 200 {
        return Err(ApiError::invalid(
            "invoice_text",
            "Use at most 200 characters",
        ));
    }
    Ok(Options {
        metadata,
        create_invoice,
        invoice_text,
        subscription_webhook_url: None,
        transaction_webhook_url: None,
        description: None,
    })
}

fn redirect_url(value: Option<String>) -> Result<Option<String>, ApiError> {
    match value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
    {
        None => Ok(None),
        Some(url)
            if reqwest::Url::parse(&url).is_ok_and(|u| matches!(u.scheme(), "https" | "http")) =>
        {
            Ok(Some(url))
        }
        Some(_) => Err(ApiError::invalid(
            "success_redirect_url",
            "Use an absolute http(s) URL",
        )),
    }
}

/// A per-subscription webhook URL, refused when it points at a private address.
async fn webhook_url(
    state: &AppState,
    field: &'static str,
    value: Option<String>,
) -> Result<Option<String>, ApiError> {
    match value.filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        Some(url) => {
            crate::services::webhooks::check_url(&url, state.config.webhooks.allow_private_webhooks)
                .await
                .map(|u| Some(u.to_string()))
                .map_err(|e| ApiError::invalid(field, e))
        }
    }
}

/// The link flow when an IBAN is given, otherwise an online first payment.
fn flow(
    iban: Option<String>,
    bic: Option<String>,
    account_holder: Option<String>,
    channel: Option<String>,
    deliver: bool,
) -> Result<MandateSource, ApiError> {
    let Some(iban) = iban.filter(|i| !i.trim().is_empty()) else {
        return Ok(MandateSource::OnlinePayment);
    };
    let iban = Iban::parse(&iban).map_err(|e| ApiError::invalid("iban", e))?;
    let bic = match bic.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(b) => Some(Bic::parse(b).map_err(|e| ApiError::invalid("bic", e))?),
    };
    let account_holder = account_holder.unwrap_or_default().trim().to_string();
    if account_holder.is_empty() || account_holder.chars().count() > 70 {
        return Err(ApiError::invalid(
            "account_holder",
            "Enter the account holder's name (at most 70 characters) with the IBAN",
        ));
    }
    let channel = match channel.as_deref() {
        None | Some("email") => Channel::Email,
        Some("sms") => Channel::Sms,
        Some(_) => return Err(ApiError::invalid("channel", "Use email or sms")),
    };
    Ok(MandateSource::Link {
        channel,
        iban: Some(iban),
        bic,
        account_holder,
        deliver,
    })
}

impl SubscriptionInput {
    async fn parse(self, state: &AppState, caller: &Caller) -> Result<SignUp, ApiError> {
        let today = caller.0.today();
        let start_date = optional_date("start_date", self.start_date.as_deref())?.unwrap_or(today);
        let accepted_on = match (self.mandate_accepted, self.mandate_accepted_date.as_deref()) {
            (Some(true), None) => Some(today),
            (Some(true), Some(text)) => {
                Some(date("mandate_accepted_date", text).or_else(|_| {
                    DateTime::parse_from_rfc3339(text)
                        .ok()
                        .and_then(|t| {
                            crate::domain::date::in_range(t.with_timezone(&Utc).date_naive()).ok()
                        })
                        .ok_or_else(|| {
                            ApiError::invalid(
                                "mandate_accepted_date",
                                "Use a date like 2026-01-31 or an RFC 3339 time",
                            )
                        })
                })?)
            }
            _ => None,
        };
        let mandate_id = match (self.mandate_id, self.mandate_code) {
            (Some(id), _) => Some(id),
            (None, Some(code)) => Some(
                mandates::for_customer(&state.db, &caller.0.merchant_id, &self.customer_id)
                    .await?
                    .into_iter()
                    // The code as the rule of references writes it (trimmed, upper case).
                    .find(|m| {
                        crate::domain::MandateReference::parse(&code)
                            .is_ok_and(|c| c.as_str() == m.reference)
                    })
                    .map(|m| m.id)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "mandate_code",
                            "This customer has no mandate with this reference",
                        )
                    })?,
            ),
            (None, None) => None,
        };
        let mandate = match mandate_id {
            Some(mandate_id) => MandateSource::Existing {
                mandate_id,
                accepted_on,
            },
            None => flow(
                self.iban,
                self.bic,
                self.account_holder,
                self.channel,
                !self.confirmation_sent.unwrap_or(false),
            )?,
        };
        let paused = match self.status.as_deref() {
            None | Some("active") => false,
            Some("paused") => true,
            Some(_) => {
                return Err(ApiError::invalid(
                    "status",
                    "A new subscription can only be active (the default) or paused",
                ));
            }
        };
        Ok(SignUp {
            paused,
            resume_on: optional_date("resume_date", self.resume_date.as_deref())?,
            cancel_on: optional_date("cancel_date", self.cancel_date.as_deref())?,
            success_redirect_url: redirect_url(self.success_redirect_url)?,
            options: Options {
                subscription_webhook_url: webhook_url(
                    state,
                    "subscription_webhook_url",
                    self.subscription_webhook_url,
                )
                .await?,
                transaction_webhook_url: webhook_url(
                    state,
                    "transaction_webhook_url",
                    self.transaction_webhook_url,
                )
                .await?,
                ..options(self.metadata, self.create_invoice, self.invoice_text)?
            },
            ..SignUp::new(self.customer_id, self.product_id, start_date, mandate)
        })
    }
}

async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<Subscription, ApiError> {
    subscriptions::get(&state.db, &caller.0.merchant_id, id)
        .await?
        .ok_or(ApiError::NotFound("subscription"))
}

/// Subscriptions with the start of their next charged period, in two queries for all of them.
async fn with_renewals(
    state: &AppState,
    caller: &Caller,
    subscriptions: Vec<Subscription>,
) -> anyhow::Result<Vec<(Subscription, Option<NaiveDate>)>> {
    let all: Vec<&Subscription> = subscriptions.iter().collect();
    let next =
        billing::next_charges(&state.db, &caller.0.merchant_id, &all, caller.0.today()).await?;
    Ok(subscriptions
        .into_iter()
        .map(|s| {
            let renews = next.get(&s.id).copied();
            (s, renews)
        })
        .collect())
}

/// The view of subscription `id` as it is now.
async fn view(
    state: &AppState,
    caller: &Caller,
    id: &str,
    confirmation_url: Option<String>,
) -> Result<SubscriptionView, ApiError> {
    let s = load(state, caller, id).await?;
    let (s, renews) = with_renewals(state, caller, vec![s])
        .await?
        .pop()
        .context("the subscription")?;
    Ok(SubscriptionView::new(s, renews, confirmation_url))
}

async fn sign_up(
    state: &AppState,
    caller: &Caller,
    signup: SignUp,
) -> Result<HttpResponse, ApiError> {
    let done = sign_ups::sign_up(&state.sign_ups(), &caller.0, signup, caller.0.today())
        .await
        .map_err(|e| match e {
            SignUpError::Invalid { field, message } => ApiError::invalid(field, message),
            SignUpError::AlreadySent => ApiError::Conflict(e.to_string()),
            SignUpError::EmailTaken => ApiError::invalid("customer_id", e),
            SignUpError::Unexpected(e) => ApiError::Internal(e),
        })?;
    let subscription = view(state, caller, &done.subscription_id, done.confirmation_url).await?;
    Ok(created(
        format!("/api/v1/subscriptions/{}", subscription.id),
        &subscription,
    ))
}

/// Create a subscription.
#[utoipa::path(post, path = "/api/v1/subscriptions", tag = "subscriptions",
    request_body = SubscriptionInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "Created", body = SubscriptionView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    input: web::Json<SubscriptionInput>,
) -> Result<HttpResponse, ApiError> {
    let signup = input.into_inner().parse(&state, &caller).await?;
    sign_up(&state, &caller, signup).await
}

/// Sign a customer up to this product (MijnKlantportaal's call).
#[utoipa::path(post, path = "/api/v1/products/{id}/sign-up", tag = "subscriptions",
    params(("id" = String, Path, description = "The product"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    request_body = ProductSignUpInput,
    responses(
        (status = 201, description = "Created", body = SubscriptionView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn product_sign_up(
    state: web::Data<AppState>,
    caller: Caller,
    product_id: web::Path<String>,
    input: web::Json<ProductSignUpInput>,
) -> Result<HttpResponse, ApiError> {
    let input = input.into_inner();
    let mandate = match input.mandate_id {
        Some(mandate_id) => MandateSource::Existing {
            mandate_id,
            accepted_on: None,
        },
        None => flow(
            input.iban,
            input.bic,
            input.account_holder,
            input.channel,
            true,
        )?,
    };
    let start_date =
        optional_date("start_date", input.start_date.as_deref())?.unwrap_or(caller.0.today());
    let signup = SignUp {
        options: options(None, input.create_invoice, input.invoice_text)?,
        ..SignUp::new(
            input.customer_id,
            product_id.into_inner(),
            start_date,
            mandate,
        )
    };
    sign_up(&state, &caller, signup).await
}

/// Filters of the subscription list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SubscriptionFilter {
    pub customer_id: Option<String>,
    /// pending_mandate, planned, active, paused, cancelled or ended.
    pub status: Option<String>,
}

/// List subscriptions, newest first.
#[utoipa::path(get, path = "/api/v1/subscriptions", tag = "subscriptions",
    params(PageParams, SubscriptionFilter),
    responses((status = 200, description = "A page of subscriptions", body = ListOf<SubscriptionView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    filter: web::Query<SubscriptionFilter>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            let page = subscriptions::list_after(
                &state.db,
                &caller.0.merchant_id,
                after,
                pagination::filter(&filter.customer_id),
                pagination::filter(&filter.status),
                limit,
            )
            .await?;
            with_renewals(&state, &caller, page).await
        },
        |(s, renews)| SubscriptionView::new(s, renews, None),
    )
    .await
}

/// Get a subscription.
#[utoipa::path(get, path = "/api/v1/subscriptions/{id}", tag = "subscriptions",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(view(&state, &caller, &id, None).await?))
}

fn change_error(e: ChangeError) -> ApiError {
    match e {
        ChangeError::NotFound => ApiError::NotFound("subscription"),
        ChangeError::BadDate(message) => ApiError::invalid("date", message),
        ChangeError::Unexpected(e) => ApiError::Internal(e),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// When a pause starts and ends.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseInput {
    /// Today when omitted.
    #[schema(format = Date)]
    pub pause_date: Option<String>,
    /// Omit to pause until resumed.
    #[schema(format = Date)]
    pub resume_date: Option<String>,
}

/// Pause a subscription, now or from a date, optionally until a resume date.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/pause", tag = "subscriptions",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    request_body = PauseInput,
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn pause(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    input: web::Json<PauseInput>,
) -> Result<HttpResponse, ApiError> {
    let from = optional_date("pause_date", input.pause_date.as_deref())?;
    let resume_on = optional_date("resume_date", input.resume_date.as_deref())?;
    service::pause(&state.db, &caller.0, &id, from, resume_on, caller.0.today())
        .await
        .map_err(change_error)?;
    Ok(HttpResponse::Ok().json(view(&state, &caller, &id, None).await?))
}

/// End a pause now.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/resume", tag = "subscriptions",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paused", body = Problem, content_type = "application/problem+json"),
    ))]
async fn resume(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::resume(&state.db, &caller.0, &id, caller.0.today())
        .await
        .map_err(change_error)?;
    Ok(HttpResponse::Ok().json(view(&state, &caller, &id, None).await?))
}

/// When a cancellation takes effect.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    /// The last day; omit for today.
    #[schema(format = Date)]
    pub cancel_date: Option<String>,
    /// True runs the subscription until the day before its next charge.
    pub end_of_period: Option<bool>,
}

/// Cancel a subscription: it runs until its cancel date, one that never started ends now.
#[utoipa::path(post, path = "/api/v1/subscriptions/{id}/cancel", tag = "subscriptions",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    request_body = CancelInput,
    responses(
        (status = 200, description = "The subscription", body = SubscriptionView),
        (status = 404, description = "No such subscription", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed in its status", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    input: web::Json<CancelInput>,
) -> Result<HttpResponse, ApiError> {
    let when = match (
        optional_date("cancel_date", input.cancel_date.as_deref())?,
        input.end_of_period.unwrap_or(false),
    ) {
        (Some(_), true) => {
            return Err(ApiError::invalid(
                "end_of_period",
                "Give a cancel_date or end_of_period, not both",
            ));
        }
        (Some(date), false) => CancelWhen::On(date),
        (None, true) => CancelWhen::EndOfPeriod,
        (None, false) => CancelWhen::Now,
    };
    service::cancel(&state.db, &caller.0, &id, when, caller.0.today())
        .await
        .map_err(change_error)?;
    Ok(HttpResponse::Ok().json(view(&state, &caller, &id, None).await?))
}
