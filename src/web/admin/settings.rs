//! The merchant's settings: legal details, SEPA creditor data, language and address, colour
//! and logo.

use actix_multipart::Multipart;
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use super::Layout;
use crate::domain::branding::{BrandColour, Formality, Language};
use crate::domain::fields::FieldErrors;
use crate::domain::phone::PhoneNumber;
use crate::domain::{Bic, CountryCode, CreditorId, EmailAddress, Iban};
use crate::services::merchants::{self, MAX_LOGO_BYTES, logo_content_type};
use crate::store::merchants::{self as merchant_store, Merchant, MerchantSettings};
use crate::web::AppState;
use crate::web::admin::signup_pages::valid_url;
use crate::web::error::{AppError, render, see_other};
use crate::web::forms::{self, Saved};
use crate::web::session::{CurrentUser, FlashKind, flash};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/settings", web::get().to(show))
        .route("/settings", web::post().to(save))
        .route("/settings/logo", web::post().to(upload_logo))
        .route("/settings/logo/remove", web::post().to(remove_logo));
}

/// The form's fields as typed, to re-show them after an error.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    name: String,
    legal_name: String,
    street: String,
    postal_code: String,
    city: String,
    country: String,
    creditor_id: String,
    creditor_iban: String,
    creditor_bic: String,
    default_language: String,
    brand_colour: String,
    contact_email: String,
    website_url: String,
    contact_phone: String,
    privacy_url: String,
    terms_url: String,
    /// Absent (a client that does not know the field) keeps the stored choice.
    formality: Option<String>,
}

impl SettingsForm {
    fn from_merchant(m: &Merchant) -> SettingsForm {
        SettingsForm {
            name: m.name.clone(),
            legal_name: m.legal_name.clone(),
            street: m.street.clone(),
            postal_code: m.postal_code.clone(),
            city: m.city.clone(),
            country: m.country.clone(),
            creditor_id: m.creditor_id.clone().unwrap_or_default(),
            creditor_iban: m
                .creditor_iban
                .as_deref()
                .and_then(|i| Iban::parse(i).ok())
                .map(|i| i.formatted())
                .unwrap_or_default(),
            creditor_bic: m.creditor_bic.clone().unwrap_or_default(),
            default_language: m.default_language.clone(),
            brand_colour: m.brand_colour.clone(),
            contact_email: m.contact_email.clone(),
            website_url: m.website_url.clone(),
            contact_phone: m.contact_phone.clone(),
            privacy_url: m.privacy_url.clone(),
            terms_url: m.terms_url.clone(),
            formality: Some(m.formality().code().to_string()),
        }
    }

    /// The formality as sent, for the drop-down to select it.
    fn formality_code(&self) -> &str {
        self.formality.as_deref().unwrap_or_default()
    }

    /// Turns the text into checked settings, or says what is wrong with each field.
    fn parse(&self) -> Result<MerchantSettings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let text = |errors: &mut FieldErrors,
                    field: &'static str,
                    value: &str,
                    max: usize,
                    required: Option<&str>| {
            let value = value.trim();
            if value.is_empty() {
                if let Some(message) = required {
                    errors.add(field, message);
                }
            } else if value.chars().count() > max {
                errors.add(field, format!("Use at most {max} characters"));
            }
            value.to_string()
        };
        let name = text(
            &mut errors,
            "name",
            &self.name,
            140,
            Some("Enter the name customers know you by"),
        );
        let legal_name = text(&mut errors, "legal_name", &self.legal_name, 70, None);
        let street = text(&mut errors, "street", &self.street, 70, None);
        let postal_code = text(&mut errors, "postal_code", &self.postal_code, 16, None);
        let city = text(&mut errors, "city", &self.city, 35, None);
        let country = optional(&self.country)
            .and_then(|c| errors.check("country", CountryCode::parse(c)))
            .map(|c| c.to_string())
            .unwrap_or_default();
        let creditor_id = optional(&self.creditor_id)
            .and_then(|c| errors.check("creditor_id", CreditorId::parse(c)))
            .map(|c| c.to_string());
        let creditor_iban = optional(&self.creditor_iban)
            .and_then(|c| errors.check("creditor_iban", Iban::parse(c)))
            .map(|c| c.to_string());
        let creditor_bic = optional(&self.creditor_bic)
            .and_then(|c| errors.check("creditor_bic", Bic::parse(c)))
            .map(|c| c.to_string());
        let contact_email = optional(&self.contact_email)
            .and_then(|e| errors.check("contact_email", EmailAddress::parse(e)))
            .map(|e| e.to_string())
            .unwrap_or_default();
        let address = |errors: &mut FieldErrors, field: &'static str, value: &str| {
            let value = value.trim();
            if !value.is_empty() && (value.len() > 500 || !valid_url(value, true)) {
                errors.add(field, "Enter a full address starting with https://");
            }
            value.to_string()
        };
        let website_url = address(&mut errors, "website_url", &self.website_url);
        let privacy_url = address(&mut errors, "privacy_url", &self.privacy_url);
        let terms_url = address(&mut errors, "terms_url", &self.terms_url);
        let home = if country.is_empty() { "NL" } else { &country };
        let contact_phone = optional(&self.contact_phone)
            .and_then(|p| errors.check("contact_phone", PhoneNumber::parse(p, home)))
            .map(|p| p.to_string())
            .unwrap_or_default();
        let language = errors.check("default_language", Language::parse(&self.default_language));
        let colour = errors.check("brand_colour", BrandColour::parse(&self.brand_colour));
        // Not sent: the stored choice stays. Sent but unknown: a field error.
        let formality = self
            .formality
            .as_deref()
            .and_then(|f| errors.check("formality", Formality::parse(f)));
        match (language, colour) {
            (Some(language), Some(colour)) if errors.is_empty() => Ok(MerchantSettings {
                name,
                legal_name,
                street,
                postal_code,
                city,
                country,
                creditor_id,
                creditor_iban,
                creditor_bic,
                default_language: language.code().to_string(),
                brand_colour: colour.to_string(),
                contact_email,
                website_url,
                contact_phone,
                privacy_url,
                terms_url,
                formality: formality.map(|f| f.code().to_string()),
            }),
            _ => Err(errors),
        }
    }
}

