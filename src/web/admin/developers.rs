//! "Developers": API keys (the secret shown once), and the API reference generated from the
//! OpenAPI document.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::{Confirmation, Layout};
use crate::domain::fields::FieldErrors;
use crate::services::api_keys::{self, ApiKeyError};
use crate::store::api_keys::{self as store, ApiKey};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/developers", web::get().to(page))
        .route("/developers/keys", web::post().to(create))
        .route(
            "/developers/keys/{id}/revoke",
            web::get().to(confirm_revoke),
        )
        .route("/developers/keys/{id}/revoke", web::post().to(revoke))
        .route("/developers/api", web::get().to(reference));
}

#[derive(Template)]
#[template(path = "admin/developers.html")]
struct DevelopersPage {
    layout: Layout,
    keys: Vec<ApiKey>,
    key_name: String,
    errors: FieldErrors,
    /// The secret of the key just created: shown on this response only.
    new_secret: Option<String>,
    api_base: String,
}

async fn developers_page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    name: String,
    errors: FieldErrors,
    new_secret: Option<String>,
) -> Result<DevelopersPage, AppError> {
    Ok(DevelopersPage {
        layout: Layout::new(session, user, "Developers", "developers")?,
        keys: store::list(&state.db, user.merchant_id()).await?,
        key_name: name,
        errors,
        new_secret,
        api_base: format!("{}/api/v1", state.config.base_url),
    })
}

async fn page(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let page = developers_page(
        &state,
        &session,
        &user,
        String::new(),
        FieldErrors::default(),
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct KeyForm {
    #[serde(default)]
    name: String,
}

async fn create(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    match api_keys::create(&state.db, user.merchant_id(), Some(&user.user), &form.name).await {
        Ok(key) => {
            // Rendered, not redirected: the secret must not sit in a flash or a URL.
            let page = developers_page(
                &state,
                &session,
                &user,
                String::new(),
                FieldErrors::default(),
                Some(key.secret),
            )
            .await?;
            let mut response = render(StatusCode::OK, &page)?;
            response.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        Err(ApiKeyError::Unexpected(e)) => Err(e.into()),
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("name", e);
            let page = developers_page(
                &state,
                &session,
                &user,
                form.into_inner().name,
                errors,
                None,
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn confirm_revoke(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = store::list(&state.db, user.merchant_id())
        .await?
        .into_iter()
        .find(|k| k.id == *id && k.revoked_at.is_none())
        .ok_or(AppError::NotFound)?;
    Confirmation {
        question: format!("Revoke the API key “{}” ({}…)?", key.name, key.prefix),
        losses: vec![
            "Every program using it is refused from now on, at once.".into(),
            "A revoked key cannot be used again: such programs need a new key.".into(),
        ],
        action: format!("/admin/developers/keys/{}/revoke", key.id),
        button: "Revoke key",
        back: "/admin/developers".into(),
    }
    .render(&session, &user, "developers")
}

async fn revoke(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match api_keys::revoke(&state.db, &user.user, &path).await {
        Ok(()) => flash(
            &session,
            FlashKind::Success,
            "Key revoked: requests with it are refused from now on.",
        ),
        Err(ApiKeyError::NotFound) => return Err(AppError::NotFound),
        Err(ApiKeyError::Unexpected(e)) => return Err(e.into()),
        Err(e) => flash(&session, FlashKind::Error, &e.to_string()),
    }
    Ok(see_other("/admin/developers"))
}

/// One operation of the API, as the reference page lists it.
struct Operation {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    parameters: Vec<Parameter>,
    request_body: Option<String>,
    responses: Vec<(String, String, String)>,
}

struct Parameter {
    name: String,
    location: String,
    required: bool,
    description: String,
}

/// A named schema and its JSON Schema text.
struct Schema {
    name: String,
    json: String,
}

#[derive(Template)]
#[template(path = "admin/api_reference.html")]
struct ReferencePage {
    layout: Layout,
    intro: String,
    operations: Vec<Operation>,
    schemas: Vec<Schema>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The schema a request or response body refers to, by name.
fn body_schema(content: &Value) -> String {
    content
        .get("content")
        .and_then(Value::as_object)
        .and_then(|c| c.values().next())
        .and_then(|media| media.get("schema"))
        .map(|schema| {
            let reference = text(schema, "$ref");
            if reference.is_empty() {
                schema.to_string()
            } else {
                reference.rsplit('/').next().unwrap_or_default().to_string()
            }
        })
        .unwrap_or_default()
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut list = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return list;
    };
    for (path, item) in paths {
        for method in ["get", "post", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let parameters = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| Parameter {
                            name: text(p, "name"),
                            location: text(p, "in"),
                            required: p.get("required").and_then(Value::as_bool).unwrap_or(false),
                            description: text(p, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let responses = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|rs| {
                    rs.iter()
                        .map(|(status, r)| (status.clone(), text(r, "description"), body_schema(r)))
                        .collect()
                })
                .unwrap_or_default();
            list.push(Operation {
                anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(op, "summary"),
                description: text(op, "description"),
                parameters,
                request_body: op.get("requestBody").map(body_schema),
                responses,
            });
        }
    }
    list
}

async fn reference(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let doc = &state.api_document;
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|s| {
            s.iter()
                .map(|(name, schema)| Schema {
                    name: name.clone(),
                    json: serde_json::to_string_pretty(schema).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = ReferencePage {
        layout: Layout::new(&session, &user, "API reference", "developers")?,
        intro: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        operations: operations(doc),
        schemas,
    };
    render(StatusCode::OK, &page)
}
