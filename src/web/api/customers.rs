//! `/api/v1/customers`: create, read, list, update, delete and anonymise customers.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiError, Caller, ListOf, PageParams, Problem, created, not_allowed, pagination};
use crate::services::customers::{
    self as service, CustomerError, CustomerInput as CustomerForm, PrivacyError,
};
use crate::store::customers::{self, Customer};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/customers")
            .get(list)
            .post(create)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/customers/{id}")
            .get(get)
            .patch(update)
            .delete(delete)
            .default_service(not_allowed("GET, PATCH, DELETE")),
    )
    .service(
        web::resource("/customers/{id}/anonymise")
            .post(anonymise)
            .default_service(not_allowed("POST")),
    );
}

/// A customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerView {
    #[schema(example = "cst_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    /// The merchant's own reference, unique per merchant.
    pub reference: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub email: String,
    /// E.164, e.g. +31612345678.
    pub phone: String,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// en, nl, fr or de; `null` uses the merchant's language.
    pub language: Option<String>,
    pub automatic_billing: bool,
    /// `direct_debit` or `manual`.
    pub payment_method: String,
    /// VAT identification number, printed on invoices.
    pub vat_number: String,
    pub grey_listed: bool,
    /// Set once the customer's personal data was removed.
    pub anonymised_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Customer> for CustomerView {
    fn from(c: Customer) -> CustomerView {
        CustomerView {
            id: c.id,
            reference: c.reference,
            first_name: c.first_name,
            last_name: c.last_name,
            company: c.company,
            email: c.email,
            phone: c.phone,
            street: c.street,
            postal_code: c.postal_code,
            city: c.city,
            country: c.country,
            language: c.language,
            automatic_billing: c.automatic_billing,
            payment_method: c.payment_method,
            vat_number: c.vat_number,
            grey_listed: c.grey_listed,
            anonymised_at: c.anonymised_at,
            created_at: c.created_at,
        }
    }
}

/// The fields of a customer; on create a last name or a company is required, on update
/// omitted fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerInput {
    #[schema(max_length = 35)]
    pub reference: Option<String>,
    #[schema(max_length = 70)]
    pub first_name: Option<String>,
    #[schema(max_length = 70)]
    pub last_name: Option<String>,
    #[schema(max_length = 70)]
    pub company: Option<String>,
    #[schema(format = "email")]
    pub email: Option<String>,
    /// International (+31…) or national with the customer's country.
    pub phone: Option<String>,
    #[schema(max_length = 70)]
    pub street: Option<String>,
    #[schema(max_length = 16)]
    pub postal_code: Option<String>,
    #[schema(max_length = 35)]
    pub city: Option<String>,
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    #[schema(pattern = "^(en|nl|fr|de)$")]
    pub language: Option<String>,
    pub automatic_billing: Option<bool>,
    #[schema(pattern = "^(direct_debit|manual)$")]
    pub payment_method: Option<String>,
    /// VAT identification number, e.g. NL123456789B01.
    #[schema(max_length = 20)]
    pub vat_number: Option<String>,
}

impl CustomerInput {
    /// The customer form with these fields laid over `base`.
    fn over(self, mut base: CustomerForm) -> CustomerForm {
        let set = |field: &mut String, value: Option<String>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        set(&mut base.reference, self.reference);
        set(&mut base.first_name, self.first_name);
        set(&mut base.last_name, self.last_name);
        set(&mut base.company, self.company);
        set(&mut base.email, self.email);
        set(&mut base.phone, self.phone);
        set(&mut base.street, self.street);
        set(&mut base.postal_code, self.postal_code);
        set(&mut base.city, self.city);
        set(&mut base.country, self.country);
        set(&mut base.language, self.language);
        set(&mut base.payment_method, self.payment_method);
        set(&mut base.vat_number, self.vat_number);
        if let Some(on) = self.automatic_billing {
            base.automatic_billing = on.then(|| "on".into());
        }
        base
    }
}

/// Filters of the customer list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    /// Only the customer with exactly this email address.
    pub email: Option<String>,
    /// Only the customer with exactly this reference.
    pub reference: Option<String>,
}

async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<Customer, ApiError> {
    customers::get(&state.db, &caller.0.merchant_id, id)
        .await?
        .ok_or(ApiError::NotFound("customer"))
}

fn taken(e: CustomerError) -> ApiError {
    match e {
        CustomerError::ReferenceTaken => ApiError::invalid("reference", e),
        CustomerError::EmailTaken => ApiError::invalid("email", e),
        CustomerError::NotFound => ApiError::NotFound("customer"),
        CustomerError::Unexpected(e) => ApiError::Internal(e),
    }
}

/// Create a customer.
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers",
    request_body = CustomerInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "Created", body = CustomerView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    input: web::Json<CustomerInput>,
) -> Result<HttpResponse, ApiError> {
    let form = input.into_inner().over(CustomerForm::blank());
    let customer = service::check(&state.db, &caller.0.merchant_id, &form, "")
        .await?
        .map_err(|e| ApiError::from_fields(&e))?;
    let id = service::create(&state.db, &caller.0, customer)
        .await
        .map_err(taken)?;
    let customer = load(&state, &caller, &id).await?;
    Ok(created(
        format!("/api/v1/customers/{id}"),
        &CustomerView::from(customer),
    ))
}

/// List customers, newest first.
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    params(PageParams, CustomerFilter),
    responses((status = 200, description = "A page of customers", body = ListOf<CustomerView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
    filter: web::Query<CustomerFilter>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            customers::list_after(
                &state.db,
                &caller.0.merchant_id,
                after,
                pagination::filter(&filter.email),
                pagination::filter(&filter.reference),
                limit,
            )
            .await
        },
        CustomerView::from,
    )
    .await
}

/// Get a customer.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The customer", body = CustomerView),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let customer = load(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}

/// Change a customer's fields; omitted fields keep their value.
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path)),
    request_body = CustomerInput,
    responses(
        (status = 200, description = "The changed customer", body = CustomerView),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The customer is anonymised", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    input: web::Json<CustomerInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &caller, &id).await?;
    if current.anonymised_at.is_some() {
        return Err(ApiError::Conflict(
            "This customer is anonymised and can no longer be changed".into(),
        ));
    }
    let form = input.into_inner().over(CustomerForm::from(&current));
    let customer = service::check(&state.db, &caller.0.merchant_id, &form, &current.id)
        .await?
        .map_err(|e| ApiError::from_fields(&e))?;
    service::update(&state.db, &caller.0, &current.id, customer)
        .await
        .map_err(taken)?;
    let customer = load(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}

fn privacy(e: PrivacyError) -> ApiError {
    match e {
        PrivacyError::NotFound => ApiError::NotFound("customer"),
        PrivacyError::Unexpected(e) => ApiError::Internal(e),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// Delete a customer (refused while a subscription runs or once payments were collected).
#[utoipa::path(delete, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused, with the reason", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::delete(&state.db, &caller.0, &id)
        .await
        .map_err(privacy)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Remove a customer's personal data, keeping the financial records.
#[utoipa::path(post, path = "/api/v1/customers/{id}/anonymise", tag = "customers",
    params(("id" = String, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 200, description = "The anonymised customer", body = CustomerView),
        (status = 404, description = "No such customer", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused, with the reason", body = Problem, content_type = "application/problem+json"),
    ))]
async fn anonymise(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    service::anonymise(&state.db, &caller.0, &id)
        .await
        .map_err(privacy)?;
    let customer = load(&state, &caller, &id).await?;
    Ok(HttpResponse::Ok().json(CustomerView::from(customer)))
}
