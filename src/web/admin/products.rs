//! Products: list with prices and subscription counts, create, edit, archive, delete unused.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Confirmation, Layout};
use crate::domain::fields::FieldErrors;
use crate::services::products::{self as service, ProductError, ProductInput};
use crate::store::products::{self, ProductFields, ProductRow};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Refusal, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products", web::get().to(list))
        .route("/products", web::post().to(create))
        .route("/products/new", web::get().to(new))
        .route("/products/{id}", web::get().to(edit))
        .route("/products/{id}", web::post().to(update))
        .route("/products/{id}/archive", web::get().to(confirm_archive))
        .route("/products/{id}/archive", web::post().to(archive))
        .route("/products/{id}/restore", web::post().to(restore))
        .route("/products/{id}/delete", web::get().to(confirm_delete))
        .route("/products/{id}/delete", web::post().to(delete));
}

/// Intervals offered in the form; any "N days/weeks/months/years" is accepted too.
const INTERVALS: &[&str] = &[
    "14 days", "1 month", "2 months", "3 months", "6 months", "1 year",
];

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
struct ProductInputPage {
    layout: Layout,
    product: Option<ProductRow>,
    form: ProductInput,
    errors: FieldErrors,
    intervals: &'static [&'static str],
}

fn form_page(
    session: &Session,
    user: &CurrentUser,
    product: Option<ProductRow>,
    form: ProductInput,
    errors: FieldErrors,
) -> Result<ProductInputPage, AppError> {
    let title = product
        .as_ref()
        .map_or("New product".to_string(), |p| p.name.clone());
    Ok(ProductInputPage {
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
            ProductInput::blank(),
            FieldErrors::default(),
        )?,
    )
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<ProductInput>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let save = async |fields: ProductFields| {
        service::create(&state.db, &user.user, &fields).await?;
        let message = format!("Product \"{}\" created.", fields.name);
        Ok::<_, anyhow::Error>(Saved::new(message, "/admin/products"))
    };
    let checked = form.parse();
    let page = async |errors| form_page(&session, &user, None, form, errors);
    forms::submit(&session, checked, save, page).await
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
    let form = ProductInput::from_row(&product);
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
    form: web::Form<ProductInput>,
) -> Result<HttpResponse, AppError> {
    let product = load(&state, &user, &id).await?;
    let form = form.into_inner();
    let save = async |fields| {
        service::update(&state.db, &user.user, &product.id, &fields).await?;
        Ok::<_, ProductError>(Saved::new(
            "Product saved. Running subscriptions keep their price.",
            "/admin/products",
        ))
    };
    let checked = form.parse();
    let page = async |errors| form_page(&session, &user, Some(product.clone()), form, errors);
    forms::submit(&session, checked, save, page).await
}

impl From<ProductError> for Refusal {
    fn from(e: ProductError) -> Refusal {
        match e {
            ProductError::NotFound => Refusal::Page(AppError::NotFound),
            ProductError::Unexpected(e) => e.into(),
            other => Refusal::field("name", other),
        }
    }
}

async fn confirm_archive(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = load(&state, &user, &id).await?;
    Confirmation {
        question: format!("Archive “{}”?", p.name),
        losses: vec![
            "Customers can no longer sign up to it: sign-up pages stop offering it, and it can't \
             be assigned."
                .into(),
            format!(
                "Its {} running subscription(s) go on as they are.",
                p.running_subscriptions
            ),
            "You can restore it later.".into(),
        ],
        action: format!("/admin/products/{}/archive", p.id),
        button: "Archive",
        back: format!("/admin/products/{}", p.id),
    }
    .render(&session, &user, "products")
}

async fn confirm_delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let p = load(&state, &user, &id).await?;
    Confirmation {
        question: format!("Delete “{}”?", p.name),
        losses: vec![
            "The product, its price and settings are deleted for good.".into(),
            "Only a product nobody ever subscribed to can be deleted; archive it to keep it out \
             of sign-ups instead."
                .into(),
        ],
        action: format!("/admin/products/{}/delete", p.id),
        button: "Delete",
        back: format!("/admin/products/{}", p.id),
    }
    .render(&session, &user, "products")
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
