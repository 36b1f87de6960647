//! `/api/v1/products` (list, get, create, update) and `/api/v1/pages` (the hosted sign-up pages:
//! list, get).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{
    ApiError, Caller, ListOf, PageParams, Problem, amount, created, not_allowed, pagination,
};
use crate::services::products::{self as service, ProductError};
use crate::store::products::{self, ProductRow};
use crate::store::signup_pages::{self as pages, Page};
use crate::web::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/products")
            .get(list)
            .post(create)
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource("/products/{id}")
            .get(get)
            .patch(update)
            .default_service(not_allowed("GET, PATCH")),
    )
    .service(
        web::resource("/pages")
            .get(list_pages)
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource("/pages/{id}")
            .get(get_page)
            .default_service(not_allowed("GET")),
    );
}

/// A product (plan): what a subscription copies at sign-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductView {
    #[schema(example = "prd_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub name: String,
    pub description: String,
    /// The price as entered, a decimal string.
    #[schema(example = "12.95")]
    pub amount: String,
    pub amount_including_vat: String,
    pub amount_excluding_vat: String,
    #[schema(example = "EUR")]
    pub currency: &'static str,
    /// Percent, e.g. "21%".
    pub vat_rate: String,
    pub prices_include_vat: bool,
    /// "1 month", "14 days", "1 year"…
    pub interval: String,
    /// How a customer can issue the mandate on a sign-up page: email, sms, online_payment.
    pub mandate_methods: Vec<String>,
    pub minimum_term_months: Option<i32>,
    pub notice_period_days: Option<i32>,
    /// Whether its subscriptions get invoices: merchant (the merchant's default), always, never.
    pub invoices: String,
    /// Archived products take no new subscriptions.
    pub active: bool,
    pub running_subscriptions: i64,
    pub created_at: DateTime<Utc>,
}

impl From<ProductRow> for ProductView {
    fn from(p: ProductRow) -> ProductView {
        ProductView {
            amount: amount(p.amount_minor),
            amount_including_vat: p.gross().to_string(),
            amount_excluding_vat: p.net().to_string(),
            currency: "EUR",
            vat_rate: p.vat_label(),
            mandate_methods: p
                .mandate_methods
                .split(',')
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
            id: p.id,
            name: p.name,
            description: p.description,
            prices_include_vat: p.prices_include_vat,
            interval: p.billing_interval,
            minimum_term_months: p.minimum_term_months,
            notice_period_days: p.notice_period_days,
            invoices: p.invoice_default,
            active: p.active,
            running_subscriptions: p.running_subscriptions,
            created_at: p.created_at,
        }
    }
}

/// The fields of a product; on create name, amount and interval are required, on update omitted
/// fields keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    #[schema(max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 1000)]
    pub description: Option<String>,
    /// A decimal string, e.g. "12.95".
    #[schema(example = "12.95")]
    pub amount: Option<String>,
    /// Percent, e.g. "21" or "9".
    #[schema(example = "21")]
    pub vat_rate: Option<String>,
    pub prices_include_vat: Option<bool>,
    /// "N days|weeks|months|years", e.g. "1 month".
    #[schema(example = "1 month")]
    pub interval: Option<String>,
    /// At least one of email, sms, online_payment.
    pub mandate_methods: Option<Vec<String>>,
    #[schema(minimum = 0, maximum = 120)]
    pub minimum_term_months: Option<i32>,
    #[schema(minimum = 0, maximum = 365)]
    pub notice_period_days: Option<i32>,
    /// Whether its subscriptions get invoices: merchant (the merchant's default), always, never.
    #[schema(pattern = "^(merchant|always|never)$")]
    pub invoices: Option<String>,
    /// False archives the product, true restores it.
    pub active: Option<bool>,
}

impl ProductInput {
    /// The product form with these fields laid over `base`.
    fn over(self, mut base: service::ProductInput) -> Result<service::ProductInput, ApiError> {
        let on = |b: bool| b.then(|| "on".to_string());
        if let Some(v) = self.name {
            base.name = v;
        }
        if let Some(v) = self.description {
            base.description = v;
        }
        if let Some(v) = self.amount {
            base.price = v;
        }
        if let Some(v) = self.vat_rate {
            base.vat_rate = v;
        }
        if let Some(v) = self.prices_include_vat {
            base.prices_include_vat = on(v);
        }
        if let Some(v) = self.interval {
            base.interval = v;
        }
        if let Some(methods) = self.mandate_methods {
            if let Some(bad) = methods
                .iter()
                .find(|m| !["email", "sms", "online_payment"].contains(&m.as_str()))
            {
                return Err(ApiError::invalid(
                    "mandate_methods",
                    format!("Unknown mandate method {bad:?}: use email, sms or online_payment"),
                ));
            }
            let has = |m: &str| on(methods.iter().any(|x| x == m));
            base.method_email = has("email");
            base.method_sms = has("sms");
            base.method_online_payment = has("online_payment");
        }
        if let Some(v) = self.minimum_term_months {
            base.minimum_term_months = v.to_string();
        }
        if let Some(v) = self.notice_period_days {
            base.notice_period_days = v.to_string();
        }
        if let Some(v) = self.invoices {
            base.invoices = v;
        }
        Ok(base)
    }
}

