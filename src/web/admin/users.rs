//! Staff accounts of the merchant: owners add users, change roles and remove them.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Confirmation, Layout};
use crate::domain::EmailAddress;
use crate::domain::fields::FieldErrors;
use crate::domain::role::Role;
use crate::services::users::{self as service, NewPassword, UserError};
use crate::store::users::{self, User};
use crate::web::AppState;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Refusal, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users", web::post().to(add))
        .route("/users/{id}/role", web::post().to(change_role))
        .route("/users/{id}/remove", web::get().to(confirm_remove))
        .route("/users/{id}/remove", web::post().to(remove));
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewUserForm {
    email: String,
    role: String,
    password: String,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<User>,
    current_user_id: String,
    roles: [Role; 3],
    form: NewUserForm,
    errors: FieldErrors,
}

async fn page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    form: NewUserForm,
    errors: FieldErrors,
) -> Result<UsersPage, AppError> {
    Ok(UsersPage {
        layout: Layout::new(session, user, "Users", "users")?,
        users: users::list(&state.db, user.merchant_id()).await?,
        current_user_id: user.user.id.clone(),
        roles: Role::ALL,
        form,
        errors,
    })
}

async fn list(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let form = NewUserForm {
        role: Role::Admin.as_str().into(),
        ..NewUserForm::default()
    };
    render(
        StatusCode::OK,
        &page(&state, &session, &user, form, FieldErrors::default()).await?,
    )
}

/// Maps refusals to what the owner sees; unexpected failures become 500 pages.
fn refusal(e: UserError) -> Result<String, AppError> {
    match e {
        UserError::NotOwner => Err(AppError::Forbidden(e.to_string())),
        UserError::NotFound => Err(AppError::NotFound),
        UserError::Unexpected(e) => Err(e.into()),
        other => Ok(other.to_string()),
    }
}

async fn add(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<NewUserForm>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Owner {
        return Err(AppError::Forbidden(UserError::NotOwner.to_string()));
    }
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    let email = errors.check("email", EmailAddress::parse(&form.email));
    let role = errors.check("role", Role::parse(&form.role));
    let password = errors.check("password", NewPassword::parse(&form.password));
    let checked = match (email, role, password) {
        (Some(email), Some(role), Some(password)) => Ok((email, role, password)),
        _ => Err(errors),
    };
    let save = async |(email, role, password): (EmailAddress, Role, NewPassword)| {
        let login_url = format!("{}/login", state.config.base_url);
        let added =
            service::add_user(&state.db, &user.user, &email, role, &password, &login_url).await?;
        let message = format!(
            "{} can now sign in as {}. Share the password with them privately.",
            added.email, role
        );
        Ok::<_, UserError>(Saved::new(message, "/admin/users"))
    };
    // The password is never sent back.
    let form = NewUserForm {
        password: String::new(),
        ..form
    };
    let again = async |errors| page(&state, &session, &user, form, errors).await;
    forms::submit(&session, checked, save, again).await
}

impl From<UserError> for Refusal {
    fn from(e: UserError) -> Refusal {
        match e {
            UserError::NotOwner => Refusal::Page(AppError::Forbidden(e.to_string())),
            UserError::NotFound => Refusal::Page(AppError::NotFound),
            UserError::Unexpected(e) => e.into(),
            other => Refusal::field("email", other),
        }
    }
}

#[derive(Deserialize)]
struct RoleForm {
    role: String,
}

async fn change_role(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<String>,
    form: web::Form<RoleForm>,
) -> Result<HttpResponse, AppError> {
    let Ok(role) = Role::parse(&form.role) else {
        flash(&session, FlashKind::Error, "Choose owner, admin or viewer.");
        return Ok(see_other("/admin/users"));
    };
    match service::change_role(&state.db, &user.user, &path, role).await {
        Ok(()) => flash(&session, FlashKind::Success, "Role changed."),
        Err(e) => flash(&session, FlashKind::Error, &refusal(e)?),
    }
    Ok(see_other("/admin/users"))
}

async fn confirm_remove(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if user.role != Role::Owner {
        return Err(AppError::Forbidden("Only owners remove users".into()));
    }
    let staff = users::get(&state.db, user.merchant_id(), &path)
        .await?
        .ok_or(AppError::NotFound)?;
    Confirmation {
        question: format!("Remove {} ({})?", staff.email, staff.role),
        losses: vec![
            "They are signed out at once and can no longer sign in.".into(),
            "To give them access again, add them anew with a new password.".into(),
        ],
        action: format!("/admin/users/{}/remove", staff.id),
        button: "Remove user",
        back: "/admin/users".into(),
    }
    .render(&session, &user, "users")
}

async fn remove(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match service::remove_user(&state.db, &user.user, &path).await {
        Ok(()) => flash(&session, FlashKind::Success, "User removed."),
        Err(e) => flash(&session, FlashKind::Error, &refusal(e)?),
    }
    Ok(see_other("/admin/users"))
}
