//! Products: list with prices and subscription counts, create, edit, archive, delete unused.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::Layout;
use crate::domain::fields::FieldErrors;
use crate::domain::{Interval, Money, VatRate};
use crate::services::products::{self as service, ProductError};
use crate::store::products::{self, ProductFields, ProductRow};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list))
        .route("/products", web::post().to(create))
        .route("/products/new", web::get().to(new))
        .route("/products/{id}", web::get().to(edit))
        .route("/products/{id}", web::post().to(update))
        .route("/products/{id}/archive", web::post().to(archive))
        .route("/products/{id}/restore", web::post().to(restore))
        .route("/products/{id}/delete", web::post().to(delete));
}

/// Intervals offered in the form; any "N days/weeks/months/years" is accepted too.
const INTERVALS: &[&str] = &[
    "14 days", "1 month", "2 months", "3 months", "6 months", "1 year",
];

/// The form as typed.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ProductForm {
    pub name: String,
    pub description: String,
    pub price: String,
    pub vat_rate: String,
    pub prices_include_vat: Option<String>,
    pub interval: String,
    pub method_email: Option<String>,
    pub method_sms: Option<String>,
    pub method_online_payment: Option<String>,
    pub minimum_term_months: String,
    pub notice_period_days: String,
}

impl ProductForm {
    pub(crate) fn from_row(p: &ProductRow) -> ProductForm {
        let on = |b: bool| b.then(|| "on".to_string());
        ProductForm {
            name: p.name.clone(),
            description: p.description.clone(),
            price: Money::from_minor(p.amount_minor).to_string(),
            vat_rate: p.vat_label().trim_end_matches('%').to_string(),
            prices_include_vat: on(p.prices_include_vat),
            interval: p.billing_interval.clone(),
            method_email: on(p.offers("email")),
            method_sms: on(p.offers("sms")),
            method_online_payment: on(p.offers("online_payment")),
            minimum_term_months: p
                .minimum_term_months
                .map(|m| m.to_string())
                .unwrap_or_default(),
            notice_period_days: p
                .notice_period_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
        }
    }

    fn blank() -> ProductForm {
        ProductForm {
            vat_rate: "21".into(),
            prices_include_vat: Some("on".into()),
            interval: "1 month".into(),
            method_email: Some("on".into()),
            ..ProductForm::default()
        }
    }