fn fields_error(errors: &crate::domain::fields::FieldErrors) -> ApiError {
    match ApiError::from_fields(errors) {
        ApiError::Invalid(mut list) => {
            for p in &mut list {
                match p.field.as_str() {
                    "price" => p.field = "amount".into(),
                    "method_email" => p.field = "mandate_methods".into(),
                    _ => {}
                }
            }
            ApiError::Invalid(list)
        }
        other => other,
    }
}

async fn load(state: &AppState, caller: &Caller, id: &str) -> Result<ProductRow, ApiError> {
    products::get_row(&state.db, &caller.0.merchant_id, id)
        .await?
        .ok_or(ApiError::NotFound("product"))
}

/// List products, newest first.
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    params(PageParams),
    responses((status = 200, description = "A page of products", body = ListOf<ProductView>)))]
async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    pagination::list(
        &page,
        async |limit, after| {
            products::list_after(&state.db, &caller.0.merchant_id, after, limit).await
        },
        ProductView::from,
    )
    .await
}

/// Get a product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The product", body = ProductView),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ProductView::from(load(&state, &caller, &id).await?)))
}

/// Create a product.
#[utoipa::path(post, path = "/api/v1/products", tag = "products",
    request_body = ProductInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 hours", pattern = "^[!-~]{1,255}$")),
    responses(
        (status = 201, description = "Created", body = ProductView),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    input: web::Json<ProductInput>,
) -> Result<HttpResponse, ApiError> {
    let input = input.into_inner();
    let active = input.active.unwrap_or(true);
    let base = service::ProductInput {
        vat_rate: "21".into(),
        prices_include_vat: Some("on".into()),
        method_email: Some("on".into()),
        ..service::ProductInput::default()
    };
    let fields = input.over(base)?.parse().map_err(|e| fields_error(&e))?;
    let id = service::create(&state.db, &caller.0, &fields).await?;
    if !active {
        set_active(&state, &caller, &id, false).await?;
    }
    let product = load(&state, &caller, &id).await?;
    Ok(created(
        format!("/api/v1/products/{id}"),
        &ProductView::from(product),
    ))
}

async fn set_active(
    state: &AppState,
    caller: &Caller,
    id: &str,
    active: bool,
) -> Result<(), ApiError> {
    service::set_active(&state.db, &caller.0, id, active)
        .await
        .map_err(|e| match e {
            ProductError::NotFound => ApiError::NotFound("product"),
            ProductError::Unexpected(e) => ApiError::Internal(e),
            other => ApiError::Conflict(other.to_string()),
        })
}

/// Change a product; omitted fields keep their value. Running subscriptions keep the price
/// they were signed up with.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products",
    params(("id" = String, Path)),
    request_body = ProductInput,
    responses(
        (status = 200, description = "The changed product", body = ProductView),
        (status = 404, description = "No such product", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The change is refused in the product's state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
    input: web::Json<ProductInput>,
) -> Result<HttpResponse, ApiError> {
    let current = load(&state, &caller, &id).await?;
    let input = input.into_inner();
    let active = input.active;
    let fields = input
        .over(service::ProductInput::from_row(&current))?
        .parse()
        .map_err(|e| fields_error(&e))?;
    service::update(&state.db, &caller.0, &current.id, &fields)
        .await
        .map_err(|e| match e {
            ProductError::NotFound => ApiError::NotFound("product"),
            ProductError::Unexpected(e) => ApiError::Internal(e),
            other => ApiError::Conflict(other.to_string()),
        })?;
    if let Some(active) = active.filter(|a| *a != current.active) {
        set_active(&state, &caller, &current.id, active).await?;
    }
    Ok(HttpResponse::Ok().json(ProductView::from(load(&state, &caller, &id).await?)))
}

/// A hosted sign-up page.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageView {
    #[schema(example = "pag_k2j4h5g6f7d8s9a0q1w2")]
    pub id: String,
    pub title: String,
    pub slug: String,
    /// Where customers sign up; add `?embed=1` inside an iFrame.
    pub url: String,
    pub product_ids: Vec<String>,
    /// email, sms or online_payment.
    pub mandate_method: String,
    /// today, first_of_next_month or customer_choice.
    pub start_rule: String,
    pub success_url: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl PageView {
    fn new(page: Page, base_url: &str) -> PageView {
        PageView {
            url: format!("{base_url}/s/{}", page.slug),
            product_ids: page.products().into_iter().map(str::to_string).collect(),
            id: page.id,
            title: page.title,
            slug: page.slug,
            mandate_method: page.mandate_type,
            start_rule: page.start_rule,
            success_url: page.success_url,
            active: page.active,
            created_at: page.created_at,
        }
    }
}

/// List the hosted sign-up pages, newest first.
#[utoipa::path(get, path = "/api/v1/pages", tag = "pages",
    params(PageParams),
    responses((status = 200, description = "A page of sign-up pages", body = ListOf<PageView>)))]
async fn list_pages(
    state: web::Data<AppState>,
    caller: Caller,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let base_url = &state.config.base_url;
    pagination::list(
        &page,
        async |limit, after| {
            pages::list_after(&state.db, &caller.0.merchant_id, after, limit).await
        },
        |p| PageView::new(p, base_url),
    )
    .await
}

/// Get a hosted sign-up page.
#[utoipa::path(get, path = "/api/v1/pages/{id}", tag = "pages",
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "The page", body = PageView),
        (status = 404, description = "No such page", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_page(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let page = pages::get(&state.db, &caller.0.merchant_id, &id)
        .await?
        .ok_or(ApiError::NotFound("page"))?;
    Ok(HttpResponse::Ok().json(PageView::new(page, &state.config.base_url)))
}