/// The trimmed value, or `None` when the field was left empty.
fn optional(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
struct SettingsPage {
    layout: Layout,
    form: SettingsForm,
    errors: FieldErrors,
    languages: &'static [Language],
    formalities: &'static [Formality],
    logo_url: Option<String>,
    logo_error: Option<String>,
}

async fn page(
    state: &AppState,
    session: &Session,
    user: &CurrentUser,
    form: SettingsForm,
    errors: FieldErrors,
    logo_error: Option<String>,
) -> Result<SettingsPage, AppError> {
    let logo_url = merchant_store::logo_version(&state.db, user.merchant_id())
        .await?
        .map(|at| format!("/media/logo/{}?v={}", user.merchant_id(), at.timestamp()));
    Ok(SettingsPage {
        layout: Layout::new(session, user, "Settings", "settings")?,
        form,
        errors,
        languages: Language::ALL,
        formalities: Formality::ALL,
        logo_url,
        logo_error,
    })
}

async fn show(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let merchant = merchant_store::get(&state.db, user.merchant_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let form = SettingsForm::from_merchant(&merchant);
    render(
        StatusCode::OK,
        &page(&state, &session, &user, form, FieldErrors::default(), None).await?,
    )
}

async fn save(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let checked = form.parse();
    let save = async |settings| {
        merchants::update_settings(&state.db, &user.user, &settings).await?;
        Ok::<_, anyhow::Error>(Saved::new("Settings saved.", "/admin/settings"))
    };
    let again = async |errors| page(&state, &session, &user, form, errors, None).await;
    forms::submit(&session, checked, save, again).await
}

/// Reads the `logo` file field, stopping as soon as it is too large. A body that is no multipart
/// form (or breaks off) holds no logo: the page says to choose one.
async fn read_logo(mut multipart: Multipart) -> Vec<u8> {
    while let Some(Ok(mut field)) = multipart.next().await {
        if field.name() != Some("logo") {
            continue;
        }
        let mut data = Vec::new();
        while let Some(chunk) = field.next().await {
            let Ok(chunk) = chunk else {
                return Vec::new();
            };
            data.extend_from_slice(&chunk);
            if data.len() > MAX_LOGO_BYTES {
                break;
            }
        }
        return data;
    }
    Vec::new()
}

async fn upload_logo(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<HttpResponse, AppError> {
    let data = read_logo(multipart).await;
    match logo_content_type(&data) {
        Ok(content_type) => {
            merchants::set_logo(&state.db, &user.user, content_type, &data).await?;
            flash(&session, FlashKind::Success, "Logo uploaded.");
            Ok(see_other("/admin/settings"))
        }
        Err(e) => {
            let merchant = merchant_store::get(&state.db, user.merchant_id())
                .await?
                .ok_or(AppError::NotFound)?;
            let form = SettingsForm::from_merchant(&merchant);
            let page = page(
                &state,
                &session,
                &user,
                form,
                FieldErrors::default(),
                Some(e.to_string()),
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn remove_logo(
    state: web::Data<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<HttpResponse, AppError> {
    merchants::remove_logo(&state.db, &user.user).await?;
    flash(&session, FlashKind::Success, "Logo removed.");
    Ok(see_other("/admin/settings"))
}