    pub(crate) fn parse(&self) -> Result<ProductFields, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Enter the product's name");
        } else if name.chars().count() > 100 {
            errors.add("name", "Use at most 100 characters");
        }
        if self.description.chars().count() > 1000 {
            errors.add("description", "Use at most 1000 characters");
        }
        let price = errors.check("price", Money::parse(&self.price));
        if price.is_some_and(|p| p.minor() == 0) {
            errors.add("price", "A subscription needs a price above zero");
        }
        let vat = errors.check("vat_rate", VatRate::parse(&self.vat_rate));
        let interval = errors.check("interval", Interval::parse(&self.interval));
        let methods: Vec<&str> = [
            ("email", &self.method_email),
            ("sms", &self.method_sms),
            ("online_payment", &self.method_online_payment),
        ]
        .iter()
        .filter(|(_, on)| on.is_some())
        .map(|(m, _)| *m)
        .collect();
        if methods.is_empty() {
            errors.add(
                "method_email",
                "Offer at least one way to issue the mandate",
            );
        }
        let whole =
            |errors: &mut FieldErrors, field: &'static str, value: &str, max: i32| -> Option<i32> {
                let value = value.trim();
                if value.is_empty() {
                    return None;
                }
                match value.parse::<i32>() {
                    Ok(n) if (0..=max).contains(&n) => Some(n),
                    _ => {
                        errors.add(
                            field,
                            format!("Enter a whole number from 0 to {max}, or leave it empty"),
                        );
                        None
                    }
                }
            };
        let minimum_term_months = whole(
            &mut errors,
            "minimum_term_months",
            &self.minimum_term_months,
            120,
        );
        let notice_period_days = whole(
            &mut errors,
            "notice_period_days",
            &self.notice_period_days,
            365,
        );
        match (price, vat, interval) {
            (Some(price), Some(vat), Some(interval)) if errors.is_empty() => Ok(ProductFields {
                name: name.to_string(),
                description: self.description.trim().to_string(),
                amount_minor: price.minor(),
                vat_basis_points: i32::try_from(vat.basis_points()).unwrap_or(0),
                prices_include_vat: self.prices_include_vat.is_some(),
                billing_interval: interval.to_string(),
                mandate_methods: methods.join(","),
                minimum_term_months,
                notice_period_days,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/products.html")]
struct ProductsPage {
    layout: Layout,
    products: Vec<ProductRow>,
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let page = ProductsPage {
        layout: Layout::new(&session, &user, "Products", "products")?,
        products: products::list(&state.db, user.merchant_id()).await?,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/product_form.html")]
struct ProductFormPage {
    layout: Layout,
    product: Option<ProductRow>,
    form: ProductForm,
    errors: FieldErrors,
    intervals: &'static [&'static str],
}

fn form_page(
    session: &Session,
    user: &CurrentUser,
    product: Option<ProductRow>,
    form: ProductForm,
    errors: FieldErrors,
) -> Result<ProductFormPage, AppError> {
    let title = product
        .as_ref()
        .map_or("New product".to_string(), |p| p.name.clone());
    Ok(ProductFormPage {
        layout: Layout::new(session, user, &title, "products")?,
        product,
        form,
        errors,
        intervals: INTERVALS,
    })
}

async fn new(session: Session, user: CurrentUser) -> Result<HttpResponse, AppError> {
    render(
        StatusCode::OK,
        &form_page(
            &session,
            &user,
            None,
            ProductForm::blank(),
            FieldErrors::default(),
        )?,
    )
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<ProductForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    match form.parse() {
        Ok(fields) => {
            service::create(&state.db, &user.user, &fields).await?;
            flash(
                &session,
                FlashKind::Success,
                &format!("Product \"{}\" created.", fields.name),
            );
            Ok(see_other("/admin/products"))
        }
        Err(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&session, &user, None, form, errors)?,
        ),
    }
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<ProductRow, AppError> {
    products::get_row(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn edit(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let product = load(&state, &user, &id).await?;
    let form = ProductForm::from_row(&product);
    render(
        StatusCode::OK,
        &form_page(&session, &user, Some(product), form, FieldErrors::default())?,
    )
}

/// Refusals become flash messages; unknown products 404.
fn refusal(session: &Session, e: ProductError) -> Result<(), AppError> {
    match e {
        ProductError::NotFound => Err(AppError::NotFound),
        ProductError::Unexpected(e) => Err(e.into()),
        other => {
            flash(session, FlashKind::Error, &other.to_string());
            Ok(())
        }
    }
}

async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    form: web::Form<ProductForm>,
) -> Result<HttpResponse, AppError> {
    let product = load(&state, &user, &id).await?;
    let form = form.into_inner();
    match form.parse() {
        Ok(fields) => {
            match service::update(&state.db, &user.user, &product.id, &fields).await {
                Ok(()) => flash(
                    &session,
                    FlashKind::Success,
                    "Product saved. Running subscriptions keep their price.",
                ),
                Err(e) => refusal(&session, e)?,
            }
            Ok(see_other("/admin/products"))
        }
        Err(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&session, &user, Some(product), form, errors)?,
        ),
    }
}

async fn archive(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match service::set_active(&state.db, &user.user, &id, false).await {
        Ok(()) => flash(
            &session,
            FlashKind::Success,
            "Product archived: no new sign-ups; running subscriptions continue.",
        ),
        Err(e) => refusal(&session, e)?,
    }
    Ok(see_other("/admin/products"))
}

async fn restore(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match service::set_active(&state.db, &user.user, &id, true).await {
        Ok(()) => flash(&session, FlashKind::Success, "Product restored."),
        Err(e) => refusal(&session, e)?,
    }
    Ok(see_other("/admin/products"))
}

async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match service::delete(&state.db, &user.user, &id).await {
        Ok(()) => flash(&session, FlashKind::Success, "Product deleted."),
        Err(e) => refusal(&session, e)?,
    }
    Ok(see_other("/admin/products"))
}
