//! Webhooks under `/admin/developers/webhooks`: the merchant's endpoints (secret shown once),
//! the signing secret of subscriptions' own URLs, and every delivery with its attempts.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Confirmation, Layout, PageQuery, Pagination};
use crate::domain::fields::FieldErrors;
use crate::services::webhooks::{self, EndpointError, EventType};
use crate::store::webhooks::{self as store_webhooks, Attempt, Delivery, Endpoint};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

const BASE: &str = "/admin/developers/webhooks";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/developers/webhooks", web::get().to(index))
        .route("/developers/webhooks", web::post().to(create))
        .route("/developers/webhooks/new", web::get().to(new))
        .route(
            "/developers/webhooks/signing-secret",
            web::post().to(roll_signing_secret),
        )
        .route(
            "/developers/webhooks/deliveries/{id}",
            web::get().to(delivery),
        )
        .route(
            "/developers/webhooks/deliveries/{id}/resend",
            web::post().to(resend),
        )
        .route("/developers/webhooks/{id}", web::get().to(show))
        .route("/developers/webhooks/{id}", web::post().to(update))
        .route("/developers/webhooks/{id}/enable", web::post().to(enable))
        .route("/developers/webhooks/{id}/disable", web::post().to(disable))
        .route(
            "/developers/webhooks/{id}/delete",
            web::get().to(confirm_delete),
        )
        .route("/developers/webhooks/{id}/delete", web::post().to(delete));
}

/// How a delivery status reads.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "queued" => "Queued",
        "sending" => "Sending",
        "delivered" => "Delivered",
        "failed" => "Failed",
        _ => "Unknown",
    }
}

/// The endpoint form as typed: `url` and any number of `events` checkboxes.
#[derive(Default)]
struct EndpointForm {
    url: String,
    events: Vec<String>,
}

