//! `/api/v1/mandates`: record a mandate the merchant holds, read, list and revoke mandates.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, Caller, ListOf, PageParams, Problem, created, not_allowed, pagination};
use crate::domain::fields::FieldErrors;
use crate::domain::{Bic, Iban, MandateReference};
use crate::services::mandates::{self as service, MandateError, SignedMandate};
use crate::store::mandates::{self, Mandate};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/mandates")
            .get(list)
            .post(create)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/mandates/{id}")
            .get(get)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/mandates/{id}/revoke")
            .post(revoke)
            .default_service(not_allowed("POST")),
    );
}

/// A SEPA Core direct-debit mandate.
#[derive(Debug, Serialize, ToSchema)]
pub struct MandateView {
    #[schema(example = "mdt_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub customer_id: String,
    /// The unique mandate reference (the eCurring mandate_code).
    pub reference: String,
    pub iban: String,
    pub bic: Option<String>,
    pub account_holder: String,
    /// email, sms, online_payment, paper, import or api.
    pub method: String,
    /// pending, valid or revoked.
    pub status: String,
    pub signature_date: Option<NaiveDate>,
    /// The first collection under it (decides FRST or RCUR).
    pub first_used_on: Option<NaiveDate>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Mandate> for MandateView {
    fn from(m: Mandate) -> MandateView {
        MandateView {
            id: m.id,
            customer_id: m.customer_id,
            reference: m.reference,
            iban: m.iban,
            bic: m.bic,
            account_holder: m.account_holder,
            method: m.method,
            status: m.status,
            signature_date: m.signed_on,
            first_used_on: m.first_used_on,
            revoked_at: m.revoked_at,
            created_at: m.created_at,
        }
    }
}

/// A mandate the customer already signed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MandateInput {
    pub customer_id: String,
    /// Up to 35 characters of A–Z, a–z, 0–9 and `+?/-:().,'`; omit to generate one.
    pub reference: Option<String>,
    /// When the customer signed, not in the future.
    #[schema(format = Date, example = "2026-01-31")]
    pub signature_date: String,
    #[schema(example = "NL91ABNA0417164300")]
    pub iban: String,
    pub bic: Option<String>,
    #[schema(max_length = 70)]
    pub account_holder: String,
}

impl MandateInput {
    fn parse(self, today: chrono::NaiveDate) -> Result<SignedMandate, ApiError> {
        let mut errors = FieldErrors::default();
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let reference =
            given(&self.reference).map(|r| errors.check("reference", MandateReference::parse(&r)));
        let signed_on = errors.check(
            "signature_date",
            crate::domain::date::parse_date(&self.signature_date).map_err(|e| match e {
                crate::domain::date::DateError::Invalid => "Use a date like 2026-01-31".to_string(),
                other => other.to_string(),
            }),
        );
        if signed_on.is_some_and(|d| d > today) {
            errors.add(
                "signature_date",
                "The signature date cannot be in the future",
            );
        }
        let iban = errors.check("iban", Iban::parse(&self.iban));
        let bic = given(&self.bic).map(|b| errors.check("bic", Bic::parse(&b)));
        let account_holder = self.account_holder.trim().to_string();
        if account_holder.is_empty() || account_holder.chars().count() > 70 {
            errors.add(
                "account_holder",
                "Enter the account holder's name (at most 70 characters)",
            );
        }
        match (signed_on, iban) {
            (Some(signed_on), Some(iban)) if errors.is_empty() => Ok(SignedMandate {
                customer_id: self.customer_id,
                reference: reference.flatten(),
                signed_on,
                iban,
                bic: bic.flatten(),
                account_holder,
            }),
            _ => Err(ApiError::from_fields(&errors)),
        }
    }
}

/// Filters of the mandate list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MandateFilter {
    pub customer_id: Option<String>,
    /// pending, valid or revoked.
    pub status: Option<String>,
}

fn refused(e: MandateError) -> ApiError {
    match e {
        MandateError::NotFound => ApiError::NotFound("mandate"),
        MandateError::CustomerNotFound => ApiError::invalid("customer_id", e),
        MandateError::ReferenceTaken => ApiError::invalid("reference", e),
        MandateError::Unexpected(e) => ApiError::Internal(e),
        other => ApiError::Conflict(other.to_string()),
    }
}

async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<Mandate, ApiError> {
    mandates::get(&state.db, &caller.0.merchant_id, id)
        .await?
        .ok_or(ApiError::NotFound("mandate"))
}

/// Record a mandate the customer already signed; it is valid at once.
#[utoipa::path(post, path = "/api/v1/mandates", tag = "mandates",
    request_body = MandateInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "Created", body = MandateView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    input: web::Json<MandateInput>,
) -> Result<HttpResponse, ApiError> {
    let signed = input.into_inner().parse(caller.0.today())?;
    let mandate = service::record_signed(&state.db, &caller.0, signed)
        .await
        .map_err(refused)?;
    Ok(created(
        format!("/api/v1/mandates/{}", mandate.id),
        &MandateView::from(mandate),
    ))
}

/// List mandates, newest first.
#[utoipa::path(get, path = "/api/v1/mandates", tag = "mandates",
    params(PageParams, MandateFilter),
    responses((status = 200, description = "A page of mandates", body = ListOf<MandateView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    filter: web::Query<MandateFilter>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            mandates::list_after(
                &state.db,
                &caller.0.merchant_id,
                after,
                pagination::filter(&filter.customer_id),
                pagination::filter(&filter.status),
                limit,
            )
            .await
        },
        MandateView::from,
    )
    .await
}

/// Get a mandate.
#[utoipa::path(get, path = "/api/v1/mandates/{id}", tag = "mandates",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The mandate", body = MandateView),
        (status = 404, description = "No such mandate", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(MandateView::from(load(&state, &caller, &id).await?)))
}

/// Revoke a mandate: no more collections under it; subscriptions still waiting for it end.
#[utoipa::path(post, path = "/api/v1/mandates/{id}/revoke", tag = "mandates",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The revoked mandate", body = MandateView),
        (status = 404, description = "No such mandate", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    ))]
async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::revoke(&state.db, &caller.0, &id)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(MandateView::from(load(&state, &caller, &id).await?)))
}