impl EndpointForm {
    fn from_fields(fields: Vec<(String, String)>) -> EndpointForm {
        let mut form = EndpointForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "url" => form.url = value,
                "events" => form.events.push(value),
                _ => {}
            }
        }
        form
    }

    fn from_endpoint(e: &Endpoint) -> EndpointForm {
        EndpointForm {
            url: e.url.clone(),
            events: e.event_list().into_iter().map(str::to_string).collect(),
        }
    }

    fn has(&self, event: &EventType) -> bool {
        self.events.iter().any(|e| e == event.as_str())
    }

    async fn parse(
        &self,
        allow_private: bool,
    ) -> Result<(reqwest::Url, Vec<EventType>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let url = if self.url.trim().is_empty() {
            errors.add("url", "Enter the URL that receives the webhooks");
            None
        } else {
            errors.check("url", webhooks::check_url(&self.url, allow_private).await)
        };
        let events: Vec<EventType> = EventType::ALL.into_iter().filter(|e| self.has(e)).collect();
        if events.is_empty() {
            errors.add("events", "Choose at least one event");
        }
        match url {
            Some(url) if errors.is_empty() => Ok((url, events)),
            _ => Err(errors),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/webhooks.html")]
struct IndexPage {
    layout: Layout,
    endpoints: Vec<Endpoint>,
    deliveries: Vec<Delivery>,
    pagination: Pagination,
}

async fn index(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let endpoints = store_webhooks::endpoints(&state.db, user.merchant_id()).await?;
    let mut deliveries = store_webhooks::deliveries(
        &state.db,
        user.merchant_id(),
        None,
        query.limit(),
        query.offset(),
    )
    .await?;
    let pagination = Pagination::of(&query, &mut deliveries, BASE);
    let page = IndexPage {
        layout: Layout::new(&session, &user, "Webhooks", "developers")?,
        endpoints,
        deliveries,
        pagination,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/webhook_new.html")]
struct NewPage {
    layout: Layout,
    form: EndpointForm,
    errors: FieldErrors,
    event_types: [EventType; 17],
}

fn new_page(
    session: &Session,
    user: &CurrentUser,
    form: EndpointForm,
    errors: FieldErrors,
) -> Result<NewPage, AppError> {
    Ok(NewPage {
        layout: Layout::new(session, user, "New webhook endpoint", "developers")?,
        form,
        errors,
        event_types: EventType::ALL,
    })
}

async fn new(session: Session, user: CurrentUser) -> Result<HttpResponse, AppError> {
    let form = EndpointForm {
        events: EventType::ALL
            .iter()
            .map(|e| e.as_str().to_string())
            .collect(),
        ..EndpointForm::default()
    };
    render(
        StatusCode::OK,
        &new_page(&session, &user, form, FieldErrors::default())?,
    )
}

/// Shows a new secret once; it is never shown again.
#[derive(Template)]
#[template(path = "admin/webhook_secret.html")]
struct SecretPage {
    layout: Layout,
    heading: &'static str,
    secret: String,
    /// Where to go on.
    next: String,
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let form = EndpointForm::from_fields(fields.into_inner());
    match form
        .parse(state.config.webhooks.allow_private_webhooks)
        .await
    {
        Ok((url, events)) => {
            let (id, secret) =
                match webhooks::create_endpoint(&state.db, &user.user, &url, &events).await {
                    Ok(created) => created,
                    Err(EndpointError::TooMany) => {
                        let mut errors = FieldErrors::default();
                        errors.add("url", EndpointError::TooMany);
                        let page = new_page(&session, &user, form, errors)?;
                        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
                    }
                    Err(e) => return Err(endpoint_error(e)),
                };
            let page = SecretPage {
                layout: Layout::new(&session, &user, "Webhook endpoint created", "developers")?,
                heading: "Webhook endpoint created",
                secret,
                next: format!("{BASE}/{id}"),
            };
            render(StatusCode::OK, &page)
        }
        Err(errors) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page(&session, &user, form, errors)?,
        ),
    }
}

async fn roll_signing_secret(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let secret = webhooks::roll_signing_secret(&state.db, &user.user).await?;
    let page = SecretPage {
        layout: Layout::new(&session, &user, "New signing secret", "developers")?,
        heading: "New signing secret for subscription webhook URLs",
        secret,
        next: BASE.to_string(),
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "admin/webhook_endpoint.html")]
struct EndpointPage {
    layout: Layout,
    endpoint: Endpoint,
    form: EndpointForm,
    errors: FieldErrors,
    event_types: [EventType; 17],
    deliveries: Vec<Delivery>,
    pagination: Pagination,
}

async fn load(state: &AppState, user: &CurrentUser, id: &str) -> Result<Endpoint, AppError> {
    store_webhooks::endpoint(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn endpoint_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    endpoint: Endpoint,
    form: Option<EndpointForm>,
    errors: FieldErrors,
    query: &PageQuery,
) -> Result<EndpointPage, AppError> {
    let mut deliveries = store_webhooks::deliveries(
        &state.db,
        user.merchant_id(),
        Some(&endpoint.id),
        query.limit(),
        query.offset(),
    )
    .await?;
    let pagination = Pagination::of(query, &mut deliveries, format!("{BASE}/{}", endpoint.id));
    Ok(EndpointPage {
        layout: Layout::new(session, user, &endpoint.url, "developers")?,
        form: form.unwrap_or_else(|| EndpointForm::from_endpoint(&endpoint)),
        endpoint,
        errors,
        event_types: EventType::ALL,
        deliveries,
        pagination,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let endpoint = load(&state, &user, &id).await?;
    let page = endpoint_page(
        &state,
        &session,
        &user,
        endpoint,
        None,
        FieldErrors::default(),
        &query,
    )
    .await?;
    render(StatusCode::OK, &page)
}

fn endpoint_error(e: EndpointError) -> AppError {
    match e {
        EndpointError::NotFound => AppError::NotFound,
        EndpointError::TooMany => AppError::Unexpected(anyhow::anyhow!("too many endpoints")),
        EndpointError::Unexpected(e) => AppError::Unexpected(e),
    }
}

async fn update(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let endpoint = load(&state, &user, &id).await?;
    let form = EndpointForm::from_fields(fields.into_inner());
    let checked = form
        .parse(state.config.webhooks.allow_private_webhooks)
        .await;
    let save = async |(url, events): (reqwest::Url, Vec<EventType>)| {
        webhooks::update_endpoint(&state.db, &user.user, &endpoint.id, &url, &events)
            .await
            .map_err(endpoint_error)?;
        let location = format!("{BASE}/{}", endpoint.id);
        Ok::<_, AppError>(Saved::new("The endpoint is saved.", location))
    };
    let query = PageQuery::new(None);
    let again = async |errors| {
        let form = Some(form);
        endpoint_page(
            &state,
            &session,
            &user,
            endpoint.clone(),
            form,
            errors,
            &query,
        )
        .await
    };
    forms::submit(&session, checked, save, again).await
}

async fn switch(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    id: &str,
    enabled: bool,
) -> Result<HttpResponse, AppError> {
    let endpoint = load(state, user, id).await?;
    webhooks::set_endpoint_enabled(&state.db, &user.user, &endpoint.id, enabled)
        .await
        .map_err(endpoint_error)?;
    let message = if enabled {
        "The endpoint is enabled; new events go to it again."
    } else {
        "The endpoint is disabled; its queued deliveries were cancelled."
    };
    flash(session, FlashKind::Success, message);
    Ok(see_other(&format!("{BASE}/{}", endpoint.id)))
}

async fn enable(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    switch(&state, &session, &user, &id, true).await
}

async fn disable(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    switch(&state, &session, &user, &id, false).await
}

async fn confirm_delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let endpoint = load(&state, &user, &id).await?;
    Confirmation {
        question: format!("Delete the webhook endpoint {}?", endpoint.url),
        losses: vec![
            "No more events are sent to it, not even those waiting to be retried.".into(),
            "Its deliveries and their attempts are deleted for good, with its signing secret."
                .into(),
        ],
        action: format!("{BASE}/{}/delete", endpoint.id),
        button: "Delete endpoint and its deliveries",
        back: format!("{BASE}/{}", endpoint.id),
    }
    .render(&session, &user, "developers")
}

async fn delete(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let endpoint = load(&state, &user, &id).await?;
    webhooks::delete_endpoint(&state.db, &user.user, &endpoint.id)
        .await
        .map_err(endpoint_error)?;
    flash(&session, FlashKind::Success, "The endpoint is deleted.");
    Ok(see_other(BASE))
}

#[derive(Template)]
#[template(path = "admin/webhook_delivery.html")]
struct DeliveryPage {
    layout: Layout,
    delivery: Delivery,
    attempts: Vec<Attempt>,
}

async fn load_delivery(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<Delivery, AppError> {
    store_webhooks::delivery(&state.db, user.merchant_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn delivery(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let delivery = load_delivery(&state, &user, &id).await?;
    let attempts = store_webhooks::attempts(&state.db, user.merchant_id(), &delivery.id).await?;
    let title = format!("{} to {}", delivery.event_type, delivery.url);
    let page = DeliveryPage {
        layout: Layout::new(&session, &user, &title, "developers")?,
        delivery,
        attempts,
    };
    render(StatusCode::OK, &page)
}

async fn resend(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let delivery = load_delivery(&state, &user, &id).await?;
    if webhooks::resend(&state.db, &user.user, &delivery.id).await? {
        flash(
            &session,
            FlashKind::Success,
            "The delivery is queued to be sent again, with the same webhook-id.",
        );
    } else {
        flash(
            &session,
            FlashKind::Error,
            "Only a delivered or failed delivery to an enabled endpoint can be sent again.",
        );
    }
    Ok(see_other(&format!("{BASE}/deliveries/{}", delivery.id)))
}
